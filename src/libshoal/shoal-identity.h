/* shoal-identity.h: the node's persistent peer id (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gchar *shoal_identity_new_random_id (void);
gchar *shoal_identity_load_or_create (const gchar  *state_dir,
                                      GError      **error);

G_END_DECLS
