/* test-dbus-control.c: Connect and Disconnect over D-Bus and from the CLI
 *
 * Real shoald processes, each on a private bus: Connect links them and
 * answers with the peer's object, or with the D-Bus error that says why;
 * Disconnect drops the peer on both sides, PeerDisconnected says
 * "disconnected" (also in `shoal monitor --json`), the peer is listed as
 * disconnected and stays apart across a restart until Connect. Then the
 * same from `shoal connect`, `shoal disconnect` and `shoal peers`.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "shoal-test-bus-fixture.h"

/* Long enough for several redials with backoff (250 ms, 500 ms, 1 s, 2 s). */
#define APART_MS 4000
/* Connect waits for the link: more than the bus's default 25 s. */
#define CALL_MS 60000

typedef ShoalTestFixture Fixture;

static void
start_bob (Fixture  *fixture,
           gboolean  dialling)
{
  fixture->bob = shoal_test_daemon_start_linked ("bob", fixture->tmpdir,
                                                 dialling ? fixture->alice : NULL, NULL, NULL);
}

/* Each body runs in a subprocess (shoal_test_run_isolated()): a failed
 * assertion there still leaves no directory and no daemon behind. Returns
 * TRUE in that subprocess, with alice running. */
static gboolean
begin (Fixture *fixture)
{
  if (!shoal_test_fixture_begin_isolated (fixture))
    return FALSE;
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
  return TRUE;
}

static void
setup (Fixture       *fixture,
       gconstpointer  data)
{
}

/* Waits for the first PeerDisconnected and checks what it says. */
static void
assert_disconnected (ShoalTestRecorder *recorder,
                     const gchar       *peer_id,
                     const gchar       *reason)
{
  const gchar *id = NULL, *said = NULL;

  g_variant_get (shoal_test_recorder_wait (recorder, "PeerDisconnected", 0), "(&s&s)", &id, &said);
  g_assert_cmpstr (id, ==, peer_id);
  g_assert_cmpstr (said, ==, reason);
}

/* ---- calls ---- */

static void
assert_call_fails (ShoalTestDaemon *daemon,
                   const gchar     *method,
                   const gchar     *argument,
                   const gchar     *error_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = shoal_test_call (daemon, method, g_variant_new ("(s)", argument), NULL, CALL_MS, &error);
  g_test_message ("%s(\"%s\")", method, argument);
  shoal_test_assert_remote_error (reply, error, error_name);
}

/* Connect, answered with the peer's object path. */
static gchar *
connect_to (ShoalTestDaemon *daemon,
            ShoalTestDaemon *other)
{
  g_autofree gchar *address = shoal_test_peer_address (other);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gchar *path = NULL;

  reply = shoal_test_call (daemon, "Connect", g_variant_new ("(s)", address),
                           G_VARIANT_TYPE ("(o)"), CALL_MS, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &path);
  return path;
}

/* The peer's state as ListPeers gives it, or NULL if not listed. */
static gchar *
listed_state (ShoalTestDaemon *daemon,
              const gchar     *peer_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = shoal_test_call (daemon, "ListPeers", NULL,
                                               G_VARIANT_TYPE ("(aa{sv})"), CALL_MS, &error);
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(GVariant) peer = NULL;
  const gchar *state = NULL;

  g_assert_no_error (error);
  peers = g_variant_get_child_value (reply, 0);
  peer = shoal_test_find_peer (peers, peer_id);
  if (peer != NULL && g_variant_lookup (peer, "state", "&s", &state))
    return g_strdup (state);
  return NULL;
}

static void
assert_state (ShoalTestDaemon *daemon,
              const gchar     *peer_id,
              const gchar     *expected)
{
  g_autofree gchar *state = listed_state (daemon, peer_id);

  g_assert_cmpstr (state, ==, expected);
}

/* ---- tests ---- */

