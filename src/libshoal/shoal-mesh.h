/* shoal-mesh.h: the peers of a running node and the links to them (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-address-cache.h"
#include "shoal-credentials.h"
#include "shoal-holds.h"
#include "shoal-link.h"
#include "shoal-peer.h"
#include "shoal-trust.h"

G_BEGIN_DECLS

/* Called for every message, in order per peer: the hot path. @group is
 * the group it was sent to, %NULL for a message to this node alone or to
 * every peer. */
typedef void (*ShoalMeshMessageFunc) (gpointer     user_data,
                                      ShoalPeer   *peer,
                                      GBytes      *payload,
                                      gboolean     broadcast,
                                      const gchar *group);

/* Called when a peer joins or leaves a group, as this node learns it. */
typedef void (*ShoalMeshGroupFunc) (gpointer     user_data,
                                    ShoalPeer   *peer,
                                    const gchar *group,
                                    gboolean     joined);

/* What became of a message: @reason is %NULL once it is delivered. Called
 * for every message of a busy link: a function, not a signal. */
typedef void (*ShoalMeshReportFunc) (gpointer     user_data,
                                     ShoalPeer   *peer,
                                     guint64      id,
                                     const gchar *reason);

#define SHOAL_TYPE_MESH (shoal_mesh_get_type ())
G_DECLARE_FINAL_TYPE (ShoalMesh, shoal_mesh, SHOAL, MESH, GObject)

ShoalMesh *shoal_mesh_new               (ShoalCredentials      *credentials,
                                         const ShoalHello      *hello,
                                         ShoalTrust            *trust,
                                         const ShoalLinkConfig *config,
                                         GSocketClient         *client,
                                         GListStore            *peers);
void       shoal_mesh_set_message_func  (ShoalMesh             *self,
                                         ShoalMeshMessageFunc   func,
                                         gpointer               user_data);
void       shoal_mesh_set_name          (ShoalMesh             *self,
                                         const gchar           *name);
void       shoal_mesh_trust_changed     (ShoalMesh             *self,
                                         const gchar           *peer_id);
void       shoal_mesh_network_changed   (ShoalMesh             *self);

void       shoal_mesh_add_connection    (ShoalMesh             *self,
                                         GSocketConnection     *connection);
void       shoal_mesh_target_found      (ShoalMesh             *self,
                                         const gchar           *key,
                                         const gchar           *peer_id,
                                         const gchar           *name,
                                         GPtrArray             *addresses,
                                         gboolean               from_this_host);
void       shoal_mesh_target_lost       (ShoalMesh             *self,
                                         const gchar           *key);

void       shoal_mesh_set_address_cache (ShoalMesh             *self,
                                         ShoalAddressCache     *cache);
void       shoal_mesh_set_interfaces    (ShoalMesh             *self,
                                         const gchar * const   *only,
                                         const gchar * const   *excluded);

void       shoal_mesh_set_report_func   (ShoalMesh             *self,
                                         ShoalMeshReportFunc    func,
                                         gpointer               user_data);
void       shoal_mesh_set_delivery      (ShoalMesh             *self,
                                         guint                  timeout_ms,
                                         gsize                  max_peer_bytes,
                                         gsize                  max_total_bytes);
guint64    shoal_mesh_send              (ShoalMesh             *self,
                                         const gchar           *peer_id,
                                         GBytes                *payload,
                                         GError               **error);
guint64    shoal_mesh_broadcast         (ShoalMesh             *self,
                                         GBytes                *payload,
                                         GPtrArray             *recipients);
void       shoal_mesh_set_group_func    (ShoalMesh             *self,
                                         ShoalMeshGroupFunc     func,
                                         gpointer               user_data);
void       shoal_mesh_set_groups        (ShoalMesh             *self,
                                         const gchar * const   *groups,
                                         const gchar           *changed,
                                         gboolean               joined);
guint64    shoal_mesh_take_message_id   (ShoalMesh             *self);
guint64    shoal_mesh_send_to_group     (ShoalMesh             *self,
                                         const gchar           *group,
                                         GBytes                *payload,
                                         GPtrArray             *recipients);
void       shoal_mesh_set_receive_paused (ShoalMesh            *self,
                                          gboolean              paused);
void       shoal_mesh_sever_links       (ShoalMesh             *self);
void       shoal_mesh_stall_links       (ShoalMesh             *self);
void       shoal_mesh_fail_everything   (ShoalMesh             *self,
                                         const gchar           *reason);
ShoalPeer *shoal_mesh_lookup_peer       (ShoalMesh             *self,
                                         const gchar           *peer_id);
guint      shoal_mesh_count_links       (ShoalMesh             *self,
                                         gboolean               established_only);
guint      shoal_mesh_count_dials       (ShoalMesh             *self);
const gchar *shoal_mesh_get_id_elsewhere (ShoalMesh            *self);
GVariant    *shoal_mesh_describe_unlinked_addresses (ShoalMesh *self);

void       shoal_mesh_set_holds         (ShoalMesh             *self,
                                         ShoalHolds            *holds);
GSocketConnectable *shoal_mesh_parse_address (const gchar     *address,
                                         guint16                default_port,
                                         GError               **error);
void       shoal_mesh_connect_async     (ShoalMesh             *self,
                                         const gchar           *address,
                                         guint16                default_port,
                                         GCancellable          *cancellable,
                                         GAsyncReadyCallback    callback,
                                         gpointer               user_data);
ShoalPeer *shoal_mesh_connect_finish    (ShoalMesh             *self,
                                         GAsyncResult          *result,
                                         GError               **error);
gboolean   shoal_mesh_disconnect        (ShoalMesh             *self,
                                         const gchar           *peer_id,
                                         GError               **error);

void       shoal_mesh_close_async       (ShoalMesh             *self,
                                         GCancellable          *cancellable,
                                         GAsyncReadyCallback    callback,
                                         gpointer               user_data);
gboolean   shoal_mesh_close_finish      (ShoalMesh             *self,
                                         GAsyncResult          *result,
                                         GError               **error);
void       shoal_mesh_close             (ShoalMesh             *self);

G_END_DECLS
