/* test-lan-liveness.c: links that break and come back, and links judged
 * while their host is behind
 *
 * A reset, a blackout and a host's cables out, each shorter than the
 * heartbeat timeout, and a shoald stopped for longer than it (PROTOCOL.md
 * sections 11.3 to 11.5); and a host whose session bus has stopped taking
 * signals, so that shoald stops reading its links, while a peer's cable is
 * cut.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <gio/gio.h>

#include "test-lan.h"

/* A reset link is dialled again at once and is back in a few ms (about 120
 * ms in a sanitizer build, two TLS handshakes' worth of CPU); the bound
 * leaves room for two busy cores. */
#define RESET_BOUND_MS 500
/* The reconnect test's hosts take 5 s to give a silent peer up, so that a
 * blackout of 2 s is shorter than that by far, even on a sanitizer build's
 * busy cores; it is longer than two heartbeat intervals, so a link counts
 * as stalled within it, whatever the phase of the heartbeats (PROTOCOL.md
 * section 11.3). */
#define HEARTBEAT_TIMEOUT "5000"
#define BLACKOUT_S "2"
/* A sanitizer build spends some 50 ms of CPU on each TLS handshake, which
 * a dial beside a stalled link waits for, and more when other suites run
 * beside it: measured 54 to 111 ms for the 2 s and 0.4 s blackouts below,
 * 7 to 95 ms for the 0.1 s one (its dial beside comes no sooner than TCP's
 * third retransmission, 196 ms into it) and 34 to 101 ms for the idle one.
 * The plain build's bounds are the ones that tell. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_SLACK_MS 150
#else
#define SANITIZER_SLACK_MS 0
#endif
/* The first message held up arrives within this long of the blackout's
 * end (or of both hosts reaching each other again, where a kernel gave
 * its neighbour up meanwhile: see reachable_after()): a stalled link gets
 * a probing dial beside it, and the new link is up within a probe's
 * interval and a TLS handshake of the path (measured: 12 to 36 ms). TCP's own retransmission of the old link would come up to
 * 0.5 s later (20 ms doubling from the first segment lost; 200 ms
 * doubling on kernels before Linux 6.15: up to 1.6 s). */
#define BLACKOUT_BOUND_MS (150 + SANITIZER_SLACK_MS)
/* A blackout shorter than two heartbeat intervals, with messages in flight
 * from the node with the larger id, over a link the smaller id dialled (the
 * reset test leaves it so): the sender finds the stall within 0.1 s and its
 * dial beside wins by its generation; measured 22 to 45 ms. Without the
 * generation the old link would be kept until TCP's retransmission: 200
 * ms after the end with Linux's default timeout (measured 235 to 258 ms),
 * but with 20 ms its backoff may happen to end near the blackout's, so
 * the rule itself is pinned by /links/stalled-beside in the node suite. */
#define SHORT_BLACKOUT_S "0.4"
#define SHORT_BLACKOUT_BOUND_MS (150 + SANITIZER_SLACK_MS)
/* Over before a stall is found, or about then: TCP's retransmission
 * brings the link back, from 20 ms where the kernel lets the link set it,
 * or the dial beside the stalled link does. With Linux's default of 200 ms
 * the first message held up came 93 to 115 ms after the end; with 20 ms,
 * 3 to 36 ms. */
#define TINY_BLACKOUT_S "0.1"
#define TINY_BLACKOUT_BOUND_MS (75 + SANITIZER_SLACK_MS)
/* A link with nothing but PINGs on it through a blackout longer than a
 * heartbeat interval, so that a PING is lost and TCP is backing off when
 * it ends: the next message finds the stall at once and goes over a fresh
 * link, or the old one recovers first. Measured from the blackout tool's
 * return, tens of ms after the switch forwards again: 3 to 29 ms (before
 * the in-flight checks ran every 25 ms: 15 to 45 ms). Without any stall
 * check the message would wait for TCP's backoff, up to 0.5 s. */
