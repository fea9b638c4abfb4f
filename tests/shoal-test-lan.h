/* shoal-test-lan.h: what the suites on a namespace LAN share
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gchar               *shoal_test_lan_missing  (void);
GSubprocessLauncher *shoal_test_lan_launcher (GSubprocessFlags  flags,
                                              const gchar      *lan_prefix,
                                              const gchar      *lan_root);
gboolean             shoal_test_wait_exit    (GSubprocess      *process,
                                              guint             timeout_ms);

G_END_DECLS
