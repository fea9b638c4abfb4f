/* shoal-state-lock.c: one node at a time in a state directory
 *
 * Two nodes on one state directory would be one identity twice on the LAN,
 * each rewriting the other's trust store. A node therefore holds an
 * exclusive lock on `<state-dir>/lock` for as long as it runs. flock() and
 * not fcntl(): its lock belongs to the open file, so two nodes in one
 * process exclude each other too, and closing some other descriptor of the
 * file does not drop it. The kernel releases it when the process dies,
 * however it dies, so a crash leaves no stale lock behind; the file itself
 * stays, empty, since removing a lock file races with the next taker.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "shoal-error.h"
#include "shoal-state-lock.h"

#define LOCK_FILE_NAME "lock"

struct _ShoalStateLock
{
  int fd;
};

/**
 * shoal_state_lock_acquire:
 * @state_dir: the node's state directory, created if missing
 * @error: return location for a #GError
 *
 * Takes the state directory for this node, without waiting. The descriptor
 * is close-on-exec: a program the node's process starts holds no lock.
 *
 * Returns: (transfer full) (nullable): the lock, for
 *   shoal_state_lock_release(); %NULL with %SHOAL_ERROR_STATE_DIRECTORY if
 *   another node holds it or the directory is unusable
 */
ShoalStateLock *
shoal_state_lock_acquire (const gchar  *state_dir,
                          GError      **error)
{
  g_autofree gchar *path = NULL;
  ShoalStateLock *lock;
  int fd;

  g_return_val_if_fail (state_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_mkdir_with_parents (state_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("Cannot create state directory “%s”: %s"), state_dir,
                   g_strerror (saved_errno));
      return NULL;
    }

  path = g_build_filename (state_dir, LOCK_FILE_NAME, NULL);
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("Cannot lock state directory “%s”: %s"), state_dir,
                   g_strerror (saved_errno));
      return NULL;
    }

  while (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved_errno = errno;

      if (saved_errno == EINTR)
        continue;
      close (fd);
      if (saved_errno == EWOULDBLOCK)
        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                     _("Another node uses the state directory “%s”; give each node its own "
                       "with --state-dir"),
                     state_dir);
      else
        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                     _("Cannot lock state directory “%s”: %s"), state_dir,
                     g_strerror (saved_errno));
      return NULL;
    }

  g_debug ("Locked %s", path);
  lock = g_new0 (ShoalStateLock, 1);
  lock->fd = fd;
  return lock;
}

/**
 * shoal_state_lock_release:
 * @lock: (transfer full) (nullable): a lock from shoal_state_lock_acquire()
 *
 * Lets another node take the state directory.
 */
void
shoal_state_lock_release (ShoalStateLock *lock)
{
  if (lock == NULL)
    return;
  /* Closing the only descriptor of the open file drops its lock. */
  close (lock->fd);
  g_free (lock);
}
