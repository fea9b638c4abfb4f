/* shoal-test-lan.h: what the suites on a namespace LAN share
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef gboolean (*ShoalTestLanCondition) (gpointer user_data);

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
gboolean             shoal_test_lan_communicate (GSubprocess  *process,
                                                 guint         timeout_ms,
                                                 gchar       **output);
void                 shoal_test_lan_iterate_for (guint ms);
gboolean             shoal_test_lan_wait_until  (ShoalTestLanCondition condition,
                                                 gpointer              user_data,
                                                 guint                 timeout_ms);

G_END_DECLS
