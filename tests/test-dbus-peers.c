/* test-dbus-peers.c: peer objects that appear, go, and stay known out of reach
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "test-dbus.h"

typedef struct {
  ShoalDbusPeer *peer;
  gboolean       connected;
} ConnectedWait;

static gboolean
connected_is (gpointer user_data)
{
  ConnectedWait *wait = user_data;

  return shoal_dbus_peer_get_connected (wait->peer) == wait->connected;
}

void
test_peer_appears_and_goes (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(ShoalTestRecorder) recorder = NULL;
  g_autoptr(ShoalDbusPeer) peer = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *bob_bus = NULL;
  g_autofree gchar *bob_id = NULL;
  GList *objects;
  const gchar *id = NULL, *text = NULL;
  ObjectWait object_wait;
  ConnectedWait connected_wait;
  GVariant *signal;

  g_test_summary ("When a second daemon connects, PeerConnected is signalled and its object "
                  "appears under the ObjectManager with every Peer property; when it stops "
                  "with SIGTERM it exits 0, PeerDisconnected gives the reason \"shutdown\" "
                  "and, known only from its own link, its object goes");
  if (!fixture->ready)
    return;

  recorder = shoal_test_recorder_new_for_daemon (fixture->alice);
  manager = dbus_manager_new (fixture->alice);
  objects = g_dbus_object_manager_get_objects (manager);
  g_assert_null (objects);

  dbus_start_bob (fixture);
  bob_id = g_strdup (fixture->bob->id);

  signal = shoal_test_recorder_wait (recorder, "PeerConnected", 0);
  g_variant_get (signal, "(&s&s)", &id, &text);
  g_assert_cmpstr (id, ==, bob_id);
  g_assert_cmpstr (text, ==, "bob");

  path = g_strconcat (SHOAL_TEST_PEERS_PATH_PREFIX, bob_id, NULL);
  object_wait = (ObjectWait) { manager, path, TRUE };
  g_assert_true (shoal_test_wait_until (dbus_object_presence, &object_wait, SHOAL_TEST_TIMEOUT_MS));
  peer = SHOAL_DBUS_PEER (g_dbus_object_manager_get_interface (manager, path,
                                                               "org.shoal.Shoal1.Peer"));
  g_assert_nonnull (peer);
  connected_wait = (ConnectedWait) { peer, TRUE };
  g_assert_true (shoal_test_wait_until (connected_is, &connected_wait, SHOAL_TEST_TIMEOUT_MS));
  g_assert_cmpstr (shoal_dbus_peer_get_id (peer), ==, bob_id);
  g_assert_cmpstr (shoal_dbus_peer_get_name (peer), ==, "bob");
  g_assert_cmpstr (shoal_dbus_peer_get_state (peer), ==, "connected");
  g_assert_nonnull (shoal_dbus_peer_get_addresses (peer));
  g_assert_cmpuint (shoal_dbus_peer_get_last_seen (peer), >, 0);
  g_assert_cmpuint (shoal_dbus_peer_get_bytes_received (peer), ==, 0);
  g_assert_cmpuint (shoal_dbus_peer_get_messages_received (peer), ==, 0);
  g_assert_cmpuint (shoal_dbus_peer_get_bytes_sent (peer), ==, 0);
  g_assert_cmpuint (shoal_dbus_peer_get_messages_sent (peer), ==, 0);
  (void) shoal_dbus_peer_get_round_trip_time (peer);

  /* Stopping checks the exit status 0. */
  shoal_test_daemon_stop (fixture->bob);

  signal = shoal_test_recorder_wait (recorder, "PeerDisconnected", 0);
  g_variant_get (signal, "(&s&s)", &id, &text);
  g_assert_cmpstr (id, ==, bob_id);
  g_assert_cmpstr (text, ==, "shutdown");

  object_wait = (ObjectWait) { manager, path, FALSE };
  g_assert_true (shoal_test_wait_until (dbus_object_presence, &object_wait, SHOAL_TEST_TIMEOUT_MS));

  /* bob released its bus name on the way out. */
  {
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GError) error = NULL;
    gboolean has_owner = TRUE;

    reply = g_dbus_connection_call_sync (fixture->bob->bus->connection, "org.freedesktop.DBus",
                                         "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                         "NameHasOwner", g_variant_new ("(s)", SHOAL_TEST_BUS_NAME),
                                         G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                         NULL, &error);
    g_assert_no_error (error);
    g_variant_get (reply, "(b)", &has_owner);
    g_assert_false (has_owner);
  }
}

