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
 * How many payload bytes one peer may have sent to it and not acknowledged
 * before shoal_node_send() answers %SHOAL_ERROR_QUEUE_FULL.
 */
#define SHOAL_NODE_DEFAULT_MAX_QUEUE_BYTES (32 * 1024 * 1024)

/**
 * SHOAL_NODE_DEFAULT_MAX_TOTAL_QUEUE_BYTES:
 *
 * How many payload bytes all peers together may have sent to them and not
 * acknowledged before shoal_node_send() answers %SHOAL_ERROR_QUEUE_FULL.
 */
#define SHOAL_NODE_DEFAULT_MAX_TOTAL_QUEUE_BYTES (128 * 1024 * 1024)

/**
 * SHOAL_NODE_DEFAULT_DELIVERY_TIMEOUT_MS:
 *
 * How long a peer may be out of reach before what it was sent fails.
 */
#define SHOAL_NODE_DEFAULT_DELIVERY_TIMEOUT_MS 60000

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

/**
 * ShoalTrustPolicy:
 * @SHOAL_TRUST_POLICY_OPEN: any peer whose certificate proves its id links
 *   up; ids are remembered with their names (trust on first use), and a
 *   known name showing up with another id is flagged
 * @SHOAL_TRUST_POLICY_NETWORK_KEY: only peers that prove they hold the same
 *   network key, bound to the TLS session, link up
 * @SHOAL_TRUST_POLICY_ALLOW_LIST: only peers in the trust store link up;
 *   others become pending until shoal_node_trust() or shoal_node_untrust()
 *
 * Who may join this node's mesh. Every policy authenticates links with TLS
 * and refuses a peer whose certificate does not prove its id, and none lets
 * in a peer that was untrusted with shoal_node_untrust().
 */
typedef enum {
  SHOAL_TRUST_POLICY_OPEN,
  SHOAL_TRUST_POLICY_NETWORK_KEY,
  SHOAL_TRUST_POLICY_ALLOW_LIST,
} ShoalTrustPolicy;

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
void         shoal_node_set_peer_exchange  (ShoalNode      *self,
                                            gboolean        peer_exchange);
gboolean     shoal_node_get_peer_exchange  (ShoalNode      *self);
gboolean     shoal_node_set_interfaces     (ShoalNode            *self,
                                            const gchar * const  *interfaces,
                                            const gchar * const  *excluded,
                                            GError              **error);
const gchar * const *shoal_node_get_interfaces          (ShoalNode *self);
const gchar * const *shoal_node_get_excluded_interfaces (ShoalNode *self);
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

void             shoal_node_set_trust_policy (ShoalNode        *self,
                                              ShoalTrustPolicy  policy);
ShoalTrustPolicy shoal_node_get_trust_policy (ShoalNode        *self);
gboolean         shoal_node_set_network_key  (ShoalNode        *self,
                                              const gchar      *key,
                                              GError          **error);
gboolean         shoal_node_set_network_key_file (ShoalNode    *self,
                                              const gchar      *path,
                                              GError          **error);
const gchar     *shoal_node_get_fingerprint  (ShoalNode        *self);
gboolean         shoal_node_trust            (ShoalNode        *self,
                                              const gchar      *peer_id,
                                              GError          **error);
gboolean         shoal_node_untrust          (ShoalNode        *self,
                                              const gchar      *peer_id,
                                              GError          **error);

void         shoal_node_connect_async      (ShoalNode      *self,
                                            const gchar    *address,
                                            GCancellable   *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer        user_data);
ShoalPeer   *shoal_node_connect_finish     (ShoalNode      *self,
                                            GAsyncResult   *result,
                                            GError        **error);
gboolean     shoal_node_disconnect         (ShoalNode      *self,
                                            const gchar    *peer_id,
                                            GError        **error);

guint64      shoal_node_send               (ShoalNode      *self,
                                            const gchar    *peer_id,
                                            GBytes         *payload,
                                            GError        **error);
guint64      shoal_node_broadcast          (ShoalNode      *self,
                                            GBytes         *payload,
                                            GPtrArray     **recipients);
gboolean     shoal_group_name_is_valid     (const gchar    *name);
gboolean     shoal_node_join               (ShoalNode      *self,
                                            const gchar    *group,
                                            GError        **error);
gboolean     shoal_node_leave              (ShoalNode      *self,
                                            const gchar    *group,
                                            GError        **error);
const gchar * const *shoal_node_get_groups (ShoalNode      *self);
guint64      shoal_node_send_to_group      (ShoalNode      *self,
                                            const gchar    *group,
                                            GBytes         *payload,
                                            GPtrArray     **recipients,
                                            GError        **error);
const gchar *shoal_node_get_message_group  (ShoalNode      *self);
void         shoal_node_hold_messages      (ShoalNode      *self);
void         shoal_node_release_messages   (ShoalNode      *self);

GVariant    *shoal_node_diagnose           (ShoalNode      *self);

G_END_DECLS
