/* shoal-test-scratch.h: a scratch directory that outlives a failing test body
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gchar    *shoal_test_scratch_dir      (const gchar *name);
gboolean  shoal_test_scratch_in_child (gboolean    *child_passed);
void      shoal_test_scratch_remove   (const gchar *dir);
void      shoal_test_remove_tree      (const gchar *path);

G_END_DECLS
