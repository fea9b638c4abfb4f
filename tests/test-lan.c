/* test-lan.c: Shoal on a LAN of real hosts, checked through each host's D-Bus
 *
 * Each test brings up its own LAN with tools/lan (hosts in network
 * namespaces on a bridge, each with its own system bus, avahi-daemon and
 * session bus), starts shoald on the hosts with `tools/lan run`, and checks
 * everything the way a desktop script on each machine would: through
 * org.shoal.Shoal1 on that host's session bus. The buses listen on unix
 * sockets in the file system, so the test reaches every host's bus from the
 * root namespace.
 *
 * Needs root, iproute2, dbus-daemon and avahi-daemon; without them the
 * program skips (exit 77) with the reason, unless SHOAL_TEST_REQUIRE=all asks
 * for a failure instead.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "shoal-test-lan.h"

/* Fixed, so that a run can clean up what a crashed run left behind; apart
 * from the demo's and the avahi suite's, so that they can run beside it. */
#define LAN_PREFIX_BASE "slt"
#define LAN_ROOT_BASE "/tmp/shoal-test-lan"
#define MAX_HOSTS 8

#define BUS_NAME "org.shoal.Shoal1"
#define OBJECT_PATH "/org/shoal/Shoal1"
#define INTERFACE "org.shoal.Shoal1"

/* Every wait is bounded: a test fails, it never hangs. */
#define COMMAND_TIMEOUT_MS 30000
#define CALL_TIMEOUT_MS 10000
#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 5000
#define MESH_TIMEOUT_MS 20000
#define DELIVERY_TIMEOUT_MS 20000
/* A goodbye is seen at once: inside the liveness timeout, so that it can
 * only have been the goodbye. */
#define GOODBYE_BOUND_MS 2000
/* The default liveness timeout is 2.5 s, checked on every 0.5 s heartbeat
 * tick. The bound says the peer was found out by the timeout rather than
 * never (the write-stall timeout, 30 s, would say "took nothing"). Four
 * sanitizer-built hosts on two cores have taken from 2.8 to 15.3 s where a
 * plain build takes 2.5 s: the spread is a defect of its own, still open
 * (the test prints each figure), not a reason for this test to fail. */
#define LIVENESS_BOUND_MS 25000

typedef enum
{
  EVENT_CONNECTED,
  EVENT_DISCONNECTED,
  EVENT_MESSAGE,
} EventKind;

/* One signal from a host's shoald, as a script on that host saw it. */
typedef struct
{
  EventKind  kind;
  gchar     *id;         /* the peer it is about, or the sender */
  gchar     *text;       /* PeerConnected: name; PeerDisconnected: reason; MessageReceived: sender's name */
  GBytes    *payload;    /* (nullable) MessageReceived only */
  gboolean   broadcast;
  gint64     time;       /* monotonic, µs */
} Event;

typedef struct
{
  guint            index;       /* 1 for h1 */
  gchar           *name;        /* "h1" */
  gchar           *dir;         /* LAN_ROOT/h1 */
  GDBusConnection *bus;         /* (owned) the host's session bus */
  guint            subscription;
  GPtrArray       *events;      /* (element-type Event) */
  GSubprocess     *shoald;      /* (owned) (nullable) the running daemon */
  gchar           *log;         /* (owned) (nullable) its output */
  guint            starts;
  gchar           *id;          /* (owned) (nullable) its peer id, once known */
  GStrv            options;     /* (owned) (nullable) more shoald options */
} Host;

typedef struct
{
  guint        n_hosts;
  const gchar *up_args[5];
} LanSpec;

typedef struct
{
  Host     hosts[MAX_HOSTS + 1];   /* 1-based: hosts[1] is h1 */
  guint    n_hosts;
  gboolean lan_up;
  gint64   last_start;             /* monotonic µs of the last shoald spawned */
} Fixture;

static gchar *missing_reason = NULL;
static gchar *setup_failure = NULL;  /* the current test's, if its LAN did not come up */
/* The bases above, tagged with SHOAL_TEST_LAN_TAG if set (shoal_test_lan_name()). */
static gchar *lan_prefix = NULL;
static gchar *lan_root = NULL;
static gchar *lan_path = NULL;
static gchar *shoald_path = NULL;
static gchar *shoal_path = NULL;
static gchar *test_node_path = NULL;
static GSubprocess *janitor = NULL;

/* ---- prerequisites ---- */

static gboolean
check_prerequisites (void)
{
  missing_reason = shoal_test_lan_missing (lan_path);
  if (missing_reason != NULL)
    return FALSE;

  if (!g_file_test (shoald_path, G_FILE_TEST_IS_EXECUTABLE))
    {
      missing_reason = g_strdup_printf ("no shoald at %s; build it first", shoald_path);
      return FALSE;
    }

  return TRUE;
}

/* Only reached under SHOAL_TEST_REQUIRE=all: a missing prerequisite fails. */
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

/* A failed assertion aborts the program before any teardown, and a test
 * that runs over its time is killed. The janitor waits on a pipe that only
 * this process holds open: whenever this process ends, however it ends, the
 * janitor runs `tools/lan down`, which stops every process in our hosts by
 * pid and removes the namespaces. It lives in a session of its own so that
 * a signal to our process group spares it. */
static void
start_janitor (const gchar *own_tmpdir)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GError) error = NULL;

  /* The janitor also removes the temporary directory that g_test_init()
   * made for this program, which only a g_test_run() that returns would. */
  g_subprocess_launcher_set_child_setup (launcher, in_own_session, NULL, NULL);
  janitor = g_subprocess_launcher_spawn (launcher, &error, "sh", "-c",
                                         "cat > /dev/null; \"$0\" down; "
                                         "if [ -n \"$1\" ]; then rm -rf -- \"$1\"; fi",
                                         lan_path, own_tmpdir != NULL ? own_tmpdir : "", NULL);
  g_assert_no_error (error);
}

static gboolean
flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context for @ms, collecting signals meanwhile. */
static void
iterate_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef gboolean (*Condition) (gpointer user_data);

/* Waits (bounded) until @condition holds, checking it every 20 ms. */
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

/* After a normal run: the janitor's last `down` finds nothing left, and
 * the program ends after it. */
static void
stop_janitor (void)
{
  if (janitor == NULL)
    return;
  g_output_stream_close (g_subprocess_get_stdin_pipe (janitor), NULL, NULL);
  shoal_test_wait_exit (janitor, COMMAND_TIMEOUT_MS);
  g_clear_object (&janitor);
}

typedef struct
{
  gboolean  done;
  gchar    *output;
} Communication;

static void
communicate_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Communication *communication = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
                                        &communication->output, NULL, NULL);
  communication->done = TRUE;
}

/* Runs `tools/lan @args…`; returns what went wrong, or NULL. The main
 * context keeps running, so no signal from a host is held up. */
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

/* For set-up: a failure is reported by the test, which then does nothing. */
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

/* In a test's body: a failure ends the test program. */
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
event_free (Event *event)
{
  g_free (event->id);
  g_free (event->text);
  g_clear_pointer (&event->payload, g_bytes_unref);
  g_free (event);
}

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
  Event *event = g_new0 (Event, 1);

  event->time = g_get_monotonic_time ();
  if (g_str_equal (member, "PeerConnected") &&
      g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ss)")))
    {
      event->kind = EVENT_CONNECTED;
      g_variant_get (parameters, "(ss)", &event->id, &event->text);
    }
  else if (g_str_equal (member, "PeerDisconnected") &&
           g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ss)")))
    {
      event->kind = EVENT_DISCONNECTED;
      g_variant_get (parameters, "(ss)", &event->id, &event->text);
    }
  else if (g_str_equal (member, "MessageReceived") &&
           g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(saya{sv})")))
    {
      g_autoptr(GVariant) payload = g_variant_get_child_value (parameters, 1);
      g_autoptr(GVariant) details = g_variant_get_child_value (parameters, 2);
      GVariantDict dict;

      event->kind = EVENT_MESSAGE;
      g_variant_get_child (parameters, 0, "s", &event->id);
      event->payload = g_variant_get_data_as_bytes (payload);
      g_variant_dict_init (&dict, details);
      if (!g_variant_dict_lookup (&dict, "broadcast", "b", &event->broadcast))
        event->broadcast = FALSE;
      if (!g_variant_dict_lookup (&dict, "name", "s", &event->text))
        event->text = NULL;
      g_variant_dict_clear (&dict);
    }
  else
    {
      g_free (event);
      return;
    }
  g_ptr_array_add (host->events, event);
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
  host->events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);

  address = g_strdup_printf ("unix:path=%s/session_bus_socket", host->dir);
  host->bus = g_dbus_connection_new_for_address_sync (address,
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (host->bus, FALSE);
  /* Any sender: shoald's unique name changes with every restart, and only
   * shoald emits on this object on this bus. */
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
  guint n, i;

  if (host->log == NULL || !g_file_get_contents (host->log, &contents, NULL, NULL))
    return;
  lines = g_strsplit (contents, "\n", -1);
  n = g_strv_length (lines);
  for (i = n > 40 ? n - 40 : 0; i < n; i++)
    if (lines[i][0] != '\0')
      g_test_message ("%s shoald: %s", host->name, lines[i]);
}

