/* test-startup.c: how shoald starts, how it refuses to, and losing its bus
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Bad options and config values, an unusable state directory, a taken port,
 * a taken bus name, a state directory another shoald uses, no bus at all,
 * and --bus none: each refusal is exit status 1 with one line on stderr.
 * A shoald whose bus dies exits 1 after saying goodbye. The trust policy
 * and the network key, from options and the config file.
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "shoal-test-bus-fixture.h"

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
  shoal_test_assert_one_line (err, "shoald", expected_part);
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
  g_autofree gchar *conf_equal_hb = g_build_filename (tmpdir, "equal-heartbeat.conf", NULL);
  g_autofree gchar *conf_bad_if = g_build_filename (tmpdir, "bad-interfaces.conf", NULL);
  g_autofree gchar *conf_bad_exclude = g_build_filename (tmpdir, "bad-exclude.conf", NULL);
  g_autofree gchar *missing = g_build_filename (tmpdir, "missing.conf", NULL);
  g_autofree gchar *out = NULL;
  const gchar *version_argv[] = { shoal_test_build_path ("src/daemon/shoald"), "--version", NULL };

  g_test_summary ("shoald refuses a bad option or config value with exit status 1 and one "
                  "line on stderr, before touching the bus (a heartbeat timeout no longer than "
                  "its interval included, equal too, and an interface name Linux would not "
                  "allow); --version prints the version");

  g_assert_true (g_file_set_contents (conf_bad_port, "[shoal]\nport=lots\n", -1, NULL));
  g_assert_true (g_file_set_contents (conf_bad_key, "[shoal]\nprot=4242\n", -1, NULL));
  g_assert_true (g_file_set_contents (conf_bad_bool, "[shoal]\navahi=maybe\n", -1, NULL));
  g_assert_true (g_file_set_contents (conf_bad_hb,
                                      "[shoal]\nheartbeat-interval=500\nheartbeat-timeout=400\n",
                                      -1, NULL));
  /* A timeout equal to the interval would declare a peer lost as its
   * heartbeat is due: it must be longer. */
  g_assert_true (g_file_set_contents (conf_equal_hb,
                                      "[shoal]\nheartbeat-interval=500\nheartbeat-timeout=500\n",
                                      -1, NULL));

  g_assert_true (g_file_set_contents (conf_bad_if, "[shoal]\ninterfaces=eth0;eth0/1\n", -1,
                                      NULL));
  g_assert_true (g_file_set_contents (conf_bad_exclude,
                                      "[shoal]\nexclude-interfaces=much-too-long-a-name\n", -1,
                                      NULL));

  assert_refuses (NULL, (const gchar *[]) { "--no-such-option", NULL }, "no-such-option");
  assert_refuses (NULL, (const gchar *[]) { "--config", conf_bad_if, "--state-dir", state, NULL },
                  "Invalid interface name “eth0/1”");
  assert_refuses (NULL, (const gchar *[]) { "--config", conf_bad_exclude, "--state-dir", state,
                                            NULL }, "“much-too-long-a-name”");
  assert_refuses (NULL, (const gchar *[]) { "--interface", "eth 0", "--state-dir", state, NULL },
                  "“eth 0”");
  assert_refuses (NULL, (const gchar *[]) { "--exclude-interface", "", "--state-dir", state,
                                            NULL }, "Invalid interface name");
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
  assert_refuses (NULL, (const gchar *[]) { "--config", conf_equal_hb, NULL },
                  "timeout (500 ms) must be longer than the interval (500 ms)");

  g_assert_cmpint (shoal_test_run (version_argv, NULL, NULL, NULL, &out, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "shoald " PACKAGE_VERSION "\n");
  shoal_test_remove_tree (tmpdir);
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
  shoal_test_remove_tree (tmpdir);
}

