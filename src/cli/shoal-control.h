/* shoal-control.h: `shoal connect` and `shoal disconnect`
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-client.h"

G_BEGIN_DECLS

gint shoal_control_connect    (Client  *client,
                               gint     argc,
                               gchar  **argv);
gint shoal_control_disconnect (Client  *client,
                               gint     argc,
                               gchar  **argv);

G_END_DECLS
