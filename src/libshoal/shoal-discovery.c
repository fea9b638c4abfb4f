/* shoal-discovery.c: the ShoalDiscovery interface
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-discovery.h"

/**
 * ShoalDiscovery:
 *
 * Where a node learns of peers. #ShoalDiscoveryAvahi finds them over
 * mDNS/DNS-SD and #ShoalDiscoveryStatic dials a configured list of
 * addresses; shoal_node_add_discovery() gives a node one more source. See
 * #ShoalDiscoveryInterface for what a backend implements.
 */
G_DEFINE_INTERFACE (ShoalDiscovery, shoal_discovery, G_TYPE_OBJECT)

enum {
  SIGNAL_PEER_FOUND,
  SIGNAL_PEER_LOST,
  SIGNAL_NAME_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
shoal_discovery_default_init (ShoalDiscoveryInterface *iface)
{
  /**
   * ShoalDiscovery::peer-found:
   * @self: the backend
   * @key: the backend's stable key for this remote instance
   * @peer_id: (nullable): the peer's id when the backend knows it before
   *   any handshake (DNS-SD TXT); %NULL for configured addresses
   * @name: (nullable): the peer's name, when known
   * @addresses: (element-type GInetSocketAddress): where to dial it, best first
   *
   * Emitted when a remote instance appears, and again whenever what the
   * backend knows of it changes.
   */
  signals[SIGNAL_PEER_FOUND] =
    g_signal_new ("peer-found",
                  G_TYPE_FROM_INTERFACE (iface),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_PTR_ARRAY);

  /**
   * ShoalDiscovery::peer-lost:
   * @self: the backend
   * @key: the key it was found under
   *
   * Emitted when the backend no longer sees the instance. For mDNS this is a
   * hint, not proof: the node keeps a live link regardless.
   */
  signals[SIGNAL_PEER_LOST] =
    g_signal_new ("peer-lost",
                  G_TYPE_FROM_INTERFACE (iface),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * ShoalDiscovery::name-changed:
   * @self: the backend
   * @name: the name this node is now announced under
   *
   * Emitted when the backend had to announce the node under another name,
   * for example after a DNS-SD service-name collision.
   */
  signals[SIGNAL_NAME_CHANGED] =
    g_signal_new ("name-changed",
                  G_TYPE_FROM_INTERFACE (iface),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

/**
 * shoal_discovery_start:
 * @self: a #ShoalDiscovery
 * @id: this node's peer id
 * @session_id: this node's session id for this start
 * @name: the name to announce the node under
 * @port: the node's listening port
 *
 * Starts the backend in the thread-default main context.
 */
void
shoal_discovery_start (ShoalDiscovery *self,
                       const gchar    *id,
                       const gchar    *session_id,
                       const gchar    *name,
                       guint16         port)
{
  g_return_if_fail (SHOAL_IS_DISCOVERY (self));

  SHOAL_DISCOVERY_GET_IFACE (self)->start (self, id, session_id, name, port);
}

/**
 * shoal_discovery_stop:
 * @self: a #ShoalDiscovery
 *
 * Stops the backend; it emits nothing more.
 */
void
shoal_discovery_stop (ShoalDiscovery *self)
{
  g_return_if_fail (SHOAL_IS_DISCOVERY (self));

  SHOAL_DISCOVERY_GET_IFACE (self)->stop (self);
}

/**
 * shoal_discovery_emit_peer_found:
 * @self: a #ShoalDiscovery
 * @key: the backend's key for the instance
 * @peer_id: (nullable): the peer's id, if known
 * @name: (nullable): the peer's name, if known
 * @addresses: (element-type GInetSocketAddress): its addresses, best first
 *
 * For backends: reports an instance or a change to it.
 */
void
shoal_discovery_emit_peer_found (ShoalDiscovery *self,
                                 const gchar    *key,
                                 const gchar    *peer_id,
                                 const gchar    *name,
                                 GPtrArray      *addresses)
{
  g_return_if_fail (SHOAL_IS_DISCOVERY (self));
  g_return_if_fail (key != NULL);
  g_return_if_fail (addresses != NULL);

  g_signal_emit (self, signals[SIGNAL_PEER_FOUND], 0, key, peer_id, name, addresses);
}

/**
 * shoal_discovery_emit_peer_lost:
 * @self: a #ShoalDiscovery
 * @key: the key the instance was found under
 *
 * For backends: reports that an instance is no longer seen.
 */
void
shoal_discovery_emit_peer_lost (ShoalDiscovery *self,
                                const gchar    *key)
{
  g_return_if_fail (SHOAL_IS_DISCOVERY (self));
  g_return_if_fail (key != NULL);

  g_signal_emit (self, signals[SIGNAL_PEER_LOST], 0, key);
}

/**
 * shoal_discovery_emit_name_changed:
 * @self: a #ShoalDiscovery
 * @name: the node's new announced name
 *
 * For backends: reports that the node is announced under another name.
 */
void
shoal_discovery_emit_name_changed (ShoalDiscovery *self,
                                   const gchar    *name)
{
  g_return_if_fail (SHOAL_IS_DISCOVERY (self));
  g_return_if_fail (name != NULL);

  g_signal_emit (self, signals[SIGNAL_NAME_CHANGED], 0, name);
}
