/* test-lan-groups.c: groups on a LAN of real hosts
 *
 * Three hosts in network namespaces on a bridge (tools/lan), each with its
 * own system bus, avahi-daemon, session bus and shoald, finding each other
 * over mDNS. h1 and h2 join the group "kitchen" with `shoal join`; h3, in no
 * group, runs `shoal shout kitchen …`: the message reaches h1 and h2, byte
 * for byte and with its group, and nobody else, as each host's
 * MessageReceived shows.
 *
 * Needs root, iproute2, dbus-daemon and avahi-daemon; without them the
 * program skips with the reason, unless SHOAL_TEST_REQUIRE=all asks for a
 * failure instead. SHOAL_TEST_LAN_TAG keeps its namespaces and directories
 * apart from another checkout's.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "shoal-test-lan.h"

/* Apart from test-lan.c's, so that the two can run side by side. */
#define LAN_PREFIX_BASE "slg"
#define LAN_ROOT_BASE "/tmp/shoal-test-lan-groups"
#define N_HOSTS 3

#define BUS_NAME "org.shoal.Shoal1"
#define OBJECT_PATH "/org/shoal/Shoal1"
#define INTERFACE "org.shoal.Shoal1"

#define COMMAND_TIMEOUT_MS 30000
#define CALL_TIMEOUT_MS 10000
#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 5000
#define MESH_TIMEOUT_MS 20000
#define DELIVERY_TIMEOUT_MS 20000

typedef struct {
  gchar           *name;      /* "h1" */
  gchar           *dir;       /* LAN_ROOT/h1 */
  GDBusConnection *bus;       /* (owned) the host's session bus */
  guint            subscription;
  GPtrArray       *messages;  /* (element-type GVariant) MessageReceived's parameters */
  GSubprocess     *shoald;    /* (owned) (nullable) */
  gchar           *id;        /* (owned) (nullable) */
} Host;

typedef struct {
  Host     hosts[N_HOSTS + 1];  /* 1-based */
  gboolean lan_up;
} Fixture;

static gchar *missing_reason = NULL;
static gchar *setup_failure = NULL;
static gchar *lan_prefix = NULL;
static gchar *lan_root = NULL;
static gchar *lan_path = NULL;
static gchar *shoald_path = NULL;
static gchar *shoal_path = NULL;
static GSubprocess *janitor = NULL;

static GSubprocessLauncher *
new_launcher (GSubprocessFlags flags)
{
  return shoal_test_lan_launcher (flags, lan_prefix, lan_root);
}

static void
in_own_session (gpointer user_data)
{
  setsid ();
}

/* Whenever this program ends, however it ends, the janitor runs `tools/lan
 * down` for its LAN, and removes the program's temporary directory. */
static void
start_janitor (const gchar *own_tmpdir)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_set_child_setup (launcher, in_own_session, NULL, NULL);
  janitor = g_subprocess_launcher_spawn (launcher, &error, "sh", "-c",
                                         "cat > /dev/null; \"$0\" down; "
                                         "if [ -n \"$1\" ]; then rm -rf -- \"$1\"; fi",
                                         lan_path, own_tmpdir != NULL ? own_tmpdir : "", NULL);
  g_assert_no_error (error);
}

static void
stop_janitor (void)
{
  if (janitor == NULL)
    return;
  g_output_stream_close (g_subprocess_get_stdin_pipe (janitor), NULL, NULL);
  shoal_test_wait_exit (janitor, COMMAND_TIMEOUT_MS);
  g_clear_object (&janitor);
}

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
iterate_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef gboolean (*Condition) (gpointer user_data);

static gboolean
wait_until (Condition condition,
            gpointer  user_data,
            guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!condition (user_data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      iterate_for (20);
    }
  return TRUE;
}

/* Runs `tools/lan ARGS…`; returns what went wrong, or NULL. */
static gchar *
lan_try (const gchar *first_arg,
         ...)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                         G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const gchar *arg;
  va_list args;

  g_ptr_array_add (argv, lan_path);
  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  if (!shoal_test_lan_run (launcher, (const gchar * const *) argv->pdata, COMMAND_TIMEOUT_MS,
                           &error))
    return g_strdup (error->message);
  return NULL;
}

