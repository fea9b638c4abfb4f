/* shoal-test-bus-fixture.c: daemons of a test, their signals and the calls the dbus suite shares
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the dbus and cli programs each kept a copy of: a fixture of up to
 * three daemons in one scratch directory, a recorder of the signals that
 * reach a bus, calls on the root object, running `shoal`, and reading a
 * child's output while the main loop runs.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "shoal-test-bus-fixture.h"

/* ---- the fixture ---- */

/**
 * shoal_test_fixture_begin:
 * @fixture: a fixture
 *
 * Makes @fixture's scratch directory, or skips the test if there is no
 * dbus-daemon to start buses with.
 *
 * Returns: whether the test can go on (@fixture->ready)
 */
gboolean
shoal_test_fixture_begin (ShoalTestFixture *fixture)
{
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return FALSE;
  fixture->tmpdir = shoal_test_make_tmpdir ();
  fixture->ready = TRUE;
  return TRUE;
}

/**
 * shoal_test_fixture_begin_isolated:
 * @fixture: a fixture
 *
 * As shoal_test_fixture_begin(), in the subprocess of
 * shoal_test_run_isolated(): a failed assertion there still leaves no
 * directory and no daemon behind.
 *
 * Returns: %TRUE in that subprocess, once it is ready; %FALSE here
 */
gboolean
shoal_test_fixture_begin_isolated (ShoalTestFixture *fixture)
{
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed") ||
      !shoal_test_run_isolated ())
    return FALSE;
  fixture->tmpdir = shoal_test_make_tmpdir ();
  fixture->ready = TRUE;
  return TRUE;
}

/* Only a scratch directory: the test starts its daemons with options of its own. */
void
shoal_test_fixture_setup_tmpdir (ShoalTestFixture *fixture,
                                 gconstpointer     data)
{
  shoal_test_fixture_begin (fixture);
}

/**
 * shoal_test_fixture_setup_pair:
 * @fixture: a fixture
 * @bob_args: (nullable): more options for bob
 *
 * alice, and bob dialling her (his end of the link is an ephemeral port,
 * hers her listening port), once each sees the other connected.
 */
void
shoal_test_fixture_setup_pair (ShoalTestFixture    *fixture,
                               const gchar * const *bob_args)
{
  if (!shoal_test_fixture_begin (fixture))
    return;
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
  fixture->bob = shoal_test_daemon_start_linked ("bob", fixture->tmpdir, fixture->alice, NULL,
                                                 bob_args);
  shoal_test_connect_pair (fixture->alice, fixture->bob);
}

/* From now on, @fixture->received records bob's MessageReceived. */
void
shoal_test_fixture_record_received (ShoalTestFixture *fixture)
{
  fixture->received = shoal_test_recorder_new (fixture->bob->bus->connection, SHOAL_TEST_BUS_NAME,
                                               "org.shoal.Shoal1", "MessageReceived",
                                               SHOAL_TEST_OBJECT_PATH);
}

/* The last started goes first; the recorder before the bus it listens on. */
void
shoal_test_fixture_teardown (ShoalTestFixture *fixture,
                             gconstpointer     data)
{
  g_clear_pointer (&fixture->received, shoal_test_recorder_free);
  g_clear_pointer (&fixture->carol, shoal_test_daemon_free);
  g_clear_pointer (&fixture->bob, shoal_test_daemon_free);
  g_clear_pointer (&fixture->alice, shoal_test_daemon_free);
  if (fixture->tmpdir != NULL)
    {
      shoal_test_remove_tree (fixture->tmpdir);
      g_clear_pointer (&fixture->tmpdir, g_free);
    }
}

/* What --peer takes to reach @daemon on loopback. */
gchar *
shoal_test_peer_address (ShoalTestDaemon *daemon)
{
  return g_strdup_printf ("127.0.0.1:%u", (guint) daemon->port);
}

/**
 * shoal_test_daemon_start_linked:
 * @name: the node's name
 * @tmpdir: a scratch directory
 * @to1: (nullable): a daemon to have as a static peer
 * @to2: (nullable): another
 * @extra_args: (nullable): more shoald options, after the --peer ones
 *
 * Returns: (transfer full): the running daemon, dialling @to1 and @to2
 */
