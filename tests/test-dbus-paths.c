/* test-dbus-paths.c: the path of each peer's link, over D-Bus and in `shoal peers`
 *
 * Two shoald on private buses, linked over loopback: each peer object's
 * Interface, LocalAddress and RemoteAddress, the same keys in ListPeers,
 * the PATH column of `shoal peers` and its --json keys.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "shoal-test-bus-fixture.h"

typedef ShoalTestFixture Fixture;

/* Bob dials Alice: his end of the link is an ephemeral port, hers her listening port. */
static void
setup (Fixture       *fixture,
       gconstpointer  data)
{
  shoal_test_fixture_setup_pair (fixture, NULL);
}

static ShoalDbusPeer *
peer_proxy (ShoalTestDaemon *daemon,
            const gchar     *peer_id)
{
  g_autofree gchar *path = g_strconcat (SHOAL_TEST_PEERS_PATH_PREFIX, peer_id, NULL);
  g_autoptr(GError) error = NULL;
  ShoalDbusPeer *peer;

  peer = shoal_dbus_peer_proxy_new_sync (daemon->bus->connection, G_DBUS_PROXY_FLAGS_NONE,
                                         SHOAL_TEST_BUS_NAME, path, NULL, &error);
  g_assert_no_error (error);
  return peer;
}

typedef struct {
  ShoalDbusPeer *peer;
  const gchar   *remote;  /* the RemoteAddress to wait for */
} RemoteWait;

static gboolean
remote_is (gpointer user_data)
{
  RemoteWait *wait = user_data;

  return g_strcmp0 (shoal_dbus_peer_get_remote_address (wait->peer), wait->remote) == 0;
}

static void
test_properties_and_list (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(ShoalDbusPeer) bob_seen = NULL;
  g_autoptr(ShoalDbusPeer) alice_seen = NULL;
  g_autoptr(GVariant) entry = NULL;
  g_autofree gchar *alice_end = NULL;
  const gchar *interface = NULL, *local = NULL, *remote = NULL;
  RemoteWait wait;

  g_test_summary ("A linked peer's object has Interface, LocalAddress and RemoteAddress, the "
                  "two ends of its link as the other daemon sees them swapped, and ListPeers "
                  "says the same as interface, local-address and remote-address; once the "
                  "peer is gone all three are empty, and PropertiesChanged said so");
  if (!fixture->ready)
    return;

  alice_end = shoal_test_peer_address (fixture->alice);
  bob_seen = peer_proxy (fixture->alice, fixture->bob->id);
  alice_seen = peer_proxy (fixture->bob, fixture->alice->id);

  g_assert_cmpstr (shoal_dbus_peer_get_interface (alice_seen), ==, "lo");
  g_assert_cmpstr (shoal_dbus_peer_get_interface (bob_seen), ==, "lo");
  g_assert_cmpstr (shoal_dbus_peer_get_remote_address (alice_seen), ==, alice_end);
  g_assert_cmpstr (shoal_dbus_peer_get_local_address (bob_seen), ==, alice_end);
  g_assert_cmpstr (shoal_dbus_peer_get_local_address (alice_seen), ==,
                   shoal_dbus_peer_get_remote_address (bob_seen));
  g_assert_true (g_str_has_prefix (shoal_dbus_peer_get_local_address (alice_seen), "127.0.0.1:"));

  entry = shoal_test_list_peer (fixture->alice, fixture->bob->id);
  g_assert_nonnull (entry);
  g_assert_true (g_variant_lookup (entry, "interface", "&s", &interface));
  g_assert_true (g_variant_lookup (entry, "local-address", "&s", &local));
  g_assert_true (g_variant_lookup (entry, "remote-address", "&s", &remote));
  g_assert_cmpstr (interface, ==, "lo");
  g_assert_cmpstr (local, ==, alice_end);
  g_assert_cmpstr (remote, ==, shoal_dbus_peer_get_remote_address (bob_seen));

  /* Bob goes: Alice's object for him keeps its place, without a path. */
  g_clear_pointer (&fixture->bob, shoal_test_daemon_free);
  wait = (RemoteWait) { bob_seen, "" };
  g_assert_true (shoal_test_wait_until (remote_is, &wait, SHOAL_TEST_TIMEOUT_MS));
  g_assert_cmpstr (shoal_dbus_peer_get_interface (bob_seen), ==, "");
  g_assert_cmpstr (shoal_dbus_peer_get_local_address (bob_seen), ==, "");
  g_clear_pointer (&entry, g_variant_unref);
  entry = shoal_test_list_peer (fixture->alice, shoal_dbus_peer_get_id (bob_seen));
  if (entry != NULL)
    {
      g_assert_true (g_variant_lookup (entry, "interface", "&s", &interface));
      g_assert_cmpstr (interface, ==, "");
    }
}

static void
test_cli (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(ShoalDbusPeer) bob_seen = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *expected = NULL;
  g_auto(GStrv) lines = NULL;
  JsonObject *peer;

  g_test_summary ("shoal peers shows a PATH column, “lo 127.0.0.1 -> HOST:PORT” for a peer on "
                  "loopback, and --json the interface, local-address and remote-address keys");
  if (!fixture->ready)
    return;

  bob_seen = peer_proxy (fixture->alice, fixture->bob->id);
  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, &out, &err, "peers",
                                         NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_nonnull (strstr (lines[0], " PATH "));
  /* The column sits before ADDRESSES, the last one. */
  g_assert_true (strstr (lines[0], " PATH ") < strstr (lines[0], "ADDRESSES"));
  expected = g_strdup_printf (" lo 127.0.0.1 -> %s ", shoal_dbus_peer_get_remote_address (bob_seen));
  g_assert_nonnull (strstr (lines[1], expected));
  g_clear_pointer (&out, g_free);

  g_clear_pointer (&err, g_free);
  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, &out, &err, "peers",
                                         "--json", NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  peer = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
  g_assert_cmpstr (json_object_get_string_member (peer, "interface"), ==, "lo");
  g_assert_cmpstr (json_object_get_string_member (peer, "local-address"), ==,
                   shoal_dbus_peer_get_local_address (bob_seen));
  g_assert_cmpstr (json_object_get_string_member (peer, "remote-address"), ==,
                   shoal_dbus_peer_get_remote_address (bob_seen));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/dbus-paths/properties-and-list", Fixture, NULL, setup, test_properties_and_list,
              shoal_test_fixture_teardown);
  g_test_add ("/dbus-paths/cli", Fixture, NULL, setup, test_cli, shoal_test_fixture_teardown);

  return g_test_run ();
}
