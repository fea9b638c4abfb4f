/* test-delivery.c: messages arrive once each, in order, across broken links
 *
 * Two nodes on loopback: one sends numbered messages, the other checks that
 * each number arrives once and in order, while links are cut as a broken
 * network would cut them (a TCP reset, no goodbye), the receiver holds its
 * messages, restarts, or is gone for longer than the delivery timeout.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>

#include "shoal-error.h"
#include "shoal-node-private.h"
#include "shoal-test-nodes.h"
#include "shoal-test-scratch.h"

#define TIMEOUT_MS 30000

typedef struct {
  gchar     *tmpdir;        /* (owned) */
  ShoalNode *sender;        /* (owned) */
  ShoalNode *receiver;      /* (owned) (nullable) while stopped */
  gchar     *receiver_id;   /* (owned) the same across its restarts */
  gboolean   child_passed;

  /* What the receiver saw. */
  guint      received;
  guint      next;          /* the number expected next */
  guint      duplicates;
  guint      gaps;

  /* What the sender was told. */
  GHashTable *sent;         /* (owned) message id → its number + 1 */
  guint       delivered;
  guint       failed;
  guint       reported_twice;
  gchar      *last_failure; /* (owned) (nullable) */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->tmpdir = shoal_test_scratch_dir ("delivery");
  f->sent = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

static void
stop_node (ShoalNode **node)
{
  if (*node == NULL)
    return;
  g_signal_handlers_disconnect_matched (*node, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, NULL);
  shoal_node_stop (*node);
  g_clear_object (node);
}

static void
stopped_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (shoal_node_stop_finish (SHOAL_NODE (source), result, NULL));
  *done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

/* A clean stop: goodbyes cross, and what was delivered is acknowledged
 * before the links close. (An abrupt stop closes sockets with data unread:
 * TCP resets them, and the last acknowledgement may be lost, as in a crash.) */
static void
stop_node_gracefully (ShoalNode **node)
{
  gboolean done = FALSE;

  g_signal_handlers_disconnect_matched (*node, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, NULL);
  shoal_node_stop_async (*node, NULL, stopped_cb, &done);
  g_assert_true (shoal_test_nodes_wait (flag_set, &done, TIMEOUT_MS));
  g_clear_object (node);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gboolean parent = !g_test_subprocess ();

  stop_node (&f->sender);
  stop_node (&f->receiver);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  shoal_test_scratch_remove (f->tmpdir);
  g_free (f->tmpdir);
  g_hash_table_unref (f->sent);
  g_free (f->last_failure);
  g_free (f->receiver_id);
  if (parent && !f->child_passed)
    g_test_fail ();
}

/* The receiver's side: every message is a decimal number. */
static void
received_cb (ShoalNode *node,
             ShoalPeer *peer,
             GBytes    *payload,
             gboolean   broadcast,
             Fixture   *f)
{
  g_autofree gchar *text = g_strndup (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  guint number = (guint) strtoul (text, NULL, 10);

  f->received++;
  if (number < f->next)
    f->duplicates++;
  else if (number > f->next)
    f->gaps++;
  f->next = MAX (f->next, number + 1);
}

static guint64 *
key_for (guint64 id)
{
  return g_memdup2 (&id, sizeof id);
}

static void
report (Fixture *f,
        guint64  id)
{
  gpointer value = NULL;

  if (!g_hash_table_lookup_extended (f->sent, &id, NULL, &value) || value == NULL)
    f->reported_twice++;
  else
    g_hash_table_replace (f->sent, key_for (id), NULL);
}

static void
delivered_cb (ShoalNode *node,
              ShoalPeer *peer,
              guint64    id,
              Fixture   *f)
{
  report (f, id);
  f->delivered++;
}

static void
failed_cb (ShoalNode   *node,
           ShoalPeer   *peer,
           guint64      id,
           const gchar *reason,
           Fixture     *f)
{
  report (f, id);
  f->failed++;
  g_free (f->last_failure);
  f->last_failure = g_strdup (reason);
}

static ShoalNode *
start_receiver (Fixture *f,
                guint16  port)
{
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, "receiver", NULL);
  ShoalNode *node = shoal_test_node_start ("receiver", state_dir, port);

  g_signal_connect (node, "message-received", G_CALLBACK (received_cb), f);
  return node;
}

static gboolean
linked (gpointer data)
{
  Fixture *f = data;

  return shoal_test_node_sees (f->sender, f->receiver) &&
         shoal_test_node_sees (f->receiver, f->sender);
}

