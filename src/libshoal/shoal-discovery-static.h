/* shoal-discovery-static.h: peers from a configured list of HOST:PORT
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-discovery.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_DISCOVERY_STATIC (shoal_discovery_static_get_type ())
G_DECLARE_FINAL_TYPE (ShoalDiscoveryStatic, shoal_discovery_static, SHOAL, DISCOVERY_STATIC, GObject)

ShoalDiscoveryStatic *shoal_discovery_static_new      (void);
gboolean              shoal_discovery_static_add_peer (ShoalDiscoveryStatic *self,
                                                       const gchar          *host_and_port,
                                                       GError              **error);

G_END_DECLS
