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

#include "shoal-test-daemon.h"

#define PEERS_PATH_PREFIX SHOAL_TEST_OBJECT_PATH "/peers/"

typedef struct {
  gchar           *tmpdir;  /* (owned) */
  ShoalTestDaemon *alice;   /* (owned) */
  ShoalTestDaemon *bob;     /* (owned) (nullable) */
  gboolean         ready;
} Fixture;

static void
setup (Fixture       *fixture,
       gconstpointer  data)
{
  g_autofree gchar *peer = NULL;
  const gchar *args[] = { "--peer", NULL, NULL };

  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;
  fixture->tmpdir = shoal_test_make_tmpdir ();
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
  /* Bob dials Alice: his end of the link is an ephemeral port, hers her listening port. */
  peer = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  args[1] = peer;
  fixture->bob = shoal_test_daemon_start ("bob", fixture->tmpdir, args);
  shoal_test_connect_pair (fixture->alice, fixture->bob);
  fixture->ready = TRUE;
}

static void
teardown (Fixture       *fixture,
          gconstpointer  data)
{
  g_clear_pointer (&fixture->bob, shoal_test_daemon_free);
  g_clear_pointer (&fixture->alice, shoal_test_daemon_free);
  if (fixture->tmpdir != NULL)
    {
      shoal_test_remove_tree (fixture->tmpdir);
      g_clear_pointer (&fixture->tmpdir, g_free);
    }
}

static GVariant *
list_entry (ShoalTestDaemon *daemon,
            const gchar     *peer_id)
{
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  GVariant *entry;

  g_assert_true (shoal_dbus_service_call_list_peers_sync (daemon->service, &peers, NULL, &error));
  g_assert_no_error (error);
  g_variant_iter_init (&iter, peers);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      const gchar *id = NULL;

      if (g_variant_lookup (entry, "id", "&s", &id) && g_str_equal (id, peer_id))
        return entry;
      g_variant_unref (entry);
    }
  return NULL;
}

static ShoalDbusPeer *
peer_proxy (ShoalTestDaemon *daemon,
            const gchar     *peer_id)
{
  g_autofree gchar *path = g_strconcat (PEERS_PATH_PREFIX, peer_id, NULL);
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

  alice_end = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  bob_seen = peer_proxy (fixture->alice, fixture->bob->id);
  alice_seen = peer_proxy (fixture->bob, fixture->alice->id);

  g_assert_cmpstr (shoal_dbus_peer_get_interface (alice_seen), ==, "lo");
  g_assert_cmpstr (shoal_dbus_peer_get_interface (bob_seen), ==, "lo");
  g_assert_cmpstr (shoal_dbus_peer_get_remote_address (alice_seen), ==, alice_end);
  g_assert_cmpstr (shoal_dbus_peer_get_local_address (bob_seen), ==, alice_end);
  g_assert_cmpstr (shoal_dbus_peer_get_local_address (alice_seen), ==,
                   shoal_dbus_peer_get_remote_address (bob_seen));
  g_assert_true (g_str_has_prefix (shoal_dbus_peer_get_local_address (alice_seen), "127.0.0.1:"));

  entry = list_entry (fixture->alice, fixture->bob->id);
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
  entry = list_entry (fixture->alice, shoal_dbus_peer_get_id (bob_seen));
  if (entry != NULL)
    {
      g_assert_true (g_variant_lookup (entry, "interface", "&s", &interface));
      g_assert_cmpstr (interface, ==, "");
    }
}

static gint
run_shoal (const gchar  *bus_address,
           gchar       **out,
           const gchar  *first_arg,
           ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree gchar *err = NULL;
  const gchar *arg;
  va_list args;
  gint status;

  g_ptr_array_add (argv, (gpointer) shoal_test_build_path ("src/cli/shoal"));
  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  status = shoal_test_run ((const gchar * const *) argv->pdata, bus_address, NULL, NULL, out, &err);
  g_assert_cmpstr (err, ==, "");
  return status;
}

static void
test_cli (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(ShoalDbusPeer) bob_seen = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *expected = NULL;
  g_auto(GStrv) lines = NULL;
  JsonObject *peer;

  g_test_summary ("shoal peers shows a PATH column, “lo 127.0.0.1 -> HOST:PORT” for a peer on "
                  "loopback, and --json the interface, local-address and remote-address keys");
  if (!fixture->ready)
    return;

  bob_seen = peer_proxy (fixture->alice, fixture->bob->id);
  g_assert_cmpint (run_shoal (fixture->alice->bus->address, &out, "peers", NULL), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_nonnull (strstr (lines[0], " PATH "));
  /* The column sits before ADDRESSES, the last one. */
  g_assert_true (strstr (lines[0], " PATH ") < strstr (lines[0], "ADDRESSES"));
  expected = g_strdup_printf (" lo 127.0.0.1 -> %s ", shoal_dbus_peer_get_remote_address (bob_seen));
  g_assert_nonnull (strstr (lines[1], expected));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_shoal (fixture->alice->bus->address, &out, "peers", "--json", NULL), ==, 0);
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
              teardown);
  g_test_add ("/dbus-paths/cli", Fixture, NULL, setup, test_cli, teardown);

  return g_test_run ();
}
