/* shoal-peer.c: one remote peer
 *
 * A ShoalPeer is a view: the node owns the link and the dialling state and
 * pushes what changes into the peer's properties, so that a consumer (the
 * daemon, a GTK list) can bind to them and follow along through notify.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-enums.h"
#include "shoal-peer-object-private.h"
#include "shoal-peer-private.h"

/**
 * ShoalPeer:
 *
 * A remote node as this node sees it: its id and name, where it stands
 * (#ShoalPeer:state), the path its link takes (#ShoalPeer:interface) and
 * counters of what crossed the link. A node keeps
 * one #ShoalPeer per peer id in #ShoalNode:peers and updates it in place;
 * connect to #GObject::notify to follow it. Peers are made by the node,
 * never by applications.
 */

G_DEFINE_TYPE (ShoalPeer, shoal_peer, G_TYPE_OBJECT)

GParamSpec *shoal_peer_props[PROP_REMOTE_ADDRESS + 1] = { NULL, };

static void
shoal_peer_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ShoalPeer *self = SHOAL_PEER (object);

  switch ((ShoalPeerProperty) prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_ADDRESSES:
      g_value_set_boxed (value, self->addresses);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, shoal_peer_get_connected (self));
      break;
    case PROP_ROUND_TRIP_TIME:
      g_value_set_uint64 (value, self->round_trip_time);
      break;
    case PROP_LAST_SEEN:
      g_value_set_int64 (value, self->last_seen);
      break;
    case PROP_BYTES_SENT:
      g_value_set_uint64 (value, self->bytes_sent);
      break;
    case PROP_BYTES_RECEIVED:
      g_value_set_uint64 (value, self->bytes_received);
      break;
    case PROP_MESSAGES_SENT:
      g_value_set_uint64 (value, self->messages_sent);
      break;
    case PROP_MESSAGES_RECEIVED:
      g_value_set_uint64 (value, self->messages_received);
      break;
    case PROP_TRUSTED:
      g_value_set_boolean (value, self->trusted);
      break;
    case PROP_FINGERPRINT:
      g_value_set_string (value, self->fingerprint);
      break;
    case PROP_VERIFICATION_CODE:
      g_value_set_string (value, self->verification_code);
      break;
    case PROP_PREVIOUS_ID:
      g_value_set_string (value, self->previous_id);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    case PROP_GROUPS:
      g_value_set_boxed (value, self->groups);
      break;
    case PROP_INTERFACE:
      g_value_set_string (value, self->interface);
      break;
    case PROP_LOCAL_ADDRESS:
      g_value_set_string (value, self->local_address);
      break;
    case PROP_REMOTE_ADDRESS:
      g_value_set_string (value, self->remote_address);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_peer_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  ShoalPeer *self = SHOAL_PEER (object);

  switch ((ShoalPeerProperty) prop_id)
    {
    case PROP_ID:
      g_assert (self->id == NULL);
      self->id = g_value_dup_string (value);
      break;
    case PROP_NAME:
    case PROP_ADDRESSES:
    case PROP_STATE:
    case PROP_CONNECTED:
    case PROP_ROUND_TRIP_TIME:
    case PROP_LAST_SEEN:
    case PROP_BYTES_SENT:
    case PROP_BYTES_RECEIVED:
    case PROP_MESSAGES_SENT:
    case PROP_MESSAGES_RECEIVED:
    case PROP_TRUSTED:
    case PROP_FINGERPRINT:
    case PROP_VERIFICATION_CODE:
    case PROP_PREVIOUS_ID:
    case PROP_LAST_ERROR:
    case PROP_GROUPS:
    case PROP_INTERFACE:
    case PROP_LOCAL_ADDRESS:
    case PROP_REMOTE_ADDRESS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_peer_finalize (GObject *object)
{
  ShoalPeer *self = SHOAL_PEER (object);

  g_free (self->id);
  g_free (self->name);
  g_strfreev (self->addresses);
  g_free (self->fingerprint);
  g_free (self->verification_code);
  g_free (self->previous_id);
  g_free (self->last_error);
  g_strfreev (self->groups);
  g_free (self->interface);
  g_free (self->local_address);
  g_free (self->remote_address);

  G_OBJECT_CLASS (shoal_peer_parent_class)->finalize (object);
}

static void
shoal_peer_class_init (ShoalPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = shoal_peer_get_property;
  object_class->set_property = shoal_peer_set_property;
  object_class->finalize = shoal_peer_finalize;

  /**
   * ShoalPeer:id:
   *
   * The peer's id: 32 lowercase hex characters, stable across its restarts.
   */
  shoal_peer_props[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ShoalPeer:name:
   *
   * The name the peer announces, from its handshake or its DNS-SD record.
   */
  shoal_peer_props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);

  /**
   * ShoalPeer:addresses:
   *
   * Where the peer can be reached, as `HOST:PORT` strings, IPv6 in brackets
   * with the interface of a link-local address (`[fe80::1%eth0]:4242`).
   */
  shoal_peer_props[PROP_ADDRESSES] = g_param_spec_boxed ("addresses", NULL, NULL, G_TYPE_STRV, ro);

  /**
   * ShoalPeer:state:
   *
   * Where the peer stands with this node.
   */
  shoal_peer_props[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, SHOAL_TYPE_PEER_STATE,
                       SHOAL_PEER_STATE_DISCOVERED, ro);

  /**
   * ShoalPeer:connected:
   *
   * Whether a live link to the peer carries messages now.
   */
  shoal_peer_props[PROP_CONNECTED] = g_param_spec_boolean ("connected", NULL, NULL, FALSE, ro);

  /**
   * ShoalPeer:round-trip-time:
   *
   * The last heartbeat's round trip, in microseconds; 0 before the first.
   */
  shoal_peer_props[PROP_ROUND_TRIP_TIME] =
    g_param_spec_uint64 ("round-trip-time", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  /**
   * ShoalPeer:last-seen:
   *
   * When the peer was last heard from, in microseconds since the Unix
   * epoch; 0 if never.
   */
  shoal_peer_props[PROP_LAST_SEEN] = g_param_spec_int64 ("last-seen", NULL, NULL, 0, G_MAXINT64, 0, ro);

  /**
   * ShoalPeer:bytes-sent:
   *
   * Payload bytes written to the peer.
   */
  shoal_peer_props[PROP_BYTES_SENT] = g_param_spec_uint64 ("bytes-sent", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  /**
   * ShoalPeer:bytes-received:
   *
   * Payload bytes received from the peer.
   */
  shoal_peer_props[PROP_BYTES_RECEIVED] =
    g_param_spec_uint64 ("bytes-received", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  /**
   * ShoalPeer:messages-sent:
   *
   * Messages written to the peer.
   */
  shoal_peer_props[PROP_MESSAGES_SENT] =
    g_param_spec_uint64 ("messages-sent", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  /**
   * ShoalPeer:messages-received:
   *
   * Messages received from the peer.
   */
  shoal_peer_props[PROP_MESSAGES_RECEIVED] =
    g_param_spec_uint64 ("messages-received", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  /**
   * ShoalPeer:trusted:
   *
   * Whether the peer is in this node's trust store, approved with
   * shoal_node_trust(). Under the allow-list policy only trusted peers link up.
   */
  shoal_peer_props[PROP_TRUSTED] = g_param_spec_boolean ("trusted", NULL, NULL, FALSE, ro);

  /**
   * ShoalPeer:fingerprint:
   *
   * The SHA-256 of the peer's public key (its SubjectPublicKeyInfo), as 32
   * colon-separated pairs of lowercase hex digits; %NULL until a TLS
   * handshake with the peer has completed.
   */
  shoal_peer_props[PROP_FINGERPRINT] = g_param_spec_string ("fingerprint", NULL, NULL, NULL, ro);

  /**
   * ShoalPeer:verification-code:
   *
   * Six digits derived from this node's key and the peer's: the peer shows
   * the same code for this node, so two people can compare them before
   * trusting each other's machines. %NULL until a TLS handshake completed.
   */
  shoal_peer_props[PROP_VERIFICATION_CODE] =
    g_param_spec_string ("verification-code", NULL, NULL, NULL, ro);

  /**
   * ShoalPeer:previous-id:
   *
   * Set when the peer uses a name this node remembers from a peer with
   * another id (another key): a cloned or replaced machine, or one that
   * pretends to be it. %NULL otherwise.
   */
  shoal_peer_props[PROP_PREVIOUS_ID] = g_param_spec_string ("previous-id", NULL, NULL, NULL, ro);

  /**
   * ShoalPeer:last-error:
   *
   * Why the last attempt to link up with the peer failed or was refused,
   * in either direction: a dial that found nothing listening or timed out,
   * a failed TLS handshake, a refused certificate, a trust policy or a
   * network key that kept the link out, a protocol the node does not speak.
   * In English, for logs and people, not for matching. %NULL once a link
   * comes up, and before anything failed.
   */
  shoal_peer_props[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, ro);

  /**
   * ShoalPeer:groups:
   *
   * The groups the peer said it is in, sorted byte-wise: told when a link
   * comes up and on every change, kept as last said while it is away.
   */
  shoal_peer_props[PROP_GROUPS] = g_param_spec_boxed ("groups", NULL, NULL, G_TYPE_STRV, ro);

  /**
   * ShoalPeer:interface:
   *
   * The local network interface the peer's current link goes through
   * (`eth0`), `lo` for a peer on this machine; "" while the peer has no
   * link, or if no interface has the link's local address any more.
   */
  shoal_peer_props[PROP_INTERFACE] = g_param_spec_string ("interface", NULL, NULL, "", ro);

  /**
   * ShoalPeer:local-address:
   *
   * This node's end of the peer's current link, as `HOST:PORT` written as
   * in #ShoalPeer:addresses; "" while the peer has no link.
   */
  shoal_peer_props[PROP_LOCAL_ADDRESS] = g_param_spec_string ("local-address", NULL, NULL, "", ro);

  /**
   * ShoalPeer:remote-address:
   *
   * The peer's end of its current link, as `HOST:PORT` written as in
   * #ShoalPeer:addresses (for a link the peer dialled, the port it dialled
   * from); "" while the peer has no link.
   */
  shoal_peer_props[PROP_REMOTE_ADDRESS] = g_param_spec_string ("remote-address", NULL, NULL, "", ro);

  g_object_class_install_properties (object_class, G_N_ELEMENTS (shoal_peer_props), shoal_peer_props);
}

static void
shoal_peer_init (ShoalPeer *self)
{
  self->addresses = g_new0 (gchar *, 1);
  self->groups = g_new0 (gchar *, 1);
  self->interface = g_strdup ("");
  self->local_address = g_strdup ("");
  self->remote_address = g_strdup ("");
}

ShoalPeer *
shoal_peer_new (const gchar *id)
{
  return g_object_new (SHOAL_TYPE_PEER, "id", id, NULL);
}

/**
 * shoal_peer_get_id:
 * @self: a #ShoalPeer
 *
 * Gets the peer's id (#ShoalPeer:id).
 *
 * Returns: the peer's id
 */
const gchar *
shoal_peer_get_id (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), NULL);
  return self->id;
}

/**
 * shoal_peer_get_name:
 * @self: a #ShoalPeer
 *
 * Gets the name the peer announces (#ShoalPeer:name).
 *
 * Returns: (nullable): the peer's name, if known yet
 */
const gchar *
shoal_peer_get_name (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), NULL);
  return self->name;
}

/**
 * shoal_peer_get_addresses:
 * @self: a #ShoalPeer
 *
 * Gets where the peer can be reached (#ShoalPeer:addresses).
 *
 * Returns: (transfer none) (array zero-terminated=1): the peer's addresses
 *   as `HOST:PORT` strings
 */
const gchar * const *
shoal_peer_get_addresses (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), NULL);
  return (const gchar * const *) self->addresses;
}

