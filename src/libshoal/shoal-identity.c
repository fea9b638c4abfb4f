/* shoal-identity.c: the node's persistent peer id
 *
 * The id lives in `<state-dir>/peer-id` as 32 lowercase hex characters and a
 * newline. It is random today; when nodes get keys it will be derived from
 * the public key, with the same shape, so nothing that stores ids changes.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/random.h>

#include "shoal-error.h"
#include "shoal-identity.h"

#define ID_FILE_NAME "peer-id"

/**
 * shoal_identity_new_random_id:
 *
 * Makes 128 random bits from the kernel's generator, as an id string. Ids
 * must not collide between machines, which g_random (seeded from the clock
 * on some systems) cannot promise.
 *
 * Returns: (transfer full): 32 lowercase hex characters
 */
gchar *
shoal_identity_new_random_id (void)
{
  guint8 bits[16];
  gsize got = 0;

  while (got < sizeof bits)
    {
      gssize n = getrandom (bits + got, sizeof bits - got, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("getrandom() failed: %s", g_strerror (errno));
      got += (gsize) n;
    }

  return g_strdup_printf ("%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x",
                          bits[0], bits[1], bits[2], bits[3], bits[4], bits[5], bits[6], bits[7],
                          bits[8], bits[9], bits[10], bits[11], bits[12], bits[13], bits[14],
                          bits[15]);
}

/**
 * shoal_identity_load_or_create:
 * @state_dir: the node's state directory
 * @error: return location for a #GError
 *
 * Reads the peer id from @state_dir, creating the directory and a new id on
 * first start.
 *
 * Returns: (transfer full): the peer id, or %NULL with
 *   %SHOAL_ERROR_STATE_DIRECTORY if the directory cannot hold it
 */
gchar *
shoal_identity_load_or_create (const gchar  *state_dir,
                               GError      **error)
{
  g_autofree gchar *path = g_build_filename (state_dir, ID_FILE_NAME, NULL);
  g_autofree gchar *contents = NULL;
  g_autofree gchar *id = NULL;
  g_autoptr(GError) local_error = NULL;

  if (g_mkdir_with_parents (state_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("Cannot create state directory “%s”: %s"), state_dir,
                   g_strerror (saved_errno));
      return NULL;
    }

  if (g_file_get_contents (path, &contents, NULL, &local_error))
    {
      g_strchomp (contents);
      if (!shoal_peer_id_is_valid (contents))
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                       _("“%s” does not hold a peer id (32 lowercase hex characters); "
                         "remove it to make a new one"),
                       path);
          return NULL;
        }
      return g_steal_pointer (&contents);
    }

  if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("Cannot read peer id: %s"), local_error->message);
      return NULL;
    }
  g_clear_error (&local_error);

  id = shoal_identity_new_random_id ();
  contents = g_strconcat (id, "\n", NULL);
  if (!g_file_set_contents_full (path, contents, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("Cannot store peer id: %s"), local_error->message);
      return NULL;
    }

  g_debug ("New peer id %s stored in %s", id, path);
  return g_steal_pointer (&id);
}
