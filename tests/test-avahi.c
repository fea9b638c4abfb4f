/* test-avahi.c: mDNS discovery through real avahi-daemons on a namespace LAN
 *
 * Each test brings up its own two-host LAN with tools/lan (a prefix and a
 * root directory of its own, so a demo can run beside it), runs
 * shoal-test-node inside the hosts and follows what they print. Needs root,
 * iproute2, dbus-daemon and avahi-daemon; without them every test skips with
 * the reason, unless SHOAL_TEST_REQUIRE=all asks for a failure instead.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "shoal-test-lan.h"

/* Fixed, so that a run can clean up what a crashed run left behind. */
#define LAN_PREFIX "shav"
#define LAN_ROOT "/tmp/shoal-test-avahi"

/* Every wait is bounded: a test fails, it never hangs. */
#define COMMAND_TIMEOUT_S 30
#define DISCOVERY_TIMEOUT_S 15
#define STOP_TIMEOUT_S 5

/* A process inside a host, with every line it printed. */
typedef struct
{
  gchar            *label;
  GSubprocess      *process;
  GCancellable     *cancellable;
  GDataInputStream *out;
  GDataInputStream *err;
  GPtrArray        *out_lines;
  GPtrArray        *err_lines;
} Proc;

typedef struct
{
  gchar     *lan;          /* tools/lan */
  gchar     *node;         /* shoal-test-node */
  GPtrArray *procs;        /* (element-type Proc) */
  gboolean   lan_up;
} Fixture;

static gchar *missing_reason = NULL;

/* A failed assertion aborts before the teardown: what the processes printed
 * is logged when a wait times out, which is how most of these tests fail. */
static GPtrArray *current_procs = NULL;

static gboolean
check_prerequisites (void)
{
  missing_reason = shoal_test_lan_missing ();
  return missing_reason == NULL;
}

/* Skips the test when this machine cannot run it, or fails it under CI. */
static gboolean
skip_if_unable (void)
{
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
  GSubprocessLauncher *launcher = shoal_test_lan_launcher (flags, LAN_PREFIX, LAN_ROOT);

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

typedef struct
{
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

/* Runs tools/lan with @args and checks that it succeeds in time. */
static void
lan (Fixture     *fixture,
     const gchar *first_arg,
     ...)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                         G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *command = NULL;
  Communication communication = { FALSE, NULL };
  gboolean timed_out = FALSE;
  guint timeout_id;
  const gchar *arg;
  va_list args;

  g_ptr_array_add (argv, fixture->lan);
  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  command = g_strjoinv (" ", (gchar **) argv->pdata);

  process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);

  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, &communication);
  timeout_id = g_timeout_add_seconds (COMMAND_TIMEOUT_S, timeout_flag_cb, &timed_out);
  while (!communication.done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!communication.done)
    {
      g_subprocess_force_exit (process);
      while (!communication.done)
        g_main_context_iteration (NULL, TRUE);
      g_error ("%s: no answer within %d s", command, COMMAND_TIMEOUT_S);
    }
  g_source_remove (timeout_id);
  shoal_test_wait_exit (process, COMMAND_TIMEOUT_S * 1000);

  if (!g_subprocess_get_successful (process))
    g_error ("%s failed (exit %d): %s", command, g_subprocess_get_exit_status (process),
             communication.output != NULL ? communication.output : "");
  g_test_message ("%s: ok", command);
  g_free (communication.output);
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

static void
proc_dump (Proc *proc)
{
  guint i;

  for (i = 0; i < proc->out_lines->len; i++)
    g_test_message ("%s stdout: %s", proc->label, (gchar *) g_ptr_array_index (proc->out_lines, i));
  for (i = 0; i < proc->err_lines->len; i++)
    g_test_message ("%s stderr: %s", proc->label, (gchar *) g_ptr_array_index (proc->err_lines, i));
}

