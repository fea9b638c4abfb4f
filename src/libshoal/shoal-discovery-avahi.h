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

/**
 * ShoalDiscoveryAvahiState:
 * @SHOAL_DISCOVERY_AVAHI_STATE_OFF: not started, or stopped
 * @SHOAL_DISCOVERY_AVAHI_STATE_ABSENT: avahi-daemon cannot be reached (not
 *   running, or no system bus); discovery waits for it
 * @SHOAL_DISCOVERY_AVAHI_STATE_REGISTERING: avahi-daemon is establishing its
 *   host name or our service (probing the network for the names)
 * @SHOAL_DISCOVERY_AVAHI_STATE_RUNNING: our service is announced (or, when
 *   browsing only, avahi-daemon runs) and other nodes are browsed for
 * @SHOAL_DISCOVERY_AVAHI_STATE_COLLISION: another host holds our service
 *   name (or avahi-daemon's host name): the node is moving to another name
 * @SHOAL_DISCOVERY_AVAHI_STATE_FAILURE: avahi-daemon refused to announce
 *   our service; it is tried again after a pause
 *
 * Where the mDNS backend stands with avahi-daemon.
 */
typedef enum {
  SHOAL_DISCOVERY_AVAHI_STATE_OFF,
  SHOAL_DISCOVERY_AVAHI_STATE_ABSENT,
  SHOAL_DISCOVERY_AVAHI_STATE_REGISTERING,
  SHOAL_DISCOVERY_AVAHI_STATE_RUNNING,
  SHOAL_DISCOVERY_AVAHI_STATE_COLLISION,
  SHOAL_DISCOVERY_AVAHI_STATE_FAILURE,
} ShoalDiscoveryAvahiState;

#define SHOAL_TYPE_DISCOVERY_AVAHI (shoal_discovery_avahi_get_type ())
G_DECLARE_FINAL_TYPE (ShoalDiscoveryAvahi, shoal_discovery_avahi, SHOAL, DISCOVERY_AVAHI, GObject)

ShoalDiscoveryAvahi      *shoal_discovery_avahi_new                  (void);

ShoalDiscoveryAvahiState  shoal_discovery_avahi_get_state            (ShoalDiscoveryAvahi *self);
const gchar              *shoal_discovery_avahi_get_service_name     (ShoalDiscoveryAvahi *self);
guint                     shoal_discovery_avahi_get_services_seen    (ShoalDiscoveryAvahi *self);
gboolean                  shoal_discovery_avahi_get_own_service_seen (ShoalDiscoveryAvahi *self);
const gchar              *shoal_discovery_avahi_get_id_elsewhere     (ShoalDiscoveryAvahi *self);
void                      shoal_discovery_avahi_set_interfaces       (ShoalDiscoveryAvahi *self,
                                                                      const gchar * const *only,
                                                                      const gchar * const *excluded);

G_END_DECLS
