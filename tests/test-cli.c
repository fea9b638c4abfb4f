/* test-cli.c: the shoal command, and the README's script examples
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs the built `shoal` against two real daemons (alice and bob, each on
 * its own private bus, joined on loopback): its commands, output and exit
 * codes, trust decisions included, and a pending peer of an allow-list
 * daemon. Then runs every fenced block of README.md marked
 * `<!-- example: sends -->` or `<!-- example: receives -->`, as written.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>

#include "shoal-test-daemon.h"

typedef struct {
  gchar           *tmpdir;
  ShoalTestDaemon *alice;
  ShoalTestDaemon *bob;
  gboolean         ready;
  GPtrArray       *received;  /* (element-type GVariant): bob's MessageReceived */
  guint            subscription;
} Fixture;

static void
on_bob_message (GDBusConnection *connection,
                const gchar     *sender,
                const gchar     *path,
                const gchar     *interface,
                const gchar     *member,
                GVariant        *parameters,
                gpointer         user_data)
{
  Fixture *fixture = user_data;

  g_ptr_array_add (fixture->received, g_variant_ref (parameters));
}

static void
setup (Fixture       *fixture,
       gconstpointer  data)
{
  g_autofree gchar *peer = NULL;
  /* A short delivery timeout, for /cli/send-wait to see a failure. */
  const gchar *args[] = { "--peer", NULL, "--delivery-timeout", "1", NULL };

  fixture->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;

  fixture->tmpdir = shoal_test_make_tmpdir ();
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
  peer = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  args[1] = peer;
  fixture->bob = shoal_test_daemon_start ("bob", fixture->tmpdir, args);
  shoal_test_connect_pair (fixture->alice, fixture->bob);

  fixture->subscription =
    g_dbus_connection_signal_subscribe (fixture->bob->bus->connection, SHOAL_TEST_BUS_NAME,
                                        "org.shoal.Shoal1", "MessageReceived",
                                        SHOAL_TEST_OBJECT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_bob_message, fixture, NULL);
  fixture->ready = TRUE;
}

/* alice alone, under the allow-list policy; the test starts bob. */
static void
setup_allow_list (Fixture       *fixture,
                  gconstpointer  data)
{
  const gchar *args[] = { "--trust-policy", "allow-list", NULL };

  fixture->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;

  fixture->tmpdir = shoal_test_make_tmpdir ();
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, args);
  fixture->ready = TRUE;
}

static void
teardown (Fixture       *fixture,
          gconstpointer  data)
{
  if (fixture->subscription != 0)
    g_dbus_connection_signal_unsubscribe (fixture->bob->bus->connection, fixture->subscription);
  g_clear_pointer (&fixture->bob, shoal_test_daemon_free);
  g_clear_pointer (&fixture->alice, shoal_test_daemon_free);
  if (fixture->tmpdir != NULL)
    {
      g_autofree gchar *quoted = g_shell_quote (fixture->tmpdir);
      g_autofree gchar *command = g_strdup_printf ("rm -rf %s", quoted);

      g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
      g_clear_pointer (&fixture->tmpdir, g_free);
    }
  g_clear_pointer (&fixture->received, g_ptr_array_unref);
}

/* Runs `shoal ARGS…` on @bus_address. */
static gint
run_shoal (const gchar  *bus_address,
           GBytes       *input,
           gchar       **out,
           gchar       **err,
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

  return shoal_test_run ((const gchar * const *) argv->pdata, bus_address, NULL, input, out, err);
}

static void
assert_one_line (const gchar *err,
                 const gchar *expected_part)
{
  g_test_message ("stderr: %s", err);
  g_assert_true (g_str_has_prefix (err, "shoal: "));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
  if (expected_part != NULL)
    g_assert_nonnull (strstr (err, expected_part));
}

typedef struct {
  Fixture *fixture;
  guint    count;
} ReceivedWait;

static gboolean
received_at_least (gpointer user_data)
{
  ReceivedWait *wait = user_data;

  return wait->fixture->received->len >= wait->count;
}

/* Waits for bob's @index-th (from 0) MessageReceived and checks it. */
static void
assert_received (Fixture      *fixture,
                 guint         index,
                 const guint8 *data,
                 gsize         size,
                 gboolean      broadcast)
{
  ReceivedWait wait = { fixture, index + 1 };
  g_autoptr(GVariant) payload = NULL;
  g_autoptr(GVariant) details = NULL;
  const gchar *from = NULL;
  const guint8 *got;
  gsize got_size = 0;
  gboolean got_broadcast = !broadcast;

  g_assert_true (shoal_test_wait_until (received_at_least, &wait, SHOAL_TEST_TIMEOUT_MS));
  g_variant_get (g_ptr_array_index (fixture->received, index), "(&s@ay@a{sv})",
                 &from, &payload, &details);
  g_assert_cmpstr (from, ==, fixture->alice->id);
  got = g_variant_get_fixed_array (payload, &got_size, 1);
  g_assert_cmpmem (got, got_size, data, size);
  g_assert_true (g_variant_lookup (details, "broadcast", "b", &got_broadcast));
  g_assert_cmpint (got_broadcast, ==, broadcast);
}

static void
test_status (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *expected = NULL;

  g_test_summary ("shoal status prints the node's id, name, port, version and peer counts");
  if (!fixture->ready)
    return;

  g_assert_cmpint (run_shoal (fixture->alice->bus->address, NULL, &out, &err, "status", NULL),
                   ==, 0);
  expected = g_strdup_printf ("Id: %s\nName: alice\nPort: %u\nVersion: %s\n"
                              "Peers: 1 connected, 1 known\n",
                              fixture->alice->id, (guint) fixture->alice->port, PACKAGE_VERSION);
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpstr (err, ==, "");
}

