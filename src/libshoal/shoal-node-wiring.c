/* shoal-node-wiring.c: what connects a node to its mesh, its discovery
 * backends and its listener
 *
 * The mesh's reports become the node's signals; what discovery finds and
 * what the listener accepts goes to the mesh.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <sys/socket.h>

#include <glib/gi18n-lib.h>

#include "shoal-error.h"
#include "shoal-frame.h"
#include "shoal-discovery-static.h"
#include "shoal-link.h"
#include "shoal-node-private.h"

#define HANDSHAKE_TIMEOUT_MS 5000

/* The least listen backlog, whatever SOMAXCONN says (PROTOCOL.md §13). */
#define SHOAL_LISTEN_BACKLOG_MIN 128

/* What the mesh reports, the node says as its own. */

static void
mesh_message (gpointer     user_data,
              ShoalPeer   *peer,
              GBytes      *payload,
              gboolean     broadcast,
              const gchar *group)
{
  ShoalNode *self = user_data;
  const gchar *outer = self->message_group;

  /* shoal_node_get_message_group() answers while the signal runs; a
   * handler may run a main loop that delivers another message inside it. */
  self->message_group = group;
  g_signal_emit (self, shoal_node_signals[SHOAL_NODE_SIGNAL_MESSAGE_RECEIVED], 0, peer, payload, broadcast);
  self->message_group = outer;
}

static void
mesh_group (gpointer     user_data,
            ShoalPeer   *peer,
            const gchar *group,
            gboolean     joined)
{
  g_signal_emit (user_data, shoal_node_signals[joined ? SHOAL_NODE_SIGNAL_PEER_JOINED_GROUP :
                                               SHOAL_NODE_SIGNAL_PEER_LEFT_GROUP], 0, peer, group);
}

/* Each message's fate, as the node's signals say it. A busy link has
 * deliveries by the million: g_signal_emit() itself returns at once when
 * nobody listens, so asking first would only look the handlers up twice. */
static void
mesh_report (gpointer     user_data,
             ShoalPeer   *peer,
             guint64      id,
             const gchar *reason)
{
  ShoalNode *self = user_data;

  if (reason != NULL)
    g_signal_emit (self, shoal_node_signals[SHOAL_NODE_SIGNAL_MESSAGE_FAILED], 0, peer, id, reason);
  else
    g_signal_emit (self, shoal_node_signals[SHOAL_NODE_SIGNAL_MESSAGE_DELIVERED], 0, peer, id);
}

static void
mesh_peer_added_cb (ShoalMesh *mesh,
                    ShoalPeer *peer,
                    gpointer   user_data)
{
  g_signal_emit (user_data, shoal_node_signals[SHOAL_NODE_SIGNAL_PEER_ADDED], 0, peer);
}

static void
mesh_peer_removed_cb (ShoalMesh *mesh,
                      ShoalPeer *peer,
                      gpointer   user_data)
{
  g_signal_emit (user_data, shoal_node_signals[SHOAL_NODE_SIGNAL_PEER_REMOVED], 0, peer);
}

static void
mesh_peer_connected_cb (ShoalMesh *mesh,
                        ShoalPeer *peer,
                        gpointer   user_data)
{
  g_signal_emit (user_data, shoal_node_signals[SHOAL_NODE_SIGNAL_PEER_CONNECTED], 0, peer);
}

static void
mesh_peer_disconnected_cb (ShoalMesh   *mesh,
                           ShoalPeer   *peer,
                           const gchar *reason,
                           gpointer     user_data)
{
  g_signal_emit (user_data, shoal_node_signals[SHOAL_NODE_SIGNAL_PEER_DISCONNECTED], 0, peer, reason);
}

static void
mesh_peer_pending_cb (ShoalMesh *mesh,
                      ShoalPeer *peer,
                      gpointer   user_data)
{
  g_signal_emit (user_data, shoal_node_signals[SHOAL_NODE_SIGNAL_PEER_PENDING], 0, peer);
}

