/* shoal-identity.h: random ids (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gchar *shoal_identity_new_random_id (void);

G_END_DECLS