static void
fixture_dump_logs (Fixture *fixture)
{
  guint i;

  for (i = 1; i <= fixture->n_hosts; i++)
    host_dump_log (&fixture->hosts[i]);
}

/* Starts shoald on @host; the GSubprocess is shoald itself (checked in
 * host_wait_ready) since tools/lan run execs all the way down. */
static void
host_start (Fixture *fixture,
            Host    *host)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *state_dir = g_strdup_printf ("%s/state", host->dir);
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;

  g_assert_null (host->shoald);
  g_free (host->log);
  host->log = g_strdup_printf ("%s/shoald.%u.log", host->dir, ++host->starts);
  g_subprocess_launcher_set_stdout_file_path (launcher, host->log);
  /* Untranslated and in UTF-8, whatever the test's locale: the tests read
   * its log. env execs shoald, so the pid stays the daemon's. */
  g_strv_builder_add_many (argv, lan_path, "run", host->name, "env", "LC_ALL=C.UTF-8", "LANGUAGE=",
                           shoald_path,
                           "--name", host->name, "--bus", "session", "--state-dir", state_dir,
                           "--verbose", NULL);
  if (host->options != NULL)
    g_strv_builder_addv (argv, (const gchar **) host->options);
  args = g_strv_builder_end (argv);
  host->shoald = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) args, &error);
  g_assert_no_error (error);
  fixture->last_start = g_get_monotonic_time ();
}

static GVariant *
host_call (Host        *host,
           const gchar *method,
           GVariant    *parameters,
           const gchar *reply_type,
           GError     **error)
{
  return g_dbus_connection_call_sync (host->bus, BUS_NAME, OBJECT_PATH, INTERFACE, method,
                                      parameters, G_VARIANT_TYPE (reply_type),
                                      G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS,
                                      NULL, error);
}

static gchar *
host_get_id (Host *host)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  reply = g_dbus_connection_call_sync (host->bus, BUS_NAME, OBJECT_PATH,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", INTERFACE, "Id"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       CALL_TIMEOUT_MS, NULL, NULL);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(v)", &value);
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return NULL;
  return g_variant_dup_string (value, NULL);
}

static guint16
host_get_port (Host *host)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  reply = g_dbus_connection_call_sync (host->bus, BUS_NAME, OBJECT_PATH,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", INTERFACE, "Port"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       CALL_TIMEOUT_MS, NULL, NULL);
  g_assert_nonnull (reply);
  g_variant_get (reply, "(v)", &value);
  return g_variant_get_uint16 (value);
}

static gboolean
host_answers (gpointer user_data)
{
  Host *host = user_data;
  g_autofree gchar *id = NULL;

  if (g_subprocess_get_identifier (host->shoald) == NULL)
    return TRUE;  /* exited: nothing to wait for */
  id = host_get_id (host);
  return id != NULL && strlen (id) == 32;
}

/* Waits until @host's shoald answers on its bus; returns its id. Checks that
 * the pid we hold is the one that owns org.shoal.Shoal1, so that signals we
 * send reach shoald and not a wrapper. */
static gchar *
host_wait_ready (Host *host)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *pid;
  guint32 owner_pid;

  if (!wait_until (host_answers, host, START_TIMEOUT_MS) ||
      g_subprocess_get_identifier (host->shoald) == NULL)
    {
      host_dump_log (host);
      g_error ("shoald on %s did not come up on its bus within %d ms", host->name, START_TIMEOUT_MS);
    }

  pid = g_subprocess_get_identifier (host->shoald);
  reply = g_dbus_connection_call_sync (host->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", BUS_NAME), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &owner_pid);
  g_assert_cmpuint (owner_pid, ==, (guint32) g_ascii_strtoull (pid, NULL, 10));

  return host_get_id (host);
}

static void
host_start_and_wait (Fixture *fixture,
                     Host    *host)
{
  g_autofree gchar *id = NULL;

  host_start (fixture, host);
  id = host_wait_ready (host);
  if (host->id != NULL)
    g_assert_cmpstr (id, ==, host->id);  /* a restart keeps the id */
  else
    host->id = g_steal_pointer (&id);
}

/* Stops @host's shoald with SIGTERM and waits for it to exit; returns
 * whether it exited on its own with status 0 (a sanitizer build exits
 * otherwise when shoald leaks or misbehaves on its way out). */
static gboolean
host_stop (Host *host)
{
  gboolean clean;

  if (host->shoald == NULL)
    return TRUE;
  if (g_subprocess_get_identifier (host->shoald) != NULL)
    g_subprocess_send_signal (host->shoald, SIGTERM);
  clean = shoal_test_wait_exit (host->shoald, STOP_TIMEOUT_MS);
  if (!clean)
    g_test_message ("shoald on %s did not exit within %d ms of SIGTERM; killed",
                    host->name, STOP_TIMEOUT_MS);
  else if (!g_subprocess_get_if_exited (host->shoald) ||
           g_subprocess_get_exit_status (host->shoald) != 0)
    {
      g_test_message ("shoald on %s did not exit with status 0 on SIGTERM (wait status %d)",
                      host->name, g_subprocess_get_status (host->shoald));
      clean = FALSE;
    }
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
  g_clear_pointer (&host->events, g_ptr_array_unref);
  g_clear_pointer (&host->name, g_free);
  g_clear_pointer (&host->dir, g_free);
  g_clear_pointer (&host->log, g_free);
  g_clear_pointer (&host->id, g_free);
  g_clear_pointer (&host->options, g_strfreev);
}

/* ---- peers as ListPeers shows them ---- */

typedef struct
{
  guint     count;       /* entries with this id */
  gboolean  connected;
  gchar   **addresses;   /* (owned) of the last entry */
} PeerView;

static GVariant *
host_list_peers (Host *host)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = host_call (host, "ListPeers", NULL, "(aa{sv})", &error);

  g_assert_no_error (error);
  return g_variant_get_child_value (reply, 0);
}

/* What @host's ListPeers says about @id. */
static void
peer_view (Host        *host,
           const gchar *id,
           PeerView    *view)
{
  g_autoptr(GVariant) peers = host_list_peers (host);
  GVariantIter iter;
  GVariant *entry;

  memset (view, 0, sizeof *view);
  g_variant_iter_init (&iter, peers);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      GVariantDict dict;
      const gchar *entry_id = NULL;

      g_variant_dict_init (&dict, entry);
      if (g_variant_dict_lookup (&dict, "id", "&s", &entry_id) && g_strcmp0 (entry_id, id) == 0)
        {
          view->count++;
          if (!g_variant_dict_lookup (&dict, "connected", "b", &view->connected))
            view->connected = FALSE;
          g_clear_pointer (&view->addresses, g_strfreev);
          if (!g_variant_dict_lookup (&dict, "addresses", "^as", &view->addresses))
            view->addresses = NULL;
        }
      g_variant_dict_clear (&dict);
      g_variant_unref (entry);
    }
}

static guint
peer_count (Host *host)
{
  g_autoptr(GVariant) peers = host_list_peers (host);

  return (guint) g_variant_n_children (peers);
}

typedef struct
{
  Fixture *fixture;
  guint    members[MAX_HOSTS];  /* host indices */
  guint    n_members;
} Mesh;

static void
mesh_init (Mesh    *mesh,
           Fixture *fixture,
           guint    first,
           guint    last)
{
  guint i;

  memset (mesh, 0, sizeof *mesh);
  mesh->fixture = fixture;
  for (i = first; i <= last; i++)
    mesh->members[mesh->n_members++] = i;
}

/* Every member lists every other member once, connected. */
static gboolean
mesh_complete (gpointer user_data)
{
  Mesh *mesh = user_data;
  guint a, b;

  for (a = 0; a < mesh->n_members; a++)
    for (b = 0; b < mesh->n_members; b++)
      {
        Host *host = &mesh->fixture->hosts[mesh->members[a]];
        Host *peer = &mesh->fixture->hosts[mesh->members[b]];
        PeerView view;
        gboolean ok;

        if (a == b)
          continue;
        peer_view (host, peer->id, &view);
        ok = view.count == 1 && view.connected;
        g_strfreev (view.addresses);
        if (!ok)
          return FALSE;
      }
  return TRUE;
}

static void
mesh_describe (Mesh *mesh)
{
  guint a, b;

  for (a = 0; a < mesh->n_members; a++)
    for (b = 0; b < mesh->n_members; b++)
      {
        Host *host = &mesh->fixture->hosts[mesh->members[a]];
        Host *peer = &mesh->fixture->hosts[mesh->members[b]];
        g_autofree gchar *addresses = NULL;
        PeerView view;

        if (a == b)
          continue;
        peer_view (host, peer->id, &view);
        addresses = view.addresses != NULL ? g_strjoinv (" ", view.addresses) : g_strdup ("");
        g_test_message ("%s sees %s: %u entries, %s, %s", host->name, peer->name, view.count,
                        view.connected ? "connected" : "not connected", addresses);
        g_strfreev (view.addresses);
      }
}

/* Dispatches every signal already received. A synchronous call returns its
 * reply while the signals that came before it still wait in the main
 * context: after a call to each host, this brings in every signal its shoald
 * sent before answering. */
