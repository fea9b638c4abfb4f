/* shoal-test-lan-host.c: shoald on one host of a namespace LAN, for the lan suites
 *
 * A host is a network namespace of tools/lan with its own session bus. The
 * buses listen on unix sockets in the file system, so the test reaches every
 * host's bus from the root namespace, and records each signal its shoald
 * sends, as a script on that host would see it. shoald and shoal run in the
 * host with `tools/lan run`.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include "shoal-test-lan-host.h"

#define BUS_NAME SHOAL_TEST_LAN_BUS_NAME
#define OBJECT_PATH SHOAL_TEST_LAN_OBJECT_PATH
#define INTERFACE SHOAL_TEST_LAN_INTERFACE

static void
event_free (ShoalTestLanEvent *event)
{
  g_free (event->id);
  g_free (event->text);
  g_free (event->group);
  g_clear_pointer (&event->payload, g_bytes_unref);
  g_free (event);
}

/* What signal_cb() records, as ShoalTestLanEvents. */
static const gchar * const recorded_signals[] = {
  "PeerConnected", "PeerDisconnected", "MessageReceived",
};
G_STATIC_ASSERT (G_N_ELEMENTS (recorded_signals) ==
                 G_N_ELEMENTS (((ShoalTestLanHost *) NULL)->subscriptions));

static void
signal_cb (GDBusConnection *connection,
           const gchar     *sender,
           const gchar     *path,
           const gchar     *interface,
           const gchar     *member,
           GVariant        *parameters,
           gpointer         user_data)
{
  ShoalTestLanHost *host = user_data;
  ShoalTestLanEvent *event = g_new0 (ShoalTestLanEvent, 1);

  event->time = g_get_monotonic_time ();
  if (g_str_equal (member, "PeerConnected") &&
      g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ss)")))
    {
      event->kind = SHOAL_TEST_LAN_EVENT_CONNECTED;
      g_variant_get (parameters, "(ss)", &event->id, &event->text);
    }
  else if (g_str_equal (member, "PeerDisconnected") &&
           g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ss)")))
    {
      event->kind = SHOAL_TEST_LAN_EVENT_DISCONNECTED;
      g_variant_get (parameters, "(ss)", &event->id, &event->text);
    }
  else if (g_str_equal (member, "MessageReceived") &&
           g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(saya{sv})")))
    {
      g_autoptr(GVariant) payload = g_variant_get_child_value (parameters, 1);
      g_autoptr(GVariant) details = g_variant_get_child_value (parameters, 2);
      GVariantDict dict;

      event->kind = SHOAL_TEST_LAN_EVENT_MESSAGE;
      g_variant_get_child (parameters, 0, "s", &event->id);
      event->payload = g_variant_get_data_as_bytes (payload);
      g_variant_dict_init (&dict, details);
      if (!g_variant_dict_lookup (&dict, "broadcast", "b", &event->broadcast))
        event->broadcast = FALSE;
      if (!g_variant_dict_lookup (&dict, "name", "s", &event->text))
        event->text = NULL;
      if (!g_variant_dict_lookup (&dict, "group", "s", &event->group))
        event->group = NULL;
      g_variant_dict_clear (&dict);
    }
  else
    {
      g_free (event);
      return;
    }
  g_ptr_array_add (host->events, event);
}

/**
 * shoal_test_lan_host_init:
 * @host: to fill in
 * @index: 1 for h1
 *
 * Connects to h@index's session bus, which `tools/lan up` has started, and
 * records every signal from shoald there from now on.
 */
void
shoal_test_lan_host_init (ShoalTestLanHost *host,
                          guint             index)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = NULL;

  host->index = index;
  host->name = g_strdup_printf ("h%u", index);
  host->dir = g_strdup_printf ("%s/h%u", shoal_test_lan_root (), index);
  host->events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);

  address = g_strdup_printf ("unix:path=%s/session_bus_socket", host->dir);
  host->bus = g_dbus_connection_new_for_address_sync (address,
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (host->bus, FALSE);
  /* Any sender: shoald's unique name changes with every restart, and only
   * shoald emits on this object on this bus. Only the signals recorded:
   * the bus does not send the rest (MessageDelivered, one per Send), which
   * would double the signals a streaming test handles, and its lag. */
  for (guint i = 0; i < G_N_ELEMENTS (recorded_signals); i++)
    host->subscriptions[i] = g_dbus_connection_signal_subscribe (host->bus, NULL, INTERFACE,
                                                                 recorded_signals[i], OBJECT_PATH,
                                                                 NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                                 signal_cb, host, NULL);
}

