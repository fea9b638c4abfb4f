/* test-dbus-trust.c: trust as D-Bus shows it: decisions, allow-list pairs, network keys
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "test-dbus.h"

/* How long a pair that must not link up is watched. */
#define APART_MS 1500

/* The decision on @peer_id in @daemon's trust store, <state-dir>/trust.ini:
 * TRUE or FALSE, or -1 if none is stored. */
static gint
stored_decision (ShoalTestDaemon *daemon,
                 const gchar     *peer_id)
{
  g_autofree gchar *path = g_build_filename (daemon->state_dir, "trust.ini", NULL);
  g_autoptr(GKeyFile) store = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  gboolean trusted;

  if (!g_key_file_load_from_file (store, path, G_KEY_FILE_NONE, NULL))
    return -1;
  if (!g_key_file_has_key (store, peer_id, "trusted", NULL))
    return -1;
  trusted = g_key_file_get_boolean (store, peer_id, "trusted", &error);
  g_assert_no_error (error);
  return trusted;
}

/* @daemon's object for @peer_id, once it is there. */
static ShoalDbusPeer *
peer_proxy (GDBusObjectManager *manager,
            const gchar        *peer_id)
{
  g_autofree gchar *path = g_strconcat (SHOAL_TEST_PEERS_PATH_PREFIX, peer_id, NULL);
  ObjectWait wait = { manager, path, TRUE };
  ShoalDbusPeer *peer;

  g_assert_true (shoal_test_wait_until (dbus_object_presence, &wait, SHOAL_TEST_TIMEOUT_MS));
  peer = SHOAL_DBUS_PEER (g_dbus_object_manager_get_interface (manager, path,
                                                               "org.shoal.Shoal1.Peer"));
  g_assert_nonnull (peer);
  return peer;
}

typedef struct {
  ShoalDbusPeer *peer;
  const gchar   *state;     /* (nullable): the State to wait for */
  gboolean       trusted;   /* or the Trusted value, if @state is NULL */
} PeerWait;

static gboolean
peer_is (gpointer user_data)
{
  PeerWait *wait = user_data;

  if (wait->state != NULL)
    return g_strcmp0 (shoal_dbus_peer_get_state (wait->peer), wait->state) == 0;
  return shoal_dbus_peer_get_trusted (wait->peer) == wait->trusted;
}

static void
wait_state (ShoalDbusPeer *peer,
            const gchar   *state)
{
  PeerWait wait = { peer, state, FALSE };

  g_assert_true (shoal_test_wait_until (peer_is, &wait, SHOAL_TEST_TIMEOUT_MS));
}

static void
wait_trusted (ShoalDbusPeer *peer,
              gboolean       trusted)
{
  PeerWait wait = { peer, NULL, trusted };

  g_assert_true (shoal_test_wait_until (peer_is, &wait, SHOAL_TEST_TIMEOUT_MS));
}

void
test_peer_trust_properties (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GDBusObjectManager) alice_manager = NULL;
  g_autoptr(GDBusObjectManager) bob_manager = NULL;
  g_autoptr(ShoalDbusPeer) bob_seen_by_alice = NULL;
  g_autoptr(ShoalDbusPeer) alice_seen_by_bob = NULL;

  g_test_summary ("Under the open policy, each peer object shows Trusted=false, the other "
                  "node's own Fingerprint, the same six-digit VerificationCode on both sides, "
                  "and an empty PreviousId");
  if (!fixture->ready)
    return;

  alice_manager = dbus_manager_new (fixture->alice);
  bob_manager = dbus_manager_new (fixture->bob);
  bob_seen_by_alice = peer_proxy (alice_manager, fixture->bob->id);
  alice_seen_by_bob = peer_proxy (bob_manager, fixture->alice->id);

  g_assert_false (shoal_dbus_peer_get_trusted (bob_seen_by_alice));
  g_assert_false (shoal_dbus_peer_get_trusted (alice_seen_by_bob));
  g_assert_cmpstr (shoal_dbus_peer_get_fingerprint (bob_seen_by_alice), ==,
                   shoal_dbus_service_get_fingerprint (fixture->bob->service));
  g_assert_cmpstr (shoal_dbus_peer_get_fingerprint (alice_seen_by_bob), ==,
                   shoal_dbus_service_get_fingerprint (fixture->alice->service));
  dbus_assert_verification_code (shoal_dbus_peer_get_verification_code (bob_seen_by_alice));
  g_assert_cmpstr (shoal_dbus_peer_get_verification_code (bob_seen_by_alice), ==,
                   shoal_dbus_peer_get_verification_code (alice_seen_by_bob));
  g_assert_cmpstr (shoal_dbus_peer_get_previous_id (bob_seen_by_alice), ==, "");
  g_assert_cmpstr (shoal_dbus_peer_get_previous_id (alice_seen_by_bob), ==, "");
}