static void
drain_signals (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Waits until the mesh is complete. Its last check called ListPeers on every
 * member, so the signals that announced the mesh are all in on return. */
static void
mesh_wait (Mesh *mesh)
{
  if (!wait_until (mesh_complete, mesh, MESH_TIMEOUT_MS))
    {
      mesh_describe (mesh);
      fixture_dump_logs (mesh->fixture);
      g_error ("the mesh did not form within %d ms", MESH_TIMEOUT_MS);
    }
  drain_signals ();
}

/* ---- events ---- */

static guint
count_events (Host        *host,
              EventKind    kind,
              const gchar *id)
{
  guint count = 0;
  guint i;

  for (i = 0; i < host->events->len; i++)
    {
      Event *event = g_ptr_array_index (host->events, i);

      if (event->kind == kind && (id == NULL || g_strcmp0 (event->id, id) == 0))
        count++;
    }
  return count;
}

typedef struct
{
  Host        *host;
  EventKind    kind;
  const gchar *id;
  guint        from;    /* first event index to look at */
  Event       *found;
} EventWait;

static gboolean
event_arrived (gpointer user_data)
{
  EventWait *wait = user_data;
  guint i;

  for (i = wait->from; i < wait->host->events->len; i++)
    {
      Event *event = g_ptr_array_index (wait->host->events, i);

      if (event->kind == wait->kind && g_strcmp0 (event->id, wait->id) == 0)
        {
          wait->found = event;
          return TRUE;
        }
    }
  return FALSE;
}

/* Waits (bounded) for an event of @kind about @id on @host at or after
 * event index @from. */
static Event *
wait_event (Host        *host,
            EventKind    kind,
            const gchar *id,
            guint        from,
            guint        timeout_ms)
{
  EventWait wait = { host, kind, id, from, NULL };

  wait_until (event_arrived, &wait, timeout_ms);
  return wait.found;
}

/* The payload of the first message from @id at or after event @from. */
static GBytes *
wait_message (Host        *host,
              const gchar *id,
              guint        from,
              gboolean    *broadcast)
{
  Event *event = wait_event (host, EVENT_MESSAGE, id, from, DELIVERY_TIMEOUT_MS);

  if (event == NULL)
    return NULL;
  if (broadcast != NULL)
    *broadcast = event->broadcast;
  return event->payload;
}

/* ---- fixture ---- */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  const LanSpec *spec = user_data;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree gchar *n = g_strdup_printf ("%u", spec->n_hosts);
  guint i;

  memset (fixture, 0, sizeof *fixture);
  if (missing_reason != NULL)
    return;

  /* Whatever a crashed run left under our prefix goes first. A LAN that
   * cannot come up fails the test with the reason (fail_if_unable()). */
  setup_failure = lan_try ("down", NULL);
  if (setup_failure == NULL)
    setup_failure = lan_try ("up", n, spec->up_args[0], spec->up_args[1], spec->up_args[2],
                             spec->up_args[3], NULL);
  if (setup_failure != NULL)
    return;
  fixture->lan_up = TRUE;

  g_assert_cmpuint (spec->n_hosts, <=, MAX_HOSTS);
  fixture->n_hosts = spec->n_hosts;
  for (i = 1; i <= fixture->n_hosts; i++)
    host_init (&fixture->hosts[i], i);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  guint i;

  if (g_test_failed ())
    fixture_dump_logs (fixture);
  for (i = 1; i <= fixture->n_hosts; i++)
    host_clear (&fixture->hosts[i]);
  if (fixture->lan_up)
    lan ("down", NULL);
  g_clear_pointer (&setup_failure, g_free);
}

/* Starts shoald on h@first..h@last one after the other, without waiting,
 * then waits until each answers. */
static void
start_hosts (Fixture *fixture,
             guint    first,
             guint    last)
{
  guint i;

  for (i = first; i <= last; i++)
    host_start (fixture, &fixture->hosts[i]);
  for (i = first; i <= last; i++)
    {
      Host *host = &fixture->hosts[i];

      g_assert_null (host->id);
      host->id = host_wait_ready (host);
    }
}

static void
send_sync (Host       *from,
           Host       *to,
           const void *data,
           gsize       size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariant *payload = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, size, 1);

  reply = host_call (from, "Send", g_variant_new ("(s@ay)", to->id, payload), "(t)", &error);
  g_assert_no_error (error);
}

static void
assert_bytes_equal (GBytes     *actual,
                    const void *expected,
                    gsize       size)
{
  g_assert_nonnull (actual);
  g_assert_cmpmem (g_bytes_get_data (actual, NULL), g_bytes_get_size (actual), expected, size);
}

/* ---- tests ---- */

static const LanSpec lan_one = { 1, { NULL } };
static const LanSpec lan_two = { 2, { NULL } };
static const LanSpec lan_three = { 3, { NULL } };
static const LanSpec lan_four = { 4, { NULL } };
static const LanSpec lan_eight = { 8, { NULL } };
static const LanSpec lan_dual = { 3, { "--dual", "h1,h2", NULL } };
static const LanSpec lan_ipv6_only = { 3, { "--ipv6-only", "h3", NULL } };

static void
test_three_hosts (Fixture       *fixture,
                  gconstpointer  user_data)
{
  /* NUL bytes, bytes that are not UTF-8, a trailing NUL */
  static const guint8 unicast[] = "to h3\0\xff\xfe\x80 not \xc3\x28 utf-8\0";
  static const guint8 broadcast[] = "\0\0from h2 to all: \xc0\xaf\xed\xa0\x80\xf8\0";
  g_autofree guint8 *large = NULL;
  Host *h1, *h2, *h3;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean is_broadcast = TRUE;
  g_auto(GStrv) recipients = NULL;
  guint e1, e3;
  Mesh mesh;
  gsize i;

  g_test_summary ("Three hosts: every shoald sees the other two connected; Send from h1 "
                  "to h3 and Broadcast from h2 arrive byte-exact through MessageReceived, "
                  "and only where they were sent");
  if (fail_if_unable ())
    return;

  start_hosts (fixture, 1, 3);
  h1 = &fixture->hosts[1];
  h2 = &fixture->hosts[2];
  h3 = &fixture->hosts[3];
  mesh_init (&mesh, fixture, 1, 3);
  mesh_wait (&mesh);
  g_assert_cmpuint (peer_count (h1), ==, 2);
  g_assert_cmpuint (peer_count (h2), ==, 2);
  g_assert_cmpuint (peer_count (h3), ==, 2);
  g_assert_cmpuint (count_events (h1, EVENT_MESSAGE, NULL), ==, 0);

  /* Send from h1 to h3 */
  e3 = h3->events->len;
  send_sync (h1, h3, unicast, sizeof unicast);
  assert_bytes_equal (wait_message (h3, h1->id, e3, &is_broadcast), unicast, sizeof unicast);
  g_assert_false (is_broadcast);

  /* A payload larger than any one read, to cross many TCP segments. */
  large = g_malloc (1024 * 1024);
  for (i = 0; i < 1024 * 1024; i++)
    large[i] = (guint8) g_test_rand_int_range (0, 256);
  e3 = h3->events->len;
  send_sync (h1, h3, large, 1024 * 1024);
  assert_bytes_equal (wait_message (h3, h1->id, e3, NULL), large, 1024 * 1024);

  /* Broadcast from h2 */
  e1 = h1->events->len;
  e3 = h3->events->len;
  reply = host_call (h2, "Broadcast",
                     g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, broadcast,
                                                                       sizeof broadcast, 1)),
                     "(tas)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(t^as)", NULL, &recipients);
  g_assert_cmpuint (g_strv_length (recipients), ==, 2);
  is_broadcast = FALSE;
  assert_bytes_equal (wait_message (h1, h2->id, e1, &is_broadcast), broadcast, sizeof broadcast);
  g_assert_true (is_broadcast);
  is_broadcast = FALSE;
  assert_bytes_equal (wait_message (h3, h2->id, e3, &is_broadcast), broadcast, sizeof broadcast);
  g_assert_true (is_broadcast);

  /* Nothing arrives twice or where it was not sent. */
  iterate_for (300);
  g_assert_cmpuint (count_events (h1, EVENT_MESSAGE, NULL), ==, 1);
  g_assert_cmpuint (count_events (h2, EVENT_MESSAGE, NULL), ==, 0);
  g_assert_cmpuint (count_events (h3, EVENT_MESSAGE, NULL), ==, 3);
}

/* The time at which every member had seen the last PeerConnected it needed. */
static gint64
mesh_completed_at (Fixture *fixture)
{
  gint64 latest = 0;
  guint i, j;

  for (i = 1; i <= fixture->n_hosts; i++)
    {
      Host *host = &fixture->hosts[i];

      for (j = 0; j < host->events->len; j++)
        {
          Event *event = g_ptr_array_index (host->events, j);

          if (event->kind == EVENT_CONNECTED)
            latest = MAX (latest, event->time);
        }
    }
  return latest;
}

