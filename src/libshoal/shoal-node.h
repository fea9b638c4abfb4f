/* shoal-node.h: the Shoal engine's façade
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-discovery.h"
#include "shoal-peer.h"

G_BEGIN_DECLS

/**
 * SHOAL_NODE_DEFAULT_HEARTBEAT_INTERVAL_MS:
 *
 * How often an idle link is pinged, in milliseconds.
 */
#define SHOAL_NODE_DEFAULT_HEARTBEAT_INTERVAL_MS 500

/**
 * SHOAL_NODE_DEFAULT_HEARTBEAT_TIMEOUT_MS:
 *
 * How long a link may stay silent before its peer is declared lost, in
 * milliseconds. With the default interval a silent peer is lost within 3 s.
 */
#define SHOAL_NODE_DEFAULT_HEARTBEAT_TIMEOUT_MS 2500

/**
 * SHOAL_NODE_DEFAULT_MAX_QUEUE_BYTES:
 *
 * How many payload bytes may wait in one link's send queue before
 * shoal_node_send() answers %SHOAL_ERROR_QUEUE_FULL.
 */
#define SHOAL_NODE_DEFAULT_MAX_QUEUE_BYTES (32 * 1024 * 1024)

/**
 * SHOAL_NODE_DEFAULT_MAX_LINKS:
 *
 * How many links (handshaking or live) a node keeps at once; further inbound
 * connections are refused.
 */
#define SHOAL_NODE_DEFAULT_MAX_LINKS 256

/**
 * SHOAL_NODE_MAX_MESSAGE_SIZE:
 *
 * The largest payload a message may carry, in bytes (protocol v1's limit).
 */
#define SHOAL_NODE_MAX_MESSAGE_SIZE (16 * 1024 * 1024)

#define SHOAL_TYPE_NODE (shoal_node_get_type ())
G_DECLARE_FINAL_TYPE (ShoalNode, shoal_node, SHOAL, NODE, GObject)

ShoalNode   *shoal_node_new                (const gchar    *name,
                                            guint16         port,
                                            const gchar    *state_dir);

gboolean     shoal_node_start              (ShoalNode      *self,
                                            GError        **error);
void         shoal_node_stop_async         (ShoalNode      *self,
                                            GCancellable   *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer        user_data);
gboolean     shoal_node_stop_finish        (ShoalNode      *self,
                                            GAsyncResult   *result,
                                            GError        **error);
void         shoal_node_stop               (ShoalNode      *self);

void         shoal_node_add_discovery      (ShoalNode      *self,
                                            ShoalDiscovery *discovery);

void         shoal_node_set_listen_address (ShoalNode      *self,
                                            const gchar    *address);
const gchar *shoal_node_get_listen_address (ShoalNode      *self);
void         shoal_node_set_mdns           (ShoalNode      *self,
                                            gboolean        mdns);
gboolean     shoal_node_get_mdns           (ShoalNode      *self);
void         shoal_node_set_heartbeat      (ShoalNode      *self,
                                            guint           interval_ms,
                                            guint           timeout_ms);
guint        shoal_node_get_heartbeat_interval (ShoalNode  *self);
guint        shoal_node_get_heartbeat_timeout  (ShoalNode  *self);

const gchar *shoal_node_get_id             (ShoalNode      *self);
const gchar *shoal_node_get_session_id     (ShoalNode      *self);
const gchar *shoal_node_get_name           (ShoalNode      *self);
guint16      shoal_node_get_port           (ShoalNode      *self);
const gchar *shoal_node_get_state_dir      (ShoalNode      *self);
gboolean     shoal_node_get_running        (ShoalNode      *self);

GListModel  *shoal_node_get_peers          (ShoalNode      *self);
ShoalPeer   *shoal_node_lookup_peer        (ShoalNode      *self,
                                            const gchar    *peer_id);

gboolean     shoal_node_send               (ShoalNode      *self,
                                            const gchar    *peer_id,
                                            GBytes         *payload,
                                            GError        **error);
guint        shoal_node_broadcast          (ShoalNode      *self,
                                            GBytes         *payload);

G_END_DECLS
