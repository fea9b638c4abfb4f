/* test-state-lock.c: one node at a time in a state directory
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The lock itself, then two ShoalNodes on one state directory in one
 * process (flock() excludes them too, where fcntl() locks would not):
 * the second start fails, and each way of stopping frees the directory.
 * test-startup.c runs two shoald processes on one directory.
 */

#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal.h"
#include "shoal-state-lock.h"
#include "shoal-test-scratch.h"

/* Fixture
 *
 * Each test body runs in a subprocess while this process holds the
 * temporary directory: a failed assertion aborts only the child, and the
 * teardown here still removes the directory before the failure is reported. */

typedef struct {
  gchar    *tmpdir;     /* (owned) */
  gchar    *state_dir;  /* (owned) not created: the code under test makes it */
  gboolean  child_passed;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->tmpdir = shoal_test_scratch_dir ("state-lock");
  f->state_dir = g_build_filename (f->tmpdir, "state", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gboolean parent = !g_test_subprocess ();

  shoal_test_scratch_remove (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->state_dir);
  if (parent && !f->child_passed)
    g_test_fail ();
}

/* The descriptor this process holds on @path, or -1. */
static int
find_descriptor (const gchar *path)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const gchar *name;
  int found = -1;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *link = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree gchar *target = g_file_read_link (link, NULL);

      if (g_strcmp0 (target, path) == 0)
        found = atoi (name);
    }
  return found;
}

static void
assert_in_use (GError      *error,
               const gchar *state_dir)
{
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, state_dir));
  g_assert_nonnull (strstr (error->message, "Another node"));
  g_assert_nonnull (strstr (error->message, "--state-dir"));
}

static void
test_lock (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(ShoalStateLock) first = NULL;
  g_autoptr(ShoalStateLock) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *lock_path = NULL;
  g_autofree gchar *under_file = NULL;
  GStatBuf st;
  int fd;

  g_test_summary ("The lock makes its state directory (private to its owner), is held on a "
                  "close-on-exec descriptor, refuses a second taker with "
                  "SHOAL_ERROR_STATE_DIRECTORY naming the directory, is free again once "
                  "released, and reports a directory that cannot be made");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  first = shoal_state_lock_acquire (f->state_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  g_assert_cmpint (g_stat (f->state_dir, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0700);

  lock_path = g_build_filename (f->state_dir, "lock", NULL);
  fd = find_descriptor (lock_path);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (fcntl (fd, F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);

  second = shoal_state_lock_acquire (f->state_dir, &error);
  g_assert_null (second);
  assert_in_use (error, f->state_dir);
  g_clear_error (&error);

  g_clear_pointer (&first, shoal_state_lock_release);
  g_assert_cmpint (find_descriptor (lock_path), ==, -1);
  second = shoal_state_lock_acquire (f->state_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (second);

  /* Inside a regular file no directory can be made, even by root. */
  under_file = g_build_filename (lock_path, "state", NULL);
  g_assert_null (shoal_state_lock_acquire (under_file, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY);
  g_assert_nonnull (strstr (error->message, under_file));
}

static ShoalNode *
new_node (Fixture     *f,
          const gchar *name)
{
  ShoalNode *node = shoal_node_new (name, 0, f->state_dir);

  shoal_node_set_listen_address (node, "127.0.0.1");
  shoal_node_set_mdns (node, FALSE);
  return node;
}

static void
stopped_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (shoal_node_stop_finish (SHOAL_NODE (source), result, NULL));
  *done = TRUE;
}

static void
test_nodes (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(ShoalNode) first = NULL;
  g_autoptr(ShoalNode) second = NULL;
  g_autoptr(ShoalNode) elsewhere = NULL;
  g_autoptr(ShoalNode) clash = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *other_dir = NULL;
  gboolean done = FALSE;

  g_test_summary ("A second ShoalNode on a running node's state directory fails to start "
                  "with SHOAL_ERROR_STATE_DIRECTORY; it starts once the first stops, with "
                  "shoal_node_stop() or shoal_node_stop_async(); a start that fails later "
                  "(its port is taken) leaves the directory free");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  first = new_node (f, "first");
  g_assert_true (shoal_node_start (first, &error));
  g_assert_no_error (error);

  second = new_node (f, "second");
  g_assert_false (shoal_node_start (second, &error));
  assert_in_use (error, f->state_dir);
  g_clear_error (&error);
  g_assert_false (shoal_node_get_running (second));

  /* Stopped at once, the first lets the second in, with the same identity. */
  shoal_node_stop (first);
  g_assert_true (shoal_node_start (second, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_node_get_id (second), ==, shoal_node_get_id (first));

  g_assert_false (shoal_node_start (first, &error));
  assert_in_use (error, f->state_dir);
  g_clear_error (&error);

  /* Stopped gracefully, the same once the goodbyes are done. */
  shoal_node_stop_async (second, NULL, stopped_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (shoal_node_start (first, &error));
  g_assert_no_error (error);

  /* A start that takes the directory and then cannot listen gives it back. */
  other_dir = g_build_filename (f->tmpdir, "other", NULL);
  clash = shoal_node_new ("clash", shoal_node_get_port (first), other_dir);
  shoal_node_set_listen_address (clash, "127.0.0.1");
  shoal_node_set_mdns (clash, FALSE);
  g_assert_false (shoal_node_start (clash, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);
  elsewhere = shoal_node_new ("elsewhere", 0, other_dir);
  shoal_node_set_listen_address (elsewhere, "127.0.0.1");
  shoal_node_set_mdns (elsewhere, FALSE);
  g_assert_true (shoal_node_start (elsewhere, &error));
  g_assert_no_error (error);

  shoal_node_stop (elsewhere);
  shoal_node_stop (first);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/state-lock/lock", Fixture, NULL, fixture_setup, test_lock, fixture_teardown);
  g_test_add ("/state-lock/nodes", Fixture, NULL, fixture_setup, test_nodes, fixture_teardown);

  return g_test_run ();
}
