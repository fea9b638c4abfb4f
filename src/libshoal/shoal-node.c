/* shoal-node.c: the Shoal engine's façade
 *
 * The node owns what makes it a node: its identity, its listener, its
 * discovery backends and the public API. While it runs, a ShoalMesh holds
 * its peers and the links to them; the node hands the mesh what discovery
 * finds and what the listener accepts, and re-emits what the mesh reports.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-discovery-avahi.h"
#include "shoal-error.h"
#include "shoal-frame.h"
#include "shoal-identity.h"
#include "shoal-mesh.h"
#include "shoal-node-private.h"

#define CONNECT_TIMEOUT_S 3
#define HANDSHAKE_TIMEOUT_MS 5000

struct _ShoalNode
{
  GObject          parent_instance;

  gchar           *name;            /* (owned) */
  guint16          port;
  gchar           *state_dir;       /* (owned) */
  gchar           *listen_address;  /* (owned) (nullable) */
  gboolean         mdns;
  guint            heartbeat_interval_ms;
  guint            heartbeat_timeout_ms;

  gchar           *id;              /* (owned) (nullable) until started */
  gchar           *session_id;      /* (owned) (nullable) until started */
  gboolean         running;
  GCancellable    *cancellable;     /* (owned) (nullable) while running */
  GSocketListener *listener;        /* (owned) (nullable) while running */
  GSocketClient   *client;          /* (owned) */
  GListStore      *peers;           /* (owned) (element-type ShoalPeer) */
  GPtrArray       *discoveries;     /* (owned) (element-type ShoalDiscovery) */
  ShoalDiscovery  *avahi;           /* (unowned) (nullable) one of @discoveries */
  ShoalMesh       *mesh;            /* (owned) (nullable) from start until stopped */
};

G_DEFINE_TYPE (ShoalNode, shoal_node, G_TYPE_OBJECT)

typedef enum {
  PROP_ID = 1,
  PROP_SESSION_ID,
  PROP_NAME,
  PROP_PORT,
  PROP_STATE_DIR,
  PROP_LISTEN_ADDRESS,
  PROP_MDNS,
  PROP_HEARTBEAT_INTERVAL,
  PROP_HEARTBEAT_TIMEOUT,
  PROP_RUNNING,
  PROP_PEERS,
} ShoalNodeProperty;

static GParamSpec *props[PROP_PEERS + 1] = { NULL, };

enum {
  SIGNAL_PEER_ADDED,
  SIGNAL_PEER_REMOVED,
  SIGNAL_PEER_CONNECTED,
  SIGNAL_PEER_DISCONNECTED,
  SIGNAL_MESSAGE_RECEIVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What the mesh reports, the node says as its own. */

static void
mesh_message (gpointer   user_data,
              ShoalPeer *peer,
              GBytes    *payload,
              gboolean   broadcast)
{
  g_signal_emit (user_data, signals[SIGNAL_MESSAGE_RECEIVED], 0, peer, payload, broadcast);
}

static void
mesh_peer_added_cb (ShoalMesh *mesh,
                    ShoalPeer *peer,
                    gpointer   user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_PEER_ADDED], 0, peer);
}

static void
mesh_peer_removed_cb (ShoalMesh *mesh,
                      ShoalPeer *peer,
                      gpointer   user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_PEER_REMOVED], 0, peer);
}

static void
mesh_peer_connected_cb (ShoalMesh *mesh,
                        ShoalPeer *peer,
                        gpointer   user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_PEER_CONNECTED], 0, peer);
}

static void
mesh_peer_disconnected_cb (ShoalMesh   *mesh,
                           ShoalPeer   *peer,
                           const gchar *reason,
                           gpointer     user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_PEER_DISCONNECTED], 0, peer, reason);
}

static GBytes *
encode_hello (ShoalNode *self)
{
  ShoalHello hello = {
    .version = SHOAL_PROTOCOL_VERSION_MAX,
    .min_version = SHOAL_PROTOCOL_VERSION_MIN,
    .peer_id = self->id,
    .session_id = self->session_id,
    .name = self->name,
    .port = self->port,
  };

  return shoal_frame_encode_hello (&hello);
}

