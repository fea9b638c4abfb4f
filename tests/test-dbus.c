/* test-dbus.c: shoald's D-Bus API, against real shoald processes
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two daemons, alice and bob, each on its own private bus, joined by a static
 * peer on loopback. Every method, property, signal and error of
 * org.shoal.Shoal1 and org.shoal.Shoal1.Peer, the peer objects under the
 * ObjectManager, and the ways shoald refuses to start.
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include "shoal-test-daemon.h"

#define PEERS_PATH_PREFIX SHOAL_TEST_OBJECT_PATH "/peers/"

typedef struct {
  gchar           *tmpdir;
  ShoalTestDaemon *alice;
  ShoalTestDaemon *bob;
  gboolean         ready;
} Fixture;

static void
start_bob (Fixture *fixture)
{
  g_autofree gchar *peer = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  const gchar *args[] = { "--peer", peer, NULL };

  fixture->bob = shoal_test_daemon_start ("bob", fixture->tmpdir, args);
}

static void
setup_alice (Fixture       *fixture,
             gconstpointer  data)
{
  if (!shoal_test_skip_unless (g_find_program_in_path ("dbus-daemon") != NULL,
                               "dbus-daemon is not installed"))
    return;
  fixture->tmpdir = shoal_test_make_tmpdir ();
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
  fixture->ready = TRUE;
}

static void
setup_pair (Fixture       *fixture,
            gconstpointer  data)
{
  setup_alice (fixture, data);
  if (!fixture->ready)
    return;
  start_bob (fixture);
  shoal_test_connect_pair (fixture->alice, fixture->bob);
}

static void
teardown (Fixture       *fixture,
          gconstpointer  data)
{
  g_clear_pointer (&fixture->bob, shoal_test_daemon_free);
  g_clear_pointer (&fixture->alice, shoal_test_daemon_free);
  if (fixture->tmpdir != NULL)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (fixture->tmpdir);
      g_autofree gchar *quoted = g_shell_quote (fixture->tmpdir);
      g_autofree gchar *command = g_strdup_printf ("rm -rf %s", quoted);

      g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
      g_clear_pointer (&fixture->tmpdir, g_free);
    }
}

/* ---- signal capture ---- */

typedef struct {
  gchar    *member;
  GVariant *parameters;
} Signal;

static void
signal_free (gpointer data)
{
  Signal *signal = data;

  g_free (signal->member);
  g_variant_unref (signal->parameters);
  g_free (signal);
}

typedef struct {
  GDBusConnection *connection;
  guint            subscription;
  GPtrArray       *signals;  /* (element-type Signal) */
} Recorder;

static void
recorder_cb (GDBusConnection *connection,
             const gchar     *sender,
             const gchar     *path,
             const gchar     *interface,
             const gchar     *member,
             GVariant        *parameters,
             gpointer         user_data)
{
  Recorder *recorder = user_data;
  Signal *signal = g_new0 (Signal, 1);

  signal->member = g_strdup (member);
  signal->parameters = g_variant_ref (parameters);
  g_ptr_array_add (recorder->signals, signal);
}

static Recorder *
recorder_new (ShoalTestDaemon *daemon)
{
  Recorder *recorder = g_new0 (Recorder, 1);

  recorder->connection = g_object_ref (daemon->bus->connection);
  recorder->signals = g_ptr_array_new_with_free_func (signal_free);
  recorder->subscription =
    g_dbus_connection_signal_subscribe (recorder->connection, SHOAL_TEST_BUS_NAME,
                                        "org.shoal.Shoal1", NULL, SHOAL_TEST_OBJECT_PATH,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        recorder_cb, recorder, NULL);
  return recorder;
}

static void
recorder_free (Recorder *recorder)
{
  g_dbus_connection_signal_unsubscribe (recorder->connection, recorder->subscription);
  g_object_unref (recorder->connection);
  g_ptr_array_unref (recorder->signals);
  g_free (recorder);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Recorder, recorder_free)

typedef struct {
  Recorder    *recorder;
  const gchar *member;
  guint        count;
} SignalWait;

static gboolean
has_signals (gpointer user_data)
{
  SignalWait *wait = user_data;
  guint i, n = 0;

  for (i = 0; i < wait->recorder->signals->len; i++)
    {
      Signal *signal = g_ptr_array_index (wait->recorder->signals, i);

      if (g_strcmp0 (signal->member, wait->member) == 0)
        n++;
    }
  return n >= wait->count;
}