static void
test_connect (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(ShoalTestRecorder) recorder = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *again = NULL;
  g_autofree gchar *expected = NULL;

  g_test_summary ("Connect answers with the peer's object path once the peer is connected "
                  "(PeerConnected came first, its state is \"connected\"), and with the same "
                  "path again without a second link");
  if (!begin (fixture))
    return;

  start_bob (fixture, FALSE);
  recorder = shoal_test_recorder_new_for_daemon (fixture->alice);
  assert_state (fixture->alice, fixture->bob->id, NULL);

  path = connect_to (fixture->alice, fixture->bob);
  expected = g_strconcat (SHOAL_TEST_PEERS_PATH_PREFIX, fixture->bob->id, NULL);
  g_assert_cmpstr (path, ==, expected);
  assert_state (fixture->alice, fixture->bob->id, "connected");
  g_assert_true (shoal_test_daemon_sees_connected (fixture->bob, fixture->alice->id));
  /* The signal went out before the answer, on the same connection. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (shoal_test_recorder_count (recorder, "PeerConnected"), ==, 1);

  again = connect_to (fixture->alice, fixture->bob);
  g_assert_cmpstr (again, ==, expected);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (shoal_test_recorder_count (recorder, "PeerConnected"), ==, 1);
  g_assert_cmpuint (shoal_test_recorder_count (recorder, "PeerDisconnected"), ==, 0);
}

static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree gchar *itself = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autofree gchar *closed = NULL;

  g_test_summary ("Connect answers InvalidArgument, UnknownHost, ConnectFailed (a closed "
                  "port, the node itself) and NotTrusted (a peer untrusted here); "
                  "Disconnect answers InvalidPeerId and UnknownPeer");
  if (!begin (fixture))
    return;

  assert_call_fails (fixture->alice, "Connect", "not an address:4242",
                     "org.shoal.Shoal1.Error.InvalidArgument");
  assert_call_fails (fixture->alice, "Connect", "127.0.0.1:0",
                     "org.shoal.Shoal1.Error.InvalidArgument");
  assert_call_fails (fixture->alice, "Connect", "no-such-host.invalid:4242",
                     "org.shoal.Shoal1.Error.UnknownHost");

  /* A port bound and not listened on refuses connections. */
  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
    g_autoptr(GSocketAddress) bound = NULL;

    socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                           NULL);
    g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
    bound = g_socket_get_local_address (socket, NULL);
    closed = g_strdup_printf ("127.0.0.1:%u",
                              g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  }
  assert_call_fails (fixture->alice, "Connect", closed, "org.shoal.Shoal1.Error.ConnectFailed");
  itself = shoal_test_peer_address (fixture->alice);
  assert_call_fails (fixture->alice, "Connect", itself, "org.shoal.Shoal1.Error.ConnectFailed");

  start_bob (fixture, FALSE);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = shoal_test_call (fixture->alice, "Untrust",
                                                 g_variant_new ("(s)", fixture->bob->id), NULL,
                                                 CALL_MS, &error);
    g_autofree gchar *bob = shoal_test_peer_address (fixture->bob);

    g_assert_no_error (error);
    assert_call_fails (fixture->alice, "Connect", bob, "org.shoal.Shoal1.Error.NotTrusted");
  }

  assert_call_fails (fixture->alice, "Disconnect", "bob",
                     "org.shoal.Shoal1.Error.InvalidPeerId");
  assert_call_fails (fixture->alice, "Disconnect", "0123456789abcdef0123456789abcdef",
                     "org.shoal.Shoal1.Error.UnknownPeer");
}