#define IDLE_BLACKOUT_S "0.7"
#define IDLE_BLACKOUT_BOUND_MS (150 + SANITIZER_SLACK_MS)
/* A host whose cables are out, or whose interfaces are down, loses its
 * carrier and forgets its neighbours. Once it is back it cannot answer
 * anything until its kernel has found the peer's hardware address again,
 * on the kernel's own timer (net.ipv4.neigh.*.retrans_time_ms, a second by
 * default), which no unprivileged process can hurry: measured 0.4 ms to 1 s
 * after the cut. From that moment the peer is reachable, and the first
 * message held up arrives within this long: measured 7 to 41 ms after a
 * cable, 7 to 30 ms after interfaces down and up (705 ms with no dial
 * beside a stalled link). */
#define CABLE_BOUND_MS (75 + SANITIZER_SLACK_MS)
/* Timings taken on two busy cores: a cut whose first message held up came
 * later than its bound is made again, up to this many times in all. One
 * run can be late by as much as a bound with nothing missing (in CI, a
 * cable cut in the plain build once took 99 ms against 75, and a 2 s
 * blackout in the sanitizer build 1,180 ms against 300, causes not seen);
 * a mechanism that is missing shows in every cut (with no dial beside a
 * stalled link: a 1 s cable 577, 353 and 705 ms; a 2 s blackout 877 and
 * 233 ms, then a peer reported lost). */
#define CUT_ATTEMPTS 3
/* How often the sender sends into a cut. */
#define STREAM_INTERVAL_MS 20
/* Longer than the heartbeat timeout: the peers give the stopped node up. */
#define STOP_MS 7000
/* A held node still finds a cut peer by its heartbeat timeout. */
#define HELD_BOUND_MS 10000
#define HELD_MESSAGES 30
#define HELD_MESSAGE_SIZE (1024 * 1024)

static void
send_message (ShoalTestLanHost *from,
              ShoalTestLanHost *to,
              GBytes           *payload)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariant *data = g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, payload, TRUE);

  reply = shoal_test_lan_host_call (from, "Send", g_variant_new ("(s@ay)", to->id, data), "(t)",
                                    &error);
  g_assert_no_error (error);
}

/* @host's events about @peer since @from, as a string: "-" for each
 * PeerDisconnected, "+" for each PeerConnected. */
static gchar *
link_history (ShoalTestLanHost *host,
              ShoalTestLanHost *peer,
              guint             from)
{
  GString *history = g_string_new (NULL);

  for (guint i = from; i < host->events->len; i++)
    {
      ShoalTestLanEvent *event = g_ptr_array_index (host->events, i);

      if (g_strcmp0 (event->id, peer->id) != 0)
        continue;
      if (event->kind == SHOAL_TEST_LAN_EVENT_DISCONNECTED)
        g_string_append_c (history, '-');
      else if (event->kind == SHOAL_TEST_LAN_EVENT_CONNECTED)
        g_string_append_c (history, '+');
    }
  return g_string_free (history, FALSE);
}

typedef struct
{
  ShoalTestLanHost *host;
  ShoalTestLanHost *peer;
} Pair;

static gboolean
linked_both_ways (gpointer user_data)
{
  Pair *pair = user_data;

  return shoal_test_lan_host_sees (pair->host, pair->peer) &&
         shoal_test_lan_host_sees (pair->peer, pair->host);
}

