/* test-dbus-groups.c: shoald's groups on D-Bus, against real shoald processes
 *
 * Three daemons, alice, bob and carol, each on its own private bus, linked
 * on loopback: JoinGroup, LeaveGroup and SendToGroup; the Groups property
 * of the root object and of each peer object; PeerJoinedGroup,
 * PeerLeftGroup and the group key of MessageReceived; every error; groups
 * that belong to shoald rather than to the calling client and outlive a
 * restart; the config file's groups key.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "shoal-test-bus-fixture.h"

typedef ShoalTestFixture Fixture;

static void
setup_three (Fixture       *fixture,
             gconstpointer  data)
{
  if (!shoal_test_fixture_begin (fixture))
    return;
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
  fixture->bob = shoal_test_daemon_start_linked ("bob", fixture->tmpdir, fixture->alice, NULL,
                                                 NULL);
  fixture->carol = shoal_test_daemon_start_linked ("carol", fixture->tmpdir, fixture->alice,
                                                   fixture->bob, NULL);
  shoal_test_connect_pair (fixture->alice, fixture->bob);
  shoal_test_connect_pair (fixture->alice, fixture->carol);
  shoal_test_connect_pair (fixture->bob, fixture->carol);
}

/* ---- helpers ---- */

static void
assert_groups (ShoalTestDaemon     *daemon,
               const gchar         *path,
               const gchar         *interface,
               const gchar * const *expected)
{
  g_autoptr(GVariant) value = shoal_test_get_property (daemon, path, interface, "Groups");
  g_autofree const gchar **groups = g_variant_get_strv (value, NULL);

  g_assert_true (g_strv_equal (groups, expected));
}