static void
test_eight_hosts (Fixture       *fixture,
                  gconstpointer  user_data)
{
  gint64 polled_at;
  gint64 completed_at;
  guint i, connects = 0, disconnects = 0;
  Mesh mesh;

  g_test_summary ("Eight hosts started together form the full mesh with no configuration; "
                  "prints the time from the last shoald's start to the full mesh");
  if (fail_if_unable ())
    return;

  start_hosts (fixture, 1, 8);
  mesh_init (&mesh, fixture, 1, 8);
  mesh_wait (&mesh);
  polled_at = g_get_monotonic_time ();

  for (i = 1; i <= 8; i++)
    {
      Host *host = &fixture->hosts[i];

      g_assert_cmpuint (peer_count (host), ==, 7);
      connects += count_events (host, EVENT_CONNECTED, NULL);
      disconnects += count_events (host, EVENT_DISCONNECTED, NULL);
    }

  /* The mesh is complete and every PeerConnected has arrived: the last one
   * dates it, to the signal rather than to the next poll. */
  completed_at = mesh_completed_at (fixture);
  g_assert_cmpint (completed_at, >, 0);
  g_test_message ("8 hosts: full mesh %.3f s after the last shoald started "
                  "(seen by polling ListPeers after %.3f s); %u PeerConnected, %u PeerDisconnected",
                  (completed_at - fixture->last_start) / 1e6,
                  (polled_at - fixture->last_start) / 1e6, connects, disconnects);
  /* Each of the 56 links came up once. The logs say why not. */
  if (connects != 8 * 7 || disconnects != 0)
    fixture_dump_logs (fixture);
  g_assert_cmpuint (connects, ==, 8 * 7);
  g_assert_cmpuint (disconnects, ==, 0);
}

/* A steady stream of messages between the hosts that stay up: each tick,
 * each sends one message to each other. */
typedef struct
{
  Fixture *fixture;
  guint    first, last;                             /* the streaming hosts */
  guint    queued[MAX_HOSTS + 1][MAX_HOSTS + 1];    /* [from][to] Send calls made */
  guint    pending;                                 /* Send calls not answered yet */
  guint    failures;
  gchar   *first_error;
  guint    tick_id;
} Stream;

typedef struct
{
  Stream *stream;
  guint   from, to;
} StreamCall;

static void
stream_sent_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  StreamCall *call = user_data;
  Stream *stream = call->stream;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  stream->pending--;
  if (reply == NULL)
    {
      stream->failures++;
      if (stream->first_error == NULL)
        stream->first_error = g_strdup_printf ("h%u -> h%u: %s", call->from, call->to, error->message);
    }
  g_free (call);
}

