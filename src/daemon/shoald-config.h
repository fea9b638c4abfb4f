/* shoald-config.h: shoald's settings, from the config file and the command line
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

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
 * @heartbeat_interval_ms: ping interval of idle links
 * @heartbeat_timeout_ms: silence after which a peer is lost
 *
 * The settings a node is started with. Options set on the command line are
 * applied after the config file, so they win.
 */
typedef struct {
  gchar    *name;
  guint16   port;
  gchar    *listen;
  gchar    *state_dir;
  gchar   **peers;
  gboolean  avahi;
  guint     heartbeat_interval_ms;
  guint     heartbeat_timeout_ms;
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
gboolean      shoald_config_parse_port     (const gchar   *text,
                                            guint16       *port_out,
                                            GError       **error);
gboolean      shoald_config_parse_bus      (const gchar   *text,
                                            ShoaldBus     *bus_out,
                                            GError       **error);
gchar        *shoald_config_default_path   (void);
gchar        *shoald_config_default_state_dir (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoaldConfig, shoald_config_free)

G_END_DECLS