/* The sender dials the receiver, whose port stays the same across restarts. */
static void
start_pair (Fixture *f)
{
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, "sender", NULL);

  f->receiver = start_receiver (f, 0);
  f->receiver_id = g_strdup (shoal_node_get_id (f->receiver));
  f->sender = shoal_test_node_start ("sender", state_dir, 0);
  g_signal_connect (f->sender, "message-delivered", G_CALLBACK (delivered_cb), f);
  g_signal_connect (f->sender, "message-failed", G_CALLBACK (failed_cb), f);
  shoal_test_node_dial (f->sender, shoal_node_get_port (f->receiver));
  g_assert_true (shoal_test_nodes_wait (linked, f, TIMEOUT_MS));
}

/* Sends message @number; returns its id, or 0 with @error. */
static guint64
send_number (Fixture  *f,
             guint     number,
             GError  **error)
{
  g_autofree gchar *text = g_strdup_printf ("%u", number);
  g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));
  guint64 id = shoal_node_send (f->sender, f->receiver_id, payload, error);

  if (id != 0)
    {
      g_assert_false (g_hash_table_contains (f->sent, &id));
      g_hash_table_insert (f->sent, key_for (id), GUINT_TO_POINTER (number + 1));
    }
  return id;
}

typedef struct {
  Fixture *f;
  guint    count;
} Expect;

static gboolean
all_reported (gpointer data)
{
  Expect *expect = data;

  return expect->f->delivered + expect->f->failed >= expect->count &&
         expect->f->received >= expect->count;
}

static void
assert_exactly_once (Fixture *f,
                     guint    count)
{
  Expect expect = { f, count };

  if (!shoal_test_nodes_wait (all_reported, &expect, TIMEOUT_MS))
    g_test_message ("after %u s: %u received, %u delivered, %u failed", TIMEOUT_MS / 1000,
                    f->received, f->delivered, f->failed);
  g_test_message ("%u sent: %u received, %u duplicates, %u gaps; %u delivered, %u failed",
                  count, f->received, f->duplicates, f->gaps, f->delivered, f->failed);
  g_assert_cmpuint (f->duplicates, ==, 0);
  g_assert_cmpuint (f->gaps, ==, 0);
  g_assert_cmpuint (f->received, ==, count);
  g_assert_cmpuint (f->next, ==, count);
  g_assert_cmpuint (f->failed, ==, 0);
  g_assert_cmpuint (f->delivered, ==, count);
  g_assert_cmpuint (f->reported_twice, ==, 0);
}

typedef struct {
  ShoalPeer *peer;
  guint64    count;
} Counted;

static gboolean
counted (gpointer data)
{
  Counted *c = data;

  return shoal_peer_get_messages_received (c->peer) >= c->count;
}

/* On a link that was never cut, the receiver's count of messages from the
 * sender is exactly what was sent: nothing read is left uncounted, whatever
 * held the link or split the reading of it. */
static void
assert_counted (Fixture *f,
                guint    count)
{
  Counted c = { shoal_node_lookup_peer (f->receiver, shoal_node_get_id (f->sender)), count };

  g_assert_nonnull (c.peer);
  shoal_test_nodes_wait (counted, &c, TIMEOUT_MS);
  /* Counts come in batches: a late one would show up within moments. */
  shoal_test_nodes_run (200);
  g_test_message ("the receiver counted %" G_GUINT64_FORMAT " messages from the sender",
                  shoal_peer_get_messages_received (c.peer));
  g_assert_cmpuint (shoal_peer_get_messages_received (c.peer), ==, count);
}

static gboolean
release_cb (gpointer data)
{
  shoal_node_release_messages (SHOAL_NODE (data));
  return G_SOURCE_REMOVE;
}

/* A consumer that falls behind every 100 messages for a moment, as shoald
 * does while the bus catches up: it holds from inside the handler. One read
 * brings more than 100, so some held frames are handed on in a turn of the
 * main loop that reads nothing new. */
static void
hold_now_and_then_cb (ShoalNode *node,
                      ShoalPeer *peer,
                      GBytes    *payload,
                      gboolean   broadcast,
                      Fixture   *f)
{
  if (f->received % 100 != 0)
    return;
  shoal_node_hold_messages (node);
  g_timeout_add_full (G_PRIORITY_DEFAULT, 5, release_cb, g_object_ref (node), g_object_unref);
}