/**
 * shoal_test_lan_host_dump_log:
 * @host: a host
 *
 * Prints the end of the log of @host's last shoald, for a test that fails.
 */
void
shoal_test_lan_host_dump_log (ShoalTestLanHost *host)
{
  g_autofree gchar *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint n, i;

  if (host->log == NULL || !g_file_get_contents (host->log, &contents, NULL, NULL))
    return;
  lines = g_strsplit (contents, "\n", -1);
  n = g_strv_length (lines);
  for (i = n > 60 ? n - 60 : 0; i < n; i++)
    if (lines[i][0] != '\0')
      g_test_message ("%s shoald: %s", host->name, lines[i]);
}

/**
 * shoal_test_lan_host_log_count:
 * @host: a host
 * @needle: what to look for
 *
 * Returns: how many lines of the log of @host's last shoald hold @needle
 */
guint
shoal_test_lan_host_log_count (ShoalTestLanHost *host,
                               const gchar      *needle)
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

/**
 * shoal_test_lan_host_set_options:
 * @host: a host
 * @options: (array zero-terminated=1) (nullable): more shoald options
 *
 * Sets what shoald is told besides, from its next start on.
 */
void
shoal_test_lan_host_set_options (ShoalTestLanHost    *host,
                                 const gchar * const *options)
{
  g_clear_pointer (&host->options, g_strfreev);
  host->options = g_strdupv ((gchar **) options);
}

/**
 * shoal_test_lan_host_start:
 * @fixture: the fixture @host is in
 * @host: a host with no shoald running
 *
 * Starts shoald on @host, logging to a file of its own for each start. The
 * GSubprocess is shoald itself (checked in shoal_test_lan_host_wait_ready())
 * since tools/lan run execs all the way down.
 */
void
shoal_test_lan_host_start (ShoalTestLanFixture *fixture,
                           ShoalTestLanHost    *host)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *state_dir = g_strdup_printf ("%s/state", host->dir);
  g_autofree gchar *port = g_strdup_printf ("%u", fixture->port);
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;

  g_assert_null (host->shoald);
  launcher = shoal_test_lan_new_launcher (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_free (host->log);
  host->log = g_strdup_printf ("%s/shoald.%u.log", host->dir, ++host->starts);
  g_subprocess_launcher_set_stdout_file_path (launcher, host->log);
  /* Untranslated and in UTF-8, whatever the test's locale: the tests read
   * its log. env execs shoald, so the pid stays the daemon's. */
  g_strv_builder_add_many (argv, shoal_test_lan_path (), "run", host->name, "env",
                           "LC_ALL=C.UTF-8", "LANGUAGE=", shoal_test_lan_shoald_path (),
                           "--name", host->name, "--bus", "session", "--state-dir", state_dir,
                           "--verbose", NULL);
  if (fixture->port != 0)
    g_strv_builder_add_many (argv, "--port", port, NULL);
  if (host->options != NULL)
    g_strv_builder_addv (argv, (const gchar **) host->options);
  args = g_strv_builder_end (argv);
  host->shoald = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) args, &error);
  g_assert_no_error (error);
  fixture->last_start = g_get_monotonic_time ();
}

/**
 * shoal_test_lan_host_call:
 * @host: a host
 * @method: of org.shoal.Shoal1
 * @parameters: (nullable): its parameters
 * @reply_type: what it returns
 * @error: return location for a #GError
 *
 * Calls @method of shoald on @host, as a script there would.
 *
 * Returns: (transfer full) (nullable): the reply
 */