static void
test_disconnect (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ShoalTestRecorder) alice_recorder = NULL;
  g_autoptr(ShoalTestRecorder) bob_recorder = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree gchar *holds = NULL;
  g_autofree gchar *path = NULL;

  g_test_summary ("Disconnect: PeerDisconnected says \"disconnected\" on both sides, both "
                  "list the other in state \"disconnected\", bob's configured address to "
                  "alice is not dialled, also after bob restarts; the choice is in "
                  "disconnected.ini; Connect links them again");
  if (!begin (fixture))
    return;

  start_bob (fixture, TRUE);
  shoal_test_connect_pair (fixture->alice, fixture->bob);
  alice_recorder = shoal_test_recorder_new_for_daemon (fixture->alice);
  bob_recorder = shoal_test_recorder_new_for_daemon (fixture->bob);

  reply = shoal_test_call (fixture->alice, "Disconnect", g_variant_new ("(s)", fixture->bob->id),
                           NULL, CALL_MS, &error);
  g_assert_no_error (error);
  assert_disconnected (alice_recorder, fixture->bob->id, "disconnected");
  assert_disconnected (bob_recorder, fixture->alice->id, "disconnected");
  assert_state (fixture->alice, fixture->bob->id, "disconnected");
  assert_state (fixture->bob, fixture->alice->id, "disconnected");
  holds = g_build_filename (fixture->alice->state_dir, "disconnected.ini", NULL);
  g_assert_true (g_file_test (holds, G_FILE_TEST_EXISTS));

  /* bob has alice as a static peer: he would redial her at once. */
  shoal_test_assert_stays_apart (fixture->alice, fixture->bob->id, APART_MS);

  /* bob restarts with the same state directory and the same --peer. */
  g_clear_pointer (&bob_recorder, shoal_test_recorder_free);
  shoal_test_daemon_stop (fixture->bob);
  g_clear_pointer (&fixture->bob, shoal_test_daemon_free);
  start_bob (fixture, TRUE);
  assert_state (fixture->bob, fixture->alice->id, "disconnected");
  shoal_test_assert_stays_apart (fixture->bob, fixture->alice->id, APART_MS);
  assert_state (fixture->alice, fixture->bob->id, "disconnected");

  path = connect_to (fixture->alice, fixture->bob);
  g_assert_true (g_str_has_suffix (path, fixture->bob->id));
  shoal_test_connect_pair (fixture->alice, fixture->bob);
  assert_state (fixture->bob, fixture->alice->id, "connected");
}

/* ---- the CLI ---- */

static void
assert_fails_saying (gint         status,
                     gint         expected_status,
                     const gchar *err,
                     const gchar *words)
{
  g_test_message ("exit %d", status);
  g_assert_cmpint (status, ==, expected_status);
  shoal_test_assert_one_line (err, "shoal", words);
}