/* The @index-th (from 0) recorded signal named @member, waiting for it. */
static GVariant *
recorder_wait (Recorder    *recorder,
               const gchar *member,
               guint        index)
{
  SignalWait wait = { recorder, member, index + 1 };
  guint i, n = 0;

  g_assert_true (shoal_test_wait_until (has_signals, &wait, SHOAL_TEST_TIMEOUT_MS));
  for (i = 0; i < recorder->signals->len; i++)
    {
      Signal *signal = g_ptr_array_index (recorder->signals, i);

      if (g_strcmp0 (signal->member, member) == 0 && n++ == index)
        return signal->parameters;
    }
  g_assert_not_reached ();
}

/* ---- helpers ---- */

static GVariant *
bytes_variant (const guint8 *data,
               gsize         size)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, size, 1);
}

static void
assert_payload (GVariant     *payload,
                const guint8 *data,
                gsize         size)
{
  gsize got_size = 0;
  const guint8 *got = g_variant_get_fixed_array (payload, &got_size, 1);

  g_assert_cmpmem (got, got_size, data, size);
}

/* Calls @method on alice's root object and checks that it fails with the
 * D-Bus error @error_name. */
static void
assert_call_error (ShoalTestDaemon *daemon,
                   const gchar     *path,
                   const gchar     *interface,
                   const gchar     *method,
                   GVariant        *parameters,
                   const gchar     *error_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree gchar *remote = NULL;

  reply = g_dbus_connection_call_sync (daemon->bus->connection, SHOAL_TEST_BUS_NAME, path,
                                       interface, method, parameters, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, error_name);
}

static GVariant *
find_peer (GVariant    *peers,
           const gchar *id)
{
  GVariantIter iter;
  GVariant *peer;

  g_variant_iter_init (&iter, peers);
  while ((peer = g_variant_iter_next_value (&iter)) != NULL)
    {
      const gchar *peer_id = NULL;

      if (g_variant_lookup (peer, "id", "&s", &peer_id) && g_strcmp0 (peer_id, id) == 0)
        return peer;
      g_variant_unref (peer);
    }
  return NULL;
}

/* ---- tests ---- */

static void
test_properties (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) props = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *id = NULL, *name = NULL, *version = NULL;
  guint16 port = 0;

  g_test_summary ("The root object's Id, Name, Port and Version properties, read with "
                  "org.freedesktop.DBus.Properties.GetAll, describe the running node");
  if (!fixture->ready)
    return;

  reply = g_dbus_connection_call_sync (fixture->alice->bus->connection, SHOAL_TEST_BUS_NAME,
                                       SHOAL_TEST_OBJECT_PATH, "org.freedesktop.DBus.Properties",
                                       "GetAll", g_variant_new ("(s)", "org.shoal.Shoal1"),
                                       G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  props = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (props, "Id", "&s", &id));
  g_assert_true (g_variant_lookup (props, "Name", "&s", &name));
  g_assert_true (g_variant_lookup (props, "Port", "q", &port));
  g_assert_true (g_variant_lookup (props, "Version", "&s", &version));

  g_assert_cmpstr (id, ==, fixture->alice->id);
  g_assert_cmpuint (strspn (id, "0123456789abcdef"), ==, 32);
  g_assert_cmpstr (name, ==, "alice");
  g_assert_cmpuint (port, ==, fixture->alice->port);
  g_assert_cmpuint (port, >, 0);
  g_assert_cmpstr (version, ==, PACKAGE_VERSION);

  /* The port is real: something listens there. */
  {
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GSocketConnection) connection =
      g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);

    g_assert_no_error (error);
  }
}

static void
test_list_peers (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(GVariant) peer = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *name = NULL, *state = NULL;
  gboolean connected = FALSE;
  g_autofree const gchar **addresses = NULL;
  guint64 value;
  const gchar * const counters[] = {
    "rtt-usec", "last-seen-usec", "bytes-sent", "bytes-received",
    "messages-sent", "messages-received",
  };
  gsize i;

  g_test_summary ("ListPeers returns one dictionary per peer with every documented key "
                  "and type");
  if (!fixture->ready)
    return;

  g_assert_true (shoal_dbus_service_call_list_peers_sync (fixture->bob->service, &peers,
                                                          NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (peers), ==, 1);
  peer = find_peer (peers, fixture->alice->id);
  g_assert_nonnull (peer);

  g_assert_true (g_variant_lookup (peer, "name", "&s", &name));
  g_assert_cmpstr (name, ==, "alice");
  g_assert_true (g_variant_lookup (peer, "state", "&s", &state));
  g_assert_cmpstr (state, ==, "connected");
  g_assert_true (g_variant_lookup (peer, "connected", "b", &connected));
  g_assert_true (connected);
  g_assert_true (g_variant_lookup (peer, "addresses", "^a&s", &addresses));
  /* bob dialled alice at the address it was given. */
  {
    g_autofree gchar *expected = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);

    g_assert_true (g_strv_contains (addresses, expected));
  }
  for (i = 0; i < G_N_ELEMENTS (counters); i++)
    g_assert_true (g_variant_lookup (peer, counters[i], "t", &value));
}

