/* shoal-test-lan.h: what the suites on a namespace LAN share
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gchar    *shoal_test_lan_missing (void);
gboolean  shoal_test_wait_exit   (GSubprocess *process,
                                  guint        timeout_ms);

G_END_DECLS