void
shoal_node_create_mesh (ShoalNode *self)
{
  ShoalLinkConfig config = {
    .heartbeat_interval_ms = self->heartbeat_interval_ms,
    .heartbeat_timeout_ms = self->heartbeat_timeout_ms,
    .handshake_timeout_ms = HANDSHAKE_TIMEOUT_MS,
    .max_queue_bytes = self->max_queue_bytes,
    .max_data_body = SHOAL_FRAME_MAX_DATA_BODY,
    .network_key = shoal_trust_get_network_key (self->trust),
    .no_acks = self->no_acks,
  };
  static const gchar *peers_feature[] = { SHOAL_FEATURE_PEERS, NULL };
  g_autofree gchar *cache_path = g_build_filename (self->state_dir, SHOAL_ADDRESS_CACHE_FILE, NULL);
  g_autoptr(ShoalAddressCache) cache = NULL;
  ShoalHello hello = {
    .version = SHOAL_PROTOCOL_VERSION_MAX,
    .min_version = SHOAL_PROTOCOL_VERSION_MIN,
    .peer_id = self->id,
    .session_id = self->session_id,
    .name = self->name,
    .port = self->port,
    .groups = self->groups,
    /* Peer exchange is announced, and so used, only where it is on. */
    .features = self->peer_exchange ? (gchar **) peers_feature : NULL,
  };

  self->mesh = shoal_mesh_new (self->credentials, &hello, self->trust, &config, self->client,
                               self->peers);
  shoal_mesh_set_message_func (self->mesh, mesh_message, self);
  shoal_mesh_set_group_func (self->mesh, mesh_group, self);
  g_signal_connect (self->mesh, "peer-pending", G_CALLBACK (mesh_peer_pending_cb), self);
  g_signal_connect (self->mesh, "peer-added", G_CALLBACK (mesh_peer_added_cb), self);
  g_signal_connect (self->mesh, "peer-removed", G_CALLBACK (mesh_peer_removed_cb), self);
  g_signal_connect (self->mesh, "peer-connected", G_CALLBACK (mesh_peer_connected_cb), self);
  g_signal_connect (self->mesh, "peer-disconnected", G_CALLBACK (mesh_peer_disconnected_cb),
                    self);
  shoal_mesh_set_report_func (self->mesh, mesh_report, self);
  shoal_mesh_set_delivery (self->mesh, self->delivery_timeout_ms, self->max_queue_bytes,
                           self->max_total_queue_bytes);
  shoal_mesh_set_receive_paused (self->mesh, self->receive_holds > 0);
  shoal_node_load_holds (self);

  /* Where peers answered before: dialled at once. */
  cache = shoal_address_cache_new (cache_path);
  shoal_mesh_set_address_cache (self->mesh, cache);
}

void
shoal_node_clear_mesh (ShoalNode *self)
{
  if (self->mesh == NULL)
    return;

  shoal_mesh_set_message_func (self->mesh, NULL, NULL);
  shoal_mesh_set_group_func (self->mesh, NULL, NULL);
  shoal_mesh_set_report_func (self->mesh, NULL, NULL);
  g_signal_handlers_disconnect_by_data (self->mesh, self);
  g_clear_object (&self->mesh);
}

/* Discovery */

/* Keys are the backend's own, so two backends may use the same one. */
static gchar *
target_key (ShoalNode      *self,
            ShoalDiscovery *discovery,
            const gchar    *key)
{
  guint index = 0;

  g_ptr_array_find (self->discoveries, discovery, &index);
  return g_strdup_printf ("%u/%s", index, key);
}

static void
peer_found_cb (ShoalDiscovery *discovery,
               const gchar    *key,
               const gchar    *peer_id,
               const gchar    *name,
               GPtrArray      *addresses,
               gpointer        user_data)
{
  ShoalNode *self = SHOAL_NODE (user_data);
  g_autofree gchar *full_key = NULL;

  if (!self->running)
    return;

  full_key = target_key (self, discovery, key);
  /* Configured peers are this machine's own word, the only hints whose
   * loopback addresses may be dialled; every other backend reports what
   * the network says. */
  shoal_mesh_target_found (self->mesh, full_key, peer_id, name, addresses,
                           SHOAL_IS_DISCOVERY_STATIC (discovery));
}