static void
test_burst (Fixture       *f,
            gconstpointer  data)
{
  const guint count = 5000;

  g_test_summary ("5,000 messages queued in one go, to a consumer that falls behind now "
                  "and then, arrive once each and in order, and the receiver counts every "
                  "one of them: none read while the link was held, or in a turn of the "
                  "main loop that read nothing new, goes uncounted");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  start_pair (f);
  g_signal_connect_after (f->receiver, "message-received", G_CALLBACK (hold_now_and_then_cb), f);

  for (guint i = 0; i < count; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_cmpuint (send_number (f, i, &error), !=, 0);
      g_assert_no_error (error);
    }

  assert_exactly_once (f, count);
  assert_counted (f, count);
}

/* Shares: a receiver whose consumer is slow, fed by a flooding sender and
 * a light one, holding as shoald does while the bus catches up. */
typedef struct {
  Fixture   *f;
  ShoalNode *light;          /* (owned) */
  guint      flood_handled;
  guint      light_handled;
  guint      flood_at_light; /* flood messages handed on before the light peer's last */
  guint      since_release;
  gint64     last_tick;
  gint64     longest_gap;    /* µs between two turns of the receiver's main loop */
} Shares;

#define SHARES_FLOOD 3000
#define SHARES_LIGHT 10
#define SHARES_COST_US 100
#define SHARES_HOLD_EVERY 1024

static gboolean
shares_release_cb (gpointer data)
{
  shoal_node_release_messages (SHOAL_NODE (data));
  return G_SOURCE_REMOVE;
}

static void
shares_received_cb (ShoalNode *node,
                    ShoalPeer *peer,
                    GBytes    *payload,
                    gboolean   broadcast,
                    Shares    *shares)
{
  gint64 until = g_get_monotonic_time () + SHARES_COST_US;

  /* A consumer for which each message costs, as a D-Bus signal does. */
  while (g_get_monotonic_time () < until)
    ;

  if (g_str_equal (shoal_peer_get_id (peer), shoal_node_get_id (shares->light)))
    {
      if (++shares->light_handled == SHARES_LIGHT)
        shares->flood_at_light = shares->flood_handled;
    }
  else
    {
      shares->flood_handled++;
    }

  if (++shares->since_release == SHARES_HOLD_EVERY)
    {
      shares->since_release = 0;
      shoal_node_hold_messages (node);
      g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, shares_release_cb, g_object_ref (node), g_object_unref);
    }
}

static gboolean
shares_tick_cb (gpointer data)
{
  Shares *shares = data;
  gint64 now = g_get_monotonic_time ();

  if (shares->last_tick != 0)
    shares->longest_gap = MAX (shares->longest_gap, now - shares->last_tick);
  shares->last_tick = now;
  return G_SOURCE_CONTINUE;
}

static gboolean
shares_done (gpointer data)
{
  Shares *shares = data;

  return shares->flood_handled == SHARES_FLOOD && shares->light_handled == SHARES_LIGHT;
}

static gboolean
light_linked (gpointer data)
{
  Shares *shares = data;

  return shoal_test_node_sees (shares->light, shares->f->receiver) &&
         shoal_test_node_sees (shares->f->receiver, shares->light);
}

static void
test_fair_shares (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree gchar *light_dir = g_build_filename (f->tmpdir, "light", NULL);
  g_autoptr(GBytes) light_payload = g_bytes_new_static ("light", 5);
  Shares shares = { f, };
  guint tick;

  g_test_summary ("A receiver whose consumer takes 100 µs a message and falls behind every "
                  "1024 messages, flooded by one peer: a second peer's messages are handed on "
                  "long before the flood's, and the receiver's main loop gets a turn every "
                  "few milliseconds, not once per thousand messages");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  start_pair (f);
  g_signal_handlers_disconnect_matched (f->receiver, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, f);
  /* The flood's link came first, so GLib dispatches it first. */
  shares.light = shoal_test_node_start ("light", light_dir, 0);
  shoal_test_node_dial (shares.light, shoal_node_get_port (f->receiver));
  g_assert_true (shoal_test_nodes_wait (light_linked, &shares, TIMEOUT_MS));
  g_signal_connect (f->receiver, "message-received", G_CALLBACK (shares_received_cb), &shares);

  for (guint i = 0; i < SHARES_FLOOD; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_cmpuint (send_number (f, i, &error), !=, 0);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < SHARES_LIGHT; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_cmpuint (shoal_node_send (shares.light, f->receiver_id, light_payload, &error), !=, 0);
      g_assert_no_error (error);
    }

  tick = g_timeout_add (2, shares_tick_cb, &shares);
  g_assert_true (shoal_test_nodes_wait (shares_done, &shares, TIMEOUT_MS));
  g_source_remove (tick);

  g_test_message ("the light peer's last message came after %u of the flood's %u; longest "
                  "turn of the main loop %" G_GINT64_FORMAT " ms", shares.flood_at_light,
                  SHARES_FLOOD, shares.longest_gap / 1000);
  g_assert_cmpuint (shares.flood_at_light, <, SHARES_FLOOD / 2);
  /* 1024 messages in one turn would take more than 100 ms. */
  g_assert_cmpint (shares.longest_gap, <, 50 * 1000);

  stop_node (&shares.light);
}