/* A line of `shoal peers` holds a six-digit verification code as a cell. */
static void
assert_has_code (const gchar *line)
{
  g_auto(GStrv) cells = g_strsplit (line, " ", -1);
  gsize i;

  for (i = 0; cells[i] != NULL; i++)
    if (strlen (cells[i]) == 6 && strspn (cells[i], "0123456789") == 6)
      return;
  g_test_message ("no code in: %s", line);
  g_assert_not_reached ();
}

static void
test_peers (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *array;
  JsonObject *peer;

  g_test_summary ("shoal peers prints a table with headings, whether each peer is trusted "
                  "and its verification code, and --json an array of peers with the ListPeers "
                  "keys");
  if (!fixture->ready)
    return;

  g_assert_cmpint (run_shoal (fixture->alice->bus->address, NULL, &out, &err, "peers", NULL),
                   ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);  /* heading, bob, "" */
  g_assert_true (g_str_has_prefix (lines[0], "ID"));
  g_assert_nonnull (strstr (lines[0], "NAME"));
  g_assert_nonnull (strstr (lines[0], "STATE"));
  g_assert_nonnull (strstr (lines[0], "TRUSTED"));
  g_assert_nonnull (strstr (lines[0], "CODE"));
  g_assert_nonnull (strstr (lines[0], "ADDRESSES"));
  g_assert_true (g_str_has_prefix (lines[1], fixture->bob->id));
  g_assert_nonnull (strstr (lines[1], " bob "));
  g_assert_nonnull (strstr (lines[1], " connected "));
  g_assert_nonnull (strstr (lines[1], " no "));
  assert_has_code (lines[1]);
  g_assert_cmpstr (lines[2], ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_shoal (fixture->alice->bus->address, NULL, &out, &err,
                              "peers", "--json", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  peer = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (peer, "id"), ==, fixture->bob->id);
  g_assert_cmpstr (json_object_get_string_member (peer, "name"), ==, "bob");
  g_assert_cmpstr (json_object_get_string_member (peer, "state"), ==, "connected");
  g_assert_true (json_object_get_boolean_member (peer, "connected"));
  g_assert_nonnull (json_object_get_array_member (peer, "addresses"));
  g_assert_true (json_object_has_member (peer, "rtt-usec"));
  g_assert_true (json_object_has_member (peer, "last-seen-usec"));
  g_assert_true (json_object_has_member (peer, "messages-sent"));
  g_assert_false (json_object_get_boolean_member (peer, "trusted"));
  g_assert_cmpstr (json_object_get_string_member (peer, "fingerprint"), ==,
                   shoal_dbus_service_get_fingerprint (fixture->bob->service));
  g_assert_cmpuint (strlen (json_object_get_string_member (peer, "verification-code")), ==, 6);
  g_assert_cmpstr (json_object_get_string_member (peer, "previous-id"), ==, "");
}

static void
test_id (Fixture       *fixture,
         gconstpointer  data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *expected = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const gchar *fingerprint;
  JsonObject *object;

  g_test_summary ("shoal id prints the node's id, name, key fingerprint and trust policy, "
                  "and --json the same as one object");
  if (!fixture->ready)
    return;

  fingerprint = shoal_dbus_service_get_fingerprint (fixture->alice->service);
  g_assert_cmpuint (strlen (fingerprint), ==, 95);
  g_assert_cmpint (run_shoal (fixture->alice->bus->address, NULL, &out, &err, "id", NULL), ==, 0);
  expected = g_strdup_printf ("Id: %s\nName: alice\nFingerprint: %s\nTrust policy: open\n",
                              fixture->alice->id, fingerprint);
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_shoal (fixture->alice->bus->address, NULL, &out, NULL, "id", "--json",
                              NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, fixture->alice->id);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (object, "fingerprint"), ==, fingerprint);
  g_assert_cmpstr (json_object_get_string_member (object, "trust-policy"), ==, "open");
}

static void
test_key_generate (void)
{
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;
  g_autofree gchar *err = NULL;

  g_test_summary ("shoal key generate prints 64 lowercase hex characters and a newline, "
                  "different each time, without any bus");

  g_assert_cmpint (run_shoal (NULL, NULL, &first, &err, "key", "generate", NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpuint (strlen (first), ==, 65);
  g_assert_cmpuint (strspn (first, "0123456789abcdef"), ==, 64);
  g_assert_cmpint (first[64], ==, '\n');

  g_assert_cmpint (run_shoal (NULL, NULL, &second, NULL, "key", "generate", NULL), ==, 0);
  g_assert_cmpuint (strlen (second), ==, 65);
  g_assert_cmpstr (first, !=, second);
}

typedef struct {
  ShoalTestDaemon *daemon;
  const gchar     *peer_id;
  gboolean         connected;
} SeesWait;

static gboolean
sees_is (gpointer user_data)
{
  SeesWait *wait = user_data;

  return shoal_test_daemon_sees_connected (wait->daemon, wait->peer_id) == wait->connected;
}

static void
test_trust (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *expected = NULL;
  const gchar *address;
  SeesWait wait;

  g_test_summary ("shoal trust and untrust take a peer by name or id, say which peer they "
                  "decided on, and shoal peers shows the decision; an untrusted peer is cut "
                  "off, and trusting it again by id lets it back; an unknown name is an error");
  if (!fixture->ready)
    return;
  address = fixture->alice->bus->address;

  g_assert_cmpint (run_shoal (address, NULL, &out, &err, "trust", "bob", NULL), ==, 0);
  expected = g_strdup_printf ("Trusted bob (%s)\n", fixture->bob->id);
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);

  /* PropertiesChanged reaches `shoal peers` through the ObjectManager. */
  g_assert_cmpint (run_shoal (address, NULL, &out, NULL, "peers", NULL), ==, 0);
  g_assert_nonnull (strstr (out, " yes "));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_shoal (address, NULL, &out, NULL, "untrust", "bob", NULL), ==, 0);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("Untrusted bob (%s): ", fixture->bob->id);
  g_assert_true (g_str_has_prefix (out, expected));
  g_clear_pointer (&out, g_free);
  wait = (SeesWait) { fixture->alice, fixture->bob->id, FALSE };
  g_assert_true (shoal_test_wait_until (sees_is, &wait, SHOAL_TEST_TIMEOUT_MS));

  /* By id: alice may have forgotten bob's name with his link. */
  g_assert_cmpint (run_shoal (address, NULL, &out, NULL, "trust", fixture->bob->id, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "Trusted "));
  g_assert_nonnull (strstr (out, fixture->bob->id));
  shoal_test_connect_pair (fixture->alice, fixture->bob);

  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_shoal (address, NULL, NULL, &err, "trust", "carol", NULL), ==, 1);
  assert_one_line (err, "carol");
}

