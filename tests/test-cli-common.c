/* test-cli-common.c: the fixture, running shoal, and reading a child's output as it comes
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>

#include "shoal-test-daemon.h"
#include "test-cli.h"

static void
on_bob_message (GDBusConnection *connection,
                const gchar     *sender,
                const gchar     *path,
                const gchar     *interface,
                const gchar     *member,
                GVariant        *parameters,
                gpointer         user_data)
{
  Fixture *fixture = user_data;

  g_ptr_array_add (fixture->received, g_variant_ref (parameters));
}

void
cli_setup (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree gchar *peer = NULL;
  /* A short delivery timeout, for /cli/send-wait to see a failure. */
  const gchar *args[] = { "--peer", NULL, "--delivery-timeout", "1", NULL };

  fixture->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;

  fixture->tmpdir = shoal_test_make_tmpdir ();
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
  peer = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  args[1] = peer;
  fixture->bob = shoal_test_daemon_start ("bob", fixture->tmpdir, args);
  shoal_test_connect_pair (fixture->alice, fixture->bob);

  fixture->subscription =
    g_dbus_connection_signal_subscribe (fixture->bob->bus->connection, SHOAL_TEST_BUS_NAME,
                                        "org.shoal.Shoal1", "MessageReceived",
                                        SHOAL_TEST_OBJECT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_bob_message, fixture, NULL);
  fixture->ready = TRUE;
}

/* alice alone, under the allow-list policy; the test starts bob. */
void
cli_setup_allow_list (Fixture       *fixture,
                      gconstpointer  data)
{
  const gchar *args[] = { "--trust-policy", "allow-list", NULL };

  fixture->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;

  fixture->tmpdir = shoal_test_make_tmpdir ();
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, args);
  fixture->ready = TRUE;
}

void
cli_teardown (Fixture       *fixture,
              gconstpointer  data)
{
  if (fixture->subscription != 0)
    g_dbus_connection_signal_unsubscribe (fixture->bob->bus->connection, fixture->subscription);
  g_clear_pointer (&fixture->bob, shoal_test_daemon_free);
  g_clear_pointer (&fixture->alice, shoal_test_daemon_free);
  if (fixture->tmpdir != NULL)
    {
      shoal_test_remove_tree (fixture->tmpdir);
      g_clear_pointer (&fixture->tmpdir, g_free);
    }
  g_clear_pointer (&fixture->received, g_ptr_array_unref);
}

/* Runs `shoal ARGS…` on @bus_address. */
gint
cli_run_shoal (const gchar  *bus_address,
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

void
cli_assert_one_line (const gchar *err,
                     const gchar *expected_part)
{
  g_test_message ("stderr: %s", err);
  g_assert_true (g_str_has_prefix (err, "shoal: "));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
  if (expected_part != NULL)
    g_assert_nonnull (strstr (err, expected_part));
}

gboolean
cli_received_at_least (gpointer user_data)
{
  ReceivedWait *wait = user_data;

  return wait->fixture->received->len >= wait->count;
}

/* ---- reading a child's output while the main loop runs ---- */

typedef struct {
  GSubprocess     *process;
  GInputStream    *stdout_pipe;
  GString         *output;
  const gchar     *until;
  ShoalTestDaemon *sender;
  gint64           last_broadcast;
} Watch;

static gboolean
output_contains (gpointer user_data)
{
  Watch *watch = user_data;
  gchar buffer[4096];
  gssize n;

  while ((n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (watch->stdout_pipe),
                                                         buffer, sizeof buffer, NULL, NULL)) > 0)
    g_string_append_len (watch->output, buffer, n);

  /* Keep sending until the receiver, which may still be subscribing, prints it. */
  if (watch->sender != NULL && g_get_monotonic_time () - watch->last_broadcast > 300 * 1000)
    {
      g_auto(GStrv) recipients = NULL;

      watch->last_broadcast = g_get_monotonic_time ();
      shoal_dbus_service_call_broadcast_sync (watch->sender->service,
                                              g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE,
                                                                         "ping", 4, 1),
                                              NULL, &recipients, NULL, NULL);
    }

  return strstr (watch->output->str, watch->until) != NULL ||
         g_subprocess_get_identifier (watch->process) == NULL;
}

static void
new_session (gpointer user_data)
{
  setsid ();
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Starts @argv on @daemon's bus in a session of its own, so that everything it
 * starts can be stopped at once. */
GSubprocess *
cli_spawn_reader (const gchar * const *argv,
                  ShoalTestDaemon     *daemon,
                  const gchar         *path)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  launcher = shoal_test_launcher_new (daemon->bus->address,
                                      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE);
  if (path != NULL)
    g_subprocess_launcher_setenv (launcher, "PATH", path, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, new_session, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return process;
}

void
cli_stop_reader (GSubprocess *process)
{
  const gchar *pid = g_subprocess_get_identifier (process);

  if (pid != NULL)
    kill (-(pid_t) g_ascii_strtoll (pid, NULL, 10), SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
}

/* Runs @argv on bob's bus while alice broadcasts, until its output has alice's id. */
gchar *
cli_receive_with (Fixture             *fixture,
                  const gchar * const *argv,
                  const gchar         *path)
{
  g_autoptr(GSubprocess) process = cli_spawn_reader (argv, fixture->bob, path);
  Watch watch = { process, g_subprocess_get_stdout_pipe (process), g_string_new (NULL),
                  fixture->alice->id, fixture->alice, 0 };
  gboolean found;

  shoal_test_wait_until (output_contains, &watch, SHOAL_TEST_TIMEOUT_MS);
  found = strstr (watch.output->str, fixture->alice->id) != NULL;
  cli_stop_reader (process);
  g_test_message ("output: %s", watch.output->str);
  g_assert_true (found);
  return g_string_free (watch.output, FALSE);
}

gchar *
cli_read_until (GSubprocess *process,
                const gchar *until)
{
  Watch watch = { process, g_subprocess_get_stdout_pipe (process), g_string_new (NULL),
                  until, NULL, 0 };

  shoal_test_wait_until (output_contains, &watch, SHOAL_TEST_TIMEOUT_MS);
  g_test_message ("output: %s", watch.output->str);
  return g_string_free (watch.output, FALSE);
}
