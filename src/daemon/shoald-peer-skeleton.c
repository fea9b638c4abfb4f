/* shoald-peer-skeleton.c: one ShoalPeer on the bus as org.shoal.Shoal1.Peer
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The skeleton's properties follow the ShoalPeer's. What says where the peer
 * stands (state, name, addresses, trust) becomes a PropertiesChanged signal
 * as soon as it changes (GDBus coalesces them in an idle). The measurements
 * (round-trip time, last seen, the traffic counters) move with every
 * heartbeat and message: they are published at most once every
 * MEASUREMENT_INTERVAL_MS per peer, so that an idle node is quiet on the bus.
 * A change after a quiet interval goes out at once; one that falls inside the
 * interval goes out when the interval ends, by a timer, whether or not
 * anything else moves by then. Send() hands the payload to the node.
 *
 * Whoever asks still gets exact values. The generated skeleton keeps every
 * property's value in itself, and setting a value is what schedules its
 * PropertiesChanged; it answers Get, GetAll and GetManagedObjects with
 * g_object_get_property() on the skeleton, by name. So this class overrides
 * the measurement properties (g_object_class_override_property() on a
 * subclass: its pspec is found first, and its get_property() is called):
 * reading them reads the peer, and since the generated setter is never
 * called for them, the generated code never emits them; publish_measurements()
 * does, on the rule above. The interface's C getters are overridden too, as
 * the generated ones read the values stored in the skeleton.
 */

#include "config.h"

#include "shoal-error.h"
#include "shoald-invocation.h"
#include "shoald-peer-skeleton.h"

#define MEASUREMENT_INTERVAL_MS 10000

/* The moving measurements: the property on ShoalPeer and on the skeleton,
 * the D-Bus name; the table's order is the property ids' (less one). */
static const struct {
  const gchar *property;
  const gchar *dbus_name;
} measurements[] = {
  { "round-trip-time", "RoundTripTime" },
  { "last-seen", "LastSeen" },
  { "bytes-sent", "BytesSent" },
  { "bytes-received", "BytesReceived" },
  { "messages-sent", "MessagesSent" },
  { "messages-received", "MessagesReceived" },
};

enum {
  PROP_ROUND_TRIP_TIME = 1,
  PROP_LAST_SEEN,
  PROP_BYTES_SENT,
  PROP_BYTES_RECEIVED,
  PROP_MESSAGES_SENT,
  PROP_MESSAGES_RECEIVED,
  N_PROPS
};

G_STATIC_ASSERT (G_N_ELEMENTS (measurements) == N_PROPS - 1);

struct _ShoaldPeerSkeleton
{
  ShoalDbusPeerSkeleton parent_instance;

  ShoalNode *node;              /* (owned) */
  ShoalPeer *peer;              /* (owned) */
  guint      publish_timer;     /* ends an interval in which a measurement moved */
  gint64     published_at;      /* monotonic µs of the last measurement signal */
  guint64    published[N_PROPS - 1];  /* the measurements as clients last saw them */
};

static void shoald_peer_skeleton_iface_init (ShoalDbusPeerIface *iface);

G_DEFINE_TYPE_WITH_CODE (ShoaldPeerSkeleton, shoald_peer_skeleton, SHOAL_DBUS_TYPE_PEER_SKELETON,
                         G_IMPLEMENT_INTERFACE (SHOAL_DBUS_TYPE_PEER, shoald_peer_skeleton_iface_init))

/* Same-named properties whose types GValue converts by itself. State is
 * mapped below. */
static const gchar * const bound_properties[] = {
  "id", "name", "addresses", "connected", "trusted", "groups",
  "interface", "local-address", "remote-address",
};

/* Strings the engine leaves %NULL until it knows them; D-Bus says "". */
static const gchar * const nullable_string_properties[] = {
  "fingerprint", "verification-code", "previous-id", "last-error",
};

/* The measurement @prop_id as the peer has it now. */
static guint64
measurement (ShoaldPeerSkeleton *self,
             guint               prop_id)
{
  if (self->peer == NULL)
    return 0;

  switch (prop_id)
    {
    case PROP_ROUND_TRIP_TIME:
      return shoal_peer_get_round_trip_time (self->peer);
    case PROP_LAST_SEEN:
      return (guint64) MAX (shoal_peer_get_last_seen (self->peer), 0);
    case PROP_BYTES_SENT:
      return shoal_peer_get_bytes_sent (self->peer);
    case PROP_BYTES_RECEIVED:
      return shoal_peer_get_bytes_received (self->peer);
    case PROP_MESSAGES_SENT:
      return shoal_peer_get_messages_sent (self->peer);
    case PROP_MESSAGES_RECEIVED:
      return shoal_peer_get_messages_received (self->peer);
    default:
      g_assert_not_reached ();
    }
}

/* Emits one PropertiesChanged with every measurement that moved since the
 * last one, on every connection the skeleton is exported on; nothing if none
 * moved. */
