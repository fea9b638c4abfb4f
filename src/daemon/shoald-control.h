/* shoald-control.h: Connect and Disconnect on org.shoal.Shoal1
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-dbus-generated.h"

G_BEGIN_DECLS

void shoald_control_iface_init (ShoalDbusServiceIface *iface);

G_END_DECLS
