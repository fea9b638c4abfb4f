/* test-run.c: tools/run, as README tells people to use it
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tools/run with SHOAL_RUN_NO_BUILD=1 (it runs the shoald of this build
 * tree): on a machine without a session bus it starts one, prints the
 * export line and takes the bus away with shoald; on a machine with one it
 * uses it; it asks the system bus for Avahi; and two nodes run on one
 * machine as README shows, a third on the first one's state directory
 * refusing. Each tools/run is a session leader whose process group the
 * parent kills if a test dies half-way.
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-test-daemon.h"

typedef struct {
  GSubprocess *process;    /* (owned) */
  gchar       *out_path;   /* (owned) its standard output */
  gchar       *err_path;   /* (owned) its standard error */
  gchar       *address;    /* (owned) (nullable) from the export line */
} Run;

static void
session_leader (gpointer user_data)
{
  setsid ();
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Starts tools/run @args with no session bus in its environment (unless
 * @session_bus) and XDG_RUNTIME_DIR=@runtime. */
static Run *
run_start (const gchar         *tmpdir,
           const gchar         *label,
           const gchar         *runtime,
           const gchar         *session_bus,
           const gchar         *system_bus,
           const gchar * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out_name = g_strconcat (label, ".out", NULL);
  g_autofree gchar *err_name = g_strconcat (label, ".err", NULL);
  Run *run = g_new0 (Run, 1);

  g_ptr_array_add (argv, g_build_filename (g_getenv ("SHOAL_SRCDIR"), "tools", "run", NULL));
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  run->out_path = g_build_filename (tmpdir, out_name, NULL);
  run->err_path = g_build_filename (tmpdir, err_name, NULL);
  launcher = shoal_test_launcher_new (session_bus, G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_child_setup (launcher, session_leader, NULL, NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, run->out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, run->err_path);
  g_subprocess_launcher_setenv (launcher, "SHOAL_RUN_NO_BUILD", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS",
                                system_bus != NULL ? system_bus : "unix:path=/nonexistent",
                                TRUE);
  run->process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata,
                                               &error);
  g_assert_no_error (error);
  shoal_test_note_process_group (atoi (g_subprocess_get_identifier (run->process)));
  return run;
}

static void
run_free (Run *run)
{
  if (run->process != NULL && g_subprocess_get_identifier (run->process) != NULL)
    {
      g_subprocess_force_exit (run->process);
      g_subprocess_wait (run->process, NULL, NULL);
    }
  g_clear_object (&run->process);
  g_free (run->out_path);
  g_free (run->err_path);
  g_free (run->address);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static gchar *
read_text (const gchar *path)
{
  gchar *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static gboolean
has_line (gpointer user_data)
{
  Run *run = user_data;
  g_autofree gchar *out = read_text (run->out_path);

  return strchr (out, '\n') != NULL || g_subprocess_get_identifier (run->process) == NULL;
}

/* Waits for the export line and keeps the address it sets. */
static void
run_read_export (Run *run)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *value = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *prefix = "export DBUS_SESSION_BUS_ADDRESS=";

  g_assert_true (shoal_test_wait_until (has_line, run, SHOAL_TEST_TIMEOUT_MS));
  out = read_text (run->out_path);
  g_test_message ("tools/run said: %s", out);
  /* Exactly one line, to paste as it is. */
  g_assert_true (g_str_has_prefix (out, prefix));
  g_assert_true (strchr (out, '\n') == out + strlen (out) - 1);
  out[strlen (out) - 1] = '\0';
  value = g_shell_unquote (out + strlen (prefix), &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (value, "unix:path="));
  run->address = g_steal_pointer (&value);
}

static gboolean
process_gone (gpointer user_data)
{
  return g_subprocess_get_identifier (G_SUBPROCESS (user_data)) == NULL;
}

/* Waits for tools/run to end by itself, and returns its exit status. */
static gint
run_wait (Run *run)
{
  g_assert_true (shoal_test_wait_until (process_gone, run->process, SHOAL_TEST_TIMEOUT_MS));
  g_subprocess_wait (run->process, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (run->process));
  return g_subprocess_get_exit_status (run->process);
}

/* SIGTERM to tools/run alone, by its pid, as a service manager or `kill` would. */
static gint
run_stop (Run *run)
{
  g_subprocess_send_signal (run->process, SIGTERM);
  return run_wait (run);
}

static GDBusConnection *
connect_to (const gchar *address)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

static gboolean
name_owned (gpointer user_data)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (G_DBUS_CONNECTION (user_data), "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", SHOAL_TEST_BUS_NAME),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* The pid of the process behind @name on @connection's bus; for
 * org.freedesktop.DBus, the dbus-daemon itself. */
static pid_t
pid_of (GDBusConnection *connection,
        const gchar     *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetConnectionUnixProcessID", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  g_assert_cmpuint (pid, >, 1);
  return (pid_t) pid;
}

static gboolean
pid_gone (gpointer user_data)
{
  return kill ((pid_t) GPOINTER_TO_INT (user_data), 0) != 0 && errno == ESRCH;
}

static gboolean
connection_closed (gpointer user_data)
{
  return g_dbus_connection_is_closed (G_DBUS_CONNECTION (user_data));
}

static void
assert_empty_dir (const gchar *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  g_assert_nonnull (dir);
  name = g_dir_read_name (dir);
  g_assert_cmpstr (name, ==, NULL);
}

static gchar *
make_runtime_dir (const gchar *tmpdir,
                  const gchar *name)
{
  gchar *runtime = g_build_filename (tmpdir, name, NULL);

  g_assert_cmpint (g_mkdir (runtime, 0700), ==, 0);
  return runtime;
}

static void
test_no_session_bus (void)
{
  g_autoptr(Run) run = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autofree gchar *tmpdir = NULL;
  g_autofree gchar *runtime = NULL;
  g_autofree gchar *state = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *out = NULL;
  pid_t bus_pid, shoald_pid;
  const gchar *peers_argv[] = { shoal_test_build_path ("src/cli/shoal"), "peers", NULL };

  g_test_summary ("Without a session bus, tools/run starts one in a private directory under "
                  "XDG_RUNTIME_DIR, prints the one export line for it, and runs shoald on "
                  "it, where `shoal peers` reaches it; SIGTERM to tools/run stops shoald "
                  "cleanly (exit 0) and then the bus, and leaves nothing behind");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed") ||
      !shoal_test_run_isolated ())
    return;

  tmpdir = shoal_test_make_tmpdir ();
  runtime = make_runtime_dir (tmpdir, "runtime");
  state = g_build_filename (tmpdir, "state", NULL);
  run = run_start (tmpdir, "run", runtime, NULL, NULL,
                   (const gchar *[]) { "--no-avahi", "--state-dir", state, "--name", "solo",
                                       "--listen", "127.0.0.1", NULL });
  run_read_export (run);

  connection = connect_to (run->address);
  g_assert_true (shoal_test_wait_until (name_owned, connection, SHOAL_TEST_TIMEOUT_MS));
  g_assert_cmpint (shoal_test_run (peers_argv, run->address, NULL, NULL, &out, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "ID"));
  bus_pid = pid_of (connection, "org.freedesktop.DBus");
  shoald_pid = pid_of (connection, SHOAL_TEST_BUS_NAME);

  g_assert_cmpint (run_stop (run), ==, 0);
  err = read_text (run->err_path);
  g_test_message ("tools/run stderr: %s", err);
  g_assert_nonnull (strstr (err, "Saying goodbye to every peer"));

  /* tools/run waited for both before it exited. */
  g_assert_true (pid_gone (GINT_TO_POINTER (shoald_pid)));
  g_assert_true (pid_gone (GINT_TO_POINTER (bus_pid)));
  g_assert_true (shoal_test_wait_until (connection_closed, connection, SHOAL_TEST_TIMEOUT_MS));
  assert_empty_dir (runtime);
  shoal_test_forget_process_groups ();
}

static void
test_session_bus_there (void)
{
  g_autoptr(Run) run = NULL;
  g_autoptr(ShoalTestBus) bus = NULL;
  g_autofree gchar *tmpdir = NULL;
  g_autofree gchar *runtime = NULL;
  g_autofree gchar *state = NULL;
  g_autofree gchar *out = NULL;

  g_test_summary ("With a session bus, tools/run runs shoald on it and prints nothing on "
                  "standard output");
  /* tools/run asks the buses with gdbus. */
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed") ||
      !shoal_test_skip_unless (shoal_test_have_program ("gdbus"), "gdbus is not installed") ||
      !shoal_test_run_isolated ())
    return;

  tmpdir = shoal_test_make_tmpdir ();
  runtime = make_runtime_dir (tmpdir, "runtime");
  state = g_build_filename (tmpdir, "state", NULL);
  bus = shoal_test_bus_new ();
  run = run_start (tmpdir, "run", runtime, bus->address, NULL,
                   (const gchar *[]) { "--no-avahi", "--state-dir", state,
                                       "--listen", "127.0.0.1", NULL });
  g_assert_true (shoal_test_wait_until (name_owned, bus->connection, SHOAL_TEST_TIMEOUT_MS));
  g_assert_cmpint (run_stop (run), ==, 0);
  out = read_text (run->out_path);
  g_assert_cmpstr (out, ==, "");
  assert_empty_dir (runtime);
  shoal_test_forget_process_groups ();
}

