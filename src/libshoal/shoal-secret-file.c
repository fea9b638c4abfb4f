/* shoal-secret-file.c: reading a file that must stay private
 *
 * The node's private key and a network key are read the way ssh reads a
 * private key: through one descriptor, so that the permissions checked are
 * those of the file read, refusing a file that group or others may read,
 * and never blocking on a FIFO put in its place. The bytes are read into
 * one buffer of the caller's limit, so that no copy of a secret is left in
 * memory given back, and wiped when freed.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shoal-secret-file.h"

/**
 * shoal_secret_file_read:
 * @path: the file
 * @max_size: the most bytes a sound file holds
 * @out_contents: (out) (transfer full): the contents and a NUL, for
 *   shoal_secret_free(), when %SHOAL_SECRET_FILE_OK
 * @out_errno: (out): why the file could not be read
 * @out_mode: (out): the file's permission bits, once known
 *
 * Returns: %SHOAL_SECRET_FILE_OK, or what stands in the way
 */
ShoalSecretFileResult
shoal_secret_file_read (const gchar  *path,
                        gsize         max_size,
                        gchar       **out_contents,
                        int          *out_errno,
                        guint        *out_mode)
{
  g_autofree gchar *buffer = NULL;
  gsize length = 0;
  struct stat st;
  int fd;

  *out_contents = NULL;
  *out_errno = 0;
  *out_mode = 0;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      *out_errno = errno;
      return errno == ENOENT ? SHOAL_SECRET_FILE_MISSING : SHOAL_SECRET_FILE_UNREADABLE;
    }

  if (fstat (fd, &st) != 0)
    {
      *out_errno = errno;
      g_close (fd, NULL);
      return SHOAL_SECRET_FILE_UNREADABLE;
    }

  *out_mode = st.st_mode & 07777;
  if (S_ISREG (st.st_mode) && (st.st_mode & 077) != 0)
    {
      g_close (fd, NULL);
      return SHOAL_SECRET_FILE_OPEN_TO_OTHERS;
    }

  /* One byte more than a sound file holds tells a file that is too large. */
  buffer = g_malloc (max_size + 2);
  while (length <= max_size)
    {
      gssize n = read (fd, buffer + length, max_size + 1 - length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *out_errno = errno;
          explicit_bzero (buffer, length);
          g_close (fd, NULL);
          return SHOAL_SECRET_FILE_UNREADABLE;
        }
      if (n == 0)
        break;
      length += (gsize) n;
    }
  g_close (fd, NULL);

  if (length > max_size)
    {
      explicit_bzero (buffer, length);
      return SHOAL_SECRET_FILE_TOO_LARGE;
    }

  buffer[length] = '\0';
  *out_contents = g_steal_pointer (&buffer);
  return SHOAL_SECRET_FILE_OK;
}

/**
 * shoal_secret_free:
 * @secret: (nullable) (transfer full): a string holding a secret
 *
 * Wipes @secret, then frees it.
 */
void
shoal_secret_free (gchar *secret)
{
  if (secret == NULL)
    return;

  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}
