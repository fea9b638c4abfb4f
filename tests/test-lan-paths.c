/* test-lan-paths.c: interfaces and paths on a LAN of real hosts
 *
 * A host whose address changes: every peer links up with it again, over
 * the new address, and says so in its path. A host with two interfaces,
 * one excluded: it announces nothing there, links nothing there, and
 * refuses a connection that arrives there.
 *
 * Each test brings up its own LAN with tools/lan (hosts in network
 * namespaces on a bridge, each with its own system bus, avahi-daemon and
 * session bus), starts shoald on hosts with `tools/lan run`, and checks the
 * mesh through org.shoal.Shoal1 on each host's session bus. Needs root,
 * iproute2, dbus-daemon and avahi-daemon; without them the program skips
 * (exit 77) with the reason, unless SHOAL_TEST_REQUIRE=all asks for a
 * failure instead. Its LANs are apart from the other lan tests' (prefix
 * "slp"). The harness is test-lan-hints.c's.
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

#define LAN_PREFIX_BASE "slp"
#define LAN_ROOT_BASE "/tmp/shoal-test-lan-paths"
#define MAX_HOSTS 3
#define PORT 4242

#define BUS_NAME "org.shoal.Shoal1"
#define OBJECT_PATH "/org/shoal/Shoal1"
#define INTERFACE "org.shoal.Shoal1"

#define COMMAND_TIMEOUT_MS 30000
#define CALL_TIMEOUT_MS 10000
#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 5000
#define MESH_TIMEOUT_MS 20000

typedef struct
{
  guint            index;        /* 1 for h1 */
  gchar           *name;         /* "h1" */
  gchar           *dir;          /* LAN_ROOT/h1 */
  GDBusConnection *bus;          /* (owned) the host's session bus */
  guint            subscription;
  guint            connected;    /* PeerConnected signals seen */
  guint            disconnected; /* PeerDisconnected signals seen */
  GSubprocess     *shoald;       /* (owned) (nullable) */
  gchar           *log;          /* (owned) (nullable) its output */
  gchar           *id;           /* (owned) (nullable) */
} Host;

typedef struct
{
  Host       hosts[MAX_HOSTS + 1];  /* 1-based */
  guint      n_hosts;
  gboolean   lan_up;
} Fixture;

/* How many hosts, and what `tools/lan up` is told besides. */
typedef struct
{
  guint        n_hosts;
  const gchar *options[3];
} LanSpec;

static gchar *missing_reason = NULL;
static gchar *setup_failure = NULL;
static gchar *lan_prefix = NULL;
static gchar *lan_root = NULL;
static gchar *lan_path = NULL;
static gchar *shoald_path = NULL;
static GSubprocess *janitor = NULL;

/* ---- processes ---- */

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

/* As in test-lan.c: whenever this process ends, however it ends, the
 * janitor runs `tools/lan down`, which stops every process of our hosts by
 * pid and removes the namespaces, and removes our temporary directory. */
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
      iterate_for (50);
    }
  return TRUE;
}

static gchar *
lan_try_v (const gchar *first_arg,
           va_list      args)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                         G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const gchar *arg;

  g_ptr_array_add (argv, lan_path);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);

  if (!shoal_test_lan_run (launcher, (const gchar * const *) argv->pdata, COMMAND_TIMEOUT_MS,
                           &error))
    return g_strdup (error->message);
  return NULL;
}

static gchar *
lan_try (const gchar *first_arg,
         ...)
{
  gchar *failure;
  va_list args;

  va_start (args, first_arg);
  failure = lan_try_v (first_arg, args);
  va_end (args);
  return failure;
}

static void
lan (const gchar *first_arg,
     ...)
{
  g_autofree gchar *failure = NULL;
  va_list args;

  va_start (args, first_arg);
  failure = lan_try_v (first_arg, args);
  va_end (args);
  if (failure != NULL)
    g_error ("%s", failure);
}

/* ---- hosts ---- */

static void
signal_cb (GDBusConnection *connection,
           const gchar     *sender,
           const gchar     *path,
           const gchar     *interface,
           const gchar     *member,
           GVariant        *parameters,
           gpointer         user_data)
{
  Host *host = user_data;

  if (g_str_equal (member, "PeerConnected"))
    host->connected++;
  else if (g_str_equal (member, "PeerDisconnected"))
    host->disconnected++;
}