static void
create_mesh (ShoalNode *self)
{
  ShoalLinkConfig config = {
    .heartbeat_interval_ms = self->heartbeat_interval_ms,
    .heartbeat_timeout_ms = self->heartbeat_timeout_ms,
    .handshake_timeout_ms = HANDSHAKE_TIMEOUT_MS,
    .max_queue_bytes = SHOAL_NODE_DEFAULT_MAX_QUEUE_BYTES,
    .max_data_body = SHOAL_FRAME_MAX_DATA_BODY,
  };
  g_autoptr(GBytes) hello = encode_hello (self);

  self->mesh = shoal_mesh_new (self->id, hello, &config, self->client, self->peers);
  shoal_mesh_set_message_func (self->mesh, mesh_message, self);
  g_signal_connect (self->mesh, "peer-added", G_CALLBACK (mesh_peer_added_cb), self);
  g_signal_connect (self->mesh, "peer-removed", G_CALLBACK (mesh_peer_removed_cb), self);
  g_signal_connect (self->mesh, "peer-connected", G_CALLBACK (mesh_peer_connected_cb), self);
  g_signal_connect (self->mesh, "peer-disconnected", G_CALLBACK (mesh_peer_disconnected_cb),
                    self);
}

static void
clear_mesh (ShoalNode *self)
{
  if (self->mesh == NULL)
    return;

  shoal_mesh_set_message_func (self->mesh, NULL, NULL);
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
  shoal_mesh_target_found (self->mesh, full_key, peer_id, name, addresses);
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
    {
      g_autoptr(GBytes) hello = encode_hello (self);

      shoal_mesh_set_hello_frame (self->mesh, hello);
    }

  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NAME]);
}

/* Listening */

static void accept_next (ShoalNode *self);

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

  accept_next (self);
}

static void
accept_next (ShoalNode *self)
{
  g_socket_listener_accept_async (self->listener, self->cancellable, accept_cb, self);
}

