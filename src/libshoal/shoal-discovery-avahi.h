/* shoal-discovery-avahi.h: peers over mDNS/DNS-SD through avahi-daemon
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-discovery.h"

G_BEGIN_DECLS

/**
 * SHOAL_DNS_SD_SERVICE_TYPE:
 *
 * The DNS-SD service type every Shoal node advertises and browses.
 */
#define SHOAL_DNS_SD_SERVICE_TYPE "_shoal._tcp"

#define SHOAL_TYPE_DISCOVERY_AVAHI (shoal_discovery_avahi_get_type ())
G_DECLARE_FINAL_TYPE (ShoalDiscoveryAvahi, shoal_discovery_avahi, SHOAL, DISCOVERY_AVAHI, GObject)

ShoalDiscoveryAvahi *shoal_discovery_avahi_new (void);

G_END_DECLS