static void
assert_own_groups (ShoalTestDaemon     *daemon,
                   const gchar * const *expected)
{
  assert_groups (daemon, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", expected);
}

static void
assert_peer_groups (ShoalTestDaemon     *daemon,
                    ShoalTestDaemon     *peer,
                    const gchar * const *expected)
{
  g_autofree gchar *path = g_strconcat (SHOAL_TEST_PEERS_PATH_PREFIX, peer->id, NULL);

  assert_groups (daemon, path, "org.shoal.Shoal1.Peer", expected);
}

static void
call (ShoalTestDaemon *daemon,
      const gchar     *method,
      const gchar     *name)
{
  shoal_test_call_ok (daemon, method, g_variant_new ("(s)", name));
}

static void
assert_call_error (ShoalTestDaemon *daemon,
                   const gchar     *method,
                   GVariant        *parameters,
                   const gchar     *error_name)
{
  shoal_test_assert_call_error (daemon, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", method,
                                parameters, error_name);
}

/* Bob's groups as alice and carol see them. */
typedef struct {
  Fixture             *fixture;
  const gchar * const *expected;
} Seen;

static gboolean
listed_with_groups (ShoalTestDaemon     *daemon,
                    const gchar         *peer_id,
                    const gchar * const *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(GVariant) peer = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autofree const gchar **groups = NULL;

  if (!shoal_dbus_service_call_list_peers_sync (daemon->service, &peers, NULL, &error))
    return FALSE;
  peer = shoal_test_find_peer (peers, peer_id);
  if (peer == NULL)
    return FALSE;
  value = g_variant_lookup_value (peer, "groups", G_VARIANT_TYPE_STRING_ARRAY);
  if (value == NULL)
    return FALSE;
  groups = g_variant_get_strv (value, NULL);
  return g_strv_equal (groups, expected);
}

static gboolean
bob_seen (gpointer user_data)
{
  Seen *seen = user_data;

  return listed_with_groups (seen->fixture->alice, seen->fixture->bob->id, seen->expected) &&
         listed_with_groups (seen->fixture->carol, seen->fixture->bob->id, seen->expected);
}

/* ---- tests ---- */

static void
test_methods_and_signals (Fixture       *fixture,
                          gconstpointer  data)
{
  static const guint8 payload[] = { 0x00, 'h', 'i', 0xff, 0x00 };
  const gchar * const none[] = { NULL };
  const gchar * const kitchen[] = { "kitchen", NULL };
  g_autoptr(ShoalTestRecorder) on_alice = NULL;
  g_autoptr(ShoalTestRecorder) on_bob = NULL;
  g_autoptr(ShoalTestRecorder) on_carol = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) recipients = NULL;
  g_autoptr(GVariant) got = NULL;
  g_autoptr(GVariant) details = NULL;
  const gchar *peer_id = NULL, *name = NULL, *from = NULL, *group = NULL;
  guint64 id = 0, delivered_id = 0;
  gboolean broadcast = TRUE;
  gsize size = 0;
  const guint8 *bytes;
  Seen seen = { fixture, kitchen };

  g_test_summary ("JoinGroup sets Groups and announces PeerJoinedGroup on the peers, "
                  "whose peer objects and ListPeers show the group; SendToGroup reaches "
                  "only the member, whose MessageReceived carries the group key, and "
                  "reports the recipients and MessageDelivered; LeaveGroup undoes it all");
  if (!fixture->ready)
    return;

  on_alice = shoal_test_recorder_new_for_daemon (fixture->alice);
  on_bob = shoal_test_recorder_new_for_daemon (fixture->bob);
  on_carol = shoal_test_recorder_new_for_daemon (fixture->carol);
  assert_own_groups (fixture->bob, none);

  call (fixture->bob, "JoinGroup", "kitchen");
  assert_own_groups (fixture->bob, kitchen);
  g_variant_get (shoal_test_recorder_wait (on_alice, "PeerJoinedGroup", 0), "(&s&s)",
                 &peer_id, &name);
  g_assert_cmpstr (peer_id, ==, fixture->bob->id);
  g_assert_cmpstr (name, ==, "kitchen");
  g_variant_get (shoal_test_recorder_wait (on_carol, "PeerJoinedGroup", 0), "(&s&s)",
                 &peer_id, &name);
  g_assert_cmpstr (peer_id, ==, fixture->bob->id);
  g_assert_cmpstr (name, ==, "kitchen");
  assert_peer_groups (fixture->alice, fixture->bob, kitchen);
  assert_peer_groups (fixture->carol, fixture->bob, kitchen);
  assert_peer_groups (fixture->alice, fixture->carol, none);
  g_assert_true (shoal_test_wait_until (bob_seen, &seen, SHOAL_TEST_TIMEOUT_MS));
  /* Its own join is no peer's. */
  g_assert_cmpuint (shoal_test_recorder_count (on_bob, "PeerJoinedGroup"), ==, 0);

  /* Carol, in no group, sends to the kitchen: only bob is in it. */
  g_assert_true (shoal_dbus_service_call_send_to_group_sync (fixture->carol->service, "kitchen",
                                                             shoal_test_bytes_variant (payload,
                                                                                       sizeof payload),
                                                             &id, &recipients, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);
  g_assert_cmpuint (g_strv_length (recipients), ==, 1);
  g_assert_cmpstr (recipients[0], ==, fixture->bob->id);

  g_variant_get (shoal_test_recorder_wait (on_bob, "MessageReceived", 0), "(&s@ay@a{sv})",
                 &from, &got, &details);
  g_assert_cmpstr (from, ==, fixture->carol->id);
  bytes = g_variant_get_fixed_array (got, &size, 1);
  g_assert_cmpmem (bytes, size, payload, sizeof payload);
  g_assert_true (g_variant_lookup (details, "group", "&s", &group));
  g_assert_cmpstr (group, ==, "kitchen");
  g_assert_true (g_variant_lookup (details, "broadcast", "b", &broadcast));
  g_assert_false (broadcast);
  g_variant_get (shoal_test_recorder_wait (on_carol, "MessageDelivered", 0), "(&st)",
                 &peer_id, &delivered_id);
  g_assert_cmpstr (peer_id, ==, fixture->bob->id);
  g_assert_cmpuint (delivered_id, ==, id);

  /* A plain Send has no group key. */
  {
    g_autoptr(GVariant) plain_details = NULL;
    g_autoptr(GVariant) plain = NULL;
    guint64 plain_id = 0;

    g_assert_true (shoal_dbus_service_call_send_sync (fixture->carol->service, fixture->bob->id,
                                                      shoal_test_bytes_variant (payload, 1),
                                                      &plain_id, NULL, &error));
    g_assert_no_error (error);
    g_variant_get (shoal_test_recorder_wait (on_bob, "MessageReceived", 1), "(&s@ay@a{sv})",
                   &from, &plain, &plain_details);
    g_assert_false (g_variant_lookup (plain_details, "group", "&s", &group));
  }

  /* Bob leaves: everyone hears, and nobody is left to send to. */
  call (fixture->bob, "LeaveGroup", "kitchen");
  assert_own_groups (fixture->bob, none);
  g_variant_get (shoal_test_recorder_wait (on_alice, "PeerLeftGroup", 0), "(&s&s)",
                 &peer_id, &name);
  g_assert_cmpstr (peer_id, ==, fixture->bob->id);
  g_assert_cmpstr (name, ==, "kitchen");
  g_variant_get (shoal_test_recorder_wait (on_carol, "PeerLeftGroup", 0), "(&s&s)",
                 &peer_id, &name);
  g_assert_cmpstr (peer_id, ==, fixture->bob->id);
  assert_peer_groups (fixture->carol, fixture->bob, none);
  g_clear_pointer (&recipients, g_strfreev);
  g_assert_true (shoal_dbus_service_call_send_to_group_sync (fixture->carol->service, "kitchen",
                                                             shoal_test_bytes_variant (payload,
                                                                                       sizeof payload),
                                                             &id, &recipients, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (recipients), ==, 0);

  /* Alice, never a member, never received anything. */
  g_assert_cmpuint (shoal_test_recorder_count (on_alice, "MessageReceived"), ==, 0);
  g_assert_cmpuint (shoal_test_recorder_count (on_bob, "MessageReceived"), ==, 2);
}

static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree guint8 *big = g_malloc0 (16 * 1024 * 1024 + 1);
  g_autofree gchar *too_long = g_strnfill (256, 'g');
  static const guint8 small[] = { 'x' };
  const gchar *bad[] = { "", too_long };

  g_test_summary ("JoinGroup, LeaveGroup and SendToGroup refuse a name that is not 1 to "
                  "255 bytes with InvalidArgument, a 257th group with InvalidArgument, a "
                  "payload over 16 MiB with MessageTooLarge, and a membership that cannot "
                  "be kept with StateDirectory, without applying it");
  if (!fixture->ready)
    return;

  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      assert_call_error (fixture->alice, "JoinGroup", g_variant_new ("(s)", bad[i]),
                         "org.shoal.Shoal1.Error.InvalidArgument");
      assert_call_error (fixture->alice, "LeaveGroup", g_variant_new ("(s)", bad[i]),
                         "org.shoal.Shoal1.Error.InvalidArgument");
      assert_call_error (fixture->alice, "SendToGroup",
                         g_variant_new ("(s@ay)", bad[i], shoal_test_bytes_variant (small, 1)),
                         "org.shoal.Shoal1.Error.InvalidArgument");
    }
  assert_call_error (fixture->alice, "SendToGroup",
                     g_variant_new ("(s@ay)", "g",
                                    shoal_test_bytes_variant (big, 16 * 1024 * 1024 + 1)),
                     "org.shoal.Shoal1.Error.MessageTooLarge");

  for (guint i = 0; i < 256; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("g%03u", i);

      call (fixture->alice, "JoinGroup", name);
    }
  assert_call_error (fixture->alice, "JoinGroup", g_variant_new ("(s)", "one too many"),
                     "org.shoal.Shoal1.Error.InvalidArgument");
  /* Joining one it is in is fine, even now. */
  call (fixture->alice, "JoinGroup", "g007");
  call (fixture->alice, "LeaveGroup", "not a member");

  /* groups.ini cannot be replaced: the change is refused and not applied. */
  {
    g_autofree gchar *file = g_build_filename (fixture->alice->state_dir, "groups.ini", NULL);
    g_autofree gchar *in_the_way = g_build_filename (fixture->alice->state_dir, "groups.ini",
                                                     "x", NULL);
    g_autoptr(GVariant) before = NULL;
    g_autoptr(GVariant) after = NULL;

    before = shoal_test_get_property (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1",
                                      "Groups");
    g_assert_cmpint (g_unlink (file), ==, 0);
    g_assert_cmpint (g_mkdir (file, 0700), ==, 0);
    g_assert_true (g_file_set_contents (in_the_way, "", 0, NULL));
    assert_call_error (fixture->alice, "LeaveGroup", g_variant_new ("(s)", "g001"),
                       "org.shoal.Shoal1.Error.StateDirectory");
    after = shoal_test_get_property (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1",
                                     "Groups");
    g_assert_true (g_variant_equal (before, after));
    g_assert_cmpint (g_unlink (in_the_way), ==, 0);
    g_assert_cmpint (g_rmdir (file), ==, 0);
  }
}