ShoalTestDaemon *
shoal_test_daemon_start_linked (const gchar         *name,
                                const gchar         *tmpdir,
                                ShoalTestDaemon     *to1,
                                ShoalTestDaemon     *to2,
                                const gchar * const *extra_args)
{
  g_autofree gchar *peer1 = to1 != NULL ? shoal_test_peer_address (to1) : NULL;
  g_autofree gchar *peer2 = to2 != NULL ? shoal_test_peer_address (to2) : NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  if (peer1 != NULL)
    {
      g_ptr_array_add (args, (gpointer) "--peer");
      g_ptr_array_add (args, peer1);
    }
  if (peer2 != NULL)
    {
      g_ptr_array_add (args, (gpointer) "--peer");
      g_ptr_array_add (args, peer2);
    }
  for (gsize i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) extra_args[i]);
  if (args->len == 0)
    return shoal_test_daemon_start (name, tmpdir, NULL);
  g_ptr_array_add (args, NULL);
  return shoal_test_daemon_start (name, tmpdir, (const gchar * const *) args->pdata);
}

/* ---- signals ---- */

static void
signal_free (gpointer data)
{
  ShoalTestSignal *signal = data;

  g_free (signal->member);
  g_free (signal->path);
  g_variant_unref (signal->parameters);
  g_free (signal);
}

static void
recorder_cb (GDBusConnection *connection,
             const gchar     *sender,
             const gchar     *path,
             const gchar     *interface,
             const gchar     *member,
             GVariant        *parameters,
             gpointer         user_data)
{
  ShoalTestRecorder *recorder = user_data;
  ShoalTestSignal *signal = g_new0 (ShoalTestSignal, 1);

  signal->received_at = g_get_monotonic_time ();
  signal->member = g_strdup (member);
  signal->path = g_strdup (path);
  signal->parameters = g_variant_ref (parameters);
  g_ptr_array_add (recorder->signals, signal);
}

/**
 * shoal_test_recorder_new:
 * @connection: a bus connection
 * @sender: (nullable): the sender, or %NULL for any: on a bus where shoald
 *   does not run yet, a well-known name has no owner to match (only shoald
 *   sends signals on our buses)
 * @interface: (nullable): the interface
 * @member: (nullable): the signal, or %NULL for all
 * @path: (nullable): the object path, or %NULL for all
 *
 * Records the signals that match, from now on, as the main loop runs.
 *
 * Returns: (transfer full): a recorder
 */
ShoalTestRecorder *
shoal_test_recorder_new (GDBusConnection *connection,
                         const gchar     *sender,
                         const gchar     *interface,
                         const gchar     *member,
                         const gchar     *path)
{
  ShoalTestRecorder *recorder = g_new0 (ShoalTestRecorder, 1);

  recorder->connection = g_object_ref (connection);
  recorder->signals = g_ptr_array_new_with_free_func (signal_free);
  recorder->subscription =
    g_dbus_connection_signal_subscribe (recorder->connection, sender, interface, member, path,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        recorder_cb, recorder, NULL);
  return recorder;
}

/* Every signal of @daemon's root object. */
ShoalTestRecorder *
shoal_test_recorder_new_for_daemon (ShoalTestDaemon *daemon)
{
  return shoal_test_recorder_new (daemon->bus->connection, SHOAL_TEST_BUS_NAME,
                                  "org.shoal.Shoal1", NULL, SHOAL_TEST_OBJECT_PATH);
}

void
shoal_test_recorder_free (ShoalTestRecorder *recorder)
{
  g_dbus_connection_signal_unsubscribe (recorder->connection, recorder->subscription);
  g_object_unref (recorder->connection);
  g_ptr_array_unref (recorder->signals);
  g_free (recorder);
}

/* How many signals named @member came so far. */
guint
shoal_test_recorder_count (ShoalTestRecorder *recorder,
                           const gchar       *member)
{
  guint n = 0;

  for (guint i = 0; i < recorder->signals->len; i++)
    {
      ShoalTestSignal *signal = g_ptr_array_index (recorder->signals, i);

      if (g_strcmp0 (signal->member, member) == 0)
        n++;
    }
  return n;
}

typedef struct {
  ShoalTestRecorder *recorder;
  const gchar       *member;
  guint              count;
} SignalWait;

static gboolean
has_signals (gpointer user_data)
{
  SignalWait *wait = user_data;

  return shoal_test_recorder_count (wait->recorder, wait->member) >= wait->count;
}

/**
 * shoal_test_recorder_wait:
 * @recorder: a recorder
 * @member: a signal name
 * @index: which one, from 0
 *
 * Waits up to %SHOAL_TEST_TIMEOUT_MS for the @index-th signal named
 * @member, and fails the test if it does not come.
 *
 * Returns: (transfer none): its parameters, owned by @recorder
 */