static void
test_reset (ShoalTestLanFixture *fixture,
            ShoalTestLanHost    *h1,
            ShoalTestLanHost    *h2)
{
  for (guint round = 0; round < 3; round++)
    {
      guint cursor = h1->events->len;
      ShoalTestLanEvent *gone, *back;

      shoal_test_lan_do ("reset", h2->name, NULL);
      gone = shoal_test_lan_wait_event (h1, SHOAL_TEST_LAN_EVENT_DISCONNECTED, h2->id, cursor,
                                        SHOAL_TEST_LAN_MESH_TIMEOUT_MS);
      g_assert_nonnull (gone);
      g_assert_cmpstr (gone->text, ==, "reset");
      back = shoal_test_lan_wait_event (h1, SHOAL_TEST_LAN_EVENT_CONNECTED, h2->id, cursor,
                                        SHOAL_TEST_LAN_MESH_TIMEOUT_MS);
      g_assert_nonnull (back);
      g_test_message ("reset %u: h1 had h2 back %.1f ms after losing it", round + 1,
                      (back->time - gone->time) / 1000.0);
      g_assert_cmpint (back->time - gone->time, <, RESET_BOUND_MS * 1000);
    }
}

/* @from streams to @to while @argv, a tools/lan cut that prints when it
 * ended (blackout, cable), runs: every message sent into it arrives, once
 * and in order. Returns when the cut ended and when the first message held
 * up by it arrived, on the monotonic clock, and says how long it took. */
static void
stream_through_cut (ShoalTestLanHost    *from,
                    ShoalTestLanHost    *to,
                    const gchar * const *argv,
                    const gchar         *what,
                    gint64              *ended_out,
                    gint64              *first_out)
{
  g_autoptr(GSubprocess) cut = NULL;
  g_autoptr(GSubprocessLauncher) launcher =
    shoal_test_lan_new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GArray) sent = NULL;
  g_autofree gchar *said = NULL;
  guint cursor = to->events->len;
  ShoalTestLanEvent *first = NULL, *last = NULL;
  gint64 ended;

  /* A message every STREAM_INTERVAL_MS, from before the cut to its end, so
   * that the old link has data in flight from its first moment and one is
   * lost just before the path comes back. */
  cut = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  sent = shoal_test_lan_stream_while (cut, from, to, "into the cut", STREAM_INTERVAL_MS);

  /* The tool takes tens of ms to return after the cut ends, as much as the
   * bounds: it says when, on the real-time clock. */
  g_subprocess_communicate_utf8 (cut, NULL, NULL, &said, NULL, &error);
  g_assert_no_error (error);
  ended = g_ascii_strtoll (said, NULL, 10) - g_get_real_time () + g_get_monotonic_time ();
  g_assert_cmpint (ended, >, g_array_index (sent, gint64, 0));

  messages = shoal_test_lan_wait_stream (to, from, cursor, "into the cut", sent->len);
  for (guint i = 0; i < messages->len; i++)
    {
      ShoalTestLanEvent *event = g_ptr_array_index (messages, i);

      if (first == NULL && event->time >= ended)
        first = event;
      if (g_array_index (sent, gint64, i) < ended)
        last = event;
    }
  /* The link is back when the first message held up arrives; the rest
   * follow as fast as the bus takes them (slowly in a sanitizer build). */
  g_assert_nonnull (first);
  g_assert_nonnull (last);
  g_test_message ("%s: the first message after it arrived %.1f ms after its end, the last of "
                  "the %u sent into it %.1f ms after", what, (first->time - ended) / 1000.0,
                  sent->len, (last->time - ended) / 1000.0);
  *ended_out = ended;
  *first_out = first->time;
}

/* `ip -ts monitor neigh` in @host's namespace, until neighbours_stop(). */
static GSubprocess *
neighbours_watch (ShoalTestLanHost *host)
{
  const gchar *argv[] = { shoal_test_lan_path (), "run", host->name, "ip", "-ts", "monitor",
                          "neigh", NULL };
  g_autoptr(GSubprocessLauncher) launcher =
    shoal_test_lan_new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  GSubprocess *watch = g_subprocess_launcher_spawnv (launcher, argv, &error);

  g_assert_no_error (error);
  return watch;
}

/* Returns: (transfer full): what @watch printed */
static gchar *
neighbours_stop (GSubprocess *watch)
{
  g_autoptr(GError) error = NULL;
  gchar *said = NULL;

  g_subprocess_force_exit (watch);
  g_subprocess_communicate_utf8 (watch, NULL, NULL, &said, NULL, &error);
  g_assert_no_error (error);
  return said;
}

