/* shoal-test-mdns.c: what the avahi suite's test programs share
 *
 * Each test brings up its own LAN with tools/lan (a prefix and a root
 * directory of its own, so a demo can run beside it), runs shoal-test-node
 * inside the hosts and follows what they print. Needs root, iproute2,
 * dbus-daemon and avahi-daemon; without them every test skips with the
 * reason, unless SHOAL_TEST_REQUIRE=all asks for a failure instead.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "shoal-test-mdns.h"

/* Fixed per test program, so that a run can clean up what a crashed run left
 * behind; tagged with SHOAL_TEST_LAN_TAG, if set (shoal_test_lan_name()). */
static gchar *lan_prefix = NULL;
static gchar *lan_root = NULL;

static gchar *missing_reason = NULL;
static gchar *setup_failure = NULL;  /* the current test's, if its LAN did not come up */

/* A failed assertion aborts before the teardown: what the processes printed
 * is logged when a wait times out, which is how most of these tests fail. */
static GPtrArray *current_procs = NULL;

/* How many of hosts h1..h@n have an avahi-daemon that finished starting:
 * its host name established, as its log says (tools/lan keeps the log). */
guint
shoal_test_mdns_daemons_settled (guint n)
{
  guint settled = 0;

  for (guint i = 1; i <= n; i++)
    {
      g_autofree gchar *host = g_strdup_printf ("h%u", i);
      g_autofree gchar *path = g_build_filename (lan_root, host, "avahi.log", NULL);
      g_autofree gchar *log = NULL;

      if (g_file_get_contents (path, &log, NULL, NULL) &&
          strstr (log, "Server startup complete") != NULL)
        settled++;
    }
  return settled;
}

/* Names the LANs of this test program (@prefix_base for the namespaces,
 * @root_base for the state directory) and finds out whether they can run. */
void
shoal_test_mdns_init (const gchar *prefix_base,
                      const gchar *root_base)
{
  g_autofree gchar *lan = g_test_build_filename (G_TEST_DIST, "..", "tools", "lan", NULL);

  lan_prefix = shoal_test_lan_name (prefix_base);
  lan_root = shoal_test_lan_name (root_base);
  missing_reason = shoal_test_lan_missing (lan);
}

/* Skips the test when this machine cannot run it, or fails it under CI. */
gboolean
skip_if_unable (void)
{
  if (setup_failure != NULL)
    {
      g_test_fail_printf ("the LAN could not be set up: %s", setup_failure);
      return TRUE;
    }
  if (missing_reason == NULL)
    return FALSE;

  if (g_strcmp0 (g_getenv ("SHOAL_TEST_REQUIRE"), "all") == 0)
    g_test_fail_printf ("SHOAL_TEST_REQUIRE=all but this test cannot run: %s", missing_reason);
  else
    g_test_skip (missing_reason);
  return TRUE;
}

static GSubprocessLauncher *
new_launcher (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = shoal_test_lan_launcher (flags, lan_prefix, lan_root);

  /* Operator messages only: what the tests look for. */
  g_subprocess_launcher_unsetenv (launcher, "G_MESSAGES_DEBUG");
  return launcher;
}

static gboolean
timeout_flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs @argv; returns what went wrong, or NULL. */
static gchar *
lan_argv_try (const gchar * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                         G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GError) error = NULL;

  if (!shoal_test_lan_run (launcher, argv, COMMAND_TIMEOUT_S * 1000, &error))
    return g_strdup (error->message);
  return NULL;
}

/* Runs tools/lan with @args; returns what went wrong, or NULL. */
static gchar *
lan_try_v (Fixture     *fixture,
           const gchar *first_arg,
           va_list      args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const gchar *arg;

  g_ptr_array_add (argv, fixture->lan);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);
  return lan_argv_try ((const gchar * const *) argv->pdata);
}

/* For set-up: a failure is reported by the test (skip_if_unable()). */
gchar *
lan_try (Fixture     *fixture,
         const gchar *first_arg,
         ...)
{
  gchar *failure;
  va_list args;

  va_start (args, first_arg);
  failure = lan_try_v (fixture, first_arg, args);
  va_end (args);
  return failure;
}

/* In a test's body: a failure ends the test program. */
void
lan (Fixture     *fixture,
     const gchar *first_arg,
     ...)
{
  g_autofree gchar *failure = NULL;
  va_list args;

  va_start (args, first_arg);
  failure = lan_try_v (fixture, first_arg, args);
  va_end (args);
  if (failure != NULL)
    g_error ("%s", failure);
}