/* Runs tools/run with shoald sure to refuse (--port 70000) after the
 * Avahi check, and returns what tools/run said. */
static gchar *
avahi_check (const gchar *tmpdir,
             const gchar *label,
             const gchar *system_bus)
{
  g_autoptr(Run) run = NULL;
  g_autofree gchar *runtime = make_runtime_dir (tmpdir, label);

  run = run_start (tmpdir, label, runtime, NULL, system_bus,
                   (const gchar *[]) { "--bus", "none", "--port", "70000", NULL });
  g_assert_cmpint (run_wait (run), ==, 1);
  assert_empty_dir (runtime);
  return read_text (run->err_path);
}

static void
test_avahi (void)
{
  g_autoptr(ShoalTestBus) system_bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *tmpdir = NULL;
  g_autofree gchar *err = NULL;
  guint32 result = 0;

  g_test_summary ("tools/run finds Avahi by asking the system bus for org.freedesktop.Avahi, "
                  "with no avahi-daemon process anywhere, and says when there is no system "
                  "bus to ask");
  /* tools/run asks the buses with gdbus. */
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed") ||
      !shoal_test_skip_unless (shoal_test_have_program ("gdbus"), "gdbus is not installed") ||
      !shoal_test_run_isolated ())
    return;

  tmpdir = shoal_test_make_tmpdir ();
  err = avahi_check (tmpdir, "no-system-bus", "unix:path=/nonexistent");
  g_test_message ("without a system bus: %s", err);
  g_assert_nonnull (strstr (err, "no system bus"));
  g_clear_pointer (&err, g_free);

  /* A bus standing in for the system bus, where this test is Avahi. */
  system_bus = shoal_test_bus_new ();
  reply = g_dbus_connection_call_sync (system_bus->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.Avahi", 4),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1 /* PRIMARY_OWNER */);
  err = avahi_check (tmpdir, "avahi-owned", system_bus->address);
  g_test_message ("with org.freedesktop.Avahi owned: %s", err);
  g_assert_nonnull (strstr (err, "avahi-daemon answers on the system bus"));
  shoal_test_forget_process_groups ();
}