/* A line of `ip -ts monitor neigh`: when (monotonic µs), which entry
 * ("ADDRESS dev IFACE"), and whether the kernel can send to it, that is,
 * has its hardware address. FALSE for lines that say nothing of reaching a
 * peer: multicast entries (NOARP) and anything unparsable. */
static gboolean
parse_neighbour (const gchar *line,
                 GTimeZone   *local,
                 gint64      *time_out,
                 gchar      **entry_out,
                 gboolean    *usable_out)
{
  const gchar *close = strchr (line, ']');
  g_autofree gchar *stamp = NULL;
  g_autoptr(GDateTime) when = NULL;
  g_auto(GStrv) words = NULL;
  gboolean deleted;
  gint64 real;

  if (line[0] != '[' || close == NULL || strstr (close, "NOARP") != NULL)
    return FALSE;
  stamp = g_strndup (line + 1, close - line - 1);
  when = g_date_time_new_from_iso8601 (stamp, local);
  if (when == NULL)
    return FALSE;
  deleted = g_str_has_prefix (close + 2, "Deleted ");
  words = g_strsplit (close + 2 + (deleted ? strlen ("Deleted ") : 0), " ", 4);
  if (g_strv_length (words) < 3)
    return FALSE;
  real = g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
  *time_out = real - g_get_real_time () + g_get_monotonic_time ();
  *entry_out = g_strjoin (" ", words[0], words[1], words[2], NULL);
  *usable_out = !deleted && strstr (close, " lladdr ") != NULL &&
                strstr (close, " INCOMPLETE") == NULL && strstr (close, " FAILED") == NULL;
  return TRUE;
}

/* When the host whose neighbour table changed as @said (`ip -ts monitor
 * neigh`) over a cut that ended at @ended could send to its peer again:
 * @ended, unless the cut made it forget its neighbours (@forgot: its
 * carrier went) or every entry it saw change before then had lost its
 * hardware address (being resolved again, or failed), and then the first
 * moment one had it again. The kernel looks again on its own timer
 * (net.ipv4.neigh.*.retrans_time_ms, a second by default), which no
 * unprivileged process can hurry. */
static gint64
reachable_after (const gchar *said,
                 gint64       ended,
                 gboolean     forgot)
{
  g_auto(GStrv) lines = g_strsplit (said, "\n", -1);
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GHashTable) usable_at_end = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                               NULL);
  GHashTableIter iter;
  gpointer usable;
  gint64 found = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree gchar *entry = NULL;
      gboolean line_usable;
      gint64 time;

      if (!parse_neighbour (lines[i], local, &time, &entry, &line_usable))
        continue;
      if (time < ended)
        g_hash_table_insert (usable_at_end, g_steal_pointer (&entry),
                             GINT_TO_POINTER (line_usable));
      else if (line_usable && found == 0)
        found = time;
    }
  /* The watch may start after a carrier is lost, and miss the entries
   * going: that they went is known. */
  if (!forgot)
    {
      if (g_hash_table_size (usable_at_end) == 0)
        return ended;
      g_hash_table_iter_init (&iter, usable_at_end);
      while (g_hash_table_iter_next (&iter, NULL, &usable))
        if (GPOINTER_TO_INT (usable))
          return ended;
    }
  return MAX (found, ended);
}

/* One kind of timed cut, made by assert_in_time(): it returns how late
 * (µs) what it times came, and on @last prints what it saw if that was
 * late. */
typedef gint64 (*TimedCut) (gconstpointer cut,
                            gboolean      last);

/* Makes the cut @once times until it is in time, CUT_ATTEMPTS times at
 * most, and asserts that the last one was. */
