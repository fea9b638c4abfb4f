/* test-secret-file.c: reading files that must stay private
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "shoal-secret-file.h"

typedef struct {
  gchar *dir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("shoal-secret-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (f->dir, name, NULL);

      if (g_rmdir (path) != 0)
        g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

static gchar *
write_file (Fixture     *f,
            const gchar *name,
            const gchar *contents,
            int          mode)
{
  gchar *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_NONE, mode, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static void
test_read (Fixture       *f,
           gconstpointer  data)
{
  g_autofree gchar *path = write_file (f, "ok", "secret\n", 0600);
  g_autofree gchar *exact = write_file (f, "exact", "0123456789", 0400);
  g_autofree gchar *large = write_file (f, "large", "0123456789a", 0600);
  gchar *contents = NULL;
  int saved_errno = -1;
  guint mode = 0;

  g_test_summary ("A private file is read whole, up to the limit and not one byte more");

  g_assert_cmpint (shoal_secret_file_read (path, 100, &contents, &saved_errno, &mode), ==,
                   SHOAL_SECRET_FILE_OK);
  g_assert_cmpstr (contents, ==, "secret\n");
  g_assert_cmpuint (mode, ==, 0600);
  shoal_secret_free (contents);

  g_assert_cmpint (shoal_secret_file_read (exact, 10, &contents, &saved_errno, &mode), ==,
                   SHOAL_SECRET_FILE_OK);
  g_assert_cmpstr (contents, ==, "0123456789");
  shoal_secret_free (contents);

  g_assert_cmpint (shoal_secret_file_read (large, 10, &contents, &saved_errno, &mode), ==,
                   SHOAL_SECRET_FILE_TOO_LARGE);
  g_assert_null (contents);
}

static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autofree gchar *group = write_file (f, "group", "secret", 0640);
  g_autofree gchar *other = write_file (f, "other", "secret", 0604);
  g_autofree gchar *missing = g_build_filename (f->dir, "missing", NULL);
  g_autofree gchar *directory = g_build_filename (f->dir, "directory", NULL);
  g_autofree gchar *fifo = g_build_filename (f->dir, "fifo", NULL);
  gchar *contents = NULL;
  int saved_errno = 0;
  guint mode = 0;

  g_test_summary ("A file group or others may read is refused with its mode, a missing "
                  "file and a directory say so with errno, and a FIFO in the file's "
                  "place does not block");

  g_assert_cmpint (shoal_secret_file_read (group, 100, &contents, &saved_errno, &mode), ==,
                   SHOAL_SECRET_FILE_OPEN_TO_OTHERS);
  g_assert_cmpuint (mode, ==, 0640);
  g_assert_cmpint (shoal_secret_file_read (other, 100, &contents, &saved_errno, &mode), ==,
                   SHOAL_SECRET_FILE_OPEN_TO_OTHERS);
  g_assert_cmpuint (mode, ==, 0604);
  g_assert_null (contents);

  g_assert_cmpint (shoal_secret_file_read (missing, 100, &contents, &saved_errno, &mode), ==,
                   SHOAL_SECRET_FILE_MISSING);
  g_assert_cmpint (saved_errno, ==, ENOENT);

  g_assert_cmpint (g_mkdir (directory, 0700), ==, 0);
  g_assert_cmpint (shoal_secret_file_read (directory, 100, &contents, &saved_errno, &mode), ==,
                   SHOAL_SECRET_FILE_UNREADABLE);
  g_assert_cmpint (saved_errno, ==, EISDIR);
  g_assert_null (contents);

  /* No writer: a blocking open or read would wait for ever. */
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (shoal_secret_file_read (fifo, 100, &contents, &saved_errno, &mode), ==,
                   SHOAL_SECRET_FILE_OK);
  g_assert_cmpstr (contents, ==, "");
  shoal_secret_free (contents);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/secret-file/read", Fixture, NULL, fixture_setup, test_read, fixture_teardown);
  g_test_add ("/secret-file/refused", Fixture, NULL, fixture_setup, test_refused,
              fixture_teardown);

  return g_test_run ();
}
