/* shoal-peer.h: one remote peer
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * ShoalPeerState:
 * @SHOAL_PEER_STATE_DISCOVERED: known from discovery, no link yet
 * @SHOAL_PEER_STATE_CONNECTING: a link is being dialled or handshaking
 * @SHOAL_PEER_STATE_CONNECTED: a live link carries messages
 * @SHOAL_PEER_STATE_LOST: the link went away; the node redials while discovery
 *   still sees the peer
 * @SHOAL_PEER_STATE_PENDING: the peer proved its id but the allow-list policy
 *   keeps it out until shoal_node_trust() or shoal_node_untrust(); no
 *   messages flow either way
 * @SHOAL_PEER_STATE_DISCONNECTED: a person dropped the peer with
 *   shoal_node_disconnect() (here or on its side): neither side dials the
 *   other on its own until shoal_node_connect() names it again
 *
 * Where a peer stands with this node.
 */
typedef enum {
  SHOAL_PEER_STATE_DISCOVERED,
  SHOAL_PEER_STATE_CONNECTING,
  SHOAL_PEER_STATE_CONNECTED,
  SHOAL_PEER_STATE_LOST,
  SHOAL_PEER_STATE_PENDING,
  SHOAL_PEER_STATE_DISCONNECTED,
} ShoalPeerState;

#define SHOAL_TYPE_PEER (shoal_peer_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPeer, shoal_peer, SHOAL, PEER, GObject)

const gchar          *shoal_peer_get_id                (ShoalPeer *self);
const gchar          *shoal_peer_get_name              (ShoalPeer *self);
const gchar * const  *shoal_peer_get_addresses         (ShoalPeer *self);
ShoalPeerState        shoal_peer_get_state             (ShoalPeer *self);
gboolean              shoal_peer_get_connected         (ShoalPeer *self);
guint64               shoal_peer_get_round_trip_time   (ShoalPeer *self);
gint64                shoal_peer_get_last_seen         (ShoalPeer *self);
guint64               shoal_peer_get_bytes_sent        (ShoalPeer *self);
guint64               shoal_peer_get_bytes_received    (ShoalPeer *self);
guint64               shoal_peer_get_messages_sent     (ShoalPeer *self);
guint64               shoal_peer_get_messages_received (ShoalPeer *self);
gboolean              shoal_peer_get_trusted           (ShoalPeer *self);
const gchar          *shoal_peer_get_fingerprint       (ShoalPeer *self);
const gchar          *shoal_peer_get_verification_code (ShoalPeer *self);
const gchar          *shoal_peer_get_previous_id       (ShoalPeer *self);
const gchar          *shoal_peer_get_last_error        (ShoalPeer *self);
const gchar * const  *shoal_peer_get_groups            (ShoalPeer *self);
const gchar          *shoal_peer_get_interface         (ShoalPeer *self);
const gchar          *shoal_peer_get_local_address     (ShoalPeer *self);
const gchar          *shoal_peer_get_remote_address    (ShoalPeer *self);

const gchar          *shoal_peer_state_to_string       (ShoalPeerState state);

G_END_DECLS