static void
host_init (Host  *host,
           guint  index)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = NULL;

  host->index = index;
  host->name = g_strdup_printf ("h%u", index);
  host->dir = g_strdup_printf ("%s/h%u", lan_root, index);
  address = g_strdup_printf ("unix:path=%s/session_bus_socket", host->dir);
  host->bus = g_dbus_connection_new_for_address_sync (address,
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (host->bus, FALSE);
  host->subscription = g_dbus_connection_signal_subscribe (host->bus, NULL, INTERFACE, NULL,
                                                           OBJECT_PATH, NULL,
                                                           G_DBUS_SIGNAL_FLAGS_NONE,
                                                           signal_cb, host, NULL);
}

static void
host_dump_log (Host *host)
{
  g_autofree gchar *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint n;

  if (host->log == NULL || !g_file_get_contents (host->log, &contents, NULL, NULL))
    return;
  lines = g_strsplit (contents, "\n", -1);
  n = g_strv_length (lines);
  for (guint i = n > 60 ? n - 60 : 0; i < n; i++)
    if (lines[i][0] != '\0')
      g_test_message ("%s shoald: %s", host->name, lines[i]);
}

/* How many lines of @host's shoald log hold @needle. */
static guint
host_log_count (Host        *host,
                const gchar *needle)
{
  g_autofree gchar *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint count = 0;

  if (host->log == NULL || !g_file_get_contents (host->log, &contents, NULL, NULL))
    return 0;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], needle) != NULL)
      count++;
  return count;
}

static GVariant *
host_get_property (Host        *host,
                   const gchar *name)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = g_dbus_connection_call_sync (host->bus, BUS_NAME, OBJECT_PATH,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", INTERFACE, name),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       CALL_TIMEOUT_MS, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(v)", &value);
  return value;
}

static gboolean
host_answers (gpointer user_data)
{
  Host *host = user_data;
  g_autoptr(GVariant) id = NULL;

  if (g_subprocess_get_identifier (host->shoald) == NULL)
    return TRUE;
  id = host_get_property (host, "Id");
  return id != NULL && g_variant_is_of_type (id, G_VARIANT_TYPE_STRING);
}

/* Starts shoald on @host with @options (NULL-terminated), on PORT, and
 * waits until it answers on its bus. */
static void
host_start (Host               *host,
            const gchar * const *options)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *state_dir = g_strdup_printf ("%s/state", host->dir);
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_autoptr(GVariant) id = NULL;
  g_auto(GStrv) args = NULL;

  g_assert_null (host->shoald);
  host->log = g_strdup_printf ("%s/shoald.log", host->dir);
  g_subprocess_launcher_set_stdout_file_path (launcher, host->log);
  g_strv_builder_add_many (argv, lan_path, "run", host->name, "env", "LC_ALL=C.UTF-8", "LANGUAGE=",
                           shoald_path, "--name", host->name, "--bus", "session",
                           "--state-dir", state_dir, "--port", G_STRINGIFY (PORT), "--verbose",
                           NULL);
  if (options != NULL)
    g_strv_builder_addv (argv, (const gchar **) options);
  args = g_strv_builder_end (argv);
  host->shoald = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) args, &error);
  g_assert_no_error (error);

  if (!wait_until (host_answers, host, START_TIMEOUT_MS) ||
      g_subprocess_get_identifier (host->shoald) == NULL)
    {
      host_dump_log (host);
      g_error ("shoald on %s did not come up within %d ms", host->name, START_TIMEOUT_MS);
    }
  id = host_get_property (host, "Id");
  host->id = g_variant_dup_string (id, NULL);
}

static gboolean
host_stop (Host *host)
{
  gboolean clean;

  if (host->shoald == NULL)
    return TRUE;
  if (g_subprocess_get_identifier (host->shoald) != NULL)
    g_subprocess_send_signal (host->shoald, SIGTERM);
  clean = shoal_test_wait_exit (host->shoald, STOP_TIMEOUT_MS) &&
          g_subprocess_get_if_exited (host->shoald) &&
          g_subprocess_get_exit_status (host->shoald) == 0;
  g_clear_object (&host->shoald);
  return clean;
}

static void
host_clear (Host *host)
{
  if (host->shoald != NULL && !host_stop (host))
    {
      host_dump_log (host);
      g_test_fail_printf ("shoald on %s did not stop cleanly", host->name);
    }
  if (host->bus != NULL)
    {
      g_dbus_connection_signal_unsubscribe (host->bus, host->subscription);
      g_dbus_connection_close_sync (host->bus, NULL, NULL);
    }
  g_clear_object (&host->bus);
  g_clear_pointer (&host->name, g_free);
  g_clear_pointer (&host->dir, g_free);
  g_clear_pointer (&host->log, g_free);
  g_clear_pointer (&host->id, g_free);
}

