/* test-dbus.c: shoald's D-Bus API, against real shoald processes
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two daemons, alice and bob, each on its own private bus, joined by a static
 * peer on loopback. Every method, property, signal and error of
 * org.shoal.Shoal1 and org.shoal.Shoal1.Peer, the peer objects under the
 * ObjectManager, and the trust policies as D-Bus shows them (allow-list
 * pairs, network keys, decisions that outlive a restart). test-startup.c
 * covers how shoald starts and refuses to.
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

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
  /* A short delivery timeout, for /dbus/not-connected to see it end. */
  const gchar *args[] = { "--peer", peer, "--delivery-timeout", "2", NULL };

  fixture->bob = shoal_test_daemon_start ("bob", fixture->tmpdir, args);
}

static void
setup_alice (Fixture       *fixture,
             gconstpointer  data)
{
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;
  fixture->tmpdir = shoal_test_make_tmpdir ();
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
  fixture->ready = TRUE;
}

/* Only a scratch directory: the test starts its daemons with options of its own. */
static void
setup_tmpdir (Fixture       *fixture,
              gconstpointer  data)
{
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;
  fixture->tmpdir = shoal_test_make_tmpdir ();
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

/* Any sender: on a bus where shoald does not run yet, a well-known name
 * has no owner to match. Only shoald sends these signals on our buses. */
static Recorder *
recorder_new_for_bus (ShoalTestBus *bus)
{
  Recorder *recorder = g_new0 (Recorder, 1);

  recorder->connection = g_object_ref (bus->connection);
  recorder->signals = g_ptr_array_new_with_free_func (signal_free);
  recorder->subscription =
    g_dbus_connection_signal_subscribe (recorder->connection, NULL,
                                        "org.shoal.Shoal1", NULL, SHOAL_TEST_OBJECT_PATH,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        recorder_cb, recorder, NULL);
  return recorder;
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

/* 32 colon-separated pairs of lowercase hex digits. */
static void
assert_fingerprint (const gchar *fingerprint)
{
  gsize i;

  g_assert_nonnull (fingerprint);
  g_assert_cmpuint (strlen (fingerprint), ==, 32 * 3 - 1);
  for (i = 0; fingerprint[i] != '\0'; i++)
    {
      if (i % 3 == 2)
        g_assert_cmpint (fingerprint[i], ==, ':');
      else
        g_assert_nonnull (strchr ("0123456789abcdef", fingerprint[i]));
    }
}

static gchar *
fingerprint_to_hex (const gchar *fingerprint)
{
  GString *hex = g_string_new (NULL);
  const gchar *p;

  for (p = fingerprint; *p != '\0'; p++)
    if (*p != ':')
      g_string_append_c (hex, *p);
  return g_string_free (hex, FALSE);
}

static void
assert_verification_code (const gchar *code)
{
  g_assert_nonnull (code);
  g_assert_cmpuint (strlen (code), ==, 6);
  g_assert_cmpuint (strspn (code, "0123456789"), ==, 6);
}

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

static void
assert_call_ok (ShoalTestDaemon *daemon,
                const gchar     *method,
                GVariant        *parameters)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (daemon->bus->connection, SHOAL_TEST_BUS_NAME,
                                       SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", method,
                                       parameters, G_VARIANT_TYPE_UNIT, G_DBUS_CALL_FLAGS_NONE,
                                       -1, NULL, &error);
  g_assert_no_error (error);
}

/* ---- tests ---- */

static void
test_properties (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) props = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *id = NULL, *name = NULL, *version = NULL, *policy = NULL, *fingerprint = NULL;
  guint16 port = 0;

  g_test_summary ("The root object's Id, Name, Port, Version, TrustPolicy and Fingerprint "
                  "properties, read with org.freedesktop.DBus.Properties.GetAll, describe the "
                  "running node; the id is the start of the key's fingerprint");
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
  g_assert_true (g_variant_lookup (props, "TrustPolicy", "&s", &policy));
  g_assert_true (g_variant_lookup (props, "Fingerprint", "&s", &fingerprint));

  g_assert_cmpstr (id, ==, fixture->alice->id);
  g_assert_cmpuint (strspn (id, "0123456789abcdef"), ==, 32);
  g_assert_cmpstr (name, ==, "alice");
  g_assert_cmpuint (port, ==, fixture->alice->port);
  g_assert_cmpuint (port, >, 0);
  g_assert_cmpstr (version, ==, PACKAGE_VERSION);
  g_assert_cmpstr (policy, ==, "open");
  assert_fingerprint (fingerprint);
  /* The id is the first 128 bits of the same SHA-256 of the key. */
  {
    g_autofree gchar *hex = fingerprint_to_hex (fingerprint);

    g_assert_true (g_str_has_prefix (hex, id));
  }

  /* The port is real: something listens there. */
  {
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GSocketConnection) connection = NULL;

    /* No proxy lookup: glib-networking's resolver reads GSettings schemas,
     * which a test machine need not have, and loopback needs no proxy. */
    g_socket_client_set_enable_proxy (client, FALSE);
    connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
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
  const gchar *fingerprint = NULL, *code = NULL, *previous = NULL;
  gboolean connected = FALSE;
  gboolean trusted = TRUE;
  g_autofree const gchar **addresses = NULL;
  guint64 value;
  const gchar * const counters[] = {
    "rtt-usec", "last-seen-usec", "bytes-sent", "bytes-received",
    "messages-sent", "messages-received",
  };
  gsize i;

  g_test_summary ("ListPeers returns one dictionary per peer with every documented key "
                  "and type, the trust keys included");
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
  g_assert_true (g_variant_lookup (peer, "trusted", "b", &trusted));
  g_assert_false (trusted);
  g_assert_true (g_variant_lookup (peer, "fingerprint", "&s", &fingerprint));
  g_assert_cmpstr (fingerprint, ==, shoal_dbus_service_get_fingerprint (fixture->alice->service));
  g_assert_true (g_variant_lookup (peer, "verification-code", "&s", &code));
  assert_verification_code (code);
  g_assert_true (g_variant_lookup (peer, "previous-id", "&s", &previous));
  g_assert_cmpstr (previous, ==, "");
  g_assert_true (g_variant_lookup (peer, "last-error", "&s", &previous));
  g_assert_cmpstr (previous, ==, "");
  g_assert_true (g_variant_lookup (peer, "addresses", "^a&s", &addresses));
  /* bob dialled alice at the address it was given. */
  {
    g_autofree gchar *expected = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);

    g_assert_true (g_strv_contains (addresses, expected));
  }
  for (i = 0; i < G_N_ELEMENTS (counters); i++)
    g_assert_true (g_variant_lookup (peer, counters[i], "t", &value));
}