static void
test_send (Fixture       *fixture,
           gconstpointer  data)
{
  static const guint8 binary[] = { 0x00, 0xff, 'a', 0x00, 0x80, '\n' };
  g_autoptr(GBytes) input = g_bytes_new_static (binary, sizeof binary);
  g_autofree gchar *prefix = g_strndup (fixture->bob->id, 6);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  const gchar *address;

  g_test_summary ("shoal send delivers MESSAGE, or stdin byte for byte with -, to a peer "
                  "named by name, id prefix or full id; shoal resolve prints the id");
  if (!fixture->ready)
    return;
  address = fixture->alice->bus->address;

  g_assert_cmpint (run_shoal (address, NULL, &out, &err, "send", "bob", "hello, bob", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  assert_received (fixture, 0, (const guint8 *) "hello, bob", 10, FALSE);

  g_assert_cmpint (run_shoal (address, input, NULL, NULL, "send", prefix, "-", NULL), ==, 0);
  assert_received (fixture, 1, binary, sizeof binary, FALSE);

  g_assert_cmpint (run_shoal (address, NULL, NULL, NULL, "send", fixture->bob->id, "--", "-x",
                              NULL), ==, 0);
  assert_received (fixture, 2, (const guint8 *) "-x", 2, FALSE);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_shoal (address, NULL, &out, NULL, "resolve", "bob", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, fixture->bob->id));
  g_assert_cmpstr (out + 32, ==, "\n");
}

static gboolean
process_ended (gpointer user_data)
{
  return g_subprocess_get_identifier (user_data) == NULL;
}

static void
test_send_wait (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) waiting = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *alice_id = NULL;
  GPid bob_pid;

  g_test_summary ("shoal send --wait returns only once the peer has the message (exit 0), "
                  "and with the reason on stderr (exit 1) once the message failed");
  if (!fixture->ready)
    return;

  /* Bob is frozen: the message waits in alice's store, and so does shoal. */
  bob_pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (fixture->bob->process), NULL, 10);
  g_assert_cmpint (kill (bob_pid, SIGSTOP), ==, 0);
  launcher = shoal_test_launcher_new (fixture->alice->bus->address, G_SUBPROCESS_FLAGS_NONE);
  waiting = g_subprocess_launcher_spawn (launcher, &error, shoal_test_build_path ("src/cli/shoal"),
                                         "send", "--wait", "bob", "wait for me", NULL);
  g_assert_no_error (error);
  g_assert_false (shoal_test_wait_until (process_ended, waiting, 1500));

  g_assert_cmpint (kill (bob_pid, SIGCONT), ==, 0);
  g_assert_true (shoal_test_wait_until (process_ended, waiting, SHOAL_TEST_TIMEOUT_MS));
  g_assert_true (g_subprocess_get_if_exited (waiting));
  g_assert_cmpint (g_subprocess_get_exit_status (waiting), ==, 0);
  assert_received (fixture, 0, (const guint8 *) "wait for me", 11, FALSE);

  /* Alice gone, bob gives up after his delivery timeout of 1 s. */
  alice_id = g_strdup (fixture->alice->id);
  shoal_test_daemon_stop (fixture->alice);
  g_assert_cmpint (run_shoal (fixture->bob->bus->address, NULL, NULL, &err, "send", "--wait",
                              alice_id, "too late", NULL), ==, 1);
  assert_one_line (err, "failed: peer unreachable for 1 s");
}

static void
test_broadcast (Fixture       *fixture,
                gconstpointer  data)
{
  static const guint8 binary[] = { 0xc3, 0x28, 0x00 };
  g_autoptr(GBytes) input = g_bytes_new_static (binary, sizeof binary);
  g_autofree gchar *out = NULL;

  g_test_summary ("shoal broadcast sends to every connected peer and says how many");
  if (!fixture->ready)
    return;

  g_assert_cmpint (run_shoal (fixture->alice->bus->address, NULL, &out, NULL,
                              "broadcast", "to all", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Sent to 1 peer\n");
  assert_received (fixture, 0, (const guint8 *) "to all", 6, TRUE);

  g_assert_cmpint (run_shoal (fixture->alice->bus->address, input, NULL, NULL,
                              "broadcast", "-", NULL), ==, 0);
  assert_received (fixture, 1, binary, sizeof binary, TRUE);
}

static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree guint8 *big = g_malloc0 (16 * 1024 * 1024 + 1);
  g_autoptr(GBytes) input = g_bytes_new_static (big, 16 * 1024 * 1024 + 1);
  g_autofree gchar *err = NULL;
  const gchar *address;

  g_test_summary ("shoal exits 1 with one line on stderr for an unknown peer, a peer id no "
                  "peer has, and a message over 16 MiB");
  if (!fixture->ready)
    return;
  address = fixture->alice->bus->address;

  g_assert_cmpint (run_shoal (address, NULL, NULL, &err, "send", "carol", "x", NULL), ==, 1);
  assert_one_line (err, "carol");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_shoal (address, NULL, NULL, &err, "send",
                              "0123456789abcdef0123456789abcdef", "x", NULL), ==, 1);
  assert_one_line (err, NULL);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_shoal (address, input, NULL, &err, "send", "bob", "-", NULL), ==, 1);
  assert_one_line (err, "16777216");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_shoal (address, input, NULL, &err, "broadcast", "-", NULL), ==, 1);
  assert_one_line (err, "16777216");
}

