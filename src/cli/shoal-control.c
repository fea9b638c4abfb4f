/* shoal-control.c: `shoal connect` and `shoal disconnect`
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "shoal-control.h"

/* Connect answers once the peer is linked: up to 3 s to connect to each of
 * the host's addresses, then 5 s of TLS and 5 s for the hellos. A host with
 * several addresses may take longer than D-Bus's default 25 s. */
#define CONNECT_CALL_TIMEOUT_MS 120000

/* A label for a peer: its name and id, or the id alone. */
static gchar *
peer_label (Client      *client,
            const gchar *id)
{
  g_autofree gchar *name = NULL;
  g_autofree gchar *resolved = shoal_client_resolve_peer (client, id, &name);

  if (name != NULL && *name != '\0')
    return g_strdup_printf ("%s (%s)", name, id);
  return g_strdup (id);
}

gint
shoal_control_connect (Client  *client,
                       gint     argc,
                       gchar  **argv)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *label = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *id;

  if (argc != 2)
    return shoal_cli_usage_error (_("“connect” takes one argument: ADDRESS"));
  if (!shoal_client_connect (client))
    return EXIT_FAILURE;

  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (client->service), CONNECT_CALL_TIMEOUT_MS);
  if (!shoal_dbus_service_call_connect_sync (client->service, argv[1], &path, NULL, &error))
    return shoal_cli_remote_error_out (error);

  id = strrchr (path, '/') != NULL ? strrchr (path, '/') + 1 : path;
  label = peer_label (client, id);
  g_print (_("Connected to %s"), label);
  g_print ("\n");
  return EXIT_SUCCESS;
}

gint
shoal_control_disconnect (Client  *client,
                          gint     argc,
                          gchar  **argv)
{
  g_autofree gchar *id = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *label = NULL;
  g_autoptr(GError) error = NULL;

  if (argc != 2)
    return shoal_cli_usage_error (_("“disconnect” takes one argument: PEER"));
  if (!shoal_client_connect (client))
    return EXIT_FAILURE;

  id = shoal_client_resolve_peer (client, argv[1], &name);
  if (id == NULL)
    return EXIT_FAILURE;

  if (!shoal_dbus_service_call_disconnect_sync (client->service, id, NULL, &error))
    return shoal_cli_remote_error_out (error);

  label = name != NULL && *name != '\0' ? g_strdup_printf ("%s (%s)", name, id) : g_strdup (id);
  g_print (_("Disconnected from %s: neither side links again until “shoal connect” names it"),
           label);
  g_print ("\n");
  return EXIT_SUCCESS;
}