static void
test_diagnose (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GVariant) report = NULL;
  g_autoptr(GVariant) interfaces = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const gchar **elsewhere = NULL;
  const gchar *text = NULL;
  gboolean flag = TRUE;
  gboolean loopback_seen = FALSE;
  guint32 count = 1;
  guint16 port = 0;
  GVariantIter iter;
  GVariant *interface;

  g_test_summary ("Diagnose returns every documented key with its type: on a private bus "
                  "without mDNS, discovery is off, nothing is announced or seen, the port and "
                  "listen address are the daemon's, and the interfaces include loopback, "
                  "which Shoal does not use");
  if (!fixture->ready)
    return;

  g_assert_true (shoal_dbus_service_call_diagnose_sync (fixture->alice->service, &report,
                                                        NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (report, G_VARIANT_TYPE_VARDICT));

  g_assert_true (g_variant_lookup (report, "mdns", "b", &flag));
  g_assert_false (flag);
  g_assert_true (g_variant_lookup (report, "discovery-state", "&s", &text));
  g_assert_cmpstr (text, ==, "off");
  g_assert_true (g_variant_lookup (report, "service-name", "&s", &text));
  g_assert_cmpstr (text, ==, "");
  g_assert_true (g_variant_lookup (report, "services-seen", "u", &count));
  g_assert_cmpuint (count, ==, 0);
  flag = TRUE;
  g_assert_true (g_variant_lookup (report, "own-service-seen", "b", &flag));
  g_assert_false (flag);
  g_assert_true (g_variant_lookup (report, "id-elsewhere", "^a&s", &elsewhere));
  g_assert_cmpuint (g_strv_length ((gchar **) elsewhere), ==, 0);
  {
    g_autoptr(GVariant) unlinked = g_variant_lookup_value (report, "unlinked-addresses",
                                                           G_VARIANT_TYPE ("a(ss)"));

    g_assert_nonnull (unlinked);
    g_assert_cmpuint (g_variant_n_children (unlinked), ==, 0);
  }
  g_assert_true (g_variant_lookup (report, "port", "q", &port));
  g_assert_cmpuint (port, ==, fixture->alice->port);
  g_assert_true (g_variant_lookup (report, "listen-address", "&s", &text));
  g_assert_cmpstr (text, ==, "127.0.0.1");

  interfaces = g_variant_lookup_value (report, "interfaces", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_nonnull (interfaces);
  g_variant_iter_init (&iter, interfaces);
  while ((interface = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autofree const gchar **addresses = NULL;
      const gchar *name = NULL;
      gboolean multicast, is_loopback, used;

      g_assert_true (g_variant_lookup (interface, "name", "&s", &name));
      g_assert_true (g_variant_lookup (interface, "addresses", "^a&s", &addresses));
      g_assert_true (g_variant_lookup (interface, "multicast", "b", &multicast));
      g_assert_true (g_variant_lookup (interface, "loopback", "b", &is_loopback));
      g_assert_true (g_variant_lookup (interface, "used", "b", &used));
      /* Listening on 127.0.0.1 only: no interface that reaches others is used. */
      g_assert_false (used);
      if (is_loopback)
        {
          loopback_seen = TRUE;
          g_assert_true (g_strv_contains (addresses, "127.0.0.1"));
        }
      g_variant_unref (interface);
    }
  g_assert_true (loopback_seen);
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
  g_autoptr(Recorder) sender = NULL;
  guint64 id = 0, second_id = 0, delivered_id = 0;
  const gchar *to = NULL;

  g_test_summary ("Send on the root object and on the peer object deliver byte-exact "
                  "payloads (NUL and non-UTF-8 bytes included) as MessageReceived on the "
                  "other daemon, the sender signals MessageDelivered with the id Send "
                  "returned, and the peer's counters follow with PropertiesChanged");
  if (!fixture->ready)
    return;

  recorder = recorder_new (fixture->bob);
  sender = recorder_new (fixture->alice);

  g_assert_true (shoal_dbus_service_call_send_sync (fixture->alice->service, fixture->bob->id,
                                                    bytes_variant (payload, sizeof payload),
                                                    &id, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);

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

  /* Bob took it: alice hears so, with the id Send() gave. */
  signal = recorder_wait (sender, "MessageDelivered", 0);
  g_variant_get (signal, "(&st)", &to, &delivered_id);
  g_assert_cmpstr (to, ==, fixture->bob->id);
  g_assert_cmpuint (delivered_id, ==, id);

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
                                                 &second_id, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (second_id, >, id);

  signal = recorder_wait (recorder, "MessageReceived", 1);
  g_variant_get (signal, "(&s@ay@a{sv})", &from, &got, &details);
  g_assert_cmpstr (from, ==, fixture->alice->id);
  assert_payload (got, second, sizeof second);
  signal = recorder_wait (sender, "MessageDelivered", 1);
  g_variant_get (signal, "(&st)", &to, &delivered_id);
  g_assert_cmpuint (delivered_id, ==, second_id);

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
  g_auto(GStrv) recipients = NULL;
  g_autoptr(Recorder) sender = NULL;
  guint64 id = 0, delivered_id = 0;
  const gchar *to = NULL;

  g_test_summary ("Broadcast returns an id and the peers it queued for, the other daemon "
                  "signals MessageReceived with broadcast=true and the exact bytes, and the "
                  "sender MessageDelivered with that id");
  if (!fixture->ready)
    return;

  recorder = recorder_new (fixture->bob);
  sender = recorder_new (fixture->alice);
  g_assert_true (shoal_dbus_service_call_broadcast_sync (fixture->alice->service,
                                                         bytes_variant (payload, sizeof payload),
                                                         &id, &recipients, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);
  g_assert_cmpuint (g_strv_length (recipients), ==, 1);
  g_assert_cmpstr (recipients[0], ==, fixture->bob->id);

  signal = recorder_wait (recorder, "MessageReceived", 0);
  g_variant_get (signal, "(&s@ay@a{sv})", &from, &got, &details);
  g_assert_cmpstr (from, ==, fixture->alice->id);
  assert_payload (got, payload, sizeof payload);
  g_assert_true (g_variant_lookup (details, "broadcast", "b", &broadcast));
  g_assert_true (broadcast);

  signal = recorder_wait (sender, "MessageDelivered", 0);
  g_variant_get (signal, "(&st)", &to, &delivered_id);
  g_assert_cmpstr (to, ==, fixture->bob->id);
  g_assert_cmpuint (delivered_id, ==, id);
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
                                                      NULL, NULL, &error));
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

static gboolean
last_error_set (gpointer user_data)
{
  const gchar *last_error = shoal_dbus_peer_get_last_error (SHOAL_DBUS_PEER (user_data));

  return last_error != NULL && *last_error != '\0';
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
                  "Connected=false through PropertiesChanged and keeps its address, its "
                  "LastError and ListPeers' last-error say the redials are refused; Send to "
                  "it is accepted, and ends in MessageFailed once the delivery timeout has "
                  "passed, after which Send fails with org.shoal.Shoal1.Error.NotConnected");
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
  g_assert_cmpstr (shoal_dbus_peer_get_last_error (peer), ==, "");

  recorder = recorder_new (fixture->bob);
  shoal_test_daemon_stop (fixture->alice);

  signal = recorder_wait (recorder, "PeerDisconnected", 0);
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
    entry = find_peer (peers, fixture->alice->id);
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
                                                      bytes_variant (small, 1), &sent_id, NULL,
                                                      &error));
    g_assert_no_error (error);
    signal = recorder_wait (recorder, "MessageFailed", 0);
    g_variant_get (signal, "(&st&s)", &to, &failed_id, &reason);
    g_assert_cmpstr (to, ==, fixture->alice->id);
    g_assert_cmpuint (failed_id, ==, sent_id);
    g_assert_cmpstr (reason, ==, "peer unreachable for 2 s");
  }

  assert_call_error (fixture->bob, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Send",
                     g_variant_new ("(s@ay)", fixture->alice->id, bytes_variant (small, 1)),
                     "org.shoal.Shoal1.Error.NotConnected");
  assert_call_error (fixture->bob, path, "org.shoal.Shoal1.Peer", "Send",
                     g_variant_new ("(@ay)", bytes_variant (small, 1)),
                     "org.shoal.Shoal1.Error.NotConnected");
}

