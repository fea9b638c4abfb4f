/* shoald-groups.c: shoald's groups on the bus and in the state directory
 *
 * The groups are shoald's, not a client's: JoinGroup and LeaveGroup change
 * the node's groups and write them to groups.ini in the state directory
 * before answering, so that the next start is in the same groups. At start
 * shoald joins the union of that file and the config file's "groups" key.
 * A change that cannot be written is undone and refused, as the trust
 * store's decisions are.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-error.h"
#include "shoald-groups.h"
#include "shoald-invocation.h"

#define KEY_FILE_GROUP "groups"
#define KEY_JOINED "joined"

static gchar *
groups_path (ShoalNode *node)
{
  return g_build_filename (shoal_node_get_state_dir (node), SHOALD_GROUPS_FILE, NULL);
}

/* Writes the node's groups, every one of them, so that a restart rejoins
 * exactly these (and the config file's). */
static gboolean
save (ShoalNode  *node,
      GError    **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree gchar *path = groups_path (node);
  g_autofree gchar *data = NULL;
  g_autoptr(GError) local_error = NULL;
  const gchar * const *groups = shoal_node_get_groups (node);
  gsize length = 0;

  /* GKeyFile escapes the list separator and line breaks in each name. */
  g_key_file_set_comment (keyfile, NULL, NULL,
                          " The groups shoald is in, kept across restarts; written by shoald",
                          NULL);
  g_key_file_set_string_list (keyfile, KEY_FILE_GROUP, KEY_JOINED, groups, g_strv_length ((GStrv) groups));
  data = g_key_file_to_data (keyfile, &length, NULL);
  if (g_mkdir_with_parents (shoal_node_get_state_dir (node), 0700) != 0 ||
      !g_file_set_contents_full (path, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, &local_error))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("Cannot keep the groups in %s: %s"), path,
                   local_error != NULL ? local_error->message : g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/**
 * shoald_groups_restore:
 * @node: the node, not started yet
 * @configured: (nullable): the config file's groups, already checked
 * @error: return location for a #GError
 *
 * Joins the groups kept in the state directory and those of the config
 * file. A name in the file that is not a group name is skipped with a
 * warning: the file is shoald's, but a person may have edited it.
 *
 * Returns: %FALSE if the file exists but cannot be read
 */
gboolean
shoald_groups_restore (ShoalNode           *node,
                       const gchar * const *configured,
                       GError             **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree gchar *path = groups_path (node);
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) kept = NULL;

  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &local_error))
    {
      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                       _("Cannot read the groups kept in %s: %s"), path, local_error->message);
          return FALSE;
        }
      g_clear_error (&local_error);
    }
  else
    {
      kept = g_key_file_get_string_list (keyfile, KEY_FILE_GROUP, KEY_JOINED, NULL, NULL);
    }

  for (guint i = 0; kept != NULL && kept[i] != NULL; i++)
    {
      if (!shoal_node_join (node, kept[i], &local_error))
        {
          g_warning ("Not rejoining a group kept in %s: %s", path, local_error->message);
          g_clear_error (&local_error);
        }
    }
  for (guint i = 0; configured != NULL && configured[i] != NULL; i++)
    {
      if (!shoal_node_join (node, configured[i], error))
        return FALSE;
    }
  return TRUE;
}

gboolean
shoald_groups_handle_join (ShoalNode             *node,
                           ShoalDbusService      *object,
                           GDBusMethodInvocation *invocation,
                           const gchar           *name)
{
  g_autoptr(GError) error = NULL;
  gboolean was_in = shoal_group_name_is_valid (name) &&
                    g_strv_contains (shoal_node_get_groups (node), name);

  if (!shoal_node_join (node, name, &error) || (!was_in && !save (node, &error)))
    {
      /* Not kept, not applied: a restart would disagree with the answer. */
      if (!was_in && g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY))
        shoal_node_leave (node, name, NULL);
      shoald_invocation_return_error (invocation, error);
    }
  else
    shoal_dbus_service_complete_join_group (object, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

gboolean
shoald_groups_handle_leave (ShoalNode             *node,
                            ShoalDbusService      *object,
                            GDBusMethodInvocation *invocation,
                            const gchar           *name)
{
  g_autoptr(GError) error = NULL;
  gboolean was_in = shoal_group_name_is_valid (name) &&
                    g_strv_contains (shoal_node_get_groups (node), name);

  if (!shoal_node_leave (node, name, &error) || (was_in && !save (node, &error)))
    {
      if (was_in && g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY))
        shoal_node_join (node, name, NULL);
      shoald_invocation_return_error (invocation, error);
    }
  else
    shoal_dbus_service_complete_leave_group (object, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

gboolean
shoald_groups_handle_send (ShoalNode             *node,
                           ShoalDbusService      *object,
                           GDBusMethodInvocation *invocation,
                           const gchar           *name,
                           GVariant              *payload)
{
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (payload);
  g_autoptr(GPtrArray) recipients = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) ids = NULL;
  g_auto(GStrv) strv = NULL;
  guint64 id;

  id = shoal_node_send_to_group (node, name, bytes, &recipients, &error);
  if (id == 0)
    {
      shoald_invocation_return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  ids = g_strv_builder_new ();
  for (guint i = 0; i < recipients->len; i++)
    g_strv_builder_add (ids, shoal_peer_get_id (g_ptr_array_index (recipients, i)));
  strv = g_strv_builder_end (ids);
  shoal_dbus_service_complete_send_to_group (object, invocation, id, (const gchar * const *) strv);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
peer_joined_cb (ShoalNode        *node,
                ShoalPeer        *peer,
                const gchar      *group,
                ShoalDbusService *object)
{
  shoal_dbus_service_emit_peer_joined_group (object, shoal_peer_get_id (peer), group);
}

static void
peer_left_cb (ShoalNode        *node,
              ShoalPeer        *peer,
              const gchar      *group,
              ShoalDbusService *object)
{
  shoal_dbus_service_emit_peer_left_group (object, shoal_peer_get_id (peer), group);
}

static void
groups_notify_cb (ShoalNode        *node,
                  GParamSpec       *pspec,
                  ShoalDbusService *object)
{
  shoal_dbus_service_set_groups (object, shoal_node_get_groups (node));
}

/**
 * shoald_groups_watch:
 * @node: the node
 * @object: the root interface, which outlives the handlers (they are
 *   disconnected with the rest of its handlers on the node)
 *
 * Puts the peers' joins and leaves and the node's groups on the bus.
 */
void
shoald_groups_watch (ShoalNode        *node,
                     ShoalDbusService *object)
{
  g_signal_connect (node, "peer-joined-group", G_CALLBACK (peer_joined_cb), object);
  g_signal_connect (node, "peer-left-group", G_CALLBACK (peer_left_cb), object);
  g_signal_connect (node, "notify::groups", G_CALLBACK (groups_notify_cb), object);
  shoal_dbus_service_set_groups (object, shoal_node_get_groups (node));
}
