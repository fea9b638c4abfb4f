/* test-cli-trust.c: shoal trust and untrust, a peer's previous id, a pending peer
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "test-cli.h"

typedef struct {
  ShoalTestDaemon *daemon;
  const gchar     *peer_id;
  gboolean         connected;
} SeesWait;

static gboolean
sees_is (gpointer user_data)
{
  SeesWait *wait = user_data;

  return shoal_test_daemon_sees_connected (wait->daemon, wait->peer_id) == wait->connected;
}

void
test_trust (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *expected = NULL;
  const gchar *address;
  SeesWait wait;

  g_test_summary ("shoal trust and untrust take a peer by name or id, say which peer they "
                  "decided on, and shoal peers shows the decision; an untrusted peer is cut "
                  "off, and trusting it again by id lets it back; an unknown name is an error");
  if (!fixture->ready)
    return;
  address = fixture->alice->bus->address;

  g_assert_cmpint (shoal_test_run_shoal (address, NULL, &out, &err, "trust", "bob", NULL), ==, 0);
  expected = g_strdup_printf ("Trusted bob (%s)\n", fixture->bob->id);
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);

  /* PropertiesChanged reaches `shoal peers` through the ObjectManager. */
  g_assert_cmpint (shoal_test_run_shoal (address, NULL, &out, NULL, "peers", NULL), ==, 0);
  g_assert_nonnull (strstr (out, " yes "));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (shoal_test_run_shoal (address, NULL, &out, NULL, "untrust", "bob", NULL), ==, 0);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("Untrusted bob (%s): ", fixture->bob->id);
  g_assert_true (g_str_has_prefix (out, expected));
  g_clear_pointer (&out, g_free);
  wait = (SeesWait) { fixture->alice, fixture->bob->id, FALSE };
  g_assert_true (shoal_test_wait_until (sees_is, &wait, SHOAL_TEST_TIMEOUT_MS));

  /* By id: alice may have forgotten bob's name with his link. */
  g_assert_cmpint (shoal_test_run_shoal (address, NULL, &out, NULL, "trust",
                                         fixture->bob->id, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "Trusted "));
  g_assert_nonnull (strstr (out, fixture->bob->id));
  shoal_test_connect_pair (fixture->alice, fixture->bob);

  g_clear_pointer (&err, g_free);
  g_assert_cmpint (shoal_test_run_shoal (address, NULL, NULL, &err, "trust", "carol", NULL), ==, 1);
  shoal_test_assert_one_line (err, "shoal", "carol");
}

void
test_previous_id (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree gchar *old_id = g_strdup (fixture->bob ? fixture->bob->id : "");
  g_autofree gchar *peer = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *expected = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const gchar *args[] = { "--peer", NULL, NULL };
  JsonObject *object;

  g_test_summary ("When bob comes back with a new key (a new state directory), shoal peers "
                  "notes that his name belonged to his old id, and --json gives previous-id");
  if (!fixture->ready)
    return;

  /* bob's recorder goes with his bus. */
  g_clear_pointer (&fixture->received, shoal_test_recorder_free);
  shoal_test_daemon_stop (fixture->bob);
  shoal_test_remove_tree (fixture->bob->state_dir);
  g_clear_pointer (&fixture->bob, shoal_test_daemon_free);

  peer = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  args[1] = peer;
  fixture->bob = shoal_test_daemon_start ("bob", fixture->tmpdir, args);
  shoal_test_connect_pair (fixture->alice, fixture->bob);

  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, &out, NULL, "peers",
                                         NULL), ==, 0);
  expected = g_strdup_printf ("Note: bob (%s) uses a name this node knew from peer %s: ",
                              fixture->bob->id, old_id);
  g_assert_nonnull (strstr (out, expected));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, &out, NULL, "peers",
                                         "--json", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  object = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, fixture->bob->id);
  g_assert_cmpstr (json_object_get_string_member (object, "previous-id"), ==, old_id);
}

/* ---- a pending peer ---- */

static GDBusMessage *
count_calls_filter (GDBusConnection *connection,
                    GDBusMessage    *message,
                    gboolean         incoming,
                    gpointer         user_data)
{
  gint *calls = user_data;

  /* Monitored calls are copies: answering one would get a monitor thrown
   * off the bus, so they stop here. */
  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    {
      g_atomic_int_inc (calls);
      g_object_unref (message);
      return NULL;
    }
  return message;
}

/* A connection to @bus_address that counts the ListPeers calls anyone makes
 * there (org.freedesktop.DBus.Monitoring): `shoal monitor` makes one once it
 * listens to every signal, so the test knows when to make one happen. */