static void
peer_lost_cb (ShoalDiscovery *discovery,
              const gchar    *key,
              gpointer        user_data)
{
  ShoalNode *self = SHOAL_NODE (user_data);
  g_autofree gchar *full_key = NULL;

  if (!self->running)
    return;

  full_key = target_key (self, discovery, key);
  shoal_mesh_target_lost (self->mesh, full_key);
}

static void
name_changed_cb (ShoalDiscovery *discovery,
                 const gchar    *name,
                 gpointer        user_data)
{
  ShoalNode *self = SHOAL_NODE (user_data);

  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_message ("This node is now announced as “%s”", name);
  g_free (self->name);
  self->name = g_strdup (name);

  /* Links made from now on introduce us by the new name. */
  if (self->mesh != NULL)
    shoal_mesh_set_name (self->mesh, name);

  g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_NAME]);
}

/* Listening */

static void
accept_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  ShoalNode *self = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  /* A stopped node cancels its accept before going away, so a cancelled
   * accept must not touch it. */
  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (connection == NULL)
    /* Out of descriptors and the like: log and keep accepting. */
    g_warning ("Cannot accept a connection: %s", error->message);
  else
    shoal_mesh_add_connection (self->mesh, connection);

  shoal_node_accept_next (self);
}

void
shoal_node_accept_next (ShoalNode *self)
{
  g_socket_listener_accept_async (self->listener, self->cancellable, accept_cb, self);
}

/* Accepted connections inherit the listening socket's TCP settings, so a
 * link has them from its first segment (see client_event_cb()). */
static void
listener_event_cb (GSocketListener      *listener,
                   GSocketListenerEvent  event,
                   GSocket              *socket,
                   gpointer              user_data)
{
  if (event == G_SOCKET_LISTENER_LISTENING)
    shoal_link_tune_socket (socket);
}

gboolean
shoal_node_listen (ShoalNode  *self,
                   GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  guint16 port = self->port;

  self->listener = g_socket_listener_new ();
  /* GIO's default of 10 makes a burst of peers (a mesh forming, a switch
   * coming back) wait a second for SYN retries; it must be set before any
   * socket is added. */
  g_socket_listener_set_backlog (self->listener, MAX (SOMAXCONN, SHOAL_LISTEN_BACKLOG_MIN));
  g_signal_connect (self->listener, "event", G_CALLBACK (listener_event_cb), NULL);

  if (self->listen_address != NULL)
    {
      g_autoptr(GSocketAddress) address = NULL;
      g_autoptr(GSocketAddress) effective = NULL;

      address = g_inet_socket_address_new_from_string (self->listen_address, port);
      if (address == NULL)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not an IP address to listen on"), self->listen_address);
          return FALSE;
        }
      if (g_socket_listener_add_address (self->listener, address, G_SOCKET_TYPE_STREAM,
                                         G_SOCKET_PROTOCOL_TCP, NULL, &effective, &local_error))
        port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
    }
  else if (port == 0)
    {
      port = g_socket_listener_add_any_inet_port (self->listener, NULL, &local_error);
    }
  else
    {
      g_socket_listener_add_inet_port (self->listener, port, NULL, &local_error);
    }

  if (local_error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  _("Cannot listen on port %u: "), self->port);
      g_clear_object (&self->listener);
      return FALSE;
    }

  self->port = port;
  return TRUE;
}


/* Has the node hear what @discovery finds, loses and renames. */
void
shoal_node_watch_discovery (ShoalNode      *self,
                            ShoalDiscovery *discovery)
{
  g_signal_connect_object (discovery, "peer-found", G_CALLBACK (peer_found_cb), self, 0);
  g_signal_connect_object (discovery, "peer-lost", G_CALLBACK (peer_lost_cb), self, 0);
  g_signal_connect_object (discovery, "name-changed", G_CALLBACK (name_changed_cb), self, 0);
}