void
test_trust_untrust (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(ShoalTestRecorder) alice_recorder = NULL;
  g_autoptr(ShoalTestRecorder) bob_recorder = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(ShoalDbusPeer) bob = NULL;
  const gchar *id = NULL, *reason = NULL;
  GVariant *signal;

  g_test_summary ("Trust sets the peer's Trusted through PropertiesChanged and stores "
                  "trusted=true in trust.ini; Untrust stores trusted=false, closes the link "
                  "(PeerDisconnected on both sides) and keeps the peer out while it redials; "
                  "Trust again lets it back in");
  if (!fixture->ready)
    return;

  alice_recorder = shoal_test_recorder_new_for_daemon (fixture->alice);
  bob_recorder = shoal_test_recorder_new_for_daemon (fixture->bob);
  manager = dbus_manager_new (fixture->alice);
  bob = peer_proxy (manager, fixture->bob->id);
  g_assert_cmpint (stored_decision (fixture->alice, fixture->bob->id), ==, -1);

  shoal_test_call_ok (fixture->alice, "Trust", g_variant_new ("(s)", fixture->bob->id));
  wait_trusted (bob, TRUE);
  g_assert_cmpint (stored_decision (fixture->alice, fixture->bob->id), ==, TRUE);
  /* Under the open policy, trusting changes nothing on the link. */
  g_assert_true (shoal_test_daemon_sees_connected (fixture->alice, fixture->bob->id));

  shoal_test_call_ok (fixture->alice, "Untrust", g_variant_new ("(s)", fixture->bob->id));
  g_assert_cmpint (stored_decision (fixture->alice, fixture->bob->id), ==, FALSE);
  signal = shoal_test_recorder_wait (alice_recorder, "PeerDisconnected", 0);
  g_variant_get (signal, "(&s&s)", &id, &reason);
  g_assert_cmpstr (id, ==, fixture->bob->id);
  signal = shoal_test_recorder_wait (bob_recorder, "PeerDisconnected", 0);
  g_variant_get (signal, "(&s&s)", &id, &reason);
  g_assert_cmpstr (id, ==, fixture->alice->id);
  g_test_message ("bob was told: %s", reason);
  g_assert_nonnull (strstr (reason, "trust"));

  /* bob has alice as a static peer and keeps dialling; alice refuses it. */
  shoal_test_assert_stays_apart (fixture->alice, fixture->bob->id, APART_MS);

  shoal_test_call_ok (fixture->alice, "Trust", g_variant_new ("(s)", fixture->bob->id));
  g_assert_cmpint (stored_decision (fixture->alice, fixture->bob->id), ==, TRUE);
  shoal_test_connect_pair (fixture->alice, fixture->bob);
}

