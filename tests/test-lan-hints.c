/* test-lan-hints.c: hints to dial on a LAN of real hosts: peer exchange
 * where multicast does not pass, and forged mDNS records
 *
 * Each test brings up its own LAN with tools/lan (hosts in network
 * namespaces on a bridge, each with its own system bus, avahi-daemon and
 * session bus), starts shoald on hosts with `tools/lan run`, and checks the
 * mesh through org.shoal.Shoal1 on each host's session bus, as a script on
 * that host would. The forged records are published with avahi-publish, a
 * third-party mDNS client, from a host that runs no shoald.
 *
 * Needs root, iproute2, dbus-daemon, avahi-daemon and avahi-publish; without
 * them the program skips (exit 77) with the reason, unless
 * SHOAL_TEST_REQUIRE=all asks for a failure instead. Its LANs are apart from
 * the other lan tests' (prefix "slh"), and tagged with SHOAL_TEST_LAN_TAG.
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

#define LAN_PREFIX_BASE "slh"
#define LAN_ROOT_BASE "/tmp/shoal-test-lan-hints"
#define MAX_HOSTS 4
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
  GPtrArray *publishers;            /* (owned) (element-type GSubprocess) */
} Fixture;

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
  guint n_hosts = GPOINTER_TO_UINT (user_data);
  g_autofree gchar *n = g_strdup_printf ("%u", n_hosts);

  memset (fixture, 0, sizeof *fixture);
  fixture->publishers = g_ptr_array_new_with_free_func (g_object_unref);
  if (missing_reason != NULL)
    return;

  setup_failure = lan_try ("down", NULL);
  if (setup_failure == NULL)
    setup_failure = lan_try ("up", n, NULL);
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
  for (guint i = 0; i < fixture->publishers->len; i++)
    {
      GSubprocess *publisher = g_ptr_array_index (fixture->publishers, i);

      if (g_subprocess_get_identifier (publisher) != NULL)
        g_subprocess_send_signal (publisher, SIGTERM);
      shoal_test_wait_exit (publisher, STOP_TIMEOUT_MS);
    }
  g_ptr_array_unref (fixture->publishers);
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

/* h2..h4 each configured with h1 alone, as `--peer 192.0.2.1:PORT`, and
 * with peer exchange on or off (a config file saying so). */
static void
start_star (Fixture  *fixture,
            gboolean  peer_exchange)
{
  g_autofree gchar *config = g_build_filename (lan_root, "hints.conf", NULL);
  g_autofree gchar *contents = g_strdup_printf ("[shoal]\npeer-exchange=%s\n",
                                                peer_exchange ? "true" : "false");
  const gchar *hub[] = { "--config", config, NULL };
  const gchar *leaf[] = { "--config", config, "--peer", "192.0.2.1:" G_STRINGIFY (PORT), NULL };

  g_assert_true (g_file_set_contents (config, contents, -1, NULL));
  host_start (&fixture->hosts[1], hub);
  for (guint i = 2; i <= fixture->n_hosts; i++)
    host_start (&fixture->hosts[i], leaf);
}

static void
test_multicast_blocked (Fixture       *fixture,
                        gconstpointer  data)
{
  gint64 start;

  g_test_summary ("With multicast blocked on the switch and every host configured with one "
                  "and the same peer (h1), peer exchange makes a full mesh of 4: the leaves "
                  "learn of each other from h1");
  if (fail_if_unable ())
    return;

  lan ("multicast-off", "all", NULL);
  start = g_get_monotonic_time ();
  start_star (fixture, TRUE);
  if (!wait_until (mesh_complete, fixture, MESH_TIMEOUT_MS))
    {
      describe_all (fixture);
      g_error ("no full mesh within %d ms", MESH_TIMEOUT_MS);
    }
  g_test_message ("full mesh of %u hosts %" G_GINT64_FORMAT " ms after the first start",
                  fixture->n_hosts, (g_get_monotonic_time () - start) / 1000);

  /* And it stays one. */
  iterate_for (3000);
  g_assert_true (mesh_complete (fixture));
  for (guint i = 1; i <= fixture->n_hosts; i++)
    g_assert_cmpuint (fixture->hosts[i].disconnected, ==, 0);
}