static gboolean
listen (ShoalNode  *self,
        GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  guint16 port = self->port;

  self->listener = g_socket_listener_new ();

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

/* GObject */

static void
shoal_node_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ShoalNode *self = SHOAL_NODE (object);

  switch ((ShoalNodeProperty) prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_SESSION_ID:
      g_value_set_string (value, self->session_id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_STATE_DIR:
      g_value_set_string (value, self->state_dir);
      break;
    case PROP_LISTEN_ADDRESS:
      g_value_set_string (value, self->listen_address);
      break;
    case PROP_MDNS:
      g_value_set_boolean (value, self->mdns);
      break;
    case PROP_HEARTBEAT_INTERVAL:
      g_value_set_uint (value, self->heartbeat_interval_ms);
      break;
    case PROP_HEARTBEAT_TIMEOUT:
      g_value_set_uint (value, self->heartbeat_timeout_ms);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    case PROP_PEERS:
      g_value_set_object (value, self->peers);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_node_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  ShoalNode *self = SHOAL_NODE (object);

  switch ((ShoalNodeProperty) prop_id)
    {
    case PROP_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      if (self->name == NULL || *self->name == '\0')
        {
          g_free (self->name);
          self->name = g_strdup (g_get_host_name ());
        }
      break;
    case PROP_PORT:
      self->port = (guint16) g_value_get_uint (value);
      break;
    case PROP_STATE_DIR:
      g_free (self->state_dir);
      self->state_dir = g_value_dup_string (value);
      break;
    case PROP_LISTEN_ADDRESS:
      shoal_node_set_listen_address (self, g_value_get_string (value));
      break;
    case PROP_MDNS:
      shoal_node_set_mdns (self, g_value_get_boolean (value));
      break;
    case PROP_HEARTBEAT_INTERVAL:
      shoal_node_set_heartbeat (self, g_value_get_uint (value), self->heartbeat_timeout_ms);
      break;
    case PROP_HEARTBEAT_TIMEOUT:
      shoal_node_set_heartbeat (self, self->heartbeat_interval_ms, g_value_get_uint (value));
      break;
    case PROP_ID:
    case PROP_SESSION_ID:
    case PROP_RUNNING:
    case PROP_PEERS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_node_dispose (GObject *object)
{
  ShoalNode *self = SHOAL_NODE (object);

  shoal_node_stop (self);
  self->avahi = NULL;
  g_clear_pointer (&self->discoveries, g_ptr_array_unref);
  g_clear_object (&self->peers);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (shoal_node_parent_class)->dispose (object);
}

static void
shoal_node_finalize (GObject *object)
{
  ShoalNode *self = SHOAL_NODE (object);

  g_free (self->name);
  g_free (self->state_dir);
  g_free (self->listen_address);
  g_free (self->id);
  g_free (self->session_id);

  G_OBJECT_CLASS (shoal_node_parent_class)->finalize (object);
}

static void
shoal_node_class_init (ShoalNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = shoal_node_get_property;
  object_class->set_property = shoal_node_set_property;
  object_class->dispose = shoal_node_dispose;
  object_class->finalize = shoal_node_finalize;

  /**
   * ShoalNode:id:
   *
   * This node's peer id, read from the state directory at start.
   */
  props[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, ro);

  /**
   * ShoalNode:session-id:
   *
   * Random per start, so peers tell a restart from a reconnection.
   */
  props[PROP_SESSION_ID] = g_param_spec_string ("session-id", NULL, NULL, NULL, ro);

  /**
   * ShoalNode:name:
   *
   * The name this node announces. It changes if mDNS finds it taken.
   */
  props[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ShoalNode:port:
   *
   * The TCP port to listen on (0 for any); once started, the bound port.
   */
  props[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                       G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ShoalNode:state-dir:
   *
   * Where the node keeps its identity.
   */
  props[PROP_STATE_DIR] =
    g_param_spec_string ("state-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ShoalNode:listen-address:
   *
   * The IP address to listen on, or %NULL for every address.
   */
  props[PROP_LISTEN_ADDRESS] = g_param_spec_string ("listen-address", NULL, NULL, NULL, rw);

  /**
   * ShoalNode:mdns:
   *
   * Whether the node announces itself and finds peers over mDNS/DNS-SD.
   */
  props[PROP_MDNS] = g_param_spec_boolean ("mdns", NULL, NULL, TRUE, rw);

  /**
   * ShoalNode:heartbeat-interval:
   *
   * Milliseconds between pings on a link.
   */
  props[PROP_HEARTBEAT_INTERVAL] =
    g_param_spec_uint ("heartbeat-interval", NULL, NULL, 10, 3600 * 1000,
                       SHOAL_NODE_DEFAULT_HEARTBEAT_INTERVAL_MS, rw);

  /**
   * ShoalNode:heartbeat-timeout:
   *
   * Milliseconds of silence after which a peer is lost.
   */
  props[PROP_HEARTBEAT_TIMEOUT] =
    g_param_spec_uint ("heartbeat-timeout", NULL, NULL, 20, 3600 * 1000,
                       SHOAL_NODE_DEFAULT_HEARTBEAT_TIMEOUT_MS, rw);

  /**
   * ShoalNode:running:
   *
   * Whether the node has been started and not stopped.
   */
  props[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);

  /**
   * ShoalNode:peers:
   *
   * The known peers, a #GListModel of #ShoalPeer.
   */
  props[PROP_PEERS] = g_param_spec_object ("peers", NULL, NULL, G_TYPE_LIST_MODEL, ro);

  g_object_class_install_properties (object_class, G_N_ELEMENTS (props), props);

  /**
   * ShoalNode::peer-added:
   * @self: the node
   * @peer: the new peer
   *
   * A peer became known, from discovery or from its handshake.
   */
  signals[SIGNAL_PEER_ADDED] =
    g_signal_new ("peer-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);

  /**
   * ShoalNode::peer-removed:
   * @self: the node
   * @peer: the peer
   *
   * A peer is gone: no link and no discovery record vouch for it.
   */
  signals[SIGNAL_PEER_REMOVED] =
    g_signal_new ("peer-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);

  /**
   * ShoalNode::peer-connected:
   * @self: the node
   * @peer: the peer
   *
   * A live link to @peer now carries messages.
   */
  signals[SIGNAL_PEER_CONNECTED] =
    g_signal_new ("peer-connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);

  /**
   * ShoalNode::peer-disconnected:
   * @self: the node
   * @peer: the peer
   * @reason: why: "shutdown" when it left cleanly, "timeout: …",
   *   "connection closed", "protocol error: …"
   *
   * The live link to @peer is gone.
   */
  signals[SIGNAL_PEER_DISCONNECTED] =
    g_signal_new ("peer-disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, SHOAL_TYPE_PEER, G_TYPE_STRING);

  /**
   * ShoalNode::message-received:
   * @self: the node
   * @peer: the sender
   * @payload: the message, byte for byte
   * @broadcast: whether the sender broadcast it to all its peers
   *
   * A message arrived. Messages from one peer arrive in the order sent.
   */
  signals[SIGNAL_MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  SHOAL_TYPE_PEER, G_TYPE_BYTES | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_BOOLEAN);
}

static void
shoal_node_init (ShoalNode *self)
{
  self->mdns = TRUE;
  self->heartbeat_interval_ms = SHOAL_NODE_DEFAULT_HEARTBEAT_INTERVAL_MS;
  self->heartbeat_timeout_ms = SHOAL_NODE_DEFAULT_HEARTBEAT_TIMEOUT_MS;
  self->peers = g_list_store_new (SHOAL_TYPE_PEER);
  self->discoveries = g_ptr_array_new_with_free_func (g_object_unref);

  self->client = g_socket_client_new ();
  g_socket_client_set_enable_proxy (self->client, FALSE);
  g_socket_client_set_timeout (self->client, CONNECT_TIMEOUT_S);
}

/**
 * shoal_node_new:
 * @name: (nullable): the name to announce; %NULL for the host name
 * @port: the TCP port to listen on, 0 for any
 * @state_dir: where to keep the node's identity
 *
 * Creates a node. It does nothing until shoal_node_start(); everything it
 * does then happens in the thread-default main context of this call.
 *
 * Returns: (transfer full): a new #ShoalNode
 */
ShoalNode *
shoal_node_new (const gchar *name,
                guint16      port,
                const gchar *state_dir)
{
  g_return_val_if_fail (state_dir != NULL, NULL);

  return g_object_new (SHOAL_TYPE_NODE,
                       "name", name,
                       "port", (guint) port,
                       "state-dir", state_dir,
                       NULL);
}

/**
 * shoal_node_add_discovery:
 * @self: a #ShoalNode
 * @discovery: a discovery backend
 *
 * Adds a source of peers; it starts with the node.
 */
void
shoal_node_add_discovery (ShoalNode      *self,
                          ShoalDiscovery *discovery)
{
  g_return_if_fail (SHOAL_IS_NODE (self));
  g_return_if_fail (SHOAL_IS_DISCOVERY (discovery));
  g_return_if_fail (!g_ptr_array_find (self->discoveries, discovery, NULL));

  g_ptr_array_add (self->discoveries, g_object_ref (discovery));
  g_signal_connect_object (discovery, "peer-found", G_CALLBACK (peer_found_cb), self, 0);
  g_signal_connect_object (discovery, "peer-lost", G_CALLBACK (peer_lost_cb), self, 0);
  g_signal_connect_object (discovery, "name-changed", G_CALLBACK (name_changed_cb), self, 0);

  if (self->running)
    shoal_discovery_start (discovery, self->id, self->session_id, self->name, self->port);
}

/**
 * shoal_node_start:
 * @self: a #ShoalNode
 * @error: return location for a #GError
 *
 * Loads (or creates) the node's identity, starts listening and starts every
 * discovery backend: from here on the node dials the peers it finds and
 * accepts those that dial it.
 *
 * Returns: %TRUE on success; %FALSE with %SHOAL_ERROR_STATE_DIRECTORY if the
 *   state directory is unusable, or a #GIOError such as
 *   %G_IO_ERROR_ADDRESS_IN_USE if the port cannot be bound
 */
gboolean
shoal_node_start (ShoalNode  *self,
                  GError    **error)
{
  g_autofree gchar *id = NULL;

  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  g_return_val_if_fail (!self->running, FALSE);
  g_return_val_if_fail (self->mesh == NULL, FALSE);

  if (!shoal_hello_name_is_valid (self->name))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("“%s” cannot be a node name: it must be 1 to %d bytes of UTF-8 "
                     "without control characters"),
                   self->name, SHOAL_NAME_MAX_BYTES);
      return FALSE;
    }

  id = shoal_identity_load_or_create (self->state_dir, error);
  if (id == NULL)
    return FALSE;

  if (!listen (self, error))
    return FALSE;

  g_free (self->id);
  self->id = g_steal_pointer (&id);
  g_free (self->session_id);
  self->session_id = shoal_identity_new_random_id ();

  create_mesh (self);

  if (self->mdns && self->avahi == NULL)
    {
      self->avahi = SHOAL_DISCOVERY (shoal_discovery_avahi_new ());
      shoal_node_add_discovery (self, self->avahi);
    }

  self->cancellable = g_cancellable_new ();
  self->running = TRUE;
  accept_next (self);

  for (guint i = 0; i < self->discoveries->len; i++)
    shoal_discovery_start (g_ptr_array_index (self->discoveries, i),
                           self->id, self->session_id, self->name, self->port);

  g_message ("Node %s (%s) listening on port %u", self->id, self->name, self->port);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ID]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SESSION_ID]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
  g_object_thaw_notify (G_OBJECT (self));

  return TRUE;
}

/* Stops accepting and finding: the mesh is left to the caller. */
static void
stop_sources (ShoalNode *self)
{
  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->listener != NULL)
    g_socket_listener_close (self->listener);
  g_clear_object (&self->listener);

  for (guint i = 0; i < self->discoveries->len; i++)
    shoal_discovery_stop (g_ptr_array_index (self->discoveries, i));
}

static void
mesh_closed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  ShoalNode *self = g_task_get_source_object (task);

  shoal_mesh_close_finish (SHOAL_MESH (source), result, NULL);
  /* A synchronous stop may have come first. */
  if (self->mesh == SHOAL_MESH (source))
    {
      clear_mesh (self);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
    }
  g_task_return_boolean (task, TRUE);
}

/**
 * shoal_node_stop_async:
 * @self: a #ShoalNode
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the node has stopped
 * @user_data: for @callback
 *
 * Stops the node gracefully: it says goodbye on every link, so its peers see
 * it leave at once, waits (a second at most) for the goodbyes to cross, and
 * then forgets every peer.
 */
void
shoal_node_stop_async (ShoalNode           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SHOAL_IS_NODE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_node_stop_async);

  if (!self->running)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  stop_sources (self);
  shoal_mesh_close_async (self->mesh, NULL, mesh_closed_cb, g_steal_pointer (&task));
}

/**
 * shoal_node_stop_finish:
 * @self: a #ShoalNode
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE once stopped
 */
gboolean
shoal_node_stop_finish (ShoalNode     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == shoal_node_stop_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * shoal_node_stop:
 * @self: a #ShoalNode
 *
 * Stops the node at once: a goodbye is written on every link where the
 * socket takes it without waiting, and every link is closed. Prefer
 * shoal_node_stop_async(), which waits for the goodbyes to cross.
 */
void
shoal_node_stop (ShoalNode *self)
{
  g_autoptr(ShoalMesh) mesh = NULL;

  g_return_if_fail (SHOAL_IS_NODE (self));

  if (self->mesh == NULL)
    return;

  if (self->running)
    stop_sources (self);

  /* Closing completes a pending graceful stop too, whose callback must
   * find the mesh already cleared. */
  mesh = g_object_ref (self->mesh);
  clear_mesh (self);
  shoal_mesh_close (mesh);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
}

/**
 * shoal_node_send:
 * @self: a #ShoalNode
 * @peer_id: the recipient's id
 * @payload: the message; its bytes are shared, not copied
 * @error: return location for a #GError
 *
 * Queues a message for one peer. Messages to one peer arrive in the order
 * they were queued.
 *
 * Returns: %TRUE if queued; %FALSE with %SHOAL_ERROR_INVALID_PEER_ID,
 *   %SHOAL_ERROR_MESSAGE_TOO_LARGE, %SHOAL_ERROR_NOT_RUNNING,
 *   %SHOAL_ERROR_UNKNOWN_PEER, %SHOAL_ERROR_NOT_CONNECTED or
 *   %SHOAL_ERROR_QUEUE_FULL (wait for the queue to drain and retry)
 */
gboolean
shoal_node_send (ShoalNode    *self,
                 const gchar  *peer_id,
                 GBytes       *payload,
                 GError      **error)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  g_return_val_if_fail (payload != NULL, FALSE);

  if (!shoal_peer_id_is_valid (peer_id))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_PEER_ID,
                   _("“%s” is not a peer id (32 lowercase hex characters)"),
                   peer_id != NULL ? peer_id : "");
      return FALSE;
    }

  if (g_bytes_get_size (payload) > SHOAL_NODE_MAX_MESSAGE_SIZE)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MESSAGE_TOO_LARGE,
                   _("A message may carry at most %u bytes"), SHOAL_NODE_MAX_MESSAGE_SIZE);
      return FALSE;
    }

  if (!self->running)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_NOT_RUNNING,
                           _("The node is not running"));
      return FALSE;
    }

  return shoal_mesh_send (self->mesh, peer_id, SHOAL_FRAME_UNICAST, payload, error);
}