static void
test_ambiguous (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(ShoalTestDaemon) carol = NULL;
  g_autofree gchar *peer = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *carol_dir = NULL;
  const gchar *args[] = { "--peer", NULL, NULL };

  g_test_summary ("A name two peers share is ambiguous: shoal send exits 1 and names both ids");
  if (!fixture->ready)
    return;

  /* A third daemon that also calls itself bob. */
  peer = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  args[1] = peer;
  carol_dir = g_build_filename (fixture->tmpdir, "carol", NULL);
  carol = shoal_test_daemon_start ("bob", carol_dir, (const gchar * const *) args);
  g_assert_false (g_str_equal (carol->id, fixture->bob->id));
  shoal_test_connect_pair (fixture->alice, carol);

  g_assert_cmpint (run_shoal (fixture->alice->bus->address, NULL, NULL, &err,
                              "send", "bob", "x", NULL), ==, 1);
  assert_one_line (err, fixture->bob->id);
  g_assert_nonnull (strstr (err, carol->id));
}

static void
test_usage (void)
{
  const gchar * const cases[][4] = {
    { NULL },
    { "bogus", NULL },
    { "send", "bob", NULL },
    { "send", "bob", "x", "y" },
    { "broadcast", NULL },
    { "status", "extra", NULL },
    { "peers", "--bogus", NULL },
    { "--bogus", NULL },
    { "trust", NULL },
    { "untrust", "a", "b", NULL },
    { "id", "extra", NULL },
    { "key", NULL },
    { "key", "bogus", NULL },
    { "key", "generate", "extra", NULL },
  };
  gsize i;

  g_test_summary ("shoal exits 2 with one line on stderr on a usage error, before it needs "
                  "a bus; --help exits 0");

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autofree gchar *err = NULL;
      gsize j;

      g_ptr_array_add (argv, (gpointer) shoal_test_build_path ("src/cli/shoal"));
      for (j = 0; j < 4 && cases[i][j] != NULL; j++)
        g_ptr_array_add (argv, (gpointer) cases[i][j]);
      g_ptr_array_add (argv, NULL);
      g_assert_cmpint (shoal_test_run ((const gchar * const *) argv->pdata, NULL, NULL, NULL,
                                       NULL, &err), ==, 2);
      assert_one_line (err, NULL);
    }

  {
    g_autofree gchar *out = NULL;

    g_assert_cmpint (run_shoal (NULL, NULL, &out, NULL, "--help", NULL), ==, 0);
    g_assert_nonnull (strstr (out, "Commands:"));
    g_assert_nonnull (strstr (out, "monitor [--json]"));
    g_assert_nonnull (strstr (out, "id [--json]"));
    g_assert_nonnull (strstr (out, "trust PEER"));
    g_assert_nonnull (strstr (out, "untrust PEER"));
    g_assert_nonnull (strstr (out, "key generate"));
  }
}

static void
test_not_running (void)
{
  g_autoptr(ShoalTestBus) bus = NULL;
  g_autofree gchar *err = NULL;

  g_test_summary ("Without shoald on the bus, shoal says so and how to start it, exit 1");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;

  bus = shoal_test_bus_new ();
  g_assert_cmpint (run_shoal (bus->address, NULL, NULL, &err, "status", NULL), ==, 1);
  assert_one_line (err, "shoald is not running");
  g_assert_nonnull (strstr (err, "systemctl --user start shoald"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_shoal (bus->address, NULL, NULL, &err, "send", "bob", "x", NULL), ==, 1);
  assert_one_line (err, "shoald is not running");
}

/* ---- shoal doctor ---- */

/* Every line of a doctor's text is "ok: …" or "problem: … — what to do". */
static gchar **
doctor_lines (const gchar *out)
{
  gchar **lines = g_strsplit (out, "\n", -1);
  guint n = g_strv_length (lines);

  g_test_message ("shoal doctor:\n%s", out);
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpstr (lines[n - 1], ==, "");
  for (guint i = 0; i + 1 < n; i++)
    {
      if (g_str_has_prefix (lines[i], "problem: "))
        g_assert_nonnull (strstr (lines[i], " — "));
      else
        g_assert_true (g_str_has_prefix (lines[i], "ok: "));
    }
  return lines;
}

static gboolean
peer_alice_refused (gpointer user_data)
{
  Fixture *fixture = user_data;
  g_autofree gchar *out = NULL;
  g_autofree gchar *expected = g_strdup_printf ("problem: peer alice (%s) is not linked: "
                                                "connection refused: ", fixture->alice->id);

  run_shoal (fixture->bob->bus->address, NULL, &out, NULL, "doctor", NULL);
  return out != NULL && strstr (out, expected) != NULL;
}

static void
test_doctor (Fixture       *fixture,
             gconstpointer  data)
{
  static const gchar * const checks[] = {
    "shoald", "avahi", "service", "interfaces", "identity", "peers", "port",
  };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *expected = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *array;

  g_test_summary ("shoal doctor checks in order shoald and its bus, avahi-daemon (not "
                  "reachable on a private bus, and not needed without mDNS), the "
                  "announcement, the interfaces, the node's id, the peers and the port, one "
                  "line each, “ok: …” or “problem: … — what to do”, exit 1 for the loopback "
                  "listener; --json gives the same findings as one object; a peer that stopped "
                  "is named with why it is not linked");
  if (!fixture->ready)
    return;

  g_assert_cmpint (run_shoal (fixture->bob->bus->address, NULL, &out, &err, "doctor", NULL),
                   ==, 1);
  g_assert_cmpstr (err, ==, "");
  lines = doctor_lines (out);
  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (checks) + 1);
  expected = g_strdup_printf ("ok: shoald %s is running on the session bus as “bob” (id %s)",
                              PACKAGE_VERSION, fixture->bob->id);
  g_assert_cmpstr (lines[0], ==, expected);
  g_assert_true (g_str_has_prefix (lines[1], "ok: avahi-daemon cannot be reached: there is no "
                                             "system bus"));
  g_assert_nonnull (strstr (lines[1], "shoald does not use it (started with --no-avahi)"));
  g_assert_true (g_str_has_prefix (lines[2], "ok: mDNS is off in shoald"));
  g_assert_true (g_str_has_prefix (lines[3], "ok: "));
  g_assert_cmpstr (lines[4], ==, "ok: no other machine shows this node’s id");
  g_assert_cmpstr (lines[5], ==, "ok: the 1 known peer is linked");
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("problem: listening on TCP port %u on 127.0.0.1 only, which other "
                              "machines cannot reach — ", (guint) fixture->bob->port);
  g_assert_true (g_str_has_prefix (lines[6], expected));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_shoal (fixture->bob->bus->address, NULL, &out, NULL,
                              "doctor", "--json", NULL), ==, 1);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_false (json_object_get_boolean_member (root, "ok"));
  array = json_object_get_array_member (root, "checks");
  g_assert_cmpuint (json_array_get_length (array), ==, G_N_ELEMENTS (checks));
  for (guint i = 0; i < G_N_ELEMENTS (checks); i++)
    {
      JsonObject *check = json_array_get_object_element (array, i);
      gboolean ok = json_object_get_boolean_member (check, "ok");

      g_assert_cmpstr (json_object_get_string_member (check, "check"), ==, checks[i]);
      g_assert_nonnull (json_object_get_string_member (check, "message"));
      g_assert_true (json_object_has_member (check, "advice"));
      g_assert_cmpint (json_object_get_null_member (check, "advice"), ==, ok);
      g_assert_cmpint (ok, ==, i != G_N_ELEMENTS (checks) - 1);
    }

  /* alice goes: bob dials its address in vain, and says so. */
  shoal_test_daemon_stop (fixture->alice);
  g_assert_true (shoal_test_wait_until (peer_alice_refused, fixture, SHOAL_TEST_TIMEOUT_MS));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&lines, g_strfreev);
  run_shoal (fixture->bob->bus->address, NULL, &out, NULL, "doctor", NULL);
  lines = doctor_lines (out);
  g_assert_nonnull (strstr (lines[5], " — nothing listens at its address"));
}

