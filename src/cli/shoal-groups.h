/* shoal-groups.h: `shoal join`, `leave`, `groups` and `shout`
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-client.h"

G_BEGIN_DECLS

gint shoal_groups_join  (Client   *client,
                         gint      argc,
                         gchar   **argv);
gint shoal_groups_leave (Client   *client,
                         gint      argc,
                         gchar   **argv);
gint shoal_groups_list  (Client   *client,
                         gint      argc,
                         gchar   **argv,
                         gboolean  json,
                         gboolean  all);
gint shoal_groups_shout (Client   *client,
                         gint      argc,
                         gchar   **argv,
                         GBytes   *payload,
                         gboolean  json);

G_END_DECLS