static void
publish_measurements (ShoaldPeerSkeleton *self)
{
  GDBusInterfaceSkeleton *skeleton = G_DBUS_INTERFACE_SKELETON (self);
  g_auto(GVariantBuilder) changed = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) parameters = NULL;
  const gchar *path = g_dbus_interface_skeleton_get_object_path (skeleton);
  GList *connections;
  gboolean moved = FALSE;
  guint prop_id;

  for (prop_id = 1; prop_id < N_PROPS; prop_id++)
    {
      guint64 value = measurement (self, prop_id);

      if (value == self->published[prop_id - 1])
        continue;
      self->published[prop_id - 1] = value;
      g_variant_builder_add (&changed, "{sv}", measurements[prop_id - 1].dbus_name,
                             g_variant_new_uint64 (value));
      moved = TRUE;
    }

  if (!moved)
    return;

  self->published_at = g_get_monotonic_time ();
  if (path == NULL)
    return;

  parameters = g_variant_ref_sink (g_variant_new ("(s@a{sv}@as)",
                                                  g_dbus_interface_skeleton_get_info (skeleton)->name,
                                                  g_variant_builder_end (&changed),
                                                  g_variant_new_strv (NULL, 0)));
  connections = g_dbus_interface_skeleton_get_connections (skeleton);
  for (GList *l = connections; l != NULL; l = l->next)
    {
      g_autoptr(GError) error = NULL;

      if (!g_dbus_connection_emit_signal (l->data, NULL, path, "org.freedesktop.DBus.Properties",
                                          "PropertiesChanged", parameters, &error))
        g_debug ("Cannot publish the measurements of %s: %s", path, error->message);
    }
  g_list_free_full (connections, g_object_unref);
}

static gboolean
publish_timer_cb (gpointer user_data)
{
  ShoaldPeerSkeleton *self = user_data;

  self->publish_timer = 0;
  publish_measurements (self);
  return G_SOURCE_REMOVE;
}

static void
measurement_notify_cb (GObject    *peer,
                       GParamSpec *pspec,
                       gpointer    user_data)
{
  ShoaldPeerSkeleton *self = user_data;
  gint64 quiet_ms = (g_get_monotonic_time () - self->published_at) / 1000;

  if (self->publish_timer != 0)
    return;

  if (quiet_ms >= MEASUREMENT_INTERVAL_MS)
    publish_measurements (self);
  else
    self->publish_timer = g_timeout_add (MEASUREMENT_INTERVAL_MS - quiet_ms, publish_timer_cb,
                                         self);
}

static gboolean
state_to_string (GBinding     *binding,
                 const GValue *from_value,
                 GValue       *to_value,
                 gpointer      user_data)
{
  g_value_set_string (to_value, shoal_peer_state_to_string (g_value_get_enum (from_value)));
  return TRUE;
}

static gboolean
null_to_empty (GBinding     *binding,
               const GValue *from_value,
               GValue       *to_value,
               gpointer      user_data)
{
  const gchar *text = g_value_get_string (from_value);

  g_value_set_string (to_value, text != NULL ? text : "");
  return TRUE;
}

static gboolean
handle_send (ShoalDbusPeer         *object,
             GDBusMethodInvocation *invocation,
             GVariant              *payload)
{
  ShoaldPeerSkeleton *self = SHOALD_PEER_SKELETON (object);
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (payload);
  g_autoptr(GError) error = NULL;
  guint64 id = shoald_send (self->node, shoal_peer_get_id (self->peer), bytes, &error);

  if (id == 0)
    shoald_invocation_return_error (invocation, error);
  else
    shoal_dbus_peer_complete_send (object, invocation, id);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
shoald_peer_skeleton_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ShoaldPeerSkeleton *self = SHOALD_PEER_SKELETON (object);

  if (prop_id == 0 || prop_id >= N_PROPS)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  g_value_set_uint64 (value, measurement (self, prop_id));
}

static void
shoald_peer_skeleton_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  /* The measurements are the peer's: read-only on D-Bus, and nothing here
   * sets them. */
  if (prop_id == 0 || prop_id >= N_PROPS)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
shoald_peer_skeleton_dispose (GObject *object)
{
  ShoaldPeerSkeleton *self = SHOALD_PEER_SKELETON (object);

  g_clear_handle_id (&self->publish_timer, g_source_remove);
  if (self->peer != NULL)
    g_signal_handlers_disconnect_by_data (self->peer, self);
  g_clear_object (&self->peer);
  g_clear_object (&self->node);

  G_OBJECT_CLASS (shoald_peer_skeleton_parent_class)->dispose (object);
}

static void
shoald_peer_skeleton_class_init (ShoaldPeerSkeletonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  guint prop_id;

  object_class->get_property = shoald_peer_skeleton_get_property;
  object_class->set_property = shoald_peer_skeleton_set_property;
  object_class->dispose = shoald_peer_skeleton_dispose;

  /* Found before the generated skeleton's own overrides, so these are what
   * its Get and GetAll handlers read (see the top of this file). */
  for (prop_id = 1; prop_id < N_PROPS; prop_id++)
    g_object_class_override_property (object_class, prop_id, measurements[prop_id - 1].property);
}