static void
test_kept (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree gchar *config = NULL;
  const gchar * const at_start[] = { "configured", "extra", NULL };
  const gchar * const changed[] = { "configured", "joined; with, separators\nand a line", NULL };
  const gchar * const restarted[] = { "configured", "extra", "joined; with, separators\nand a line", NULL };
  g_autoptr(GDBusConnection) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  const gchar *args[3] = { "--config", NULL, NULL };

  g_test_summary ("Groups belong to shoald: a group a client joined stays when the "
                  "client goes, and every group outlives a restart; at start shoald "
                  "joins the config file's groups too, even one left before");
  if (!fixture->ready)
    return;

  config = g_build_filename (fixture->tmpdir, "shoal.conf", NULL);
  g_assert_true (g_file_set_contents (config, "[shoal]\ngroups=configured;extra;\n", -1, NULL));
  args[1] = config;
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, args);
  assert_own_groups (fixture->alice, at_start);

  /* A client of its own joins, then goes away. */
  client = g_dbus_connection_new_for_address_sync (fixture->alice->bus->address,
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (client, SHOAL_TEST_BUS_NAME, SHOAL_TEST_OBJECT_PATH,
                                       "org.shoal.Shoal1", "JoinGroup",
                                       g_variant_new ("(s)", "joined; with, separators\nand a line"),
                                       G_VARIANT_TYPE_UNIT, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_close_sync (client, NULL, &error);
  g_assert_no_error (error);
  call (fixture->alice, "LeaveGroup", "extra");
  assert_own_groups (fixture->alice, changed);

  shoal_test_daemon_stop (fixture->alice);
  g_clear_pointer (&fixture->alice, shoal_test_daemon_free);
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, args);
  assert_own_groups (fixture->alice, restarted);

  /* Without the config file, what was kept is what comes back. */
  call (fixture->alice, "LeaveGroup", "extra");
  shoal_test_daemon_stop (fixture->alice);
  g_clear_pointer (&fixture->alice, shoal_test_daemon_free);
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
  assert_own_groups (fixture->alice, changed);
}

