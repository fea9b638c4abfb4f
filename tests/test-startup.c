/* test-startup.c: how shoald starts, and how it refuses to
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Bad options and config values, an unusable state directory, a taken port,
 * a taken bus name, no bus at all, and --bus none: each refusal is exit
 * status 1 with one line on stderr.
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include "shoal-test-daemon.h"

static void
assert_one_line_error (const gchar *err,
                       const gchar *expected_part)
{
  g_test_message ("stderr: %s", err);
  g_assert_true (g_str_has_prefix (err, "shoald: "));
  g_assert_true (g_str_has_suffix (err, "\n"));
  /* Exactly one line: the only newline is the last character. */
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
  if (expected_part != NULL)
    g_assert_nonnull (strstr (err, expected_part));
}

/* Runs shoald with @args and checks it refuses: exit 1, one line on stderr. */
static void
assert_refuses (const gchar         *bus_address,
                const gchar * const *args,
                const gchar         *expected_part)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gsize i;

  g_ptr_array_add (argv, (gpointer) shoal_test_build_path ("src/daemon/shoald"));
  for (i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_assert_cmpint (shoal_test_run ((const gchar * const *) argv->pdata, bus_address, NULL, NULL,
                                   &out, &err), ==, 1);
  assert_one_line_error (err, expected_part);
  g_assert_cmpstr (out, ==, "");
}

