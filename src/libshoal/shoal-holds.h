/* shoal-holds.h: peers a person disconnected, kept in the state directory (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* At most this many held peers: a peer's goodbye can add one, and a
 * stranger can make many keys. The oldest is forgotten beyond it. */
#define SHOAL_HOLDS_MAX 1024

/* The file's name in the state directory. */
#define SHOAL_HOLDS_FILE_NAME "disconnected.ini"

typedef struct _ShoalHolds ShoalHolds;

ShoalHolds   *shoal_holds_new      (const gchar  *state_dir);
void          shoal_holds_free     (ShoalHolds   *self);
void          shoal_holds_load     (ShoalHolds   *self);
gboolean      shoal_holds_contains (ShoalHolds   *self,
                                    const gchar  *peer_id);
const gchar  *shoal_holds_get_name (ShoalHolds   *self,
                                    const gchar  *peer_id);
GStrv         shoal_holds_list     (ShoalHolds   *self);
gboolean      shoal_holds_add      (ShoalHolds   *self,
                                    const gchar  *peer_id,
                                    const gchar  *name,
                                    gboolean      keep_if_unsaved,
                                    GError      **error);
gboolean      shoal_holds_remove   (ShoalHolds   *self,
                                    const gchar  *peer_id,
                                    GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalHolds, shoal_holds_free)

G_END_DECLS