typedef struct {
  ShoalDbusPeer *peer;
  guint64        messages;
} CounterWait;

static gboolean
counter_reached (gpointer user_data)
{
  CounterWait *wait = user_data;

  return shoal_dbus_peer_get_messages_sent (wait->peer) >= wait->messages;
}

static void
test_send (Fixture       *fixture,
           gconstpointer  data)
{
  static const guint8 payload[] = { 'h', 'i', 0x00, 0xff, 0xfe, '\n', 0x80, 0x00 };
  static const guint8 second[] = { 0x00 };
  g_autoptr(Recorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(ShoalDbusPeer) peer = NULL;
  g_autofree gchar *path = NULL;
  GVariant *signal;
  const gchar *from = NULL, *name = NULL;
  g_autoptr(GVariant) got = NULL;
  g_autoptr(GVariant) details = NULL;
  gboolean broadcast = TRUE;
  CounterWait wait;

  g_test_summary ("Send on the root object and on the peer object deliver byte-exact "
                  "payloads (NUL and non-UTF-8 bytes included) as MessageReceived on the "
                  "other daemon, and the peer's counters follow with PropertiesChanged");
  if (!fixture->ready)
    return;

  recorder = recorder_new (fixture->bob);

  g_assert_true (shoal_dbus_service_call_send_sync (fixture->alice->service, fixture->bob->id,
                                                    bytes_variant (payload, sizeof payload),
                                                    NULL, &error));
  g_assert_no_error (error);

  signal = recorder_wait (recorder, "MessageReceived", 0);
  g_variant_get (signal, "(&s@ay@a{sv})", &from, &got, &details);
  g_assert_cmpstr (from, ==, fixture->alice->id);
  assert_payload (got, payload, sizeof payload);
  g_assert_true (g_variant_lookup (details, "broadcast", "b", &broadcast));
  g_assert_false (broadcast);
  g_assert_true (g_variant_lookup (details, "name", "&s", &name));
  g_assert_cmpstr (name, ==, "alice");
  g_clear_pointer (&got, g_variant_unref);
  g_clear_pointer (&details, g_variant_unref);

  /* The same through alice's object for bob. */
  manager = shoal_dbus_object_manager_client_new_sync (fixture->alice->bus->connection,
                                                       G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                                       SHOAL_TEST_BUS_NAME, SHOAL_TEST_OBJECT_PATH,
                                                       NULL, &error);
  g_assert_no_error (error);
  path = g_strconcat (PEERS_PATH_PREFIX, fixture->bob->id, NULL);
  peer = SHOAL_DBUS_PEER (g_dbus_object_manager_get_interface (manager, path,
                                                               "org.shoal.Shoal1.Peer"));
  g_assert_nonnull (peer);
  g_assert_true (shoal_dbus_peer_call_send_sync (peer, bytes_variant (second, sizeof second),
                                                 NULL, &error));
  g_assert_no_error (error);

  signal = recorder_wait (recorder, "MessageReceived", 1);
  g_variant_get (signal, "(&s@ay@a{sv})", &from, &got, &details);
  g_assert_cmpstr (from, ==, fixture->alice->id);
  assert_payload (got, second, sizeof second);

  /* Counters reach the proxy through PropertiesChanged, not by polling. */
  wait.peer = peer;
  wait.messages = 2;
  g_assert_true (shoal_test_wait_until (counter_reached, &wait, SHOAL_TEST_TIMEOUT_MS));
  g_assert_cmpuint (shoal_dbus_peer_get_bytes_sent (peer), >=, sizeof payload + sizeof second);
}

static void
test_broadcast (Fixture       *fixture,
                gconstpointer  data)
{
  static const guint8 payload[] = { 0x00, 0x01, 0xc3, 0x28, 'x' };
  g_autoptr(Recorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) got = NULL;
  g_autoptr(GVariant) details = NULL;
  GVariant *signal;
  const gchar *from = NULL;
  gboolean broadcast = FALSE;
  guint recipients = 0;

  g_test_summary ("Broadcast returns the number of peers it queued for, and the other "
                  "daemon signals MessageReceived with broadcast=true and the exact bytes");
  if (!fixture->ready)
    return;

  recorder = recorder_new (fixture->bob);
  g_assert_true (shoal_dbus_service_call_broadcast_sync (fixture->alice->service,
                                                         bytes_variant (payload, sizeof payload),
                                                         &recipients, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (recipients, ==, 1);

  signal = recorder_wait (recorder, "MessageReceived", 0);
  g_variant_get (signal, "(&s@ay@a{sv})", &from, &got, &details);
  g_assert_cmpstr (from, ==, fixture->alice->id);
  assert_payload (got, payload, sizeof payload);
  g_assert_true (g_variant_lookup (details, "broadcast", "b", &broadcast));
  g_assert_true (broadcast);
}

static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree guint8 *big = g_malloc0 (16 * 1024 * 1024 + 1);
  g_autofree gchar *bob_path = NULL;
  static const guint8 small[] = { 'x' };

  g_test_summary ("Send, Broadcast and Peer.Send answer with the documented "
                  "org.shoal.Shoal1.Error names: InvalidPeerId, UnknownPeer, MessageTooLarge");
  if (!fixture->ready)
    return;

  assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Send",
                     g_variant_new ("(s@ay)", "not-a-peer-id", bytes_variant (small, 1)),
                     "org.shoal.Shoal1.Error.InvalidPeerId");
  assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Send",
                     g_variant_new ("(s@ay)", "0123456789ABCDEF0123456789ABCDEF",
                                    bytes_variant (small, 1)),
                     "org.shoal.Shoal1.Error.InvalidPeerId");
  assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Send",
                     g_variant_new ("(s@ay)", "0123456789abcdef0123456789abcdef",
                                    bytes_variant (small, 1)),
                     "org.shoal.Shoal1.Error.UnknownPeer");
  assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Send",
                     g_variant_new ("(s@ay)", fixture->bob->id,
                                    bytes_variant (big, 16 * 1024 * 1024 + 1)),
                     "org.shoal.Shoal1.Error.MessageTooLarge");
  assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Broadcast",
                     g_variant_new ("(@ay)", bytes_variant (big, 16 * 1024 * 1024 + 1)),
                     "org.shoal.Shoal1.Error.MessageTooLarge");

  bob_path = g_strconcat (PEERS_PATH_PREFIX, fixture->bob->id, NULL);
  assert_call_error (fixture->alice, bob_path, "org.shoal.Shoal1.Peer", "Send",
                     g_variant_new ("(@ay)", bytes_variant (big, 16 * 1024 * 1024 + 1)),
                     "org.shoal.Shoal1.Error.MessageTooLarge");

  /* Exactly the limit is allowed. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (shoal_dbus_service_call_send_sync (fixture->alice->service, fixture->bob->id,
                                                      bytes_variant (big, 16 * 1024 * 1024),
                                                      NULL, &error));
    g_assert_no_error (error);
  }
}

typedef struct {
  GDBusObjectManager *manager;
  const gchar        *path;
  gboolean            present;
} ObjectWait;

static gboolean
object_presence (gpointer user_data)
{
  ObjectWait *wait = user_data;
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (wait->manager, wait->path);

  return (object != NULL) == wait->present;
}

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

static GDBusObjectManager *
manager_new (ShoalTestDaemon *daemon)
{
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *manager;

  manager = shoal_dbus_object_manager_client_new_sync (daemon->bus->connection,
                                                       G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                                       SHOAL_TEST_BUS_NAME, SHOAL_TEST_OBJECT_PATH,
                                                       NULL, &error);
  g_assert_no_error (error);
  return manager;
}

static void
test_peer_appears_and_goes (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(Recorder) recorder = NULL;
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

  recorder = recorder_new (fixture->alice);
  manager = manager_new (fixture->alice);
  objects = g_dbus_object_manager_get_objects (manager);
  g_assert_null (objects);

  start_bob (fixture);
  bob_id = g_strdup (fixture->bob->id);

  signal = recorder_wait (recorder, "PeerConnected", 0);
  g_variant_get (signal, "(&s&s)", &id, &text);
  g_assert_cmpstr (id, ==, bob_id);
  g_assert_cmpstr (text, ==, "bob");

  path = g_strconcat (PEERS_PATH_PREFIX, bob_id, NULL);
  object_wait = (ObjectWait) { manager, path, TRUE };
  g_assert_true (shoal_test_wait_until (object_presence, &object_wait, SHOAL_TEST_TIMEOUT_MS));
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

  signal = recorder_wait (recorder, "PeerDisconnected", 0);
  g_variant_get (signal, "(&s&s)", &id, &text);
  g_assert_cmpstr (id, ==, bob_id);
  g_assert_cmpstr (text, ==, "shutdown");

  object_wait = (ObjectWait) { manager, path, FALSE };
  g_assert_true (shoal_test_wait_until (object_presence, &object_wait, SHOAL_TEST_TIMEOUT_MS));

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

static void
test_not_connected (Fixture       *fixture,
                    gconstpointer  data)
{
  static const guint8 small[] = { 'x' };
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(Recorder) recorder = NULL;
  g_autoptr(ShoalDbusPeer) peer = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *expected = NULL;
  const gchar *id = NULL, *text = NULL;
  ConnectedWait connected_wait;
  GVariant *signal;

  g_test_summary ("A statically configured peer that stops stays known: its object reports "
                  "Connected=false through PropertiesChanged and keeps its address, and Send "
                  "to it fails with org.shoal.Shoal1.Error.NotConnected");
  if (!fixture->ready)
    return;

  manager = manager_new (fixture->bob);
  path = g_strconcat (PEERS_PATH_PREFIX, fixture->alice->id, NULL);
  peer = SHOAL_DBUS_PEER (g_dbus_object_manager_get_interface (manager, path,
                                                               "org.shoal.Shoal1.Peer"));
  g_assert_nonnull (peer);
  expected = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  g_assert_true (g_strv_contains (shoal_dbus_peer_get_addresses (peer), expected));
  g_assert_true (shoal_dbus_peer_get_connected (peer));

  recorder = recorder_new (fixture->bob);
  shoal_test_daemon_stop (fixture->alice);

  signal = recorder_wait (recorder, "PeerDisconnected", 0);
  g_variant_get (signal, "(&s&s)", &id, &text);
  g_assert_cmpstr (id, ==, fixture->alice->id);
  g_assert_cmpstr (text, ==, "shutdown");

  connected_wait = (ConnectedWait) { peer, FALSE };
  g_assert_true (shoal_test_wait_until (connected_is, &connected_wait, SHOAL_TEST_TIMEOUT_MS));
  g_assert_cmpstr (shoal_dbus_peer_get_state (peer), !=, "connected");

  assert_call_error (fixture->bob, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Send",
                     g_variant_new ("(s@ay)", fixture->alice->id, bytes_variant (small, 1)),
                     "org.shoal.Shoal1.Error.NotConnected");
  assert_call_error (fixture->bob, path, "org.shoal.Shoal1.Peer", "Send",
                     g_variant_new ("(@ay)", bytes_variant (small, 1)),
                     "org.shoal.Shoal1.Error.NotConnected");
}

/* ---- startup ---- */

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
  if (!shoal_test_skip_unless (g_find_program_in_path ("dbus-daemon") != NULL,
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

  g_test_add ("/dbus/properties", Fixture, NULL, setup_pair, test_properties, teardown);
  g_test_add ("/dbus/list-peers", Fixture, NULL, setup_pair, test_list_peers, teardown);
  g_test_add ("/dbus/send", Fixture, NULL, setup_pair, test_send, teardown);
  g_test_add ("/dbus/broadcast", Fixture, NULL, setup_pair, test_broadcast, teardown);
  g_test_add ("/dbus/errors", Fixture, NULL, setup_pair, test_errors, teardown);
  g_test_add ("/dbus/peer-appears-and-goes", Fixture, NULL, setup_alice,
              test_peer_appears_and_goes, teardown);
  g_test_add ("/dbus/not-connected", Fixture, NULL, setup_pair, test_not_connected, teardown);
  g_test_add_func ("/dbus/startup/bad-options", test_startup_bad_options);
  g_test_add_func ("/dbus/startup/failures", test_startup_failures);
  g_test_add_func ("/dbus/startup/bus-none", test_bus_none);

  return g_test_run ();
}