static gboolean
star_formed (gpointer user_data)
{
  Fixture *fixture = user_data;

  for (guint i = 2; i <= fixture->n_hosts; i++)
    if (!host_sees (&fixture->hosts[i], &fixture->hosts[1]) ||
        !host_sees (&fixture->hosts[1], &fixture->hosts[i]))
      return FALSE;
  return TRUE;
}

static void
test_multicast_blocked_no_exchange (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_test_summary ("The same star with peer-exchange=false stays a star: the leaves never "
                  "link with each other (what the mesh was like before peer exchange)");
  if (fail_if_unable ())
    return;

  lan ("multicast-off", "all", NULL);
  start_star (fixture, FALSE);
  g_assert_true (wait_until (star_formed, fixture, MESH_TIMEOUT_MS));
  /* Time enough for a full mesh, were anyone to tell the leaves of each other. */
  iterate_for (8000);
  for (guint i = 2; i <= fixture->n_hosts; i++)
    {
      g_assert_true (host_sees (&fixture->hosts[i], &fixture->hosts[1]));
      for (guint j = 2; j <= fixture->n_hosts; j++)
        if (i != j)
          g_assert_false (host_sees (&fixture->hosts[i], &fixture->hosts[j]));
    }
}

static gchar *
random_id (void)
{
  return g_strdup_printf ("%08x%08x%08x%08x", g_random_int (), g_random_int (), g_random_int (),
                          g_random_int ());
}

/* avahi-publish on @host, until the test ends: a service (@name, port
 * @port, the TXT of a Shoal node with @id) on host name @target, which
 * resolves to @address when @address is not NULL. */
static void
publish (Fixture     *fixture,
         Host        *host,
         const gchar *name,
         const gchar *target,
         const gchar *address,
         guint16      port,
         const gchar *id)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                         G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *session = random_id ();
  g_autofree gchar *port_text = g_strdup_printf ("%u", port);
  g_autofree gchar *port_txt = g_strdup_printf ("port=%05u", port);
  g_autofree gchar *id_txt = g_strdup_printf ("id=%s", id);
  g_autofree gchar *session_txt = g_strdup_printf ("session=%s", session);
  g_autofree gchar *host_arg = g_strdup_printf ("--host=%s", target);
  GSubprocess *publisher;

  if (address != NULL)
    {
      publisher = g_subprocess_launcher_spawn (launcher, &error, lan_path, "run", host->name,
                                               "avahi-publish", "-a", "-R", target, address, NULL);
      g_assert_no_error (error);
      g_ptr_array_add (fixture->publishers, publisher);
    }
  publisher = g_subprocess_launcher_spawn (launcher, &error, lan_path, "run", host->name,
                                           "avahi-publish", "-s", host_arg, name, "_shoal._tcp",
                                           port_text, port_txt, "proto=2", id_txt, session_txt,
                                           NULL);
  g_assert_no_error (error);
  g_ptr_array_add (fixture->publishers, publisher);
}