/* ---- trust ---- */

/* @daemon's object for @peer_id, once it is there. */
static ShoalDbusPeer *
peer_proxy (GDBusObjectManager *manager,
            const gchar        *peer_id)
{
  g_autofree gchar *path = g_strconcat (PEERS_PATH_PREFIX, peer_id, NULL);
  ObjectWait wait = { manager, path, TRUE };
  ShoalDbusPeer *peer;

  g_assert_true (shoal_test_wait_until (object_presence, &wait, SHOAL_TEST_TIMEOUT_MS));
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

typedef struct {
  ShoalTestDaemon *daemon;
  const gchar     *peer_id;
} SeesWait;

static gboolean
sees_connected (gpointer user_data)
{
  SeesWait *wait = user_data;

  return shoal_test_daemon_sees_connected (wait->daemon, wait->peer_id);
}

/* That @daemon does not link up with @peer_id for a while. */
static void
assert_stays_apart (ShoalTestDaemon *daemon,
                    const gchar     *peer_id)
{
  SeesWait wait = { daemon, peer_id };

  g_assert_false (shoal_test_wait_until (sees_connected, &wait, 1500));
}

static void
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

  alice_manager = manager_new (fixture->alice);
  bob_manager = manager_new (fixture->bob);
  bob_seen_by_alice = peer_proxy (alice_manager, fixture->bob->id);
  alice_seen_by_bob = peer_proxy (bob_manager, fixture->alice->id);

  g_assert_false (shoal_dbus_peer_get_trusted (bob_seen_by_alice));
  g_assert_false (shoal_dbus_peer_get_trusted (alice_seen_by_bob));
  g_assert_cmpstr (shoal_dbus_peer_get_fingerprint (bob_seen_by_alice), ==,
                   shoal_dbus_service_get_fingerprint (fixture->bob->service));
  g_assert_cmpstr (shoal_dbus_peer_get_fingerprint (alice_seen_by_bob), ==,
                   shoal_dbus_service_get_fingerprint (fixture->alice->service));
  assert_verification_code (shoal_dbus_peer_get_verification_code (bob_seen_by_alice));
  g_assert_cmpstr (shoal_dbus_peer_get_verification_code (bob_seen_by_alice), ==,
                   shoal_dbus_peer_get_verification_code (alice_seen_by_bob));
  g_assert_cmpstr (shoal_dbus_peer_get_previous_id (bob_seen_by_alice), ==, "");
  g_assert_cmpstr (shoal_dbus_peer_get_previous_id (alice_seen_by_bob), ==, "");
}

