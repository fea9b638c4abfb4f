/* test-cli-messages.c: shoal send, send --wait, broadcast, their errors, and monitor
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "test-cli.h"

/* Waits for bob's @index-th (from 0) MessageReceived and checks it. */
static void
assert_received (Fixture      *fixture,
                 guint         index,
                 const guint8 *data,
                 gsize         size,
                 gboolean      broadcast)
{
  g_autoptr(GVariant) payload = NULL;
  g_autoptr(GVariant) details = NULL;
  const gchar *from = NULL;
  const guint8 *got;
  gsize got_size = 0;
  gboolean got_broadcast = !broadcast;

  g_variant_get (shoal_test_recorder_wait (fixture->received, "MessageReceived", index),
                 "(&s@ay@a{sv})", &from, &payload, &details);
  g_assert_cmpstr (from, ==, fixture->alice->id);
  got = g_variant_get_fixed_array (payload, &got_size, 1);
  g_assert_cmpmem (got, got_size, data, size);
  g_assert_true (g_variant_lookup (details, "broadcast", "b", &got_broadcast));
  g_assert_cmpint (got_broadcast, ==, broadcast);
}

void
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

  g_assert_cmpint (shoal_test_run_shoal (address, NULL, &out, &err, "send", "bob", "hello, bob",
                                         NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  assert_received (fixture, 0, (const guint8 *) "hello, bob", 10, FALSE);

  g_assert_cmpint (shoal_test_run_shoal (address, input, NULL, NULL, "send", prefix, "-", NULL),
                   ==, 0);
  assert_received (fixture, 1, binary, sizeof binary, FALSE);

  g_assert_cmpint (shoal_test_run_shoal (address, NULL, NULL, NULL, "send", fixture->bob->id, "--",
                                         "-x", NULL), ==, 0);
  assert_received (fixture, 2, (const guint8 *) "-x", 2, FALSE);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (shoal_test_run_shoal (address, NULL, &out, NULL, "resolve", "bob", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, fixture->bob->id));
  g_assert_cmpstr (out + 32, ==, "\n");
}

static gboolean
process_ended (gpointer user_data)
{
  return g_subprocess_get_identifier (user_data) == NULL;
}

void
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
  g_assert_cmpint (shoal_test_run_shoal (fixture->bob->bus->address, NULL, NULL, &err, "send",
                                         "--wait", alice_id, "too late", NULL), ==, 1);
  shoal_test_assert_one_line (err, "shoal", "failed: peer unreachable for 1 s");
}

void
test_broadcast (Fixture       *fixture,
                gconstpointer  data)
{
  static const guint8 binary[] = { 0xc3, 0x28, 0x00 };
  g_autoptr(GBytes) input = g_bytes_new_static (binary, sizeof binary);
  g_autofree gchar *out = NULL;

  g_test_summary ("shoal broadcast sends to every connected peer and says how many");
  if (!fixture->ready)
    return;

  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, &out, NULL,
                                         "broadcast", "to all", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Sent to 1 peer\n");
  assert_received (fixture, 0, (const guint8 *) "to all", 6, TRUE);

  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, input, NULL, NULL,
                                         "broadcast", "-", NULL), ==, 0);
  assert_received (fixture, 1, binary, sizeof binary, TRUE);
}

void
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

  g_assert_cmpint (shoal_test_run_shoal (address, NULL, NULL, &err, "send", "carol", "x", NULL),
                   ==, 1);
  shoal_test_assert_one_line (err, "shoal", "carol");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (shoal_test_run_shoal (address, NULL, NULL, &err, "send",
                                         "0123456789abcdef0123456789abcdef", "x", NULL), ==, 1);
  shoal_test_assert_one_line (err, "shoal", NULL);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (shoal_test_run_shoal (address, input, NULL, &err, "send", "bob", "-", NULL),
                   ==, 1);
  shoal_test_assert_one_line (err, "shoal", "16777216");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (shoal_test_run_shoal (address, input, NULL, &err, "broadcast", "-", NULL),
                   ==, 1);
  shoal_test_assert_one_line (err, "shoal", "16777216");
}

void
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

  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, NULL, &err, "send",
                                         "bob", "x", NULL), ==, 1);
  shoal_test_assert_one_line (err, "shoal", fixture->bob->id);
  g_assert_nonnull (strstr (err, carol->id));
}

void
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

  json = cli_receive_with (fixture, json_argv, NULL);
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

  text = cli_receive_with (fixture, text_argv, NULL);
  expected = g_strdup_printf ("alice (%s) to everyone: ping\n", fixture->alice->id);
  g_assert_true (g_str_has_prefix (text, expected));
}
