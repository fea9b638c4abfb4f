/* shoal-client.h: what every command of `shoal` shares
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "shoal-dbus-generated.h"

G_BEGIN_DECLS

#define SHOAL_BUS_NAME "org.shoal.Shoal1"
#define SHOAL_OBJECT_PATH "/org/shoal/Shoal1"

enum {
  EXIT_USAGE = 2,
};

typedef struct {
  gboolean          system_bus;
  gboolean          no_auto_start;
  GDBusConnection  *connection;  /* (owned) */
  ShoalDbusService *service;     /* (owned) */
} Client;

gint         shoal_cli_usage_error      (const gchar  *message);
gint         shoal_cli_error_out        (const gchar  *message);
gint         shoal_cli_remote_error_out (GError       *error);
const gchar *shoal_cli_translate_state  (const gchar  *state);
gchar       *shoal_cli_json_to_line     (JsonBuilder  *builder);

void         shoal_client_clear         (Client       *client);
gboolean     shoal_client_connect       (Client       *client);
GPtrArray   *shoal_client_get_peers     (Client       *client,
                                         GError      **error);
gchar       *shoal_client_resolve_peer  (Client       *client,
                                         const gchar  *text,
                                         gchar       **name_out);

G_END_DECLS
