/* shoal-test-log.h: what a test program's nodes said, for tests that check
 * that a refused or dropped link says why
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

void     shoal_test_log_capture          (void);
guint    shoal_test_log_count            (const gchar *needle,
                                          const gchar *also);
gboolean shoal_test_log_contains         (const gchar *needle);
gboolean shoal_test_log_contains_nocase  (const gchar *needle);
void     shoal_test_log_clear            (void);

G_END_DECLS