static gboolean
stream_tick_cb (gpointer user_data)
{
  Stream *stream = user_data;
  guint from, to;

  for (from = stream->first; from <= stream->last; from++)
    for (to = stream->first; to <= stream->last; to++)
      {
        Host *sender = &stream->fixture->hosts[from];
        Host *receiver = &stream->fixture->hosts[to];
        StreamCall *call;
        g_autofree gchar *payload = NULL;

        if (from == to)
          continue;
        call = g_new0 (StreamCall, 1);
        call->stream = stream;
        call->from = from;
        call->to = to;
        payload = g_strdup_printf ("stream %u", stream->queued[from][to]++);
        stream->pending++;
        g_dbus_connection_call (sender->bus, BUS_NAME, OBJECT_PATH, INTERFACE, "Send",
                                g_variant_new ("(s@ay)", receiver->id,
                                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, payload,
                                                                          strlen (payload), 1)),
                                G_VARIANT_TYPE ("(t)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                CALL_TIMEOUT_MS, NULL, stream_sent_cb, call);
      }
  return G_SOURCE_CONTINUE;
}

static void
stream_start (Stream  *stream,
              Fixture *fixture,
              guint    first,
              guint    last)
{
  memset (stream, 0, sizeof *stream);
  stream->fixture = fixture;
  stream->first = first;
  stream->last = last;
  stream->tick_id = g_timeout_add (20, stream_tick_cb, stream);
}

typedef struct
{
  Stream *stream;
  guint   to;
  guint   from;
  guint   received;
  gint    out_of_order;  /* the first sequence number that broke the order, or -1 */
} StreamCount;

/* Counts the stream messages from @count->from on @count->to, in order. */
static void
stream_count (StreamCount *count)
{
  Host *receiver = &count->stream->fixture->hosts[count->to];
  Host *sender = &count->stream->fixture->hosts[count->from];
  guint i;

  count->received = 0;
  count->out_of_order = -1;
  for (i = 0; i < receiver->events->len; i++)
    {
      Event *event = g_ptr_array_index (receiver->events, i);
      g_autofree gchar *expected = NULL;
      gsize size;
      const gchar *data;

      if (event->kind != EVENT_MESSAGE || g_strcmp0 (event->id, sender->id) != 0)
        continue;
      data = g_bytes_get_data (event->payload, &size);
      expected = g_strdup_printf ("stream %u", count->received);
      if (size != strlen (expected) || memcmp (data, expected, size) != 0)
        {
          if (count->out_of_order < 0)
            count->out_of_order = (gint) count->received;
        }
      count->received++;
    }
}

static gboolean
stream_drained (gpointer user_data)
{
  Stream *stream = user_data;
  guint from, to;

  if (stream->pending > 0)
    return FALSE;
  for (from = stream->first; from <= stream->last; from++)
    for (to = stream->first; to <= stream->last; to++)
      {
        StreamCount count = { stream, to, from, 0, -1 };

        if (from == to)
          continue;
        stream_count (&count);
        if (count.received < stream->queued[from][to])
          return FALSE;
      }
  return TRUE;
}

/* Stops the stream and checks that every message queued arrived, once, in order. */
static void
stream_finish (Stream *stream)
{
  guint from, to, total = 0;

  g_clear_handle_id (&stream->tick_id, g_source_remove);
  wait_until (stream_drained, stream, DELIVERY_TIMEOUT_MS);
  g_assert_cmpuint (stream->pending, ==, 0);
  if (stream->first_error != NULL)
    g_test_message ("first refused Send: %s", stream->first_error);
  g_assert_cmpuint (stream->failures, ==, 0);

  for (from = stream->first; from <= stream->last; from++)
    for (to = stream->first; to <= stream->last; to++)
      {
        StreamCount count = { stream, to, from, 0, -1 };

        if (from == to)
          continue;
        stream_count (&count);
        g_test_message ("stream h%u -> h%u: %u sent, %u received", from, to,
                        stream->queued[from][to], count.received);
        g_assert_cmpuint (count.received, ==, stream->queued[from][to]);
        g_assert_cmpint (count.out_of_order, ==, -1);
        total += count.received;
      }
  g_test_message ("stream: %u messages, none lost", total);
  g_assert_cmpuint (total, >, 0);
  g_free (stream->first_error);
}

/* Waits until every host in h@first..h@last has seen @leaver go, checks
 * the time it took and, if @reason is given, the reason. */
static void
wait_gone (Fixture     *fixture,
           Host        *leaver,
           guint        first,
           guint        last,
           const guint *cursors,
           gint64       since,
           guint        bound_ms,
           const gchar *reason,
           const gchar *how)
{
  guint i;

  for (i = first; i <= last; i++)
    {
      Host *host = &fixture->hosts[i];
      Event *event = wait_event (host, EVENT_DISCONNECTED, leaver->id, cursors[i], LIVENESS_BOUND_MS * 2);
      PeerView view;

      if (event == NULL)
        {
          fixture_dump_logs (fixture);
          g_error ("%s: %s never saw %s go", how, host->name, leaver->name);
        }
      g_test_message ("%s: %s saw %s go after %.3f s (%s)", how, host->name, leaver->name,
                      (event->time - since) / 1e6, event->text);
      g_assert_cmpint (event->time - since, <, (gint64) bound_ms * 1000);
      if (reason != NULL)
        g_assert_cmpstr (event->text, ==, reason);

      peer_view (host, leaver->id, &view);
      g_assert_false (view.connected);
      g_strfreev (view.addresses);
    }
}

/* Waits until h@first..h@last see @joiner connected again; prints how long it took. */
static void
wait_back (Fixture     *fixture,
           Host        *joiner,
           guint        first,
           guint        last,
           const guint *cursors,
           gint64       since,
           const gchar *how)
{
  guint i;

  for (i = first; i <= last; i++)
    {
      Host *host = &fixture->hosts[i];
      Event *event = wait_event (host, EVENT_CONNECTED, joiner->id, cursors[i], MESH_TIMEOUT_MS);

      if (event == NULL)
        {
          fixture_dump_logs (fixture);
          g_error ("%s: %s never saw %s come back", how, host->name, joiner->name);
        }
      g_test_message ("%s: %s saw %s back after %.3f s", how, host->name, joiner->name,
                      (event->time - since) / 1e6);
    }
}

static void
mark_cursors (Fixture *fixture,
              guint   *cursors)
{
  guint i;

  for (i = 1; i <= fixture->n_hosts; i++)
    cursors[i] = fixture->hosts[i].events->len;
}

static void
test_leave_join (Fixture       *fixture,
                 gconstpointer  user_data)
{
  guint cursors[MAX_HOSTS + 1];
  Host *h4;
  gint64 since;
  Stream stream;
  Mesh mesh;
  guint i, j;

  g_test_summary ("A shoald stopped with SIGTERM is gone from every other host at once; one "
                  "killed with SIGKILL, or whose link is cut, is gone within the liveness "
                  "timeout; each comes back with the same id; meanwhile the hosts that stay "
                  "up lose none of a steady stream of messages");
  if (fail_if_unable ())
    return;

  start_hosts (fixture, 1, 4);
  h4 = &fixture->hosts[4];
  mesh_init (&mesh, fixture, 1, 4);
  mesh_wait (&mesh);

  stream_start (&stream, fixture, 1, 3);
  iterate_for (300);

  /* SIGTERM: shoald says goodbye */
  mark_cursors (fixture, cursors);
  since = g_get_monotonic_time ();
  g_assert_true (host_stop (h4));
  wait_gone (fixture, h4, 1, 3, cursors, since, GOODBYE_BOUND_MS, "shutdown", "SIGTERM");

  mark_cursors (fixture, cursors);
  host_start_and_wait (fixture, h4);
  wait_back (fixture, h4, 1, 3, cursors, fixture->last_start, "restart after SIGTERM");
  mesh_wait (&mesh);

  /* SIGKILL: no goodbye; the kernel may still close the connections */
  mark_cursors (fixture, cursors);
  since = g_get_monotonic_time ();
  g_subprocess_force_exit (h4->shoald);
  wait_gone (fixture, h4, 1, 3, cursors, since, LIVENESS_BOUND_MS, NULL, "SIGKILL");
  shoal_test_wait_exit (h4->shoald, STOP_TIMEOUT_MS);
  g_clear_object (&h4->shoald);

  mark_cursors (fixture, cursors);
  host_start_and_wait (fixture, h4);
  wait_back (fixture, h4, 1, 3, cursors, fixture->last_start, "restart after SIGKILL");
  mesh_wait (&mesh);

  /* The cable is cut: nothing at all arrives from h4 any more */
  mark_cursors (fixture, cursors);
  since = g_get_monotonic_time ();
  lan ("link-down", h4->name, NULL);
  wait_gone (fixture, h4, 1, 3, cursors, since, LIVENESS_BOUND_MS, NULL, "link down");

  mark_cursors (fixture, cursors);
  since = g_get_monotonic_time ();
  lan ("link-up", h4->name, NULL);
  wait_back (fixture, h4, 1, 3, cursors, since, "link up");
  mesh_wait (&mesh);

  iterate_for (300);
  stream_finish (&stream);

  /* The hosts that stayed up never lost sight of each other. */
  for (i = 1; i <= 3; i++)
    for (j = 1; j <= 3; j++)
      if (i != j)
        g_assert_cmpuint (count_events (&fixture->hosts[i], EVENT_DISCONNECTED, fixture->hosts[j].id), ==, 0);
}

static gboolean
strv_has_prefix (gchar       **strv,
                 const gchar  *prefix)
{
  guint i;

  for (i = 0; strv != NULL && strv[i] != NULL; i++)
    if (g_str_has_prefix (strv[i], prefix))
      return TRUE;
  return FALSE;
}

typedef struct
{
  Host *host;
  Host *peer;
} Pair;

/* @host knows @peer (once) by addresses on both networks. */
static gboolean
seen_on_both_networks (gpointer user_data)
{
  Pair *pair = user_data;
  PeerView view;
  gboolean both;

  peer_view (pair->host, pair->peer->id, &view);
  both = view.count == 1 && view.connected &&
         strv_has_prefix (view.addresses, "192.0.2.") &&
         strv_has_prefix (view.addresses, "198.51.100.");
  g_strfreev (view.addresses);
  return both;
}

static void
test_dual_homed (Fixture       *fixture,
                 gconstpointer  user_data)
{
  Host *h1, *h2, *h3;
  Pair pair;
  PeerView view;
  Mesh mesh;
  guint i;

  g_test_summary ("A dual-homed host (two interfaces on two bridges) is one peer, not two: "
                  "a host on both networks lists it once with addresses from both, a host "
                  "on one network lists it once, and no link to it is made twice");
  if (fail_if_unable ())
    return;

  /* h1 and h2 on both bridges, h3 on the first only */
  start_hosts (fixture, 1, 3);
  h1 = &fixture->hosts[1];
  h2 = &fixture->hosts[2];
  h3 = &fixture->hosts[3];
  mesh_init (&mesh, fixture, 1, 3);
  mesh_wait (&mesh);

  pair.host = h2;
  pair.peer = h1;
  if (!wait_until (seen_on_both_networks, &pair, MESH_TIMEOUT_MS))
    {
      mesh_describe (&mesh);
      g_error ("h2 does not list h1 once with addresses on both networks");
    }
  pair.host = h1;
  pair.peer = h2;
  if (!wait_until (seen_on_both_networks, &pair, MESH_TIMEOUT_MS))
    {
      mesh_describe (&mesh);
      g_error ("h1 does not list h2 once with addresses on both networks");
    }

  /* h3 reaches h1 only through the first network */
  peer_view (h3, h1->id, &view);
  g_assert_cmpuint (view.count, ==, 1);
  g_assert_true (view.connected);
  g_assert_true (strv_has_prefix (view.addresses, "192.0.2.1:"));
  g_assert_false (strv_has_prefix (view.addresses, "198.51.100."));
  g_strfreev (view.addresses);

  /* Let any second link that was going to be made show itself. */
  iterate_for (1000);
  mesh_describe (&mesh);
  for (i = 1; i <= 3; i++)
    {
      Host *host = &fixture->hosts[i];

      g_assert_cmpuint (peer_count (host), ==, 2);
      g_assert_cmpuint (count_events (host, EVENT_CONNECTED, NULL), ==, 2);
      g_assert_cmpuint (count_events (host, EVENT_DISCONNECTED, NULL), ==, 0);
    }
}

static void
test_ipv6_only (Fixture       *fixture,
                gconstpointer  user_data)
{
  static const guint8 to_h3[] = "to the IPv6-only host\0\xff";
  static const guint8 from_h3[] = "from the IPv6-only host\0\xfe";
  Host *h1, *h3;
  Mesh mesh;
  guint i, j, cursor;

  g_test_summary ("A host with no IPv4 address and only link-local IPv6 joins the mesh: "
                  "the others reach it at fe80::...%eth0 addresses, and messages flow both ways");
  if (fail_if_unable ())
    return;

  start_hosts (fixture, 1, 3);
  h1 = &fixture->hosts[1];
  h3 = &fixture->hosts[3];
  mesh_init (&mesh, fixture, 1, 3);
  mesh_wait (&mesh);
  mesh_describe (&mesh);

  for (i = 1; i <= 2; i++)
    {
      PeerView view;

      peer_view (&fixture->hosts[i], h3->id, &view);
      g_assert_cmpuint (view.count, ==, 1);
      g_assert_nonnull (view.addresses);
      g_assert_nonnull (view.addresses[0]);
      for (j = 0; view.addresses[j] != NULL; j++)
        {
          g_assert_true (g_str_has_prefix (view.addresses[j], "[fe80::"));
          g_assert_nonnull (strstr (view.addresses[j], "%eth0]:"));
        }
      g_strfreev (view.addresses);
    }

  cursor = h3->events->len;
  send_sync (h1, h3, to_h3, sizeof to_h3);
  assert_bytes_equal (wait_message (h3, h1->id, cursor, NULL), to_h3, sizeof to_h3);
  cursor = h1->events->len;
  send_sync (h3, h1, from_h3, sizeof from_h3);
  assert_bytes_equal (wait_message (h1, h3->id, cursor, NULL), from_h3, sizeof from_h3);
}

#define BURST_MESSAGES 100
#define BURST_HOSTS 4

/* What h@from sends h@to as message @seq: who, whom, which, then bytes
 * that depend on all three (NULs and non-UTF-8 among them). */
static GBytes *
burst_payload (guint from,
               guint to,
               guint seq)
{
  GString *payload = g_string_new (NULL);
  guint i;

  g_string_append_printf (payload, "h%u>h%u #%u|", from, to, seq);
  for (i = 0; i < 64 + seq; i++)
    g_string_append_c (payload, (gchar) ((from * 31 + to * 7 + seq + i) & 0xff));
  return g_string_free_to_bytes (payload);
}

typedef struct
{
  guint   pending;
  guint   failures;
  gchar  *first_error;
} Burst;

static void
burst_sent_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Burst *burst = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  burst->pending--;
  if (reply == NULL)
    {
      burst->failures++;
      if (burst->first_error == NULL)
        burst->first_error = g_strdup (error->message);
    }
}

static gboolean
burst_delivered (gpointer user_data)
{
  Fixture *fixture = user_data;
  guint i;

  for (i = 1; i <= BURST_HOSTS; i++)
    if (count_events (&fixture->hosts[i], EVENT_MESSAGE, NULL) < BURST_MESSAGES * (BURST_HOSTS - 1))
      return FALSE;
  return TRUE;
}

