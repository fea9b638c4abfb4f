/* shoal-test-lan.c: what the suites on a namespace LAN share
 *
 * The avahi and lan suites both drive tools/lan: they need the same things
 * of the machine, and both wait, bounded, for the processes they start in
 * the hosts to end. What only the lan suites share (shoald on each host,
 * watched over D-Bus) is in shoal-test-lan-host.c and shoal-test-lan-fixture.c.
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
 * shoal_test_lan_name:
 * @base: a namespace prefix or a LAN root directory
 *
 * Several checkouts may run their LAN suites on one machine at once: each
 * sets SHOAL_TEST_LAN_TAG to something of its own, and its LANs' names and
 * directories end with it.
 *
 * Returns: (transfer full): @base, tagged
 */
gchar *
shoal_test_lan_name (const gchar *base)
{
  const gchar *tag = g_getenv ("SHOAL_TEST_LAN_TAG");

  return g_strconcat (base, tag != NULL ? tag : "", NULL);
}

/* `tools/lan check`: what ip netns says here, in one line, or nothing. */
static gchar *
netns_missing (const gchar *lan_path)
{
  g_autoptr(GSubprocess) check = NULL;
  g_autofree gchar *said = NULL;

  check = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            NULL, lan_path, "check", NULL);
  if (check == NULL || !g_subprocess_communicate_utf8 (check, NULL, NULL, NULL, &said, NULL))
    return g_strdup ("tools/lan check did not run");
  if (g_subprocess_get_successful (check))
    return NULL;
  g_strstrip (said);
  return g_steal_pointer (&said);
}

/**
 * shoal_test_lan_missing:
 * @lan_path: tools/lan
 *
 * Returns: (transfer full) (nullable): why this machine cannot build a
 *   namespace LAN (not root, a tool missing, ip netns unusable), or %NULL
 *   if it can
 */
gchar *
shoal_test_lan_missing (const gchar *lan_path)
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

  return netns_missing (lan_path);
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

/**
 * shoal_test_lan_iterate_for:
 * @ms: how long
 *
 * Runs the default main context for @ms, so that the signals from the hosts
 * are collected meanwhile.
 */
void
shoal_test_lan_iterate_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/**
 * shoal_test_lan_wait_until:
 * @condition: (scope call): what to wait for
 * @user_data: for @condition
 * @timeout_ms: how long to wait at the most
 *
 * Waits until @condition holds, checking it every 20 ms: often enough for
 * the times the tests print to mean something, and never unbounded.
 *
 * Returns: %TRUE if @condition held in time
 */
gboolean
shoal_test_lan_wait_until (ShoalTestLanCondition condition,
                           gpointer              user_data,
                           guint                 timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!condition (user_data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      shoal_test_lan_iterate_for (20);
    }
  return TRUE;
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

typedef struct {
  gboolean  done;
  gchar    *output;
} Communication;

static void
communicate_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Communication *communication = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
                                        &communication->output, NULL, NULL);
  communication->done = TRUE;
}

/**
 * shoal_test_lan_communicate:
 * @process: a process the test started, with stdout piped
 * @timeout_ms: how long its output may take to end
 * @output: (out) (transfer full) (optional): what it wrote, "" for nothing
 *
 * Reads @process's output to its end, iterating the default main context so
 * that no signal from a host is held up meanwhile; kills @process if its
 * output has not ended in time.
 *
 * Returns: %TRUE if its output ended in time
 */
gboolean
shoal_test_lan_communicate (GSubprocess  *process,
                            guint         timeout_ms,
                            gchar       **output)
{
  Communication communication = { FALSE, NULL };
  gboolean timed_out = FALSE;
  guint timeout_id;

  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, &communication);
  timeout_id = g_timeout_add (timeout_ms, flag_cb, &timed_out);
  while (!communication.done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!communication.done)
    {
      g_subprocess_force_exit (process);
      while (!communication.done)
        g_main_context_iteration (NULL, TRUE);
      g_free (communication.output);
      if (output != NULL)
        *output = g_strdup ("");
      return FALSE;
    }
  g_source_remove (timeout_id);
  if (output != NULL)
    *output = communication.output != NULL ? communication.output : g_strdup ("");
  else
    g_free (communication.output);
  return TRUE;
}

/**
 * shoal_test_lan_run:
 * @launcher: from shoal_test_lan_launcher(), with stdout piped and stderr merged
 * @argv: (array zero-terminated=1): tools/lan and its arguments
 * @timeout_ms: how long it may take
 * @error: return location for a #GError saying what failed, with the output
 *
 * Runs tools/lan and waits for it, iterating the default main context so
 * that no signal from a host is held up.
 *
 * Returns: %TRUE if it succeeded in time
 */
gboolean
shoal_test_lan_run (GSubprocessLauncher  *launcher,
                    const gchar * const  *argv,
                    guint                 timeout_ms,
                    GError              **error)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autofree gchar *command = g_strjoinv (" ", (gchar **) argv);
  g_autofree gchar *output = NULL;

  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    return FALSE;

  if (!shoal_test_lan_communicate (process, timeout_ms, &output))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s: no answer within %u ms",
                   command, timeout_ms);
      return FALSE;
    }
  shoal_test_wait_exit (process, timeout_ms);

  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed (exit %d): %s", command,
                   g_subprocess_get_exit_status (process), output);
      return FALSE;
    }

  g_test_message ("%s: ok", command);
  return TRUE;
}