static gboolean
fail_if_unable (void)
{
  if (setup_failure != NULL)
    {
      g_test_fail_printf ("the LAN could not be set up: %s", setup_failure);
      return TRUE;
    }
  if (missing_reason == NULL)
    return FALSE;
  g_test_fail_printf ("SHOAL_TEST_REQUIRE=all but the lan suite cannot run: %s", missing_reason);
  return TRUE;
}

/* ---- hosts ---- */

static void
message_cb (GDBusConnection *connection,
            const gchar     *sender,
            const gchar     *path,
            const gchar     *interface,
            const gchar     *member,
            GVariant        *parameters,
            gpointer         user_data)
{
  Host *host = user_data;

  if (g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(saya{sv})")))
    g_ptr_array_add (host->messages, g_variant_ref (parameters));
}

static void
host_start (Host  *host,
            guint  index)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree gchar *state_dir = NULL;
  g_autofree gchar *log = NULL;
  g_autoptr(GError) error = NULL;

  host->name = g_strdup_printf ("h%u", index);
  host->dir = g_strdup_printf ("%s/h%u", lan_root, index);
  host->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  state_dir = g_strdup_printf ("%s/state", host->dir);
  log = g_strdup_printf ("%s/shoald.log", host->dir);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  host->shoald = g_subprocess_launcher_spawn (launcher, &error, lan_path, "run", host->name, "env",
                                              "LC_ALL=C.UTF-8", "LANGUAGE=", shoald_path,
                                              "--name", host->name, "--bus", "session",
                                              "--state-dir", state_dir, "--verbose", NULL);
  g_assert_no_error (error);
}

static GVariant *
host_get (Host        *host,
          const gchar *property)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = g_dbus_connection_call_sync (host->bus, BUS_NAME, OBJECT_PATH,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", INTERFACE, property),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       CALL_TIMEOUT_MS, NULL, NULL);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(v)", &value);
  return value;
}

static gboolean
host_answers (gpointer user_data)
{
  Host *host = user_data;
  g_autofree gchar *address = NULL;
  g_autoptr(GVariant) id = NULL;

  if (g_subprocess_get_identifier (host->shoald) == NULL)
    return TRUE;
  if (host->bus == NULL)
    {
      address = g_strdup_printf ("unix:path=%s/session_bus_socket", host->dir);
      host->bus = g_dbus_connection_new_for_address_sync (address,
                                                          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                          G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                          NULL, NULL, NULL);
      if (host->bus == NULL)
        return FALSE;
      g_dbus_connection_set_exit_on_close (host->bus, FALSE);
      host->subscription = g_dbus_connection_signal_subscribe (host->bus, NULL, INTERFACE,
                                                               "MessageReceived", OBJECT_PATH,
                                                               NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                               message_cb, host, NULL);
    }
  id = host_get (host, "Id");
  if (id == NULL)
    return FALSE;
  host->id = g_variant_dup_string (id, NULL);
  return TRUE;
}

static void
host_clear (Host *host)
{
  if (host->shoald != NULL)
    {
      if (g_subprocess_get_identifier (host->shoald) != NULL)
        g_subprocess_send_signal (host->shoald, SIGTERM);
      if (!shoal_test_wait_exit (host->shoald, STOP_TIMEOUT_MS) ||
          !g_subprocess_get_if_exited (host->shoald) ||
          g_subprocess_get_exit_status (host->shoald) != 0)
        g_test_fail_printf ("shoald on %s did not stop cleanly", host->name);
      g_clear_object (&host->shoald);
    }
  if (host->bus != NULL)
    {
      g_dbus_connection_signal_unsubscribe (host->bus, host->subscription);
      g_dbus_connection_close_sync (host->bus, NULL, NULL);
      g_clear_object (&host->bus);
    }
  g_clear_pointer (&host->messages, g_ptr_array_unref);
  g_clear_pointer (&host->name, g_free);
  g_clear_pointer (&host->dir, g_free);
  g_clear_pointer (&host->id, g_free);
}

