/* shoal-doctor.h: `shoal doctor`, what is wrong and what to do, one line each
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gint shoal_doctor_run (gboolean system_bus,
                       gboolean json);

G_END_DECLS
