/* shoal-test-daemon.c: real shoald processes on private buses, for the dbus suite
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each shoald gets its own dbus-daemon (both own org.shoal.Shoal1), its own
 * state directory, --no-avahi and port 0; a second daemon is joined to the
 * first with --peer 127.0.0.1:<port read from the first one's Port property>.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>

#include "shoal-test-daemon.h"

/**
 * shoal_test_skip_unless:
 * @condition: whether the test can run
 * @reason: why it cannot
 *
 * Skips the running test when @condition is false, or fails it when
 * SHOAL_TEST_REQUIRE=all (under CI a skip is a failure).
 *
 * Returns: @condition
 */
gboolean
shoal_test_skip_unless (gboolean     condition,
                        const gchar *reason)
{
  if (condition)
    return TRUE;
  if (g_strcmp0 (g_getenv ("SHOAL_TEST_REQUIRE"), "all") == 0)
    g_test_fail_printf ("required but missing: %s", reason);
  else
    g_test_skip (reason);
  return FALSE;
}

gboolean
shoal_test_have_program (const gchar *name)
{
  g_autofree gchar *path = g_find_program_in_path (name);

  return path != NULL;
}

/* A file of the build tree, from SHOAL_BUILDDIR (set by tests/meson.build). */
const gchar *
shoal_test_build_path (const gchar *relative)
{
  static GHashTable *paths = NULL;
  const gchar *builddir = g_getenv ("SHOAL_BUILDDIR");
  gchar *path;

  g_assert_nonnull (builddir);
  if (paths == NULL)
    paths = g_hash_table_new (g_str_hash, g_str_equal);
  path = g_hash_table_lookup (paths, relative);
  if (path == NULL)
    {
      path = g_build_filename (builddir, relative, NULL);
      g_hash_table_insert (paths, g_strdup (relative), path);
    }
  return path;
}