void
test_trust_errors (Fixture       *fixture,
                   gconstpointer  data)
{
  const gchar *unknown = "0123456789abcdef0123456789abcdef";
  g_autofree gchar *store = NULL;

  g_test_summary ("Trust and Untrust refuse a malformed id with InvalidPeerId, store a "
                  "decision on an id never seen, round trip, and answer StateDirectory when "
                  "the trust store cannot be written");
  if (!fixture->ready)
    return;

  shoal_test_assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Trust",
                                g_variant_new ("(s)", "not-a-peer-id"),
                                "org.shoal.Shoal1.Error.InvalidPeerId");
  shoal_test_assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Trust",
                                g_variant_new ("(s)", ""),
                                "org.shoal.Shoal1.Error.InvalidPeerId");
  shoal_test_assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1",
                                "Untrust",
                                g_variant_new ("(s)", "0123456789ABCDEF0123456789ABCDEF"),
                                "org.shoal.Shoal1.Error.InvalidPeerId");
  g_assert_cmpint (stored_decision (fixture->alice, "0123456789ABCDEF0123456789ABCDEF"), ==, -1);

  shoal_test_call_ok (fixture->alice, "Trust", g_variant_new ("(s)", unknown));
  g_assert_cmpint (stored_decision (fixture->alice, unknown), ==, TRUE);
  shoal_test_call_ok (fixture->alice, "Untrust", g_variant_new ("(s)", unknown));
  g_assert_cmpint (stored_decision (fixture->alice, unknown), ==, FALSE);
  shoal_test_call_ok (fixture->alice, "Trust", g_variant_new ("(s)", unknown));
  g_assert_cmpint (stored_decision (fixture->alice, unknown), ==, TRUE);

  /* A directory where the store goes: no file can replace it, even as root. */
  store = g_build_filename (fixture->alice->state_dir, "trust.ini", NULL);
  g_assert_cmpint (g_remove (store), ==, 0);
  g_assert_cmpint (g_mkdir (store, 0700), ==, 0);
  shoal_test_assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1",
                                "Untrust",
                                g_variant_new ("(s)", unknown),
                                "org.shoal.Shoal1.Error.StateDirectory");
  g_assert_cmpint (g_rmdir (store), ==, 0);
}

