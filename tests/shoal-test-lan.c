/* shoal-test-lan.c: what the suites on a namespace LAN share
 *
 * The avahi and lan suites both drive tools/lan: they need the same things
 * of the machine, and both wait, bounded, for the processes they start in
 * the hosts to end.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "shoal-test-lan.h"

/**
 * shoal_test_lan_missing:
 *
 * Returns: (transfer full) (nullable): why this machine cannot build a
 *   namespace LAN (not root, a tool missing), or %NULL if it can
 */
gchar *
shoal_test_lan_missing (void)
{
  const gchar *tools[] = { "ip", "avahi-daemon", "dbus-daemon", "unshare" };
  g_autofree gchar *path = g_strdup_printf ("%s:/usr/sbin:/sbin", g_getenv ("PATH"));
  g_auto(GStrv) dirs = g_strsplit (path, ":", -1);

  if (getuid () != 0)
    return g_strdup ("needs root to create network namespaces");

  for (gsize i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      gboolean found = FALSE;

      for (gsize j = 0; dirs[j] != NULL && !found; j++)
        {
          g_autofree gchar *candidate = g_build_filename (dirs[j], tools[i], NULL);

          found = g_file_test (candidate, G_FILE_TEST_IS_EXECUTABLE);
        }
      if (!found)
        return g_strdup_printf ("needs %s, which is not installed", tools[i]);
    }

  return NULL;
}

/* A failed assertion aborts the test program before its teardown: what it
 * started in the hosts must not outlive it. tools/lan run execs all the way
 * down, so the signal reaches the program itself. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/**
 * shoal_test_lan_launcher:
 * @flags: for the launcher
 * @lan_prefix: the LAN's namespace prefix (LAN_PREFIX of tools/lan)
 * @lan_root: the LAN's state directory (LAN_ROOT of tools/lan)
 *
 * Returns: (transfer full): a launcher for tools/lan and what it runs in the
 *   hosts: they die with the test, and see its own LAN and build tree
 */
GSubprocessLauncher *
shoal_test_lan_launcher (GSubprocessFlags  flags,
                         const gchar      *lan_prefix,
                         const gchar      *lan_root)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);
  const gchar *builddir = g_getenv ("SHOAL_BUILDDIR");

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "LAN_PREFIX", lan_prefix, TRUE);
  g_subprocess_launcher_setenv (launcher, "LAN_ROOT", lan_root, TRUE);
  if (builddir != NULL)
    g_subprocess_launcher_setenv (launcher, "SHOAL_BUILDDIR", builddir, TRUE);
  return launcher;
}

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

/**
 * shoal_test_wait_exit:
 * @process: a process the test started
 * @timeout_ms: how long to wait
 *
 * Waits for @process to exit, iterating the default main context; kills it
 * if it has not exited in time.
 *
 * Returns: %TRUE if it exited by itself
 */
gboolean
shoal_test_wait_exit (GSubprocess *process,
                      guint        timeout_ms)
{
  gboolean done = FALSE;
  gboolean timed_out = FALSE;
  guint timeout_id;

  g_subprocess_wait_async (process, NULL, wait_done_cb, &done);
  timeout_id = g_timeout_add (timeout_ms, flag_cb, &timed_out);
  while (!done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);

  /* The async wait holds its own reference: let it finish. */
  if (!done)
    {
      g_subprocess_force_exit (process);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
      return FALSE;
    }
  return TRUE;
}
