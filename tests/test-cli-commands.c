/* test-cli-commands.c: shoal status, peers, id, key generate, usage errors, no shoald
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "test-cli.h"

void
test_status (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *expected = NULL;

  g_test_summary ("shoal status prints the node's id, name, port, version and peer counts");
  if (!fixture->ready)
    return;

  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, &out, &err, "status",
                                         NULL), ==, 0);
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

void
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

  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, &out, &err, "peers",
                                         NULL), ==, 0);
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

  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, &out, &err, "peers",
                                         "--json", NULL), ==, 0);
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

void
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
  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, &out, &err, "id",
                                         NULL), ==, 0);
  expected = g_strdup_printf ("Id: %s\nName: alice\nFingerprint: %s\nTrust policy: open\n",
                              fixture->alice->id, fingerprint);
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, &out, NULL, "id",
                                         "--json", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, fixture->alice->id);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (object, "fingerprint"), ==, fingerprint);
  g_assert_cmpstr (json_object_get_string_member (object, "trust-policy"), ==, "open");
}

void
test_key_generate (void)
{
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;
  g_autofree gchar *err = NULL;

  g_test_summary ("shoal key generate prints 64 lowercase hex characters and a newline, "
                  "different each time, without any bus");

  g_assert_cmpint (shoal_test_run_shoal (NULL, NULL, &first, &err, "key", "generate", NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpuint (strlen (first), ==, 65);
  g_assert_cmpuint (strspn (first, "0123456789abcdef"), ==, 64);
  g_assert_cmpint (first[64], ==, '\n');

  g_assert_cmpint (shoal_test_run_shoal (NULL, NULL, &second, NULL, "key", "generate", NULL),
                   ==, 0);
  g_assert_cmpuint (strlen (second), ==, 65);
  g_assert_cmpstr (first, !=, second);
}

void
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
      shoal_test_assert_one_line (err, "shoal", NULL);
    }

  {
    g_autofree gchar *out = NULL;

    g_assert_cmpint (shoal_test_run_shoal (NULL, NULL, &out, NULL, "--help", NULL), ==, 0);
    g_assert_nonnull (strstr (out, "Commands:"));
    g_assert_nonnull (strstr (out, "monitor [--json]"));
    g_assert_nonnull (strstr (out, "id [--json]"));
    g_assert_nonnull (strstr (out, "trust PEER"));
    g_assert_nonnull (strstr (out, "untrust PEER"));
    g_assert_nonnull (strstr (out, "key generate"));
  }
}

void
test_not_running (void)
{
  g_autoptr(ShoalTestBus) bus = NULL;
  g_autofree gchar *err = NULL;

  g_test_summary ("Without shoald on the bus, shoal says so and how to start it, exit 1");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;

  bus = shoal_test_bus_new ();
  g_assert_cmpint (shoal_test_run_shoal (bus->address, NULL, NULL, &err, "status", NULL), ==, 1);
  shoal_test_assert_one_line (err, "shoal", "shoald is not running");
  g_assert_nonnull (strstr (err, "systemctl --user start shoald"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (shoal_test_run_shoal (bus->address, NULL, NULL, &err, "send", "bob", "x", NULL),
                   ==, 1);
  shoal_test_assert_one_line (err, "shoal", "shoald is not running");
}