gchar *
shoal_test_make_tmpdir (void)
{
  g_autoptr(GError) error = NULL;
  gchar *dir = g_dir_make_tmp ("shoal-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

#define GROUPS_FILE "process-groups"

/**
 * shoal_test_run_isolated:
 *
 * Runs the calling test's body in a subprocess whose TMPDIR is a directory
 * of this process's. Once the body ends, however it ends, this process
 * kills every process group the body noted (shoal_test_note_process_group()),
 * removes the directory and fails the test if the body failed. A test that
 * dies on a failed assertion leaves nothing behind.
 *
 * Returns: %TRUE in the subprocess, which runs the body; %FALSE here
 */
gboolean
shoal_test_run_isolated (void)
{
  g_autofree gchar *tmpdir = NULL;
  g_autofree gchar *old_tmpdir = NULL;
  g_autofree gchar *groups_path = NULL;
  g_autofree gchar *groups = NULL;

  if (g_test_subprocess ())
    return TRUE;

  tmpdir = shoal_test_make_tmpdir ();
  old_tmpdir = g_strdup (g_getenv ("TMPDIR"));
  g_setenv ("TMPDIR", tmpdir, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (old_tmpdir != NULL)
    g_setenv ("TMPDIR", old_tmpdir, TRUE);
  else
    g_unsetenv ("TMPDIR");

  groups_path = g_build_filename (tmpdir, GROUPS_FILE, NULL);
  if (g_file_get_contents (groups_path, &groups, NULL, NULL))
    {
      g_auto(GStrv) lines = g_strsplit (groups, "\n", -1);

      for (gsize i = 0; lines[i] != NULL; i++)
        {
          gint64 pgid = g_ascii_strtoll (lines[i], NULL, 10);

          if (pgid > 1)
            kill (-(pid_t) pgid, SIGKILL);
        }
    }
  shoal_test_remove_tree (tmpdir);
  g_assert_false (g_file_test (tmpdir, G_FILE_TEST_EXISTS));
  /* Not g_test_trap_assert_passed (): the tests after this one still run. */
  if (!g_test_trap_has_passed ())
    g_test_fail ();
  return FALSE;
}

/**
 * shoal_test_note_process_group:
 * @pgid: a process group the body started (a child made a session leader)
 *
 * In the body of shoal_test_run_isolated(): asks the parent to kill @pgid
 * once the body ends, for the grandchildren that outlive a failed test.
 * A body that ends well has stopped them and calls
 * shoal_test_forget_process_groups().
 */
void
shoal_test_note_process_group (GPid pgid)
{
  g_autofree gchar *path = g_build_filename (g_get_tmp_dir (), GROUPS_FILE, NULL);
  g_autofree gchar *line = g_strdup_printf ("%d\n", (int) pgid);
  FILE *file;

  g_assert_true (g_test_subprocess ());
  file = fopen (path, "a");
  g_assert_nonnull (file);
  g_assert_cmpint (fputs (line, file), >=, 0);
  g_assert_cmpint (fclose (file), ==, 0);
}

void
shoal_test_forget_process_groups (void)
{
  g_autofree gchar *path = g_build_filename (g_get_tmp_dir (), GROUPS_FILE, NULL);

  g_remove (path);
}

/* A test that fails aborts; its children must not outlive it, holding the
 * TAP pipe open until meson's timeout. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/**
 * shoal_test_launcher_new:
 * @bus_address: (nullable): the session bus for the child, or %NULL for none
 * @flags: pipes to open
 *
 * Children run in the C.UTF-8 locale with no LANGUAGE, so their messages are
 * the untranslated ones unless a test asks otherwise, and find the build
 * tree's catalogues through SHOAL_LOCALEDIR.
 *
 * Returns: (transfer full): a launcher
 */
GSubprocessLauncher *
shoal_test_launcher_new (const gchar      *bus_address,
                         GSubprocessFlags  flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  if (bus_address != NULL)
    g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", bus_address, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
  g_subprocess_launcher_setenv (launcher, "SHOAL_LOCALEDIR", shoal_test_build_path ("po"), TRUE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  return launcher;
}

/**
 * shoal_test_bus_new:
 *
 * Starts a dbus-daemon with the session configuration on a private socket.
 * It is killed when the test process dies, however it dies.
 *
 * Returns: (transfer full): the bus, with a connection to it
 */
ShoalTestBus *
shoal_test_bus_new (void)
{
  ShoalTestBus *bus = g_new0 (ShoalTestBus, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) reader = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *listen = NULL;

  /* The socket goes in a directory of our own, removed with the bus: a
   * dbus-daemon that is killed cannot remove it itself. */
  bus->socket_dir = shoal_test_make_tmpdir ();
  listen = g_strdup_printf ("--address=unix:dir=%s", bus->socket_dir);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  bus->process = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--session",
                                              "--nofork", "--print-address=1", listen, NULL);
  g_assert_no_error (error);

  reader = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus->process));
  bus->address = g_data_input_stream_read_line (reader, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bus->address);

  bus->connection = g_dbus_connection_new_for_address_sync (bus->address,
                                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                            NULL, NULL, &error);
  g_assert_no_error (error);
  return bus;
}

void
shoal_test_bus_free (ShoalTestBus *bus)
{
  if (bus == NULL)
    return;
  if (bus->connection != NULL)
    g_dbus_connection_close_sync (bus->connection, NULL, NULL);
  g_clear_object (&bus->connection);
  g_subprocess_force_exit (bus->process);
  g_subprocess_wait (bus->process, NULL, NULL);
  g_clear_object (&bus->process);
  shoal_test_remove_tree (bus->socket_dir);
  g_free (bus->socket_dir);
  g_free (bus->address);
  g_free (bus);
}

typedef struct {
  gboolean     appeared;
  GSubprocess *process;
} StartState;

static void
name_appeared_cb (GDBusConnection *connection,
                  const gchar     *name,
                  const gchar     *owner,
                  gpointer         user_data)
{
  StartState *state = user_data;

  state->appeared = TRUE;
}

/* GSubprocess forgets the pid once the child has been reaped. */
static gboolean
process_exited (GSubprocess *process)
{
  return g_subprocess_get_identifier (process) == NULL;
}

static gboolean
started_or_exited (gpointer user_data)
{
  StartState *state = user_data;

  return state->appeared || process_exited (state->process);
}

/**
 * shoal_test_daemon_start:
 * @name: the node's name, also its state directory under @tmpdir
 * @tmpdir: a scratch directory
 * @extra_args: (nullable): more shoald options
 *
 * Starts a dbus-daemon and a shoald on it (`--name @name --no-avahi --port 0`)
 * and waits until shoald owns org.shoal.Shoal1.
 *
 * Returns: (transfer full): the running daemon
 */
ShoalTestDaemon *
shoal_test_daemon_start (const gchar         *name,
                         const gchar         *tmpdir,
                         const gchar * const *extra_args)
{
  return shoal_test_daemon_start_on_bus (shoal_test_bus_new (), name, tmpdir, extra_args);
}

/**
 * shoal_test_daemon_start_on_bus:
 * @bus: (transfer full): a bus from shoal_test_bus_new() with no shoald yet
 * @name: the node's name, also its state directory under @tmpdir
 * @tmpdir: a scratch directory
 * @extra_args: (nullable): more shoald options
 *
 * Like shoal_test_daemon_start(), on a bus the test made first: it can
 * listen there for signals that shoald sends as soon as it starts.
 *
 * Returns: (transfer full): the running daemon, which owns @bus
 */
ShoalTestDaemon *
shoal_test_daemon_start_on_bus (ShoalTestBus        *bus,
                                const gchar         *name,
                                const gchar         *tmpdir,
                                const gchar * const *extra_args)
{
  return shoal_test_daemon_start_full (bus, name, tmpdir, extra_args, FALSE);
}

/**
 * shoal_test_daemon_start_full:
 * @bus: (transfer full): a bus from shoal_test_bus_new() with no shoald yet
 * @name: the node's name, also its state directory under @tmpdir
 * @tmpdir: a scratch directory
 * @extra_args: (nullable): more shoald options
 * @mdns: leave mDNS on (no --no-avahi): only where no system bus with an
 *   avahi-daemon can be reached, so that nothing is announced on the
 *   machine's own network (point DBUS_SYSTEM_BUS_ADDRESS nowhere first)
 *
 * Like shoal_test_daemon_start_on_bus(), optionally with mDNS.
 *
 * Returns: (transfer full): the running daemon, which owns @bus
 */
ShoalTestDaemon *
shoal_test_daemon_start_full (ShoalTestBus        *bus,
                              const gchar         *name,
                              const gchar         *tmpdir,
                              const gchar * const *extra_args,
                              gboolean             mdns)
{
  g_autoptr(ShoalTestDaemon) daemon = g_new0 (ShoalTestDaemon, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  StartState state = { FALSE, NULL };
  guint watch_id;
  gsize i;

  daemon->bus = bus;
  daemon->name = g_strdup (name);
  daemon->state_dir = g_build_filename (tmpdir, name, NULL);

  g_ptr_array_add (argv, (gpointer) shoal_test_build_path ("src/daemon/shoald"));
  g_ptr_array_add (argv, (gpointer) "--name");
  g_ptr_array_add (argv, daemon->name);
  g_ptr_array_add (argv, (gpointer) "--state-dir");
  g_ptr_array_add (argv, daemon->state_dir);
  if (!mdns)
    g_ptr_array_add (argv, (gpointer) "--no-avahi");
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1");
  g_ptr_array_add (argv, (gpointer) "--port");
  g_ptr_array_add (argv, (gpointer) "0");
  for (i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = shoal_test_launcher_new (daemon->bus->address, G_SUBPROCESS_FLAGS_NONE);
  daemon->process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata,
                                                  &error);
  g_assert_no_error (error);

  state.process = daemon->process;
  watch_id = g_bus_watch_name_on_connection (daemon->bus->connection, SHOAL_TEST_BUS_NAME,
                                             G_BUS_NAME_WATCHER_FLAGS_NONE,
                                             name_appeared_cb, NULL, &state, NULL);
  g_assert_true (shoal_test_wait_until (started_or_exited, &state, SHOAL_TEST_TIMEOUT_MS));
  g_bus_unwatch_name (watch_id);
  g_assert_true (state.appeared);

  daemon->service = shoal_dbus_service_proxy_new_sync (daemon->bus->connection,
                                                       G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                                       SHOAL_TEST_BUS_NAME, SHOAL_TEST_OBJECT_PATH,
                                                       NULL, &error);
  g_assert_no_error (error);
  daemon->id = g_strdup (shoal_dbus_service_get_id (daemon->service));
  daemon->port = shoal_dbus_service_get_port (daemon->service);
  g_assert_cmpuint (strlen (daemon->id), ==, 32);
  g_assert_cmpuint (daemon->port, >, 0);

  return g_steal_pointer (&daemon);
}

static gboolean
process_gone (gpointer user_data)
{
  return process_exited (G_SUBPROCESS (user_data));
}

/**
 * shoal_test_daemon_stop:
 * @daemon: a running daemon
 *
 * Sends SIGTERM and checks that shoald exits with status 0.
 */
void
shoal_test_daemon_stop (ShoalTestDaemon *daemon)
{
  if (daemon->process == NULL)
    return;
  g_subprocess_send_signal (daemon->process, SIGTERM);
  g_assert_true (shoal_test_wait_until (process_gone, daemon->process, SHOAL_TEST_TIMEOUT_MS));
  g_subprocess_wait (daemon->process, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (daemon->process));
  g_assert_cmpint (g_subprocess_get_exit_status (daemon->process), ==, 0);
  g_clear_object (&daemon->process);
}

void
shoal_test_daemon_free (ShoalTestDaemon *daemon)
{
  if (daemon == NULL)
    return;
  if (daemon->process != NULL)
    {
      g_subprocess_force_exit (daemon->process);
      g_subprocess_wait (daemon->process, NULL, NULL);
      g_clear_object (&daemon->process);
    }
  g_clear_object (&daemon->service);
  shoal_test_bus_free (daemon->bus);
  g_free (daemon->name);
  g_free (daemon->state_dir);
  g_free (daemon->id);
  g_free (daemon);
}

/* Whether @daemon's ListPeers shows @peer_id connected. */
gboolean
shoal_test_daemon_sees_connected (ShoalTestDaemon *daemon,
                                  const gchar     *peer_id)
{
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  GVariant *peer;
  gboolean found = FALSE;

  if (!shoal_dbus_service_call_list_peers_sync (daemon->service, &peers, NULL, &error))
    return FALSE;

  g_variant_iter_init (&iter, peers);
  while ((peer = g_variant_iter_next_value (&iter)) != NULL)
    {
      const gchar *id = NULL;
      gboolean connected = FALSE;

      if (g_variant_lookup (peer, "id", "&s", &id) && g_strcmp0 (id, peer_id) == 0 &&
          g_variant_lookup (peer, "connected", "b", &connected) && connected)
        found = TRUE;
      g_variant_unref (peer);
    }
  return found;
}

typedef struct {
  ShoalTestDaemon *a, *b;
} Pair;

static gboolean
pair_connected (gpointer user_data)
{
  Pair *pair = user_data;

  return shoal_test_daemon_sees_connected (pair->a, pair->b->id) &&
         shoal_test_daemon_sees_connected (pair->b, pair->a->id);
}

/* Waits until @a and @b each list the other as connected. */
void
shoal_test_connect_pair (ShoalTestDaemon *a,
                         ShoalTestDaemon *b)
{
  Pair pair = { a, b };

  g_assert_true (shoal_test_wait_until (pair_connected, &pair, SHOAL_TEST_TIMEOUT_MS));
}

static void
communicated_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
have_result (gpointer user_data)
{
  return *(GAsyncResult **) user_data != NULL;
}

/**
 * shoal_test_run:
 * @argv: the program and its arguments
 * @bus_address: (nullable): DBUS_SESSION_BUS_ADDRESS for it, %NULL for none
 * @env: (nullable): more KEY=VALUE settings
 * @input: (nullable): its standard input
 * @stdout_out: (out) (optional): what it printed
 * @stderr_out: (out) (optional): what it printed on stderr
 *
 * Runs @argv to its end, or kills it after %SHOAL_TEST_TIMEOUT_MS.
 *
 * Returns: its exit status, or -1 if it was killed by a signal
 */
gint
shoal_test_run (const gchar * const *argv,
                const gchar         *bus_address,
                const gchar * const *env,
                GBytes              *input,
                gchar              **stdout_out,
                gchar              **stderr_out)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GBytes) empty = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gsize i;

  launcher = shoal_test_launcher_new (bus_address,
                                      G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                      G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                      G_SUBPROCESS_FLAGS_STDERR_PIPE);
  for (i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
    }

  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  empty = g_bytes_new_static ("", 0);
  /* Bounded: a program that should have exited fails the test at once
   * instead of holding it until meson's timeout. */
  g_subprocess_communicate_async (process, input != NULL ? input : empty, NULL,
                                  communicated_cb, &result);
  if (!shoal_test_wait_until (have_result, &result, SHOAL_TEST_TIMEOUT_MS))
    {
      g_subprocess_force_exit (process);
      shoal_test_wait_until (have_result, &result, SHOAL_TEST_TIMEOUT_MS);
      g_test_message ("%s still ran after %u ms: killed", argv[0], SHOAL_TEST_TIMEOUT_MS);
    }
  g_assert_nonnull (result);
  g_subprocess_communicate_finish (process, result, &out, &err, &error);
  g_assert_no_error (error);

  /* Empty output may come back as NULL bytes or a NULL pointer: make it "". */
  if (stdout_out != NULL)
    *stdout_out = out != NULL && g_bytes_get_size (out) > 0
                  ? g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out))
                  : g_strdup ("");
  if (stderr_out != NULL)
    *stderr_out = err != NULL && g_bytes_get_size (err) > 0
                  ? g_strndup (g_bytes_get_data (err, NULL), g_bytes_get_size (err))
                  : g_strdup ("");

  if (!g_subprocess_get_if_exited (process))
    return -1;
  return g_subprocess_get_exit_status (process);
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/**
 * shoal_test_wait_until:
 * @condition: checked after every main-context iteration
 * @user_data: for @condition
 * @timeout_ms: how long to wait at most
 *
 * Runs the default main context until @condition holds. Conditions that poll
 * (a D-Bus call) are checked at least every 50 ms.
 *
 * Returns: %TRUE if @condition held in time
 */
gboolean
shoal_test_wait_until (ShoalTestCondition condition,
                       gpointer           user_data,
                       guint              timeout_ms)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add (timeout_ms, timed_out_cb, &timed_out);
  guint tick_id = g_timeout_add (50, tick_cb, NULL);
  gboolean ok;

  while (!(ok = condition (user_data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (timeout_id);
  g_source_remove (tick_id);
  return ok;
}