GVariant *
shoal_test_lan_host_call (ShoalTestLanHost  *host,
                          const gchar       *method,
                          GVariant          *parameters,
                          const gchar       *reply_type,
                          GError           **error)
{
  return g_dbus_connection_call_sync (host->bus, BUS_NAME, OBJECT_PATH, INTERFACE, method,
                                      parameters, G_VARIANT_TYPE (reply_type),
                                      G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                      SHOAL_TEST_LAN_CALL_TIMEOUT_MS, NULL, error);
}

/**
 * shoal_test_lan_host_get:
 * @host: a host
 * @property: of org.shoal.Shoal1
 *
 * Returns: (transfer full) (nullable): its value, or %NULL if shoald on
 *   @host does not answer
 */
GVariant *
shoal_test_lan_host_get (ShoalTestLanHost *host,
                         const gchar      *property)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = g_dbus_connection_call_sync (host->bus, BUS_NAME, OBJECT_PATH,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", INTERFACE, property),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       SHOAL_TEST_LAN_CALL_TIMEOUT_MS, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(v)", &value);
  return value;
}

/**
 * shoal_test_lan_host_get_id:
 * @host: a host
 *
 * Returns: (transfer full) (nullable): the peer id of shoald on @host, or
 *   %NULL if it does not answer
 */
gchar *
shoal_test_lan_host_get_id (ShoalTestLanHost *host)
{
  g_autoptr(GVariant) value = shoal_test_lan_host_get (host, "Id");

  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return NULL;
  return g_variant_dup_string (value, NULL);
}

static gboolean
host_answers (gpointer user_data)
{
  ShoalTestLanHost *host = user_data;
  g_autofree gchar *id = NULL;

  if (g_subprocess_get_identifier (host->shoald) == NULL)
    return TRUE;  /* exited: nothing to wait for */
  id = shoal_test_lan_host_get_id (host);
  return id != NULL && strlen (id) == 32;
}

/**
 * shoal_test_lan_host_wait_ready:
 * @host: a host whose shoald was just started
 *
 * Waits until @host's shoald answers on its bus. Checks that the pid we
 * hold is the one that owns org.shoal.Shoal1, so that signals we send reach
 * shoald and not a wrapper.
 *
 * Returns: (transfer full): its id
 */
gchar *
shoal_test_lan_host_wait_ready (ShoalTestLanHost *host)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *pid;
  guint32 owner_pid;

  if (!shoal_test_lan_wait_until (host_answers, host, SHOAL_TEST_LAN_START_TIMEOUT_MS) ||
      g_subprocess_get_identifier (host->shoald) == NULL)
    {
      shoal_test_lan_host_dump_log (host);
      g_error ("shoald on %s did not come up on its bus within %d ms", host->name,
               SHOAL_TEST_LAN_START_TIMEOUT_MS);
    }

  pid = g_subprocess_get_identifier (host->shoald);
  reply = g_dbus_connection_call_sync (host->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", BUS_NAME), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, SHOAL_TEST_LAN_CALL_TIMEOUT_MS,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &owner_pid);
  g_assert_cmpuint (owner_pid, ==, (guint32) g_ascii_strtoull (pid, NULL, 10));

  return shoal_test_lan_host_get_id (host);
}

/**
 * shoal_test_lan_host_start_and_wait:
 * @fixture: the fixture @host is in
 * @host: a host with no shoald running
 *
 * Starts shoald on @host and waits until it answers; a restart must keep
 * the id it had.
 */
void
shoal_test_lan_host_start_and_wait (ShoalTestLanFixture *fixture,
                                    ShoalTestLanHost    *host)
{
  g_autofree gchar *id = NULL;

  shoal_test_lan_host_start (fixture, host);
  id = shoal_test_lan_host_wait_ready (host);
  if (host->id != NULL)
    g_assert_cmpstr (id, ==, host->id);
  else
    host->id = g_steal_pointer (&id);
}