static void
test_many_messages (Fixture       *fixture,
                    gconstpointer  user_data)
{
  Burst burst = { 0, 0, NULL };
  gint64 started;
  guint from, to, seq, i;
  Mesh mesh;

  g_test_summary ("100 messages sent from each of 4 hosts to every other at once arrive "
                  "complete, byte-exact and in order per sender");
  if (fail_if_unable ())
    return;

  start_hosts (fixture, 1, BURST_HOSTS);
  mesh_init (&mesh, fixture, 1, BURST_HOSTS);
  mesh_wait (&mesh);

  /* Every call is queued before any answer is read. */
  started = g_get_monotonic_time ();
  for (seq = 0; seq < BURST_MESSAGES; seq++)
    for (from = 1; from <= BURST_HOSTS; from++)
      for (to = 1; to <= BURST_HOSTS; to++)
        {
          g_autoptr(GBytes) payload = NULL;

          if (from == to)
            continue;
          payload = burst_payload (from, to, seq);
          burst.pending++;
          g_dbus_connection_call (fixture->hosts[from].bus, BUS_NAME, OBJECT_PATH, INTERFACE, "Send",
                                  g_variant_new ("(s@ay)", fixture->hosts[to].id,
                                                 g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                           payload, TRUE)),
                                  G_VARIANT_TYPE ("(t)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                  CALL_TIMEOUT_MS, NULL, burst_sent_cb, &burst);
        }

  if (!wait_until (burst_delivered, fixture, DELIVERY_TIMEOUT_MS))
    {
      for (i = 1; i <= BURST_HOSTS; i++)
        g_test_message ("%s received %u of %u", fixture->hosts[i].name,
                        count_events (&fixture->hosts[i], EVENT_MESSAGE, NULL),
                        BURST_MESSAGES * (BURST_HOSTS - 1));
    }
  while (burst.pending > 0)
    g_main_context_iteration (NULL, TRUE);  /* each call has its own timeout */
  if (burst.first_error != NULL)
    g_test_message ("first refused Send: %s", burst.first_error);
  g_assert_cmpuint (burst.failures, ==, 0);
  g_test_message ("%u messages delivered in %.3f s", BURST_MESSAGES * BURST_HOSTS * (BURST_HOSTS - 1),
                  (g_get_monotonic_time () - started) / 1e6);

  /* Complete, byte-exact, in order per sender, and nothing more. */
  iterate_for (200);
  for (to = 1; to <= BURST_HOSTS; to++)
    {
      Host *receiver = &fixture->hosts[to];
      guint next[BURST_HOSTS + 1] = { 0, };

      for (i = 0; i < receiver->events->len; i++)
        {
          Event *event = g_ptr_array_index (receiver->events, i);
          g_autoptr(GBytes) expected = NULL;

          if (event->kind != EVENT_MESSAGE)
            continue;
          for (from = 1; from <= BURST_HOSTS; from++)
            if (g_strcmp0 (event->id, fixture->hosts[from].id) == 0)
              break;
          g_assert_cmpuint (from, <=, BURST_HOSTS);
          g_assert_cmpuint (from, !=, to);
          g_assert_cmpuint (next[from], <, BURST_MESSAGES);
          expected = burst_payload (from, to, next[from]);
          g_assert_cmpmem (g_bytes_get_data (event->payload, NULL), g_bytes_get_size (event->payload),
                           g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
          next[from]++;
        }
      for (from = 1; from <= BURST_HOSTS; from++)
        g_assert_cmpuint (next[from], ==, from == to ? 0 : BURST_MESSAGES);
    }
  g_free (burst.first_error);
}

/* ---- shoal doctor, and what shoald says by itself: helpers ---- */

/* Runs `shoal doctor [--json]` on @host as a person there would; returns
 * its exit status and its output. */
static gint
host_doctor (Host      *host,
             gboolean   json,
             gchar    **out)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                         G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Communication communication = { FALSE, NULL };

  /* UTF-8 whatever the test's own locale, untranslated. */
  process = g_subprocess_launcher_spawn (launcher, &error, lan_path, "run", host->name, "env",
                                         "LC_ALL=C.UTF-8", "LANGUAGE=", shoal_path, "doctor",
                                         json ? "--json" : NULL, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, &communication);
  while (!communication.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (shoal_test_wait_exit (process, COMMAND_TIMEOUT_MS));
  *out = communication.output != NULL ? communication.output : g_strdup ("");
  g_test_message ("shoal doctor on %s (exit %d):\n%s", host->name,
                  g_subprocess_get_exit_status (process), *out);
  return g_subprocess_get_exit_status (process);
}

typedef struct
{
  Host        *host;
  const gchar *needle;
} DoctorWait;

static gboolean
doctor_says (gpointer user_data)
{
  DoctorWait *wait = user_data;
  g_autofree gchar *out = NULL;

  host_doctor (wait->host, FALSE, &out);
  return strstr (out, wait->needle) != NULL;
}

/* Waits until `shoal doctor` on @host says @needle; returns its output then. */
static gchar *
wait_doctor_says (Host        *host,
                  const gchar *needle)
{
  DoctorWait wait = { host, needle };
  gchar *out = NULL;

  if (!wait_until (doctor_says, &wait, MESH_TIMEOUT_MS))
    {
      host_dump_log (host);
      g_error ("shoal doctor on %s never said: %s", host->name, needle);
    }
  host_doctor (host, FALSE, &out);
  return out;
}

/* How many lines of @host's shoald log hold @needle. */
static guint
log_count (Host        *host,
           const gchar *needle)
{
  g_autofree gchar *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint count = 0;

  if (!g_file_get_contents (host->log, &contents, NULL, NULL))
    return 0;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], needle) != NULL)
      count++;
  return count;
}

typedef struct
{
  Host        *host;
  const gchar *needle;
} LogWait;

static gboolean
log_has (gpointer user_data)
{
  LogWait *wait = user_data;

  return log_count (wait->host, wait->needle) > 0;
}

typedef struct
{
  Host        *host;
  const gchar *needle;
  guint        count;
} LogCountWait;

static gboolean
log_reached (gpointer user_data)
{
  LogCountWait *wait = user_data;

  return log_count (wait->host, wait->needle) >= wait->count;
}

/* Waits until @host's log has @count lines with @needle. */
static void
wait_log_count (Host        *host,
                const gchar *needle,
                guint        count)
{
  LogCountWait wait = { host, needle, count };

  if (!wait_until (log_reached, &wait, MESH_TIMEOUT_MS))
    {
      host_dump_log (host);
      g_error ("shoald on %s logged “%s” %u times, not %u", host->name, needle,
               log_count (host, needle), count);
    }
}

static void
wait_log_says (Host        *host,
               const gchar *needle,
               guint        timeout_ms)
{
  LogWait wait = { host, needle };

  if (!wait_until (log_has, &wait, timeout_ms))
    {
      host_dump_log (host);
      g_error ("shoald on %s never logged: %s", host->name, needle);
    }
}

/* Gives @host a network key file of its own, private as shoald wants it,
 * and the options that use it. */
