/* shoal-test-lan.h: what the suites on a namespace LAN share
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gchar               *shoal_test_lan_name     (const gchar      *base);
gchar               *shoal_test_lan_missing  (const gchar      *lan_path);
GSubprocessLauncher *shoal_test_lan_launcher (GSubprocessFlags  flags,
                                              const gchar      *lan_prefix,
                                              const gchar      *lan_root);
gboolean             shoal_test_wait_exit    (GSubprocess      *process,
                                              guint             timeout_ms);
gboolean             shoal_test_lan_run      (GSubprocessLauncher  *launcher,
                                              const gchar * const  *argv,
                                              guint                 timeout_ms,
                                              GError              **error);

G_END_DECLS