static void
assert_in_time (TimedCut      once,
                gconstpointer cut,
                const gchar  *what,
                guint         bound_ms)
{
  gint64 late_us;

  for (guint attempt = 1; attempt < CUT_ATTEMPTS; attempt++)
    {
      if (once (cut, FALSE) < (gint64) bound_ms * 1000)
        return;
      g_test_message ("%s: late, once more", what);
    }
  late_us = once (cut, TRUE);
  g_assert_cmpint (late_us, <, (gint64) bound_ms * 1000);
}

typedef struct
{
  ShoalTestLanHost    *from;
  ShoalTestLanHost    *to;
  const gchar * const *argv;      /* the tools/lan command that cuts @to's host */
  const gchar         *what;
  gboolean             forgets;   /* the cut takes @to's carrier, and its neighbours */
  guint                bound_ms;
} Cut;

/* A TimedCut: @from streams to @to while the cut runs, and both hosts'
 * neighbour tables are watched. Times the first message held up from both
 * hosts being able to reach each other again; late, on @last, prints both
 * tables and both logs. Late or not, nobody was lost: the cut is shorter
 * than the heartbeat timeout. */
static gint64
cut_once (gconstpointer data,
          gboolean      last)
{
  const Cut *cut = data;
  ShoalTestLanHost *from = cut->from, *to = cut->to;
  g_autoptr(GSubprocess) watch_from = neighbours_watch (from);
  g_autoptr(GSubprocess) watch_to = neighbours_watch (to);
  g_autofree gchar *said_from = NULL;
  g_autofree gchar *said_to = NULL;
  g_autofree gchar *history1 = NULL;
  g_autofree gchar *history2 = NULL;
  guint cursor1 = from->events->len, cursor2 = to->events->len;
  gint64 ended, first, reachable_from, reachable_to, reachable;

  stream_through_cut (from, to, cut->argv, cut->what, &ended, &first);
  said_from = neighbours_stop (watch_from);
  said_to = neighbours_stop (watch_to);

  /* A message may arrive sooner still, over the old link: its sender's
   * retransmission needs only its own direction, where a new link needs
   * both. */
  reachable_from = reachable_after (said_from, ended, FALSE);
  reachable_to = reachable_after (said_to, ended, cut->forgets);
  reachable = MAX (reachable_from, reachable_to);
  g_test_message ("%s: %s could send to %s again %.1f ms after it, %s to %s %.1f ms after; "
                  "the first message held up arrived %.1f ms after both could (bound %u ms)",
                  cut->what, from->name, to->name, (reachable_from - ended) / 1000.0, to->name,
                  from->name, (reachable_to - ended) / 1000.0, (first - reachable) / 1000.0,
                  cut->bound_ms);
  if (last && first - reachable >= (gint64) cut->bound_ms * 1000)
    {
      g_printerr ("%s's neighbours:\n%s%s's neighbours:\n%s", from->name, said_from, to->name,
                  said_to);
      shoal_test_lan_host_dump_log (from);
      shoal_test_lan_host_dump_log (to);
    }

  history1 = link_history (from, to, cursor1);
  history2 = link_history (to, from, cursor2);
  g_assert_cmpstr (history1, ==, "");
  g_assert_cmpstr (history2, ==, "");
  return first - reachable;
}

/* @from streams to @to while @to's host is cut off for @seconds by
 * `tools/lan @cut`: the messages held up arrive, the first of them within
 * @bound_ms of both hosts being able to reach each other again, in one of
 * CUT_ATTEMPTS cuts. */
static void
test_cut (ShoalTestLanHost *from,
          ShoalTestLanHost *to,
          const gchar      *cut,
          const gchar      *seconds,
          guint             bound_ms)
{
  const gchar *argv[] = { shoal_test_lan_path (), cut, to->name, seconds, NULL };
  g_autofree gchar *what = g_strdup_printf ("%s of %s s", cut, seconds);
  /* Unlike a blackout, cables out or interfaces down take the carrier with
   * them, and with it every neighbour @to knew. */
  Cut timed = { from, to, argv, what, !g_str_equal (cut, "blackout"), bound_ms };

  assert_in_time (cut_once, &timed, what, bound_ms);
}