static void
host_use_network_key (Host        *host,
                      const gchar *key)
{
  g_autofree gchar *path = g_strdup_printf ("%s/network-key", host->dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) options = g_strv_builder_new ();

  g_file_set_contents_full (path, key, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  g_strv_builder_add_many (options, "--trust-policy", "network-key",
                           "--network-key-file", path, NULL);
  g_clear_pointer (&host->options, g_strfreev);
  host->options = g_strv_builder_end (options);
}

static gboolean
log_says (Host        *host,
          const gchar *needle)
{
  g_autofree gchar *contents = NULL;

  return g_file_get_contents (host->log, &contents, NULL, NULL) && strstr (contents, needle) != NULL;
}

static gboolean
fourth_says_why (gpointer user_data)
{
  Fixture *fixture = user_data;

  return log_says (&fixture->hosts[4], "network key");
}

static void
test_network_key (Fixture       *fixture,
                  gconstpointer  user_data)
{
  static const gchar ours[] = "5ba1d0c0ffee5ba1d0c0ffee5ba1d0c0ffee5ba1d0c0ffee5ba1d0c0ffee0001\n";
  static const gchar theirs[] = "0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de\n";
  Host *h4 = &fixture->hosts[4];
  gboolean others_say_why = FALSE;
  Mesh mesh;
  guint i, j;

  g_test_summary ("Three hosts that share a network key form their mesh over TLS with no "
                  "other configuration; a fourth host with another key is found by mDNS "
                  "but never links up, both sides log why, and shoal doctor on each side "
                  "names the network key for every peer that stays out");
  if (fail_if_unable ())
    return;

  for (i = 1; i <= 4; i++)
    host_use_network_key (&fixture->hosts[i], i < 4 ? ours : theirs);
  start_hosts (fixture, 1, 4);
  mesh_init (&mesh, fixture, 1, 3);
  mesh_wait (&mesh);

  if (!wait_until (fourth_says_why, fixture, MESH_TIMEOUT_MS))
    {
      fixture_dump_logs (fixture);
      g_error ("h4 never logged why it stays out");
    }
  /* Time for any wrong link to show, and for redials to be refused too. */
  iterate_for (2000);
  drain_signals ();

  for (i = 1; i <= 3; i++)
    {
      Host *host = &fixture->hosts[i];
      PeerView view;

      peer_view (host, h4->id, &view);
      g_assert_false (view.connected);
      g_strfreev (view.addresses);
      g_assert_cmpuint (count_events (host, EVENT_CONNECTED, h4->id), ==, 0);
      others_say_why = others_say_why || log_says (host, "network key");

      peer_view (h4, host->id, &view);
      g_assert_false (view.connected);
      g_strfreev (view.addresses);
    }
  g_assert_cmpuint (count_events (h4, EVENT_CONNECTED, NULL), ==, 0);
  g_assert_true (others_say_why);

  /* The three are still one mesh, each with its two peers alone connected. */
  for (i = 1; i <= 3; i++)
    for (j = 1; j <= 3; j++)
      if (i != j)
        g_assert_cmpuint (count_events (&fixture->hosts[i], EVENT_DISCONNECTED,
                                        fixture->hosts[j].id), ==, 0);
  g_assert_true (mesh_complete (&mesh));

  /* shoal doctor names the key, for each peer that stays out. */
  for (i = 1; i <= 3; i++)
    {
      Host *host = &fixture->hosts[i];
      g_autofree gchar *h4_line = g_strdup_printf ("problem: peer h4 (%s) is not linked: not "
                                                   "trusted: the peer holds another network key "
                                                   "— the two machines do not hold the same "
                                                   "network key", h4->id);
      g_autofree gchar *host_line = g_strdup_printf ("problem: peer %s (%s) is not linked: not "
                                                     "trusted: the peer holds another network "
                                                     "key — ", host->name, host->id);
      g_autofree gchar *out = wait_doctor_says (host, h4_line);

      g_free (out);
      out = wait_doctor_says (h4, host_line);
      g_clear_pointer (&out, g_free);
      g_assert_cmpint (host_doctor (h4, FALSE, &out), ==, 1);
    }
}

/* ---- shoal doctor ---- */

static void
test_doctor_healthy (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(JsonParser) parser = NULL;
  Mesh mesh;
  guint i;

  g_test_summary ("On a healthy mesh of three hosts, shoal doctor on each says ok on every "
                  "line, avahi-daemon running, the node announced under its name, the two "
                  "other services seen and both peers linked, and exits 0 (--json too); no "
                  "shoald spoke of an unreachable peer or of its id elsewhere");
  if (fail_if_unable ())
    return;

  start_hosts (fixture, 1, 3);
  mesh_init (&mesh, fixture, 1, 3);
  mesh_wait (&mesh);

  for (i = 1; i <= 3; i++)
    {
      Host *host = &fixture->hosts[i];
      g_autofree gchar *out = NULL;
      /* The instance name is the node's name and its id (PROTOCOL.md §15). */
      g_autofree gchar *announced = g_strdup_printf ("ok: this node is announced over mDNS as "
                                                     "“%s %s” (port ", host->name, host->id);
      g_auto(GStrv) lines = NULL;

      /* The mesh is up: the records of both others are in. */
      g_free (wait_doctor_says (host, "ok: 2 other Shoal services are seen over mDNS"));
      g_assert_cmpint (host_doctor (host, FALSE, &out), ==, 0);
      lines = g_strsplit (out, "\n", -1);
      for (guint j = 0; lines[j] != NULL && lines[j][0] != '\0'; j++)
        g_assert_true (g_str_has_prefix (lines[j], "ok: "));
      g_assert_true (g_str_has_prefix (lines[0], "ok: shoald "));
      g_assert_true (g_str_has_prefix (lines[1], "ok: avahi-daemon (avahi "));
      g_assert_nonnull (strstr (lines[1], ") is running, as host "));
      g_assert_true (g_str_has_prefix (lines[2], announced));
      g_assert_true (g_str_has_prefix (lines[3], "ok: interfaces up with multicast: eth0 ("));
      g_assert_nonnull (strstr (lines[3], "; Shoal uses eth0"));
      g_assert_cmpstr (lines[4], ==, "ok: 2 other Shoal services are seen over mDNS");
      g_assert_cmpstr (lines[5], ==, "ok: no other machine shows this node’s id");
      g_assert_cmpstr (lines[6], ==, "ok: all 2 known peers are linked");
      g_assert_true (g_str_has_prefix (lines[7], "ok: listening on TCP port "));
      g_assert_nonnull (strstr (lines[7], ", on every address"));
      g_assert_cmpstr (lines[8], ==, "");

      g_clear_pointer (&out, g_free);
      g_assert_cmpint (host_doctor (host, TRUE, &out), ==, 0);
      g_clear_object (&parser);
      parser = json_parser_new ();
      g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
      g_assert_true (json_object_get_boolean_member (json_node_get_object (json_parser_get_root (parser)),
                                                     "ok"));

      g_assert_cmpuint (log_count (host, "Cannot link up"), ==, 0);
      g_assert_cmpuint (log_count (host, "own id"), ==, 0);
    }
}

static void
test_doctor_avahi_stopped (Fixture       *fixture,
                           gconstpointer  data)
{
  static const gchar waiting[] = "avahi-daemon is not running";
  static const gchar gone[] = "avahi-daemon went away";
  Host *h1 = &fixture->hosts[1];
  g_autofree gchar *out = NULL;
  Mesh mesh;

  g_test_summary ("A host whose avahi-daemon is stopped: its shoald says once that it waits "
                  "for avahi-daemon, however long it waits; shoal doctor there names "
                  "avahi-daemon and says the node is not announced, exit 1. Once avahi-daemon "
                  "is back the mesh forms and doctor exits 0; stopped again, shoald says so "
                  "once more, once");
  if (fail_if_unable ())
    return;

  lan ("avahi-stop", h1->name, NULL);
  start_hosts (fixture, 1, 2);

  out = wait_doctor_says (h1, "problem: avahi-daemon is not reachable: it is not on the system "
                              "bus — install and start it");
  g_assert_nonnull (strstr (out, "problem: this node is not announced: shoald cannot reach "
                                 "avahi-daemon — "));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (host_doctor (h1, FALSE, &out), ==, 1);
  /* Longer than shoald's retry pauses: still one line. */
  iterate_for (7000);
  g_assert_cmpuint (log_count (h1, waiting), ==, 1);

  lan ("avahi-start", h1->name, NULL);
  mesh_init (&mesh, fixture, 1, 2);
  mesh_wait (&mesh);
  g_clear_pointer (&out, g_free);
  g_free (wait_doctor_says (h1, "ok: 1 other Shoal service is seen over mDNS"));
  g_assert_cmpint (host_doctor (h1, FALSE, &out), ==, 0);

  lan ("avahi-stop", h1->name, NULL);
  wait_log_says (h1, gone, MESH_TIMEOUT_MS);
  iterate_for (7000);
  g_assert_cmpuint (log_count (h1, gone), ==, 1);
  g_assert_cmpuint (log_count (h1, waiting), ==, 1);
}

static void
test_doctor_multicast_blocked (Fixture       *fixture,
                               gconstpointer  data)
{
  static const gchar filtered[] = "problem: no other Shoal service is seen over mDNS, while this "
                                  "node’s own is: multicast is likely filtered on this network";
  guint i;

  g_test_summary ("When the switch passes no multicast, each host's avahi-daemon still runs and "
                  "announces its node, but no other Shoal service is ever seen: shoal doctor "
                  "says multicast is likely filtered, exit 1, and no link comes up");
  if (fail_if_unable ())
    return;

  lan ("multicast-off", "all", NULL);
  start_hosts (fixture, 1, 3);

  for (i = 1; i <= 3; i++)
    g_free (wait_doctor_says (&fixture->hosts[i], "ok: this node is announced over mDNS as "));
  /* On an open network the others' services are seen within a second or
   * two of their announcement: give them more. */
  iterate_for (4000);

  for (i = 1; i <= 3; i++)
    {
      Host *host = &fixture->hosts[i];
      g_autofree gchar *out = NULL;

      g_assert_cmpint (host_doctor (host, FALSE, &out), ==, 1);
      g_assert_nonnull (strstr (out, filtered));
      g_assert_nonnull (strstr (out, "ok: avahi-daemon (avahi "));
      g_assert_nonnull (strstr (out, " — let mDNS through (UDP port 5353"));
    }
  drain_signals ();
  for (i = 1; i <= 3; i++)
    g_assert_cmpuint (count_events (&fixture->hosts[i], EVENT_CONNECTED, NULL), ==, 0);
}

/* `shoal-test-node --watch` on @host announcing a node on a port where
 * nothing listens; returns its id. */
static GSubprocess *
start_ghost (Host   *host,
             gchar **id)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *line = NULL;
  g_auto(GStrv) words = NULL;
  GSubprocess *ghost;

  ghost = g_subprocess_launcher_spawn (launcher, &error, lan_path, "run", host->name,
                                       test_node_path, "--watch", "--name", "ghost",
                                       "--port", "9", NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (ghost));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  words = g_strsplit (line, " ", -1);
  g_assert_cmpstr (words[0], ==, "ready");
  *id = g_strdup (words[1]);
  return ghost;
}