/* ---- what ListPeers says ---- */

static GVariant *
host_list_peers (Host *host)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (host->bus, BUS_NAME, OBJECT_PATH, INTERFACE, "ListPeers",
                                       NULL, G_VARIANT_TYPE ("(aa{sv})"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, NULL,
                                       &error);
  g_assert_no_error (error);
  return g_variant_get_child_value (reply, 0);
}

/* The peers @host lists, as "ID NAME connected|not" lines sorted, so that
 * two moments can be compared. */
static gchar *
host_describe_peers (Host *host)
{
  g_autoptr(GVariant) peers = host_list_peers (host);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  GVariant *entry;

  g_variant_iter_init (&iter, peers);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      GVariantDict dict;
      const gchar *id = "?";
      const gchar *name = "?";
      gboolean connected = FALSE;

      g_variant_dict_init (&dict, entry);
      g_variant_dict_lookup (&dict, "id", "&s", &id);
      g_variant_dict_lookup (&dict, "name", "&s", &name);
      g_variant_dict_lookup (&dict, "connected", "b", &connected);
      g_ptr_array_add (lines, g_strdup_printf ("%s %s %s", id, name,
                                               connected ? "connected" : "not"));
      g_variant_dict_clear (&dict);
      g_variant_unref (entry);
    }
  g_ptr_array_sort (lines, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (gchar **) lines->pdata);
}

static gboolean
host_sees (Host *host,
           Host *other)
{
  g_autofree gchar *peers = host_describe_peers (host);
  g_autofree gchar *line = g_strdup_printf ("%s %s connected", other->id, other->name);

  return strstr (peers, line) != NULL;
}

static gboolean
mesh_complete (gpointer user_data)
{
  Fixture *fixture = user_data;

  for (guint a = 1; a <= fixture->n_hosts; a++)
    for (guint b = 1; b <= fixture->n_hosts; b++)
      if (a != b && fixture->hosts[a].shoald != NULL && fixture->hosts[b].shoald != NULL &&
          !host_sees (&fixture->hosts[a], &fixture->hosts[b]))
        return FALSE;
  return TRUE;
}

static void
describe_all (Fixture *fixture)
{
  for (guint i = 1; i <= fixture->n_hosts; i++)
    if (fixture->hosts[i].shoald != NULL)
      {
        g_autofree gchar *peers = host_describe_peers (&fixture->hosts[i]);

        g_test_message ("%s lists:\n%s", fixture->hosts[i].name, peers);
      }
}

/* ---- fixture ---- */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  const LanSpec *spec = user_data;
  guint n_hosts = spec->n_hosts;
  g_autofree gchar *n = g_strdup_printf ("%u", n_hosts);

  memset (fixture, 0, sizeof *fixture);
  if (missing_reason != NULL)
    return;

  setup_failure = lan_try ("down", NULL);
  if (setup_failure == NULL)
    setup_failure = lan_try ("up", n, spec->options[0], spec->options[1], spec->options[2], NULL);
  if (setup_failure != NULL)
    return;
  fixture->lan_up = TRUE;
  fixture->n_hosts = n_hosts;
  for (guint i = 1; i <= n_hosts; i++)
    host_init (&fixture->hosts[i], i);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  if (g_test_failed ())
    for (guint i = 1; i <= fixture->n_hosts; i++)
      host_dump_log (&fixture->hosts[i]);
  for (guint i = 1; i <= fixture->n_hosts; i++)
    host_clear (&fixture->hosts[i]);
  if (fixture->lan_up)
    lan ("down", NULL);
  g_clear_pointer (&setup_failure, g_free);
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

/* ---- tests ---- */

static const LanSpec lan_three = { 3, { NULL } };
static const LanSpec lan_dual = { 2, { "--dual", "all", NULL } };

/* What @host's ListPeers says of @other, or NULL. */
static GVariant *
host_peer_entry (Host *host,
                 Host *other)
{
  g_autoptr(GVariant) peers = host_list_peers (host);
  GVariantIter iter;
  GVariant *entry;

  g_variant_iter_init (&iter, peers);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      const gchar *id = NULL;

      if (g_variant_lookup (entry, "id", "&s", &id) && g_str_equal (id, other->id))
        return entry;
      g_variant_unref (entry);
    }
  return NULL;
}

