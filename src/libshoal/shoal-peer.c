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

#include <net/if.h>

#include "shoal-enums.h"
#include "shoal-peer-private.h"

struct _ShoalPeer
{
  GObject         parent_instance;

  gchar          *id;         /* (owned) */
  gchar          *name;       /* (owned) (nullable) */
  GStrv           addresses;  /* (owned) */
  ShoalPeerState  state;
  guint64         round_trip_time;
  gint64          last_seen;
  guint64         bytes_sent;
  guint64         bytes_received;
  guint64         messages_sent;
  guint64         messages_received;
};

G_DEFINE_TYPE (ShoalPeer, shoal_peer, G_TYPE_OBJECT)

typedef enum {
  PROP_ID = 1,
  PROP_NAME,
  PROP_ADDRESSES,
  PROP_STATE,
  PROP_CONNECTED,
  PROP_ROUND_TRIP_TIME,
  PROP_LAST_SEEN,
  PROP_BYTES_SENT,
  PROP_BYTES_RECEIVED,
  PROP_MESSAGES_SENT,
  PROP_MESSAGES_RECEIVED,
} ShoalPeerProperty;

static GParamSpec *props[PROP_MESSAGES_RECEIVED + 1] = { NULL, };

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
  props[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ShoalPeer:name:
   *
   * The name the peer announces, from its handshake or its DNS-SD record.
   */
  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);

  /**
   * ShoalPeer:addresses:
   *
   * Where the peer can be reached, as `HOST:PORT` strings, IPv6 in brackets
   * with the interface of a link-local address (`[fe80::1%eth0]:4242`).
   */
  props[PROP_ADDRESSES] = g_param_spec_boxed ("addresses", NULL, NULL, G_TYPE_STRV, ro);

  /**
   * ShoalPeer:state:
   *
   * Where the peer stands with this node.
   */
  props[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, SHOAL_TYPE_PEER_STATE,
                       SHOAL_PEER_STATE_DISCOVERED, ro);

  /**
   * ShoalPeer:connected:
   *
   * Whether a live link to the peer carries messages now.
   */
  props[PROP_CONNECTED] = g_param_spec_boolean ("connected", NULL, NULL, FALSE, ro);

  /**
   * ShoalPeer:round-trip-time:
   *
   * The last heartbeat's round trip, in microseconds; 0 before the first.
   */
  props[PROP_ROUND_TRIP_TIME] =
    g_param_spec_uint64 ("round-trip-time", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  /**
   * ShoalPeer:last-seen:
   *
   * When the peer was last heard from, in microseconds since the Unix
   * epoch; 0 if never.
   */
  props[PROP_LAST_SEEN] = g_param_spec_int64 ("last-seen", NULL, NULL, 0, G_MAXINT64, 0, ro);

  /**
   * ShoalPeer:bytes-sent:
   *
   * Payload bytes written to the peer.
   */
  props[PROP_BYTES_SENT] = g_param_spec_uint64 ("bytes-sent", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  /**
   * ShoalPeer:bytes-received:
   *
   * Payload bytes received from the peer.
   */
  props[PROP_BYTES_RECEIVED] =
    g_param_spec_uint64 ("bytes-received", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  /**
   * ShoalPeer:messages-sent:
   *
   * Messages written to the peer.
   */
  props[PROP_MESSAGES_SENT] =
    g_param_spec_uint64 ("messages-sent", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  /**
   * ShoalPeer:messages-received:
   *
   * Messages received from the peer.
   */
  props[PROP_MESSAGES_RECEIVED] =
    g_param_spec_uint64 ("messages-received", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  g_object_class_install_properties (object_class, G_N_ELEMENTS (props), props);
}

static void
shoal_peer_init (ShoalPeer *self)
{
  self->addresses = g_new0 (gchar *, 1);
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
 * Returns: (transfer none): the peer's addresses as `HOST:PORT` strings
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
 * Returns: whether a live link to the peer exists
 */
gboolean
shoal_peer_get_connected (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), FALSE);
  return self->state == SHOAL_PEER_STATE_CONNECTED;
}

/**
 * shoal_peer_get_round_trip_time:
 * @self: a #ShoalPeer
 *
 * Returns: the last measured round trip in microseconds, or 0
 */
guint64
shoal_peer_get_round_trip_time (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->round_trip_time;
}

/**
 * shoal_peer_get_last_seen:
 * @self: a #ShoalPeer
 *
 * Returns: when the peer was last heard from (µs since the Unix epoch), or 0
 */
gint64
shoal_peer_get_last_seen (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->last_seen;
}

/**
 * shoal_peer_get_bytes_sent:
 * @self: a #ShoalPeer
 *
 * Returns: payload bytes written to the peer
 */
guint64
shoal_peer_get_bytes_sent (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->bytes_sent;
}

/**
 * shoal_peer_get_bytes_received:
 * @self: a #ShoalPeer
 *
 * Returns: payload bytes received from the peer
 */
guint64
shoal_peer_get_bytes_received (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->bytes_received;
}

/**
 * shoal_peer_get_messages_sent:
 * @self: a #ShoalPeer
 *
 * Returns: messages written to the peer
 */
guint64
shoal_peer_get_messages_sent (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->messages_sent;
}

/**
 * shoal_peer_get_messages_received:
 * @self: a #ShoalPeer
 *
 * Returns: messages received from the peer
 */
guint64
shoal_peer_get_messages_received (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->messages_received;
}

/**
 * shoal_peer_state_to_string:
 * @state: a #ShoalPeerState
 *
 * Returns: the state's name as scripts see it: "discovered", "connecting",
 *   "connected" or "lost"
 */
const gchar *
shoal_peer_state_to_string (ShoalPeerState state)
{
  switch (state)
    {
    case SHOAL_PEER_STATE_DISCOVERED:
      return "discovered";
    case SHOAL_PEER_STATE_CONNECTING:
      return "connecting";
    case SHOAL_PEER_STATE_CONNECTED:
      return "connected";
    case SHOAL_PEER_STATE_LOST:
      return "lost";
    default:
      return "unknown";
    }
}

void
shoal_peer_set_name (ShoalPeer   *self,
                     const gchar *name)
{
  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NAME]);
}

void
shoal_peer_set_state (ShoalPeer      *self,
                      ShoalPeerState  state)
{
  gboolean was_connected = shoal_peer_get_connected (self);

  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
  if (was_connected != shoal_peer_get_connected (self))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
}

gchar *
shoal_socket_address_to_string (GInetSocketAddress *address)
{
  GInetAddress *inet = g_inet_socket_address_get_address (address);
  guint16 port = g_inet_socket_address_get_port (address);
  g_autofree gchar *host = g_inet_address_to_string (inet);

  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    {
      guint32 scope_id = g_inet_socket_address_get_scope_id (address);
      gchar ifname[IF_NAMESIZE] = { 0, };

      if (scope_id != 0 && if_indextoname (scope_id, ifname) != NULL)
        return g_strdup_printf ("[%s%%%s]:%u", host, ifname, port);
      if (scope_id != 0)
        return g_strdup_printf ("[%s%%%u]:%u", host, scope_id, port);
      return g_strdup_printf ("[%s]:%u", host, port);
    }

  return g_strdup_printf ("%s:%u", host, port);
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
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ADDRESSES]);
}

