/* shoald-peer-skeleton.h: one ShoalPeer on the bus as org.shoal.Shoal1.Peer
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-dbus-generated.h"
#include "shoal-node.h"
#include "shoal-peer.h"

G_BEGIN_DECLS

#define SHOALD_TYPE_PEER_SKELETON (shoald_peer_skeleton_get_type ())
G_DECLARE_FINAL_TYPE (ShoaldPeerSkeleton, shoald_peer_skeleton, SHOALD, PEER_SKELETON, ShoalDbusPeerSkeleton)

ShoaldPeerSkeleton *shoald_peer_skeleton_new      (ShoalNode          *node,
                                                   ShoalPeer          *peer);
ShoalPeer          *shoald_peer_skeleton_get_peer (ShoaldPeerSkeleton *self);
gchar              *shoald_peer_skeleton_path_for_id (const gchar     *peer_id);

G_END_DECLS
