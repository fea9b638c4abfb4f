/* test-cli-groups.c: shoal join, leave, groups, shout, and groups in monitor
 *
 * Runs the built `shoal` against two real daemons (alice and bob, each on
 * its own private bus, joined on loopback): every group command, as text
 * and as JSON, its errors and exit codes, and what `shoal monitor` prints of
 * groups.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "shoal-test-bus-fixture.h"

typedef ShoalTestFixture Fixture;

static void
setup (Fixture       *fixture,
       gconstpointer  data)
{
  shoal_test_fixture_setup_pair (fixture, NULL);
  if (!fixture->ready)
    return;
  shoal_test_fixture_record_received (fixture);
}

static JsonNode *
parse_json (const gchar *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static gchar *
strv_member (JsonObject  *object,
             const gchar *member)
{
  JsonArray *array = json_object_get_array_member (object, member);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;

  for (guint i = 0; i < json_array_get_length (array); i++)
    g_strv_builder_add (builder, json_array_get_string_element (array, i));
  strv = g_strv_builder_end (builder);
  return g_strjoinv (",", strv);
}

/* Whether alice's `shoal groups --all --json` shows bob in @expected
 * (comma-separated). */
typedef struct {
  Fixture     *fixture;
  const gchar *expected;
} Seen;

static gboolean
alice_sees_bob (gpointer user_data)
{
  Seen *seen = user_data;
  g_autofree gchar *out = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *peers;

  if (shoal_test_run_shoal (seen->fixture->alice->bus->address, NULL, &out, NULL, "groups",
                            "--all", "--json", NULL) != 0)
    return FALSE;
  root = parse_json (out);
  peers = json_object_get_array_member (json_node_get_object (root), "peers");
  for (guint i = 0; i < json_array_get_length (peers); i++)
    {
      JsonObject *peer = json_array_get_object_element (peers, i);
      g_autofree gchar *groups = NULL;

      if (g_strcmp0 (json_object_get_string_member (peer, "id"), seen->fixture->bob->id) != 0)
        continue;
      groups = strv_member (peer, "groups");
      return g_str_equal (groups, seen->expected);
    }
  return FALSE;
}

