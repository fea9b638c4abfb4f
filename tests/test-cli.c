/* test-cli.c: the shoal command, and the README's script examples
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs the built `shoal` against two real daemons (alice and bob, each on
 * its own private bus, joined on loopback): its commands, output and exit
 * codes. Then runs every fenced block of README.md marked
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
  const gchar *args[] = { "--peer", NULL, NULL };

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

  g_test_summary ("shoal peers prints a table with headings, and --json an array of peers "
                  "with the ListPeers keys");
  if (!fixture->ready)
    return;

  g_assert_cmpint (run_shoal (fixture->alice->bus->address, NULL, &out, &err, "peers", NULL),
                   ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);  /* heading, bob, "" */
  g_assert_true (g_str_has_prefix (lines[0], "ID"));
  g_assert_nonnull (strstr (lines[0], "NAME"));
  g_assert_nonnull (strstr (lines[0], "STATE"));
  g_assert_nonnull (strstr (lines[0], "ADDRESSES"));
  g_assert_true (g_str_has_prefix (lines[1], fixture->bob->id));
  g_assert_nonnull (strstr (lines[1], " bob "));
  g_assert_nonnull (strstr (lines[1], " connected "));
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
      guint recipients;

      watch->last_broadcast = g_get_monotonic_time ();
      shoal_dbus_service_call_broadcast_sync (watch->sender->service,
                                              g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE,
                                                                         "ping", 4, 1),
                                              &recipients, NULL, NULL);
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

  g_test_add ("/cli/status", Fixture, NULL, setup, test_status, teardown);
  g_test_add ("/cli/peers", Fixture, NULL, setup, test_peers, teardown);
  g_test_add ("/cli/send", Fixture, NULL, setup, test_send, teardown);
  g_test_add ("/cli/broadcast", Fixture, NULL, setup, test_broadcast, teardown);
  g_test_add ("/cli/errors", Fixture, NULL, setup, test_errors, teardown);
  g_test_add ("/cli/ambiguous", Fixture, NULL, setup, test_ambiguous, teardown);
  g_test_add ("/cli/monitor", Fixture, NULL, setup, test_monitor, teardown);
  g_test_add ("/cli/readme-examples", Fixture, NULL, setup, test_readme_examples, teardown);
  g_test_add_func ("/cli/usage", test_usage);
  g_test_add_func ("/cli/not-running", test_not_running);

  return g_test_run ();
}