typedef struct {
  GDBusConnection *connection;
  const gchar     *peer_name;
} PeerWait;

/* Whether the node behind @connection lists a connected peer of that name. */
static gboolean
sees_connected (gpointer user_data)
{
  PeerWait *wait = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) peers = NULL;
  GVariantIter iter;
  GVariant *peer;
  gboolean found = FALSE;

  reply = g_dbus_connection_call_sync (wait->connection, SHOAL_TEST_BUS_NAME,
                                       SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "ListPeers",
                                       NULL, G_VARIANT_TYPE ("(aa{sv})"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply == NULL)
    return FALSE;
  peers = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, peers);
  while ((peer = g_variant_iter_next_value (&iter)) != NULL)
    {
      const gchar *name = NULL;
      gboolean connected = FALSE;

      if (g_variant_lookup (peer, "name", "&s", &name) && g_strcmp0 (name, wait->peer_name) == 0 &&
          g_variant_lookup (peer, "connected", "b", &connected) && connected)
        found = TRUE;
      g_variant_unref (peer);
    }
  return found;
}

static void
test_two_nodes (void)
{
  g_autoptr(Run) alice = NULL;
  g_autoptr(Run) bob = NULL;
  g_autoptr(Run) again = NULL;
  g_autoptr(GDBusConnection) alice_bus = NULL;
  g_autoptr(GDBusConnection) bob_bus = NULL;
  g_autoptr(GVariant) port = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *tmpdir = NULL;
  g_autofree gchar *runtime = NULL;
  g_autofree gchar *alice_state = NULL;
  g_autofree gchar *bob_state = NULL;
  g_autofree gchar *peer = NULL;
  g_autofree gchar *err = NULL;
  PeerWait wait;

  g_test_summary ("Two nodes on one machine as README shows: each tools/run with its own "
                  "--state-dir and --name, the second with --private-bus and --peer; each "
                  "sees the other on its own bus, and a third on the first one's state "
                  "directory exits 1 saying another node uses it");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed") ||
      !shoal_test_run_isolated ())
    return;

  tmpdir = shoal_test_make_tmpdir ();
  runtime = make_runtime_dir (tmpdir, "runtime");
  alice_state = g_build_filename (tmpdir, "shoal-alice", NULL);
  bob_state = g_build_filename (tmpdir, "shoal-bob", NULL);

  alice = run_start (tmpdir, "alice", runtime, NULL, NULL,
                     (const gchar *[]) { "--name", "alice", "--state-dir", alice_state,
                                         "--no-avahi", "--listen", "127.0.0.1", NULL });
  run_read_export (alice);
  alice_bus = connect_to (alice->address);
  g_assert_true (shoal_test_wait_until (name_owned, alice_bus, SHOAL_TEST_TIMEOUT_MS));
  port = g_dbus_connection_call_sync (alice_bus, SHOAL_TEST_BUS_NAME, SHOAL_TEST_OBJECT_PATH,
                                      "org.freedesktop.DBus.Properties", "Get",
                                      g_variant_new ("(ss)", "org.shoal.Shoal1", "Port"),
                                      G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                      NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) value = NULL;

    g_variant_get (port, "(v)", &value);
    peer = g_strdup_printf ("127.0.0.1:%u", (guint) g_variant_get_uint16 (value));
  }

  bob = run_start (tmpdir, "bob", runtime, NULL, NULL,
                   (const gchar *[]) { "--private-bus", "--name", "bob", "--state-dir", bob_state,
                                       "--no-avahi", "--listen", "127.0.0.1", "--peer", peer,
                                       NULL });
  run_read_export (bob);
  g_assert_cmpstr (bob->address, !=, alice->address);
  bob_bus = connect_to (bob->address);
  wait = (PeerWait) { bob_bus, "alice" };
  g_assert_true (shoal_test_wait_until (sees_connected, &wait, SHOAL_TEST_TIMEOUT_MS));
  wait = (PeerWait) { alice_bus, "bob" };
  g_assert_true (shoal_test_wait_until (sees_connected, &wait, SHOAL_TEST_TIMEOUT_MS));

  again = run_start (tmpdir, "again", runtime, NULL, NULL,
                     (const gchar *[]) { "--private-bus", "--state-dir", alice_state,
                                         "--no-avahi", "--listen", "127.0.0.1", NULL });
  g_assert_cmpint (run_wait (again), ==, 1);
  err = read_text (again->err_path);
  g_test_message ("the third one said: %s", err);
  g_assert_nonnull (strstr (err, "Another node uses the state directory"));

  g_assert_cmpint (run_stop (bob), ==, 0);
  g_assert_cmpint (run_stop (alice), ==, 0);
  assert_empty_dir (runtime);
  shoal_test_forget_process_groups ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/run/no-session-bus", test_no_session_bus);
  g_test_add_func ("/run/session-bus-there", test_session_bus_there);
  g_test_add_func ("/run/avahi", test_avahi);
  g_test_add_func ("/run/two-nodes", test_two_nodes);

  return g_test_run ();
}