static void
test_doctor_no_shoald (void)
{
  g_autoptr(ShoalTestBus) bus = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto(GStrv) lines = NULL;

  g_test_summary ("Without shoald, shoal doctor says it is not running and how to start it, "
                  "and that avahi-daemon cannot be reached without a system bus, exit 1");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;

  bus = shoal_test_bus_new ();
  g_assert_cmpint (run_shoal (bus->address, NULL, &out, &err, "doctor", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "");
  lines = doctor_lines (out);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[0], ==, "problem: shoald is not running, neither on the session bus nor "
                                 "on the system bus — start it with “shoald” or “systemctl "
                                 "--user start shoald”");
  g_assert_true (g_str_has_prefix (lines[1], "problem: avahi-daemon cannot be reached: there is "
                                             "no system bus"));
}

static void
test_doctor_other_bus (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(ShoalTestBus) empty = NULL;
  g_autofree gchar *system = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *expected = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const gchar *env[] = { NULL, NULL };

  g_test_summary ("shoal doctor finds a shoald that runs on the system bus when none runs on "
                  "the session bus, says so and how the other commands reach it, and goes on "
                  "with its checks there");
  if (!fixture->ready)
    return;

  /* alice's bus plays the system bus; the session bus has no shoald. */
  empty = shoal_test_bus_new ();
  system = g_strdup_printf ("DBUS_SYSTEM_BUS_ADDRESS=%s", fixture->alice->bus->address);
  env[0] = system;
  g_ptr_array_add (argv, (gpointer) shoal_test_build_path ("src/cli/shoal"));
  g_ptr_array_add (argv, (gpointer) "doctor");
  g_ptr_array_add (argv, NULL);
  g_assert_cmpint (shoal_test_run ((const gchar * const *) argv->pdata, empty->address, env, NULL,
                                   &out, NULL), ==, 1);
  lines = doctor_lines (out);
  expected = g_strdup_printf ("ok: shoald %s is running on the system bus, not on the session "
                              "bus, as “alice” (id %s): the other shoal commands reach it with "
                              "--system", PACKAGE_VERSION, fixture->alice->id);
  g_assert_cmpstr (lines[0], ==, expected);
  g_assert_true (g_str_has_prefix (lines[1], "ok: avahi-daemon is not reachable: it is not on "
                                             "the system bus; shoald does not use it"));
  g_assert_cmpstr (lines[5], ==, "ok: the 1 known peer is linked");
}

static void
test_doctor_mdns (void)
{
  g_autofree gchar *tmpdir = NULL;
  g_autoptr(ShoalTestDaemon) daemon = NULL;
  g_autofree gchar *out = NULL;
  g_auto(GStrv) lines = NULL;

  g_test_summary ("A shoald that uses mDNS where no avahi-daemon can be reached: shoal doctor "
                  "names avahi-daemon as the problem, says the node is not announced, and that "
                  "mDNS sees nothing, not even the node's own announcement");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;

  tmpdir = shoal_test_make_tmpdir ();
  /* main() pointed DBUS_SYSTEM_BUS_ADDRESS nowhere: nothing is announced. */
  daemon = shoal_test_daemon_start_full (shoal_test_bus_new (), "carol", tmpdir, NULL, TRUE);
  g_assert_cmpint (run_shoal (daemon->bus->address, NULL, &out, NULL, "doctor", NULL), ==, 1);
  lines = doctor_lines (out);
  g_assert_true (g_str_has_prefix (lines[1], "problem: avahi-daemon cannot be reached: there is "
                                             "no system bus"));
  g_assert_true (g_str_has_prefix (lines[2], "problem: this node is not announced: shoald "
                                             "cannot reach avahi-daemon — "));
  g_assert_true (g_str_has_prefix (lines[4], "problem: no Shoal service is seen over mDNS, not "
                                             "even this node’s own — "));

  g_clear_pointer (&daemon, shoal_test_daemon_free);
  shoal_test_remove_tree (tmpdir);
}