static void
test_forged_records (Fixture       *fixture,
                     gconstpointer  data)
{
  Host *h1 = &fixture->hosts[1];
  Host *h2 = &fixture->hosts[2];
  Host *h3 = &fixture->hosts[3];
  g_autofree gchar *before1 = NULL;
  g_autofree gchar *before2 = NULL;
  g_autofree gchar *after1 = NULL;
  g_autofree gchar *after2 = NULL;
  g_autofree gchar *made_up = random_id ();
  g_autofree gchar *made_up2 = random_id ();
  g_autofree gchar *made_up3 = random_id ();
  g_autofree gchar *made_up4 = random_id ();
  g_autofree gchar *refused = NULL;
  guint replaced1, replaced2;

  g_test_summary ("Forged DNS-SD records from a third host (port 0, 127.0.0.1, a multicast "
                  "address, a made-up id at a real node's address, a connected peer's id "
                  "with another name) change nothing in a mesh of two: no new peer, no link "
                  "replaced or lost, names as the hellos said; the made-up id is dialled once");
  if (fail_if_unable ())
    return;

  host_start (h1, NULL);
  host_start (h2, NULL);
  if (!wait_until (mesh_complete, fixture, MESH_TIMEOUT_MS))
    {
      describe_all (fixture);
      g_error ("no mesh within %d ms", MESH_TIMEOUT_MS);
    }
  iterate_for (1000);
  before1 = host_describe_peers (h1);
  before2 = host_describe_peers (h2);
  replaced1 = host_log_count (h1, "new link wins");
  replaced2 = host_log_count (h2, "new link wins");
  h1->connected = h1->disconnected = h2->connected = h2->disconnected = 0;

  publish (fixture, h3, "forged port 0", "forged-zero.local", "192.0.2.3", 0, made_up);
  publish (fixture, h3, "forged loopback", "forged-lo.local", "127.0.0.1", PORT, made_up2);
  publish (fixture, h3, "forged multicast", "forged-mc.local", "224.0.0.251", PORT, made_up3);
  publish (fixture, h3, "forged at h1", "forged-h1.local", "192.0.2.1", PORT, made_up4);
  publish (fixture, h3, "impostor", "forged-imp.local", "192.0.2.3", PORT, h1->id);

  /* Each of the records is seen within a second or two on an open LAN. */
  iterate_for (10000);

  after1 = host_describe_peers (h1);
  after2 = host_describe_peers (h2);
  g_test_message ("h1 lists:\n%s\nh2 lists:\n%s", after1, after2);
  g_assert_cmpstr (after1, ==, before1);
  g_assert_cmpstr (after2, ==, before2);
  g_assert_cmpuint (h1->connected + h1->disconnected + h2->connected + h2->disconnected, ==, 0);
  g_assert_cmpuint (host_log_count (h1, "new link wins"), ==, replaced1);
  g_assert_cmpuint (host_log_count (h2, "new link wins"), ==, replaced2);
  /* Nobody dialled its own loopback at PORT: that would be itself. */
  g_assert_cmpuint (host_log_count (h1, "connected to itself"), ==, 0);
  g_assert_cmpuint (host_log_count (h2, "connected to itself"), ==, 0);

  /* The made-up id at h1's address: h2 dialled it once, and h1 answered. */
  refused = g_strdup_printf ("where %s was expected", made_up4);
  g_test_message ("h2 refused the made-up id %u time(s)", host_log_count (h2, refused));
  g_assert_cmpuint (host_log_count (h2, refused), <=, 1);
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
  if (missing_reason == NULL)
    {
      g_autofree gchar *publish_path = g_find_program_in_path ("avahi-publish");

      if (publish_path == NULL)
        missing_reason = g_strdup ("avahi-publish is not installed (package avahi-utils)");
    }

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

  g_test_add ("/lan-hints/multicast-blocked", Fixture, GUINT_TO_POINTER (4),
              fixture_set_up, test_multicast_blocked, fixture_tear_down);
  g_test_add ("/lan-hints/multicast-blocked/no-exchange", Fixture, GUINT_TO_POINTER (4),
              fixture_set_up, test_multicast_blocked_no_exchange, fixture_tear_down);
  g_test_add ("/lan-hints/forged-records", Fixture, GUINT_TO_POINTER (3),
              fixture_set_up, test_forged_records, fixture_tear_down);

  status = g_test_run ();
  stop_janitor ();
  g_free (lan_path);
  g_free (lan_prefix);
  g_free (lan_root);
  g_free (shoald_path);
  g_free (missing_reason);
  return status;
}
