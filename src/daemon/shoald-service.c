/* shoald-service.c: a ShoalNode on the bus as org.shoal.Shoal1 and its peer objects
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A thin bridge: the root interface's methods call the node, the node's
 * signals become D-Bus signals, and every peer the node knows gets an object
 * under the ObjectManager at /org/shoal/Shoal1. Nothing here keeps state of its
 * own beyond which peer object belongs to which peer.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-enums.h"
#include "shoal-error.h"
#include "shoald-groups.h"
#include "shoald-control.h"
#include "shoald-invocation.h"
#include "shoald-peer-skeleton.h"
#include "shoald-service.h"

struct _ShoaldService
{
  ShoalDbusServiceSkeleton parent_instance;

  ShoalNode                *node;     /* (owned) */
  GDBusObjectManagerServer *manager;  /* (owned) */
  GHashTable               *objects;  /* (owned): peer id → (owned) ShoalDbusObjectSkeleton */

  /* Signals (and their payload bytes) handed to GDBus, known written by
   * it, and handed to it when the last flush began; the flushes under way,
   * and whether the node is held meanwhile. */
  guint64                   queued;
  guint64                   queued_bytes;
  guint64                   written;
  guint64                   written_bytes;
  guint64                   flush_mark;
  guint64                   flush_mark_bytes;
  guint                     flushes;
  gboolean                  holding;
};

/* GDBus queues every signal in memory until its worker thread has written
 * it, without bound: a peer that floods would grow shoald by the size of
 * each message and more, and a method's reply waits behind every signal
 * queued before it. Every FLUSH_EVERY signals (or FLUSH_EVERY_BYTES of
 * payload: a few large messages weigh as much as many small ones) a flush
 * starts, one after the other, so that GDBus says how far it has written;
 * while MAX_UNWRITTEN signals (or MAX_UNWRITTEN_BYTES) are not known
 * written, the node stops reading its links, and TCP slows the senders
 * down. Reading resumes as soon as a flush brings that below the bound,
 * while GDBus still has the rest to write, so the bus is never left idle. */
#define FLUSH_EVERY 128
#define FLUSH_EVERY_BYTES (4 * 1024 * 1024)
#define MAX_UNWRITTEN 512
#define MAX_UNWRITTEN_BYTES (16 * 1024 * 1024)
/* Each flush waits in a thread of GLib's pool. */
#define MAX_FLUSHES (MAX_UNWRITTEN / FLUSH_EVERY + 1)

static void shoald_service_iface_init (ShoalDbusServiceIface *iface);

/* The skeleton's handle_* vfuncs are ours: the generated type calls them
 * from its signals' class closures. */
G_DEFINE_TYPE_WITH_CODE (ShoaldService, shoald_service, SHOAL_DBUS_TYPE_SERVICE_SKELETON,
                         G_IMPLEMENT_INTERFACE (SHOAL_DBUS_TYPE_SERVICE, shoald_service_iface_init))

/* D-Bus has no null string: what the engine does not know yet is "". */
static const gchar *
or_empty (const gchar *text)
{
  return text != NULL ? text : "";
}

