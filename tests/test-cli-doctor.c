/* test-cli-doctor.c: shoal doctor, with and without shoald, on either bus, with mDNS
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "test-cli.h"

/* Every line of a doctor's text is "ok: …" or "problem: … — what to do". */
static gchar **
doctor_lines (const gchar *out)
{
  gchar **lines = g_strsplit (out, "\n", -1);
  guint n = g_strv_length (lines);

  g_test_message ("shoal doctor:\n%s", out);
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpstr (lines[n - 1], ==, "");
  for (guint i = 0; i + 1 < n; i++)
    {
      if (g_str_has_prefix (lines[i], "problem: "))
        g_assert_nonnull (strstr (lines[i], " — "));
      else
        g_assert_true (g_str_has_prefix (lines[i], "ok: "));
    }
  return lines;
}

static gboolean
peer_alice_refused (gpointer user_data)
{
  Fixture *fixture = user_data;
  g_autofree gchar *out = NULL;
  g_autofree gchar *expected = g_strdup_printf ("problem: peer alice (%s) is not linked: "
                                                "connection refused: ", fixture->alice->id);

  shoal_test_run_shoal (fixture->bob->bus->address, NULL, &out, NULL, "doctor", NULL);
  return out != NULL && strstr (out, expected) != NULL;
}

void
test_doctor (Fixture       *fixture,
             gconstpointer  data)
{
  static const gchar * const checks[] = {
    "shoald", "avahi", "service", "interfaces", "identity", "peers", "port",
  };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *expected = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *array;

  g_test_summary ("shoal doctor checks in order shoald and its bus, avahi-daemon (not "
                  "reachable on a private bus, and not needed without mDNS), the "
                  "announcement, the interfaces, the node's id, the peers and the port, one "
                  "line each, “ok: …” or “problem: … — what to do”, exit 1 for the loopback "
                  "listener; --json gives the same findings as one object; a peer that stopped "
                  "is named with why it is not linked");
  if (!fixture->ready)
    return;

  g_assert_cmpint (shoal_test_run_shoal (fixture->bob->bus->address, NULL, &out, &err, "doctor",
                                         NULL), ==, 1);
  g_assert_cmpstr (err, ==, "");
  lines = doctor_lines (out);
  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (checks) + 1);
  expected = g_strdup_printf ("ok: shoald %s is running on the session bus as “bob” (id %s)",
                              PACKAGE_VERSION, fixture->bob->id);
  g_assert_cmpstr (lines[0], ==, expected);
  g_assert_true (g_str_has_prefix (lines[1], "ok: avahi-daemon cannot be reached: there is no "
                                             "system bus"));
  g_assert_nonnull (strstr (lines[1], "shoald does not use it (started with --no-avahi)"));
  g_assert_true (g_str_has_prefix (lines[2], "ok: mDNS is off in shoald"));
  g_assert_true (g_str_has_prefix (lines[3], "ok: "));
  g_assert_cmpstr (lines[4], ==, "ok: no other machine shows this node’s id");
  g_assert_cmpstr (lines[5], ==, "ok: the 1 known peer is linked");
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("problem: listening on TCP port %u on 127.0.0.1 only, which other "
                              "machines cannot reach — ", (guint) fixture->bob->port);
  g_assert_true (g_str_has_prefix (lines[6], expected));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (shoal_test_run_shoal (fixture->bob->bus->address, NULL, &out, NULL, "doctor",
                                         "--json", NULL), ==, 1);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_false (json_object_get_boolean_member (root, "ok"));
  array = json_object_get_array_member (root, "checks");
  g_assert_cmpuint (json_array_get_length (array), ==, G_N_ELEMENTS (checks));
  for (guint i = 0; i < G_N_ELEMENTS (checks); i++)
    {
      JsonObject *check = json_array_get_object_element (array, i);
      gboolean ok = json_object_get_boolean_member (check, "ok");

      g_assert_cmpstr (json_object_get_string_member (check, "check"), ==, checks[i]);
      g_assert_nonnull (json_object_get_string_member (check, "message"));
      g_assert_true (json_object_has_member (check, "advice"));
      g_assert_cmpint (json_object_get_null_member (check, "advice"), ==, ok);
      g_assert_cmpint (ok, ==, i != G_N_ELEMENTS (checks) - 1);
    }

  /* alice goes: bob dials its address in vain, and says so. */
  shoal_test_daemon_stop (fixture->alice);
  g_assert_true (shoal_test_wait_until (peer_alice_refused, fixture, SHOAL_TEST_TIMEOUT_MS));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&lines, g_strfreev);
  shoal_test_run_shoal (fixture->bob->bus->address, NULL, &out, NULL, "doctor", NULL);
  lines = doctor_lines (out);
  g_assert_nonnull (strstr (lines[5], " — nothing listens at its address"));
}

