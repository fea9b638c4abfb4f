/* shoal-test-scratch.c: a scratch directory that outlives a failing test body
 *
 * A test's body runs in a subprocess while the test program itself holds its
 * temporary directory: a failed assertion aborts only the child, and the
 * teardown in the parent still removes the directory before the failure is
 * reported. The child finds the directory through the environment.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "shoal-test-scratch.h"

#define SCRATCH_VARIABLE "SHOAL_TEST_SCRATCH"

/**
 * shoal_test_scratch_dir:
 * @name: a word for the directory's name
 *
 * For a fixture's set-up: in the test program, makes a new temporary
 * directory; in the subprocess that runs the body, returns the same one.
 *
 * Returns: (transfer full): the directory
 */
gchar *
shoal_test_scratch_dir (const gchar *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *template = NULL;
  gchar *dir;

  if (g_test_subprocess ())
    {
      dir = g_strdup (g_getenv (SCRATCH_VARIABLE));
      g_assert_nonnull (dir);
      return dir;
    }

  template = g_strdup_printf ("shoal-%s-XXXXXX", name);
  dir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  g_setenv (SCRATCH_VARIABLE, dir, TRUE);
  return dir;
}

/**
 * shoal_test_scratch_in_child:
 * @child_passed: (out): in the test program, whether the body passed
 *
 * Returns: %TRUE in the subprocess, which runs the body; in the test
 *   program, runs the body there and returns %FALSE
 */
gboolean
shoal_test_scratch_in_child (gboolean *child_passed)
{
  if (g_test_subprocess ())
    return TRUE;

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  *child_passed = g_test_trap_has_passed ();
  return FALSE;
}

/**
 * shoal_test_scratch_remove:
 * @dir: what shoal_test_scratch_dir() returned
 *
 * For a fixture's teardown: in the test program, removes @dir and
 * everything in it; in the subprocess, leaves it to the test program.
 */
void
shoal_test_scratch_remove (const gchar *dir)
{
  if (g_test_subprocess ())
    return;

  shoal_test_remove_tree (dir);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_unsetenv (SCRATCH_VARIABLE);
}

/**
 * shoal_test_remove_tree:
 * @path: a file or a directory
 *
 * Removes @path and everything below it, without following links, also
 * directories a test left without permissions.
 */
void
shoal_test_remove_tree (const gchar *path)
{
  g_autoptr(GDir) dir = NULL;
  const gchar *name;
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (!S_ISDIR (st.st_mode))
    {
      g_unlink (path);
      return;
    }

  g_chmod (path, 0700);
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      shoal_test_remove_tree (child);
    }
  g_rmdir (path);
}
