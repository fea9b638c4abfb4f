/* shoal-node-settings.c: a node's settings and what it tells of itself
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-credentials.h"
#include "shoal-discovery-avahi.h"
#include "shoal-error.h"
#include "shoal-node-private.h"
#include "shoal-trust.h"

/**
 * shoal_node_set_acknowledging:
 * @self: a #ShoalNode, not started yet
 * @acknowledging: %FALSE to acknowledge nothing it receives
 *
 * For benchmarks only: what acknowledgements cost is measured against a
 * receiver that sends none (its peers then keep everything they sent).
 */
void
shoal_node_set_acknowledging (ShoalNode *self,
                              gboolean   acknowledging)
{
  g_return_if_fail (SHOAL_IS_NODE (self));
  g_return_if_fail (self->mesh == NULL);
  self->no_acks = !acknowledging;
}

gboolean
shoal_node_is_running (ShoalNode *self)
{
  return self->running;
}

guint *
shoal_node_get_receive_holds (ShoalNode *self)
{
  return &self->receive_holds;
}

/**
 * shoal_node_get_id:
 * @self: a #ShoalNode
 *
 * Gets the node's peer id (#ShoalNode:id), derived from its key.
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
 * Gets the random id of this start (#ShoalNode:session-id).
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
 * Gets the name the node announces (#ShoalNode:name).
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
 * Gets the TCP port (#ShoalNode:port): the one asked for until the node
 * starts, then the one it is bound to, which is how a node created with port
 * 0 tells its peers where to dial.
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
 * Gets the directory that holds the node's key and trust store
 * (#ShoalNode:state-dir).
 *
 * Returns: (type filename): the state directory
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
 * Gets whether the node is started (#ShoalNode:running).
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
 * Gets the peers this node knows (#ShoalNode:peers), as a list model that
 * changes as they come and go: bind a list widget to it, or watch
 * #GListModel::items-changed.
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
 * Finds a known peer by its id.
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
  g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_LISTEN_ADDRESS]);
}

/**
 * shoal_node_get_listen_address:
 * @self: a #ShoalNode
 *
 * Gets the address the listener is restricted to (#ShoalNode:listen-
 * address).
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
  g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_MDNS]);
}

/**
 * shoal_node_set_peer_exchange:
 * @self: a #ShoalNode
 * @peer_exchange: whether to exchange peers with linked peers
 *
 * Turns peer exchange on or off (#ShoalNode:peer-exchange); takes effect
 * at the next start.
 */
void
shoal_node_set_peer_exchange (ShoalNode *self,
                              gboolean   peer_exchange)
{
  g_return_if_fail (SHOAL_IS_NODE (self));

  peer_exchange = !!peer_exchange;
  if (self->peer_exchange == peer_exchange)
    return;

  self->peer_exchange = peer_exchange;
  g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_PEER_EXCHANGE]);
}

/**
 * shoal_node_get_peer_exchange:
 * @self: a #ShoalNode
 *
 * Gets whether the node tells its linked peers which peers it is linked
 * to, and dials the peers they tell of (#ShoalNode:peer-exchange).
 *
 * Returns: whether the node exchanges peers with its linked peers
 */
gboolean
shoal_node_get_peer_exchange (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  return self->peer_exchange;
}

/**
 * shoal_node_get_mdns:
 * @self: a #ShoalNode
 *
 * Gets whether the node announces itself and finds peers over mDNS/DNS-SD
 * (#ShoalNode:mdns).
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
      g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_HEARTBEAT_INTERVAL]);
    }
  if (self->heartbeat_timeout_ms != timeout_ms)
    {
      self->heartbeat_timeout_ms = timeout_ms;
      g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_HEARTBEAT_TIMEOUT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * shoal_node_get_heartbeat_interval:
 * @self: a #ShoalNode
 *
 * Gets how often an idle link is pinged (#ShoalNode:heartbeat-interval).
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
 * Gets how long a link may stay silent before its peer is lost
 * (#ShoalNode:heartbeat-timeout).
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

/**
 * shoal_node_count_dials:
 * @self: a #ShoalNode
 *
 * For tests that wait until nothing more will dial.
 *
 * Returns: how many dials are waiting or under way
 */
guint
shoal_node_count_dials (ShoalNode *self)
{
  return self->mesh != NULL ? shoal_mesh_count_dials (self->mesh) : 0;
}

/* For shoal-node-trust.c, which holds the trust half of the API. */

ShoalTrust *
shoal_node_get_trust (ShoalNode *self)
{
  return self->trust;
}

ShoalMesh *
shoal_node_get_mesh (ShoalNode *self)
{
  return self->mesh;
}

ShoalDiscoveryAvahi *
shoal_node_get_avahi (ShoalNode *self)
{
  return self->avahi != NULL ? SHOAL_DISCOVERY_AVAHI (self->avahi) : NULL;
}

void
shoal_node_store_network_key (ShoalNode *self,
                              GBytes    *network_key)
{
  g_clear_pointer (&self->network_key, g_bytes_unref);
  self->network_key = network_key != NULL ? g_bytes_ref (network_key) : NULL;
}

/**
 * shoal_node_set_trust_policy:
 * @self: a #ShoalNode
 * @policy: who may join this node's mesh
 *
 * Chooses the trust policy; it takes effect at shoal_node_start().
 */
void
shoal_node_set_trust_policy (ShoalNode        *self,
                             ShoalTrustPolicy  policy)
{
  g_return_if_fail (SHOAL_IS_NODE (self));
  g_return_if_fail (!self->running);
  g_return_if_fail (policy <= SHOAL_TRUST_POLICY_ALLOW_LIST);

  if (self->trust_policy == policy)
    return;

  self->trust_policy = policy;
  g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_TRUST_POLICY]);
}

/**
 * shoal_node_get_trust_policy:
 * @self: a #ShoalNode
 *
 * Gets the trust policy (#ShoalNode:trust-policy).
 *
 * Returns: who may join this node's mesh
 */
ShoalTrustPolicy
shoal_node_get_trust_policy (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), SHOAL_TRUST_POLICY_OPEN);

  return self->trust_policy;
}

/**
 * shoal_node_get_fingerprint:
 * @self: a #ShoalNode
 *
 * Gets the fingerprint of this node's public key (#ShoalNode:fingerprint),
 * which peers see as #ShoalPeer:fingerprint.
 *
 * Returns: (nullable): the SHA-256 of this node's public key, once started
 */
const gchar *
shoal_node_get_fingerprint (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);

  return self->credentials != NULL ? shoal_credentials_get_fingerprint (self->credentials) : NULL;
}