void
test_doctor_no_shoald (void)
{
  g_autoptr(ShoalTestBus) bus = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto(GStrv) lines = NULL;

  g_test_summary ("Without shoald, shoal doctor says it is not running and how to start it, "
                  "and that avahi-daemon cannot be reached without a system bus, exit 1");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;

  bus = shoal_test_bus_new ();
  g_assert_cmpint (shoal_test_run_shoal (bus->address, NULL, &out, &err, "doctor", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "");
  lines = doctor_lines (out);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[0], ==, "problem: shoald is not running, neither on the session bus nor "
                                 "on the system bus — start it with “shoald” or “systemctl "
                                 "--user start shoald”");
  g_assert_true (g_str_has_prefix (lines[1], "problem: avahi-daemon cannot be reached: there is "
                                             "no system bus"));
}

void
test_doctor_other_bus (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(ShoalTestBus) empty = NULL;
  g_autofree gchar *system = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *expected = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const gchar *env[] = { NULL, NULL };

  g_test_summary ("shoal doctor finds a shoald that runs on the system bus when none runs on "
                  "the session bus, says so and how the other commands reach it, and goes on "
                  "with its checks there");
  if (!fixture->ready)
    return;

  /* alice's bus plays the system bus; the session bus has no shoald. */
  empty = shoal_test_bus_new ();
  system = g_strdup_printf ("DBUS_SYSTEM_BUS_ADDRESS=%s", fixture->alice->bus->address);
  env[0] = system;
  g_ptr_array_add (argv, (gpointer) shoal_test_build_path ("src/cli/shoal"));
  g_ptr_array_add (argv, (gpointer) "doctor");
  g_ptr_array_add (argv, NULL);
  g_assert_cmpint (shoal_test_run ((const gchar * const *) argv->pdata, empty->address, env, NULL,
                                   &out, NULL), ==, 1);
  lines = doctor_lines (out);
  expected = g_strdup_printf ("ok: shoald %s is running on the system bus, not on the session "
                              "bus, as “alice” (id %s): the other shoal commands reach it with "
                              "--system", PACKAGE_VERSION, fixture->alice->id);
  g_assert_cmpstr (lines[0], ==, expected);
  g_assert_true (g_str_has_prefix (lines[1], "ok: avahi-daemon is not reachable: it is not on "
                                             "the system bus; shoald does not use it"));
  g_assert_cmpstr (lines[5], ==, "ok: the 1 known peer is linked");
}

void
test_doctor_mdns (void)
{
  g_autofree gchar *tmpdir = NULL;
  g_autoptr(ShoalTestDaemon) daemon = NULL;
  g_autofree gchar *out = NULL;
  g_auto(GStrv) lines = NULL;

  g_test_summary ("A shoald that uses mDNS where no avahi-daemon can be reached: shoal doctor "
                  "names avahi-daemon as the problem, says the node is not announced, and that "
                  "mDNS sees nothing, not even the node's own announcement");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;

  tmpdir = shoal_test_make_tmpdir ();
  /* main() pointed DBUS_SYSTEM_BUS_ADDRESS nowhere: nothing is announced. */
  daemon = shoal_test_daemon_start_full (shoal_test_bus_new (), "carol", tmpdir, NULL, TRUE);
  g_assert_cmpint (shoal_test_run_shoal (daemon->bus->address, NULL, &out, NULL, "doctor", NULL),
                   ==, 1);
  lines = doctor_lines (out);
  g_assert_true (g_str_has_prefix (lines[1], "problem: avahi-daemon cannot be reached: there is "
                                             "no system bus"));
  g_assert_true (g_str_has_prefix (lines[2], "problem: this node is not announced: shoald "
                                             "cannot reach avahi-daemon — "));
  g_assert_true (g_str_has_prefix (lines[4], "problem: no Shoal service is seen over mDNS, not "
                                             "even this node’s own — "));

  g_clear_pointer (&daemon, shoal_test_daemon_free);
  shoal_test_remove_tree (tmpdir);
}
