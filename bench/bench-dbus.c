/* bench-dbus.c: the D-Bus path, against bare GDBus on the same bus
 *
 *   echo-service   a tiny GDBus service: Nop() does nothing, Emit(u, u)
 *                  sends that many Payload signals (MessageReceived's
 *                  signature, with a payload of that many bytes);
 *                  the baseline for both measurements below
 *   calls          method calls per second with a fixed number in flight:
 *                  Nop() on the echo service, or shoald's Send(s, ay)
 *   signals        signals per second a subscriber receives: the echo
 *                  service's Payload, or shoald's MessageReceived
 *   probe          shoald's ListPeers ten times a second from one connection,
 *                  until stdin closes: how long a script already on the bus
 *                  waits for an answer (the flood bench runs it)
 *
 * Everything talks to the session bus from DBUS_SESSION_BUS_ADDRESS, which
 * tools/bench points at a private dbus-daemon. Measuring commands print one
 * JSON object; the service and a subscriber print a line once ready.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gio/gio.h>

#define ECHO_NAME "org.shoal.BenchEcho"
#define ECHO_PATH "/org/shoal/BenchEcho"
#define ECHO_IFACE "org.shoal.BenchEcho"

#define SHOAL_NAME "org.shoal.Shoal1"
#define SHOAL_PATH "/org/shoal/Shoal1"
#define SHOAL_IFACE "org.shoal.Shoal1"

#define WAIT_TIMEOUT_US (60 * G_USEC_PER_SEC)

static const gchar echo_xml[] =
  "<node>"
  "  <interface name='" ECHO_IFACE "'>"
  "    <method name='Nop'/>"
  "    <method name='Emit'>"
  "      <arg type='u' name='count' direction='in'/>"
  "      <arg type='u' name='size' direction='in'/>"
  "    </method>"
  "    <signal name='Payload'>"
  "      <arg type='ay' name='payload'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

static GVariant *
make_payload (gsize size)
{
  g_autofree guint8 *data = g_malloc (MAX (size, 1));

  memset (data, 0x5a, size);
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, size, 1);
}

static GDBusConnection *
get_bus (void)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

  if (bus == NULL)
    g_error ("session bus: %s", error->message);
  return bus;
}

static gboolean
stdin_closed_cb (gint fd,
                 GIOCondition condition,
                 gpointer user_data)
{
  GMainLoop *loop = user_data;
  gchar buf[256];
  gssize n = read (fd, buf, sizeof buf);

  if (n > 0 || (n < 0 && errno == EINTR))
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* echo-service */

/* The baseline signal has MessageReceived's shape and size: a peer id, the
 * payload, and the same details shoald attaches. */
#define FAKE_PEER_ID "0123456789abcdef0123456789abcdef"

static GVariant *
make_details (void)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  g_variant_builder_add (&builder, "{sv}", "broadcast", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string ("blast"));
  return g_variant_builder_end (&builder);
}

static void
echo_method_call (GDBusConnection *connection,
                  const gchar *sender,
                  const gchar *object_path,
                  const gchar *interface_name,
                  const gchar *method_name,
                  GVariant *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer user_data)
{
  if (g_str_equal (method_name, "Nop"))
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method_name, "Emit"))
    {
      guint32 count, size, i;
      g_autoptr(GVariant) payload = NULL;
      g_autoptr(GVariant) details = NULL;

      g_variant_get (parameters, "(uu)", &count, &size);
      payload = g_variant_ref_sink (make_payload (size));
      details = g_variant_ref_sink (make_details ());
      /* Answer first, so the caller is waiting on signals, not the reply. */
      g_dbus_method_invocation_return_value (invocation, NULL);
      for (i = 0; i < count; i++)
        g_dbus_connection_emit_signal (connection, NULL, ECHO_PATH, ECHO_IFACE, "Payload",
                                       g_variant_new ("(s@ay@a{sv})", FAKE_PEER_ID, payload, details),
                                       NULL);
    }
  else
    {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                             "No method %s", method_name);
    }
}

