/* test-lan-delivery.c: hosts that come and go, and many messages at once
 *
 * Part of the lan program (test-lan.c): a shoald that leaves by SIGTERM,
 * SIGKILL or a cut cable is seen to go within its bound and to come back,
 * while the hosts that stay up lose none of a steady stream of messages;
 * and a burst of messages between four hosts arrives whole and in order.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "test-lan.h"

/* The times below are when this test's main loop got the signal. With
 * sanitizer-built hosts and a sanitizer-built test carrying the stream,
 * that lags what shoald did by seconds: a SIGKILL's reset, which shoald
 * sees at once, is printed 1.2 to 1.9 s late, and a cut found 2.7 s after
 * it by shoald's own log was printed at 7.0 and 9.8 s. So the bounds are
 * loose, and the reasons say what happened. */

/* A goodbye is seen at once: its reason, "shutdown", says it was the
 * goodbye and not the liveness timeout; the bound only that it came
 * promptly (25 ms in a plain build). */
#define GOODBYE_BOUND_MS 4000
/* The default liveness timeout is 2.5 s, checked on every 0.5 s heartbeat
 * tick. The bound says the peer was found out by the timeout rather than
 * never (the write-stall timeout, 30 s, would say "took nothing"). A plain
 * build prints 2.4 to 3.0 s. */
#define LIVENESS_BOUND_MS 25000

/* Send from @from to @to, without waiting for the answer. */
static void
send_async (ShoalTestLanHost    *from,
            ShoalTestLanHost    *to,
            GVariant            *payload,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_dbus_connection_call (from->bus, SHOAL_TEST_LAN_BUS_NAME, SHOAL_TEST_LAN_OBJECT_PATH,
                          SHOAL_TEST_LAN_INTERFACE, "Send",
                          g_variant_new ("(s@ay)", to->id, payload),
                          G_VARIANT_TYPE ("(t)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                          SHOAL_TEST_LAN_CALL_TIMEOUT_MS, NULL, callback, user_data);
}

/* A steady stream of messages between the hosts that stay up: each tick,
 * each sends one message to each other. */
typedef struct
{
  ShoalTestLanFixture *fixture;
  guint                first, last;  /* the streaming hosts */
  /* [from][to] Send calls made */
  guint                queued[SHOAL_TEST_LAN_MAX_HOSTS + 1][SHOAL_TEST_LAN_MAX_HOSTS + 1];
  guint                pending;      /* Send calls not answered yet */
  guint                failures;
  gchar               *first_error;
  guint                tick_id;
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
        ShoalTestLanHost *sender = &stream->fixture->hosts[from];
        ShoalTestLanHost *receiver = &stream->fixture->hosts[to];
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
        send_async (sender, receiver,
                    g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, payload, strlen (payload), 1),
                    stream_sent_cb, call);
      }
  return G_SOURCE_CONTINUE;
}