static void
test_cuts (Fixture       *f,
           gconstpointer  data)
{
  const guint count = 20000;
  const guint cuts = 20;
  guint cut = 0;

  g_test_summary ("20,000 numbered messages sent while the link is cut 20 times without a "
                  "goodbye, by either end, arrive once each and in order, and each ends in "
                  "exactly one message-delivered");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  start_pair (f);

  for (guint i = 0; i < count; i++)
    {
      g_autoptr(GError) error = NULL;

      /* A disconnected peer takes messages too: kept until it is back. */
      g_assert_cmpuint (send_number (f, i, &error), !=, 0);
      g_assert_no_error (error);

      if (i % 100 == 99)
        shoal_test_nodes_run (1);
      if (i % (count / cuts) == count / cuts / 2)
        {
          /* Either end, as a reset or a vanished route would. */
          shoal_node_sever_links (cut++ % 2 ? f->receiver : f->sender);
        }
    }
  g_assert_cmpuint (cut, ==, cuts);

  assert_exactly_once (f, count);
}

static void
test_held_consumer (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const gsize bound = 64 * 1024;
  guint queued = 0;

  g_test_summary ("A consumer that stops taking messages for 10 s holds the node's links: "
                  "nothing is handed on meanwhile, the link stays up, the sender's store "
                  "fills to its bound and Send answers QueueFull; once the consumer takes "
                  "again, every message arrives once and in order");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  start_pair (f);
  g_object_set (f->sender, "max-queue-bytes", (guint64) bound, NULL);

  shoal_node_hold_messages (f->receiver);
  for (;;)
    {
      g_autofree gchar *padding = g_strnfill (1000, ' ');
      g_autofree gchar *text = g_strdup_printf ("%u%s", queued, padding);
      g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));
      guint64 id = shoal_node_send (f->sender, shoal_node_get_id (f->receiver), payload, &error);

      if (id == 0)
        break;
      g_hash_table_insert (f->sent, key_for (id), GUINT_TO_POINTER (queued + 1));
      queued++;
      shoal_test_nodes_run (1);
      g_assert_cmpuint (queued, <, 1000);
    }
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_QUEUE_FULL);
  g_test_message ("QueueFull after %u messages of about 1 KiB", queued);
  g_assert_cmpuint (queued * 1000, <=, bound + 2000);
  g_assert_cmpuint (queued, >=, bound / 1100);

  /* Held for 10 s: nothing handed on, nobody gave up. */
  shoal_test_nodes_run (10000);
  g_assert_cmpuint (f->received, ==, 0);
  g_assert_cmpuint (f->delivered, ==, 0);
  g_assert_true (linked (f));

  shoal_node_release_messages (f->receiver);
  assert_exactly_once (f, queued);
  assert_counted (f, queued);
}

static void
count_disconnect (ShoalNode   *node,
                  ShoalPeer   *peer,
                  const gchar *reason,
                  guint       *count)
{
  (*count)++;
}