/**
 * shoal_test_lan_host_stop:
 * @host: a host
 *
 * Stops @host's shoald with SIGTERM and waits for it to exit.
 *
 * Returns: whether it exited on its own with status 0 (a sanitizer build
 *   exits otherwise when shoald leaks or misbehaves on its way out)
 */
gboolean
shoal_test_lan_host_stop (ShoalTestLanHost *host)
{
  gboolean clean;

  if (host->shoald == NULL)
    return TRUE;
  if (g_subprocess_get_identifier (host->shoald) != NULL)
    g_subprocess_send_signal (host->shoald, SIGTERM);
  clean = shoal_test_wait_exit (host->shoald, SHOAL_TEST_LAN_STOP_TIMEOUT_MS);
  if (!clean)
    g_test_message ("shoald on %s did not exit within %d ms of SIGTERM; killed",
                    host->name, SHOAL_TEST_LAN_STOP_TIMEOUT_MS);
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

/**
 * shoal_test_lan_host_clear:
 * @host: a host
 *
 * Stops @host's shoald, failing the test if it does not stop cleanly, and
 * frees what @host holds.
 */
void
shoal_test_lan_host_clear (ShoalTestLanHost *host)
{
  if (host->shoald != NULL && !shoal_test_lan_host_stop (host))
    {
      shoal_test_lan_host_dump_log (host);
      g_test_fail_printf ("shoald on %s did not stop cleanly", host->name);
    }
  if (host->bus != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (host->subscriptions); i++)
        g_dbus_connection_signal_unsubscribe (host->bus, host->subscriptions[i]);
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

/**
 * shoal_test_lan_host_shoal:
 * @host: a host
 * @out: (out) (optional) (transfer full): what it wrote, stdout and stderr
 * @first_arg: the first argument to shoal
 * @...: more, then %NULL
 *
 * Runs `shoal ARGS…` on @host, as a person there would type it, untranslated
 * and in UTF-8 whatever the test's own locale. The main context keeps
 * running meanwhile.
 *
 * Returns: its exit status
 */
gint
shoal_test_lan_host_shoal (ShoalTestLanHost  *host,
                           gchar            **out,
                           const gchar       *first_arg,
                           ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *output = NULL;
  const gchar *arg;
  va_list args;

  launcher = shoal_test_lan_new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                          G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_ptr_array_add (argv, (gpointer) shoal_test_lan_path ());
  g_ptr_array_add (argv, (gpointer) "run");
  g_ptr_array_add (argv, host->name);
  g_ptr_array_add (argv, (gpointer) "env");
  g_ptr_array_add (argv, (gpointer) "LC_ALL=C.UTF-8");
  g_ptr_array_add (argv, (gpointer) "LANGUAGE=");
  g_ptr_array_add (argv, (gpointer) shoal_test_lan_shoal_path ());
  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_test_lan_communicate (process, SHOAL_TEST_LAN_COMMAND_TIMEOUT_MS, &output));
  g_assert_true (shoal_test_wait_exit (process, SHOAL_TEST_LAN_COMMAND_TIMEOUT_MS));
  g_test_message ("shoal %s on %s (exit %d):\n%s", first_arg, host->name,
                  g_subprocess_get_exit_status (process), output);
  if (out != NULL)
    *out = g_steal_pointer (&output);
  return g_subprocess_get_exit_status (process);
}

/* ---- signals ---- */

/**
 * shoal_test_lan_count_events:
 * @host: a host
 * @kind: which signal
 * @id: (nullable): the peer it is about, or %NULL for any
 *
 * Returns: how many such signals @host has seen
 */
guint
shoal_test_lan_count_events (ShoalTestLanHost      *host,
                             ShoalTestLanEventKind  kind,
                             const gchar           *id)
{
  guint count = 0;

  for (guint i = 0; i < host->events->len; i++)
    {
      ShoalTestLanEvent *event = g_ptr_array_index (host->events, i);

      if (event->kind == kind && (id == NULL || g_strcmp0 (event->id, id) == 0))
        count++;
    }
  return count;
}

typedef struct
{
  ShoalTestLanHost      *host;
  ShoalTestLanEventKind  kind;
  const gchar           *id;
  guint                  from;    /* first event index to look at */
  ShoalTestLanEvent     *found;
} EventWait;

static gboolean
event_arrived (gpointer user_data)
{
  EventWait *wait = user_data;

  for (guint i = wait->from; i < wait->host->events->len; i++)
    {
      ShoalTestLanEvent *event = g_ptr_array_index (wait->host->events, i);

      if (event->kind == wait->kind && g_strcmp0 (event->id, wait->id) == 0)
        {
          wait->found = event;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * shoal_test_lan_wait_event:
 * @host: a host
 * @kind: which signal
 * @id: the peer it is about
 * @from: the first event index to look at
 * @timeout_ms: how long to wait at the most
 *
 * Waits for a signal of @kind about @id on @host at or after event index
 * @from.
 *
 * Returns: (transfer none) (nullable): the signal, or %NULL if none came
 */
ShoalTestLanEvent *
shoal_test_lan_wait_event (ShoalTestLanHost      *host,
                           ShoalTestLanEventKind  kind,
                           const gchar           *id,
                           guint                  from,
                           guint                  timeout_ms)
{
  EventWait wait = { host, kind, id, from, NULL };

  shoal_test_lan_wait_until (event_arrived, &wait, timeout_ms);
  return wait.found;
}

/**
 * shoal_test_lan_wait_message:
 * @host: a host
 * @id: the sender
 * @from: the first event index to look at
 * @broadcast: (out) (optional): whether it was broadcast
 *
 * Returns: (transfer none) (nullable): the payload of the first message from
 *   @id at or after event @from, or %NULL if none came
 */
GBytes *
shoal_test_lan_wait_message (ShoalTestLanHost *host,
                             const gchar      *id,
                             guint             from,
                             gboolean         *broadcast)
{
  ShoalTestLanEvent *event = shoal_test_lan_wait_event (host, SHOAL_TEST_LAN_EVENT_MESSAGE, id,
                                                        from, SHOAL_TEST_LAN_DELIVERY_TIMEOUT_MS);

  if (event == NULL)
    return NULL;
  if (broadcast != NULL)
    *broadcast = event->broadcast;
  return event->payload;
}

/**
 * shoal_test_lan_drain_signals:
 *
 * Dispatches every signal already received. A synchronous call returns its
 * reply while the signals that came before it still wait in the main
 * context: after a call to each host, this brings in every signal its
 * shoald sent before answering.
 */
void
shoal_test_lan_drain_signals (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/**
 * shoal_test_lan_messages_from:
 * @host: a host
 * @id: the sender's id
 * @from: the index in @host's events to start at
 *
 * Returns: (transfer container) (element-type ShoalTestLanEvent): @host's
 *   MessageReceived signals from @id since @from, in order
 */
GPtrArray *
shoal_test_lan_messages_from (ShoalTestLanHost *host,
                              const gchar      *id,
                              guint             from)
{
  GPtrArray *messages = g_ptr_array_new ();

  for (guint i = from; i < host->events->len; i++)
    {
      ShoalTestLanEvent *event = g_ptr_array_index (host->events, i);

      if (event->kind == SHOAL_TEST_LAN_EVENT_MESSAGE && g_strcmp0 (event->id, id) == 0)
        g_ptr_array_add (messages, event);
    }
  return messages;
}

typedef struct
{
  ShoalTestLanHost *host;
  const gchar      *id;
  guint             from;
  guint             count;
} MessagesWait;

static gboolean
messages_arrived (gpointer user_data)
{
  MessagesWait *wait = user_data;
  g_autoptr(GPtrArray) messages = shoal_test_lan_messages_from (wait->host, wait->id, wait->from);

  return messages->len >= wait->count;
}

/**
 * shoal_test_lan_wait_messages:
 * @host: a host
 * @id: the sender's id
 * @from: the index in @host's events to start at
 * @count: how many messages to wait for
 *
 * Returns: (transfer container) (element-type ShoalTestLanEvent): the
 *   messages from @id since @from, once there are at least @count, or
 *   %NULL after SHOAL_TEST_LAN_DELIVERY_TIMEOUT_MS
 */
GPtrArray *
shoal_test_lan_wait_messages (ShoalTestLanHost *host,
                              const gchar      *id,
                              guint             from,
                              guint             count)
{
  MessagesWait wait = { host, id, from, count };

  if (!shoal_test_lan_wait_until (messages_arrived, &wait, SHOAL_TEST_LAN_DELIVERY_TIMEOUT_MS))
    return NULL;
  return shoal_test_lan_messages_from (host, id, from);
}

/**
 * shoal_test_lan_stream_while:
 * @tool: a running `tools/lan` command, a cut of some kind
 * @from: the host that sends
 * @to: the host it sends to
 * @prefix: each message is "@prefix N", N counting from 0
 * @interval_ms: how long between two
 *
 * Has @from Send to @to, from before @tool's cut to its end, so that the
 * link has data in flight throughout; returns once @tool has exited.
 *
 * Returns: (transfer full) (element-type gint64): when each message was
 *   sent, on the monotonic clock, in order
 */
GArray *
shoal_test_lan_stream_while (GSubprocess      *tool,
                             ShoalTestLanHost *from,
                             ShoalTestLanHost *to,
                             const gchar      *prefix,
                             guint             interval_ms)
{
  GArray *sent = g_array_new (FALSE, FALSE, sizeof (gint64));

  /* The identifier goes once the main loop has reaped the process. */
  while (g_subprocess_get_identifier (tool) != NULL)
    {
      g_autofree gchar *text = g_strdup_printf ("%s %u", prefix, sent->len);
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) reply = NULL;
      GVariant *payload = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, text, strlen (text), 1);
      gint64 now = g_get_monotonic_time ();

      g_array_append_val (sent, now);
      reply = shoal_test_lan_host_call (from, "Send", g_variant_new ("(s@ay)", to->id, payload),
                                        "(t)", &error);
      g_assert_no_error (error);
      shoal_test_lan_iterate_for (interval_ms);
    }
  g_assert_true (shoal_test_wait_exit (tool, SHOAL_TEST_LAN_COMMAND_TIMEOUT_MS));
  g_assert_true (g_subprocess_get_successful (tool));
  return sent;
}

/**
 * shoal_test_lan_wait_stream:
 * @to: the host sent to
 * @from: the host that sent
 * @cursor: the index in @to's events to start at
 * @prefix: what shoal_test_lan_stream_while() was given
 * @count: how many it sent
 *
 * Waits for what shoal_test_lan_stream_while() sent and checks it came
 * whole: every message once, in order, byte for byte.
 *
 * Returns: (transfer container) (element-type ShoalTestLanEvent): the
 *   messages, in the order they came
 */
GPtrArray *
shoal_test_lan_wait_stream (ShoalTestLanHost *to,
                            ShoalTestLanHost *from,
                            guint             cursor,
                            const gchar      *prefix,
                            guint             count)
{
  GPtrArray *messages = shoal_test_lan_wait_messages (to, from->id, cursor, count);

  g_assert_nonnull (messages);
  g_assert_cmpuint (messages->len, ==, count);
  for (guint i = 0; i < messages->len; i++)
    {
      ShoalTestLanEvent *event = g_ptr_array_index (messages, i);
      g_autofree gchar *text = g_strdup_printf ("%s %u", prefix, i);

      g_assert_cmpmem (g_bytes_get_data (event->payload, NULL), g_bytes_get_size (event->payload),
                       text, strlen (text));
    }
  return messages;
}
