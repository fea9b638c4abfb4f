/* shoal-peer-private.h: what the node may change on a ShoalPeer
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-peer.h"

G_BEGIN_DECLS

ShoalPeer *shoal_peer_new                 (const gchar    *id);
void       shoal_peer_set_name            (ShoalPeer      *self,
                                           const gchar    *name);
void       shoal_peer_set_state           (ShoalPeer      *self,
                                           ShoalPeerState  state);
void       shoal_peer_set_addresses       (ShoalPeer      *self,
                                           GPtrArray      *addresses);
void       shoal_peer_set_round_trip_time (ShoalPeer      *self,
                                           guint64         usec);
void       shoal_peer_set_last_seen       (ShoalPeer      *self,
                                           gint64          unix_usec);
void       shoal_peer_add_sent            (ShoalPeer      *self,
                                           guint64         messages,
                                           guint64         bytes);
void       shoal_peer_set_trusted         (ShoalPeer      *self,
                                           gboolean        trusted);
void       shoal_peer_set_identity        (ShoalPeer      *self,
                                           const gchar    *fingerprint,
                                           const gchar    *verification_code);
void       shoal_peer_set_previous_id     (ShoalPeer      *self,
                                           const gchar    *previous_id);
void       shoal_peer_set_last_error      (ShoalPeer      *self,
                                           const gchar    *last_error);
void       shoal_peer_set_groups          (ShoalPeer      *self,
                                           const gchar * const *groups);
void       shoal_peer_set_path            (ShoalPeer      *self,
                                           const gchar    *interface,
                                           const gchar    *local_address,
                                           const gchar    *remote_address);
void       shoal_peer_add_received        (ShoalPeer      *self,
                                           guint64         messages,
                                           guint64         bytes);

gchar     *shoal_socket_address_to_string (GInetSocketAddress *address);

G_END_DECLS