GVariant *
shoal_test_recorder_wait (ShoalTestRecorder *recorder,
                          const gchar       *member,
                          guint              index)
{
  SignalWait wait = { recorder, member, index + 1 };
  guint n = 0;

  g_assert_true (shoal_test_wait_until (has_signals, &wait, SHOAL_TEST_TIMEOUT_MS));
  for (guint i = 0; i < recorder->signals->len; i++)
    {
      ShoalTestSignal *signal = g_ptr_array_index (recorder->signals, i);

      if (g_strcmp0 (signal->member, member) == 0 && n++ == index)
        return signal->parameters;
    }
  g_assert_not_reached ();
}

/* ---- calls ---- */

GVariant *
shoal_test_bytes_variant (const guint8 *data,
                          gsize         size)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, size, 1);
}

/* @method of @daemon's root object, org.shoal.Shoal1. */
GVariant *
shoal_test_call (ShoalTestDaemon     *daemon,
                 const gchar         *method,
                 GVariant            *parameters,
                 const GVariantType  *reply_type,
                 gint                 timeout_ms,
                 GError             **error)
{
  return g_dbus_connection_call_sync (daemon->bus->connection, SHOAL_TEST_BUS_NAME,
                                      SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", method,
                                      parameters, reply_type, G_DBUS_CALL_FLAGS_NONE,
                                      timeout_ms, NULL, error);
}

/* @method of the root object, which must answer with nothing. */
void
shoal_test_call_ok (ShoalTestDaemon *daemon,
                    const gchar     *method,
                    GVariant        *parameters)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = shoal_test_call (daemon, method, parameters, G_VARIANT_TYPE_UNIT, -1, &error);
  g_assert_no_error (error);
}

/* That a call failed with the D-Bus error @error_name. */
void
shoal_test_assert_remote_error (GVariant    *reply,
                                GError      *error,
                                const gchar *error_name)
{
  g_autofree gchar *remote = NULL;

  g_assert_null (reply);
  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_test_message ("%s", error->message);
  g_assert_cmpstr (remote, ==, error_name);
}

/* Calls @method on @path of @daemon and checks that it fails with the
 * D-Bus error @error_name. */
void
shoal_test_assert_call_error (ShoalTestDaemon *daemon,
                              const gchar     *path,
                              const gchar     *interface,
                              const gchar     *method,
                              GVariant        *parameters,
                              const gchar     *error_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (daemon->bus->connection, SHOAL_TEST_BUS_NAME, path,
                                       interface, method, parameters, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  shoal_test_assert_remote_error (reply, error, error_name);
}

/* A property read afresh with Properties.Get, not from a proxy's cache. */
GVariant *
shoal_test_get_property (ShoalTestDaemon *daemon,
                         const gchar     *path,
                         const gchar     *interface,
                         const gchar     *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = g_dbus_connection_call_sync (daemon->bus->connection, SHOAL_TEST_BUS_NAME, path,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", interface, name),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return value;
}

/* The entry of ListPeers' @peers for @id, or %NULL: (transfer full). */
GVariant *
shoal_test_find_peer (GVariant    *peers,
                      const gchar *id)
{
  GVariantIter iter;
  GVariant *peer;

  g_variant_iter_init (&iter, peers);
  while ((peer = g_variant_iter_next_value (&iter)) != NULL)
    {
      const gchar *peer_id = NULL;

      if (g_variant_lookup (peer, "id", "&s", &peer_id) && g_strcmp0 (peer_id, id) == 0)
        return peer;
      g_variant_unref (peer);
    }
  return NULL;
}

/* What @daemon's ListPeers says of @peer_id, or %NULL: (transfer full). */
GVariant *
shoal_test_list_peer (ShoalTestDaemon *daemon,
                      const gchar     *peer_id)
{
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_dbus_service_call_list_peers_sync (daemon->service, &peers, NULL, &error));
  g_assert_no_error (error);
  return shoal_test_find_peer (peers, peer_id);
}

typedef struct {
  ShoalTestDaemon *daemon;
  const gchar     *peer_id;
} SeesWait;

static gboolean
sees_connected (gpointer user_data)
{
  SeesWait *wait = user_data;

  return shoal_test_daemon_sees_connected (wait->daemon, wait->peer_id);
}

/* That @daemon does not link up with @peer_id for @ms: long enough, as the
 * caller knows, for what would link them to have happened. */
void
shoal_test_assert_stays_apart (ShoalTestDaemon *daemon,
                               const gchar     *peer_id,
                               guint            ms)
{
  SeesWait wait = { daemon, peer_id };

  g_assert_false (shoal_test_wait_until (sees_connected, &wait, ms));
}

/* ---- running shoal ---- */

/**
 * shoal_test_run_shoal:
 * @bus_address: (nullable): the session bus, or %NULL for none
 * @input: (nullable): its standard input
 * @out: (out) (optional): what it printed
 * @err: (out) (optional): what it printed on stderr
 * @...: its arguments, then %NULL
 *
 * Runs the built `shoal` to its end.
 *
 * Returns: its exit status
 */
gint
shoal_test_run_shoal (const gchar  *bus_address,
                      GBytes       *input,
                      gchar       **out,
                      gchar       **err,
                      ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const gchar *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) shoal_test_build_path ("src/cli/shoal"));
  va_start (args, err);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  return shoal_test_run ((const gchar * const *) argv->pdata, bus_address, NULL, input, out, err);
}

