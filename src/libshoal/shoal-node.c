/* shoal-node.c: the Shoal engine's façade
 *
 * The node owns what makes it a node: its identity, its listener, its
 * discovery backends and the public API. While it runs, a ShoalMesh holds
 * its peers and the links to them; the node hands the mesh what discovery
 * finds and what the listener accepts, and re-emits what the mesh reports.
 * This file holds the type and its properties and signals; starting and
 * stopping are in shoal-node-start.c.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-discovery-avahi.h"
#include "shoal-enums.h"
#include "shoal-error.h"
#include "shoal-link.h"
#include "shoal-marshal.h"
#include "shoal-mesh.h"
#include "shoal-node-private.h"

#define CONNECT_TIMEOUT_S 3

/**
 * ShoalNode:
 *
 * One member of a Shoal mesh, embedded in a program: it holds the node's
 * identity (a key pair in its state directory), listens for links, asks its
 * discovery backends for peers, dials them and keeps one authenticated link
 * to each.
 *
 * Create one with shoal_node_new(), configure it (shoal_node_set_mdns(),
 * shoal_node_add_discovery(), shoal_node_set_trust_policy()…), then call
 * shoal_node_start(). From then on it works in the main context it was
 * created in: run a #GMainLoop. #ShoalNode::peer-connected says when a peer
 * can be sent to with shoal_node_send(), and #ShoalNode::message-received
 * brings what peers send.
 */

G_DEFINE_TYPE (ShoalNode, shoal_node, G_TYPE_OBJECT)


GParamSpec *shoal_node_props[SHOAL_NODE_N_PROPS] = { NULL, };


guint shoal_node_signals[SHOAL_NODE_N_SIGNALS];

/* GObject */

static void
apply_delivery (ShoalNode *self)
{
  if (self->mesh != NULL)
    shoal_mesh_set_delivery (self->mesh, self->delivery_timeout_ms, self->max_queue_bytes,
                             self->max_total_queue_bytes);
}