static const GDBusInterfaceVTable echo_vtable = { echo_method_call, NULL, NULL, { NULL } };

static int
cmd_echo_service (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GDBusConnection) bus = get_bus ();
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  guint registration;

  info = g_dbus_node_info_new_for_xml (echo_xml, &error);
  g_assert_no_error (error);
  registration = g_dbus_connection_register_object (bus, ECHO_PATH, info->interfaces[0],
                                                    &echo_vtable, NULL, NULL, &error);
  if (registration == 0)
    g_error ("registering the echo object: %s", error->message);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", ECHO_NAME, 4 /* do not queue */),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  if (reply == NULL)
    g_error ("owning %s: %s", ECHO_NAME, error->message);
  printf ("{\"ready\": true}\n");
  fflush (stdout);

  g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, stdin_closed_cb, loop);
  g_main_loop_run (loop);
  g_dbus_connection_unregister_object (bus, registration);
  return 0;
}

/* calls */

typedef struct {
  GDBusConnection *bus;
  const gchar     *target;
  const gchar     *peer;
  GVariant        *payload;
  guint64          count;
  guint64          issued;
  guint64          completed;
  guint64          errors;
  gchar           *first_error;
} Calls;

static void issue_call (Calls *calls);

static void
call_done_cb (GObject *source,
              GAsyncResult *result,
              gpointer user_data)
{
  Calls *calls = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source),
                                                             result, &error);

  if (reply == NULL)
    {
      calls->errors++;
      if (calls->first_error == NULL)
        calls->first_error = g_strdup (error->message);
    }
  calls->completed++;
  if (calls->issued < calls->count)
    issue_call (calls);
}

static void
issue_call (Calls *calls)
{
  calls->issued++;
  if (g_str_equal (calls->target, "echo"))
    g_dbus_connection_call (calls->bus, ECHO_NAME, ECHO_PATH, ECHO_IFACE, "Nop", NULL,
                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, call_done_cb, calls);
  else
    g_dbus_connection_call (calls->bus, SHOAL_NAME, SHOAL_PATH, SHOAL_IFACE, "Send",
                            g_variant_new ("(s@ay)", calls->peer, calls->payload),
                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, call_done_cb, calls);
}

static int
cmd_calls (const gchar *target,
           const gchar *peer,
           gsize size,
           guint64 count,
           guint window)
{
  g_autoptr(GDBusConnection) bus = get_bus ();
  Calls calls = { 0 };
  gint64 start, end, deadline;
  gdouble seconds;
  guint i;

  if (g_strcmp0 (target, "echo") != 0 && (g_strcmp0 (target, "shoald") != 0 || peer == NULL))
    g_error ("--target is echo, or shoald with --peer");
  calls.bus = bus;
  calls.target = target;
  calls.peer = peer;
  calls.payload = g_variant_ref_sink (make_payload (size));
  calls.count = count;

  start = g_get_monotonic_time ();
  deadline = start + WAIT_TIMEOUT_US;
  for (i = 0; i < window && calls.issued < count; i++)
    issue_call (&calls);
  while (calls.completed < count)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out after %" G_GUINT64_FORMAT " calls", calls.completed);
      g_main_context_iteration (NULL, TRUE);
    }
  end = g_get_monotonic_time ();

  if (calls.errors > 0)
    g_error ("%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " calls failed: %s",
             calls.errors, count, calls.first_error);
  seconds = (end - start) / 1e6;
  printf ("{\"bench\": \"dbus-calls\", \"target\": \"%s\", \"size\": %" G_GSIZE_FORMAT
          ", \"count\": %" G_GUINT64_FORMAT ", \"window\": %u, \"seconds\": %.6f, \"calls_per_s\": %.1f}\n",
          target, g_str_equal (target, "echo") ? 0 : size, count, window, seconds, count / seconds);
  g_variant_unref (calls.payload);
  g_free (calls.first_error);
  return 0;
}

