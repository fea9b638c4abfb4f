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

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "shoal-test-daemon.h"

#define PEERS_PATH_PREFIX SHOAL_TEST_OBJECT_PATH "/peers/"
/* Long enough for several redials with backoff (250 ms, 500 ms, 1 s, 2 s). */
#define APART_MS 4000

typedef struct {
  gchar           *tmpdir;
  ShoalTestDaemon *alice;
  ShoalTestDaemon *bob;
  gboolean         ready;
} Fixture;

static void
start_bob (Fixture  *fixture,
           gboolean  dialling)
{
  g_autofree gchar *peer = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  const gchar *args[] = { "--peer", peer, NULL };

  fixture->bob = shoal_test_daemon_start ("bob", fixture->tmpdir, dialling ? args : NULL);
}

/* Each body runs in a subprocess (shoal_test_run_isolated()): a failed
 * assertion there still leaves no directory and no daemon behind. Returns
 * TRUE in that subprocess, with alice running. */
static gboolean
begin (Fixture *fixture)
{
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed") ||
      !shoal_test_run_isolated ())
    return FALSE;
  fixture->tmpdir = shoal_test_make_tmpdir ();
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
  fixture->ready = TRUE;
  return TRUE;
}

static void
setup (Fixture       *fixture,
       gconstpointer  data)
{
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

/* ---- signals ---- */

typedef struct {
  GDBusConnection *connection;
  guint            subscription;
  GPtrArray       *disconnects;  /* (element-type GVariant) PeerDisconnected's (ss) */
  guint            connects;
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

  if (g_str_equal (member, "PeerDisconnected"))
    g_ptr_array_add (recorder->disconnects, g_variant_ref (parameters));
  else if (g_str_equal (member, "PeerConnected"))
    recorder->connects++;
}

static Recorder *
recorder_new (ShoalTestDaemon *daemon)
{
  Recorder *recorder = g_new0 (Recorder, 1);

  recorder->connection = g_object_ref (daemon->bus->connection);
  recorder->disconnects = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
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
  g_ptr_array_unref (recorder->disconnects);
  g_free (recorder);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Recorder, recorder_free)

static gboolean
has_disconnect (gpointer user_data)
{
  return ((Recorder *) user_data)->disconnects->len > 0;
}

/* Waits for the first PeerDisconnected and checks what it says. */
static void
assert_disconnected (Recorder    *recorder,
                     const gchar *peer_id,
                     const gchar *reason)
{
  const gchar *id = NULL, *said = NULL;

  g_assert_true (shoal_test_wait_until (has_disconnect, recorder, SHOAL_TEST_TIMEOUT_MS));
  g_variant_get (g_ptr_array_index (recorder->disconnects, 0), "(&s&s)", &id, &said);
  g_assert_cmpstr (id, ==, peer_id);
  g_assert_cmpstr (said, ==, reason);
}

/* ---- calls ---- */

static GVariant *
call (ShoalTestDaemon     *daemon,
      const gchar         *method,
      GVariant            *parameters,
      const GVariantType  *reply_type,
      GError             **error)
{
  return g_dbus_connection_call_sync (daemon->bus->connection, SHOAL_TEST_BUS_NAME,
                                      SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", method,
                                      parameters, reply_type, G_DBUS_CALL_FLAGS_NONE,
                                      60000, NULL, error);
}

static void
assert_call_fails (ShoalTestDaemon *daemon,
                   const gchar     *method,
                   const gchar     *argument,
                   const gchar     *error_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree gchar *remote = NULL;

  reply = call (daemon, method, g_variant_new ("(s)", argument), NULL, &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_test_message ("%s(\"%s\"): %s", method, argument, error->message);
  g_assert_cmpstr (remote, ==, error_name);
}

/* Connect, answered with the peer's object path. */
static gchar *
connect_to (ShoalTestDaemon *daemon,
            ShoalTestDaemon *other)
{
  g_autofree gchar *address = g_strdup_printf ("127.0.0.1:%u", (guint) other->port);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gchar *path = NULL;

  reply = call (daemon, "Connect", g_variant_new ("(s)", address), G_VARIANT_TYPE ("(o)"),
                &error);
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
  g_autoptr(GVariant) reply = call (daemon, "ListPeers", NULL, G_VARIANT_TYPE ("(aa{sv})"),
                                    &error);
  g_autoptr(GVariant) peers = NULL;
  GVariantIter iter;
  GVariant *peer;

  g_assert_no_error (error);
  peers = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, peers);
  while ((peer = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariantDict) dict = g_variant_dict_new (peer);
      const gchar *id = NULL, *state = NULL;

      g_variant_unref (peer);
      if (g_variant_dict_lookup (dict, "id", "&s", &id) && g_str_equal (id, peer_id) &&
          g_variant_dict_lookup (dict, "state", "&s", &state))
        return g_strdup (state);
    }
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

static void
assert_stays_apart (ShoalTestDaemon *daemon,
                    const gchar     *peer_id)
{
  SeesWait wait = { daemon, peer_id };

  g_assert_false (shoal_test_wait_until (sees_connected, &wait, APART_MS));
}

/* ---- tests ---- */

static void
test_connect (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(Recorder) recorder = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *again = NULL;
  g_autofree gchar *expected = NULL;

  g_test_summary ("Connect answers with the peer's object path once the peer is connected "
                  "(PeerConnected came first, its state is \"connected\"), and with the same "
                  "path again without a second link");
  if (!begin (fixture))
    return;

  start_bob (fixture, FALSE);
  recorder = recorder_new (fixture->alice);
  assert_state (fixture->alice, fixture->bob->id, NULL);

  path = connect_to (fixture->alice, fixture->bob);
  expected = g_strconcat (PEERS_PATH_PREFIX, fixture->bob->id, NULL);
  g_assert_cmpstr (path, ==, expected);
  assert_state (fixture->alice, fixture->bob->id, "connected");
  g_assert_true (shoal_test_daemon_sees_connected (fixture->bob, fixture->alice->id));
  /* The signal went out before the answer, on the same connection. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (recorder->connects, ==, 1);

  again = connect_to (fixture->alice, fixture->bob);
  g_assert_cmpstr (again, ==, expected);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (recorder->connects, ==, 1);
  g_assert_cmpuint (recorder->disconnects->len, ==, 0);
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
  itself = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  assert_call_fails (fixture->alice, "Connect", itself, "org.shoal.Shoal1.Error.ConnectFailed");

  start_bob (fixture, FALSE);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call (fixture->alice, "Untrust",
                                      g_variant_new ("(s)", fixture->bob->id), NULL, &error);
    g_autofree gchar *bob = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->bob->port);

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
  g_autoptr(Recorder) alice_recorder = NULL;
  g_autoptr(Recorder) bob_recorder = NULL;
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
  alice_recorder = recorder_new (fixture->alice);
  bob_recorder = recorder_new (fixture->bob);

  reply = call (fixture->alice, "Disconnect", g_variant_new ("(s)", fixture->bob->id), NULL,
                &error);
  g_assert_no_error (error);
  assert_disconnected (alice_recorder, fixture->bob->id, "disconnected");
  assert_disconnected (bob_recorder, fixture->alice->id, "disconnected");
  assert_state (fixture->alice, fixture->bob->id, "disconnected");
  assert_state (fixture->bob, fixture->alice->id, "disconnected");
  holds = g_build_filename (fixture->alice->state_dir, "disconnected.ini", NULL);
  g_assert_true (g_file_test (holds, G_FILE_TEST_EXISTS));

  /* bob has alice as a static peer: he would redial her at once. */
  assert_stays_apart (fixture->alice, fixture->bob->id);

  /* bob restarts with the same state directory and the same --peer. */
  g_clear_pointer (&bob_recorder, recorder_free);
  shoal_test_daemon_stop (fixture->bob);
  g_clear_pointer (&fixture->bob, shoal_test_daemon_free);
  start_bob (fixture, TRUE);
  assert_state (fixture->bob, fixture->alice->id, "disconnected");
  assert_stays_apart (fixture->bob, fixture->alice->id);
  assert_state (fixture->alice, fixture->bob->id, "disconnected");

  path = connect_to (fixture->alice, fixture->bob);
  g_assert_true (g_str_has_suffix (path, fixture->bob->id));
  shoal_test_connect_pair (fixture->alice, fixture->bob);
  assert_state (fixture->bob, fixture->alice->id, "connected");
}

/* ---- the CLI ---- */

static gint
run_shoal (ShoalTestDaemon  *daemon,
           gchar           **out,
           gchar           **err,
           ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const gchar *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) shoal_test_build_path ("src/cli/shoal"));
  va_start (args, err);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  return shoal_test_run ((const gchar * const *) argv->pdata, daemon->bus->address, NULL, NULL,
                         out, err);
}