static void
test_speak_up (Fixture       *fixture,
               gconstpointer  data)
{
  Host *h1 = &fixture->hosts[1];
  Host *h2 = &fixture->hosts[2];
  Host *h3 = &fixture->hosts[3];
  g_autoptr(GSubprocess) ghost = NULL;
  g_autofree gchar *ghost_id = NULL;
  g_autofree gchar *unreachable = NULL;
  g_autofree gchar *not_linked = NULL;
  g_autofree gchar *copy = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *dialling = NULL;
  g_autofree gchar *h1_address = NULL;
  static const gchar elsewhere[] = "announces this node's own id";

  g_test_summary ("shoald speaks up, once per cause: h2 runs on a copy of h1's state directory, "
                  "and each says that another machine announces its own id and what to do, "
                  "and again once when h2 dials h1 and TLS proves the same id at both ends; a "
                  "node announced on a port where nothing listens cannot be reached, and both say "
                  "so once after five failed dials, with the reason, however often they dial "
                  "again; shoal doctor on h1 names both problems");
  if (fail_if_unable ())
    return;

  ghost = start_ghost (h3, &ghost_id);
  host_start_and_wait (fixture, h1);
  copy = g_strdup_printf ("cp -a %s/state %s/state", h1->dir, h2->dir);
  g_assert_true (g_spawn_command_line_sync (copy, NULL, NULL, NULL, NULL));
  /* h2 also dials h1's address: TLS proves the same id at both ends. */
  h1_address = g_strdup_printf ("192.0.2.1:%u", host_get_port (h1));
  h2->options = g_strdupv ((gchar *[]) { "--peer", h1_address, NULL });
  host_start_and_wait (fixture, h2);
  g_assert_cmpstr (h2->id, ==, h1->id);

  unreachable = g_strdup_printf ("Cannot link up with peer %s (ghost): ", ghost_id);
  wait_log_says (h1, unreachable, MESH_TIMEOUT_MS);
  wait_log_says (h2, unreachable, MESH_TIMEOUT_MS);
  wait_log_says (h1, elsewhere, MESH_TIMEOUT_MS);
  wait_log_says (h2, elsewhere, MESH_TIMEOUT_MS);
  wait_log_says (h1, "A machine at 192.0.2.2 proves this node's own id", MESH_TIMEOUT_MS);
  wait_log_says (h2, "A machine at 192.0.2.1 proves this node's own id", MESH_TIMEOUT_MS);

  not_linked = g_strdup_printf ("problem: peer ghost (%s) is not linked: connection refused: ",
                                ghost_id);
  out = wait_doctor_says (h1, not_linked);
  g_assert_nonnull (strstr (out, " — nothing listens at its address"));
  g_assert_nonnull (strstr (out, "problem: another machine, at "));
  g_assert_nonnull (strstr (out, "shows this node’s own id: its state directory was copied "
                                 "from this one — give that machine a state directory of its own"));
  g_assert_nonnull (strstr (out, "ok: 2 other Shoal services are seen over mDNS"));

  /* The sixth failed dial comes about 8 s after the fifth. */
  dialling = g_strdup_printf ("Dialling %s ", ghost_id);
  wait_log_count (h1, dialling, 6);
  wait_log_count (h2, dialling, 6);
  iterate_for (1000);
  g_assert_cmpuint (log_count (h1, unreachable), ==, 1);
  g_assert_cmpuint (log_count (h2, unreachable), ==, 1);
  g_assert_cmpuint (log_count (h1, "dials in a row failed, the last one because: connection "
                                   "refused"), ==, 1);
  g_assert_cmpuint (log_count (h1, elsewhere), ==, 1);
  g_assert_cmpuint (log_count (h2, elsewhere), ==, 1);
  g_assert_cmpuint (log_count (h1, "proves this node's own id"), ==, 1);
  g_assert_cmpuint (log_count (h2, "proves this node's own id"), ==, 1);

  g_subprocess_send_signal (ghost, SIGTERM);
  shoal_test_wait_exit (ghost, STOP_TIMEOUT_MS);
}

static void
test_no_interface (Fixture       *fixture,
                   gconstpointer  data)
{
  static const gchar none[] = "No network interface is up with multicast";
  static const gchar back[] = "A network interface with multicast is up";
  Host *h1 = &fixture->hosts[1];
  g_autofree gchar *out = NULL;

  g_test_summary ("A host whose only network interface is down: shoald says once that mDNS "
                  "can reach no one, and shoal doctor says no interface is up with multicast, "
                  "exit 1; when the interface comes up, shoald says so and doctor is content "
                  "with the interfaces");
  if (fail_if_unable ())
    return;

  lan ("run", h1->name, "ip", "link", "set", "eth0", "down", NULL);
  host_start_and_wait (fixture, h1);
  wait_log_says (h1, none, MESH_TIMEOUT_MS);
  out = wait_doctor_says (h1, "problem: no network interface is up with multicast, loopback "
                              "aside — connect this machine to a network");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (host_doctor (h1, FALSE, &out), ==, 1);

  lan ("run", h1->name, "ip", "link", "set", "eth0", "up", NULL);
  wait_log_says (h1, back, MESH_TIMEOUT_MS);
  g_clear_pointer (&out, g_free);
  out = wait_doctor_says (h1, "ok: interfaces up with multicast: eth0 (");
  g_assert_cmpuint (log_count (h1, none), ==, 1);
  g_assert_cmpuint (log_count (h1, back), ==, 1);
}

/* Runs @argv to its end; returns its exit status, and its stderr in @err. */
static gint
run_quietly (const gchar * const *argv,
             gchar              **err)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                         G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (process);
}

static void
test_no_netns (void)
{
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "lan-no-root-mount.sh", NULL);
  g_autofree gchar *tree = g_test_build_filename (G_TEST_DIST, "..", NULL);
  g_autofree gchar *canonical_tree = NULL;
  g_autofree gchar *canonical_lan = NULL;
  g_autofree gchar *dir = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *check[] = { lan_path, "check", NULL };

  g_test_summary ("Where ip netns can work, tools/lan check says nothing; where it cannot "
                  "(/ is not a mount point, as in a chroot or some containers), tools/lan up "
                  "says why in one line instead of iproute2's \"mount --make-rslave / failed\", "
                  "and leaves nothing behind");
  if (fail_if_unable ())
    return;

  g_assert_cmpint (run_quietly (check, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&err, g_free);

  canonical_tree = g_canonicalize_filename (tree, NULL);
  canonical_lan = g_canonicalize_filename (lan_path, NULL);
  dir = g_dir_make_tmp ("shoal-no-netns-XXXXXX", &error);
  g_assert_no_error (error);
  {
    const gchar *up[] = { "unshare", "-m", "--propagation", "private", "sh", script, dir,
                          canonical_tree, canonical_lan, "up", "1", NULL };

    g_assert_cmpint (run_quietly (up, &err), ==, 1);
  }
  g_test_message ("tools/lan up without a root mount: %s", err);
  g_assert_true (g_str_has_prefix (err, "tools/lan: ip netns cannot work here: / is not a mount "
                                        "point"));
  g_assert_nonnull (strstr (err, "(ip said: "));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  const gchar *builddir;
  gboolean tap = FALSE;
  /* Unless a parent test set it, g_test_init() makes the directory it
   * names, and only g_test_run() removes it. */
  gboolean own_test_tmpdir = g_getenv ("G_TEST_TMPDIR") == NULL;
  int status;
  int i;

  /* g_test_init takes --tap out of argv */
  for (i = 1; i < argc; i++)
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
  test_node_path = g_test_build_filename (G_TEST_BUILT, "shoal-test-node", NULL);

  if (!check_prerequisites ())
    {
      if (g_strcmp0 (g_getenv ("SHOAL_TEST_REQUIRE"), "all") != 0)
        {
          /* Skipping without g_test_run(): leave nothing behind. */
          if (own_test_tmpdir && g_getenv ("G_TEST_TMPDIR") != NULL)
            g_rmdir (g_getenv ("G_TEST_TMPDIR"));
          /* The whole program skips, with its reason: in TAP, an empty plan
           * (meson counts a TAP program's non-zero exit as an error);
           * otherwise the automake convention, exit 77. */
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

  g_test_add_func ("/lan/no-netns", test_no_netns);
  g_test_add ("/lan/doctor/healthy", Fixture, &lan_three,
              fixture_set_up, test_doctor_healthy, fixture_tear_down);
  g_test_add ("/lan/doctor/avahi-stopped", Fixture, &lan_two,
              fixture_set_up, test_doctor_avahi_stopped, fixture_tear_down);
  g_test_add ("/lan/doctor/multicast-blocked", Fixture, &lan_three,
              fixture_set_up, test_doctor_multicast_blocked, fixture_tear_down);
  g_test_add ("/lan/speak-up", Fixture, &lan_three,
              fixture_set_up, test_speak_up, fixture_tear_down);
  g_test_add ("/lan/speak-up/no-interface", Fixture, &lan_one,
              fixture_set_up, test_no_interface, fixture_tear_down);
  g_test_add ("/lan/three-hosts", Fixture, &lan_three,
              fixture_set_up, test_three_hosts, fixture_tear_down);
  g_test_add ("/lan/eight-hosts", Fixture, &lan_eight,
              fixture_set_up, test_eight_hosts, fixture_tear_down);
  g_test_add ("/lan/leave-join", Fixture, &lan_four,
              fixture_set_up, test_leave_join, fixture_tear_down);
  g_test_add ("/lan/dual-homed", Fixture, &lan_dual,
              fixture_set_up, test_dual_homed, fixture_tear_down);
  g_test_add ("/lan/ipv6-only", Fixture, &lan_ipv6_only,
              fixture_set_up, test_ipv6_only, fixture_tear_down);
  g_test_add ("/lan/many-messages", Fixture, &lan_four,
              fixture_set_up, test_many_messages, fixture_tear_down);
  g_test_add ("/lan/network-key", Fixture, &lan_four,
              fixture_set_up, test_network_key, fixture_tear_down);

  status = g_test_run ();
  stop_janitor ();
  g_free (lan_path);
  g_free (lan_prefix);
  g_free (lan_root);
  g_free (shoald_path);
  g_free (shoal_path);
  g_free (test_node_path);
  g_free (missing_reason);
  return status;
}