/* signals */

typedef struct {
  guint64 count;
  guint64 received;
  gsize   size;
  gint64  first;
  gint64  last;
} Signals;

static void
signal_cb (GDBusConnection *connection,
           const gchar *sender,
           const gchar *object_path,
           const gchar *interface_name,
           const gchar *signal_name,
           GVariant *parameters,
           gpointer user_data)
{
  Signals *signals = user_data;
  g_autoptr(GVariant) payload = g_variant_get_child_value (parameters, 1);
  gint64 now = g_get_monotonic_time ();

  if (g_variant_get_size (payload) != signals->size)
    return;
  if (signals->received == 0)
    signals->first = now;
  signals->last = now;
  signals->received++;
}

static void
emit_done_cb (GObject *source,
              GAsyncResult *result,
              gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source),
                                                             result, &error);

  if (reply == NULL)
    g_error ("Emit: %s", error->message);
}

static int
cmd_signals (const gchar *target,
             gsize size,
             guint64 count,
             gboolean stay)
{
  g_autoptr(GDBusConnection) bus = get_bus ();
  Signals signals = { count, 0, size, 0, 0 };
  gboolean echo = g_strcmp0 (target, "echo") == 0;
  gint64 deadline;
  gdouble seconds;
  guint subscription;

  if (!echo && g_strcmp0 (target, "shoald") != 0)
    g_error ("--target is echo or shoald");
  subscription = g_dbus_connection_signal_subscribe (bus, NULL,
                                                     echo ? ECHO_IFACE : SHOAL_IFACE,
                                                     echo ? "Payload" : "MessageReceived",
                                                     echo ? ECHO_PATH : SHOAL_PATH,
                                                     NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                     signal_cb, &signals, NULL);
  /* A round trip to the bus makes sure the match rule is in place before
   * anyone is told to start sending. */
  g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "GetId", NULL, NULL,
                               G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  printf ("{\"ready\": true}\n");
  fflush (stdout);

  if (echo)
    g_dbus_connection_call (bus, ECHO_NAME, ECHO_PATH, ECHO_IFACE, "Emit",
                            g_variant_new ("(uu)", (guint32) count, (guint32) size),
                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, emit_done_cb, NULL);

  deadline = g_get_monotonic_time () + WAIT_TIMEOUT_US;
  while (signals.received < count)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out after %" G_GUINT64_FORMAT " signals", signals.received);
      g_main_context_iteration (NULL, TRUE);
    }

  /* Counted from the first signal to the last: the start of a sender is
   * not part of what a subscriber sees. */
  seconds = (signals.last - signals.first) / 1e6;
  printf ("{\"bench\": \"dbus-signals\", \"target\": \"%s\", \"size\": %" G_GSIZE_FORMAT
          ", \"count\": %" G_GUINT64_FORMAT ", \"seconds\": %.6f, \"signals_per_s\": %.1f}\n",
          target, size, count, seconds, (count - 1) / seconds);
  fflush (stdout);

  /* A script watching messages goes on taking them: with nobody subscribed,
   * dbus-daemon would drop the rest unsent. */
  if (stay)
    {
      g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

      g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, stdin_closed_cb, loop);
      g_main_loop_run (loop);
    }
  g_dbus_connection_signal_unsubscribe (bus, subscription);
  return 0;
}

/* probe */

typedef struct {
  GDBusConnection *bus;
  GArray          *latencies;  /* (element-type gdouble) ms */
  gint64           started;    /* of the call in flight, or 0 */
} Probe;

static void
probe_done_cb (GObject *source,
               GAsyncResult *result,
               gpointer user_data)
{
  Probe *probe = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source),
                                                             result, &error);
  gdouble ms = (g_get_monotonic_time () - probe->started) / 1000.0;

  if (reply == NULL)
    g_error ("ListPeers: %s", error->message);
  g_array_append_val (probe->latencies, ms);
  probe->started = 0;
}

