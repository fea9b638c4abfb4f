/* test-units.c: the systemd user unit and the D-Bus activation file
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The files as meson configured them into the build tree: the unit passes
 * `systemd-analyze verify`, the two agree with each other and with the
 * install prefix, and a call to org.shoal.Shoal1 on a bus that knows only
 * the activation file starts shoald.
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "shoal-test-daemon.h"

static GKeyFile *
load_built (const gchar *relative)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_key_file_load_from_file (file, shoal_test_build_path (relative), G_KEY_FILE_KEEP_COMMENTS,
                             &error);
  g_assert_no_error (error);
  return g_steal_pointer (&file);
}

/* What `meson install` puts at the start of Exec= and ExecStart=. */
static gchar *
installed_shoald (void)
{
  const gchar *bindir = g_getenv ("SHOAL_BINDIR");

  g_assert_nonnull (bindir);
  return g_build_filename (bindir, "shoald", NULL);
}

static void
assert_key (GKeyFile    *file,
            const gchar *group,
            const gchar *key,
            const gchar *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *value = g_key_file_get_string (file, group, key, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, expected);
}

static void
test_systemd_verify (void)
{
  g_autoptr(GKeyFile) unit = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *expected = NULL;
  g_autofree gchar *data = NULL;
  g_autofree gchar *tmpdir = NULL;
  g_autofree gchar *runtime = NULL;
  g_autofree gchar *copy = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *runtime_env = NULL;
  g_auto(GStrv) lines = NULL;
  const gchar *argv[] = { "systemd-analyze", "verify", "--user", "--man=no", NULL, NULL };

  g_test_summary ("The configured systemd user unit starts shoald from the install prefix, "
                  "as a Type=dbus service owning org.shoal.Shoal1, restarted on failure; "
                  "with ExecStart pointed at the built shoald, `systemd-analyze verify --user` "
                  "accepts it without a word");
  if (!shoal_test_skip_unless (shoal_test_have_program ("systemd-analyze"),
                               "systemd-analyze is not installed") ||
      !shoal_test_run_isolated ())
    return;

  unit = load_built ("data/shoald.service");
  expected = installed_shoald ();
  assert_key (unit, "Service", "ExecStart", expected);
  assert_key (unit, "Service", "Type", "dbus");
  assert_key (unit, "Service", "BusName", SHOAL_TEST_BUS_NAME);
  assert_key (unit, "Service", "Restart", "on-failure");

  /* verify checks that ExecStart is an executable: the built one, in a copy
   * under the same name (BusName and the unit's name are checked too). */
  tmpdir = shoal_test_make_tmpdir ();
  copy = g_build_filename (tmpdir, "shoald.service", NULL);
  g_key_file_set_string (unit, "Service", "ExecStart", shoal_test_build_path ("src/daemon/shoald"));
  data = g_key_file_to_data (unit, NULL, NULL);
  g_assert_true (g_file_set_contents (copy, data, -1, NULL));

  /* The user manager that verify plays keeps its runtime files there. */
  runtime = g_build_filename (tmpdir, "runtime", NULL);
  g_assert_cmpint (g_mkdir (runtime, 0700), ==, 0);
  runtime_env = g_strconcat ("XDG_RUNTIME_DIR=", runtime, NULL);
  argv[4] = copy;
  g_assert_cmpint (shoal_test_run (argv, NULL, (const gchar *[]) { runtime_env, NULL }, NULL,
                                   &out, &err), ==, 0);
  g_test_message ("systemd-analyze verify: %s%s", out, err);

  /* Warnings (an unknown key, a bad value) leave the status at 0. */
  lines = g_strsplit (err, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    g_assert_null (strstr (lines[i], "shoald.service"));
}

/* A session bus that knows org.shoal.Shoal1 only from @service_dir. */
static GSubprocess *
start_activating_bus (const gchar  *tmpdir,
                      const gchar  *service_dir,
                      gchar       **out_address)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) reader = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *config = NULL;
  g_autofree gchar *config_path = g_build_filename (tmpdir, "bus.conf", NULL);
  g_autofree gchar *socket_dir = g_build_filename (tmpdir, "socket", NULL);
  g_autofree gchar *config_dir = g_build_filename (tmpdir, "config", "shoal", NULL);
  g_autofree gchar *state_home = g_build_filename (tmpdir, "state", NULL);
  g_autofree gchar *config_home = g_build_filename (tmpdir, "config", NULL);
  g_autofree gchar *shoal_conf = g_build_filename (config_dir, "shoal.conf", NULL);
  g_autofree gchar *config_arg = NULL;

  g_assert_cmpint (g_mkdir (socket_dir, 0700), ==, 0);
  config = g_markup_printf_escaped ("<!DOCTYPE busconfig PUBLIC "
                                    "\"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" "
                                    "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                                    "<busconfig>\n"
                                    "  <type>session</type>\n"
                                    "  <listen>unix:dir=%s</listen>\n"
                                    "  <servicedir>%s</servicedir>\n"
                                    "  <policy context=\"default\">\n"
                                    "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                                    "    <allow eavesdrop=\"true\"/>\n"
                                    "    <allow own=\"*\"/>\n"
                                    "  </policy>\n"
                                    "</busconfig>\n",
                                    socket_dir, service_dir);
  g_assert_true (g_file_set_contents (config_path, config, -1, NULL));

  /* What the activated shoald finds: a config file that keeps it off mDNS
   * and on loopback, and a state directory in here. */
  g_assert_cmpint (g_mkdir_with_parents (config_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (shoal_conf, "[shoal]\navahi=false\nlisten=127.0.0.1\n",
                                      -1, NULL));

  launcher = shoal_test_launcher_new (NULL, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "XDG_STATE_HOME", state_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config_home, TRUE);
  config_arg = g_strconcat ("--config-file=", config_path, NULL);
  process = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", config_arg, "--nofork",
                                         "--print-address=1", NULL);
  g_assert_no_error (error);

  reader = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  *out_address = g_data_input_stream_read_line (reader, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*out_address);
  return g_steal_pointer (&process);
}