static void read_next_line (Proc             *proc,
                            GDataInputStream *stream);

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GDataInputStream *stream = G_DATA_INPUT_STREAM (source);
  g_autoptr(GError) error = NULL;
  gchar *line;
  Proc *proc;

  line = g_data_input_stream_read_line_finish_utf8 (stream, result, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Not cancelled: the Proc is still alive. */
  proc = user_data;
  if (line == NULL)
    return;

  g_ptr_array_add (stream == proc->out ? proc->out_lines : proc->err_lines, line);
  read_next_line (proc, stream);
}

static void
read_next_line (Proc             *proc,
                GDataInputStream *stream)
{
  g_data_input_stream_read_line_async (stream, G_PRIORITY_DEFAULT, proc->cancellable,
                                       line_read_cb, proc);
}

void
proc_dump (Proc *proc)
{
  guint i;

  for (i = 0; i < proc->out_lines->len; i++)
    g_test_message ("%s stdout: %s", proc->label, (gchar *) g_ptr_array_index (proc->out_lines, i));
  for (i = 0; i < proc->err_lines->len; i++)
    g_test_message ("%s stderr: %s", proc->label, (gchar *) g_ptr_array_index (proc->err_lines, i));
}

void
proc_stop (Proc *proc)
{
  if (g_subprocess_get_identifier (proc->process) != NULL)
    {
      g_subprocess_send_signal (proc->process, SIGTERM);
      if (!shoal_test_wait_exit (proc->process, STOP_TIMEOUT_S * 1000))
        g_test_message ("%s did not stop on SIGTERM within %d s; killed", proc->label, STOP_TIMEOUT_S);
    }
}

static void
proc_free (Proc *proc)
{
  proc_stop (proc);
  g_cancellable_cancel (proc->cancellable);
  g_clear_object (&proc->out);
  g_clear_object (&proc->err);
  g_clear_object (&proc->process);
  g_clear_object (&proc->cancellable);
  g_ptr_array_unref (proc->out_lines);
  g_ptr_array_unref (proc->err_lines);
  g_free (proc->label);
  g_free (proc);
}

/* Starts shoal-test-node with @first_arg… inside @host. */
Proc *
start_node (Fixture     *fixture,
            const gchar *host,
            const gchar *first_arg,
            ...)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                         G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const gchar *arg;
  va_list args;
  Proc *proc;

  g_ptr_array_add (argv, fixture->lan);
  g_ptr_array_add (argv, "run");
  g_ptr_array_add (argv, (gpointer) host);
  g_ptr_array_add (argv, fixture->node);
  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  proc = g_new0 (Proc, 1);
  proc->label = g_strdup_printf ("%s/%s#%u", host, first_arg != NULL ? first_arg : "node",
                                 fixture->procs->len + 1);
  proc->cancellable = g_cancellable_new ();
  proc->out_lines = g_ptr_array_new_with_free_func (g_free);
  proc->err_lines = g_ptr_array_new_with_free_func (g_free);
  /* tools/lan run execs all the way down: this is the node's own pid. */
  proc->process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  proc->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc->process));
  proc->err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (proc->process));
  read_next_line (proc, proc->out);
  read_next_line (proc, proc->err);

  g_ptr_array_add (fixture->procs, proc);
  return proc;
}

/* Waits (bounded) until @proc prints a stdout line starting with @prefix at
 * or after *@cursor; moves the cursor past it. Returns the line, or NULL. */
const gchar *
wait_line (Proc        *proc,
           const gchar *prefix,
           guint       *cursor,
           guint        timeout_s)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (timeout_s, timeout_flag_cb, &timed_out);
  const gchar *found = NULL;

  while (found == NULL)
    {
      for (; *cursor < proc->out_lines->len && found == NULL; (*cursor)++)
        if (g_str_has_prefix (g_ptr_array_index (proc->out_lines, *cursor), prefix))
          found = g_ptr_array_index (proc->out_lines, *cursor);
      if (found != NULL || timed_out)
        break;
      g_main_context_iteration (NULL, TRUE);
    }

  if (!timed_out)
    g_source_remove (timeout_id);
  if (found == NULL)
    {
      guint i;

      g_test_message ("%s: no line \"%s…\" within %u s", proc->label, prefix, timeout_s);
      for (i = 0; current_procs != NULL && i < current_procs->len; i++)
        proc_dump (g_ptr_array_index (current_procs, i));
    }
  return found;
}