static gboolean
probe_tick_cb (gpointer user_data)
{
  Probe *probe = user_data;

  /* One call at a time: a slow answer is measured, not piled upon. */
  if (probe->started == 0)
    {
      probe->started = g_get_monotonic_time ();
      g_dbus_connection_call (probe->bus, SHOAL_NAME, SHOAL_PATH, SHOAL_IFACE, "ListPeers",
                              NULL, G_VARIANT_TYPE ("(aa{sv})"), G_DBUS_CALL_FLAGS_NONE, -1,
                              NULL, probe_done_cb, probe);
    }
  return G_SOURCE_CONTINUE;
}

static gint
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

static int
cmd_probe (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GDBusConnection) bus = get_bus ();
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gdouble));
  Probe probe = { bus, latencies, 0 };
  guint tick;
  guint n;

  printf ("{\"ready\": true}\n");
  fflush (stdout);
  tick = g_timeout_add (100, probe_tick_cb, &probe);
  g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, stdin_closed_cb, loop);
  g_main_loop_run (loop);
  g_source_remove (tick);

  n = latencies->len;
  if (n == 0)
    g_error ("no ListPeers call completed");
  g_array_sort (latencies, compare_doubles);
  printf ("{\"bench\": \"dbus-probe\", \"count\": %u, \"p50_ms\": %.2f, \"p99_ms\": %.2f, "
          "\"max_ms\": %.2f}\n", n, g_array_index (latencies, gdouble, (n - 1) / 2),
          g_array_index (latencies, gdouble, (guint) (0.99 * (n - 1) + 0.5)),
          g_array_index (latencies, gdouble, n - 1));
  fflush (stdout);
  return 0;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

int
main (int argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *target = NULL;
  g_autofree gchar *peer = NULL;
  gint64 size = 64, count = 10000, window = 16;
  gboolean stay = FALSE;
  const GOptionEntry entries[] = {
    { "target", 0, 0, G_OPTION_ARG_STRING, &target, "echo (the baseline) or shoald", "WHO" },
    { "peer", 0, 0, G_OPTION_ARG_STRING, &peer, "Peer id to Send to (calls --target shoald)", "ID" },
    { "size", 0, 0, G_OPTION_ARG_INT64, &size, "Payload bytes", "BYTES" },
    { "count", 0, 0, G_OPTION_ARG_INT64, &count, "Calls or signals to measure", "N" },
    { "window", 0, 0, G_OPTION_ARG_INT64, &window, "Calls in flight at once", "N" },
    { "stay", 0, 0, G_OPTION_ARG_NONE, &stay, "signals: once counted, go on taking them until stdin closes", NULL },
    { NULL }
  };

  context = g_option_context_new ("echo-service|calls|signals|probe");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-dbus: %s\n", error->message);
      return 2;
    }
  if (argc != 2 || size < 0 || size > 16 * 1024 * 1024 || count < 2 || window < 1 || window > 4096)
    {
      fprintf (stderr, "usage: bench-dbus echo-service|calls|signals|probe [OPTIONS]; see --help\n");
      return 2;
    }
  g_timeout_add_seconds (1, tick_cb, NULL);

  if (g_str_equal (argv[1], "echo-service"))
    return cmd_echo_service ();
  if (g_str_equal (argv[1], "calls"))
    return cmd_calls (target, peer, (gsize) size, (guint64) count, (guint) window);
  if (g_str_equal (argv[1], "signals"))
    return cmd_signals (target, (gsize) size, (guint64) count, stay);
  if (g_str_equal (argv[1], "probe"))
    return cmd_probe ();

  fprintf (stderr, "bench-dbus: unknown command %s\n", argv[1]);
  return 2;
}