static void
test_trust_untrust (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(Recorder) alice_recorder = NULL;
  g_autoptr(Recorder) bob_recorder = NULL;
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

  alice_recorder = recorder_new (fixture->alice);
  bob_recorder = recorder_new (fixture->bob);
  manager = manager_new (fixture->alice);
  bob = peer_proxy (manager, fixture->bob->id);
  g_assert_cmpint (stored_decision (fixture->alice, fixture->bob->id), ==, -1);

  assert_call_ok (fixture->alice, "Trust", g_variant_new ("(s)", fixture->bob->id));
  wait_trusted (bob, TRUE);
  g_assert_cmpint (stored_decision (fixture->alice, fixture->bob->id), ==, TRUE);
  /* Under the open policy, trusting changes nothing on the link. */
  g_assert_true (shoal_test_daemon_sees_connected (fixture->alice, fixture->bob->id));

  assert_call_ok (fixture->alice, "Untrust", g_variant_new ("(s)", fixture->bob->id));
  g_assert_cmpint (stored_decision (fixture->alice, fixture->bob->id), ==, FALSE);
  signal = recorder_wait (alice_recorder, "PeerDisconnected", 0);
  g_variant_get (signal, "(&s&s)", &id, &reason);
  g_assert_cmpstr (id, ==, fixture->bob->id);
  signal = recorder_wait (bob_recorder, "PeerDisconnected", 0);
  g_variant_get (signal, "(&s&s)", &id, &reason);
  g_assert_cmpstr (id, ==, fixture->alice->id);
  g_test_message ("bob was told: %s", reason);
  g_assert_nonnull (strstr (reason, "trust"));

  /* bob has alice as a static peer and keeps dialling; alice refuses it. */
  assert_stays_apart (fixture->alice, fixture->bob->id);

  assert_call_ok (fixture->alice, "Trust", g_variant_new ("(s)", fixture->bob->id));
  g_assert_cmpint (stored_decision (fixture->alice, fixture->bob->id), ==, TRUE);
  shoal_test_connect_pair (fixture->alice, fixture->bob);
}