static void
test_join_leave_groups (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(JsonNode) root = NULL;
  Seen both = { fixture, "kitchen,Küche ✓" };
  Seen none = { fixture, "" };

  g_test_summary ("shoal join and leave change the groups, shoal groups lists them as "
                  "text and JSON, --all lists every peer's with its members, and "
                  "shoal peers --json shows each peer's groups");
  if (!fixture->ready)
    return;

  g_assert_cmpint (shoal_test_run_shoal (fixture->bob->bus->address, NULL, &out, &err, "join",
                                         "kitchen", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (shoal_test_run_shoal (fixture->bob->bus->address, NULL, NULL, NULL, "join",
                                         "Küche ✓", NULL), ==, 0);
  g_assert_cmpint (shoal_test_run_shoal (fixture->bob->bus->address, NULL, &out, NULL, "groups",
                                         NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Küche ✓\nkitchen\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (shoal_test_run_shoal (fixture->bob->bus->address, NULL, &out, NULL, "groups",
                                         "--json", NULL), ==, 0);
  root = parse_json (out);
  {
    g_autofree gchar *groups = strv_member (json_node_get_object (root), "groups");

    g_assert_cmpstr (groups, ==, "Küche ✓,kitchen");
    g_assert_false (json_object_has_member (json_node_get_object (root), "peers"));
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&root, json_node_unref);

  both.expected = "Küche ✓,kitchen";
  g_assert_true (shoal_test_wait_until (alice_sees_bob, &both, SHOAL_TEST_TIMEOUT_MS));

  /* alice: in kitchen too, and the table of every group. */
  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, NULL, NULL, "join",
                                         "kitchen", NULL), ==, 0);
  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, &out, NULL, "groups",
                                         "--all", NULL), ==, 0);
  g_test_message ("groups --all:\n%s", out);
  g_assert_true (g_str_has_prefix (out, "GROUP"));
  g_assert_nonnull (strstr (out, "\nKüche ✓  bob\n"));
  g_assert_nonnull (strstr (out, "\nkitchen  (this node), bob\n"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, &out, NULL, "peers",
                                         "--json", NULL), ==, 0);
  root = parse_json (out);
  {
    JsonObject *peer = json_array_get_object_element (json_node_get_array (root), 0);
    g_autofree gchar *groups = strv_member (peer, "groups");

    g_assert_cmpstr (groups, ==, "Küche ✓,kitchen");
  }
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (shoal_test_run_shoal (fixture->bob->bus->address, NULL, NULL, NULL, "leave",
                                         "kitchen", NULL), ==, 0);
  g_assert_cmpint (shoal_test_run_shoal (fixture->bob->bus->address, NULL, NULL, NULL, "leave",
                                         "Küche ✓", NULL), ==, 0);
  /* Leaving what it is not in is fine too. */
  g_assert_cmpint (shoal_test_run_shoal (fixture->bob->bus->address, NULL, NULL, NULL, "leave",
                                         "Küche ✓", NULL), ==, 0);
  g_assert_cmpint (shoal_test_run_shoal (fixture->bob->bus->address, NULL, &out, NULL, "groups",
                                         NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (shoal_test_wait_until (alice_sees_bob, &none, SHOAL_TEST_TIMEOUT_MS));
}

static void
assert_received (Fixture      *fixture,
                 guint         index,
                 const gchar  *group,
                 const guint8 *payload,
                 gsize         size)
{
  GVariant *signal;
  g_autoptr(GVariant) got = NULL;
  g_autoptr(GVariant) details = NULL;
  const gchar *from = NULL, *got_group = NULL;
  gsize got_size = 0;
  const guint8 *bytes;

  signal = shoal_test_recorder_wait (fixture->received, "MessageReceived", index);
  g_variant_get (signal, "(&s@ay@a{sv})", &from, &got, &details);
  g_assert_cmpstr (from, ==, fixture->alice->id);
  bytes = g_variant_get_fixed_array (got, &got_size, 1);
  g_assert_cmpmem (bytes, got_size, payload, size);
  g_assert_true (g_variant_lookup (details, "group", "&s", &got_group));
  g_assert_cmpstr (got_group, ==, group);
}

static void
test_shout (Fixture       *fixture,
            gconstpointer  data)
{
  static const guint8 raw[] = { 'a', 0x00, 0xff, '\n' };
  g_autoptr(GBytes) input = g_bytes_new_static (raw, sizeof raw);
  g_autofree gchar *out = NULL;
  g_autoptr(JsonNode) root = NULL;
  Seen member = { fixture, "kitchen" };

  g_test_summary ("shoal shout sends to the group's members and says to how many, "
                  "reads the message from stdin with -, and with --json prints the "
                  "message id and the recipients; a group with no member is no error");
  if (!fixture->ready)
    return;

  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, &out, NULL, "shout",
                                         "kitchen", "nobody", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Sent to 0 peers\n");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (shoal_test_run_shoal (fixture->bob->bus->address, NULL, NULL, NULL, "join",
                                         "kitchen", NULL), ==, 0);
  g_assert_true (shoal_test_wait_until (alice_sees_bob, &member, SHOAL_TEST_TIMEOUT_MS));

  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, NULL, &out, NULL, "shout",
                                         "kitchen", "lunch", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Sent to 1 peer\n");
  g_clear_pointer (&out, g_free);
  assert_received (fixture, 0, "kitchen", (const guint8 *) "lunch", 5);

  g_assert_cmpint (shoal_test_run_shoal (fixture->alice->bus->address, input, &out, NULL, "shout",
                                         "--json", "kitchen", "-", NULL), ==, 0);
  root = parse_json (out);
  {
    JsonObject *object = json_node_get_object (root);
    g_autofree gchar *recipients = strv_member (object, "recipients");

    g_assert_cmpint (json_object_get_int_member (object, "id"), >, 0);
    g_assert_cmpstr (recipients, ==, fixture->bob->id);
  }
  assert_received (fixture, 1, "kitchen", raw, sizeof raw);
  /* Nothing else arrived: "nobody" reached nobody. */
  g_assert_cmpuint (shoal_test_recorder_count (fixture->received, "MessageReceived"), ==, 2);
}

static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree gchar *too_long = g_strnfill (256, 'g');
  const struct {
    const gchar *args[4];
    gint status;
    const gchar *says;
  } cases[] = {
    { { "join", NULL }, 2, "“join” takes one argument: GROUP" },
    { { "join", "a", "b", NULL }, 2, "“join” takes one argument: GROUP" },
    { { "leave", NULL }, 2, "“leave” takes one argument: GROUP" },
    { { "shout", "kitchen", NULL }, 2, "“shout” takes two arguments" },
    { { "groups", "kitchen", NULL }, 2, "“groups” takes no arguments" },
    { { "groups", "--wait", NULL }, 2, "--wait" },
    { { "join", "", NULL }, 1, "is not a group name" },
    { { "join", too_long, NULL }, 1, "is not a group name" },
    { { "leave", "", NULL }, 1, "is not a group name" },
    { { "shout", "", "x", NULL }, 1, "is not a group name" },
  };

  g_test_summary ("The group commands refuse wrong arguments with status 2, and a name "
                  "shoald refuses with status 1, each with one line on stderr");
  if (!fixture->ready)
    return;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autofree gchar *err = NULL;

      g_ptr_array_add (argv, (gpointer) shoal_test_build_path ("src/cli/shoal"));
      for (gsize j = 0; cases[i].args[j] != NULL; j++)
        g_ptr_array_add (argv, (gpointer) cases[i].args[j]);
      g_ptr_array_add (argv, NULL);
      g_assert_cmpint (shoal_test_run ((const gchar * const *) argv->pdata,
                                       fixture->alice->bus->address, NULL, NULL, NULL, &err),
                       ==, cases[i].status);
      shoal_test_assert_one_line (err, "shoal", cases[i].says);
    }
}

/* ---- shoal monitor ---- */