static void
test_startup_bad_options (void)
{
  g_autofree gchar *tmpdir = shoal_test_make_tmpdir ();
  g_autofree gchar *state = g_build_filename (tmpdir, "state", NULL);
  g_autofree gchar *conf_bad_port = g_build_filename (tmpdir, "bad-port.conf", NULL);
  g_autofree gchar *conf_bad_key = g_build_filename (tmpdir, "bad-key.conf", NULL);
  g_autofree gchar *conf_bad_bool = g_build_filename (tmpdir, "bad-bool.conf", NULL);
  g_autofree gchar *conf_bad_hb = g_build_filename (tmpdir, "bad-heartbeat.conf", NULL);
  g_autofree gchar *missing = g_build_filename (tmpdir, "missing.conf", NULL);
  g_autofree gchar *out = NULL;
  const gchar *version_argv[] = { shoal_test_build_path ("src/daemon/shoald"), "--version", NULL };

  g_test_summary ("shoald refuses a bad option or config value with exit status 1 and one "
                  "line on stderr, before touching the bus; --version prints the version");

  g_assert_true (g_file_set_contents (conf_bad_port, "[shoal]\nport=lots\n", -1, NULL));
  g_assert_true (g_file_set_contents (conf_bad_key, "[shoal]\nprot=4242\n", -1, NULL));
  g_assert_true (g_file_set_contents (conf_bad_bool, "[shoal]\navahi=maybe\n", -1, NULL));
  g_assert_true (g_file_set_contents (conf_bad_hb,
                                      "[shoal]\nheartbeat-interval=500\nheartbeat-timeout=400\n",
                                      -1, NULL));

  assert_refuses (NULL, (const gchar *[]) { "--no-such-option", NULL }, "no-such-option");
  assert_refuses (NULL, (const gchar *[]) { "--port", "70000", NULL }, "70000");
  assert_refuses (NULL, (const gchar *[]) { "--listen", "not-an-address", NULL }, "not-an-address");
  assert_refuses (NULL, (const gchar *[]) { "--port", "-1", NULL }, "-1");
  assert_refuses (NULL, (const gchar *[]) { "--bus", "tram", NULL }, "tram");
  assert_refuses (NULL, (const gchar *[]) { "--name", "", NULL }, NULL);
  assert_refuses (NULL, (const gchar *[]) { "--peer", "no-port-here", "--state-dir", state,
                                            NULL }, NULL);
  assert_refuses (NULL, (const gchar *[]) { "stray-argument", NULL }, NULL);
  assert_refuses (NULL, (const gchar *[]) { "--config", missing, NULL }, "missing.conf");
  assert_refuses (NULL, (const gchar *[]) { "--config", conf_bad_port, NULL }, "lots");
  assert_refuses (NULL, (const gchar *[]) { "--config", conf_bad_key, NULL }, "prot");
  assert_refuses (NULL, (const gchar *[]) { "--config", conf_bad_bool, NULL }, "maybe");
  assert_refuses (NULL, (const gchar *[]) { "--config", conf_bad_hb, NULL }, "400");

  g_assert_cmpint (shoal_test_run (version_argv, NULL, NULL, NULL, &out, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "shoald " PACKAGE_VERSION "\n");
}

static void
test_startup_failures (void)
{
  g_autoptr(ShoalTestBus) bus = NULL;
  g_autoptr(GSocketListener) listener = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree gchar *tmpdir = NULL;
  g_autofree gchar *state = NULL;
  g_autofree gchar *file = NULL;
  g_autofree gchar *under_file = NULL;
  g_autofree gchar *port_text = NULL;
  guint16 port;
  guint32 result = 0;

  g_test_summary ("shoald exits 1 with one line on stderr when its state directory is "
                  "unusable, its port is taken, or another process owns org.shoal.Shoal1");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;

  tmpdir = shoal_test_make_tmpdir ();
  state = g_build_filename (tmpdir, "state", NULL);
  file = g_build_filename (tmpdir, "a-file", NULL);
  under_file = g_build_filename (file, "state", NULL);
  g_assert_true (g_file_set_contents (file, "not a directory", -1, NULL));
  bus = shoal_test_bus_new ();

  /* A state directory inside a regular file cannot be created, even by root. */
  assert_refuses (bus->address, (const gchar *[]) { "--no-avahi", "--state-dir", under_file, NULL },
                  NULL);

  listener = g_socket_listener_new ();
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  port_text = g_strdup_printf ("%u", (guint) port);
  assert_refuses (bus->address, (const gchar *[]) { "--no-avahi", "--state-dir", state,
                                                    "--port", port_text, NULL },
                  port_text);
  g_socket_listener_close (listener);

  reply = g_dbus_connection_call_sync (bus->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "RequestName",
                                       g_variant_new ("(su)", SHOAL_TEST_BUS_NAME, 4 /* DO_NOT_QUEUE */),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1 /* PRIMARY_OWNER */);
  assert_refuses (bus->address, (const gchar *[]) { "--no-avahi", "--state-dir", state, NULL },
                  SHOAL_TEST_BUS_NAME);

  /* No session bus at all. */
  assert_refuses ("unix:path=/nonexistent/bus", (const gchar *[]) { "--no-avahi", "--state-dir",
                                                                    state, NULL },
                  "bus");
}

static gboolean
alive_for_a_while (gpointer user_data)
{
  return g_subprocess_get_identifier (G_SUBPROCESS (user_data)) == NULL;
}

static void
test_bus_none (void)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *tmpdir = shoal_test_make_tmpdir ();
  g_autofree gchar *state = g_build_filename (tmpdir, "state", NULL);
  g_autofree gchar *err = NULL;
  g_autoptr(GBytes) err_bytes = NULL;

  g_test_summary ("--bus none runs the node without any D-Bus connection and stops with "
                  "exit status 0 on SIGTERM");

  launcher = shoal_test_launcher_new (NULL, G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawn (launcher, &error,
                                         shoal_test_build_path ("src/daemon/shoald"),
                                         "--bus", "none", "--no-avahi", "--state-dir", state,
                                         "--name", "solo", NULL);
  g_assert_no_error (error);

  /* Still running after a second without a bus. */
  g_assert_false (shoal_test_wait_until (alive_for_a_while, process, 1000));

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_communicate (process, NULL, NULL, NULL, &err_bytes, &error);
  g_assert_no_error (error);
  err = g_strndup (g_bytes_get_data (err_bytes, NULL), g_bytes_get_size (err_bytes));
  g_test_message ("stderr: %s", err);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_assert_nonnull (strstr (err, "listening on port"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/startup/bad-options", test_startup_bad_options);
  g_test_add_func ("/startup/failures", test_startup_failures);
  g_test_add_func ("/startup/bus-none", test_bus_none);

  return g_test_run ();
}