/**
 * shoal_peer_get_state:
 * @self: a #ShoalPeer
 *
 * Gets where the peer stands with this node (#ShoalPeer:state).
 *
 * Returns: where the peer stands with this node
 */
ShoalPeerState
shoal_peer_get_state (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), SHOAL_PEER_STATE_LOST);
  return self->state;
}

/**
 * shoal_peer_get_connected:
 * @self: a #ShoalPeer
 *
 * Gets whether a live link to the peer carries messages now
 * (#ShoalPeer:connected).
 *
 * Returns: whether a live link to the peer exists
 */
gboolean
shoal_peer_get_connected (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), FALSE);
  return self->state == SHOAL_PEER_STATE_CONNECTED;
}

void
shoal_peer_set_string (ShoalPeer          *self,
                       gchar             **field,
                       const gchar        *value,
                       ShoalPeerProperty   prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), shoal_peer_props[prop]);
}

void
shoal_peer_set_trusted (ShoalPeer *self,
                        gboolean   trusted)
{
  if (self->trusted == trusted)
    return;

  self->trusted = trusted;
  g_object_notify_by_pspec (G_OBJECT (self), shoal_peer_props[PROP_TRUSTED]);
}

void
shoal_peer_set_identity (ShoalPeer   *self,
                         const gchar *fingerprint,
                         const gchar *verification_code)
{
  g_object_freeze_notify (G_OBJECT (self));
  shoal_peer_set_string (self, &self->fingerprint, fingerprint, PROP_FINGERPRINT);
  shoal_peer_set_string (self, &self->verification_code, verification_code, PROP_VERIFICATION_CODE);
  g_object_thaw_notify (G_OBJECT (self));
}

