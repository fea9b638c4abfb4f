/* shoal-monitor.h: `shoal monitor`, one line per event
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-dbus-generated.h"

G_BEGIN_DECLS

gint shoal_monitor_run (GDBusConnection  *connection,
                        ShoalDbusService *service,
                        gboolean          json);

G_END_DECLS