/**
 * shoal_node_broadcast:
 * @self: a #ShoalNode
 * @payload: the message; one copy of its bytes is shared by every link
 *
 * Queues a message for every connected peer. A peer whose queue is full
 * does not get it; the return value tells how many did.
 *
 * Returns: the number of peers the message was queued for
 */
guint
shoal_node_broadcast (ShoalNode *self,
                      GBytes    *payload)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), 0);
  g_return_val_if_fail (payload != NULL, 0);

  if (!self->running || g_bytes_get_size (payload) > SHOAL_NODE_MAX_MESSAGE_SIZE)
    return 0;

  return shoal_mesh_broadcast (self->mesh, payload);
}

/**
 * shoal_node_get_id:
 * @self: a #ShoalNode
 *
 * Returns: (nullable): the node's peer id, once started
 */
const gchar *
shoal_node_get_id (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  return self->id;
}

/**
 * shoal_node_get_session_id:
 * @self: a #ShoalNode
 *
 * Returns: (nullable): this start's session id
 */
const gchar *
shoal_node_get_session_id (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  return self->session_id;
}

/**
 * shoal_node_get_name:
 * @self: a #ShoalNode
 *
 * Returns: the name the node announces
 */
const gchar *
shoal_node_get_name (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  return self->name;
}

