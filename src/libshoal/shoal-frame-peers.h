/* shoal-frame-peers.h: the PEERS frame of peer exchange (private)
 *
 * Pure functions over bytes, as the rest of the codec (shoal-frame.h). The
 * normative description is doc/PROTOCOL.md, section 7a.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The HELLO feature that announces peer exchange. */
#define SHOAL_FEATURE_PEERS "peers"

/* At most this many peers in one frame, each with at most this many
 * addresses; the body limit holds the worst case of both. */
#define SHOAL_PEERS_MAX_ENTRIES 64
#define SHOAL_PEERS_MAX_ADDRESSES 4
#define SHOAL_FRAME_MAX_PEERS_BODY 16384u

/* One peer the sender is linked to. */
typedef struct {
  gchar     *peer_id;    /* (owned) 32 lowercase hex */
  GPtrArray *addresses;  /* (owned) (element-type GInetAddress) 0..4, no scope */
  guint16    port;       /* the peer's listening port */
} ShoalPeersEntry;

ShoalPeersEntry *shoal_peers_entry_new       (const gchar      *peer_id,
                                              guint16           port);
void             shoal_peers_entry_free      (ShoalPeersEntry  *entry);

GBytes          *shoal_frame_encode_peers    (GPtrArray        *entries);
GPtrArray       *shoal_frame_decode_peers    (GBytes           *body,
                                              GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalPeersEntry, shoal_peers_entry_free)

G_END_DECLS