/* A TimedCut, of a Pair: the host's link to its peer carries nothing but
 * PINGs while the peer's host is blacked out for IDLE_BLACKOUT_S; a
 * message sent the moment it ends arrives, timed from its sending; late,
 * on @last, prints both logs. */
static gint64
idle_blackout_once (gconstpointer data,
                    gboolean      last)
{
  const Pair *pair = data;
  ShoalTestLanHost *h1 = pair->host, *h2 = pair->peer;
  g_autoptr(GBytes) payload = g_bytes_new_static ("after the blackout", 18);
  g_autoptr(GPtrArray) messages = NULL;
  guint cursor1 = h1->events->len, cursor2 = h2->events->len;
  g_autofree gchar *history1 = NULL;
  g_autofree gchar *history2 = NULL;
  ShoalTestLanEvent *event;
  gint64 sent;

  shoal_test_lan_do ("blackout", h2->name, IDLE_BLACKOUT_S, NULL);
  sent = g_get_monotonic_time ();
  send_message (h1, h2, payload);
  messages = shoal_test_lan_wait_messages (h2, h1->id, cursor2, 1);
  g_assert_nonnull (messages);
  g_assert_cmpuint (messages->len, ==, 1);
  event = g_ptr_array_index (messages, 0);
  g_test_message ("idle blackout of %s s: a message sent as it ended arrived %.1f ms later",
                  IDLE_BLACKOUT_S, (event->time - sent) / 1000.0);
  if (last && event->time - sent >= IDLE_BLACKOUT_BOUND_MS * 1000)
    {
      shoal_test_lan_host_dump_log (h1);
      shoal_test_lan_host_dump_log (h2);
    }

  history1 = link_history (h1, h2, cursor1);
  history2 = link_history (h2, h1, cursor2);
  g_assert_cmpstr (history1, ==, "");
  g_assert_cmpstr (history2, ==, "");
  return event->time - sent;
}

static void
test_idle_blackout (ShoalTestLanHost *h1,
                    ShoalTestLanHost *h2)
{
  Pair pair = { h1, h2 };

  assert_in_time (idle_blackout_once, &pair, "idle blackout", IDLE_BLACKOUT_BOUND_MS);
}

static void
test_stop (ShoalTestLanFixture *fixture,
           ShoalTestLanHost    *h1,
           ShoalTestLanHost    *h2)
{
  g_autofree gchar *history1 = NULL;
  g_autofree gchar *history2 = NULL;
  guint cursor1 = h1->events->len, cursor2 = h2->events->len;
  Pair pair = { h1, h2 };

  g_subprocess_send_signal (h2->shoald, SIGSTOP);
  shoal_test_lan_iterate_for (STOP_MS);
  history1 = link_history (h1, h2, cursor1);
  g_subprocess_send_signal (h2->shoald, SIGCONT);
  g_assert_cmpstr (history1, ==, "-");
  g_clear_pointer (&history1, g_free);

  g_assert_true (shoal_test_lan_wait_until (linked_both_ways, &pair,
                                            SHOAL_TEST_LAN_MESH_TIMEOUT_MS));
  shoal_test_lan_iterate_for (1000);
  g_assert_true (linked_both_ways (&pair));

  /* h1 gave h2 up once and took it back once. h2, waking, may find its
   * link gone (said once) and the new one (said once), in that order: it
   * never announces a link h1 had already abandoned. */
  history1 = link_history (h1, h2, cursor1);
  history2 = link_history (h2, h1, cursor2);
  g_test_message ("stopped for %u ms: h1 saw h2 \"%s\", h2 saw h1 \"%s\"", STOP_MS, history1,
                  history2);
  g_assert_cmpstr (history1, ==, "-+");
  g_assert_true (g_str_equal (history2, "") || g_str_equal (history2, "-+"));
}