void
test_allow_list_one_side (Fixture       *fixture,
                          gconstpointer  data)
{
  static const guint8 small[] = { 'x' };
  const gchar *alice_args[] = { "--trust-policy", "allow-list", NULL };
  g_autoptr(ShoalTestRecorder) recorder = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(ShoalDbusPeer) bob = NULL;
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(GVariant) listed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *bob_path = NULL;
  g_autofree gchar *code = NULL;
  g_autofree gchar *bob_address = NULL;
  const gchar *id = NULL, *name = NULL, *text = NULL, *state = NULL;
  GVariant *signal;

  g_test_summary ("A daemon with --trust-policy allow-list shows TrustPolicy \"allow-list\", "
                  "signals PeerPending(id, name, six-digit code) for an unknown peer, whose "
                  "object is in State \"pending\" with that VerificationCode; Send to it fails "
                  "with NotTrusted. Trust links it up, and after a restart on the same state "
                  "directory it links up again without asking");
  if (!fixture->ready)
    return;

  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, alice_args);
  g_assert_cmpstr (shoal_dbus_service_get_trust_policy (fixture->alice->service), ==, "allow-list");
  recorder = shoal_test_recorder_new_for_daemon (fixture->alice);
  dbus_start_bob (fixture);

  signal = shoal_test_recorder_wait (recorder, "PeerPending", 0);
  g_variant_get (signal, "(&s&s&s)", &id, &name, &text);
  g_assert_cmpstr (id, ==, fixture->bob->id);
  g_assert_cmpstr (name, ==, "bob");
  dbus_assert_verification_code (text);
  code = g_strdup (text);

  manager = dbus_manager_new (fixture->alice);
  bob = peer_proxy (manager, fixture->bob->id);
  wait_state (bob, "pending");
  g_assert_cmpstr (shoal_dbus_peer_get_verification_code (bob), ==, code);
  g_assert_cmpstr (shoal_dbus_peer_get_fingerprint (bob), ==,
                   shoal_dbus_service_get_fingerprint (fixture->bob->service));
  g_assert_false (shoal_dbus_peer_get_trusted (bob));
  g_assert_false (shoal_dbus_peer_get_connected (bob));

  g_assert_true (shoal_dbus_service_call_list_peers_sync (fixture->alice->service, &peers,
                                                          NULL, &error));
  g_assert_no_error (error);
  listed = shoal_test_find_peer (peers, fixture->bob->id);
  g_assert_nonnull (listed);
  g_assert_true (g_variant_lookup (listed, "state", "&s", &state));
  g_assert_cmpstr (state, ==, "pending");

  bob_path = g_strconcat (SHOAL_TEST_PEERS_PATH_PREFIX, fixture->bob->id, NULL);
  shoal_test_assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Send",
                                g_variant_new ("(s@ay)", fixture->bob->id,
                                               shoal_test_bytes_variant (small, 1)),
                                "org.shoal.Shoal1.Error.NotTrusted");
  shoal_test_assert_call_error (fixture->alice, bob_path, "org.shoal.Shoal1.Peer", "Send",
                                g_variant_new ("(@ay)", shoal_test_bytes_variant (small, 1)),
                                "org.shoal.Shoal1.Error.NotTrusted");
  g_assert_false (shoal_test_daemon_sees_connected (fixture->alice, fixture->bob->id));

  shoal_test_call_ok (fixture->alice, "Trust", g_variant_new ("(s)", fixture->bob->id));
  signal = shoal_test_recorder_wait (recorder, "PeerConnected", 0);
  g_variant_get (signal, "(&s&s)", &id, &name);
  g_assert_cmpstr (id, ==, fixture->bob->id);
  shoal_test_connect_pair (fixture->alice, fixture->bob);
  wait_trusted (bob, TRUE);
  wait_state (bob, "connected");
  g_assert_cmpint (stored_decision (fixture->alice, fixture->bob->id), ==, TRUE);

  /* The decision outlives alice: restarted on the same state directory,
   * still under the allow-list, she links up with bob at once. */
  g_clear_object (&bob);
  g_clear_object (&manager);
  g_clear_pointer (&recorder, shoal_test_recorder_free);
  shoal_test_daemon_stop (fixture->alice);
  g_clear_pointer (&fixture->alice, shoal_test_daemon_free);

  bob_address = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->bob->port);
  {
    const gchar *args[] = { "--trust-policy", "allow-list", "--peer", bob_address, NULL };

    fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, args);
  }
  shoal_test_connect_pair (fixture->alice, fixture->bob);
  manager = dbus_manager_new (fixture->alice);
  bob = peer_proxy (manager, fixture->bob->id);
  wait_trusted (bob, TRUE);
}