static void
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

  assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Trust",
                     g_variant_new ("(s)", "not-a-peer-id"),
                     "org.shoal.Shoal1.Error.InvalidPeerId");
  assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Trust",
                     g_variant_new ("(s)", ""),
                     "org.shoal.Shoal1.Error.InvalidPeerId");
  assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Untrust",
                     g_variant_new ("(s)", "0123456789ABCDEF0123456789ABCDEF"),
                     "org.shoal.Shoal1.Error.InvalidPeerId");
  g_assert_cmpint (stored_decision (fixture->alice, "0123456789ABCDEF0123456789ABCDEF"), ==, -1);

  assert_call_ok (fixture->alice, "Trust", g_variant_new ("(s)", unknown));
  g_assert_cmpint (stored_decision (fixture->alice, unknown), ==, TRUE);
  assert_call_ok (fixture->alice, "Untrust", g_variant_new ("(s)", unknown));
  g_assert_cmpint (stored_decision (fixture->alice, unknown), ==, FALSE);
  assert_call_ok (fixture->alice, "Trust", g_variant_new ("(s)", unknown));
  g_assert_cmpint (stored_decision (fixture->alice, unknown), ==, TRUE);

  /* A directory where the store goes: no file can replace it, even as root. */
  store = g_build_filename (fixture->alice->state_dir, "trust.ini", NULL);
  g_assert_cmpint (g_remove (store), ==, 0);
  g_assert_cmpint (g_mkdir (store, 0700), ==, 0);
  assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Untrust",
                     g_variant_new ("(s)", unknown),
                     "org.shoal.Shoal1.Error.StateDirectory");
  g_assert_cmpint (g_rmdir (store), ==, 0);
}