static void
test_state_dir_in_use (void)
{
  g_autoptr(ShoalTestDaemon) first = NULL;
  g_autoptr(ShoalTestBus) bus = NULL;
  g_autofree gchar *tmpdir = NULL;
  g_autofree gchar *id = NULL;

  g_test_summary ("A second shoald on the state directory of a running one, on another bus, "
                  "exits 1 with one line on stderr naming the directory; "
                  "once the first has stopped, it starts with the same id");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed") ||
      !shoal_test_run_isolated ())
    return;

  tmpdir = shoal_test_make_tmpdir ();
  first = shoal_test_daemon_start ("node", tmpdir, NULL);
  id = g_strdup (first->id);

  bus = shoal_test_bus_new ();
  assert_refuses (bus->address, (const gchar *[]) { "--no-avahi", "--listen", "127.0.0.1",
                                                    "--state-dir", first->state_dir, NULL },
                  first->state_dir);
  g_clear_pointer (&bus, shoal_test_bus_free);

  shoal_test_daemon_stop (first);
  g_clear_pointer (&first, shoal_test_daemon_free);
  first = shoal_test_daemon_start ("node", tmpdir, NULL);
  g_assert_cmpstr (first->id, ==, id);
  shoal_test_daemon_stop (first);
  shoal_test_remove_tree (tmpdir);
}

typedef struct {
  ShoalTestRecorder *recorder;  /* PeerDisconnected */
  const gchar       *peer_id;
} Departure;

/* Why @peer_id left, as its first PeerDisconnected said, or %NULL before it did. */
static const gchar *
departure_reason (Departure *departure)
{
  for (guint i = 0; i < departure->recorder->signals->len; i++)
    {
      ShoalTestSignal *signal = g_ptr_array_index (departure->recorder->signals, i);
      const gchar *id = NULL, *reason = NULL;

      g_variant_get (signal->parameters, "(&s&s)", &id, &reason);
      if (g_strcmp0 (id, departure->peer_id) == 0)
        return reason;
    }
  return NULL;
}

static gboolean
departed (gpointer user_data)
{
  return departure_reason (user_data) != NULL;
}

static gboolean
exited (gpointer user_data)
{
  return g_subprocess_get_identifier (G_SUBPROCESS (user_data)) == NULL;
}

static void
test_bus_lost (void)
{
  g_autoptr(ShoalTestDaemon) alice = NULL;
  g_autoptr(ShoalTestDaemon) bob = NULL;
  g_autoptr(ShoalTestRecorder) departures = NULL;
  g_autofree gchar *tmpdir = NULL;
  Departure departure;

  g_test_summary ("When its bus goes away, shoald says goodbye to its peers (they see it "
                  "leave with the reason \"shutdown\") and exits with status 1 within a few "
                  "seconds, so that systemd's Restart=on-failure brings it back");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed") ||
      !shoal_test_run_isolated ())
    return;

  tmpdir = shoal_test_make_tmpdir ();
  alice = shoal_test_daemon_start ("alice", tmpdir, NULL);
  bob = shoal_test_daemon_start_linked ("bob", tmpdir, alice, NULL, NULL);
  shoal_test_connect_pair (alice, bob);

  departures = shoal_test_recorder_new (bob->bus->connection, SHOAL_TEST_BUS_NAME,
                                        "org.shoal.Shoal1", "PeerDisconnected",
                                        SHOAL_TEST_OBJECT_PATH);
  departure = (Departure) { departures, alice->id };

  /* alice's bus dies; alice herself is not told anything. */
  g_subprocess_send_signal (alice->bus->process, SIGKILL);
  g_subprocess_wait (alice->bus->process, NULL, NULL);

  g_assert_true (shoal_test_wait_until (exited, alice->process, 5000));
  g_subprocess_wait (alice->process, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (alice->process));
  g_assert_cmpint (g_subprocess_get_exit_status (alice->process), ==, 1);
  g_clear_object (&alice->process);

  g_assert_true (shoal_test_wait_until (departed, &departure, SHOAL_TEST_TIMEOUT_MS));
  g_assert_cmpstr (departure_reason (&departure), ==, "shutdown");

  g_clear_pointer (&departures, shoal_test_recorder_free);
  shoal_test_daemon_stop (bob);
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
  shoal_test_remove_tree (tmpdir);
}