void
test_lan_reconnect (ShoalTestLanFixture *fixture,
                    gconstpointer        user_data)
{
  ShoalTestLanHost *h1 = &fixture->hosts[1];
  ShoalTestLanHost *h2 = &fixture->hosts[2];
  ShoalTestLanMesh mesh;

  g_test_summary ("A reset link is back at once; a blackout shorter than the heartbeat timeout "
                  "loses nobody and its messages arrive within moments of its end, also one "
                  "of 0.4 s whose stall only the larger id finds, one of 0.1 s over before "
                  "anyone finds a stall, and one on an idle link; after a host's cables were out, "
                  "the link is back within moments of its kernel reaching the peer again; "
                  "a shoald stopped past the "
                  "timeout comes back to one new link per peer, announcing none that its "
                  "peers had abandoned");
  if (shoal_test_lan_fail_if_unable ())
    return;

  for (guint i = 1; i <= 2; i++)
    {
      ShoalTestLanHost *host = &fixture->hosts[i];
      g_autofree gchar *config = g_build_filename (host->dir, "shoal.conf", NULL);
      g_autoptr(GError) error = NULL;

      g_file_set_contents (config, "[shoal]\nheartbeat-timeout=" HEARTBEAT_TIMEOUT "\n", -1, &error);
      g_assert_no_error (error);
      shoal_test_lan_host_set_options (host, (const gchar *[]) { "--config", config, NULL });
    }
  shoal_test_lan_start_hosts (fixture, 1, 2);
  shoal_test_lan_mesh_init (&mesh, fixture, 1, 2);
  shoal_test_lan_mesh_wait (&mesh);

  test_reset (fixture, h1, h2);
  shoal_test_lan_mesh_wait (&mesh);
  if (strcmp (h1->id, h2->id) > 0)
    test_cut (h1, h2, "blackout", SHORT_BLACKOUT_S, SHORT_BLACKOUT_BOUND_MS);
  else
    test_cut (h2, h1, "blackout", SHORT_BLACKOUT_S, SHORT_BLACKOUT_BOUND_MS);
  test_cut (h1, h2, "blackout", BLACKOUT_S, BLACKOUT_BOUND_MS);
  for (guint i = 0; i < 3; i++)
    test_cut (i % 2 ? h2 : h1, i % 2 ? h1 : h2, "blackout", TINY_BLACKOUT_S,
              TINY_BLACKOUT_BOUND_MS);
  for (guint i = 0; i < 4; i++)
    test_idle_blackout (i % 2 ? h2 : h1, i % 2 ? h1 : h2);
  test_cut (h1, h2, "cable", "0.3", CABLE_BOUND_MS);
  test_cut (h2, h1, "cable", "1", CABLE_BOUND_MS);
  test_cut (h1, h2, "cable", "2", CABLE_BOUND_MS);
  test_cut (h1, h2, "iface-cut", "0.3", CABLE_BOUND_MS);
  test_cut (h2, h1, "iface-cut", "0.7", CABLE_BOUND_MS);
  test_cut (h1, h2, "iface-cut", "2", CABLE_BOUND_MS);
  test_stop (fixture, h1, h2);
}

/* The session bus daemon of @host, stopped or continued. */
static void
signal_session_bus (ShoalTestLanHost *host,
                    gint              signum)
{
  g_autofree gchar *pid_file = g_build_filename (host->dir, "session.pid", NULL);
  g_autofree gchar *contents = NULL;
  g_autoptr(GError) error = NULL;
  gint64 pid;

  g_file_get_contents (pid_file, &contents, NULL, &error);
  g_assert_no_error (error);
  pid = g_ascii_strtoll (contents, NULL, 10);
  g_assert_cmpint (pid, >, 1);
  g_assert_cmpint (kill ((pid_t) pid, signum), ==, 0);
}

typedef struct
{
  ShoalTestLanHost *host;
  const gchar      *needle;
} LogWait;