static void
test_allow_list_one_side (Fixture       *fixture,
                          gconstpointer  data)
{
  static const guint8 small[] = { 'x' };
  const gchar *alice_args[] = { "--trust-policy", "allow-list", NULL };
  g_autoptr(Recorder) recorder = NULL;
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
  recorder = recorder_new (fixture->alice);
  start_bob (fixture);

  signal = recorder_wait (recorder, "PeerPending", 0);
  g_variant_get (signal, "(&s&s&s)", &id, &name, &text);
  g_assert_cmpstr (id, ==, fixture->bob->id);
  g_assert_cmpstr (name, ==, "bob");
  assert_verification_code (text);
  code = g_strdup (text);

  manager = manager_new (fixture->alice);
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
  listed = find_peer (peers, fixture->bob->id);
  g_assert_nonnull (listed);
  g_assert_true (g_variant_lookup (listed, "state", "&s", &state));
  g_assert_cmpstr (state, ==, "pending");

  bob_path = g_strconcat (PEERS_PATH_PREFIX, fixture->bob->id, NULL);
  assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Send",
                     g_variant_new ("(s@ay)", fixture->bob->id, bytes_variant (small, 1)),
                     "org.shoal.Shoal1.Error.NotTrusted");
  assert_call_error (fixture->alice, bob_path, "org.shoal.Shoal1.Peer", "Send",
                     g_variant_new ("(@ay)", bytes_variant (small, 1)),
                     "org.shoal.Shoal1.Error.NotTrusted");
  g_assert_false (shoal_test_daemon_sees_connected (fixture->alice, fixture->bob->id));

  assert_call_ok (fixture->alice, "Trust", g_variant_new ("(s)", fixture->bob->id));
  signal = recorder_wait (recorder, "PeerConnected", 0);
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
  g_clear_pointer (&recorder, recorder_free);
  shoal_test_daemon_stop (fixture->alice);
  g_clear_pointer (&fixture->alice, shoal_test_daemon_free);

  bob_address = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->bob->port);
  {
    const gchar *args[] = { "--trust-policy", "allow-list", "--peer", bob_address, NULL };

    fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, args);
  }
  shoal_test_connect_pair (fixture->alice, fixture->bob);
  manager = manager_new (fixture->alice);
  bob = peer_proxy (manager, fixture->bob->id);
  wait_trusted (bob, TRUE);
}