/* `shoal ARGS…` on @host, as a person there would type it; its output. */
static gint
host_shoal (Host         *host,
            gchar       **out,
            const gchar  *first_arg,
            ...)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                         G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *output = NULL;
  const gchar *arg;
  va_list args;

  g_ptr_array_add (argv, lan_path);
  g_ptr_array_add (argv, (gpointer) "run");
  g_ptr_array_add (argv, host->name);
  g_ptr_array_add (argv, (gpointer) "env");
  g_ptr_array_add (argv, (gpointer) "LC_ALL=C.UTF-8");
  g_ptr_array_add (argv, (gpointer) "LANGUAGE=");
  g_ptr_array_add (argv, shoal_path);
  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("shoal %s on %s (exit %d): %s", first_arg, host->name,
                  g_subprocess_get_exit_status (process), output);
  if (out != NULL)
    *out = g_steal_pointer (&output);
  return g_subprocess_get_exit_status (process);
}

/* Every host lists the two others as connected. */
static gboolean
mesh_complete (gpointer user_data)
{
  Fixture *fixture = user_data;

  for (guint i = 1; i <= N_HOSTS; i++)
    {
      g_autoptr(GVariant) reply = NULL;
      g_autoptr(GVariant) peers = NULL;
      GVariantIter iter;
      GVariant *peer;
      guint connected = 0;

      reply = g_dbus_connection_call_sync (fixture->hosts[i].bus, BUS_NAME, OBJECT_PATH, INTERFACE,
                                           "ListPeers", NULL, G_VARIANT_TYPE ("(aa{sv})"),
                                           G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, NULL,
                                           NULL);
      if (reply == NULL)
        return FALSE;
      peers = g_variant_get_child_value (reply, 0);
      g_variant_iter_init (&iter, peers);
      while ((peer = g_variant_iter_next_value (&iter)) != NULL)
        {
          gboolean is_connected = FALSE;

          g_variant_lookup (peer, "connected", "b", &is_connected);
          connected += is_connected;
          g_variant_unref (peer);
        }
      if (connected != N_HOSTS - 1)
        return FALSE;
    }
  return TRUE;
}

/* h3 sees h1 and h2 in "kitchen". */
static gboolean
members_known (gpointer user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) peers = NULL;
  GVariantIter iter;
  GVariant *peer;
  guint members = 0;

  reply = g_dbus_connection_call_sync (fixture->hosts[3].bus, BUS_NAME, OBJECT_PATH, INTERFACE,
                                       "ListPeers", NULL, G_VARIANT_TYPE ("(aa{sv})"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, NULL, NULL);
  if (reply == NULL)
    return FALSE;
  peers = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, peers);
  while ((peer = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autofree const gchar **groups = NULL;

      if (g_variant_lookup (peer, "groups", "^a&s", &groups) && g_strv_contains (groups, "kitchen"))
        members++;
      g_variant_unref (peer);
    }
  return members == 2;
}

static gboolean
both_received (gpointer user_data)
{
  Fixture *fixture = user_data;

  return fixture->hosts[1].messages->len >= 1 && fixture->hosts[2].messages->len >= 1;
}

static void
assert_shout (Host        *host,
              Host        *from,
              const gchar *text)
{
  GVariant *message = g_ptr_array_index (host->messages, 0);
  g_autoptr(GVariant) payload = NULL;
  g_autoptr(GVariant) details = NULL;
  const gchar *sender = NULL, *group = NULL;
  gsize size = 0;
  const gchar *data;

  g_variant_get (message, "(&s@ay@a{sv})", &sender, &payload, &details);
  g_assert_cmpstr (sender, ==, from->id);
  data = g_variant_get_fixed_array (payload, &size, 1);
  g_assert_cmpmem (data, size, text, strlen (text));
  g_assert_true (g_variant_lookup (details, "group", "&s", &group));
  g_assert_cmpstr (group, ==, "kitchen");
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autofree gchar *n = g_strdup_printf ("%u", N_HOSTS);

  memset (fixture, 0, sizeof *fixture);
  if (missing_reason != NULL)
    return;
  setup_failure = lan_try ("down", NULL);
  if (setup_failure == NULL)
    setup_failure = lan_try ("up", n, NULL);
  if (setup_failure == NULL)
    fixture->lan_up = TRUE;
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  for (guint i = 1; i <= N_HOSTS; i++)
    host_clear (&fixture->hosts[i]);
  if (fixture->lan_up)
    {
      g_autofree gchar *failure = lan_try ("down", NULL);

      if (failure != NULL)
        g_test_fail_printf ("tools/lan down: %s", failure);
    }
  g_clear_pointer (&setup_failure, g_free);
}