void
shoal_peer_set_previous_id (ShoalPeer   *self,
                            const gchar *previous_id)
{
  shoal_peer_set_string (self, &self->previous_id, previous_id, PROP_PREVIOUS_ID);
}

void
shoal_peer_set_last_error (ShoalPeer   *self,
                           const gchar *last_error)
{
  shoal_peer_set_string (self, &self->last_error, last_error, PROP_LAST_ERROR);
}

/**
 * shoal_peer_get_trusted:
 * @self: a #ShoalPeer
 *
 * Gets whether the peer is in this node's trust store (#ShoalPeer:trusted).
 *
 * Returns: whether the peer is trusted in this node's trust store
 */
gboolean
shoal_peer_get_trusted (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), FALSE);

  return self->trusted;
}

/**
 * shoal_peer_get_fingerprint:
 * @self: a #ShoalPeer
 *
 * Gets the fingerprint of the peer's public key (#ShoalPeer:fingerprint).
 *
 * Returns: (nullable): the fingerprint of the peer's public key
 */
const gchar *
shoal_peer_get_fingerprint (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), NULL);

  return self->fingerprint;
}

/**
 * shoal_peer_get_verification_code:
 * @self: a #ShoalPeer
 *
 * Gets the code two people compare before trusting each other's machines
 * (#ShoalPeer:verification-code).
 *
 * Returns: (nullable): the six-digit code the peer shows for this node too
 */