#define TEST_KEY "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static gchar *
write_file (const gchar *dir,
            const gchar *name,
            const gchar *contents,
            gint         mode)
{
  gchar *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static void
test_trust_refusals (void)
{
  g_autofree gchar *tmpdir = shoal_test_make_tmpdir ();
  g_autofree gchar *state = g_build_filename (tmpdir, "state", NULL);
  g_autofree gchar *key = write_file (tmpdir, "network.key", TEST_KEY "\n", 0600);
  g_autofree gchar *open_key = write_file (tmpdir, "open.key", TEST_KEY "\n", 0644);
  g_autofree gchar *group_key = write_file (tmpdir, "group.key", TEST_KEY "\n", 0620);
  g_autofree gchar *short_key = write_file (tmpdir, "short.key", "0011223344\n", 0600);
  g_autofree gchar *missing_key = g_build_filename (tmpdir, "missing.key", NULL);
  g_autofree gchar *conf_policy = write_file (tmpdir, "policy.conf",
                                              "[shoal]\ntrust-policy=maybe\n", 0644);
  g_autofree gchar *conf_key = write_file (tmpdir, "key.conf",
                                           "[shoal]\ntrust-policy=network-key\n"
                                           "network-key=secret-not-hex\n", 0600);
  g_autofree gchar *conf_both = NULL;
  g_autofree gchar *conf_no_key = write_file (tmpdir, "no-key.conf",
                                              "[shoal]\ntrust-policy=network-key\n", 0644);
  g_autofree gchar *both = NULL;

  g_test_summary ("shoald refuses, with exit status 1 and one line on stderr, an unknown "
                  "trust policy, the network-key policy without a key, a key without that "
                  "policy, a key file that group or others may access, that is missing or "
                  "that holds no key, and a config file that sets both network-key and "
                  "network-key-file; a bad key is not repeated");

  both = g_strdup_printf ("[shoal]\ntrust-policy=network-key\nnetwork-key=%s\n"
                          "network-key-file=%s\n", TEST_KEY, key);
  conf_both = write_file (tmpdir, "both.conf", both, 0600);

  assert_refuses (NULL, (const gchar *[]) { "--trust-policy", "bogus", NULL }, "bogus");
  assert_refuses (NULL, (const gchar *[]) { "--trust-policy", "network-key", "--no-avahi",
                                            "--state-dir", state, NULL },
                  "network key");
  assert_refuses (NULL, (const gchar *[]) { "--network-key-file", key, NULL }, "network-key");
  assert_refuses (NULL, (const gchar *[]) { "--trust-policy", "allow-list",
                                            "--network-key-file", key, NULL }, "network-key");
  assert_refuses (NULL, (const gchar *[]) { "--trust-policy", "network-key",
                                            "--network-key-file", open_key, NULL },
                  "chmod 600");
  assert_refuses (NULL, (const gchar *[]) { "--trust-policy", "network-key",
                                            "--network-key-file", group_key, NULL },
                  "0620");
  assert_refuses (NULL, (const gchar *[]) { "--trust-policy", "network-key",
                                            "--network-key-file", short_key, NULL },
                  "short.key");
  assert_refuses (NULL, (const gchar *[]) { "--trust-policy", "network-key",
                                            "--network-key-file", missing_key, NULL },
                  "missing.key");
  assert_refuses (NULL, (const gchar *[]) { "--config", conf_policy, NULL }, "maybe");
  assert_refuses (NULL, (const gchar *[]) { "--config", conf_no_key, NULL }, "network key");
  assert_refuses (NULL, (const gchar *[]) { "--config", conf_both, NULL }, "not both");

  /* The secret stays out of the message. */
  {
    const gchar *argv[] = { shoal_test_build_path ("src/daemon/shoald"), "--config", conf_key, NULL };
    g_autofree gchar *err = NULL;

    g_assert_cmpint (shoal_test_run (argv, NULL, NULL, NULL, NULL, &err), ==, 1);
    shoal_test_assert_one_line (err, "shoald", "network-key");
    g_assert_null (strstr (err, "secret-not-hex"));
  }

  shoal_test_remove_tree (tmpdir);
}

static void
test_trust_starts (void)
{
  g_autofree gchar *tmpdir = NULL;
  g_autofree gchar *key = NULL;
  g_autofree gchar *conf = NULL;
  g_autofree gchar *conf_text = NULL;
  g_autofree gchar *conf_inline = NULL;
  g_autoptr(ShoalTestDaemon) daemon = NULL;

  g_test_summary ("shoald starts with --trust-policy network-key and a private key file "
                  "written by `shoal key generate`, with trust-policy and network-key-file or "
                  "network-key from the config file, and --trust-policy over the config "
                  "file's; TrustPolicy says which");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;

  tmpdir = shoal_test_make_tmpdir ();
  /* As the README says to make one. */
  {
    const gchar *argv[] = { shoal_test_build_path ("src/cli/shoal"), "key", "generate", NULL };
    g_autofree gchar *generated = NULL;

    g_assert_cmpint (shoal_test_run (argv, NULL, NULL, NULL, &generated, NULL), ==, 0);
    key = write_file (tmpdir, "network.key", generated, 0600);
  }

  daemon = shoal_test_daemon_start ("by-option", tmpdir,
                                    (const gchar *[]) { "--trust-policy", "network-key",
                                                        "--network-key-file", key, NULL });
  g_assert_cmpstr (shoal_dbus_service_get_trust_policy (daemon->service), ==, "network-key");
  shoal_test_daemon_stop (daemon);
  g_clear_pointer (&daemon, shoal_test_daemon_free);

  conf_text = g_strdup_printf ("[shoal]\ntrust-policy = network-key\nnetwork-key-file=%s\n", key);
  conf = write_file (tmpdir, "shoal.conf", conf_text, 0644);
  daemon = shoal_test_daemon_start ("by-config", tmpdir,
                                    (const gchar *[]) { "--config", conf, NULL });
  g_assert_cmpstr (shoal_dbus_service_get_trust_policy (daemon->service), ==, "network-key");
  shoal_test_daemon_stop (daemon);
  g_clear_pointer (&daemon, shoal_test_daemon_free);

  conf_inline = write_file (tmpdir, "inline.conf",
                            "[shoal]\ntrust-policy=network-key\nnetwork-key=" TEST_KEY "\n", 0600);
  daemon = shoal_test_daemon_start ("inline", tmpdir,
                                    (const gchar *[]) { "--config", conf_inline, NULL });
  g_assert_cmpstr (shoal_dbus_service_get_trust_policy (daemon->service), ==, "network-key");
  shoal_test_daemon_stop (daemon);
  g_clear_pointer (&daemon, shoal_test_daemon_free);

  /* The option wins; the key file then belongs to a policy that needs none,
   * which is refused, so the config here sets only the policy. */
  g_clear_pointer (&conf, g_free);
  conf = write_file (tmpdir, "allow.conf", "[shoal]\ntrust-policy=allow-list\n", 0644);
  daemon = shoal_test_daemon_start ("overridden", tmpdir,
                                    (const gchar *[]) { "--config", conf,
                                                        "--trust-policy", "open", NULL });
  g_assert_cmpstr (shoal_dbus_service_get_trust_policy (daemon->service), ==, "open");
  shoal_test_daemon_stop (daemon);
  g_clear_pointer (&daemon, shoal_test_daemon_free);

  daemon = shoal_test_daemon_start ("allow", tmpdir, (const gchar *[]) { "--config", conf, NULL });
  g_assert_cmpstr (shoal_dbus_service_get_trust_policy (daemon->service), ==, "allow-list");
  shoal_test_daemon_stop (daemon);

  shoal_test_remove_tree (tmpdir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/startup/bad-options", test_startup_bad_options);
  g_test_add_func ("/startup/failures", test_startup_failures);
  g_test_add_func ("/startup/state-dir-in-use", test_state_dir_in_use);
  g_test_add_func ("/startup/bus-lost", test_bus_lost);
  g_test_add_func ("/startup/bus-none", test_bus_none);
  g_test_add_func ("/startup/trust-refusals", test_trust_refusals);
  g_test_add_func ("/startup/trust-starts", test_trust_starts);

  return g_test_run ();
}