/* "INTERFACE LOCAL -> REMOTE" of @host's link to @other, connected or not. */
static gchar *
host_path_to (Host *host,
              Host *other)
{
  g_autoptr(GVariant) entry = host_peer_entry (host, other);
  const gchar *interface = "?", *local = "?", *remote = "?";
  gboolean connected = FALSE;

  if (entry == NULL)
    return g_strdup ("(not listed)");
  g_variant_lookup (entry, "connected", "b", &connected);
  g_variant_lookup (entry, "interface", "&s", &interface);
  g_variant_lookup (entry, "local-address", "&s", &local);
  g_variant_lookup (entry, "remote-address", "&s", &remote);
  return g_strdup_printf ("%s %s -> %s%s", interface, local, remote,
                          connected ? "" : " (not connected)");
}

/* h1's addresses before `tools/lan readdress h1`. */
static gboolean
is_old_h1 (const gchar *address)
{
  return g_str_has_prefix (address, "192.0.2.1:") || g_str_has_prefix (address, "[2001:db8::1]:");
}

/* Every other host is linked with h1 again, and neither end of any of
 * those links is one of h1's old addresses. */
static gboolean
readdressed (gpointer user_data)
{
  Fixture *fixture = user_data;
  Host *h1 = &fixture->hosts[1];

  for (guint i = 2; i <= fixture->n_hosts; i++)
    {
      Host *other = &fixture->hosts[i];
      g_autoptr(GVariant) seen_by_other = NULL;
      g_autoptr(GVariant) seen_by_h1 = NULL;
      const gchar *remote = "", *local = "", *interface = "";
      gboolean connected = FALSE;

      seen_by_other = host_peer_entry (other, h1);
      seen_by_h1 = host_peer_entry (h1, other);
      if (seen_by_other == NULL || seen_by_h1 == NULL)
        return FALSE;
      g_variant_lookup (seen_by_other, "connected", "b", &connected);
      g_variant_lookup (seen_by_other, "remote-address", "&s", &remote);
      g_variant_lookup (seen_by_other, "interface", "&s", &interface);
      if (!connected || *remote == '\0' || is_old_h1 (remote) || !g_str_equal (interface, "eth0"))
        return FALSE;
      connected = FALSE;
      g_variant_lookup (seen_by_h1, "connected", "b", &connected);
      g_variant_lookup (seen_by_h1, "local-address", "&s", &local);
      g_variant_lookup (seen_by_h1, "interface", "&s", &interface);
      if (!connected || *local == '\0' || is_old_h1 (local) || !g_str_equal (interface, "eth0"))
        return FALSE;
    }
  return TRUE;
}

static void
describe_paths (Fixture *fixture)
{
  for (guint a = 1; a <= fixture->n_hosts; a++)
    for (guint b = 1; b <= fixture->n_hosts; b++)
      if (a != b)
        {
          g_autofree gchar *path = host_path_to (&fixture->hosts[a], &fixture->hosts[b]);

          g_test_message ("%s to %s: %s", fixture->hosts[a].name, fixture->hosts[b].name, path);
        }
}

static void
test_readdress (Fixture       *fixture,
                gconstpointer  data)
{
  gint64 start;
  gint64 elapsed_ms;

  g_test_summary ("When a host's addresses are replaced by others in the same subnet, every "
                  "peer links up with it again within 5 s, and the paths on both ends of each "
                  "link show no old address any more");
  if (fail_if_unable ())
    return;

  for (guint i = 1; i <= fixture->n_hosts; i++)
    host_start (&fixture->hosts[i], NULL);
  if (!wait_until (mesh_complete, fixture, MESH_TIMEOUT_MS))
    {
      describe_all (fixture);
      g_error ("no full mesh within %d ms", MESH_TIMEOUT_MS);
    }
  describe_paths (fixture);
  /* Links dialled at h1's old address, or from it: the test means something. */
  g_assert_false (readdressed (fixture));

  start = g_get_monotonic_time ();
  lan ("readdress", "h1", NULL);
  if (!wait_until (readdressed, fixture, 3 * MESH_TIMEOUT_MS / 2))
    {
      describe_paths (fixture);
      g_error ("h1's peers did not link up again over its new address");
    }
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_test_message ("linked again over h1's new address after %" G_GINT64_FORMAT " ms", elapsed_ms);
  describe_paths (fixture);
  g_assert_cmpint (elapsed_ms, <=, 5000);
  g_assert_true (mesh_complete (fixture));
}

static gboolean
on_second_network (const gchar *address)
{
  return strstr (address, "198.51.100.") != NULL || strstr (address, "2001:db8:1:") != NULL ||
         strstr (address, "%eth1") != NULL;
}