/**
 * shoal_node_get_port:
 * @self: a #ShoalNode
 *
 * Returns: the listening port (the bound one, once started)
 */
guint16
shoal_node_get_port (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), 0);
  return self->port;
}

/**
 * shoal_node_get_state_dir:
 * @self: a #ShoalNode
 *
 * Returns: the state directory
 */
const gchar *
shoal_node_get_state_dir (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  return self->state_dir;
}

/**
 * shoal_node_get_running:
 * @self: a #ShoalNode
 *
 * Returns: whether the node is started
 */
gboolean
shoal_node_get_running (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  return self->running;
}

/**
 * shoal_node_get_peers:
 * @self: a #ShoalNode
 *
 * Returns: (transfer none): the known peers, a #GListModel of #ShoalPeer
 */
GListModel *
shoal_node_get_peers (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  return G_LIST_MODEL (self->peers);
}

/**
 * shoal_node_lookup_peer:
 * @self: a #ShoalNode
 * @peer_id: a peer id
 *
 * Returns: (transfer none) (nullable): the peer with that id, if known
 */
ShoalPeer *
shoal_node_lookup_peer (ShoalNode   *self,
                        const gchar *peer_id)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);

  if (self->mesh == NULL || peer_id == NULL)
    return NULL;
  return shoal_mesh_lookup_peer (self->mesh, peer_id);
}