static GVariant *
peer_to_variant (ShoalPeer *peer)
{
  GVariantDict dict;
  const gchar * const *addresses = shoal_peer_get_addresses (peer);
  const gchar * const no_addresses[] = { NULL };

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "id", "s", shoal_peer_get_id (peer));
  g_variant_dict_insert (&dict, "name", "s", shoal_peer_get_name (peer) ? shoal_peer_get_name (peer) : "");
  g_variant_dict_insert_value (&dict, "addresses",
                               g_variant_new_strv (addresses ? addresses : no_addresses, -1));
  g_variant_dict_insert (&dict, "state", "s",
                         shoal_peer_state_to_string (shoal_peer_get_state (peer)));
  g_variant_dict_insert (&dict, "connected", "b", shoal_peer_get_connected (peer));
  g_variant_dict_insert (&dict, "trusted", "b", shoal_peer_get_trusted (peer));
  g_variant_dict_insert (&dict, "fingerprint", "s", or_empty (shoal_peer_get_fingerprint (peer)));
  g_variant_dict_insert (&dict, "verification-code", "s",
                         or_empty (shoal_peer_get_verification_code (peer)));
  g_variant_dict_insert (&dict, "previous-id", "s", or_empty (shoal_peer_get_previous_id (peer)));
  g_variant_dict_insert (&dict, "last-error", "s", or_empty (shoal_peer_get_last_error (peer)));
  g_variant_dict_insert (&dict, "rtt-usec", "t", shoal_peer_get_round_trip_time (peer));
  g_variant_dict_insert (&dict, "last-seen-usec", "t",
                         (guint64) MAX (shoal_peer_get_last_seen (peer), 0));
  g_variant_dict_insert (&dict, "bytes-sent", "t", shoal_peer_get_bytes_sent (peer));
  g_variant_dict_insert (&dict, "bytes-received", "t", shoal_peer_get_bytes_received (peer));
  g_variant_dict_insert (&dict, "messages-sent", "t", shoal_peer_get_messages_sent (peer));
  g_variant_dict_insert (&dict, "messages-received", "t", shoal_peer_get_messages_received (peer));
  g_variant_dict_insert_value (&dict, "groups", g_variant_new_strv (shoal_peer_get_groups (peer), -1));
  g_variant_dict_insert (&dict, "interface", "s", shoal_peer_get_interface (peer));
  g_variant_dict_insert (&dict, "local-address", "s", shoal_peer_get_local_address (peer));
  g_variant_dict_insert (&dict, "remote-address", "s", shoal_peer_get_remote_address (peer));
  return g_variant_dict_end (&dict);
}