/**
 * shoal_test_assert_one_line:
 * @err: what @program printed on stderr
 * @program: "shoal" or "shoald"
 * @expected_part: (nullable): words the line must have
 *
 * Errors are one line, "@program: …": the only newline is the last character.
 */
void
shoal_test_assert_one_line (const gchar *err,
                            const gchar *program,
                            const gchar *expected_part)
{
  g_autofree gchar *prefix = g_strconcat (program, ": ", NULL);

  g_test_message ("stderr: %s", err);
  g_assert_true (g_str_has_prefix (err, prefix));
  g_assert_true (g_str_has_suffix (err, "\n"));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
  if (expected_part != NULL)
    g_assert_nonnull (strstr (err, expected_part));
}

/* ---- reading a child's output while the main loop runs ---- */

static void
new_session (gpointer user_data)
{
  setsid ();
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/**
 * shoal_test_spawn_reader:
 * @argv: the program and its arguments
 * @daemon: whose bus it runs on
 * @path: (nullable): its PATH, or %NULL for ours
 * @more_flags: pipes besides its stdout
 *
 * Starts @argv in a session of its own, so that everything it starts can be
 * stopped at once (shoal_test_stop_reader()).
 *
 * Returns: (transfer full): the child, its stdout a pipe
 */
GSubprocess *
shoal_test_spawn_reader (const gchar * const *argv,
                         ShoalTestDaemon     *daemon,
                         const gchar         *path,
                         GSubprocessFlags     more_flags)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  launcher = shoal_test_launcher_new (daemon->bus->address,
                                      G_SUBPROCESS_FLAGS_STDOUT_PIPE | more_flags);
  if (path != NULL)
    g_subprocess_launcher_setenv (launcher, "PATH", path, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, new_session, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return process;
}

/* Stops the session of a child of shoal_test_spawn_reader(). */
void
shoal_test_stop_reader (GSubprocess *process)
{
  const gchar *pid = g_subprocess_get_identifier (process);

  if (pid != NULL)
    kill (-(pid_t) g_ascii_strtoll (pid, NULL, 10), SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
}

/**
 * shoal_test_output_contains:
 * @user_data: a #ShoalTestOutputWatch
 *
 * A #ShoalTestCondition: reads what the child printed so far and holds once
 * it has printed @until (and @until_too), or exited. Every 300 ms it calls
 * @poke, for a reader that may still be subscribing to see something.
 */
gboolean
shoal_test_output_contains (gpointer user_data)
{
  ShoalTestOutputWatch *watch = user_data;
  GInputStream *stdout_pipe = g_subprocess_get_stdout_pipe (watch->process);
  gchar buffer[4096];
  gssize n;

  while ((n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stdout_pipe),
                                                         buffer, sizeof buffer, NULL, NULL)) > 0)
    g_string_append_len (watch->output, buffer, n);

  if (watch->poke != NULL && g_get_monotonic_time () - watch->last_poke > 300 * 1000)
    {
      watch->last_poke = g_get_monotonic_time ();
      watch->poke (watch->poke_data);
    }

  return (strstr (watch->output->str, watch->until) != NULL &&
          (watch->until_too == NULL || strstr (watch->output->str, watch->until_too) != NULL)) ||
         g_subprocess_get_identifier (watch->process) == NULL;
}

/* A #ShoalTestPoke: @daemon broadcasts "ping". */
void
shoal_test_poke_broadcast (gpointer daemon)
{
  g_auto(GStrv) recipients = NULL;

  shoal_dbus_service_call_broadcast_sync (((ShoalTestDaemon *) daemon)->service,
                                          shoal_test_bytes_variant ((const guint8 *) "ping", 4),
                                          NULL, &recipients, NULL, NULL);
}
