/* shoal-test-help.h: what shoal and shoald say they offer, read from --help
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

GPtrArray *shoal_test_help_commands (void);
GPtrArray *shoal_test_help_options  (const gchar *program,
                                     const gchar *command);
gchar     *shoal_test_help_usage    (const gchar *command);
gchar     *shoal_test_help_join     (GPtrArray   *words);
gboolean   shoal_test_help_same     (GPtrArray   *expected,
                                     GPtrArray   *got);

G_END_DECLS