static void
test_cli (Fixture       *fixture,
          gconstpointer  data)
{
  g_autofree gchar *address = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *expected = NULL;
  g_autofree gchar *expected_connected = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) monitor = NULL;
  const gchar *monitor_argv[] = { shoal_test_build_path ("src/cli/shoal"), "monitor", "--json", NULL };
  JsonArray *peers;
  JsonObject *event = NULL;
  const gchar *alice_bus;
  gint status;

  g_test_summary ("shoal connect ADDRESS prints whom it linked with; shoal disconnect PEER "
                  "takes a name; shoal monitor --json gives the reason \"disconnected\"; shoal "
                  "peers lists the dropped peer as disconnected in its table, --json and "
                  "--plain, and shoal doctor as a choice, not a problem; errors are one line on stderr with exit 1, usage errors exit 2");
  if (!begin (fixture))
    return;

  start_bob (fixture, FALSE);
  address = shoal_test_peer_address (fixture->bob);
  alice_bus = fixture->alice->bus->address;

  status = shoal_test_run_shoal (alice_bus, NULL, &out, &err, "connect", address, NULL);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (status, ==, 0);
  expected_connected = g_strdup_printf ("Connected to bob (%s)\n", fixture->bob->id);
  g_assert_cmpstr (out, ==, expected_connected);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* bob's monitor, once it is seen to print alice's broadcasts. */
  monitor = shoal_test_spawn_reader (monitor_argv, fixture->bob, NULL, G_SUBPROCESS_FLAGS_NONE);
  {
    ShoalTestOutputWatch watch = { monitor, g_string_new (NULL), "\"message\"", NULL,
                                   shoal_test_poke_broadcast, fixture->alice, 0 };

    g_assert_true (shoal_test_wait_until (shoal_test_output_contains, &watch,
                                          SHOAL_TEST_TIMEOUT_MS));

    status = shoal_test_run_shoal (alice_bus, NULL, &out, &err, "disconnect", "bob", NULL);
    g_test_message ("%s%s", out, err);
    g_assert_cmpint (status, ==, 0);
    g_assert_true (g_str_has_prefix (out, "Disconnected from bob ("));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);

    watch.poke = NULL;
    watch.until = "peer-disconnected";
    g_assert_true (shoal_test_wait_until (shoal_test_output_contains, &watch,
                                          SHOAL_TEST_TIMEOUT_MS));
    /* Still running: the monitor stops only when told to. */
    g_assert_nonnull (g_subprocess_get_identifier (monitor));
    shoal_test_stop_reader (monitor);
    g_test_message ("monitor: %s", watch.output->str);
    lines = g_strsplit (watch.output->str, "\n", -1);
    g_string_free (watch.output, TRUE);
  }
  /* One JSON object a line: the one for the departure gives the code. */
  for (gsize i = 0; lines[i] != NULL && event == NULL; i++)
    {
      JsonObject *object;

      if (*lines[i] == '\0')
        continue;
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, &error));
      g_assert_no_error (error);
      object = json_node_get_object (json_parser_get_root (parser));
      if (g_strcmp0 (json_object_get_string_member (object, "event"), "peer-disconnected") == 0)
        event = object;
    }
  g_assert_nonnull (event);
  g_assert_cmpstr (json_object_get_string_member (event, "id"), ==, fixture->alice->id);
  g_assert_cmpstr (json_object_get_string_member (event, "reason"), ==, "disconnected");

  g_assert_cmpint (shoal_test_run_shoal (alice_bus, NULL, &out, &err, "peers", NULL), ==, 0);
  g_assert_nonnull (strstr (out, fixture->bob->id));
  g_assert_nonnull (strstr (out, "disconnected"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (shoal_test_run_shoal (alice_bus, NULL, &out, &err, "peers", "--json", NULL),
                   ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  peers = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (peers), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (peers, 0), "state"),
                   ==, "disconnected");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* shoal doctor takes it for a choice, not a fault. */
  shoal_test_run_shoal (alice_bus, NULL, &out, &err, "doctor", NULL);
  g_test_message ("doctor: %s", out);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("ok: peer bob (%s) was disconnected by a person", fixture->bob->id);
  g_assert_nonnull (strstr (out, expected));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (shoal_test_run_shoal (alice_bus, NULL, &out, &err, "peers", "--plain", NULL),
                   ==, 0);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("%s\tbob\n", fixture->bob->id);
  g_assert_cmpstr (out, ==, expected);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Errors. */
  status = shoal_test_run_shoal (alice_bus, NULL, &out, &err, "connect", NULL);
  assert_fails_saying (status, 2, err, "ADDRESS");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = shoal_test_run_shoal (alice_bus, NULL, &out, &err, "connect", "not an address", NULL);
  assert_fails_saying (status, 1, err, "not an address");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = shoal_test_run_shoal (alice_bus, NULL, &out, &err, "disconnect", "nobody", NULL);
  g_assert_cmpint (status, ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = shoal_test_run_shoal (alice_bus, NULL, &out, &err, "disconnect", NULL);
  assert_fails_saying (status, 2, err, "PEER");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* And back: connect names bob again. */
  status = shoal_test_run_shoal (alice_bus, NULL, &out, &err, "connect", address, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, expected_connected);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/dbus-control/connect", Fixture, NULL, setup, test_connect,
              shoal_test_fixture_teardown);
  g_test_add ("/dbus-control/errors", Fixture, NULL, setup, test_errors,
              shoal_test_fixture_teardown);
  g_test_add ("/dbus-control/disconnect", Fixture, NULL, setup, test_disconnect,
              shoal_test_fixture_teardown);
  g_test_add ("/dbus-control/cli", Fixture, NULL, setup, test_cli,
              shoal_test_fixture_teardown);

  return g_test_run ();
}
