/* shoald-peer-skeleton.c: one ShoalPeer on the bus as org.shoal.Shoal1.Peer
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The skeleton's properties follow the ShoalPeer's, so every change the
 * engine notifies becomes a PropertiesChanged signal (GDBus coalesces them in
 * an idle). The traffic counters change with every message, so they are
 * published at most once every COUNTER_INTERVAL_MS instead (a change after a
 * quiet spell at once, a burst at its end): a script sending in a loop would
 * otherwise pay for a signal per call. Send() hands the payload to the node.
 */

#include "config.h"

#include "shoal-error.h"
#include "shoald-invocation.h"
#include "shoald-peer-skeleton.h"

#define COUNTER_INTERVAL_MS 250

struct _ShoaldPeerSkeleton
{
  ShoalDbusPeerSkeleton parent_instance;

  ShoalNode *node;            /* (owned) */
  ShoalPeer *peer;            /* (owned) */
  guint      counters_timer;  /* publishes the counters once they moved */
  gint64     published_at;    /* monotonic µs */
};

static void shoald_peer_skeleton_iface_init (ShoalDbusPeerIface *iface);

G_DEFINE_TYPE_WITH_CODE (ShoaldPeerSkeleton, shoald_peer_skeleton, SHOAL_DBUS_TYPE_PEER_SKELETON,
                         G_IMPLEMENT_INTERFACE (SHOAL_DBUS_TYPE_PEER, shoald_peer_skeleton_iface_init))

/* Same-named properties whose types GValue converts by itself (gint64 last-seen
 * becomes the D-Bus `t`). State is mapped below. */
static const gchar * const bound_properties[] = {
  "id", "name", "addresses", "connected", "round-trip-time",
};

static const gchar * const counter_properties[] = {
  "last-seen", "bytes-sent", "bytes-received", "messages-sent", "messages-received",
};

static void
publish_counters (ShoaldPeerSkeleton *self)
{
  gsize i;

  self->published_at = g_get_monotonic_time ();
  g_object_freeze_notify (G_OBJECT (self));
  for (i = 0; i < G_N_ELEMENTS (counter_properties); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_object_get_property (G_OBJECT (self->peer), counter_properties[i], &value);
      g_object_set_property (G_OBJECT (self), counter_properties[i], &value);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static gboolean
counters_timer_cb (gpointer user_data)
{
  ShoaldPeerSkeleton *self = user_data;

  self->counters_timer = 0;
  publish_counters (self);
  return G_SOURCE_REMOVE;
}

static void
counter_notify_cb (GObject    *peer,
                   GParamSpec *pspec,
                   gpointer    user_data)
{
  ShoaldPeerSkeleton *self = user_data;
  gint64 quiet_ms = (g_get_monotonic_time () - self->published_at) / 1000;

  if (self->counters_timer != 0)
    return;

  if (quiet_ms >= COUNTER_INTERVAL_MS)
    publish_counters (self);
  else
    self->counters_timer = g_timeout_add (COUNTER_INTERVAL_MS - quiet_ms, counters_timer_cb, self);
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
handle_send (ShoalDbusPeer         *object,
             GDBusMethodInvocation *invocation,
             GVariant              *payload)
{
  ShoaldPeerSkeleton *self = SHOALD_PEER_SKELETON (object);
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (payload);
  g_autoptr(GError) error = NULL;

  if (!shoal_node_send (self->node, shoal_peer_get_id (self->peer), bytes, &error))
    shoald_invocation_return_error (invocation, error);
  else
    shoal_dbus_peer_complete_send (object, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
shoald_peer_skeleton_dispose (GObject *object)
{
  ShoaldPeerSkeleton *self = SHOALD_PEER_SKELETON (object);

  g_clear_handle_id (&self->counters_timer, g_source_remove);
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

  object_class->dispose = shoald_peer_skeleton_dispose;
}

static void
shoald_peer_skeleton_iface_init (ShoalDbusPeerIface *iface)
{
  iface->handle_send = handle_send;
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

  /* The first change after this copy is published at once: a peer that just
   * connected shows its first contact without waiting out an interval. */
  publish_counters (self);
  self->published_at = 0;
  for (i = 0; i < G_N_ELEMENTS (counter_properties); i++)
    {
      g_autofree gchar *detailed = g_strconcat ("notify::", counter_properties[i], NULL);

      g_signal_connect (peer, detailed, G_CALLBACK (counter_notify_cb), self);
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