static gboolean
last_error_set (gpointer user_data)
{
  const gchar *last_error = shoal_dbus_peer_get_last_error (SHOAL_DBUS_PEER (user_data));

  return last_error != NULL && *last_error != '\0';
}

void
test_not_connected (Fixture       *fixture,
                    gconstpointer  data)
{
  static const guint8 small[] = { 'x' };
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(ShoalTestRecorder) recorder = NULL;
  g_autoptr(ShoalDbusPeer) peer = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *expected = NULL;
  const gchar *id = NULL, *text = NULL;
  ConnectedWait connected_wait;
  GVariant *signal;

  g_test_summary ("A statically configured peer that stops stays known: its object reports "
                  "Connected=false through PropertiesChanged and keeps its address, its "
                  "LastError and ListPeers' last-error say the redials are refused; Send to "
                  "it is accepted, and ends in MessageFailed once the delivery timeout has "
                  "passed, after which Send fails with org.shoal.Shoal1.Error.NotConnected");
  if (!fixture->ready)
    return;

  manager = dbus_manager_new (fixture->bob);
  path = g_strconcat (SHOAL_TEST_PEERS_PATH_PREFIX, fixture->alice->id, NULL);
  peer = SHOAL_DBUS_PEER (g_dbus_object_manager_get_interface (manager, path,
                                                               "org.shoal.Shoal1.Peer"));
  g_assert_nonnull (peer);
  expected = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  g_assert_true (g_strv_contains (shoal_dbus_peer_get_addresses (peer), expected));
  g_assert_true (shoal_dbus_peer_get_connected (peer));
  g_assert_cmpstr (shoal_dbus_peer_get_last_error (peer), ==, "");

  recorder = shoal_test_recorder_new_for_daemon (fixture->bob);
  shoal_test_daemon_stop (fixture->alice);

  signal = shoal_test_recorder_wait (recorder, "PeerDisconnected", 0);
  g_variant_get (signal, "(&s&s)", &id, &text);
  g_assert_cmpstr (id, ==, fixture->alice->id);
  g_assert_cmpstr (text, ==, "shutdown");

  connected_wait = (ConnectedWait) { peer, FALSE };
  g_assert_true (shoal_test_wait_until (connected_is, &connected_wait, SHOAL_TEST_TIMEOUT_MS));
  g_assert_cmpstr (shoal_dbus_peer_get_state (peer), !=, "connected");

  /* bob dials alice again, and is refused: nothing listens there now. */
  g_assert_true (shoal_test_wait_until (last_error_set, peer, SHOAL_TEST_TIMEOUT_MS));
  g_assert_true (g_str_has_prefix (shoal_dbus_peer_get_last_error (peer), "connection refused: "));
  {
    g_autoptr(GVariant) peers = NULL;
    g_autoptr(GVariant) entry = NULL;
    g_autoptr(GError) error = NULL;
    const gchar *last_error = NULL;

    g_assert_true (shoal_dbus_service_call_list_peers_sync (fixture->bob->service, &peers,
                                                            NULL, &error));
    g_assert_no_error (error);
    entry = shoal_test_find_peer (peers, fixture->alice->id);
    g_assert_true (g_variant_lookup (entry, "last-error", "&s", &last_error));
    g_assert_true (g_str_has_prefix (last_error, "connection refused: "));
  }

  /* Out of reach for less than the delivery timeout (2 s): kept for it,
   * then given up. */
  {
    g_autoptr(GError) error = NULL;
    const gchar *reason = NULL, *to = NULL;
    guint64 sent_id = 0, failed_id = 0;

    g_assert_true (shoal_dbus_service_call_send_sync (fixture->bob->service, fixture->alice->id,
                                                      shoal_test_bytes_variant (small, 1),
                                                      &sent_id, NULL, &error));
    g_assert_no_error (error);
    signal = shoal_test_recorder_wait (recorder, "MessageFailed", 0);
    g_variant_get (signal, "(&st&s)", &to, &failed_id, &reason);
    g_assert_cmpstr (to, ==, fixture->alice->id);
    g_assert_cmpuint (failed_id, ==, sent_id);
    g_assert_cmpstr (reason, ==, "peer unreachable for 2 s");
  }

  shoal_test_assert_call_error (fixture->bob, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Send",
                                g_variant_new ("(s@ay)", fixture->alice->id,
                                               shoal_test_bytes_variant (small, 1)),
                                "org.shoal.Shoal1.Error.NotConnected");
  shoal_test_assert_call_error (fixture->bob, path, "org.shoal.Shoal1.Peer", "Send",
                                g_variant_new ("(@ay)", shoal_test_bytes_variant (small, 1)),
                                "org.shoal.Shoal1.Error.NotConnected");
}