static void
test_allow_list_pair (Fixture       *fixture,
                      gconstpointer  data)
{
  const gchar *alice_args[] = { "--trust-policy", "allow-list", NULL };
  g_autofree gchar *alice_address = NULL;
  g_autoptr(Recorder) alice_recorder = NULL;
  g_autoptr(Recorder) bob_recorder = NULL;
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
  alice_recorder = recorder_new_for_bus (alice_bus);
  fixture->alice = shoal_test_daemon_start_on_bus (alice_bus, "alice", fixture->tmpdir, alice_args);

  alice_address = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  bob_bus = shoal_test_bus_new ();
  bob_recorder = recorder_new_for_bus (bob_bus);
  {
    const gchar *args[] = { "--trust-policy", "allow-list", "--peer", alice_address, NULL };

    fixture->bob = shoal_test_daemon_start_on_bus (bob_bus, "bob", fixture->tmpdir, args);
  }

  signal = recorder_wait (alice_recorder, "PeerPending", 0);
  g_variant_get (signal, "(&s&s&s)", &id, &name, &alice_code);
  g_assert_cmpstr (id, ==, fixture->bob->id);
  g_assert_cmpstr (name, ==, "bob");
  assert_verification_code (alice_code);

  signal = recorder_wait (bob_recorder, "PeerPending", 0);
  g_variant_get (signal, "(&s&s&s)", &id, &name, &bob_code);
  g_assert_cmpstr (id, ==, fixture->alice->id);
  g_assert_cmpstr (name, ==, "alice");
  g_assert_cmpstr (bob_code, ==, alice_code);

  alice_manager = manager_new (fixture->alice);
  bob_manager = manager_new (fixture->bob);
  bob_seen_by_alice = peer_proxy (alice_manager, fixture->bob->id);
  alice_seen_by_bob = peer_proxy (bob_manager, fixture->alice->id);
  wait_state (bob_seen_by_alice, "pending");
  wait_state (alice_seen_by_bob, "pending");
  g_assert_cmpstr (shoal_dbus_peer_get_verification_code (alice_seen_by_bob), ==, alice_code);
  assert_stays_apart (fixture->alice, fixture->bob->id);

  /* One side alone is not enough. */
  assert_call_ok (fixture->alice, "Trust", g_variant_new ("(s)", fixture->bob->id));
  wait_trusted (bob_seen_by_alice, TRUE);
  assert_stays_apart (fixture->alice, fixture->bob->id);

  assert_call_ok (fixture->bob, "Trust", g_variant_new ("(s)", fixture->alice->id));
  signal = recorder_wait (alice_recorder, "PeerConnected", 0);
  g_variant_get (signal, "(&s&s)", &id, &name);
  g_assert_cmpstr (id, ==, fixture->bob->id);
  signal = recorder_wait (bob_recorder, "PeerConnected", 0);
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

static void
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

  start_bob (fixture);
  g_assert_cmpstr (fixture->bob->id, !=, old_id);
  shoal_test_connect_pair (fixture->alice, fixture->bob);

  manager = manager_new (fixture->alice);
  new_bob = peer_proxy (manager, fixture->bob->id);
  g_assert_cmpstr (shoal_dbus_peer_get_name (new_bob), ==, "bob");
  g_assert_cmpstr (shoal_dbus_peer_get_previous_id (new_bob), ==, old_id);

  g_assert_true (shoal_dbus_service_call_list_peers_sync (fixture->alice->service, &peers,
                                                          NULL, &error));
  g_assert_no_error (error);
  listed = find_peer (peers, fixture->bob->id);
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

static void
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
  assert_stays_apart (fixture->alice, carol->id);
  g_assert_false (shoal_test_daemon_sees_connected (carol, fixture->alice->id));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/dbus/properties", Fixture, NULL, setup_pair, test_properties, teardown);
  g_test_add ("/dbus/list-peers", Fixture, NULL, setup_pair, test_list_peers, teardown);
  g_test_add ("/dbus/diagnose", Fixture, NULL, setup_alice, test_diagnose, teardown);
  g_test_add ("/dbus/send", Fixture, NULL, setup_pair, test_send, teardown);
  g_test_add ("/dbus/broadcast", Fixture, NULL, setup_pair, test_broadcast, teardown);
  g_test_add ("/dbus/errors", Fixture, NULL, setup_pair, test_errors, teardown);
  g_test_add ("/dbus/peer-appears-and-goes", Fixture, NULL, setup_alice,
              test_peer_appears_and_goes, teardown);
  g_test_add ("/dbus/not-connected", Fixture, NULL, setup_pair, test_not_connected, teardown);
  g_test_add ("/dbus/trust/peer-properties", Fixture, NULL, setup_pair,
              test_peer_trust_properties, teardown);
  g_test_add ("/dbus/trust/trust-untrust", Fixture, NULL, setup_pair, test_trust_untrust, teardown);
  g_test_add ("/dbus/trust/errors", Fixture, NULL, setup_alice, test_trust_errors, teardown);
  g_test_add ("/dbus/trust/previous-id", Fixture, NULL, setup_pair, test_previous_id, teardown);
  g_test_add ("/dbus/trust/allow-list-one-side", Fixture, NULL, setup_tmpdir,
              test_allow_list_one_side, teardown);
  g_test_add ("/dbus/trust/allow-list-pair", Fixture, NULL, setup_tmpdir,
              test_allow_list_pair, teardown);
  g_test_add ("/dbus/trust/network-key", Fixture, NULL, setup_tmpdir, test_network_key, teardown);

  return g_test_run ();
}