const gchar *
shoal_peer_get_verification_code (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), NULL);

  return self->verification_code;
}

/**
 * shoal_peer_get_previous_id:
 * @self: a #ShoalPeer
 *
 * Gets the id this peer's name was known under before (#ShoalPeer:previous-
 * id).
 *
 * Returns: (nullable): the id this peer's name was known under before, if
 *   it differs from the peer's own
 */
const gchar *
shoal_peer_get_previous_id (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), NULL);

  return self->previous_id;
}

/**
 * shoal_peer_get_last_error:
 * @self: a #ShoalPeer
 *
 * Gets why the last attempt to link up with the peer failed
 * (#ShoalPeer:last-error).
 *
 * Returns: (nullable): why the last attempt to link up with the peer failed,
 *   or %NULL once a link is up or when nothing failed yet
 */
const gchar *
shoal_peer_get_last_error (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), NULL);

  return self->last_error;
}

/**
 * shoal_peer_get_groups:
 * @self: a #ShoalPeer
 *
 * Gets the groups the peer is in, as it last said (#ShoalPeer:groups).
 *
 * Returns: (transfer none) (array zero-terminated=1): the groups, sorted
 */
const gchar * const *
shoal_peer_get_groups (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), NULL);

  return (const gchar * const *) self->groups;
}

void
shoal_peer_set_groups (ShoalPeer           *self,
                       const gchar * const *groups)
{
  if (g_strv_equal (groups, (const gchar * const *) self->groups))
    return;

  g_strfreev (self->groups);
  self->groups = g_strdupv ((gchar **) groups);
  g_object_notify_by_pspec (G_OBJECT (self), shoal_peer_props[PROP_GROUPS]);
}

void
shoal_peer_set_name (ShoalPeer   *self,
                     const gchar *name)
{
  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), shoal_peer_props[PROP_NAME]);
}

void
shoal_peer_set_state (ShoalPeer      *self,
                      ShoalPeerState  state)
{
  gboolean was_connected = shoal_peer_get_connected (self);

  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), shoal_peer_props[PROP_STATE]);
  if (was_connected != shoal_peer_get_connected (self))
    g_object_notify_by_pspec (G_OBJECT (self), shoal_peer_props[PROP_CONNECTED]);
}

void
shoal_peer_set_addresses (ShoalPeer *self,
                          GPtrArray *addresses)
{
  g_auto(GStrv) strings = g_new0 (gchar *, addresses->len + 1);

  for (guint i = 0; i < addresses->len; i++)
    strings[i] = shoal_socket_address_to_string (g_ptr_array_index (addresses, i));

  if (g_strv_equal ((const gchar * const *) strings, (const gchar * const *) self->addresses))
    return;

  g_strfreev (self->addresses);
  self->addresses = g_steal_pointer (&strings);
  g_object_notify_by_pspec (G_OBJECT (self), shoal_peer_props[PROP_ADDRESSES]);
}