static void
shoal_node_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ShoalNode *self = SHOAL_NODE (object);

  switch ((ShoalNodeProperty) prop_id)
    {
    case SHOAL_NODE_PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case SHOAL_NODE_PROP_SESSION_ID:
      g_value_set_string (value, self->session_id);
      break;
    case SHOAL_NODE_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case SHOAL_NODE_PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case SHOAL_NODE_PROP_STATE_DIR:
      g_value_set_string (value, self->state_dir);
      break;
    case SHOAL_NODE_PROP_LISTEN_ADDRESS:
      g_value_set_string (value, self->listen_address);
      break;
    case SHOAL_NODE_PROP_MDNS:
      g_value_set_boolean (value, self->mdns);
      break;
    case SHOAL_NODE_PROP_PEER_EXCHANGE:
      g_value_set_boolean (value, self->peer_exchange);
      break;
    case SHOAL_NODE_PROP_HEARTBEAT_INTERVAL:
      g_value_set_uint (value, self->heartbeat_interval_ms);
      break;
    case SHOAL_NODE_PROP_HEARTBEAT_TIMEOUT:
      g_value_set_uint (value, self->heartbeat_timeout_ms);
      break;
    case SHOAL_NODE_PROP_DELIVERY_TIMEOUT:
      g_value_set_uint (value, self->delivery_timeout_ms);
      break;
    case SHOAL_NODE_PROP_MAX_QUEUE_BYTES:
      g_value_set_uint64 (value, self->max_queue_bytes);
      break;
    case SHOAL_NODE_PROP_MAX_TOTAL_QUEUE_BYTES:
      g_value_set_uint64 (value, self->max_total_queue_bytes);
      break;
    case SHOAL_NODE_PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    case SHOAL_NODE_PROP_PEERS:
      g_value_set_object (value, self->peers);
      break;
    case SHOAL_NODE_PROP_TRUST_POLICY:
      g_value_set_enum (value, self->trust_policy);
      break;
    case SHOAL_NODE_PROP_FINGERPRINT:
      g_value_set_string (value, shoal_node_get_fingerprint (self));
      break;
    case SHOAL_NODE_PROP_GROUPS:
      g_value_set_boxed (value, self->groups);
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
    case SHOAL_NODE_PROP_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      if (self->name == NULL || *self->name == '\0')
        {
          g_free (self->name);
          self->name = g_strdup (g_get_host_name ());
        }
      break;
    case SHOAL_NODE_PROP_PORT:
      self->port = (guint16) g_value_get_uint (value);
      break;
    case SHOAL_NODE_PROP_STATE_DIR:
      g_free (self->state_dir);
      self->state_dir = g_value_dup_string (value);
      break;
    case SHOAL_NODE_PROP_LISTEN_ADDRESS:
      shoal_node_set_listen_address (self, g_value_get_string (value));
      break;
    case SHOAL_NODE_PROP_MDNS:
      shoal_node_set_mdns (self, g_value_get_boolean (value));
      break;
    case SHOAL_NODE_PROP_PEER_EXCHANGE:
      shoal_node_set_peer_exchange (self, g_value_get_boolean (value));
      break;
    case SHOAL_NODE_PROP_HEARTBEAT_INTERVAL:
      shoal_node_set_heartbeat (self, g_value_get_uint (value), self->heartbeat_timeout_ms);
      break;
    case SHOAL_NODE_PROP_HEARTBEAT_TIMEOUT:
      shoal_node_set_heartbeat (self, self->heartbeat_interval_ms, g_value_get_uint (value));
      break;
    case SHOAL_NODE_PROP_DELIVERY_TIMEOUT:
      self->delivery_timeout_ms = g_value_get_uint (value);
      apply_delivery (self);
      break;
    case SHOAL_NODE_PROP_MAX_QUEUE_BYTES:
      self->max_queue_bytes = g_value_get_uint64 (value);
      apply_delivery (self);
      break;
    case SHOAL_NODE_PROP_MAX_TOTAL_QUEUE_BYTES:
      self->max_total_queue_bytes = g_value_get_uint64 (value);
      apply_delivery (self);
      break;
    case SHOAL_NODE_PROP_TRUST_POLICY:
      shoal_node_set_trust_policy (self, g_value_get_enum (value));
      break;
    case SHOAL_NODE_PROP_ID:
    case SHOAL_NODE_PROP_SESSION_ID:
    case SHOAL_NODE_PROP_RUNNING:
    case SHOAL_NODE_PROP_PEERS:
    case SHOAL_NODE_PROP_FINGERPRINT:
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
  g_clear_object (&self->credentials);
  g_clear_object (&self->trust);

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
  g_strfreev (self->groups);
  g_strfreev (self->interfaces);
  g_strfreev (self->excluded_interfaces);
  g_clear_pointer (&self->network_key, g_bytes_unref);

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
  shoal_node_props[SHOAL_NODE_PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, ro);

  /**
   * ShoalNode:session-id:
   *
   * Random per start, so peers tell a restart from a reconnection.
   */
  shoal_node_props[SHOAL_NODE_PROP_SESSION_ID] = g_param_spec_string ("session-id", NULL, NULL, NULL, ro);

  /**
   * ShoalNode:name:
   *
   * The name this node announces. It changes if mDNS finds it taken.
   */
  shoal_node_props[SHOAL_NODE_PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ShoalNode:port:
   *
   * The TCP port to listen on (0 for any); once started, the bound port.
   */
  shoal_node_props[SHOAL_NODE_PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                       G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ShoalNode:state-dir:
   *
   * Where the node keeps its identity.
   */
  shoal_node_props[SHOAL_NODE_PROP_STATE_DIR] =
    g_param_spec_string ("state-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ShoalNode:listen-address:
   *
   * The IP address to listen on, or %NULL for every address.
   */
  shoal_node_props[SHOAL_NODE_PROP_LISTEN_ADDRESS] = g_param_spec_string ("listen-address", NULL, NULL, NULL, rw);

  /**
   * ShoalNode:mdns:
   *
   * Whether the node announces itself and finds peers over mDNS/DNS-SD.
   */
  shoal_node_props[SHOAL_NODE_PROP_MDNS] = g_param_spec_boolean ("mdns", NULL, NULL, TRUE, rw);

  /**
   * ShoalNode:peer-exchange:
   *
   * Whether the node tells its linked peers which peers it is linked to,
   * and dials the peers they tell of (PROTOCOL.md, section 7a).
   */
  shoal_node_props[SHOAL_NODE_PROP_PEER_EXCHANGE] =
    g_param_spec_boolean ("peer-exchange", NULL, NULL, TRUE, rw);

  /**
   * ShoalNode:heartbeat-interval:
   *
   * Milliseconds between pings on a link.
   */
  shoal_node_props[SHOAL_NODE_PROP_HEARTBEAT_INTERVAL] =
    g_param_spec_uint ("heartbeat-interval", NULL, NULL, 10, 3600 * 1000,
                       SHOAL_NODE_DEFAULT_HEARTBEAT_INTERVAL_MS, rw);

  /**
   * ShoalNode:heartbeat-timeout:
   *
   * Milliseconds of silence after which a peer is lost.
   */
  shoal_node_props[SHOAL_NODE_PROP_HEARTBEAT_TIMEOUT] =
    g_param_spec_uint ("heartbeat-timeout", NULL, NULL, 20, 3600 * 1000,
                       SHOAL_NODE_DEFAULT_HEARTBEAT_TIMEOUT_MS, rw);

  /**
   * ShoalNode:delivery-timeout:
   *
   * Milliseconds a peer may stay out of reach before the messages it was
   * sent and has not acknowledged are reported failed.
   */
  shoal_node_props[SHOAL_NODE_PROP_DELIVERY_TIMEOUT] =
    g_param_spec_uint ("delivery-timeout", NULL, NULL, 100, 24 * 3600 * 1000,
                       SHOAL_NODE_DEFAULT_DELIVERY_TIMEOUT_MS, rw);

  /**
   * ShoalNode:max-queue-bytes:
   *
   * Payload bytes one peer may have sent to it and not acknowledged before
   * shoal_node_send() answers %SHOAL_ERROR_QUEUE_FULL.
   */
  shoal_node_props[SHOAL_NODE_PROP_MAX_QUEUE_BYTES] =
    g_param_spec_uint64 ("max-queue-bytes", NULL, NULL, 1024, G_MAXUINT32,
                         SHOAL_NODE_DEFAULT_MAX_QUEUE_BYTES, rw);

  /**
   * ShoalNode:max-total-queue-bytes:
   *
   * Payload bytes all peers together may have sent to them and not
   * acknowledged before shoal_node_send() answers %SHOAL_ERROR_QUEUE_FULL.
   */
  shoal_node_props[SHOAL_NODE_PROP_MAX_TOTAL_QUEUE_BYTES] =
    g_param_spec_uint64 ("max-total-queue-bytes", NULL, NULL, 1024, G_MAXUINT32,
                         SHOAL_NODE_DEFAULT_MAX_TOTAL_QUEUE_BYTES, rw);

  /**
   * ShoalNode:running:
   *
   * Whether the node has been started and not stopped.
   */
  shoal_node_props[SHOAL_NODE_PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);

  /**
   * ShoalNode:peers:
   *
   * The known peers, a #GListModel of #ShoalPeer.
   */
  shoal_node_props[SHOAL_NODE_PROP_PEERS] = g_param_spec_object ("peers", NULL, NULL, G_TYPE_LIST_MODEL, ro);

  /**
   * ShoalNode:trust-policy:
   *
   * Who may join this node's mesh; set before shoal_node_start().
   */
  shoal_node_props[SHOAL_NODE_PROP_TRUST_POLICY] =
    g_param_spec_enum ("trust-policy", NULL, NULL, SHOAL_TYPE_TRUST_POLICY,
                       SHOAL_TRUST_POLICY_OPEN, rw);

  /**
   * ShoalNode:fingerprint:
   *
   * The SHA-256 of this node's public key, as peers see it in
   * #ShoalPeer:fingerprint; %NULL until started.
   */
  shoal_node_props[SHOAL_NODE_PROP_FINGERPRINT] = g_param_spec_string ("fingerprint", NULL, NULL, NULL, ro);

  /* The groups' property and signals are documented beside their code. */
  shoal_node_groups_class_init (klass);

  g_object_class_install_properties (object_class, SHOAL_NODE_N_PROPS, shoal_node_props);

  /**
   * ShoalNode::peer-added:
   * @self: the node
   * @peer: the new peer
   *
   * A peer became known, from discovery or from its handshake.
   */
  shoal_node_signals[SHOAL_NODE_SIGNAL_PEER_ADDED] =
    g_signal_new ("peer-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);

  /**
   * ShoalNode::peer-removed:
   * @self: the node
   * @peer: the peer
   *
   * A peer is gone: no link and no discovery record vouch for it.
   */
  shoal_node_signals[SHOAL_NODE_SIGNAL_PEER_REMOVED] =
    g_signal_new ("peer-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);

  /**
   * ShoalNode::peer-connected:
   * @self: the node
   * @peer: the peer
   *
   * A live link to @peer now carries messages.
   */
  shoal_node_signals[SHOAL_NODE_SIGNAL_PEER_CONNECTED] =
    g_signal_new ("peer-connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);

  /**
   * ShoalNode::peer-disconnected:
   * @self: the node
   * @peer: the peer
   * @reason: why, one of the names of #ShoalDisconnectReason: "goodbye",
   *   "shutdown", "timeout", "reset", "replaced", "duplicate",
   *   "protocol-error", "overloaded", "not-trusted" or "disconnected"; the
   *   words that explain the case go to the log
   *
   * The live link to @peer is gone.
   */
  shoal_node_signals[SHOAL_NODE_SIGNAL_PEER_DISCONNECTED] =
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
   * While this runs, shoal_node_get_message_group() says which group the
   * message was sent to, if any (@broadcast is then %FALSE).
   */
  shoal_node_signals[SHOAL_NODE_SIGNAL_MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, _shoal_marshal_VOID__OBJECT_BOXED_BOOLEAN, G_TYPE_NONE, 3,
                  SHOAL_TYPE_PEER, G_TYPE_BYTES | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_BOOLEAN);
  g_signal_set_va_marshaller (shoal_node_signals[SHOAL_NODE_SIGNAL_MESSAGE_RECEIVED],
                              G_TYPE_FROM_CLASS (klass),
                              _shoal_marshal_VOID__OBJECT_BOXED_BOOLEANv);

  /**
   * ShoalNode::peer-pending:
   * @self: the node
   * @peer: the peer, in state %SHOAL_PEER_STATE_PENDING
   *
   * Under the allow-list policy, a peer that proved its id but is not in
   * the trust store asks to join. Nothing flows until shoal_node_trust();
   * compare #ShoalPeer:verification-code with the one the peer shows.
   */
  shoal_node_signals[SHOAL_NODE_SIGNAL_PEER_PENDING] =
    g_signal_new ("peer-pending", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);

  /**
   * ShoalNode::message-delivered:
   * @self: the node
   * @peer: the recipient
   * @id: the id shoal_node_send() or shoal_node_broadcast() returned
   *
   * The peer has handed the message to its consumer. Each message ends in
   * exactly one #ShoalNode::message-delivered or #ShoalNode::message-failed
   * per recipient.
   */
  shoal_node_signals[SHOAL_NODE_SIGNAL_MESSAGE_DELIVERED] =
    g_signal_new ("message-delivered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, _shoal_marshal_VOID__OBJECT_UINT64, G_TYPE_NONE, 2,
                  SHOAL_TYPE_PEER, G_TYPE_UINT64);
  g_signal_set_va_marshaller (shoal_node_signals[SHOAL_NODE_SIGNAL_MESSAGE_DELIVERED],
                              G_TYPE_FROM_CLASS (klass), _shoal_marshal_VOID__OBJECT_UINT64v);

  /**
   * ShoalNode::message-failed:
   * @self: the node
   * @peer: the recipient
   * @id: the id shoal_node_send() or shoal_node_broadcast() returned
   * @reason: why, in a few words ("peer unreachable for 60 s", "node stopped", …)
   *
   * The message will never reach the peer: it was out of reach for longer
   * than #ShoalNode:delivery-timeout, it was forgotten, or this node stopped
   * before the peer acknowledged the message.
   */
  shoal_node_signals[SHOAL_NODE_SIGNAL_MESSAGE_FAILED] =
    g_signal_new ("message-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, _shoal_marshal_VOID__OBJECT_UINT64_STRING, G_TYPE_NONE, 3,
                  SHOAL_TYPE_PEER, G_TYPE_UINT64, G_TYPE_STRING);
  g_signal_set_va_marshaller (shoal_node_signals[SHOAL_NODE_SIGNAL_MESSAGE_FAILED],
                              G_TYPE_FROM_CLASS (klass),
                              _shoal_marshal_VOID__OBJECT_UINT64_STRINGv);
}

/* A link's TCP settings (shoal_link_tune_socket()) from its first segment:
 * the round-trip estimate that a fresh link's retransmission timeout
 * starts from is taken under them, not under the kernel's 200 ms. */
static void
client_event_cb (GSocketClient      *client,
                 GSocketClientEvent  event,
                 GSocketConnectable *connectable,
                 GIOStream          *connection,
                 gpointer            user_data)
{
  if (event == G_SOCKET_CLIENT_CONNECTING)
    shoal_link_tune_socket (g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)));
}

static void
shoal_node_init (ShoalNode *self)
{
  self->mdns = TRUE;
  self->groups = g_new0 (gchar *, 1);
  self->peer_exchange = TRUE;
  self->heartbeat_interval_ms = SHOAL_NODE_DEFAULT_HEARTBEAT_INTERVAL_MS;
  self->heartbeat_timeout_ms = SHOAL_NODE_DEFAULT_HEARTBEAT_TIMEOUT_MS;
  self->delivery_timeout_ms = SHOAL_NODE_DEFAULT_DELIVERY_TIMEOUT_MS;
  self->max_queue_bytes = SHOAL_NODE_DEFAULT_MAX_QUEUE_BYTES;
  self->max_total_queue_bytes = SHOAL_NODE_DEFAULT_MAX_TOTAL_QUEUE_BYTES;
  self->peers = g_list_store_new (SHOAL_TYPE_PEER);
  self->discoveries = g_ptr_array_new_with_free_func (g_object_unref);

  self->client = g_socket_client_new ();
  g_socket_client_set_enable_proxy (self->client, FALSE);
  g_socket_client_set_timeout (self->client, CONNECT_TIMEOUT_S);
  g_signal_connect (self->client, "event", G_CALLBACK (client_event_cb), NULL);
}

/**
 * shoal_node_new:
 * @name: (nullable): the name to announce; %NULL for the host name
 * @port: the TCP port to listen on, 0 for any
 * @state_dir: (type filename): where to keep the node's identity
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
  shoal_node_watch_discovery (self, discovery);

  if (self->running)
    shoal_discovery_start (discovery, self->id, self->session_id, self->name, self->port);
}
