/* shoal-groups.c: `shoal join`, `leave`, `groups` and `shout`
 *
 * The groups belong to shoald: `join` and `leave` change them for as long
 * as shoald keeps them (across its restarts), not for this command's run.
 * `groups` lists this node's groups, and with --all every peer's; `shout`
 * sends a message to the members of a group.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "shoal-groups.h"

gint
shoal_groups_join (Client  *client,
                   gint     argc,
                   gchar  **argv)
{
  g_autoptr(GError) error = NULL;

  if (argc != 2)
    return shoal_cli_usage_error (_("“join” takes one argument: GROUP"));
  if (!shoal_client_connect (client))
    return EXIT_FAILURE;

  if (!shoal_dbus_service_call_join_group_sync (client->service, argv[1], NULL, &error))
    return shoal_cli_remote_error_out (error);
  return EXIT_SUCCESS;
}

gint
shoal_groups_leave (Client  *client,
                    gint     argc,
                    gchar  **argv)
{
  g_autoptr(GError) error = NULL;

  if (argc != 2)
    return shoal_cli_usage_error (_("“leave” takes one argument: GROUP"));
  if (!shoal_client_connect (client))
    return EXIT_FAILURE;

  if (!shoal_dbus_service_call_leave_group_sync (client->service, argv[1], NULL, &error))
    return shoal_cli_remote_error_out (error);
  return EXIT_SUCCESS;
}

static void
add_strv (JsonBuilder         *builder,
          const gchar         *member,
          const gchar * const *strv)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (gsize i = 0; strv != NULL && strv[i] != NULL; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);
}

/* Every group anyone is in, sorted, each with its members' labels. */
static GHashTable *
members_by_group (Client    *client,
                  GPtrArray *peers)
{
  GHashTable *members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) g_ptr_array_unref);
  const gchar * const *own = shoal_dbus_service_get_groups (client->service);

  for (gsize i = 0; own != NULL && own[i] != NULL; i++)
    {
      GPtrArray *list = g_ptr_array_new_with_free_func (g_free);

      g_ptr_array_add (list, g_strdup (_("(this node)")));
      g_hash_table_insert (members, g_strdup (own[i]), list);
    }
  for (guint p = 0; p < peers->len; p++)
    {
      ShoalDbusPeer *peer = g_ptr_array_index (peers, p);
      const gchar * const *groups = shoal_dbus_peer_get_groups (peer);
      const gchar *name = shoal_dbus_peer_get_name (peer);

      for (gsize i = 0; groups != NULL && groups[i] != NULL; i++)
        {
          GPtrArray *list = g_hash_table_lookup (members, groups[i]);

          if (list == NULL)
            {
              list = g_ptr_array_new_with_free_func (g_free);
              g_hash_table_insert (members, g_strdup (groups[i]), list);
            }
          g_ptr_array_add (list, g_strdup (name != NULL && *name != '\0' ? name
                                                                         : shoal_dbus_peer_get_id (peer)));
        }
    }
  return members;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

gint
shoal_groups_list (Client   *client,
                   gint      argc,
                   gchar   **argv,
                   gboolean  json,
                   gboolean  all)
{
  g_autoptr(GPtrArray) peers = NULL;
  g_autoptr(GError) error = NULL;
  const gchar * const *own;

  if (argc != 1)
    return shoal_cli_usage_error (_("“groups” takes no arguments"));
  if (!shoal_client_connect (client))
    return EXIT_FAILURE;

  own = shoal_dbus_service_get_groups (client->service);
  if (all)
    {
      peers = shoal_client_get_peers (client, &error);
      if (peers == NULL)
        return shoal_cli_remote_error_out (error);
    }

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree gchar *line = NULL;

      json_builder_begin_object (builder);
      add_strv (builder, "groups", own);
      if (all)
        {
          json_builder_set_member_name (builder, "peers");
          json_builder_begin_array (builder);
          for (guint i = 0; i < peers->len; i++)
            {
              ShoalDbusPeer *peer = g_ptr_array_index (peers, i);

              json_builder_begin_object (builder);
              json_builder_set_member_name (builder, "id");
              json_builder_add_string_value (builder, shoal_dbus_peer_get_id (peer));
              json_builder_set_member_name (builder, "name");
              json_builder_add_string_value (builder, shoal_dbus_peer_get_name (peer));
              json_builder_set_member_name (builder, "connected");
              json_builder_add_boolean_value (builder, shoal_dbus_peer_get_connected (peer));
              add_strv (builder, "groups", shoal_dbus_peer_get_groups (peer));
              json_builder_end_object (builder);
            }
          json_builder_end_array (builder);
        }
      json_builder_end_object (builder);
      line = shoal_cli_json_to_line (builder);
      g_print ("%s\n", line);
      return EXIT_SUCCESS;
    }

  if (!all)
    {
      for (gsize i = 0; own != NULL && own[i] != NULL; i++)
        g_print ("%s\n", own[i]);
      return EXIT_SUCCESS;
    }

  /* One line a group: its name, then who is in it. */
  {
    g_autoptr(GHashTable) members = members_by_group (client, peers);
    g_autofree gpointer *names = NULL;
    guint n = 0;
    gsize width = g_utf8_strlen (_("GROUP"), -1);

    names = g_hash_table_get_keys_as_array (members, &n);
    qsort (names, n, sizeof (gpointer), compare_names);
    for (guint i = 0; i < n; i++)
      width = MAX (width, (gsize) g_utf8_strlen (names[i], -1));

    g_print ("%s", _("GROUP"));
    for (gsize pad = g_utf8_strlen (_("GROUP"), -1); pad < width + 2; pad++)
      g_print (" ");
    g_print ("%s\n", _("MEMBERS"));
    for (guint i = 0; i < n; i++)
      {
        GPtrArray *list = g_hash_table_lookup (members, names[i]);

        g_print ("%s", (const gchar *) names[i]);
        for (gsize pad = g_utf8_strlen (names[i], -1); pad < width + 2; pad++)
          g_print (" ");
        for (guint m = 0; m < list->len; m++)
          g_print ("%s%s", m > 0 ? ", " : "", (const gchar *) g_ptr_array_index (list, m));
        g_print ("\n");
      }
  }
  return EXIT_SUCCESS;
}

gint
shoal_groups_shout (Client   *client,
                    gint      argc,
                    gchar   **argv,
                    GBytes   *payload,
                    gboolean  json)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) recipients = NULL;
  guint64 id = 0;
  guint n;

  if (!shoal_dbus_service_call_send_to_group_sync (client->service, argv[1],
                                                   g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                             payload, TRUE),
                                                   &id, &recipients, NULL, &error))
    return shoal_cli_remote_error_out (error);

  n = g_strv_length (recipients);
  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree gchar *line = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, (gint64) id);
      add_strv (builder, "recipients", (const gchar * const *) recipients);
      json_builder_end_object (builder);
      line = shoal_cli_json_to_line (builder);
      g_print ("%s\n", line);
      return EXIT_SUCCESS;
    }

  g_print (g_dngettext (GETTEXT_PACKAGE, "Sent to %u peer", "Sent to %u peers", n), n);
  g_print ("\n");
  return EXIT_SUCCESS;
}