void
test_allow_list_pair (Fixture       *fixture,
                      gconstpointer  data)
{
  const gchar *alice_args[] = { "--trust-policy", "allow-list", NULL };
  g_autofree gchar *alice_address = NULL;
  g_autoptr(ShoalTestRecorder) alice_recorder = NULL;
  g_autoptr(ShoalTestRecorder) bob_recorder = NULL;
  g_autoptr(GDBusObjectManager) alice_manager = NULL;
  g_autoptr(GDBusObjectManager) bob_manager = NULL;
  g_autoptr(ShoalDbusPeer) bob_seen_by_alice = NULL;
  g_autoptr(ShoalDbusPeer) alice_seen_by_bob = NULL;
  ShoalTestBus *alice_bus, *bob_bus;
  const gchar *id = NULL, *name = NULL, *alice_code = NULL, *bob_code = NULL;
  GVariant *signal;

  g_test_summary ("Two allow-list daemons that meet both signal PeerPending with the same "
                  "six-digit verification code, and neither links up; once each trusts the "
                  "other, both signal PeerConnected and show Trusted=true");
  if (!fixture->ready)
    return;

  /* Listening before each daemon starts: bob meets alice as it starts. */
  alice_bus = shoal_test_bus_new ();
  alice_recorder = shoal_test_recorder_new (alice_bus->connection, NULL, "org.shoal.Shoal1", NULL,
                                            SHOAL_TEST_OBJECT_PATH);
  fixture->alice = shoal_test_daemon_start_on_bus (alice_bus, "alice", fixture->tmpdir, alice_args);

  alice_address = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  bob_bus = shoal_test_bus_new ();
  bob_recorder = shoal_test_recorder_new (bob_bus->connection, NULL, "org.shoal.Shoal1", NULL,
                                          SHOAL_TEST_OBJECT_PATH);
  {
    const gchar *args[] = { "--trust-policy", "allow-list", "--peer", alice_address, NULL };

    fixture->bob = shoal_test_daemon_start_on_bus (bob_bus, "bob", fixture->tmpdir, args);
  }

  signal = shoal_test_recorder_wait (alice_recorder, "PeerPending", 0);
  g_variant_get (signal, "(&s&s&s)", &id, &name, &alice_code);
  g_assert_cmpstr (id, ==, fixture->bob->id);
  g_assert_cmpstr (name, ==, "bob");
  dbus_assert_verification_code (alice_code);

  signal = shoal_test_recorder_wait (bob_recorder, "PeerPending", 0);
  g_variant_get (signal, "(&s&s&s)", &id, &name, &bob_code);
  g_assert_cmpstr (id, ==, fixture->alice->id);
  g_assert_cmpstr (name, ==, "alice");
  g_assert_cmpstr (bob_code, ==, alice_code);

  alice_manager = dbus_manager_new (fixture->alice);
  bob_manager = dbus_manager_new (fixture->bob);
  bob_seen_by_alice = peer_proxy (alice_manager, fixture->bob->id);
  alice_seen_by_bob = peer_proxy (bob_manager, fixture->alice->id);
  wait_state (bob_seen_by_alice, "pending");
  wait_state (alice_seen_by_bob, "pending");
  g_assert_cmpstr (shoal_dbus_peer_get_verification_code (alice_seen_by_bob), ==, alice_code);
  shoal_test_assert_stays_apart (fixture->alice, fixture->bob->id, APART_MS);

  /* One side alone is not enough. */
  shoal_test_call_ok (fixture->alice, "Trust", g_variant_new ("(s)", fixture->bob->id));
  wait_trusted (bob_seen_by_alice, TRUE);
  shoal_test_assert_stays_apart (fixture->alice, fixture->bob->id, APART_MS);

  shoal_test_call_ok (fixture->bob, "Trust", g_variant_new ("(s)", fixture->alice->id));
  signal = shoal_test_recorder_wait (alice_recorder, "PeerConnected", 0);
  g_variant_get (signal, "(&s&s)", &id, &name);
  g_assert_cmpstr (id, ==, fixture->bob->id);
  signal = shoal_test_recorder_wait (bob_recorder, "PeerConnected", 0);
  g_variant_get (signal, "(&s&s)", &id, &name);
  g_assert_cmpstr (id, ==, fixture->alice->id);
  shoal_test_connect_pair (fixture->alice, fixture->bob);

  /* Fresh proxies: alice forgets bob for a moment when her dial, right after
   * her Trust, is refused by bob, who has not decided yet; his object then
   * comes back with the link. */
  g_clear_object (&bob_seen_by_alice);
  g_clear_object (&alice_seen_by_bob);
  bob_seen_by_alice = peer_proxy (alice_manager, fixture->bob->id);
  alice_seen_by_bob = peer_proxy (bob_manager, fixture->alice->id);
  wait_state (bob_seen_by_alice, "connected");
  wait_state (alice_seen_by_bob, "connected");
  g_assert_true (shoal_dbus_peer_get_trusted (bob_seen_by_alice));
  g_assert_true (shoal_dbus_peer_get_trusted (alice_seen_by_bob));
}