static gboolean
handle_list_peers (ShoalDbusService      *object,
                   GDBusMethodInvocation *invocation)
{
  ShoaldService *self = SHOALD_SERVICE (object);
  GListModel *peers = shoal_node_get_peers (self->node);
  GVariantBuilder builder;
  guint i, n;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  n = g_list_model_get_n_items (peers);
  for (i = 0; i < n; i++)
    {
      g_autoptr(ShoalPeer) peer = g_list_model_get_item (peers, i);

      g_variant_builder_add_value (&builder, peer_to_variant (peer));
    }

  shoal_dbus_service_complete_list_peers (object, invocation, g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_diagnose (ShoalDbusService      *object,
                 GDBusMethodInvocation *invocation)
{
  ShoaldService *self = SHOALD_SERVICE (object);
  g_autoptr(GVariant) report = shoal_node_diagnose (self->node);

  shoal_dbus_service_complete_diagnose (object, invocation, report);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_send (ShoalDbusService      *object,
             GDBusMethodInvocation *invocation,
             const gchar           *peer_id,
             GVariant              *payload)
{
  ShoaldService *self = SHOALD_SERVICE (object);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  guint64 id;

  /* The node refuses a malformed id itself, with InvalidPeerId. */
  bytes = g_variant_get_data_as_bytes (payload);
  id = shoald_send (self->node, peer_id, bytes, &error);
  if (id == 0)
    shoald_invocation_return_error (invocation, error);
  else
    shoal_dbus_service_complete_send (object, invocation, id);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_broadcast (ShoalDbusService      *object,
                  GDBusMethodInvocation *invocation,
                  GVariant              *payload)
{
  ShoaldService *self = SHOALD_SERVICE (object);
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (payload);

  /* shoal_node_broadcast() reports no errors, only a count: check here what
   * Send() would refuse, so that both methods answer alike. */
  if (g_bytes_get_size (bytes) > (guint) SHOAL_NODE_MAX_MESSAGE_SIZE)
    {
      g_dbus_method_invocation_return_error (invocation, SHOAL_ERROR, SHOAL_ERROR_MESSAGE_TOO_LARGE,
                                             _("The message is %lu bytes; at most %u bytes are allowed"),
                                             (gulong) g_bytes_get_size (bytes), (guint) SHOAL_NODE_MAX_MESSAGE_SIZE);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (!shoal_node_get_running (self->node))
    {
      g_dbus_method_invocation_return_error_literal (invocation, SHOAL_ERROR, SHOAL_ERROR_NOT_RUNNING,
                                                     _("The node is not running"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  {
    g_autoptr(GPtrArray) recipients = NULL;
    g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
    g_auto(GStrv) strv = NULL;
    guint64 id = shoal_node_broadcast (self->node, bytes, &recipients);

    for (guint i = 0; recipients != NULL && i < recipients->len; i++)
      g_strv_builder_add (ids, shoal_peer_get_id (g_ptr_array_index (recipients, i)));
    strv = g_strv_builder_end (ids);
    shoal_dbus_service_complete_broadcast (object, invocation, id, (const gchar * const *) strv);
  }
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_trust (ShoalDbusService      *object,
              GDBusMethodInvocation *invocation,
              const gchar           *peer_id)
{
  ShoaldService *self = SHOALD_SERVICE (object);
  g_autoptr(GError) error = NULL;

  /* The node checks the id, stores the decision and applies it. */
  if (!shoal_node_trust (self->node, peer_id, &error))
    shoald_invocation_return_error (invocation, error);
  else
    shoal_dbus_service_complete_trust (object, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_untrust (ShoalDbusService      *object,
                GDBusMethodInvocation *invocation,
                const gchar           *peer_id)
{
  ShoaldService *self = SHOALD_SERVICE (object);
  g_autoptr(GError) error = NULL;

  if (!shoal_node_untrust (self->node, peer_id, &error))
    shoald_invocation_return_error (invocation, error);
  else
    shoal_dbus_service_complete_untrust (object, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_join_group (ShoalDbusService      *object,
                   GDBusMethodInvocation *invocation,
                   const gchar           *name)
{
  return shoald_groups_handle_join (SHOALD_SERVICE (object)->node, object, invocation, name);
}

static gboolean
handle_leave_group (ShoalDbusService      *object,
                    GDBusMethodInvocation *invocation,
                    const gchar           *name)
{
  return shoald_groups_handle_leave (SHOALD_SERVICE (object)->node, object, invocation, name);
}

static gboolean
handle_send_to_group (ShoalDbusService      *object,
                      GDBusMethodInvocation *invocation,
                      const gchar           *name,
                      GVariant              *payload)
{
  return shoald_groups_handle_send (SHOALD_SERVICE (object)->node, object, invocation, name,
                                    payload);
}

static void
add_peer_object (ShoaldService *self,
                 ShoalPeer     *peer)
{
  const gchar *id = shoal_peer_get_id (peer);
  g_autofree gchar *path = NULL;
  g_autoptr(ShoalDbusObjectSkeleton) object = NULL;
  g_autoptr(ShoaldPeerSkeleton) skeleton = NULL;

  if (!shoal_peer_id_is_valid (id) || g_hash_table_contains (self->objects, id))
    return;

  path = shoald_peer_skeleton_path_for_id (id);
  object = shoal_dbus_object_skeleton_new (path);
  skeleton = shoald_peer_skeleton_new (self->node, peer);
  shoal_dbus_object_skeleton_set_peer (object, SHOAL_DBUS_PEER (skeleton));
  g_dbus_object_manager_server_export (self->manager, G_DBUS_OBJECT_SKELETON (object));
  g_hash_table_insert (self->objects, g_strdup (id), g_steal_pointer (&object));
  g_debug ("Exported peer %s at %s", id, path);
}

static void
remove_peer_object (ShoaldService *self,
                    const gchar   *id)
{
  g_autofree gchar *path = NULL;

  if (!g_hash_table_remove (self->objects, id))
    return;
  path = shoald_peer_skeleton_path_for_id (id);
  g_dbus_object_manager_server_unexport (self->manager, path);
  g_debug ("Unexported peer %s", id);
}

static void
on_peer_added (ShoalNode     *node,
               ShoalPeer     *peer,
               ShoaldService *self)
{
  add_peer_object (self, peer);
}

static void
on_peer_removed (ShoalNode     *node,
                 ShoalPeer     *peer,
                 ShoaldService *self)
{
  remove_peer_object (self, shoal_peer_get_id (peer));
}

static void
on_peer_connected (ShoalNode     *node,
                   ShoalPeer     *peer,
                   ShoaldService *self)
{
  /* A peer may connect before discovery announced it (it dialled us). */
  add_peer_object (self, peer);
  shoal_dbus_service_emit_peer_connected (SHOAL_DBUS_SERVICE (self),
                                          shoal_peer_get_id (peer),
                                          shoal_peer_get_name (peer) ? shoal_peer_get_name (peer) : "");
}

static void
on_peer_pending (ShoalNode     *node,
                 ShoalPeer     *peer,
                 ShoaldService *self)
{
  add_peer_object (self, peer);
  shoal_dbus_service_emit_peer_pending (SHOAL_DBUS_SERVICE (self),
                                        shoal_peer_get_id (peer),
                                        or_empty (shoal_peer_get_name (peer)),
                                        or_empty (shoal_peer_get_verification_code (peer)));
}

static void
on_peer_disconnected (ShoalNode     *node,
                      ShoalPeer     *peer,
                      const gchar   *reason,
                      ShoaldService *self)
{
  shoal_dbus_service_emit_peer_disconnected (SHOAL_DBUS_SERVICE (self),
                                             shoal_peer_get_id (peer),
                                             reason ? reason : "");
}

static void signal_queued (ShoaldService *self,
                           guint          count,
                           gsize          size);

typedef struct {
  ShoaldService *self;     /* (owned) */
  guint64        position; /* queued when the flush began */
  guint64        position_bytes;
} Flush;

static gboolean
behind (ShoaldService *self)
{
  return self->queued - self->written >= MAX_UNWRITTEN ||
         self->queued_bytes - self->written_bytes >= MAX_UNWRITTEN_BYTES;
}

static void
flushed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Flush *flush = user_data;
  g_autoptr(ShoaldService) self = flush->self;
  g_autoptr(GError) error = NULL;

  if (!g_dbus_connection_flush_finish (G_DBUS_CONNECTION (source), result, &error))
    g_debug ("Flushing the bus connection failed: %s", error->message);
  self->written = MAX (self->written, flush->position);
  self->written_bytes = MAX (self->written_bytes, flush->position_bytes);
  self->flushes--;
  g_free (flush);

  if (self->holding && !behind (self))
    {
      self->holding = FALSE;
      if (self->node != NULL)
        shoal_node_release_messages (self->node);
    }
  signal_queued (self, 0, 0);
}

static void
signal_queued (ShoaldService *self,
               guint          count,
               gsize          size)
{
  GDBusConnection *connection =
    g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self));

  self->queued += count;
  self->queued_bytes += size;
  if (connection == NULL)
    return;

  if (self->flushes < MAX_FLUSHES &&
      (self->queued - self->flush_mark >= FLUSH_EVERY ||
       self->queued_bytes - self->flush_mark_bytes >= FLUSH_EVERY_BYTES))
    {
      Flush *flush = g_new0 (Flush, 1);

      flush->self = g_object_ref (self);
      flush->position = self->flush_mark = self->queued;
      flush->position_bytes = self->flush_mark_bytes = self->queued_bytes;
      self->flushes++;
      g_dbus_connection_flush (connection, NULL, flushed_cb, flush);
    }

  if (!self->holding && self->node != NULL && behind (self))
    {
      g_debug ("The bus is behind: reading no more messages until it catches up");
      self->holding = TRUE;
      shoal_node_hold_messages (self->node);
    }
}

static void
on_message_received (ShoalNode     *node,
                     ShoalPeer     *peer,
                     GBytes        *payload,
                     gboolean       broadcast,
                     ShoaldService *self)
{
  GVariantDict details;
  const gchar *group = shoal_node_get_message_group (node);

  g_variant_dict_init (&details, NULL);
  g_variant_dict_insert (&details, "broadcast", "b", broadcast);
  if (group != NULL)
    g_variant_dict_insert (&details, "group", "s", group);
  g_variant_dict_insert (&details, "name", "s",
                         shoal_peer_get_name (peer) ? shoal_peer_get_name (peer) : "");

  shoal_dbus_service_emit_message_received (SHOAL_DBUS_SERVICE (self),
                                            shoal_peer_get_id (peer),
                                            g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                      payload, TRUE),
                                            g_variant_dict_end (&details));
  signal_queued (self, 1, g_bytes_get_size (payload));
}

static void
on_message_delivered (ShoalNode     *node,
                      ShoalPeer     *peer,
                      guint64        id,
                      ShoaldService *self)
{
  shoal_dbus_service_emit_message_delivered (SHOAL_DBUS_SERVICE (self),
                                             shoal_peer_get_id (peer), id);
  signal_queued (self, 1, 0);
}

static void
on_message_failed (ShoalNode     *node,
                   ShoalPeer     *peer,
                   guint64        id,
                   const gchar   *reason,
                   ShoaldService *self)
{
  shoal_dbus_service_emit_message_failed (SHOAL_DBUS_SERVICE (self),
                                          shoal_peer_get_id (peer), id, reason);
}

static void
on_node_notify (ShoalNode     *node,
                GParamSpec    *pspec,
                ShoaldService *self)
{
  shoald_service_refresh (self);
}

static void
shoald_service_dispose (GObject *object)
{
  ShoaldService *self = SHOALD_SERVICE (object);

  if (self->node != NULL)
    g_signal_handlers_disconnect_by_data (self->node, self);
  if (self->holding && self->node != NULL)
    shoal_node_release_messages (self->node);
  self->holding = FALSE;
  g_clear_pointer (&self->objects, g_hash_table_unref);
  g_clear_object (&self->manager);
  g_clear_object (&self->node);

  G_OBJECT_CLASS (shoald_service_parent_class)->dispose (object);
}

static void
shoald_service_iface_init (ShoalDbusServiceIface *iface)
{
  iface->handle_list_peers = handle_list_peers;
  iface->handle_diagnose = handle_diagnose;
  iface->handle_send = handle_send;
  iface->handle_broadcast = handle_broadcast;
  iface->handle_trust = handle_trust;
  iface->handle_untrust = handle_untrust;
  iface->handle_join_group = handle_join_group;
  iface->handle_leave_group = handle_leave_group;
  iface->handle_send_to_group = handle_send_to_group;
  shoald_control_iface_init (iface);
}

static void
shoald_service_class_init (ShoaldServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoald_service_dispose;
}

static void
shoald_service_init (ShoaldService *self)
{
  self->manager = g_dbus_object_manager_server_new (SHOALD_OBJECT_PATH);
  self->objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

}

/**
 * shoald_service_new:
 * @node: the node to put on the bus
 *
 * Returns: (transfer full): a service following @node
 */
ShoaldService *
shoald_service_new (ShoalNode *node)
{
  ShoaldService *self;
  GListModel *peers;
  guint i, n;

  g_return_val_if_fail (SHOAL_IS_NODE (node), NULL);

  self = g_object_new (SHOALD_TYPE_SERVICE, NULL);
  self->node = g_object_ref (node);
  shoal_dbus_service_set_version (SHOAL_DBUS_SERVICE (self), PACKAGE_VERSION);

  g_signal_connect (node, "peer-added", G_CALLBACK (on_peer_added), self);
  g_signal_connect (node, "peer-removed", G_CALLBACK (on_peer_removed), self);
  g_signal_connect (node, "peer-connected", G_CALLBACK (on_peer_connected), self);
  g_signal_connect (node, "peer-disconnected", G_CALLBACK (on_peer_disconnected), self);
  g_signal_connect (node, "peer-pending", G_CALLBACK (on_peer_pending), self);
  g_signal_connect (node, "message-received", G_CALLBACK (on_message_received), self);
  g_signal_connect (node, "message-delivered", G_CALLBACK (on_message_delivered), self);
  g_signal_connect (node, "message-failed", G_CALLBACK (on_message_failed), self);
  g_signal_connect (node, "notify::id", G_CALLBACK (on_node_notify), self);
  g_signal_connect (node, "notify::name", G_CALLBACK (on_node_notify), self);
  g_signal_connect (node, "notify::port", G_CALLBACK (on_node_notify), self);
  g_signal_connect (node, "notify::trust-policy", G_CALLBACK (on_node_notify), self);
  g_signal_connect (node, "notify::fingerprint", G_CALLBACK (on_node_notify), self);
  shoald_groups_watch (node, SHOAL_DBUS_SERVICE (self));

  peers = shoal_node_get_peers (node);
  n = g_list_model_get_n_items (peers);
  for (i = 0; i < n; i++)
    {
      g_autoptr(ShoalPeer) peer = g_list_model_get_item (peers, i);

      add_peer_object (self, peer);
    }

  shoald_service_refresh (self);
  return self;
}

/**
 * shoald_service_refresh:
 * @self: a #ShoaldService
 *
 * Copies the node's id, name, port, trust policy and fingerprint to the
 * D-Bus properties. The node notifies changes, but its id, port and
 * fingerprint are only known once it started, and it need not notify them
 * then.
 */
/**
 * shoald_service_get_node:
 * @self: a #ShoaldService
 *
 * Returns: (transfer none): the node behind the service
 */
ShoalNode *
shoald_service_get_node (ShoaldService *self)
{
  return self->node;
}

void
shoald_service_refresh (ShoaldService *self)
{
  ShoalDbusService *iface = SHOAL_DBUS_SERVICE (self);
  g_autoptr(GEnumClass) policies = g_type_class_ref (SHOAL_TYPE_TRUST_POLICY);
  GEnumValue *policy;

  g_return_if_fail (SHOALD_IS_SERVICE (self));

  /* The policy's D-Bus name is its enum nick: "open", "network-key", "allow-list". */
  policy = g_enum_get_value (policies, shoal_node_get_trust_policy (self->node));

  /* The generated setters compare, so unchanged values send no signal. */
  shoal_dbus_service_set_id (iface, or_empty (shoal_node_get_id (self->node)));
  shoal_dbus_service_set_name (iface, or_empty (shoal_node_get_name (self->node)));
  shoal_dbus_service_set_port (iface, shoal_node_get_port (self->node));
  shoal_dbus_service_set_trust_policy (iface, policy != NULL ? policy->value_nick : "");
  shoal_dbus_service_set_fingerprint (iface, or_empty (shoal_node_get_fingerprint (self->node)));
}

/**
 * shoald_service_export:
 * @self: a #ShoaldService
 * @connection: the bus connection
 * @error: return location for a #GError
 *
 * Exports org.shoal.Shoal1 and the ObjectManager with the peers at
 * /org/shoal/Shoal1 on @connection.
 *
 * Returns: %TRUE on success
 */
gboolean
shoald_service_export (ShoaldService    *self,
                       GDBusConnection  *connection,
                       GError          **error)
{
  g_return_val_if_fail (SHOALD_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self), connection,
                                         SHOALD_OBJECT_PATH, error))
    return FALSE;
  g_dbus_object_manager_server_set_connection (self->manager, connection);
  return TRUE;
}

/**
 * shoald_service_unexport:
 * @self: a #ShoaldService
 *
 * Takes the root interface and the peer objects off the bus.
 */
void
shoald_service_unexport (ShoaldService *self)
{
  g_return_if_fail (SHOALD_IS_SERVICE (self));

  g_dbus_object_manager_server_set_connection (self->manager, NULL);
  if (g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self));
}
