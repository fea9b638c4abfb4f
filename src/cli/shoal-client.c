/* shoal-client.c: what every command of `shoal` shares
 *
 * The connection to shoald, the peers it lists, how a person names one, and
 * how errors are said.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "shoal-client.h"

/* Peer states as shoald names them, here only so that they are translated. */
static const gchar * const peer_states[] = {
  N_("discovered"), N_("connecting"), N_("connected"), N_("lost"), N_("pending"),
  N_("disconnected"),
};

gint
shoal_cli_usage_error (const gchar *message)
{
  g_printerr ("shoal: %s\n", message);
  return EXIT_USAGE;
}

gint
shoal_cli_error_out (const gchar *message)
{
  g_printerr ("shoal: %s\n", message);
  return EXIT_FAILURE;
}

gint
shoal_cli_remote_error_out (GError *error)
{
  g_dbus_error_strip_remote_error (error);
  return shoal_cli_error_out (error->message);
}

const gchar *
shoal_cli_translate_state (const gchar *state)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (peer_states); i++)
    if (g_strcmp0 (state, peer_states[i]) == 0)
      return _(peer_states[i]);
  return state;
}

void
shoal_client_clear (Client *client)
{
  g_clear_object (&client->service);
  g_clear_object (&client->connection);
}

/* Connects to the bus and makes sure shoald is there (starting it through
 * D-Bus activation where that is installed, unless @client->no_auto_start).
 * Prints the error itself. */
gboolean
shoal_client_connect (Client *client)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GBusType bus_type = client->system_bus ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION;

  client->connection = g_bus_get_sync (bus_type, NULL, &error);
  if (client->connection == NULL)
    {
      g_autofree gchar *message = NULL;

      message = g_strdup_printf (client->system_bus ? _("Cannot connect to the system bus: %s")
                                                    : _("Cannot connect to the session bus: %s"),
                                 error->message);
      shoal_cli_error_out (message);
      return FALSE;
    }

  reply = g_dbus_connection_call_sync (client->connection, SHOAL_BUS_NAME, SHOAL_OBJECT_PATH,
                                       "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                                       client->no_auto_start ? G_DBUS_CALL_FLAGS_NO_AUTO_START
                                                             : G_DBUS_CALL_FLAGS_NONE,
                                       -1, NULL, &error);
  if (reply == NULL)
    {
      if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
          g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
        shoal_cli_error_out (_("shoald is not running. Start it with “shoald” or “systemctl --user start shoald”."));
      else
        shoal_cli_remote_error_out (error);
      return FALSE;
    }

  client->service = shoal_dbus_service_proxy_new_sync (client->connection,
                                                       G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                                       SHOAL_BUS_NAME, SHOAL_OBJECT_PATH,
                                                       NULL, &error);
  if (client->service == NULL)
    {
      shoal_cli_remote_error_out (error);
      return FALSE;
    }
  return TRUE;
}

static gint
compare_peers (gconstpointer a,
               gconstpointer b)
{
  ShoalDbusPeer *pa = *(ShoalDbusPeer * const *) a;
  ShoalDbusPeer *pb = *(ShoalDbusPeer * const *) b;
  gint by_name = g_utf8_collate (shoal_dbus_peer_get_name (pa) ? shoal_dbus_peer_get_name (pa) : "",
                                 shoal_dbus_peer_get_name (pb) ? shoal_dbus_peer_get_name (pb) : "");

  return by_name != 0 ? by_name : g_strcmp0 (shoal_dbus_peer_get_id (pa), shoal_dbus_peer_get_id (pb));
}

/* Every peer object under the ObjectManager, sorted by name then id. */
GPtrArray *
shoal_client_get_peers (Client  *client,
                        GError **error)
{
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func (g_object_unref);
  GList *objects, *l;

  manager = shoal_dbus_object_manager_client_new_sync (client->connection,
                                                       G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                                       SHOAL_BUS_NAME, SHOAL_OBJECT_PATH,
                                                       NULL, error);
  if (manager == NULL)
    return NULL;

  objects = g_dbus_object_manager_get_objects (manager);
  for (l = objects; l != NULL; l = l->next)
    {
      ShoalDbusPeer *peer = shoal_dbus_object_get_peer (SHOAL_DBUS_OBJECT (l->data));

      if (peer != NULL)
        g_ptr_array_add (peers, peer);
    }
  g_list_free_full (objects, g_object_unref);

  g_ptr_array_sort (peers, compare_peers);
  return g_steal_pointer (&peers);
}

static gboolean
is_hex_prefix (const gchar *text)
{
  const gchar *p;

  for (p = text; *p != '\0'; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return FALSE;
  return p != text;
}

/* PEER is an id, a unique id prefix or a unique name. A well-formed id that no
 * peer has is passed on, so that shoald answers UnknownPeer itself (or, for
 * trust and untrust, records a decision on a peer not seen yet). @name_out,
 * if given, gets the peer's name, or %NULL for such an id. */
gchar *
shoal_client_resolve_peer (Client       *client,
                           const gchar  *text,
                           gchar       **name_out)
{
  g_autoptr(GPtrArray) peers = NULL;
  g_autoptr(GPtrArray) matches = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  gboolean hex = is_hex_prefix (text);
  guint i;

  peers = shoal_client_get_peers (client, &error);
  if (peers == NULL)
    {
      shoal_cli_remote_error_out (error);
      return NULL;
    }

  for (i = 0; i < peers->len; i++)
    {
      ShoalDbusPeer *peer = g_ptr_array_index (peers, i);

      if (g_strcmp0 (shoal_dbus_peer_get_id (peer), text) == 0)
        {
          if (name_out != NULL)
            *name_out = g_strdup (shoal_dbus_peer_get_name (peer));
          return g_strdup (text);
        }
    }

  if (hex && strlen (text) == 32)
    {
      if (name_out != NULL)
        *name_out = NULL;
      return g_strdup (text);
    }

  for (i = 0; i < peers->len; i++)
    {
      ShoalDbusPeer *peer = g_ptr_array_index (peers, i);
      const gchar *id = shoal_dbus_peer_get_id (peer);

      if ((hex && id != NULL && g_str_has_prefix (id, text)) ||
          g_strcmp0 (shoal_dbus_peer_get_name (peer), text) == 0)
        g_ptr_array_add (matches, peer);
    }

  if (matches->len == 1)
    {
      ShoalDbusPeer *peer = g_ptr_array_index (matches, 0);

      if (name_out != NULL)
        *name_out = g_strdup (shoal_dbus_peer_get_name (peer));
      return g_strdup (shoal_dbus_peer_get_id (peer));
    }

  if (matches->len == 0)
    {
      g_autofree gchar *message =
        g_strdup_printf (_("No peer matches “%s”; see “shoal peers”"), text);

      shoal_cli_error_out (message);
    }
  else
    {
      g_autoptr(GPtrArray) ids = g_ptr_array_new ();
      g_autofree gchar *joined = NULL;
      g_autofree gchar *message = NULL;

      for (i = 0; i < matches->len; i++)
        g_ptr_array_add (ids, (gpointer) shoal_dbus_peer_get_id (g_ptr_array_index (matches, i)));
      g_ptr_array_add (ids, NULL);
      joined = g_strjoinv (", ", (gchar **) ids->pdata);
      message = g_strdup_printf (_("“%s” is ambiguous: it matches %s"), text, joined);
      shoal_cli_error_out (message);
    }
  return NULL;
}

gchar *
shoal_cli_json_to_line (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

