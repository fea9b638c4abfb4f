/* shoal-send.h: `shoal send --wait`
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-dbus-generated.h"

G_BEGIN_DECLS

gint shoal_send_and_wait (ShoalDbusService *service,
                          const gchar      *peer_id,
                          GVariant         *payload,
                          GError          **error);

G_END_DECLS