/* Lets @seconds pass while the processes' output is collected. */
void
pause_for (guint seconds)
{
  gboolean done = FALSE;

  g_timeout_add_seconds (seconds, timeout_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

guint
count_stderr (Proc        *proc,
              const gchar *needle)
{
  guint count = 0;
  guint i;

  for (i = 0; i < proc->err_lines->len; i++)
    if (strstr (g_ptr_array_index (proc->err_lines, i), needle) != NULL)
      count++;
  return count;
}

/* "ready <id> <name…> <port>" → id */
gchar *
ready_id (const gchar *line)
{
  g_auto(GStrv) words = NULL;

  g_assert_nonnull (line);
  words = g_strsplit (line, " ", 3);
  g_assert_cmpuint (g_strv_length (words), ==, 3);
  return g_strdup (words[1]);
}

void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  fixture->procs = g_ptr_array_new_with_free_func ((GDestroyNotify) proc_free);
  current_procs = fixture->procs;
  if (missing_reason != NULL)
    return;

  fixture->lan = g_test_build_filename (G_TEST_DIST, "..", "tools", "lan", NULL);
  fixture->node = g_test_build_filename (G_TEST_BUILT, "shoal-test-node", NULL);

  /* Whatever a crashed run left under our prefix goes first. A LAN that
   * cannot come up fails the test with the reason (skip_if_unable()). */
  setup_failure = lan_try (fixture, "down", NULL);
  if (setup_failure == NULL)
    {
      const gchar * const two[] = { "2", NULL };
      const gchar * const *args = user_data != NULL ? user_data : two;
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();

      g_ptr_array_add (argv, fixture->lan);
      g_ptr_array_add (argv, "up");
      for (guint i = 0; args[i] != NULL; i++)
        g_ptr_array_add (argv, (gpointer) args[i]);
      g_ptr_array_add (argv, NULL);
      setup_failure = lan_argv_try ((const gchar * const *) argv->pdata);
    }
  if (setup_failure != NULL)
    return;
  fixture->lan_up = TRUE;
}

void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  guint i;

  for (i = 0; i < fixture->procs->len; i++)
    proc_stop (g_ptr_array_index (fixture->procs, i));
  if (g_test_failed ())
    for (i = 0; i < fixture->procs->len; i++)
      proc_dump (g_ptr_array_index (fixture->procs, i));
  current_procs = NULL;
  g_clear_pointer (&fixture->procs, g_ptr_array_unref);

  if (fixture->lan_up)
    lan (fixture, "down", NULL);
  g_clear_pointer (&setup_failure, g_free);
  g_free (fixture->lan);
  g_free (fixture->node);
}

/* Starts a node called @name inside @host, with a state directory of its
 * own for each @incarnation: a new incarnation is a new id. */
Proc *
start_shoal_node_as (Fixture     *fixture,
                     const gchar *host,
                     const gchar *name,
                     const gchar *incarnation)
{
  g_autofree gchar *state_dir = g_build_filename (g_get_user_state_dir (), host, name,
                                                  incarnation, NULL);

  g_assert_cmpint (g_mkdir_with_parents (state_dir, 0700), ==, 0);
  return start_node (fixture, host, "--name", name, "--state-dir", state_dir, NULL);
}

Proc *
start_shoal_node (Fixture     *fixture,
                  const gchar *host,
                  const gchar *name)
{
  return start_shoal_node_as (fixture, host, name, "first");
}

/* Whether @proc's last link event about @id says connected. */
gboolean
is_connected_to (Proc        *proc,
                 const gchar *id)
{
  g_autofree gchar *connected = g_strdup_printf ("connected %s ", id);
  g_autofree gchar *disconnected = g_strdup_printf ("disconnected %s", id);
  gboolean result = FALSE;
  guint i;

  for (i = 0; i < proc->out_lines->len; i++)
    {
      const gchar *line = g_ptr_array_index (proc->out_lines, i);

      if (g_str_has_prefix (line, connected))
        result = TRUE;
      else if (g_strcmp0 (line, disconnected) == 0)
        result = FALSE;
    }
  return result;
}

guint
count_lines (Proc        *proc,
             const gchar *prefix)
{
  guint count = 0;
  guint i;

  for (i = 0; i < proc->out_lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (proc->out_lines, i), prefix))
      count++;
  return count;
}