static GDBusConnection *
count_list_peers_calls (const gchar *bus_address,
                        gint        *calls)
{
  const gchar *rules[] = { "type='method_call',interface='org.shoal.Shoal1',member='ListPeers'", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (bus_address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_add_filter (connection, count_calls_filter, calls, NULL);
  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus.Monitoring", "BecomeMonitor",
                                       g_variant_new ("(^asu)", rules, 0), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

static gboolean
calls_reached (gpointer user_data)
{
  return g_atomic_int_get ((gint *) user_data) >= 2;
}

void
test_pending (Fixture       *fixture,
              gconstpointer  data)
{
  const gchar *json_argv[] = { shoal_test_build_path ("src/cli/shoal"), "monitor", "--json", NULL };
  const gchar *text_argv[] = { shoal_test_build_path ("src/cli/shoal"), "monitor", NULL };
  g_autoptr(GDBusConnection) monitoring = NULL;
  g_autoptr(GSubprocess) json_monitor = NULL;
  g_autoptr(GSubprocess) text_monitor = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *json = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *expected = NULL;
  g_autofree gchar *peer = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto(GStrv) lines = NULL;
  const gchar *args[] = { "--peer", NULL, NULL };
  const gchar *address;
  const gchar *code;
  JsonObject *event;
  gint calls = 0;

  g_test_summary ("Under the allow-list policy, shoal monitor prints a peer asking to join "
                  "with its verification code (text and --json), shoal peers shows it pending "
                  "with the same code, shoal send to it fails saying it waits to be trusted, "
                  "shoal doctor names it with its code and what to do, and shoal trust links "
                  "it up");
  if (!fixture->ready)
    return;
  address = fixture->alice->bus->address;

  monitoring = count_list_peers_calls (address, &calls);
  json_monitor = shoal_test_spawn_reader (json_argv, fixture->alice, NULL,
                                          G_SUBPROCESS_FLAGS_STDIN_PIPE);
  text_monitor = shoal_test_spawn_reader (text_argv, fixture->alice, NULL,
                                          G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_assert_true (shoal_test_wait_until (calls_reached, &calls, SHOAL_TEST_TIMEOUT_MS));

  peer = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  args[1] = peer;
  fixture->bob = shoal_test_daemon_start ("bob", fixture->tmpdir, args);

  json = cli_read_until (json_monitor, "\n");
  text = cli_read_until (text_monitor, "\n");
  shoal_test_stop_reader (json_monitor);
  shoal_test_stop_reader (text_monitor);

  lines = g_strsplit (json, "\n", -1);
  g_assert_true (json_parser_load_from_data (parser, lines[0], -1, &error));
  g_assert_no_error (error);
  event = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "peer-pending");
  g_assert_cmpstr (json_object_get_string_member (event, "id"), ==, fixture->bob->id);
  g_assert_cmpstr (json_object_get_string_member (event, "name"), ==, "bob");
  code = json_object_get_string_member (event, "verification-code");
  g_assert_cmpuint (strlen (code), ==, 6);
  g_assert_cmpuint (strspn (code, "0123456789"), ==, 6);

  expected = g_strdup_printf ("bob (%s) asks to join, verification code %s; if the other "
                              "machine shows the same code: shoal trust %s\n",
                              fixture->bob->id, code, fixture->bob->id);
  g_assert_cmpstr (text, ==, expected);

  g_assert_cmpint (shoal_test_run_shoal (address, NULL, &out, NULL, "peers", NULL), ==, 0);
  g_assert_nonnull (strstr (out, " pending "));
  g_assert_nonnull (strstr (out, code));
  g_assert_nonnull (strstr (out, " no "));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (shoal_test_run_shoal (address, NULL, NULL, &err, "send", "bob", "x", NULL),
                   ==, 1);
  shoal_test_assert_one_line (err, "shoal", "waits to be trusted");

  /* shoal doctor names it, with its code and what to do. */
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("problem: peer bob (%s) asks to join and waits for a decision here "
                              "(verification code %s) — compare the code with the one that "
                              "machine shows, then “shoal trust %s” (or “shoal untrust %s”)\n",
                              fixture->bob->id, code, fixture->bob->id, fixture->bob->id);
  g_assert_cmpint (shoal_test_run_shoal (address, NULL, &out, NULL, "doctor", NULL), ==, 1);
  g_test_message ("shoal doctor:\n%s", out);
  g_assert_nonnull (strstr (out, expected));
  g_clear_pointer (&out, g_free);

  /* bob was given alice's address only; the refused handshake told it who
   * is there, and it names alice, who keeps it out. */
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("problem: peer alice (%s) is not linked: not trusted by the peer — "
                              "alice (%s) keeps this node out: trust this node there",
                              fixture->alice->id, fixture->alice->id);
  g_assert_cmpint (shoal_test_run_shoal (fixture->bob->bus->address, NULL, &out, NULL, "doctor",
                                         NULL), ==, 1);
  g_test_message ("shoal doctor on bob:\n%s", out);
  g_assert_nonnull (strstr (out, expected));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (shoal_test_run_shoal (address, NULL, &out, NULL, "trust", "bob", NULL), ==, 0);
  shoal_test_connect_pair (fixture->alice, fixture->bob);
}