void
test_previous_id (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(ShoalDbusPeer) new_bob = NULL;
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(GVariant) listed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *old_id = NULL;
  const gchar *previous = NULL;
  GFile *state;

  g_test_summary ("When a peer's name comes back with another key (bob's machine replaced: "
                  "a new state directory), its object shows the old id as PreviousId, and "
                  "ListPeers as previous-id");
  if (!fixture->ready)
    return;

  old_id = g_strdup (fixture->bob->id);
  shoal_test_daemon_stop (fixture->bob);
  state = g_file_new_for_path (fixture->bob->state_dir);
  shoal_test_remove_tree (fixture->bob->state_dir);
  g_assert_false (g_file_query_exists (state, NULL));
  g_object_unref (state);
  g_clear_pointer (&fixture->bob, shoal_test_daemon_free);

  dbus_start_bob (fixture);
  g_assert_cmpstr (fixture->bob->id, !=, old_id);
  shoal_test_connect_pair (fixture->alice, fixture->bob);

  manager = dbus_manager_new (fixture->alice);
  new_bob = peer_proxy (manager, fixture->bob->id);
  g_assert_cmpstr (shoal_dbus_peer_get_name (new_bob), ==, "bob");
  g_assert_cmpstr (shoal_dbus_peer_get_previous_id (new_bob), ==, old_id);

  g_assert_true (shoal_dbus_service_call_list_peers_sync (fixture->alice->service, &peers,
                                                          NULL, &error));
  g_assert_no_error (error);
  listed = shoal_test_find_peer (peers, fixture->bob->id);
  g_assert_nonnull (listed);
  g_assert_true (g_variant_lookup (listed, "previous-id", "&s", &previous));
  g_assert_cmpstr (previous, ==, old_id);
}

static gchar *
write_key_file (const gchar *dir,
                const gchar *name,
                const gchar *key)
{
  gchar *path = g_build_filename (dir, name, NULL);
  g_autofree gchar *text = g_strconcat (key, "\n", NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  return path;
}

void
test_network_key (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree gchar *key = NULL;
  g_autofree gchar *other_key = NULL;
  g_autofree gchar *alice_address = NULL;
  g_autoptr(ShoalTestDaemon) carol = NULL;

  g_test_summary ("Daemons started with --trust-policy network-key and --network-key-file "
                  "show TrustPolicy \"network-key\" and link up when their key files hold the "
                  "same key, and not when they hold different keys");
  if (!fixture->ready)
    return;

  key = write_key_file (fixture->tmpdir, "network.key",
                        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  other_key = write_key_file (fixture->tmpdir, "other.key",
                              "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100");
  {
    const gchar *args[] = { "--trust-policy", "network-key", "--network-key-file", key, NULL };

    fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, args);
  }
  g_assert_cmpstr (shoal_dbus_service_get_trust_policy (fixture->alice->service), ==, "network-key");
  alice_address = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  {
    const gchar *args[] = { "--trust-policy", "network-key", "--network-key-file", key,
                            "--peer", alice_address, NULL };

    fixture->bob = shoal_test_daemon_start ("bob", fixture->tmpdir, args);
  }
  shoal_test_connect_pair (fixture->alice, fixture->bob);

  {
    const gchar *args[] = { "--trust-policy", "network-key", "--network-key-file", other_key,
                            "--peer", alice_address, NULL };

    carol = shoal_test_daemon_start ("carol", fixture->tmpdir, args);
  }
  shoal_test_assert_stays_apart (fixture->alice, carol->id, APART_MS);
  g_assert_false (shoal_test_daemon_sees_connected (carol, fixture->alice->id));
}