static void
test_held_before_link (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, "sender", NULL);
  guint disconnects = 0;

  g_test_summary ("A node whose consumer is behind before a link comes up still reads that "
                  "link's HELLO: the link comes up on both sides and stays up past the "
                  "heartbeat timeout while held, and what was sent arrives once released");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  f->receiver = start_receiver (f, 0);
  f->receiver_id = g_strdup (shoal_node_get_id (f->receiver));
  shoal_node_hold_messages (f->receiver);

  f->sender = shoal_test_node_start ("sender", state_dir, 0);
  g_signal_connect (f->sender, "message-delivered", G_CALLBACK (delivered_cb), f);
  g_signal_connect (f->sender, "message-failed", G_CALLBACK (failed_cb), f);
  g_signal_connect (f->sender, "peer-disconnected", G_CALLBACK (count_disconnect), &disconnects);
  shoal_test_node_dial (f->sender, shoal_node_get_port (f->receiver));
  g_assert_true (shoal_test_nodes_wait (linked, f, TIMEOUT_MS));

  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_cmpuint (send_number (f, i, &error), !=, 0);
      g_assert_no_error (error);
    }

  /* Longer than the default heartbeat timeout of 2.5 s. */
  shoal_test_nodes_run (4000);
  g_assert_cmpuint (f->received, ==, 0);
  g_assert_true (linked (f));
  g_assert_cmpuint (disconnects, ==, 0);

  shoal_node_release_messages (f->receiver);
  assert_exactly_once (f, 10);
  assert_counted (f, 10);
  g_assert_cmpuint (disconnects, ==, 0);
}

static gboolean
sender_failed (gpointer data)
{
  return ((Fixture *) data)->failed > 0;
}

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) payload = g_bytes_new_static ("1", 1);
  g_autofree gchar *receiver_id = NULL;
  guint64 id;

  g_test_summary ("A message to a peer that stays out of reach longer than the delivery "
                  "timeout ends in message-failed saying so; after that, Send refuses the "
                  "peer with NotConnected");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  start_pair (f);
  g_object_set (f->sender, "delivery-timeout", 1000, NULL);
  receiver_id = g_strdup (shoal_node_get_id (f->receiver));

  /* Gone, but known still: its address is configured and redialled. */
  stop_node (&f->receiver);
  id = shoal_node_send (f->sender, receiver_id, payload, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);
  g_hash_table_insert (f->sent, key_for (id), GUINT_TO_POINTER (1));

  g_assert_true (shoal_test_nodes_wait (sender_failed, f, TIMEOUT_MS));
  g_assert_cmpuint (f->failed, ==, 1);
  g_assert_cmpuint (f->delivered, ==, 0);
  g_assert_cmpstr (f->last_failure, ==, "peer unreachable for 1 s");

  g_assert_cmpuint (shoal_node_send (f->sender, receiver_id, payload, &error), ==, 0);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_CONNECTED);
}

static void
test_stop_reports (Fixture       *f,
                   gconstpointer  data)
{
  const guint count = 5;

  g_test_summary ("A node that stops with messages its peer has not acknowledged reports "
                  "each of them failed, saying it stopped, before it is gone");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  start_pair (f);
  shoal_node_hold_messages (f->receiver);
  for (guint i = 0; i < count; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_cmpuint (send_number (f, i, &error), !=, 0);
    }
  shoal_test_nodes_run (200);

  shoal_node_stop (f->sender);
  g_assert_cmpuint (f->failed, ==, count);
  g_assert_cmpuint (f->delivered, ==, 0);
  g_assert_cmpstr (f->last_failure, ==, "node stopped");
  g_assert_cmpuint (f->reported_twice, ==, 0);
  shoal_node_release_messages (f->receiver);
}

static void
test_receiver_restart (Fixture       *f,
                       gconstpointer  data)
{
  const guint count = 3000;
  guint16 port;

  g_test_summary ("Messages sent while the receiver stops cleanly and starts again (a new "
                  "session with the same id) are kept, sent again, and arrive once each, in "
                  "order");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  start_pair (f);
  port = shoal_node_get_port (f->receiver);

  for (guint i = 0; i < count; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_cmpuint (send_number (f, i, &error), !=, 0);
      if (i % 100 == 99)
        shoal_test_nodes_run (1);
      if (i == count / 3)
        stop_node_gracefully (&f->receiver);
      if (i == 2 * count / 3)
        f->receiver = start_receiver (f, port);
    }

  assert_exactly_once (f, count);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/delivery/burst", test_burst);
  ADD ("/delivery/fair-shares", test_fair_shares);
  ADD ("/delivery/cuts", test_cuts);
  ADD ("/delivery/held-consumer", test_held_consumer);
  ADD ("/delivery/held-before-link", test_held_before_link);
  ADD ("/delivery/timeout", test_timeout);
  ADD ("/delivery/stop-reports", test_stop_reports);
  ADD ("/delivery/receiver-restart", test_receiver_restart);
#undef ADD

  return g_test_run ();
}
