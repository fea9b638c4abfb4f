/* shoald-config.h: shoald's settings, from the config file and the command line
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "shoal-node.h"

G_BEGIN_DECLS

/* DNS-SD instance names are at most 63 bytes (one DNS label). */
#define SHOALD_NAME_MAX_BYTES 63

typedef enum {
  SHOALD_BUS_SESSION,
  SHOALD_BUS_SYSTEM,
  SHOALD_BUS_NONE,
} ShoaldBus;

/**
 * ShoaldConfig:
 * @name: (nullable): the node's name; %NULL for the host name
 * @port: the TCP port, 0 for any
 * @listen: (nullable): the IP address to listen on; %NULL for every address
 * @state_dir: (nullable): where the identity lives; %NULL for the default
 * @peers: (array zero-terminated=1) (nullable): static peers, HOST:PORT
 * @avahi: whether to use mDNS through avahi-daemon
 * @peer_exchange: whether to tell linked peers of each other, and dial the
 *   peers they tell of
 * @heartbeat_interval_ms: ping interval of idle links
 * @heartbeat_timeout_ms: silence after which a peer is lost
 * @delivery_timeout_s: how long a peer may be out of reach before what it
 *   was sent fails
 * @max_queue_bytes: unacknowledged payload bytes allowed per peer
 * @max_total_queue_bytes: unacknowledged payload bytes allowed in all
 * @trust_policy: who may join
 * @network_key: (nullable): the network key as written in the config file
 *   (64 hex characters); a secret, wiped when freed
 * @network_key_file: (nullable): a file holding the network key, private to
 *   its owner, which the node reads (the config holds one or the other)
 * @groups: (array zero-terminated=1) (nullable): groups joined at every start,
 *   besides those kept in the state directory
 * @interfaces: (array zero-terminated=1) (nullable): if not empty, the only
 *   network interfaces to use (names or shell patterns)
 * @exclude_interfaces: (array zero-terminated=1) (nullable): network
 *   interfaces never to use
 *
 * The settings a node is started with. Options set on the command line are
 * applied after the config file, so they win.
 */
/* A day: longer, and a peer is gone rather than out of reach. */
#define SHOALD_MAX_DELIVERY_TIMEOUT_S (24 * 3600)

typedef struct {
  gchar    *name;
  guint16   port;
  gchar    *listen;
  gchar    *state_dir;
  gchar   **peers;
  gboolean  avahi;
  gboolean  peer_exchange;
  guint     heartbeat_interval_ms;
  guint     heartbeat_timeout_ms;
  guint     delivery_timeout_s;
  guint64   max_queue_bytes;
  guint64   max_total_queue_bytes;
  ShoalTrustPolicy trust_policy;
  gchar    *network_key;
  gchar    *network_key_file;
  gchar   **groups;
  gchar   **interfaces;
  gchar   **exclude_interfaces;
} ShoaldConfig;

ShoaldConfig *shoald_config_new            (void);
void          shoald_config_free           (ShoaldConfig  *self);
gboolean      shoald_config_load_file      (ShoaldConfig  *self,
                                            const gchar   *path,
                                            gboolean       must_exist,
                                            GError       **error);
gboolean      shoald_config_load_data      (ShoaldConfig  *self,
                                            const gchar   *data,
                                            const gchar   *origin,
                                            GError       **error);
gboolean      shoald_config_validate       (ShoaldConfig  *self,
                                            GError       **error);
gboolean      shoald_config_parse_delivery_timeout (const gchar *text,
                                                    guint       *seconds_out,
                                                    GError     **error);
gboolean      shoald_config_parse_port     (const gchar   *text,
                                            guint16       *port_out,
                                            GError       **error);
gboolean      shoald_config_parse_bus      (const gchar   *text,
                                            ShoaldBus     *bus_out,
                                            GError       **error);
gboolean      shoald_config_parse_trust_policy (const gchar      *text,
                                                ShoalTrustPolicy *policy_out,
                                                GError          **error);
void          shoald_config_set_network_key_file (ShoaldConfig *self,
                                                  const gchar  *path);
gchar        *shoald_config_default_path   (void);
const gchar * const *shoald_config_get_known_keys (void);
gchar        *shoald_config_default_state_dir (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoaldConfig, shoald_config_free)

G_END_DECLS