/**
 * shoal_node_set_listen_address:
 * @self: a #ShoalNode
 * @address: (nullable): an IPv4 or IPv6 address, or %NULL for all
 *
 * Restricts the listener to one address; takes effect at the next start.
 */
void
shoal_node_set_listen_address (ShoalNode   *self,
                               const gchar *address)
{
  g_return_if_fail (SHOAL_IS_NODE (self));

  if (g_strcmp0 (self->listen_address, address) == 0)
    return;

  g_free (self->listen_address);
  self->listen_address = g_strdup (address);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LISTEN_ADDRESS]);
}

/**
 * shoal_node_get_listen_address:
 * @self: a #ShoalNode
 *
 * Returns: (nullable): the address the node listens on, %NULL for all
 */
const gchar *
shoal_node_get_listen_address (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  return self->listen_address;
}

/**
 * shoal_node_set_mdns:
 * @self: a #ShoalNode
 * @mdns: whether to use mDNS/DNS-SD
 *
 * Turns the Avahi backend on or off; takes effect at the next start.
 */
void
shoal_node_set_mdns (ShoalNode *self,
                     gboolean   mdns)
{
  g_return_if_fail (SHOAL_IS_NODE (self));

  mdns = !!mdns;
  if (self->mdns == mdns)
    return;

  self->mdns = mdns;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MDNS]);
}