static void
test_shout (Fixture       *fixture,
            gconstpointer  user_data)
{
  const gchar *text = "lunch is ready, \xc3\xa0 table";
  g_autofree gchar *out = NULL;
  Host *h1 = &fixture->hosts[1], *h2 = &fixture->hosts[2], *h3 = &fixture->hosts[3];

  g_test_summary ("Three hosts found over mDNS; h1 and h2 join a group with shoal join; "
                  "shoal shout from h3, in no group, reaches exactly h1 and h2, byte for "
                  "byte and with its group");
  if (fail_if_unable ())
    return;

  for (guint i = 1; i <= N_HOSTS; i++)
    host_start (&fixture->hosts[i], i);
  for (guint i = 1; i <= N_HOSTS; i++)
    {
      g_assert_true (wait_until (host_answers, &fixture->hosts[i], START_TIMEOUT_MS));
      g_assert_nonnull (fixture->hosts[i].id);
    }
  g_assert_true (wait_until (mesh_complete, fixture, MESH_TIMEOUT_MS));

  g_assert_cmpint (host_shoal (h1, NULL, "join", "kitchen", NULL), ==, 0);
  g_assert_cmpint (host_shoal (h2, NULL, "join", "kitchen", NULL), ==, 0);
  g_assert_true (wait_until (members_known, fixture, MESH_TIMEOUT_MS));

  g_assert_cmpint (host_shoal (h3, &out, "shout", "kitchen", text, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Sent to 2 peers\n");
  g_assert_true (wait_until (both_received, fixture, DELIVERY_TIMEOUT_MS));
  /* Anything sent to h3 itself, or twice, would be in by now. */
  iterate_for (500);
  g_assert_cmpuint (h1->messages->len, ==, 1);
  g_assert_cmpuint (h2->messages->len, ==, 1);
  g_assert_cmpuint (h3->messages->len, ==, 0);
  assert_shout (h1, h3, text);
  assert_shout (h2, h3, text);
}

int
main (int   argc,
      char *argv[])
{
  const gchar *builddir;
  gboolean tap = FALSE;
  gboolean own_test_tmpdir = g_getenv ("G_TEST_TMPDIR") == NULL;
  int status;

  for (int i = 1; i < argc; i++)
    tap = tap || g_str_equal (argv[i], "--tap");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  lan_path = g_test_build_filename (G_TEST_DIST, "..", "tools", "lan", NULL);
  lan_prefix = shoal_test_lan_name (LAN_PREFIX_BASE);
  lan_root = shoal_test_lan_name (LAN_ROOT_BASE);
  builddir = g_getenv ("SHOAL_BUILDDIR");
  shoald_path = builddir != NULL ? g_build_filename (builddir, "src", "daemon", "shoald", NULL)
                                 : g_test_build_filename (G_TEST_BUILT, "..", "src", "daemon", "shoald", NULL);
  shoal_path = builddir != NULL ? g_build_filename (builddir, "src", "cli", "shoal", NULL)
                                : g_test_build_filename (G_TEST_BUILT, "..", "src", "cli", "shoal", NULL);

  missing_reason = shoal_test_lan_missing (lan_path);
  if (missing_reason == NULL && !g_file_test (shoald_path, G_FILE_TEST_IS_EXECUTABLE))
    missing_reason = g_strdup_printf ("no shoald at %s; build it first", shoald_path);
  if (missing_reason != NULL)
    {
      if (g_strcmp0 (g_getenv ("SHOAL_TEST_REQUIRE"), "all") != 0)
        {
          if (own_test_tmpdir && g_getenv ("G_TEST_TMPDIR") != NULL)
            g_rmdir (g_getenv ("G_TEST_TMPDIR"));
          if (tap)
            {
              g_print ("1..0 # SKIP %s\n", missing_reason);
              return 0;
            }
          g_printerr ("SKIP: %s\n", missing_reason);
          return 77;
        }
    }
  else
    start_janitor (own_test_tmpdir ? g_getenv ("G_TEST_TMPDIR") : NULL);

  g_test_add ("/lan-groups/shout", Fixture, NULL, fixture_set_up, test_shout, fixture_tear_down);

  status = g_test_run ();
  stop_janitor ();
  g_free (lan_path);
  g_free (lan_prefix);
  g_free (lan_root);
  g_free (shoald_path);
  g_free (shoal_path);
  g_free (missing_reason);
  return status;
}