typedef struct {
  ShoalTestDaemon *alice;
  guint            pokes;
} GroupsPoke;

/* For a monitor that may still be subscribing: alice joins a group, leaves
 * it, and shouts to bob's. */
static void
poke_groups (gpointer user_data)
{
  GroupsPoke *poke = user_data;
  g_auto(GStrv) recipients = NULL;

  if (poke->pokes++ % 2 == 0)
    shoal_dbus_service_call_join_group_sync (poke->alice->service, "players", NULL, NULL);
  else
    shoal_dbus_service_call_leave_group_sync (poke->alice->service, "players", NULL, NULL);
  shoal_dbus_service_call_send_to_group_sync (poke->alice->service, "kitchen",
                                              shoal_test_bytes_variant ((const guint8 *) "ping", 4),
                                              NULL, &recipients, NULL, NULL);
}

/* Runs `shoal monitor` on bob's bus until it printed @until and @until_too. */
static gchar *
monitor_until (Fixture     *fixture,
               gboolean     json,
               const gchar *until,
               const gchar *until_too)
{
  const gchar *argv[] = { shoal_test_build_path ("src/cli/shoal"), "monitor", json ? "--json" : NULL,
                          NULL };
  g_autoptr(GSubprocess) process = shoal_test_spawn_reader (argv, fixture->bob, NULL,
                                                            G_SUBPROCESS_FLAGS_NONE);
  GroupsPoke poke = { fixture->alice, 0 };
  ShoalTestOutputWatch watch = { process, g_string_new (NULL), until, until_too, poke_groups,
                                 &poke, 0 };

  shoal_test_wait_until (shoal_test_output_contains, &watch, SHOAL_TEST_TIMEOUT_MS);
  /* Once more, for the lines that came with it. */
  shoal_test_output_contains (&watch);

  shoal_test_stop_reader (process);
  g_test_message ("output: %s", watch.output->str);
  g_assert_nonnull (strstr (watch.output->str, until));
  g_assert_nonnull (strstr (watch.output->str, until_too));
  return g_string_free (watch.output, FALSE);
}

static void
test_monitor (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree gchar *json = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *joined = NULL;
  g_autofree gchar *left = NULL;
  g_autofree gchar *message = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean saw_join = FALSE, saw_message = FALSE;
  Seen member = { fixture, "kitchen" };

  g_test_summary ("shoal monitor prints peers joining and leaving groups and the group "
                  "of each message, as text and as JSON");
  if (!fixture->ready)
    return;

  g_assert_cmpint (shoal_test_run_shoal (fixture->bob->bus->address, NULL, NULL, NULL, "join",
                                         "kitchen", NULL), ==, 0);
  g_assert_true (shoal_test_wait_until (alice_sees_bob, &member, SHOAL_TEST_TIMEOUT_MS));

  json = monitor_until (fixture, TRUE, "\"event\":\"peer-left-group\"",
                       "\"event\":\"peer-joined-group\"");
  lines = g_strsplit (json, "\n", -1);
  for (guint i = 0; lines[i] != NULL && *lines[i] != '\0'; i++)
    {
      g_autoptr(JsonNode) root = parse_json (lines[i]);
      JsonObject *event = json_node_get_object (root);
      const gchar *kind = json_object_get_string_member (event, "event");

      g_assert_cmpstr (json_object_get_string_member (event, "id"), ==, fixture->alice->id);
      g_assert_cmpstr (json_object_get_string_member (event, "name"), ==, "alice");
      if (g_str_equal (kind, "peer-joined-group"))
        {
          g_assert_cmpstr (json_object_get_string_member (event, "group"), ==, "players");
          saw_join = TRUE;
        }
      else if (g_str_equal (kind, "message"))
        {
          g_assert_cmpstr (json_object_get_string_member (event, "group"), ==, "kitchen");
          g_assert_false (json_object_get_boolean_member (event, "broadcast"));
          saw_message = TRUE;
        }
    }
  g_assert_true (saw_join);
  g_assert_true (saw_message);

  joined = g_strdup_printf ("alice (%s) joined group players\n", fixture->alice->id);
  left = g_strdup_printf ("alice (%s) left group players\n", fixture->alice->id);
  message = g_strdup_printf ("alice (%s) to group kitchen: ping\n", fixture->alice->id);
  text = monitor_until (fixture, FALSE, left, joined);
  g_assert_nonnull (strstr (text, message));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/shoal-test-no-system-bus", TRUE);
  /* The words the tests look for are the English ones. */
  g_setenv ("LANGUAGE", "C", TRUE);

  g_test_add ("/cli-groups/join-leave-groups", Fixture, NULL, setup, test_join_leave_groups,
              shoal_test_fixture_teardown);
  g_test_add ("/cli-groups/shout", Fixture, NULL, setup, test_shout, shoal_test_fixture_teardown);
  g_test_add ("/cli-groups/errors", Fixture, NULL, setup, test_errors, shoal_test_fixture_teardown);
  g_test_add ("/cli-groups/monitor", Fixture, NULL, setup, test_monitor,
              shoal_test_fixture_teardown);

  return g_test_run ();
}