static void
test_bad_config (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree gchar *config = NULL;
  g_autofree gchar *shoald = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *state = NULL;

  g_test_summary ("shoald refuses to start with a groups key that names an empty group");
  if (!fixture->ready)
    return;

  config = g_build_filename (fixture->tmpdir, "shoal.conf", NULL);
  state = g_build_filename (fixture->tmpdir, "state", NULL);
  g_assert_true (g_file_set_contents (config, "[shoal]\ngroups=fine;;\n", -1, NULL));
  shoald = g_strdup (shoal_test_build_path ("src/daemon/shoald"));
  {
    const gchar *argv[] = { shoald, "--config", config, "--state-dir", state, "--bus", "none",
                            "--no-avahi", NULL };

    g_assert_cmpint (shoal_test_run (argv, NULL, NULL, NULL, NULL, &err), ==, 1);
  }
  g_assert_nonnull (strstr (err, "group"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/dbus-groups/methods-and-signals", Fixture, NULL, setup_three,
              test_methods_and_signals, shoal_test_fixture_teardown);
  g_test_add ("/dbus-groups/errors", Fixture, NULL, shoal_test_fixture_setup_tmpdir,
              test_errors, shoal_test_fixture_teardown);
  g_test_add ("/dbus-groups/kept", Fixture, NULL, shoal_test_fixture_setup_tmpdir,
              test_kept, shoal_test_fixture_teardown);
  g_test_add ("/dbus-groups/bad-config", Fixture, NULL, shoal_test_fixture_setup_tmpdir,
              test_bad_config, shoal_test_fixture_teardown);

  return g_test_run ();
}