static void
stream_start (Stream              *stream,
              ShoalTestLanFixture *fixture,
              guint                first,
              guint                last)
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
  ShoalTestLanHost *receiver = &count->stream->fixture->hosts[count->to];
  ShoalTestLanHost *sender = &count->stream->fixture->hosts[count->from];
  guint i;

  count->received = 0;
  count->out_of_order = -1;
  for (i = 0; i < receiver->events->len; i++)
    {
      ShoalTestLanEvent *event = g_ptr_array_index (receiver->events, i);
      g_autofree gchar *expected = NULL;
      gsize size;
      const gchar *data;

      if (event->kind != SHOAL_TEST_LAN_EVENT_MESSAGE || g_strcmp0 (event->id, sender->id) != 0)
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
  shoal_test_lan_wait_until (stream_drained, stream, SHOAL_TEST_LAN_DELIVERY_TIMEOUT_MS);
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
wait_gone (ShoalTestLanFixture *fixture,
           ShoalTestLanHost    *leaver,
           guint                first,
           guint                last,
           const guint         *cursors,
           gint64               since,
           guint                bound_ms,
           const gchar         *reason,
           const gchar         *how)
{
  guint i;

  for (i = first; i <= last; i++)
    {
      ShoalTestLanHost *host = &fixture->hosts[i];
      ShoalTestLanEvent *event = shoal_test_lan_wait_event (host, SHOAL_TEST_LAN_EVENT_DISCONNECTED,
                                                            leaver->id, cursors[i],
                                                            LIVENESS_BOUND_MS * 2);
      ShoalTestLanPeerView view;

      if (event == NULL)
        {
          shoal_test_lan_dump_logs (fixture);
          g_error ("%s: %s never saw %s go", how, host->name, leaver->name);
        }
      g_test_message ("%s: %s saw %s go after %.3f s (%s)", how, host->name, leaver->name,
                      (event->time - since) / 1e6, event->text);
      g_assert_cmpint (event->time - since, <, (gint64) bound_ms * 1000);
      if (reason != NULL)
        g_assert_cmpstr (event->text, ==, reason);

      shoal_test_lan_peer_view (host, leaver->id, &view);
      g_assert_false (view.connected);
      shoal_test_lan_peer_view_clear (&view);
    }
}

/* Waits until h@first..h@last see @joiner connected again; prints how long it took. */
static void
wait_back (ShoalTestLanFixture *fixture,
           ShoalTestLanHost    *joiner,
           guint                first,
           guint                last,
           const guint         *cursors,
           gint64               since,
           const gchar         *how)
{
  guint i;

  for (i = first; i <= last; i++)
    {
      ShoalTestLanHost *host = &fixture->hosts[i];
      ShoalTestLanEvent *event = shoal_test_lan_wait_event (host, SHOAL_TEST_LAN_EVENT_CONNECTED,
                                                            joiner->id, cursors[i],
                                                            SHOAL_TEST_LAN_MESH_TIMEOUT_MS);

      if (event == NULL)
        {
          shoal_test_lan_dump_logs (fixture);
          g_error ("%s: %s never saw %s come back", how, host->name, joiner->name);
        }
      g_test_message ("%s: %s saw %s back after %.3f s", how, host->name, joiner->name,
                      (event->time - since) / 1e6);
    }
}

static void
mark_cursors (ShoalTestLanFixture *fixture,
              guint               *cursors)
{
  guint i;

  for (i = 1; i <= fixture->n_hosts; i++)
    cursors[i] = fixture->hosts[i].events->len;
}

void
test_lan_leave_join (ShoalTestLanFixture *fixture,
                     gconstpointer        user_data)
{
  guint cursors[SHOAL_TEST_LAN_MAX_HOSTS + 1];
  ShoalTestLanHost *h4;
  gint64 since;
  Stream stream;
  ShoalTestLanMesh mesh;
  guint i, j;

  g_test_summary ("A shoald stopped with SIGTERM is gone from every other host at once; one "
                  "killed with SIGKILL, or whose link is cut, is gone within the liveness "
                  "timeout; each comes back with the same id; meanwhile the hosts that stay "
                  "up lose none of a steady stream of messages");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_start_hosts (fixture, 1, 4);
  h4 = &fixture->hosts[4];
  shoal_test_lan_mesh_init (&mesh, fixture, 1, 4);
  shoal_test_lan_mesh_wait (&mesh);

  stream_start (&stream, fixture, 1, 3);
  shoal_test_lan_iterate_for (300);

  /* SIGTERM: shoald says goodbye */
  mark_cursors (fixture, cursors);
  since = g_get_monotonic_time ();
  g_assert_true (shoal_test_lan_host_stop (h4));
  wait_gone (fixture, h4, 1, 3, cursors, since, GOODBYE_BOUND_MS, "shutdown", "SIGTERM");

  mark_cursors (fixture, cursors);
  shoal_test_lan_host_start_and_wait (fixture, h4);
  wait_back (fixture, h4, 1, 3, cursors, fixture->last_start, "restart after SIGTERM");
  shoal_test_lan_mesh_wait (&mesh);

  /* SIGKILL: no goodbye; the kernel may still close the connections */
  mark_cursors (fixture, cursors);
  since = g_get_monotonic_time ();
  g_subprocess_force_exit (h4->shoald);
  wait_gone (fixture, h4, 1, 3, cursors, since, LIVENESS_BOUND_MS, NULL, "SIGKILL");
  shoal_test_wait_exit (h4->shoald, SHOAL_TEST_LAN_STOP_TIMEOUT_MS);
  g_clear_object (&h4->shoald);

  mark_cursors (fixture, cursors);
  shoal_test_lan_host_start_and_wait (fixture, h4);
  wait_back (fixture, h4, 1, 3, cursors, fixture->last_start, "restart after SIGKILL");
  shoal_test_lan_mesh_wait (&mesh);

  /* The cable is cut: nothing at all arrives from h4 any more */
  mark_cursors (fixture, cursors);
  since = g_get_monotonic_time ();
  shoal_test_lan_do ("link-down", h4->name, NULL);
  wait_gone (fixture, h4, 1, 3, cursors, since, LIVENESS_BOUND_MS, NULL, "link down");

  mark_cursors (fixture, cursors);
  since = g_get_monotonic_time ();
  shoal_test_lan_do ("link-up", h4->name, NULL);
  wait_back (fixture, h4, 1, 3, cursors, since, "link up");
  shoal_test_lan_mesh_wait (&mesh);

  shoal_test_lan_iterate_for (300);
  stream_finish (&stream);

  /* The hosts that stayed up never lost sight of each other. */
  for (i = 1; i <= 3; i++)
    for (j = 1; j <= 3; j++)
      if (i != j)
        g_assert_cmpuint (shoal_test_lan_count_events (&fixture->hosts[i],
                                                       SHOAL_TEST_LAN_EVENT_DISCONNECTED,
                                                       fixture->hosts[j].id), ==, 0);
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
  ShoalTestLanFixture *fixture = user_data;
  guint i;

  for (i = 1; i <= BURST_HOSTS; i++)
    if (shoal_test_lan_count_events (&fixture->hosts[i], SHOAL_TEST_LAN_EVENT_MESSAGE, NULL) <
        BURST_MESSAGES * (BURST_HOSTS - 1))
      return FALSE;
  return TRUE;
}

void
test_lan_many_messages (ShoalTestLanFixture *fixture,
                        gconstpointer        user_data)
{
  Burst burst = { 0, 0, NULL };
  gint64 started;
  guint from, to, seq, i;
  ShoalTestLanMesh mesh;

  g_test_summary ("100 messages sent from each of 4 hosts to every other at once arrive "
                  "complete, byte-exact and in order per sender");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_start_hosts (fixture, 1, BURST_HOSTS);
  shoal_test_lan_mesh_init (&mesh, fixture, 1, BURST_HOSTS);
  shoal_test_lan_mesh_wait (&mesh);

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
          send_async (&fixture->hosts[from], &fixture->hosts[to],
                      g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, payload, TRUE),
                      burst_sent_cb, &burst);
        }

  if (!shoal_test_lan_wait_until (burst_delivered, fixture, SHOAL_TEST_LAN_DELIVERY_TIMEOUT_MS))
    {
      for (i = 1; i <= BURST_HOSTS; i++)
        g_test_message ("%s received %u of %u", fixture->hosts[i].name,
                        shoal_test_lan_count_events (&fixture->hosts[i],
                                                     SHOAL_TEST_LAN_EVENT_MESSAGE, NULL),
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
  shoal_test_lan_iterate_for (200);
  for (to = 1; to <= BURST_HOSTS; to++)
    {
      ShoalTestLanHost *receiver = &fixture->hosts[to];
      guint next[BURST_HOSTS + 1] = { 0, };

      for (i = 0; i < receiver->events->len; i++)
        {
          ShoalTestLanEvent *event = g_ptr_array_index (receiver->events, i);
          g_autoptr(GBytes) expected = NULL;

          if (event->kind != SHOAL_TEST_LAN_EVENT_MESSAGE)
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