/* Whether @host's Diagnose says Shoal uses @interface. */
static gboolean
host_uses_interface (Host        *host,
                     const gchar *interface)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) report = NULL;
  g_autoptr(GVariant) interfaces = NULL;
  GVariantIter iter;
  GVariant *entry;
  gboolean used = FALSE;

  reply = g_dbus_connection_call_sync (host->bus, BUS_NAME, OBJECT_PATH, INTERFACE, "Diagnose",
                                       NULL, G_VARIANT_TYPE ("(a{sv})"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, NULL,
                                       &error);
  g_assert_no_error (error);
  report = g_variant_get_child_value (reply, 0);
  interfaces = g_variant_lookup_value (report, "interfaces", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_nonnull (interfaces);
  g_variant_iter_init (&iter, interfaces);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      const gchar *name = NULL;

      if (g_variant_lookup (entry, "name", "&s", &name) && g_str_equal (name, interface))
        g_variant_lookup (entry, "used", "b", &used);
      g_variant_unref (entry);
    }
  return used;
}

static void
test_excluded_interface (Fixture       *fixture,
                         gconstpointer  data)
{
  const gchar *h1_options[] = { "--exclude-interface", "eth1", "--exclude-interface", "nosuch0",
                                NULL };
  Host *h1 = &fixture->hosts[1];
  Host *h2 = &fixture->hosts[2];
  g_autoptr(GVariant) entry = NULL;
  g_autofree const gchar **addresses = NULL;
  g_autofree gchar *failure = NULL;
  g_autofree gchar *h1_path = NULL;
  g_autofree gchar *h2_path = NULL;

  g_test_summary ("Two hosts on two networks, one of them excluding its eth1: it announces "
                  "nothing there (its peer learns none of its eth1 addresses), links only over "
                  "eth0, says in Diagnose that it does not use eth1, refuses a connection that "
                  "arrives on eth1 with a line in its log, and says once that no interface "
                  "matches a name it was given");
  if (fail_if_unable ())
    return;

  host_start (h1, h1_options);
  host_start (h2, NULL);
  if (!wait_until (mesh_complete, fixture, MESH_TIMEOUT_MS))
    {
      describe_all (fixture);
      g_error ("no mesh within %d ms", MESH_TIMEOUT_MS);
    }
  /* Long enough for h2's avahi-daemon to hear anything h1 announces on
   * eth1, and for its resolvers to report it. */
  iterate_for (3000);
  describe_paths (fixture);

  entry = host_peer_entry (h2, h1);
  g_assert_nonnull (entry);
  g_assert_true (g_variant_lookup (entry, "addresses", "^a&s", &addresses));
  g_assert_cmpuint (g_strv_length ((gchar **) addresses), >, 0);
  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_test_message ("h2 knows h1 at %s", addresses[i]);
      g_assert_false (on_second_network (addresses[i]));
    }
  h2_path = host_path_to (h2, h1);
  h1_path = host_path_to (h1, h2);
  g_assert_true (g_str_has_prefix (h2_path, "eth0 "));
  g_assert_true (g_str_has_prefix (h1_path, "eth0 "));
  /* What `shoal doctor` reads says so too. */
  g_assert_true (host_uses_interface (h1, "eth0"));
  g_assert_false (host_uses_interface (h1, "eth1"));
  g_assert_true (host_uses_interface (h2, "eth1"));

  /* A person on h2 names h1's eth1 address: h1 closes the connection before TLS. */
  failure = lan_try ("run", "h2", "shoal", "connect", "198.51.100.1:" G_STRINGIFY (PORT), NULL);
  g_test_message ("shoal connect over eth1: %s", failure != NULL ? failure : "succeeded");
  g_assert_nonnull (failure);
  g_assert_cmpuint (host_log_count (h1, "Refusing a connection from 198.51.100.2:"), >=, 1);
  g_assert_cmpuint (host_log_count (h1, "arrived on interface eth1"), >=, 1);
  g_assert_true (host_sees (h2, h1));
  g_assert_true (host_sees (h1, h2));

  g_assert_cmpuint (host_log_count (h1, "No network interface that is up matches “nosuch0”"), ==, 1);
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

  g_test_add ("/lan-paths/readdress", Fixture, &lan_three,
              fixture_set_up, test_readdress, fixture_tear_down);
  g_test_add ("/lan-paths/excluded-interface", Fixture, &lan_dual,
              fixture_set_up, test_excluded_interface, fixture_tear_down);

  status = g_test_run ();
  stop_janitor ();
  g_free (lan_path);
  g_free (lan_prefix);
  g_free (lan_root);
  g_free (shoald_path);
  g_free (missing_reason);
  return status;
}