/* ---- reading a child's output while the main loop runs ---- */

typedef struct {
  GSubprocess     *process;
  GInputStream    *stdout_pipe;
  GString         *output;
  const gchar     *until;
  ShoalTestDaemon *sender;
  gint64           last_broadcast;
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

  /* Keep sending until the receiver, which may still be subscribing, prints it. */
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
new_session (gpointer user_data)
{
  setsid ();
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Starts @argv on @daemon's bus in a session of its own, so that everything it
 * starts can be stopped at once. */
static GSubprocess *
spawn_reader (const gchar * const *argv,
              ShoalTestDaemon     *daemon,
              const gchar         *path)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  launcher = shoal_test_launcher_new (daemon->bus->address,
                                      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE);
  if (path != NULL)
    g_subprocess_launcher_setenv (launcher, "PATH", path, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, new_session, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return process;
}

static void
stop_reader (GSubprocess *process)
{
  const gchar *pid = g_subprocess_get_identifier (process);

  if (pid != NULL)
    kill (-(pid_t) g_ascii_strtoll (pid, NULL, 10), SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
}

/* Runs @argv on bob's bus while alice broadcasts, until its output has alice's id. */
static gchar *
receive_with (Fixture             *fixture,
              const gchar * const *argv,
              const gchar         *path)
{
  g_autoptr(GSubprocess) process = spawn_reader (argv, fixture->bob, path);
  Watch watch = { process, g_subprocess_get_stdout_pipe (process), g_string_new (NULL),
                  fixture->alice->id, fixture->alice, 0 };
  gboolean found;

  shoal_test_wait_until (output_contains, &watch, SHOAL_TEST_TIMEOUT_MS);
  found = strstr (watch.output->str, fixture->alice->id) != NULL;
  stop_reader (process);
  g_test_message ("output: %s", watch.output->str);
  g_assert_true (found);
  return g_string_free (watch.output, FALSE);
}

static void
test_monitor (Fixture       *fixture,
              gconstpointer  data)
{
  const gchar *json_argv[] = { shoal_test_build_path ("src/cli/shoal"), "monitor", "--json", NULL };
  const gchar *text_argv[] = { shoal_test_build_path ("src/cli/shoal"), "monitor", NULL };
  g_autofree gchar *json = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *expected = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guchar *payload = NULL;
  g_auto(GStrv) lines = NULL;
  JsonObject *event;
  gsize size = 0;

  g_test_summary ("shoal monitor prints one line per message, as text or, with --json, as "
                  "one JSON object per line with the payload in base64");
  if (!fixture->ready)
    return;

  json = receive_with (fixture, json_argv, NULL);
  lines = g_strsplit (json, "\n", -1);
  g_assert_true (json_parser_load_from_data (parser, lines[0], -1, &error));
  g_assert_no_error (error);
  event = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "message");
  g_assert_cmpstr (json_object_get_string_member (event, "id"), ==, fixture->alice->id);
  g_assert_cmpstr (json_object_get_string_member (event, "name"), ==, "alice");
  g_assert_true (json_object_get_boolean_member (event, "broadcast"));
  payload = g_base64_decode (json_object_get_string_member (event, "payload"), &size);
  g_assert_cmpmem (payload, size, "ping", 4);

  text = receive_with (fixture, text_argv, NULL);
  expected = g_strdup_printf ("alice (%s) to everyone: ping\n", fixture->alice->id);
  g_assert_true (g_str_has_prefix (text, expected));
}

static void
test_previous_id (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree gchar *old_id = g_strdup (fixture->bob ? fixture->bob->id : "");
  g_autofree gchar *peer = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *expected = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const gchar *args[] = { "--peer", NULL, NULL };
  JsonObject *object;

  g_test_summary ("When bob comes back with a new key (a new state directory), shoal peers "
                  "notes that his name belonged to his old id, and --json gives previous-id");
  if (!fixture->ready)
    return;

  /* bob's subscription goes with his bus. */
  g_dbus_connection_signal_unsubscribe (fixture->bob->bus->connection, fixture->subscription);
  fixture->subscription = 0;
  shoal_test_daemon_stop (fixture->bob);
  shoal_test_remove_tree (fixture->bob->state_dir);
  g_clear_pointer (&fixture->bob, shoal_test_daemon_free);

  peer = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  args[1] = peer;
  fixture->bob = shoal_test_daemon_start ("bob", fixture->tmpdir, args);
  shoal_test_connect_pair (fixture->alice, fixture->bob);

  g_assert_cmpint (run_shoal (fixture->alice->bus->address, NULL, &out, NULL, "peers", NULL),
                   ==, 0);
  expected = g_strdup_printf ("Note: bob (%s) uses a name this node knew from peer %s: ",
                              fixture->bob->id, old_id);
  g_assert_nonnull (strstr (out, expected));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_shoal (fixture->alice->bus->address, NULL, &out, NULL, "peers", "--json",
                              NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  object = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, fixture->bob->id);
  g_assert_cmpstr (json_object_get_string_member (object, "previous-id"), ==, old_id);
}

/* ---- a pending peer ---- */

static GDBusMessage *
count_calls_filter (GDBusConnection *connection,
                    GDBusMessage    *message,
                    gboolean         incoming,
                    gpointer         user_data)
{
  gint *calls = user_data;

  /* Monitored calls are copies: answering one would get a monitor thrown
   * off the bus, so they stop here. */
  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    {
      g_atomic_int_inc (calls);
      g_object_unref (message);
      return NULL;
    }
  return message;
}

/* A connection to @bus_address that counts the ListPeers calls anyone makes
 * there (org.freedesktop.DBus.Monitoring): `shoal monitor` makes one once it
 * listens to every signal, so the test knows when to make one happen. */
static GDBusConnection *
count_list_peers_calls (const gchar *bus_address,
                        gint        *calls)
{
  const gchar *rules[] = { "type='method_call',interface='org.shoal.Shoal1',member='ListPeers'", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (bus_address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_add_filter (connection, count_calls_filter, calls, NULL);
  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus.Monitoring", "BecomeMonitor",
                                       g_variant_new ("(^asu)", rules, 0), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

static gboolean
calls_reached (gpointer user_data)
{
  return g_atomic_int_get ((gint *) user_data) >= 2;
}

static gchar *
read_until (GSubprocess *process,
            const gchar *until)
{
  Watch watch = { process, g_subprocess_get_stdout_pipe (process), g_string_new (NULL),
                  until, NULL, 0 };

  shoal_test_wait_until (output_contains, &watch, SHOAL_TEST_TIMEOUT_MS);
  g_test_message ("output: %s", watch.output->str);
  return g_string_free (watch.output, FALSE);
}

static void
test_pending (Fixture       *fixture,
              gconstpointer  data)
{
  const gchar *json_argv[] = { shoal_test_build_path ("src/cli/shoal"), "monitor", "--json", NULL };
  const gchar *text_argv[] = { shoal_test_build_path ("src/cli/shoal"), "monitor", NULL };
  g_autoptr(GDBusConnection) monitoring = NULL;
  g_autoptr(GSubprocess) json_monitor = NULL;
  g_autoptr(GSubprocess) text_monitor = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *json = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *expected = NULL;
  g_autofree gchar *peer = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto(GStrv) lines = NULL;
  const gchar *args[] = { "--peer", NULL, NULL };
  const gchar *address;
  const gchar *code;
  JsonObject *event;
  gint calls = 0;

  g_test_summary ("Under the allow-list policy, shoal monitor prints a peer asking to join "
                  "with its verification code (text and --json), shoal peers shows it pending "
                  "with the same code, shoal send to it fails saying it waits to be trusted, "
                  "shoal doctor names it with its code and what to do, and shoal trust links "
                  "it up");
  if (!fixture->ready)
    return;
  address = fixture->alice->bus->address;

  monitoring = count_list_peers_calls (address, &calls);
  json_monitor = spawn_reader (json_argv, fixture->alice, NULL);
  text_monitor = spawn_reader (text_argv, fixture->alice, NULL);
  g_assert_true (shoal_test_wait_until (calls_reached, &calls, SHOAL_TEST_TIMEOUT_MS));

  peer = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  args[1] = peer;
  fixture->bob = shoal_test_daemon_start ("bob", fixture->tmpdir, args);

  json = read_until (json_monitor, "\n");
  text = read_until (text_monitor, "\n");
  stop_reader (json_monitor);
  stop_reader (text_monitor);

  lines = g_strsplit (json, "\n", -1);
  g_assert_true (json_parser_load_from_data (parser, lines[0], -1, &error));
  g_assert_no_error (error);
  event = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "peer-pending");
  g_assert_cmpstr (json_object_get_string_member (event, "id"), ==, fixture->bob->id);
  g_assert_cmpstr (json_object_get_string_member (event, "name"), ==, "bob");
  code = json_object_get_string_member (event, "verification-code");
  g_assert_cmpuint (strlen (code), ==, 6);
  g_assert_cmpuint (strspn (code, "0123456789"), ==, 6);

  expected = g_strdup_printf ("bob (%s) asks to join, verification code %s; if the other "
                              "machine shows the same code: shoal trust %s\n",
                              fixture->bob->id, code, fixture->bob->id);
  g_assert_cmpstr (text, ==, expected);

  g_assert_cmpint (run_shoal (address, NULL, &out, NULL, "peers", NULL), ==, 0);
  g_assert_nonnull (strstr (out, " pending "));
  g_assert_nonnull (strstr (out, code));
  g_assert_nonnull (strstr (out, " no "));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_shoal (address, NULL, NULL, &err, "send", "bob", "x", NULL), ==, 1);
  assert_one_line (err, "waits to be trusted");

  /* shoal doctor names it, with its code and what to do. */
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("problem: peer bob (%s) asks to join and waits for a decision here "
                              "(verification code %s) — compare the code with the one that "
                              "machine shows, then “shoal trust %s” (or “shoal untrust %s”)\n",
                              fixture->bob->id, code, fixture->bob->id, fixture->bob->id);
  g_assert_cmpint (run_shoal (address, NULL, &out, NULL, "doctor", NULL), ==, 1);
  g_test_message ("shoal doctor:\n%s", out);
  g_assert_nonnull (strstr (out, expected));
  g_clear_pointer (&out, g_free);

  /* bob was given alice's address only; the refused handshake told it who
   * is there, and it names alice, who keeps it out. */
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("problem: peer alice (%s) is not linked: not trusted by the peer — "
                              "alice (%s) keeps this node out: trust this node there",
                              fixture->alice->id, fixture->alice->id);
  g_assert_cmpint (run_shoal (fixture->bob->bus->address, NULL, &out, NULL, "doctor", NULL), ==, 1);
  g_test_message ("shoal doctor on bob:\n%s", out);
  g_assert_nonnull (strstr (out, expected));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_shoal (address, NULL, &out, NULL, "trust", "bob", NULL), ==, 0);
  shoal_test_connect_pair (fixture->alice, fixture->bob);
}

/* ---- README ---- */

typedef struct {
  gchar *kind;      /* "sends" or "receives" */
  gchar *language;  /* "sh" or "python" */
  gchar *code;
} Example;

static void
example_free (gpointer data)
{
  Example *example = data;

  g_free (example->kind);
  g_free (example->language);
  g_free (example->code);
  g_free (example);
}

static GPtrArray *
read_readme_examples (void)
{
  g_autofree gchar *path = g_build_filename (g_getenv ("SHOAL_SRCDIR"), "README.md", NULL);
  g_autofree gchar *readme = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *examples = g_ptr_array_new_with_free_func (example_free);
  gsize i;

  g_assert_true (g_file_get_contents (path, &readme, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (readme, "\n", -1);

  for (i = 0; lines[i] != NULL; i++)
    {
      const gchar *marker = "<!-- example: ";
      Example *example;
      GString *code;

      if (!g_str_has_prefix (lines[i], marker))
        continue;
      example = g_new0 (Example, 1);
      example->kind = g_strndup (lines[i] + strlen (marker),
                                 strcspn (lines[i] + strlen (marker), " "));
      g_assert_nonnull (lines[i + 1]);
      g_assert_true (g_str_has_prefix (lines[i + 1], "```"));
      example->language = g_strdup (lines[i + 1] + 3);
      code = g_string_new (NULL);
      for (i += 2; lines[i] != NULL && !g_str_has_prefix (lines[i], "```"); i++)
        g_string_append_printf (code, "%s\n", lines[i]);
      g_assert_nonnull (lines[i]);
      example->code = g_string_free (code, FALSE);
      g_ptr_array_add (examples, example);
    }
  return examples;
}

/* PATH for the examples: the built shoal first, then the system's tools (its
 * python3 has gi). */
static gchar *
examples_path (void)
{
  g_autofree gchar *dir = g_path_get_dirname (shoal_test_build_path ("src/cli/shoal"));

  return g_strdup_printf ("%s:/usr/bin:/bin", dir);
}

/* Through sh, so that python3 is looked up in the example's own PATH. */
static const gchar **
example_argv (Example *example)
{
  static const gchar *argv[6];

  argv[0] = "/bin/sh";
  argv[1] = "-c";
  if (g_str_equal (example->language, "python"))
    {
      argv[2] = "exec python3 -c \"$1\"";
      argv[3] = "sh";
      argv[4] = example->code;
      argv[5] = NULL;
    }
  else
    {
      argv[2] = example->code;
      argv[3] = NULL;
    }
  return argv;
}

static void
test_readme_examples (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) examples = read_readme_examples ();
  g_autofree gchar *path = examples_path ();
  g_autofree gchar *path_env = g_strconcat ("PATH=", path, NULL);
  guint sends = 0, receives = 0;
  gsize i;

  g_test_summary ("Every README example marked sends or receives runs as written: senders "
                  "on alice's bus exit 0 and bob receives; receivers on bob's bus print "
                  "alice's broadcast");
  if (!fixture->ready)
    return;
  if (!shoal_test_skip_unless (g_file_test ("/usr/bin/busctl", G_FILE_TEST_IS_EXECUTABLE) &&
                               g_file_test ("/usr/bin/gdbus", G_FILE_TEST_IS_EXECUTABLE),
                               "busctl or gdbus is missing"))
    return;

  for (i = 0; i < examples->len; i++)
    {
      Example *example = g_ptr_array_index (examples, i);
      const gchar **argv = example_argv (example);

      g_test_message ("example %" G_GSIZE_FORMAT " (%s, %s):\n%s", i, example->kind,
                      example->language, example->code);
      if (g_str_equal (example->kind, "sends"))
        {
          const gchar *env[] = { path_env, NULL };
          g_autofree gchar *out = NULL;
          g_autofree gchar *err = NULL;
          guint before = fixture->received->len;
          ReceivedWait wait = { fixture, before + 1 };

          gint status = shoal_test_run (argv, fixture->alice->bus->address, env, NULL, &out, &err);

          g_test_message ("output: %s%s", out, err);
          g_assert_cmpint (status, ==, 0);
          g_assert_true (shoal_test_wait_until (received_at_least, &wait, SHOAL_TEST_TIMEOUT_MS));
          sends++;
        }
      else if (g_str_equal (example->kind, "receives"))
        {
          g_free (receive_with (fixture, argv, path));
          receives++;
        }
      else
        g_assert_not_reached ();
    }

  /* shoal, gdbus, busctl and Python each send and receive. */
  g_assert_cmpuint (sends, ==, 4);
  g_assert_cmpuint (receives, ==, 4);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* No test reaches this machine's system bus: shoal doctor finds none, and
   * a daemon with mDNS on announces nothing. */
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/shoal-test-no-system-bus", TRUE);

  g_test_add ("/cli/status", Fixture, NULL, setup, test_status, teardown);
  g_test_add ("/cli/peers", Fixture, NULL, setup, test_peers, teardown);
  g_test_add ("/cli/id", Fixture, NULL, setup, test_id, teardown);
  g_test_add ("/cli/trust", Fixture, NULL, setup, test_trust, teardown);
  g_test_add ("/cli/pending", Fixture, NULL, setup_allow_list, test_pending, teardown);
  g_test_add ("/cli/previous-id", Fixture, NULL, setup, test_previous_id, teardown);
  g_test_add ("/cli/send", Fixture, NULL, setup, test_send, teardown);
  g_test_add ("/cli/send-wait", Fixture, NULL, setup, test_send_wait, teardown);
  g_test_add ("/cli/broadcast", Fixture, NULL, setup, test_broadcast, teardown);
  g_test_add ("/cli/errors", Fixture, NULL, setup, test_errors, teardown);
  g_test_add ("/cli/ambiguous", Fixture, NULL, setup, test_ambiguous, teardown);
  g_test_add ("/cli/monitor", Fixture, NULL, setup, test_monitor, teardown);
  g_test_add ("/cli/readme-examples", Fixture, NULL, setup, test_readme_examples, teardown);
  g_test_add_func ("/cli/usage", test_usage);
  g_test_add_func ("/cli/key-generate", test_key_generate);
  g_test_add_func ("/cli/not-running", test_not_running);
  g_test_add ("/cli/doctor", Fixture, NULL, setup, test_doctor, teardown);
  g_test_add_func ("/cli/doctor/no-shoald", test_doctor_no_shoald);
  g_test_add ("/cli/doctor/other-bus", Fixture, NULL, setup, test_doctor_other_bus, teardown);
  g_test_add_func ("/cli/doctor/mdns", test_doctor_mdns);

  return g_test_run ();
}