void
shoal_peer_set_round_trip_time (ShoalPeer *self,
                                guint64    usec)
{
  if (self->round_trip_time == usec)
    return;

  self->round_trip_time = usec;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ROUND_TRIP_TIME]);
}

void
shoal_peer_set_last_seen (ShoalPeer *self,
                          gint64     unix_usec)
{
  if (self->last_seen == unix_usec)
    return;

  self->last_seen = unix_usec;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LAST_SEEN]);
}

/* Counters move in batches (one per socket read or write), not per message:
 * a notify per message would cost more than the message itself. Both values
 * change before either is notified, so a handler reading both sees them
 * agree. */
static void
add_counts (ShoalPeer  *self,
            guint64    *messages_field,
            guint64    *bytes_field,
            GParamSpec *messages_pspec,
            GParamSpec *bytes_pspec,
            guint64     messages,
            guint64     bytes)
{
  *messages_field += messages;
  *bytes_field += bytes;

  if (messages != 0)
    g_object_notify_by_pspec (G_OBJECT (self), messages_pspec);
  if (bytes != 0)
    g_object_notify_by_pspec (G_OBJECT (self), bytes_pspec);
}

void
shoal_peer_add_sent (ShoalPeer *self,
                     guint64    messages,
                     guint64    bytes)
{
  add_counts (self, &self->messages_sent, &self->bytes_sent,
              props[PROP_MESSAGES_SENT], props[PROP_BYTES_SENT], messages, bytes);
}

void
shoal_peer_add_received (ShoalPeer *self,
                         guint64    messages,
                         guint64    bytes)
{
  add_counts (self, &self->messages_received, &self->bytes_received,
              props[PROP_MESSAGES_RECEIVED], props[PROP_BYTES_RECEIVED], messages, bytes);
}