static void
assert_fails_saying (gint         status,
                     gint         expected_status,
                     const gchar *err,
                     const gchar *words)
{
  g_test_message ("exit %d, stderr: %s", status, err);
  g_assert_cmpint (status, ==, expected_status);
  g_assert_true (g_str_has_prefix (err, "shoal: "));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
  if (words != NULL)
    g_assert_nonnull (strstr (err, words));
}

static void
new_session (gpointer user_data)
{
  setsid ();
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

typedef struct {
  GSubprocess      *process;
  GInputStream     *stdout_pipe;
  GString          *output;
  const gchar      *until;
  ShoalTestDaemon  *sender;
  gint64            last_broadcast;
} Watch;

static gboolean
output_contains (gpointer user_data)
{
  Watch *watch = user_data;
  gchar buffer[4096];
  gssize n;

  while ((n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (watch->stdout_pipe),
                                                         buffer, sizeof buffer, NULL, NULL)) > 0)
    g_string_append_len (watch->output, buffer, n);

  /* Until the monitor, which may still be subscribing, prints a message. */
  if (watch->sender != NULL && g_get_monotonic_time () - watch->last_broadcast > 300 * 1000)
    {
      g_auto(GStrv) recipients = NULL;

      watch->last_broadcast = g_get_monotonic_time ();
      shoal_dbus_service_call_broadcast_sync (watch->sender->service,
                                              g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE,
                                                                         "ping", 4, 1),
                                              NULL, &recipients, NULL, NULL);
    }

  return strstr (watch->output->str, watch->until) != NULL ||
         g_subprocess_get_identifier (watch->process) == NULL;
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
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) monitor = NULL;
  const gchar *monitor_argv[] = { shoal_test_build_path ("src/cli/shoal"), "monitor", "--json", NULL };
  JsonArray *peers;
  JsonObject *event = NULL;
  gint status;

  g_test_summary ("shoal connect ADDRESS prints whom it linked with; shoal disconnect PEER "
                  "takes a name; shoal monitor --json gives the reason \"disconnected\"; shoal "
                  "peers lists the dropped peer as disconnected in its table, --json and "
                  "--plain, and shoal doctor as a choice, not a problem; errors are one line on stderr with exit 1, usage errors exit 2");
  if (!begin (fixture))
    return;

  start_bob (fixture, FALSE);
  address = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->bob->port);

  status = run_shoal (fixture->alice, &out, &err, "connect", address, NULL);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (status, ==, 0);
  expected_connected = g_strdup_printf ("Connected to bob (%s)\n", fixture->bob->id);
  g_assert_cmpstr (out, ==, expected_connected);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* bob's monitor, once it is seen to print alice's broadcasts. */
  launcher = shoal_test_launcher_new (fixture->bob->bus->address, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, new_session, NULL, NULL);
  monitor = g_subprocess_launcher_spawnv (launcher, monitor_argv, &error);
  g_assert_no_error (error);
  {
    Watch watch = { monitor, g_subprocess_get_stdout_pipe (monitor), g_string_new (NULL),
                    "\"message\"", fixture->alice, 0 };

    g_assert_true (shoal_test_wait_until (output_contains, &watch, SHOAL_TEST_TIMEOUT_MS));

    status = run_shoal (fixture->alice, &out, &err, "disconnect", "bob", NULL);
    g_test_message ("%s%s", out, err);
    g_assert_cmpint (status, ==, 0);
    g_assert_true (g_str_has_prefix (out, "Disconnected from bob ("));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);

    watch.sender = NULL;
    watch.until = "peer-disconnected";
    g_assert_true (shoal_test_wait_until (output_contains, &watch, SHOAL_TEST_TIMEOUT_MS));
    kill (-(pid_t) g_ascii_strtoll (g_subprocess_get_identifier (monitor), NULL, 10), SIGTERM);
    g_subprocess_wait (monitor, NULL, NULL);
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

  g_assert_cmpint (run_shoal (fixture->alice, &out, &err, "peers", NULL), ==, 0);
  g_assert_nonnull (strstr (out, fixture->bob->id));
  g_assert_nonnull (strstr (out, "disconnected"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_shoal (fixture->alice, &out, &err, "peers", "--json", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  peers = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (peers), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (peers, 0), "state"),
                   ==, "disconnected");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* shoal doctor takes it for a choice, not a fault. */
  run_shoal (fixture->alice, &out, &err, "doctor", NULL);
  g_test_message ("doctor: %s", out);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("ok: peer bob (%s) was disconnected by a person", fixture->bob->id);
  g_assert_nonnull (strstr (out, expected));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_shoal (fixture->alice, &out, &err, "peers", "--plain", NULL), ==, 0);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("%s\tbob\n", fixture->bob->id);
  g_assert_cmpstr (out, ==, expected);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Errors. */
  status = run_shoal (fixture->alice, &out, &err, "connect", NULL);
  assert_fails_saying (status, 2, err, "ADDRESS");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_shoal (fixture->alice, &out, &err, "connect", "not an address", NULL);
  assert_fails_saying (status, 1, err, "not an address");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_shoal (fixture->alice, &out, &err, "disconnect", "nobody", NULL);
  g_assert_cmpint (status, ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_shoal (fixture->alice, &out, &err, "disconnect", NULL);
  assert_fails_saying (status, 2, err, "PEER");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* And back: connect names bob again. */
  status = run_shoal (fixture->alice, &out, &err, "connect", address, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, expected_connected);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/dbus-control/connect", Fixture, NULL, setup, test_connect, teardown);
  g_test_add ("/dbus-control/errors", Fixture, NULL, setup, test_errors, teardown);
  g_test_add ("/dbus-control/disconnect", Fixture, NULL, setup, test_disconnect, teardown);
  g_test_add ("/dbus-control/cli", Fixture, NULL, setup, test_cli, teardown);

  return g_test_run ();
}
