/* shoal-holds.c: peers a person disconnected, kept in the state directory
 *
 * shoal_node_disconnect() drops a peer and neither side dials the other on
 * its own again until shoal_node_connect() names it. That choice outlives a
 * restart: it is kept in `disconnected.ini`, one group per peer id with its
 * name and when it was dropped, written atomically (a new file renamed over
 * the old). A file that does not parse is not guessed at: it is moved aside
 * to `disconnected.ini.damaged` and the node starts with no held peer, saying
 * so with a warning. Losing a hold costs a link a person did not want, which
 * they can drop again; refusing to start would cost every link.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "shoal-error.h"
#include "shoal-holds.h"

typedef struct {
  gchar  *name;      /* (owned) (nullable) */
  gint64  since;     /* seconds since the epoch */
} Hold;

struct _ShoalHolds
{
  gchar      *path;   /* (owned) */
  GHashTable *holds;  /* (owned) id (owned) → Hold (owned) */
};

static void
hold_free (Hold *hold)
{
  g_free (hold->name);
  g_free (hold);
}

ShoalHolds *
shoal_holds_new (const gchar *state_dir)
{
  ShoalHolds *self = g_new0 (ShoalHolds, 1);

  self->path = g_build_filename (state_dir, SHOAL_HOLDS_FILE_NAME, NULL);
  self->holds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) hold_free);
  return self;
}

void
shoal_holds_free (ShoalHolds *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->holds);
  g_free (self->path);
  g_free (self);
}

static void
move_aside (ShoalHolds  *self,
            const gchar *why)
{
  g_autofree gchar *aside = g_strconcat (self->path, ".damaged", NULL);

  if (g_rename (self->path, aside) != 0)
    g_warning (_("The list of disconnected peers “%s” is damaged (%s) and cannot be moved "
                 "aside (%s): every peer in it may be dialled again"),
               self->path, why, g_strerror (errno));
  else
    g_warning (_("The list of disconnected peers “%s” is damaged (%s); it was moved to “%s” "
                 "and every peer in it may be dialled again"),
               self->path, why, aside);
}

/* Reads the file; a missing one is an empty list, a damaged one is moved
 * aside (see the top of this file). */
void
shoal_holds_load (ShoalHolds *self)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;

  g_hash_table_remove_all (self->holds);
  if (!g_key_file_load_from_file (file, self->path, G_KEY_FILE_NONE, &error))
    {
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return;
      if (error->domain == G_KEY_FILE_ERROR)
        move_aside (self, error->message);
      else
        g_warning (_("Cannot read the list of disconnected peers “%s”: %s"), self->path,
                   error->message);
      return;
    }

  groups = g_key_file_get_groups (file, NULL);
  for (gsize i = 0; groups[i] != NULL; i++)
    {
      Hold *hold;

      if (!shoal_peer_id_is_valid (groups[i]) ||
          g_hash_table_size (self->holds) >= SHOAL_HOLDS_MAX)
        {
          g_hash_table_remove_all (self->holds);
          move_aside (self, groups[i]);
          return;
        }
      hold = g_new0 (Hold, 1);
      hold->name = g_key_file_get_string (file, groups[i], "name", NULL);
      hold->since = g_key_file_get_int64 (file, groups[i], "since", NULL);
      g_hash_table_replace (self->holds, g_strdup (groups[i]), hold);
    }
  g_debug ("%u disconnected peer(s) in %s", g_hash_table_size (self->holds), self->path);
}

static gboolean
save (ShoalHolds  *self,
      GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *data = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gsize length;

  g_key_file_set_comment (file, NULL, NULL,
                          " Peers a person disconnected (shoal disconnect): this node does\n"
                          " not dial them on its own until shoal connect names them again.",
                          NULL);
  g_hash_table_iter_init (&iter, self->holds);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Hold *hold = value;

      if (hold->name != NULL)
        g_key_file_set_string (file, key, "name", hold->name);
      g_key_file_set_int64 (file, key, "since", hold->since);
    }

  data = g_key_file_to_data (file, &length, NULL);
  if (!g_file_set_contents_full (self->path, data, (gssize) length,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("Cannot write the list of disconnected peers “%s”: %s"), self->path,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
shoal_holds_contains (ShoalHolds  *self,
                      const gchar *peer_id)
{
  return peer_id != NULL && g_hash_table_contains (self->holds, peer_id);
}

const gchar *
shoal_holds_get_name (ShoalHolds  *self,
                      const gchar *peer_id)
{
  Hold *hold = g_hash_table_lookup (self->holds, peer_id);

  return hold != NULL ? hold->name : NULL;
}

/* Returns: (transfer full): the held ids */
GStrv
shoal_holds_list (ShoalHolds *self)
{
  g_autofree gchar **keys = (gchar **) g_hash_table_get_keys_as_array (self->holds, NULL);

  return g_strdupv (keys);
}

static void
forget_oldest (ShoalHolds *self)
{
  GHashTableIter iter;
  gpointer key, value;
  const gchar *oldest = NULL;
  gint64 oldest_since = G_MAXINT64;

  g_hash_table_iter_init (&iter, self->holds);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (((Hold *) value)->since < oldest_since)
      {
        oldest = key;
        oldest_since = ((Hold *) value)->since;
      }
  if (oldest != NULL)
    {
      g_debug ("Forgetting the oldest disconnected peer, %s", oldest);
      g_hash_table_remove (self->holds, oldest);
    }
}

/* Holds @peer_id and writes the file. If it cannot be written, the hold
 * stays for this run only with @keep_if_unsaved, else nothing changes. */
gboolean
shoal_holds_add (ShoalHolds   *self,
                 const gchar  *peer_id,
                 const gchar  *name,
                 gboolean      keep_if_unsaved,
                 GError      **error)
{
  Hold *previous = g_hash_table_lookup (self->holds, peer_id);
  Hold *hold;

  /* A rename is not worth a write. */
  if (previous != NULL)
    return TRUE;

  if (g_hash_table_size (self->holds) >= SHOAL_HOLDS_MAX)
    forget_oldest (self);

  hold = g_new0 (Hold, 1);
  hold->name = g_strdup (name);
  hold->since = g_get_real_time () / G_USEC_PER_SEC;
  g_hash_table_replace (self->holds, g_strdup (peer_id), hold);
  if (!save (self, error))
    {
      if (!keep_if_unsaved)
        g_hash_table_remove (self->holds, peer_id);
      return FALSE;
    }
  return TRUE;
}

/* Lets @peer_id be dialled again and writes the file; on failure nothing
 * changes. */
gboolean
shoal_holds_remove (ShoalHolds   *self,
                    const gchar  *peer_id,
                    GError      **error)
{
  g_autofree gchar *key = NULL;
  Hold *hold = NULL;

  if (!g_hash_table_steal_extended (self->holds, peer_id, (gpointer *) &key, (gpointer *) &hold))
    return TRUE;
  if (!save (self, error))
    {
      g_hash_table_insert (self->holds, g_steal_pointer (&key), hold);
      return FALSE;
    }
  hold_free (hold);
  return TRUE;
}