static guint64
get_round_trip_time (ShoalDbusPeer *object)
{
  return measurement (SHOALD_PEER_SKELETON (object), PROP_ROUND_TRIP_TIME);
}

static guint64
get_last_seen (ShoalDbusPeer *object)
{
  return measurement (SHOALD_PEER_SKELETON (object), PROP_LAST_SEEN);
}

static guint64
get_bytes_sent (ShoalDbusPeer *object)
{
  return measurement (SHOALD_PEER_SKELETON (object), PROP_BYTES_SENT);
}

static guint64
get_bytes_received (ShoalDbusPeer *object)
{
  return measurement (SHOALD_PEER_SKELETON (object), PROP_BYTES_RECEIVED);
}

static guint64
get_messages_sent (ShoalDbusPeer *object)
{
  return measurement (SHOALD_PEER_SKELETON (object), PROP_MESSAGES_SENT);
}

static guint64
get_messages_received (ShoalDbusPeer *object)
{
  return measurement (SHOALD_PEER_SKELETON (object), PROP_MESSAGES_RECEIVED);
}

static void
shoald_peer_skeleton_iface_init (ShoalDbusPeerIface *iface)
{
  iface->handle_send = handle_send;
  /* The generated getters read values this class never stores. */
  iface->get_round_trip_time = get_round_trip_time;
  iface->get_last_seen = get_last_seen;
  iface->get_bytes_sent = get_bytes_sent;
  iface->get_bytes_received = get_bytes_received;
  iface->get_messages_sent = get_messages_sent;
  iface->get_messages_received = get_messages_received;
}

static void
shoald_peer_skeleton_init (ShoaldPeerSkeleton *self)
{
}

/**
 * shoald_peer_skeleton_new:
 * @node: the node that knows @peer
 * @peer: the peer to show
 *
 * Returns: (transfer full): a skeleton whose properties follow @peer's
 */
ShoaldPeerSkeleton *
shoald_peer_skeleton_new (ShoalNode *node,
                          ShoalPeer *peer)
{
  ShoaldPeerSkeleton *self;
  gsize i;

  g_return_val_if_fail (SHOAL_IS_NODE (node), NULL);
  g_return_val_if_fail (SHOAL_IS_PEER (peer), NULL);

  self = g_object_new (SHOALD_TYPE_PEER_SKELETON, NULL);
  self->node = g_object_ref (node);
  self->peer = g_object_ref (peer);

  /* The bindings go away with either end, so they need no bookkeeping. */
  for (i = 0; i < G_N_ELEMENTS (bound_properties); i++)
    g_object_bind_property (peer, bound_properties[i], self, bound_properties[i],
                            G_BINDING_SYNC_CREATE);
  g_object_bind_property_full (peer, "state", self, "state", G_BINDING_SYNC_CREATE,
                               state_to_string, NULL, NULL, NULL);
  for (i = 0; i < G_N_ELEMENTS (nullable_string_properties); i++)
    g_object_bind_property_full (peer, nullable_string_properties[i],
                                 self, nullable_string_properties[i], G_BINDING_SYNC_CREATE,
                                 null_to_empty, NULL, NULL, NULL);

  /* Clients first see the measurements with the object itself. The first
   * change after that is published at once: a peer that just connected
   * shows its first contact without waiting out an interval. */
  for (i = 1; i < N_PROPS; i++)
    self->published[i - 1] = measurement (self, i);
  self->published_at = g_get_monotonic_time () - MEASUREMENT_INTERVAL_MS * 1000;
  for (i = 0; i < G_N_ELEMENTS (measurements); i++)
    {
      g_autofree gchar *detailed = g_strconcat ("notify::", measurements[i].property, NULL);

      g_signal_connect (peer, detailed, G_CALLBACK (measurement_notify_cb), self);
    }

  return self;
}

/**
 * shoald_peer_skeleton_get_peer:
 * @self: a #ShoaldPeerSkeleton
 *
 * Returns: (transfer none): the peer
 */
ShoalPeer *
shoald_peer_skeleton_get_peer (ShoaldPeerSkeleton *self)
{
  g_return_val_if_fail (SHOALD_IS_PEER_SKELETON (self), NULL);

  return self->peer;
}

/**
 * shoald_peer_skeleton_path_for_id:
 * @peer_id: a valid peer id
 *
 * Returns: (transfer full): the peer's object path, `/org/shoal/Shoal1/peers/<id>`
 */
gchar *
shoald_peer_skeleton_path_for_id (const gchar *peer_id)
{
  g_return_val_if_fail (shoal_peer_id_is_valid (peer_id), NULL);

  return g_strconcat ("/org/shoal/Shoal1/peers/", peer_id, NULL);
}