static void
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
static Proc *
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
static const gchar *
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
static void
pause_for (guint seconds)
{
  gboolean done = FALSE;

  g_timeout_add_seconds (seconds, timeout_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static guint
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
static gchar *
ready_id (const gchar *line)
{
  g_auto(GStrv) words = NULL;

  g_assert_nonnull (line);
  words = g_strsplit (line, " ", 3);
  g_assert_cmpuint (g_strv_length (words), ==, 3);
  return g_strdup (words[1]);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  fixture->procs = g_ptr_array_new_with_free_func ((GDestroyNotify) proc_free);
  current_procs = fixture->procs;
  if (missing_reason != NULL)
    return;

  fixture->lan = g_test_build_filename (G_TEST_DIST, "..", "tools", "lan", NULL);
  fixture->node = g_test_build_filename (G_TEST_BUILT, "shoal-test-node", NULL);

  /* Whatever a crashed run left under our prefix goes first. */
  lan (fixture, "down", NULL);
  lan (fixture, "up", "2", NULL);
  fixture->lan_up = TRUE;
}

static void
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
  g_free (fixture->lan);
  g_free (fixture->node);
}

/* Discovery level: a bare ShoalDiscoveryAvahi announcing, another watching */

static void
test_discovery_found_and_lost (Fixture       *fixture,
                               gconstpointer  user_data)
{
  g_autofree gchar *id = NULL;
  g_autofree gchar *expected = NULL;
  Proc *announcer;
  Proc *watcher;
  const gchar *line;
  guint a = 0, w = 0;

  g_test_summary ("A node announced over mDNS on one host is reported on another "
                  "by its TXT id and name, with its IPv4 and IPv6 addresses, and "
                  "reported lost when it withdraws");
  if (skip_if_unable ())
    return;

  announcer = start_node (fixture, "h1", "--watch", "--name", "alpha node", "--port", "4000", NULL);
  watcher = start_node (fixture, "h2", "--watch", NULL);

  line = wait_line (announcer, "ready ", &a, DISCOVERY_TIMEOUT_S);
  g_assert_nonnull (line);
  id = ready_id (line);
  g_assert_nonnull (wait_line (watcher, "watching ", &w, DISCOVERY_TIMEOUT_S));

  /* Both families, IPv4 first, each with the announced port. */
  expected = g_strdup_printf ("found %s alpha node 192.0.2.1:4000 [2001:db8::1]:4000", id);
  line = wait_line (watcher, expected, &w, DISCOVERY_TIMEOUT_S);
  g_assert_cmpstr (line, ==, expected);

  /* Its own announcement is never reported to the announcer. */
  g_assert_cmpuint (announcer->out_lines->len, ==, 1);

  proc_stop (announcer);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("lost %s", id);
  g_assert_cmpstr (wait_line (watcher, expected, &w, DISCOVERY_TIMEOUT_S), ==, expected);
}

/* The last name @proc said it is announced under. */
static const gchar *
current_name (Proc        *proc,
              const gchar *initial)
{
  const gchar *name = initial;
  guint i;

  for (i = 0; i < proc->out_lines->len; i++)
    {
      const gchar *line = g_ptr_array_index (proc->out_lines, i);

      if (g_str_has_prefix (line, "name "))
        name = line + strlen ("name ");
    }
  return name;
}

/* The name @proc last saw peer @id under: from "found <id> <name> <addr>…",
 * "connected <id> <name>" or "peer-name <id> <name>". */
static gchar *
seen_name (Proc        *proc,
           const gchar *id)
{
  const gchar *kinds[] = { "found", "connected", "peer-name" };
  gchar *name = NULL;
  guint i, k;

  for (i = 0; i < proc->out_lines->len; i++)
    {
      const gchar *line = g_ptr_array_index (proc->out_lines, i);

      for (k = 0; k < G_N_ELEMENTS (kinds); k++)
        {
          g_autofree gchar *prefix = g_strdup_printf ("%s %s ", kinds[k], id);
          const gchar *rest;
          const gchar *end = NULL;

          if (!g_str_has_prefix (line, prefix))
            continue;
          rest = line + strlen (prefix);
          /* Names may hold spaces ("twin #2"); addresses follow a found's name. */
          if (k == 0)
            {
              end = strstr (rest, " 192.0.2.");
              if (end == NULL)
                end = strstr (rest, " [");
            }
          if (end == NULL)
            end = rest + strlen (rest);
          g_free (name);
          name = g_strndup (rest, end - rest);
        }
    }
  return name;
}

/* Waits (bounded) until two processes announce different names and each
 * saw the other under the other's name. */
static gboolean
wait_names_settled (Proc        *proc1,
                    const gchar *id1,
                    Proc        *proc2,
                    const gchar *id2,
                    const gchar *initial)
{
  gint64 deadline = g_get_monotonic_time () + DISCOVERY_TIMEOUT_S * G_USEC_PER_SEC;
  gboolean settled = FALSE;

  while (!settled && g_get_monotonic_time () < deadline)
    {
      g_autofree gchar *seen_by_1 = seen_name (proc1, id2);
      g_autofree gchar *seen_by_2 = seen_name (proc2, id1);
      const gchar *name1 = current_name (proc1, initial);
      const gchar *name2 = current_name (proc2, initial);

      settled = g_strcmp0 (name1, name2) != 0 &&
                g_strcmp0 (seen_by_1, name2) == 0 &&
                g_strcmp0 (seen_by_2, name1) == 0;
      if (!settled)
        pause_for (1);
    }

  g_test_message ("%s is announced as \"%s\", %s as \"%s\"",
                  proc1->label, current_name (proc1, initial),
                  proc2->label, current_name (proc2, initial));
  if (!settled)
    {
      proc_dump (proc1);
      proc_dump (proc2);
    }
  return settled;
}

static void
test_discovery_same_name (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autofree gchar *id1 = NULL;
  g_autofree gchar *id2 = NULL;
  Proc *node1;
  Proc *node2;
  guint c1 = 0, c2 = 0;

  g_test_summary ("Two nodes started at once on two hosts under the same name end up "
                  "announced under different names, and each sees the other's");
  if (skip_if_unable ())
    return;

  node1 = start_node (fixture, "h1", "--watch", "--name", "twin", "--port", "4000", NULL);
  node2 = start_node (fixture, "h2", "--watch", "--name", "twin", "--port", "4000", NULL);
  id1 = ready_id (wait_line (node1, "ready ", &c1, DISCOVERY_TIMEOUT_S));
  id2 = ready_id (wait_line (node2, "ready ", &c2, DISCOVERY_TIMEOUT_S));

  g_assert_true (wait_names_settled (node1, id1, node2, id2, "twin"));
  /* At least one had to give way (when both probe at the same instant,
   * avahi may rename both, several times, before they settle). */
  g_assert_cmpuint ((g_strcmp0 (current_name (node1, "twin"), "twin") != 0) +
                    (g_strcmp0 (current_name (node2, "twin"), "twin") != 0), >=, 1);
  g_assert_cmpuint (count_stderr (node1, "is taken on this network") +
                    count_stderr (node2, "is taken on this network"), >=, 1);
}

static void
test_discovery_restart (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autofree gchar *id = NULL;
  g_autofree gchar *found = NULL;
  g_autofree gchar *lost = NULL;
  Proc *announcer;
  Proc *watcher;
  guint a = 0, w = 0;

  g_test_summary ("When avahi-daemon is killed and started again on both hosts, the "
                  "announcement is published again and the watcher finds it again");
  if (skip_if_unable ())
    return;

  announcer = start_node (fixture, "h1", "--watch", "--name", "phoenix", "--port", "4000", NULL);
  watcher = start_node (fixture, "h2", "--watch", NULL);
  id = ready_id (wait_line (announcer, "ready ", &a, DISCOVERY_TIMEOUT_S));
  found = g_strdup_printf ("found %s phoenix ", id);
  lost = g_strdup_printf ("lost %s", id);
  g_assert_nonnull (wait_line (watcher, found, &w, DISCOVERY_TIMEOUT_S));

  lan (fixture, "avahi-stop", "h1", NULL);
  lan (fixture, "avahi-stop", "h2", NULL);
  g_assert_nonnull (wait_line (watcher, lost, &w, DISCOVERY_TIMEOUT_S));

  lan (fixture, "avahi-start", "h1", NULL);
  lan (fixture, "avahi-start", "h2", NULL);
  g_assert_nonnull (wait_line (watcher, found, &w, DISCOVERY_TIMEOUT_S));

  /* Both sides kept running and said what happened, once. */
  g_assert_cmpuint (count_stderr (announcer, "avahi-daemon went away"), ==, 1);
  g_assert_cmpuint (count_stderr (watcher, "avahi-daemon went away"), ==, 1);
  g_assert_cmpuint (count_stderr (announcer, "avahi-daemon is back"), ==, 1);
  g_assert_cmpuint (count_stderr (watcher, "avahi-daemon is back"), ==, 1);
}

static void
test_discovery_daemon_later (Fixture       *fixture,
                             gconstpointer  user_data)
{
  g_autofree gchar *id = NULL;
  g_autofree gchar *found = NULL;
  Proc *announcer;
  Proc *watcher;
  guint a = 0, w = 0;

  g_test_summary ("Started with no avahi-daemon, discovery keeps running, says why "
                  "once, and starts working when the daemon appears");
  if (skip_if_unable ())
    return;

  lan (fixture, "avahi-stop", "h2", NULL);
  watcher = start_node (fixture, "h2", "--watch", NULL);
  announcer = start_node (fixture, "h1", "--watch", "--name", "early", "--port", "4000", NULL);
  id = ready_id (wait_line (announcer, "ready ", &a, DISCOVERY_TIMEOUT_S));
  g_assert_nonnull (wait_line (watcher, "watching ", &w, DISCOVERY_TIMEOUT_S));

  pause_for (3);
  g_assert_cmpuint (count_stderr (watcher, "mDNS discovery waits for it"), ==, 1);
  /* Still running. */
  g_assert_nonnull (g_subprocess_get_identifier (watcher->process));

  lan (fixture, "avahi-start", "h2", NULL);
  found = g_strdup_printf ("found %s early ", id);
  g_assert_nonnull (wait_line (watcher, found, &w, DISCOVERY_TIMEOUT_S));
  g_assert_cmpuint (count_stderr (watcher, "mDNS discovery waits for it"), ==, 1);
}

/* Node level: ShoalNodes with mDNS on, as shoald runs them */

/* Starts a node called @name inside @host, with a state directory of its
 * own for each @incarnation: a new incarnation is a new id. */
static Proc *
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

static Proc *
start_shoal_node (Fixture     *fixture,
                  const gchar *host,
                  const gchar *name)
{
  return start_shoal_node_as (fixture, host, name, "first");
}

/* Whether @proc's last link event about @id says connected. */
static gboolean
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

static guint
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

static void
test_node_connect (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autofree gchar *id1 = NULL;
  g_autofree gchar *id2 = NULL;
  g_autofree gchar *expect1 = NULL;
  g_autofree gchar *expect2 = NULL;
  Proc *node1;
  Proc *node2;
  gint64 started;
  gdouble elapsed;
  guint c1 = 0, c2 = 0;

  g_test_summary ("Two nodes on two hosts, each with its own avahi-daemon, find each "
                  "other over mDNS and connect with no configuration");
  if (skip_if_unable ())
    return;

  started = g_get_monotonic_time ();
  node1 = start_shoal_node (fixture, "h1", "one");
  node2 = start_shoal_node (fixture, "h2", "two");
  id1 = ready_id (wait_line (node1, "ready ", &c1, DISCOVERY_TIMEOUT_S));
  id2 = ready_id (wait_line (node2, "ready ", &c2, DISCOVERY_TIMEOUT_S));

  expect1 = g_strdup_printf ("connected %s two", id2);
  expect2 = g_strdup_printf ("connected %s one", id1);
  g_assert_cmpstr (wait_line (node1, expect1, &c1, DISCOVERY_TIMEOUT_S), ==, expect1);
  g_assert_cmpstr (wait_line (node2, expect2, &c2, DISCOVERY_TIMEOUT_S), ==, expect2);
  elapsed = (g_get_monotonic_time () - started) / (gdouble) G_USEC_PER_SEC;
  g_test_message ("time from start to connected (both ways): %.2f s", elapsed);

  /* One peer, one link: no second connection, no drop, while mDNS keeps
   * reporting more addresses. */
  pause_for (2);
  g_assert_cmpuint (count_lines (node1, "connected "), ==, 1);
  g_assert_cmpuint (count_lines (node2, "connected "), ==, 1);
  g_assert_cmpuint (count_lines (node1, "disconnected "), ==, 0);
  g_assert_cmpuint (count_lines (node2, "disconnected "), ==, 0);
}

static void
test_node_same_name (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autofree gchar *id1 = NULL;
  g_autofree gchar *id2 = NULL;
  Proc *node1;
  Proc *node2;
  guint c1 = 0, c2 = 0;

  g_test_summary ("Two nodes started under the same name end up announced under "
                  "different names; each knows the other by the other's new name");
  if (skip_if_unable ())
    return;

  node1 = start_shoal_node (fixture, "h1", "twin");
  node2 = start_shoal_node (fixture, "h2", "twin");
  id1 = ready_id (wait_line (node1, "ready ", &c1, DISCOVERY_TIMEOUT_S));
  id2 = ready_id (wait_line (node2, "ready ", &c2, DISCOVERY_TIMEOUT_S));

  g_assert_true (wait_names_settled (node1, id1, node2, id2, "twin"));
  g_assert_cmpuint (count_lines (node1, "name ") + count_lines (node2, "name "), >=, 1);
  g_assert_true (is_connected_to (node1, id2));
  g_assert_true (is_connected_to (node2, id1));
}

static void
test_node_avahi_restart (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autofree gchar *id1 = NULL;
  g_autofree gchar *id2 = NULL;
  g_autofree gchar *found1 = NULL;
  g_autofree gchar *found2 = NULL;
  g_autofree gchar *lost1 = NULL;
  g_autofree gchar *lost2 = NULL;
  g_autofree gchar *connected1 = NULL;
  g_autofree gchar *connected2 = NULL;
  Proc *node1, *node2, *watcher1, *watcher2;
  guint c1 = 0, c2 = 0, w1 = 0, w2 = 0;
  gint64 deadline;

  g_test_summary ("avahi-daemon killed and started again on both hosts while the nodes "
                  "run: their records come back and the nodes are connected afterwards");
  if (skip_if_unable ())
    return;

  node1 = start_shoal_node (fixture, "h1", "one");
  node2 = start_shoal_node (fixture, "h2", "two");
  watcher1 = start_node (fixture, "h1", "--watch", NULL);
  watcher2 = start_node (fixture, "h2", "--watch", NULL);
  id1 = ready_id (wait_line (node1, "ready ", &c1, DISCOVERY_TIMEOUT_S));
  id2 = ready_id (wait_line (node2, "ready ", &c2, DISCOVERY_TIMEOUT_S));
  found1 = g_strdup_printf ("found %s one ", id1);
  found2 = g_strdup_printf ("found %s two ", id2);
  lost1 = g_strdup_printf ("lost %s", id1);
  lost2 = g_strdup_printf ("lost %s", id2);
  connected1 = g_strdup_printf ("connected %s ", id2);
  connected2 = g_strdup_printf ("connected %s ", id1);

  g_assert_nonnull (wait_line (node1, connected1, &c1, DISCOVERY_TIMEOUT_S));
  g_assert_nonnull (wait_line (node2, connected2, &c2, DISCOVERY_TIMEOUT_S));
  /* Each watcher sees the node across the bridge (its own host's node too). */
  g_assert_nonnull (wait_line (watcher1, found2, &w1, DISCOVERY_TIMEOUT_S));
  g_assert_nonnull (wait_line (watcher2, found1, &w2, DISCOVERY_TIMEOUT_S));

  lan (fixture, "avahi-stop", "h1", NULL);
  lan (fixture, "avahi-stop", "h2", NULL);
  g_assert_nonnull (wait_line (watcher1, lost2, &w1, DISCOVERY_TIMEOUT_S));
  g_assert_nonnull (wait_line (watcher2, lost1, &w2, DISCOVERY_TIMEOUT_S));

  lan (fixture, "avahi-start", "h1", NULL);
  lan (fixture, "avahi-start", "h2", NULL);
  g_assert_nonnull (wait_line (watcher1, found2, &w1, DISCOVERY_TIMEOUT_S));
  g_assert_nonnull (wait_line (watcher2, found1, &w2, DISCOVERY_TIMEOUT_S));

  /* Connected afterwards: a link that survived, or one made again. */
  deadline = g_get_monotonic_time () + DISCOVERY_TIMEOUT_S * G_USEC_PER_SEC;
  while (!(is_connected_to (node1, id2) && is_connected_to (node2, id1)) &&
         g_get_monotonic_time () < deadline)
    pause_for (1);
  g_assert_true (is_connected_to (node1, id2));
  g_assert_true (is_connected_to (node2, id1));

  g_assert_cmpuint (count_stderr (node1, "avahi-daemon went away"), ==, 1);
  g_assert_cmpuint (count_stderr (node2, "avahi-daemon went away"), ==, 1);
  g_assert_cmpuint (count_stderr (node1, "avahi-daemon is back"), ==, 1);
  g_assert_cmpuint (count_stderr (node2, "avahi-daemon is back"), ==, 1);
}

static void
test_node_fast_restart (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autofree gchar *id1 = NULL;
  g_autofree gchar *id2 = NULL;
  g_autofree gchar *expect1 = NULL;
  g_autofree gchar *expect2 = NULL;
  Proc *node1;
  Proc *node2;
  guint c1 = 0, c2 = 0;

  g_test_summary ("Both nodes stopped and started again at once under the same names but "
                  "with new ids and ports, while the daemons still hold their old records, "
                  "find each other again: resolvers follow a record's new SRV and TXT");
  if (skip_if_unable ())
    return;

  node1 = start_shoal_node (fixture, "h1", "one");
  node2 = start_shoal_node (fixture, "h2", "two");
  id1 = ready_id (wait_line (node1, "ready ", &c1, DISCOVERY_TIMEOUT_S));
  id2 = ready_id (wait_line (node2, "ready ", &c2, DISCOVERY_TIMEOUT_S));
  g_assert_nonnull (wait_line (node1, "connected ", &c1, DISCOVERY_TIMEOUT_S));
  g_assert_nonnull (wait_line (node2, "connected ", &c2, DISCOVERY_TIMEOUT_S));

  proc_stop (node1);
  proc_stop (node2);
  node1 = start_shoal_node_as (fixture, "h1", "one", "second");
  node2 = start_shoal_node_as (fixture, "h2", "two", "second");
  c1 = c2 = 0;
  g_clear_pointer (&id1, g_free);
  g_clear_pointer (&id2, g_free);
  id1 = ready_id (wait_line (node1, "ready ", &c1, DISCOVERY_TIMEOUT_S));
  id2 = ready_id (wait_line (node2, "ready ", &c2, DISCOVERY_TIMEOUT_S));

  expect1 = g_strdup_printf ("connected %s two", id2);
  expect2 = g_strdup_printf ("connected %s one", id1);
  g_assert_cmpstr (wait_line (node1, expect1, &c1, DISCOVERY_TIMEOUT_S), ==, expect1);
  g_assert_cmpstr (wait_line (node2, expect2, &c2, DISCOVERY_TIMEOUT_S), ==, expect2);
}

static void
test_node_static_beside_mdns (Fixture       *fixture,
                              gconstpointer  user_data)
{
  g_autofree gchar *id_a = NULL;
  g_autofree gchar *id_b = NULL;
  g_autofree gchar *id_c = NULL;
  g_autofree gchar *expect_a = NULL;
  g_autofree gchar *expect_c = NULL;
  g_autofree gchar *state_c = g_build_filename (g_get_user_state_dir (), "h2", "quiet", NULL);
  Proc *node_a, *node_b, *node_c;
  guint ca = 0, cb = 0, cc = 0;

  g_test_summary ("A node finds one peer over mDNS and another, which does not announce "
                  "itself, through a static address, at the same time");
  if (skip_if_unable ())
    return;

  g_assert_cmpint (g_mkdir_with_parents (state_c, 0700), ==, 0);
  node_c = start_node (fixture, "h2", "--name", "quiet", "--state-dir", state_c,
                       "--port", "4100", "--no-mdns", NULL);
  id_c = ready_id (wait_line (node_c, "ready ", &cc, DISCOVERY_TIMEOUT_S));

  node_a = start_shoal_node (fixture, "h1", "loud");
  id_a = ready_id (wait_line (node_a, "ready ", &ca, DISCOVERY_TIMEOUT_S));
  {
    g_autofree gchar *state_b = g_build_filename (g_get_user_state_dir (), "h2", "both", NULL);

    g_assert_cmpint (g_mkdir_with_parents (state_b, 0700), ==, 0);
    node_b = start_node (fixture, "h2", "--name", "both", "--state-dir", state_b,
                         "--peer", "192.0.2.2:4100", NULL);
  }
  id_b = ready_id (wait_line (node_b, "ready ", &cb, DISCOVERY_TIMEOUT_S));

  expect_a = g_strdup_printf ("connected %s loud", id_a);
  expect_c = g_strdup_printf ("connected %s quiet", id_c);
  g_assert_nonnull (wait_line (node_b, expect_a, &cb, DISCOVERY_TIMEOUT_S));
  cb = 0;
  g_assert_nonnull (wait_line (node_b, expect_c, &cb, DISCOVERY_TIMEOUT_S));

  /* The quiet node is nobody's over mDNS: the loud one never hears of it. */
  pause_for (2);
  g_assert_cmpuint (count_lines (node_a, "connected "), ==, 1);
  g_assert_cmpuint (count_lines (node_c, "connected "), ==, 1);
}

static void
test_node_no_avahi (Fixture       *fixture,
                    gconstpointer  user_data)
{
  Proc *node;
  guint c = 0;

  g_test_summary ("With no avahi-daemon on its host a node still runs, and its log "
                  "says why mDNS discovery is idle, once");
  if (skip_if_unable ())
    return;

  lan (fixture, "avahi-stop", "h1", NULL);
  node = start_shoal_node (fixture, "h1", "alone");
  g_assert_nonnull (wait_line (node, "ready ", &c, DISCOVERY_TIMEOUT_S));

  pause_for (3);
  g_assert_nonnull (g_subprocess_get_identifier (node->process));
  g_assert_cmpuint (count_stderr (node, "mDNS discovery waits for it"), ==, 1);
  g_assert_cmpuint (count_stderr (node, "static peers still work"), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  check_prerequisites ();

  g_test_add ("/avahi/discovery/found-and-lost", Fixture, NULL,
              fixture_set_up, test_discovery_found_and_lost, fixture_tear_down);
  g_test_add ("/avahi/discovery/same-name", Fixture, NULL,
              fixture_set_up, test_discovery_same_name, fixture_tear_down);
  g_test_add ("/avahi/discovery/avahi-restart", Fixture, NULL,
              fixture_set_up, test_discovery_restart, fixture_tear_down);
  g_test_add ("/avahi/discovery/avahi-later", Fixture, NULL,
              fixture_set_up, test_discovery_daemon_later, fixture_tear_down);

  g_test_add ("/avahi/node/connect", Fixture, NULL,
              fixture_set_up, test_node_connect, fixture_tear_down);
  g_test_add ("/avahi/node/same-name", Fixture, NULL,
              fixture_set_up, test_node_same_name, fixture_tear_down);
  g_test_add ("/avahi/node/avahi-restart", Fixture, NULL,
              fixture_set_up, test_node_avahi_restart, fixture_tear_down);
  g_test_add ("/avahi/node/fast-restart", Fixture, NULL,
              fixture_set_up, test_node_fast_restart, fixture_tear_down);
  g_test_add ("/avahi/node/static-beside-mdns", Fixture, NULL,
              fixture_set_up, test_node_static_beside_mdns, fixture_tear_down);
  g_test_add ("/avahi/node/no-avahi", Fixture, NULL,
              fixture_set_up, test_node_no_avahi, fixture_tear_down);

  return g_test_run ();
}
