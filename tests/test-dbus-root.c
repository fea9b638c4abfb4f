/* test-dbus-root.c: the root object: properties, ListPeers, Diagnose, Send, Broadcast, errors
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "test-dbus.h"

static void
assert_payload (GVariant     *payload,
                const guint8 *data,
                gsize         size)
{
  gsize got_size = 0;
  const guint8 *got = g_variant_get_fixed_array (payload, &got_size, 1);

  g_assert_cmpmem (got, got_size, data, size);
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

void
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

void
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
  peer = shoal_test_find_peer (peers, fixture->alice->id);
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
  dbus_assert_verification_code (code);
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

void
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

void
test_send (Fixture       *fixture,
           gconstpointer  data)
{
  static const guint8 payload[] = { 'h', 'i', 0x00, 0xff, 0xfe, '\n', 0x80, 0x00 };
  static const guint8 second[] = { 0x00 };
  g_autoptr(ShoalTestRecorder) recorder = NULL;
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
  g_autoptr(ShoalTestRecorder) sender = NULL;
  guint64 id = 0, second_id = 0, delivered_id = 0;
  const gchar *to = NULL;

  g_test_summary ("Send on the root object and on the peer object deliver byte-exact "
                  "payloads (NUL and non-UTF-8 bytes included) as MessageReceived on the "
                  "other daemon, the sender signals MessageDelivered with the id Send "
                  "returned, and the peer's counters follow with PropertiesChanged");
  if (!fixture->ready)
    return;

  recorder = shoal_test_recorder_new_for_daemon (fixture->bob);
  sender = shoal_test_recorder_new_for_daemon (fixture->alice);

  g_assert_true (shoal_dbus_service_call_send_sync (fixture->alice->service, fixture->bob->id,
                                                    shoal_test_bytes_variant (payload,
                                                                              sizeof payload),
                                                    &id, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);

  signal = shoal_test_recorder_wait (recorder, "MessageReceived", 0);
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
  signal = shoal_test_recorder_wait (sender, "MessageDelivered", 0);
  g_variant_get (signal, "(&st)", &to, &delivered_id);
  g_assert_cmpstr (to, ==, fixture->bob->id);
  g_assert_cmpuint (delivered_id, ==, id);

  /* The same through alice's object for bob. */
  manager = shoal_dbus_object_manager_client_new_sync (fixture->alice->bus->connection,
                                                       G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                                       SHOAL_TEST_BUS_NAME, SHOAL_TEST_OBJECT_PATH,
                                                       NULL, &error);
  g_assert_no_error (error);
  path = g_strconcat (SHOAL_TEST_PEERS_PATH_PREFIX, fixture->bob->id, NULL);
  peer = SHOAL_DBUS_PEER (g_dbus_object_manager_get_interface (manager, path,
                                                               "org.shoal.Shoal1.Peer"));
  g_assert_nonnull (peer);
  g_assert_true (shoal_dbus_peer_call_send_sync (peer,
                                                 shoal_test_bytes_variant (second, sizeof second),
                                                 &second_id, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (second_id, >, id);

  signal = shoal_test_recorder_wait (recorder, "MessageReceived", 1);
  g_variant_get (signal, "(&s@ay@a{sv})", &from, &got, &details);
  g_assert_cmpstr (from, ==, fixture->alice->id);
  assert_payload (got, second, sizeof second);
  signal = shoal_test_recorder_wait (sender, "MessageDelivered", 1);
  g_variant_get (signal, "(&st)", &to, &delivered_id);
  g_assert_cmpuint (delivered_id, ==, second_id);

  /* Counters reach the proxy through PropertiesChanged, not by polling. */
  wait.peer = peer;
  wait.messages = 2;
  g_assert_true (shoal_test_wait_until (counter_reached, &wait, SHOAL_TEST_TIMEOUT_MS));
  g_assert_cmpuint (shoal_dbus_peer_get_bytes_sent (peer), >=, sizeof payload + sizeof second);
}

void
test_broadcast (Fixture       *fixture,
                gconstpointer  data)
{
  static const guint8 payload[] = { 0x00, 0x01, 0xc3, 0x28, 'x' };
  g_autoptr(ShoalTestRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) got = NULL;
  g_autoptr(GVariant) details = NULL;
  GVariant *signal;
  const gchar *from = NULL;
  gboolean broadcast = FALSE;
  g_auto(GStrv) recipients = NULL;
  g_autoptr(ShoalTestRecorder) sender = NULL;
  guint64 id = 0, delivered_id = 0;
  const gchar *to = NULL;

  g_test_summary ("Broadcast returns an id and the peers it queued for, the other daemon "
                  "signals MessageReceived with broadcast=true and the exact bytes, and the "
                  "sender MessageDelivered with that id");
  if (!fixture->ready)
    return;

  recorder = shoal_test_recorder_new_for_daemon (fixture->bob);
  sender = shoal_test_recorder_new_for_daemon (fixture->alice);
  g_assert_true (shoal_dbus_service_call_broadcast_sync (fixture->alice->service,
                                                         shoal_test_bytes_variant (payload,
                                                                                   sizeof payload),
                                                         &id, &recipients, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);
  g_assert_cmpuint (g_strv_length (recipients), ==, 1);
  g_assert_cmpstr (recipients[0], ==, fixture->bob->id);

  signal = shoal_test_recorder_wait (recorder, "MessageReceived", 0);
  g_variant_get (signal, "(&s@ay@a{sv})", &from, &got, &details);
  g_assert_cmpstr (from, ==, fixture->alice->id);
  assert_payload (got, payload, sizeof payload);
  g_assert_true (g_variant_lookup (details, "broadcast", "b", &broadcast));
  g_assert_true (broadcast);

  signal = shoal_test_recorder_wait (sender, "MessageDelivered", 0);
  g_variant_get (signal, "(&st)", &to, &delivered_id);
  g_assert_cmpstr (to, ==, fixture->bob->id);
  g_assert_cmpuint (delivered_id, ==, id);
}

void
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

  shoal_test_assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Send",
                                g_variant_new ("(s@ay)", "not-a-peer-id",
                                               shoal_test_bytes_variant (small, 1)),
                                "org.shoal.Shoal1.Error.InvalidPeerId");
  shoal_test_assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Send",
                                g_variant_new ("(s@ay)", "0123456789ABCDEF0123456789ABCDEF",
                                               shoal_test_bytes_variant (small, 1)),
                                "org.shoal.Shoal1.Error.InvalidPeerId");
  shoal_test_assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Send",
                                g_variant_new ("(s@ay)", "0123456789abcdef0123456789abcdef",
                                               shoal_test_bytes_variant (small, 1)),
                                "org.shoal.Shoal1.Error.UnknownPeer");
  shoal_test_assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Send",
                                g_variant_new ("(s@ay)", fixture->bob->id,
                                               shoal_test_bytes_variant (big,
                                                                         16 * 1024 * 1024 + 1)),
                                "org.shoal.Shoal1.Error.MessageTooLarge");
  shoal_test_assert_call_error (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1",
                                "Broadcast",
                                g_variant_new ("(@ay)",
                                               shoal_test_bytes_variant (big,
                                                                         16 * 1024 * 1024 + 1)),
                                "org.shoal.Shoal1.Error.MessageTooLarge");

  bob_path = g_strconcat (SHOAL_TEST_PEERS_PATH_PREFIX, fixture->bob->id, NULL);
  shoal_test_assert_call_error (fixture->alice, bob_path, "org.shoal.Shoal1.Peer", "Send",
                                g_variant_new ("(@ay)",
                                               shoal_test_bytes_variant (big,
                                                                         16 * 1024 * 1024 + 1)),
                                "org.shoal.Shoal1.Error.MessageTooLarge");

  /* Exactly the limit is allowed. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (shoal_dbus_service_call_send_sync (fixture->alice->service, fixture->bob->id,
                                                      shoal_test_bytes_variant (big,
                                                                                16 * 1024 * 1024),
                                                      NULL, NULL, &error));
    g_assert_no_error (error);
  }
}