static gboolean
log_has (gpointer user_data)
{
  LogWait *wait = user_data;

  return shoal_test_lan_host_log_count (wait->host, wait->needle) > 0;
}

void
test_lan_liveness_held (ShoalTestLanFixture *fixture,
                        gconstpointer        user_data)
{
  ShoalTestLanHost *h1 = &fixture->hosts[1];
  ShoalTestLanHost *h2 = &fixture->hosts[2];
  g_autofree gchar *lost = NULL;
  g_autofree guint8 *data = g_malloc0 (HELD_MESSAGE_SIZE);
  ShoalTestLanMesh mesh;
  LogWait held = { h1, "The bus is behind" };
  LogWait gone = { h1, NULL };
  g_autoptr(GPtrArray) arrived = NULL;
  guint cursor;
  gint64 cut;

  g_test_summary ("A shoald whose bus is behind stops reading its links, and still finds a "
                  "peer whose cable is cut by the heartbeat timeout; once the bus takes "
                  "signals again every message arrives, each once");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_start_hosts (fixture, 1, 2);
  shoal_test_lan_mesh_init (&mesh, fixture, 1, 2);
  shoal_test_lan_mesh_wait (&mesh);
  cursor = h1->events->len;

  /* h1's bus takes nothing more: shoald's signals pile up until it holds. */
  signal_session_bus (h1, SIGSTOP);
  for (guint i = 0; i < HELD_MESSAGES; i++)
    {
      g_autoptr(GBytes) payload = NULL;

      data[0] = (guint8) i;
      payload = g_bytes_new (data, HELD_MESSAGE_SIZE);
      send_message (h2, h1, payload);
    }
  if (!shoal_test_lan_wait_until (log_has, &held, SHOAL_TEST_LAN_DELIVERY_TIMEOUT_MS))
    {
      signal_session_bus (h1, SIGCONT);
      shoal_test_lan_host_dump_log (h1);
      g_error ("shoald on h1 never held its links for its bus");
    }

  cut = g_get_monotonic_time ();
  shoal_test_lan_do ("link-down", h2->name, NULL);
  lost = g_strdup_printf ("Disconnected from %s", h2->id);
  gone.needle = lost;
  if (!shoal_test_lan_wait_until (log_has, &gone, HELD_BOUND_MS))
    {
      signal_session_bus (h1, SIGCONT);
      shoal_test_lan_host_dump_log (h1);
      g_error ("h1, holding, did not find h2 lost within %u ms of its cable being cut",
               HELD_BOUND_MS);
    }
  g_test_message ("h1, holding, logged h2 lost after %.1f s",
                  (g_get_monotonic_time () - cut) / 1e6);

  signal_session_bus (h1, SIGCONT);
  shoal_test_lan_do ("link-up", h2->name, NULL);
  shoal_test_lan_mesh_wait (&mesh);

  arrived = shoal_test_lan_wait_messages (h1, h2->id, cursor, HELD_MESSAGES);
  g_assert_nonnull (arrived);
  shoal_test_lan_iterate_for (500);
  {
    gboolean seen[HELD_MESSAGES] = { FALSE, };
    guint n = 0;

    for (guint i = cursor; i < h1->events->len; i++)
      {
        ShoalTestLanEvent *event = g_ptr_array_index (h1->events, i);
        const guint8 *bytes;

        if (event->kind != SHOAL_TEST_LAN_EVENT_MESSAGE || g_strcmp0 (event->id, h2->id) != 0)
          continue;
        g_assert_cmpuint (g_bytes_get_size (event->payload), ==, HELD_MESSAGE_SIZE);
        bytes = g_bytes_get_data (event->payload, NULL);
        g_assert_cmpuint (bytes[0], <, HELD_MESSAGES);
        g_assert_false (seen[bytes[0]]);
        seen[bytes[0]] = TRUE;
        n++;
      }
    g_assert_cmpuint (n, ==, HELD_MESSAGES);
  }
}