/**
 * shoal_node_get_mdns:
 * @self: a #ShoalNode
 *
 * Returns: whether the node uses mDNS/DNS-SD
 */
gboolean
shoal_node_get_mdns (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  return self->mdns;
}

/**
 * shoal_node_set_heartbeat:
 * @self: a #ShoalNode
 * @interval_ms: milliseconds between pings
 * @timeout_ms: milliseconds of silence after which a peer is lost; more
 *   than @interval_ms
 *
 * Sets the liveness timings for links made from now on.
 */
void
shoal_node_set_heartbeat (ShoalNode *self,
                          guint      interval_ms,
                          guint      timeout_ms)
{
  g_return_if_fail (SHOAL_IS_NODE (self));
  g_return_if_fail (interval_ms >= 10);
  g_return_if_fail (timeout_ms > interval_ms);

  g_object_freeze_notify (G_OBJECT (self));
  if (self->heartbeat_interval_ms != interval_ms)
    {
      self->heartbeat_interval_ms = interval_ms;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_HEARTBEAT_INTERVAL]);
    }
  if (self->heartbeat_timeout_ms != timeout_ms)
    {
      self->heartbeat_timeout_ms = timeout_ms;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_HEARTBEAT_TIMEOUT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * shoal_node_get_heartbeat_interval:
 * @self: a #ShoalNode
 *
 * Returns: milliseconds between pings
 */
guint
shoal_node_get_heartbeat_interval (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), 0);
  return self->heartbeat_interval_ms;
}

/**
 * shoal_node_get_heartbeat_timeout:
 * @self: a #ShoalNode
 *
 * Returns: milliseconds of silence after which a peer is lost
 */
guint
shoal_node_get_heartbeat_timeout (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), 0);
  return self->heartbeat_timeout_ms;
}

/**
 * shoal_node_count_links:
 * @self: a #ShoalNode
 * @established_only: count only links past their handshake and not closing
 *
 * For tests of the one-link rule.
 *
 * Returns: how many links the node holds
 */
guint
shoal_node_count_links (ShoalNode *self,
                        gboolean   established_only)
{
  return self->mesh != NULL ? shoal_mesh_count_links (self->mesh, established_only) : 0;
}