static gboolean
name_has_owner (GDBusConnection *connection,
                const gchar     *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &owned);
  return owned;
}

static gboolean
name_gone (gpointer user_data)
{
  return !name_has_owner (G_DBUS_CONNECTION (user_data), SHOAL_TEST_BUS_NAME);
}

static void
test_dbus_activation (void)
{
  g_autoptr(GKeyFile) activation = NULL;
  g_autoptr(GKeyFile) unit = NULL;
  g_autoptr(GSubprocess) bus = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *expected = NULL;
  g_autofree gchar *tmpdir = NULL;
  g_autofree gchar *service_dir = NULL;
  g_autofree gchar *copy = NULL;
  g_autofree gchar *data = NULL;
  g_autofree gchar *address = NULL;
  g_autofree gchar *out = NULL;
  guint32 pid = 0;
  const gchar *peers_argv[] = { shoal_test_build_path ("src/cli/shoal"), "peers", NULL };

  g_test_summary ("The configured D-Bus activation file names org.shoal.Shoal1, runs shoald "
                  "from the install prefix and hands the start to shoald.service, the unit "
                  "that owns that name; with Exec pointed at the built shoald, `shoal peers` "
                  "on a bus that knows only that file starts shoald");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed") ||
      !shoal_test_run_isolated ())
    return;

  activation = load_built ("data/org.shoal.Shoal1.service");
  unit = load_built ("data/shoald.service");
  expected = installed_shoald ();
  assert_key (activation, "D-BUS Service", "Name", SHOAL_TEST_BUS_NAME);
  assert_key (activation, "D-BUS Service", "Exec", expected);
  assert_key (activation, "D-BUS Service", "SystemdService", "shoald.service");
  assert_key (unit, "Service", "BusName", SHOAL_TEST_BUS_NAME);
  assert_key (unit, "Service", "ExecStart", expected);

  /* dbus-daemon finds a service by the Name inside, under any file name;
   * one not started by systemd runs Exec itself. */
  tmpdir = shoal_test_make_tmpdir ();
  service_dir = g_build_filename (tmpdir, "services", NULL);
  g_assert_cmpint (g_mkdir (service_dir, 0700), ==, 0);
  copy = g_build_filename (service_dir, "org.shoal.Shoal1.service", NULL);
  g_key_file_set_string (activation, "D-BUS Service", "Exec",
                         shoal_test_build_path ("src/daemon/shoald"));
  data = g_key_file_to_data (activation, NULL, NULL);
  g_assert_true (g_file_set_contents (copy, data, -1, NULL));

  bus = start_activating_bus (tmpdir, service_dir, &address);
  connection = g_dbus_connection_new_for_address_sync (address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (name_has_owner (connection, SHOAL_TEST_BUS_NAME));

  g_assert_cmpint (shoal_test_run (peers_argv, address, NULL, NULL, &out, NULL), ==, 0);
  g_assert_true (name_has_owner (connection, SHOAL_TEST_BUS_NAME));

  /* The bus's child: stopped by its pid, as systemd would. */
  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", SHOAL_TEST_BUS_NAME),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  g_assert_cmpuint (pid, >, 1);
  g_assert_cmpint (kill ((pid_t) pid, SIGTERM), ==, 0);
  g_assert_true (shoal_test_wait_until (name_gone, connection, SHOAL_TEST_TIMEOUT_MS));

  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_subprocess_send_signal (bus, SIGTERM);
  g_subprocess_wait (bus, NULL, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/units/systemd-verify", test_systemd_verify);
  g_test_add_func ("/units/dbus-activation", test_dbus_activation);

  return g_test_run ();
}
