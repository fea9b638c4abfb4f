/* shoal-mesh.h: the peers of a running node and the links to them (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-link.h"
#include "shoal-peer.h"

G_BEGIN_DECLS

/* Called for every message, in order per peer: the hot path. */
typedef void (*ShoalMeshMessageFunc) (gpointer   user_data,
                                      ShoalPeer *peer,
                                      GBytes    *payload,
                                      gboolean   broadcast);

#define SHOAL_TYPE_MESH (shoal_mesh_get_type ())
G_DECLARE_FINAL_TYPE (ShoalMesh, shoal_mesh, SHOAL, MESH, GObject)

ShoalMesh *shoal_mesh_new               (const gchar           *local_id,
                                         GBytes                *hello_frame,
                                         const ShoalLinkConfig *config,
                                         GSocketClient         *client,
                                         GListStore            *peers);
void       shoal_mesh_set_message_func  (ShoalMesh             *self,
                                         ShoalMeshMessageFunc   func,
                                         gpointer               user_data);
void       shoal_mesh_set_hello_frame   (ShoalMesh             *self,
                                         GBytes                *hello_frame);

void       shoal_mesh_add_connection    (ShoalMesh             *self,
                                         GSocketConnection     *connection);
void       shoal_mesh_target_found      (ShoalMesh             *self,
                                         const gchar           *key,
                                         const gchar           *peer_id,
                                         const gchar           *name,
                                         GPtrArray             *addresses);
void       shoal_mesh_target_lost       (ShoalMesh             *self,
                                         const gchar           *key);

gboolean   shoal_mesh_send              (ShoalMesh             *self,
                                         const gchar           *peer_id,
                                         ShoalFrameType         type,
                                         GBytes                *payload,
                                         GError               **error);
guint      shoal_mesh_broadcast         (ShoalMesh             *self,
                                         GBytes                *payload);
ShoalPeer *shoal_mesh_lookup_peer       (ShoalMesh             *self,
                                         const gchar           *peer_id);
guint      shoal_mesh_count_links       (ShoalMesh             *self,
                                         gboolean               established_only);

void       shoal_mesh_close_async       (ShoalMesh             *self,
                                         GCancellable          *cancellable,
                                         GAsyncReadyCallback    callback,
                                         gpointer               user_data);
gboolean   shoal_mesh_close_finish      (ShoalMesh             *self,
                                         GAsyncResult          *result,
                                         GError               **error);
void       shoal_mesh_close             (ShoalMesh             *self);

G_END_DECLS
