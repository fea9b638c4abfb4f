/* test-node.c: several nodes in one process on loopback
 *
 * Every node listens on 127.0.0.1 and finds the others through static
 * discovery. The tests check what users rely on: a full mesh, every message
 * delivered byte for byte and in order per sender, one link per pair however
 * the dials cross, departures seen at once, silent peers lost within the
 * timeout, and garbage from a stranger, before TLS or inside it, costing
 * only the stranger's link.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "shoal-credentials.h"
#include "shoal-discovery-static.h"
#include "shoal-error.h"
#include "shoal-frame.h"
#include "shoal-node-private.h"

#define MAX_NODES 5

/* Log capture: the tests check that a dropped link says why. */

static GMutex log_lock;
static GPtrArray *log_lines;

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_WARNING))
    {
      for (gsize i = 0; i < n_fields; i++)
        if (g_str_equal (fields[i].key, "MESSAGE"))
          {
            g_mutex_lock (&log_lock);
            g_ptr_array_add (log_lines, g_strdup (fields[i].value));
            g_mutex_unlock (&log_lock);
          }
    }

  return g_log_writer_default (level, fields, n_fields, user_data);
}

static gboolean
log_contains (const gchar *needle)
{
  gboolean found = FALSE;

  g_autofree gchar *lower_needle = g_ascii_strdown (needle, -1);

  g_mutex_lock (&log_lock);
  for (guint i = 0; i < log_lines->len && !found; i++)
    {
      g_autofree gchar *line = g_ascii_strdown (g_ptr_array_index (log_lines, i), -1);

      found = strstr (line, lower_needle) != NULL;
    }
  g_mutex_unlock (&log_lock);

  return found;
}

/* How many captured lines contain @needle (case matters). */
static guint
log_count (const gchar *needle)
{
  guint count = 0;

  g_mutex_lock (&log_lock);
  for (guint i = 0; i < log_lines->len; i++)
    if (strstr (g_ptr_array_index (log_lines, i), needle) != NULL)
      count++;
  g_mutex_unlock (&log_lock);

  return count;
}

static void
log_clear (void)
{
  g_mutex_lock (&log_lock);
  g_ptr_array_set_size (log_lines, 0);
  g_mutex_unlock (&log_lock);
}

/* Fixture */

static void
remove_tree (const gchar *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

typedef struct {
  gchar     *tmpdir;
  ShoalNode *nodes[MAX_NODES];
  guint      n_nodes;
  guint      disconnects;
  guint      timeouts;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("shoal-node-XXXXXX", &error);
  g_assert_no_error (error);
  log_clear ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  for (guint i = 0; i < f->n_nodes; i++)
    {
      if (f->nodes[i] != NULL)
        shoal_node_stop (f->nodes[i]);
      g_clear_object (&f->nodes[i]);
    }

  /* Let cancelled operations report back before the next test. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  remove_tree (f->tmpdir);
  g_free (f->tmpdir);
}

static ShoalNode *
new_node (Fixture     *f,
          const gchar *name,
          guint        interval_ms,
          guint        timeout_ms)
{
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, name, NULL);
  ShoalNode *node = shoal_node_new (name, 0, state_dir);

  shoal_node_set_listen_address (node, "127.0.0.1");
  shoal_node_set_mdns (node, FALSE);
  if (interval_ms != 0)
    shoal_node_set_heartbeat (node, interval_ms, timeout_ms);

  return node;
}

static void
start_node (ShoalNode *node)
{
  g_autoptr(GError) error = NULL;

  shoal_node_start (node, &error);
  g_assert_no_error (error);
}

/* Makes @node dial each of @targets. */
static void
add_static_peers (ShoalNode  *node,
                  ShoalNode **targets,
                  guint       n_targets)
{
  g_autoptr(ShoalDiscoveryStatic) discovery = shoal_discovery_static_new ();

  for (guint i = 0; i < n_targets; i++)
    {
      g_autofree gchar *where = g_strdup_printf ("127.0.0.1:%u", shoal_node_get_port (targets[i]));
      g_autoptr(GError) error = NULL;

      shoal_discovery_static_add_peer (discovery, where, &error);
      g_assert_no_error (error);
    }

  shoal_node_add_discovery (node, SHOAL_DISCOVERY (discovery));
}

typedef gboolean (*Condition) (gpointer data);

/* Runs the main loop until @condition holds or @timeout_ms pass. */
static gboolean
wait_for (Condition condition,
          gpointer  data,
          guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (200);
    }

  return TRUE;
}

static guint
count_connected (ShoalNode *node)
{
  GListModel *peers = shoal_node_get_peers (node);
  guint connected = 0;

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(ShoalPeer) peer = g_list_model_get_item (peers, i);

      if (shoal_peer_get_connected (peer))
        connected++;
    }

  return connected;
}

static gboolean
mesh_complete (gpointer data)
{
  Fixture *f = data;

  for (guint i = 0; i < f->n_nodes; i++)
    if (count_connected (f->nodes[i]) != f->n_nodes - 1 ||
        shoal_node_count_links (f->nodes[i], FALSE) != f->n_nodes - 1)
      return FALSE;

  return TRUE;
}

/* Starts @n nodes, each told of all the others, and waits for the mesh. */
static void
form_mesh (Fixture *f,
           guint    n,
           guint    interval_ms,
           guint    timeout_ms)
{
  f->n_nodes = n;
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("node%u", i);

      f->nodes[i] = new_node (f, name, interval_ms, timeout_ms);
      start_node (f->nodes[i]);
    }

  for (guint i = 0; i < n; i++)
    {
      ShoalNode *others[MAX_NODES];
      guint n_others = 0;

      for (guint j = 0; j < n; j++)
        if (j != i)
          others[n_others++] = f->nodes[j];
      add_static_peers (f->nodes[i], others, n_others);
    }

  g_assert_true (wait_for (mesh_complete, f, 10000));
}

static void
test_mesh (Fixture       *f,
           gconstpointer  data)
{
  g_test_summary ("Five nodes that all dial each other end with a full mesh of exactly "
                  "one link per pair, and every peer carries the other's name and address");

  form_mesh (f, 5, 0, 0);

  for (guint i = 0; i < f->n_nodes; i++)
    for (guint j = 0; j < f->n_nodes; j++)
      {
        ShoalPeer *peer;
        g_autofree gchar *name = g_strdup_printf ("node%u", j);
        g_autofree gchar *address = NULL;

        if (i == j)
          {
            g_assert_null (shoal_node_lookup_peer (f->nodes[i], shoal_node_get_id (f->nodes[i])));
            continue;
          }

        peer = shoal_node_lookup_peer (f->nodes[i], shoal_node_get_id (f->nodes[j]));
        g_assert_nonnull (peer);
        g_assert_cmpstr (shoal_peer_get_name (peer), ==, name);
        g_assert_cmpint (shoal_peer_get_state (peer), ==, SHOAL_PEER_STATE_CONNECTED);
        address = g_strdup_printf ("127.0.0.1:%u", shoal_node_get_port (f->nodes[j]));
        g_assert_true (g_strv_contains (shoal_peer_get_addresses (peer), address));
      }
}

/* Traffic: every message is recorded per (sender, receiver) in the order
 * sent, and each delivery must match the head of its queue exactly. */

typedef struct {
  Fixture *f;
  GQueue   expected[MAX_NODES][MAX_NODES];  /* (element-type Expected) */
  guint    outstanding;
  guint    delivered;
  gboolean failed;
} Traffic;

typedef struct {
  GBytes   *payload;
  gboolean  broadcast;
} Expected;

typedef struct {
  Traffic *traffic;
  guint    receiver;
} Receiver;

static guint
node_index (Fixture     *f,
            const gchar *id)
{
  for (guint i = 0; i < f->n_nodes; i++)
    if (g_str_equal (shoal_node_get_id (f->nodes[i]), id))
      return i;

  g_assert_not_reached ();
}

static void
message_received_cb (ShoalNode *node,
                     ShoalPeer *peer,
                     GBytes    *payload,
                     gboolean   broadcast,
                     gpointer   user_data)
{
  Receiver *receiver = user_data;
  Traffic *traffic = receiver->traffic;
  guint sender = node_index (traffic->f, shoal_peer_get_id (peer));
  Expected *expected = g_queue_pop_head (&traffic->expected[sender][receiver->receiver]);

  g_assert_nonnull (expected);
  g_assert_cmpuint (g_bytes_get_size (payload), ==, g_bytes_get_size (expected->payload));
  g_assert_true (g_bytes_equal (payload, expected->payload));
  g_assert_cmpint (broadcast, ==, expected->broadcast);

  g_bytes_unref (expected->payload);
  g_free (expected);
  traffic->outstanding--;
  traffic->delivered++;
}

static GBytes *
make_payload (GRand *rand,
              gsize  size)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_rand_int (rand);

  return g_bytes_new_take (data, size);
}

static void
expect (Traffic  *traffic,
        guint     sender,
        guint     receiver,
        GBytes   *payload,
        gboolean  broadcast)
{
  Expected *expected = g_new0 (Expected, 1);

  expected->payload = g_bytes_ref (payload);
  expected->broadcast = broadcast;
  g_queue_push_tail (&traffic->expected[sender][receiver], expected);
  traffic->outstanding++;
}

static gboolean
traffic_below (gpointer data)
{
  Traffic *traffic = data;

  /* Enough in flight to fill the queues, not so much that they overflow. */
  return traffic->outstanding < 400;
}

static gboolean
traffic_drained (gpointer data)
{
  return ((Traffic *) data)->outstanding == 0;
}

static gboolean
counters_agree (gpointer data)
{
  Fixture *f = data;

  for (guint r = 0; r < f->n_nodes; r++)
    for (guint s = 0; s < f->n_nodes; s++)
      {
        ShoalPeer *at_receiver, *at_sender;

        if (r == s)
          continue;
        at_receiver = shoal_node_lookup_peer (f->nodes[r], shoal_node_get_id (f->nodes[s]));
        at_sender = shoal_node_lookup_peer (f->nodes[s], shoal_node_get_id (f->nodes[r]));
        if (shoal_peer_get_messages_received (at_receiver) !=
              shoal_peer_get_messages_sent (at_sender) ||
            shoal_peer_get_bytes_received (at_receiver) != shoal_peer_get_bytes_sent (at_sender) ||
            shoal_peer_get_messages_sent (at_sender) == 0)
          return FALSE;
      }

  return TRUE;
}

static void
test_traffic (Fixture       *f,
              gconstpointer  data)
{
  const guint n_messages = 10000;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261121);
  Traffic traffic = { .f = f, };
  Receiver receivers[MAX_NODES];
  guint64 total_bytes = 0;

  g_test_summary ("10,000 messages of 1 B to 1 MiB, sent to one peer or broadcast, arrive "
                  "byte for byte, none lost, in order per sender, with the broadcast flag "
                  "right, and the peers' counters add up");

  form_mesh (f, 4, 0, 0);
  for (guint i = 0; i < f->n_nodes; i++)
    {
      receivers[i].traffic = &traffic;
      receivers[i].receiver = i;
      for (guint j = 0; j < f->n_nodes; j++)
        g_queue_init (&traffic.expected[i][j]);
      g_signal_connect (f->nodes[i], "message-received", G_CALLBACK (message_received_cb),
                        &receivers[i]);
    }

  for (guint m = 0; m < n_messages; m++)
    {
      guint sender = g_rand_int_range (rand, 0, f->n_nodes);
      gsize size;
      g_autoptr(GBytes) payload = NULL;

      /* Mostly small messages, a few up to the 1 MiB end, and both ends exactly. */
      if (m == 0)
        size = 1;
      else if (m == 1)
        size = 1024 * 1024;
      else if (m % 97 == 0)
        size = g_rand_int_range (rand, 64 * 1024, 1024 * 1024 + 1);
      else
        size = g_rand_int_range (rand, 1, 4097);
      payload = make_payload (rand, size);

      if (g_rand_int_range (rand, 0, 10) < 3)
        {
          g_autoptr(GPtrArray) recipients = NULL;

          for (guint r = 0; r < f->n_nodes; r++)
            if (r != sender)
              expect (&traffic, sender, r, payload, TRUE);
          g_assert_cmpuint (shoal_node_broadcast (f->nodes[sender], payload, &recipients), !=, 0);
          g_assert_cmpuint (recipients->len, ==, f->n_nodes - 1);
          total_bytes += size * (f->n_nodes - 1);
        }
      else
        {
          guint receiver = (sender + g_rand_int_range (rand, 1, f->n_nodes)) % f->n_nodes;
          g_autoptr(GError) error = NULL;

          expect (&traffic, sender, receiver, payload, FALSE);
          shoal_node_send (f->nodes[sender], shoal_node_get_id (f->nodes[receiver]), payload,
                           &error);
          g_assert_no_error (error);
          total_bytes += size;
        }

      g_assert_true (wait_for (traffic_below, &traffic, 30000));
    }

  g_assert_true (wait_for (traffic_drained, &traffic, 30000));
  g_test_message ("%u deliveries, %" G_GUINT64_FORMAT " bytes", traffic.delivered, total_bytes);

  /* What each node counted received equals what the others counted sent,
   * once the senders' counts are reported (with a heartbeat at the latest). */
  g_assert_true (wait_for (counters_agree, f, 3000));
  for (guint r = 0; r < f->n_nodes; r++)
    for (guint s = 0; s < f->n_nodes; s++)
      if (r != s)
        g_assert_cmpint (shoal_peer_get_last_seen (
                           shoal_node_lookup_peer (f->nodes[r], shoal_node_get_id (f->nodes[s]))),
                         >, 0);

  for (guint i = 0; i < f->n_nodes; i++)
    g_signal_handlers_disconnect_by_data (f->nodes[i], &receivers[i]);
}

static void
count_disconnect_cb (ShoalNode   *node,
                     ShoalPeer   *peer,
                     const gchar *reason,
                     gpointer     user_data)
{
  Fixture *f = user_data;

  f->disconnects++;
  if (g_str_has_prefix (reason, "timeout"))
    f->timeouts++;
}

typedef struct {
  ShoalNode *a, *b;
} Pair;

static gboolean
pair_connected (gpointer data)
{
  Pair *pair = data;

  return count_connected (pair->a) == 1 && count_connected (pair->b) == 1;
}

/* Both list each other connected over one link each, none is still in its
 * handshake or closing, and neither has a dial waiting or under way: the
 * one-link rule has decided, and nothing more can make it decide again. */
static gboolean
pair_settled (gpointer data)
{
  Pair *pair = data;

  return pair_connected (pair) &&
         shoal_node_count_links (pair->a, FALSE) == 1 &&
         shoal_node_count_links (pair->b, FALSE) == 1 &&
         shoal_node_count_dials (pair->a) == 0 &&
         shoal_node_count_dials (pair->b) == 0;
}

/* Counts messages into the guint at @user_data. */
static void
count_message_cb (ShoalNode *node,
                  ShoalPeer *peer,
                  GBytes    *payload,
                  gboolean   broadcast,
                  gpointer   user_data)
{
  (*(guint *) user_data)++;
}

typedef struct {
  guint *a, *b;
} Counts;

static gboolean
both_received (gpointer data)
{
  Counts *counts = data;

  return *counts->a > 0 && *counts->b > 0;
}

static void
test_simultaneous_dial (Fixture       *f,
                        gconstpointer  data)
{
  g_test_summary ("Two nodes that dial each other at the same moment keep the same one "
                  "link, on both sides, and neither sees the other drop; repeated with "
                  "fresh ids so both orders of the ids occur");

  for (guint round = 0; round < 12; round++)
    {
      g_autofree gchar *name_a = g_strdup_printf ("a%u", round);
      g_autofree gchar *name_b = g_strdup_printf ("b%u", round);
      g_autoptr(ShoalNode) a = new_node (f, name_a, 0, 0);
      g_autoptr(ShoalNode) b = new_node (f, name_b, 0, 0);
      g_autoptr(GBytes) payload = g_bytes_new_static ("x", 1);
      g_autoptr(GError) error = NULL;
      Pair pair = { a, b };
      guint received_a = 0, received_b = 0;
      Counts counts = { &received_a, &received_b };

      start_node (a);
      start_node (b);
      f->disconnects = 0;
      g_signal_connect (a, "peer-disconnected", G_CALLBACK (count_disconnect_cb), f);
      g_signal_connect (b, "peer-disconnected", G_CALLBACK (count_disconnect_cb), f);
      g_signal_connect (a, "message-received", G_CALLBACK (count_message_cb), &received_a);
      g_signal_connect (b, "message-received", G_CALLBACK (count_message_cb), &received_b);

      /* Within one main-loop turn: both dials leave before either lands. */
      add_static_peers (a, &b, 1);
      add_static_peers (b, &a, 1);

      g_assert_true (wait_for (pair_settled, &pair, 5000));

      /* The link each kept is the same connection: with every other one
       * closed at both ends, a message each way only arrives over a link
       * both ends kept. Had they chosen differently, each would close the
       * link the other kept, and both would see the other drop. */
      shoal_node_send (a, shoal_node_get_id (b), payload, &error);
      g_assert_no_error (error);
      shoal_node_send (b, shoal_node_get_id (a), payload, &error);
      g_assert_no_error (error);
      g_assert_true (wait_for (both_received, &counts, 5000));

      g_assert_cmpuint (f->disconnects, ==, 0);
      g_assert_true (pair_settled (&pair));
      g_assert_cmpuint (shoal_node_count_links (a, TRUE), ==, 1);
      g_assert_cmpuint (shoal_node_count_links (b, TRUE), ==, 1);

      g_signal_handlers_disconnect_by_data (a, f);
      g_signal_handlers_disconnect_by_data (b, f);
      g_signal_handlers_disconnect_by_data (a, &received_a);
      g_signal_handlers_disconnect_by_data (b, &received_b);
      shoal_node_stop (a);
      shoal_node_stop (b);
    }
}

typedef struct {
  Fixture     *f;
  const gchar *gone_id;
  guint        seen_gone;
  gchar       *reason;
} Departure;

static void
departure_cb (ShoalNode   *node,
              ShoalPeer   *peer,
              const gchar *reason,
              gpointer     user_data)
{
  Departure *departure = user_data;

  if (g_strcmp0 (shoal_peer_get_id (peer), departure->gone_id) != 0)
    return;

  departure->seen_gone++;
  g_free (departure->reason);
  departure->reason = g_strdup (reason);
}

static gboolean
departure_seen (gpointer data)
{
  Departure *departure = data;

  return departure->seen_gone == departure->f->n_nodes - 1;
}

static void
stopped_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_node_stop_finish (SHOAL_NODE (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
test_clean_stop (Fixture       *f,
                 gconstpointer  data)
{
  Departure departure = { .f = f, };
  gboolean stopped = FALSE;
  gint64 start;

  g_test_summary ("A node that stops cleanly is seen gone by every other node at once, "
                  "long before the heartbeat timeout, with the reason \"shutdown\"");

  /* A timeout far beyond the wait below: only the goodbye can explain it. */
  form_mesh (f, 3, 1000, 20000);
  departure.gone_id = shoal_node_get_id (f->nodes[2]);

  for (guint i = 0; i < 2; i++)
    g_signal_connect (f->nodes[i], "peer-disconnected", G_CALLBACK (departure_cb), &departure);

  start = g_get_monotonic_time ();
  shoal_node_stop_async (f->nodes[2], NULL, stopped_cb, &stopped);
  g_assert_true (wait_for (departure_seen, &departure, 5000));
  g_test_message ("departure seen after %" G_GINT64_FORMAT " µs", g_get_monotonic_time () - start);
  /* At once means through the goodbye exchange, not after the node gives up
   * waiting for it (a second) and certainly not after the heartbeat timeout. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 800 * 1000);
  g_assert_cmpstr (departure.reason, ==, "shutdown");
  g_assert_true (wait_for (flag_set, &stopped, 5000));

  g_assert_false (shoal_node_get_running (f->nodes[2]));
  g_assert_cmpuint (g_list_model_get_n_items (shoal_node_get_peers (f->nodes[2])), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      ShoalPeer *gone = shoal_node_lookup_peer (f->nodes[i], departure.gone_id);

      /* Known from static discovery, so kept as lost and redialled. */
      g_assert_nonnull (gone);
      g_assert_cmpint (shoal_peer_get_state (gone), !=, SHOAL_PEER_STATE_CONNECTED);
      g_signal_handlers_disconnect_by_data (f->nodes[i], &departure);
    }

  g_free (departure.reason);
}

/* A node in a thread of its own, whose main loop the test can freeze: its
 * sockets stay open, it just stops answering. */

typedef struct {
  gchar       *state_dir;
  guint16      ports[2];
  GMutex       lock;
  GCond        cond;
  gchar       *id;
  gboolean     freeze;
  gboolean     thaw;
  gboolean     done;
  GThread     *thread;
} Frozen;

static gpointer
frozen_thread (gpointer data)
{
  Frozen *frozen = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ShoalNode) node = NULL;
  g_autoptr(ShoalDiscoveryStatic) discovery = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (context);

  node = shoal_node_new ("frozen", 0, frozen->state_dir);
  shoal_node_set_listen_address (node, "127.0.0.1");
  shoal_node_set_mdns (node, FALSE);
  shoal_node_set_heartbeat (node, 100, 600);
  discovery = shoal_discovery_static_new ();
  for (guint i = 0; i < 2; i++)
    {
      g_autofree gchar *where = g_strdup_printf ("127.0.0.1:%u", frozen->ports[i]);

      g_assert_true (shoal_discovery_static_add_peer (discovery, where, NULL));
    }
  shoal_node_add_discovery (node, SHOAL_DISCOVERY (discovery));
  shoal_node_start (node, &error);
  g_assert_no_error (error);

  g_mutex_lock (&frozen->lock);
  frozen->id = g_strdup (shoal_node_get_id (node));
  g_cond_broadcast (&frozen->cond);
  while (!frozen->freeze)
    {
      g_mutex_unlock (&frozen->lock);
      g_main_context_iteration (context, FALSE);
      g_usleep (200);
      g_mutex_lock (&frozen->lock);
    }

  /* Frozen: no reads, no pings, sockets open. */
  while (!frozen->thaw)
    g_cond_wait (&frozen->cond, &frozen->lock);
  g_mutex_unlock (&frozen->lock);

  shoal_node_stop (node);
  g_clear_object (&node);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);

  return NULL;
}

static gboolean
both_see_frozen (gpointer data)
{
  Fixture *f = data;

  return count_connected (f->nodes[0]) == 1 && count_connected (f->nodes[1]) == 1;
}

static gboolean
both_lost_frozen (gpointer data)
{
  Fixture *f = data;

  return f->timeouts == 2;
}

/* Two watching nodes in the test's context and a third in a thread of its
 * own that dials them; returns once both see it connected. */
static void
frozen_start (Fixture *f,
              Frozen  *frozen)
{
  f->n_nodes = 2;
  for (guint i = 0; i < 2; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("watcher%u", i);

      f->nodes[i] = new_node (f, name, 100, 600);
      start_node (f->nodes[i]);
      frozen->ports[i] = shoal_node_get_port (f->nodes[i]);
      g_signal_connect (f->nodes[i], "peer-disconnected", G_CALLBACK (count_disconnect_cb), f);
    }

  frozen->state_dir = g_build_filename (f->tmpdir, "frozen", NULL);
  g_mutex_init (&frozen->lock);
  g_cond_init (&frozen->cond);
  frozen->thread = g_thread_new ("frozen-node", frozen_thread, frozen);
  g_assert_true (wait_for (both_see_frozen, f, 5000));
}

static void
frozen_freeze (Frozen *frozen)
{
  g_mutex_lock (&frozen->lock);
  frozen->freeze = TRUE;
  g_mutex_unlock (&frozen->lock);
}

static void
frozen_finish (Fixture *f,
               Frozen  *frozen)
{
  g_mutex_lock (&frozen->lock);
  frozen->thaw = TRUE;
  g_cond_broadcast (&frozen->cond);
  g_mutex_unlock (&frozen->lock);
  g_thread_join (frozen->thread);

  for (guint i = 0; i < 2; i++)
    g_signal_handlers_disconnect_by_data (f->nodes[i], f);
  g_mutex_clear (&frozen->lock);
  g_cond_clear (&frozen->cond);
  g_free (frozen->state_dir);
  g_free (frozen->id);
}

static void
test_silent_peer (Fixture       *f,
                  gconstpointer  data)
{
  Frozen frozen = { 0, };
  gint64 frozen_at, lost_after;

  g_test_summary ("A node that goes silent with its sockets still open (its main loop "
                  "frozen) is declared lost by the others within the heartbeat timeout");

  frozen_start (f, &frozen);
  frozen_freeze (&frozen);
  frozen_at = g_get_monotonic_time ();

  g_assert_true (wait_for (both_lost_frozen, f, 5000));
  lost_after = g_get_monotonic_time () - frozen_at;
  g_test_message ("silent peer lost after %" G_GINT64_FORMAT " ms", lost_after / 1000);
  /* The timeout plus one heartbeat tick, with room for a loaded machine. */
  g_assert_cmpint (lost_after, <, (600 + 100 + 900) * 1000);
  g_assert_cmpint (lost_after, >=, 400 * 1000);
  g_assert_true (log_contains ("timeout"));

  frozen_finish (f, &frozen);
}

static void
test_slow_reader (Fixture       *f,
                  gconstpointer  data)
{
  Frozen frozen = { 0, };
  g_autoptr(GBytes) megabyte = g_bytes_new_take (g_malloc0 (1024 * 1024), 1024 * 1024);
  g_autoptr(GError) error = NULL;
  guint queued = 0;

  g_test_summary ("Sending to a peer that stops reading fills the bounded store of "
                  "unacknowledged messages and then answers QueueFull instead of growing "
                  "without limit; the peer falls silent, its link goes, and the store stays "
                  "full for its return");

  frozen_start (f, &frozen);
  frozen_freeze (&frozen);

  /* 1 MiB at a time, letting the writes go out between sends. */
  while (queued < 200)
    {
      if (!shoal_node_send (f->nodes[0], frozen.id, megabyte, &error))
        break;
      queued++;
      for (guint i = 0; i < 20; i++)
        g_main_context_iteration (NULL, FALSE);
    }
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_QUEUE_FULL);
  g_test_message ("queue full after %u MiB", queued);
  /* The 32 MiB store of what the peer has not acknowledged, each message
   * counting 64 bytes besides its payload: what the kernel took counts too. */
  g_assert_cmpuint (queued, >=, 31);
  g_assert_cmpuint (queued, <=, 32);

  /* Its link goes once it falls silent; what it was sent is kept for it, so
   * the store stays full. */
  g_assert_true (wait_for (both_lost_frozen, f, 5000));
  g_clear_error (&error);
  shoal_node_send (f->nodes[0], frozen.id, megabyte, &error);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_QUEUE_FULL);

  frozen_finish (f, &frozen);
}

/* Strangers */

/* A stranger on another thread, with blocking sockets: it connects to a
 * node, over TLS with a certificate of its own or as raw TCP, says its
 * bytes and keeps everything that comes back until the node closes. */
typedef struct {
  guint16          port;
  GTlsCertificate *certificate;  /* (nullable) raw TCP without */
  GBytes          *say;          /* (nullable) */
  GByteArray      *received;
  gchar           *failure;      /* what went wrong before any reading */
  gint             done;
} Stranger;

static const gchar * const stranger_alpn[] = { "shoal/2", NULL };

static gboolean
accept_any_certificate (GTlsConnection       *tls,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

static gpointer
stranger_thread (gpointer data)
{
  Stranger *stranger = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *where = g_strdup_printf ("127.0.0.1:%u", stranger->port);

  g_main_context_push_thread_default (context);
  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, where, 0, NULL, &error);
  if (connection == NULL)
    goto out;
  /* Never hang the test on a node that does not answer. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 15);

  if (stranger->certificate != NULL)
    {
      stream = g_tls_client_connection_new (G_IO_STREAM (connection), NULL, &error);
      if (stream == NULL)
        goto out;
      g_tls_connection_set_certificate (G_TLS_CONNECTION (stream), stranger->certificate);
      g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (stream), FALSE);
      g_tls_connection_set_advertised_protocols (G_TLS_CONNECTION (stream), stranger_alpn);
      g_signal_connect (stream, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
      if (!g_tls_connection_handshake (G_TLS_CONNECTION (stream), NULL, &error))
        goto out;
    }
  else
    {
      stream = G_IO_STREAM (g_object_ref (connection));
    }

  if (stranger->say != NULL &&
      !g_output_stream_write_all (g_io_stream_get_output_stream (stream),
                                  g_bytes_get_data (stranger->say, NULL),
                                  g_bytes_get_size (stranger->say), NULL, NULL, &error))
    goto out;

  for (;;)
    {
      guint8 buffer[4096];
      gssize n = g_input_stream_read (g_io_stream_get_input_stream (stream), buffer,
                                      sizeof buffer, NULL, NULL);

      if (n <= 0)
        break;
      g_byte_array_append (stranger->received, buffer, n);
    }

out:
  if (error != NULL)
    stranger->failure = g_strdup (error->message);
  g_main_context_pop_thread_default (context);
  g_atomic_int_set (&stranger->done, 1);
  return NULL;
}

static gboolean
stranger_done (gpointer data)
{
  return g_atomic_int_get (&((Stranger *) data)->done);
}

/* Runs a stranger against @node while the node's main loop turns, and
 * returns what came back before the node closed the connection. */
static GByteArray *
stranger_talk (ShoalNode       *node,
               GTlsCertificate *certificate,
               const guint8    *say,
               gsize            length,
               guint            timeout_ms)
{
  Stranger stranger = {
    .port = shoal_node_get_port (node),
    .certificate = certificate,
    .say = length > 0 ? g_bytes_new (say, length) : NULL,
    .received = g_byte_array_new (),
  };
  GThread *thread = g_thread_new ("stranger", stranger_thread, &stranger);

  g_assert_true (wait_for (stranger_done, &stranger, timeout_ms));
  g_thread_join (thread);
  g_assert_null (stranger.failure);
  g_clear_pointer (&stranger.say, g_bytes_unref);
  return stranger.received;
}

/* A certificate of the stranger's own: a key pair like any node's. */
static GTlsCertificate *
stranger_certificate (Fixture *f)
{
  g_autofree gchar *dir = g_build_filename (f->tmpdir, "stranger", NULL);
  g_autoptr(ShoalCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;

  credentials = shoal_credentials_load_or_create (dir, &error);
  g_assert_no_error (error);
  return g_object_ref (shoal_credentials_get_certificate (credentials));
}

static GByteArray *
send_garbage (Fixture      *f,
              ShoalNode    *node,
              const guint8 *garbage,
              gsize         length)
{
  g_autoptr(GTlsCertificate) certificate = stranger_certificate (f);

  return stranger_talk (node, certificate, garbage, length, 5000);
}

/* The node's answer must be a goodbye with @expected_code, after the node's
 * own hello if that left before the garbage was read. */
static void
assert_goodbye (GByteArray *answer,
                           guint32     expected_code)
{
  g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (SHOAL_FRAME_MAX_DATA_BODY);
  ShoalFrameHeader header;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) goodbye = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *message = NULL;
  gsize size = 0;
  guint8 *buffer;
  guint32 code = 0;

  buffer = shoal_frame_reader_get_buffer (reader, &size);
  g_assert_cmpuint (size, >=, answer->len);
  memcpy (buffer, answer->data, answer->len);
  shoal_frame_reader_commit (reader, answer->len);

  g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &body, &error), ==,
                   SHOAL_FRAME_READ_FRAME);
  if (header.type == SHOAL_FRAME_HELLO)
    g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &goodbye, &error), ==,
                     SHOAL_FRAME_READ_FRAME);
  else
    goodbye = g_steal_pointer (&body);
  g_assert_cmpint (header.type, ==, SHOAL_FRAME_GOODBYE);
  g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &body, &error), ==,
                   SHOAL_FRAME_READ_NEED_MORE);
  g_assert_true (shoal_frame_decode_goodbye (goodbye, &code, &message, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (code, ==, expected_code);
}

static gboolean
message_arrived (gpointer data)
{
  return *(guint *) data > 0;
}

static void
assert_mesh_carries_on (Fixture *f)
{
  g_autoptr(GBytes) payload = g_bytes_new_static ("still here", 10);
  g_autoptr(GError) error = NULL;
  guint arrived = 0;
  gulong handler;

  g_assert_true (mesh_complete (f));
  handler = g_signal_connect (f->nodes[1], "message-received", G_CALLBACK (count_message_cb),
                              &arrived);
  shoal_node_send (f->nodes[0], shoal_node_get_id (f->nodes[1]), payload, &error);
  g_assert_no_error (error);
  g_assert_true (wait_for (message_arrived, &arrived, 5000));
  g_signal_handler_disconnect (f->nodes[1], handler);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_node_get_peers (f->nodes[0])), ==, 1);
}

static void
test_garbage (Fixture       *f,
              gconstpointer  data)
{
  static const guint8 http[] = "GET / HTTP/1.1\r\nHost: shoal\r\n\r\n";
  /* A unicast header claiming 4 GiB - 1 of body. */
  static const guint8 oversize[] = { 0x10, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
  /* A hello header claiming 128 KiB: over the hello's limit of 72 KiB. */
  static const guint8 big_hello[] = { 0x01, 0, 0, 0, 0, 0x02, 0, 0 };
  /* Data before any hello: message 1, "abc". */
  static const guint8 early_data[] = { 0x10, 0, 0, 0, 0, 0, 0, 11, 0, 0, 0, 0, 0, 0, 0, 1,
                                       'a', 'b', 'c' };
  struct {
    const gchar  *what;
    const guint8 *bytes;
    gsize         length;
  } cases[] = {
    { "unknown frame type", http, sizeof http - 1 },
    { "unicast", oversize, sizeof oversize },
    { "hello", big_hello, sizeof big_hello },
    { "expected hello", early_data, sizeof early_data },
  };

  g_test_summary ("Garbage, an oversize length or data before the hello from a stranger "
                  "who completed TLS gets a goodbye saying protocol-error and a closed "
                  "connection, with the reason logged, while the mesh carries on; garbage "
                  "instead of a TLS ClientHello gets a closed connection and a logged reason");

  form_mesh (f, 2, 0, 0);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) answer = NULL;

      log_clear ();
      answer = send_garbage (f, f->nodes[0], cases[i].bytes, cases[i].length);
      assert_goodbye (answer, SHOAL_GOODBYE_PROTOCOL_ERROR);
      g_assert_true (log_contains ("protocol error"));
      g_assert_true (log_contains (cases[i].what));
      assert_mesh_carries_on (f);
    }

  /* Nothing can be said before TLS: the connection just closes. */
  {
    g_autoptr(GByteArray) answer = NULL;

    log_clear ();
    answer = stranger_talk (f->nodes[0], NULL, http, sizeof http - 1, 5000);
    g_assert_cmpuint (answer->len, ==, 0);
    g_assert_true (log_contains ("other than a TLS ClientHello"));
    assert_mesh_carries_on (f);
  }
}

static void
test_silent_stranger (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GByteArray) answer = NULL;
  gint64 start;

  g_test_summary ("A stranger that connects and says nothing is closed once the 5 s "
                  "handshake time is up, with the reason logged, and the mesh carries on");

  form_mesh (f, 2, 0, 0);
  start = g_get_monotonic_time ();
  answer = stranger_talk (f->nodes[0], NULL, NULL, 0, 10000);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 4500 * 1000);
  g_assert_cmpuint (answer->len, ==, 0);
  g_assert_true (log_contains ("no TLS handshake"));
  assert_mesh_carries_on (f);
}

typedef struct {
  ShoalNode *node;
  guint      links;
} LinkCount;

static gboolean
links_reached (gpointer data)
{
  LinkCount *count = data;

  return shoal_node_count_links (count->node, FALSE) >= count->links;
}

static void
test_overload (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) strangers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GByteArray) answer = NULL;
  g_autofree gchar *where = NULL;
  LinkCount count;

  g_test_summary ("Once a node holds 256 links, counting connections still before their "
                  "TLS handshake, one more connection is closed at once with the reason "
                  "logged, and the links it has carry on");

  g_socket_client_set_enable_proxy (client, FALSE);
  form_mesh (f, 2, 0, 0);
  where = g_strdup_printf ("127.0.0.1:%u", shoal_node_get_port (f->nodes[0]));
  count.node = f->nodes[0];

  /* One at a time, each accepted before the next: the listen backlog is short. */
  for (count.links = 2; count.links <= SHOAL_NODE_DEFAULT_MAX_LINKS; count.links++)
    {
      g_autoptr(GError) error = NULL;
      GSocketConnection *connection = g_socket_client_connect_to_host (client, where, 0, NULL,
                                                                       &error);

      g_assert_no_error (error);
      g_ptr_array_add (strangers, connection);
      g_assert_true (wait_for (links_reached, &count, 5000));
    }
  g_assert_cmpuint (shoal_node_count_links (f->nodes[0], FALSE), ==,
                    SHOAL_NODE_DEFAULT_MAX_LINKS);

  answer = stranger_talk (f->nodes[0], NULL, NULL, 0, 5000);
  g_assert_cmpuint (answer->len, ==, 0);
  g_assert_true (log_contains ("too many links"));

  g_ptr_array_set_size (strangers, 0);
  g_assert_true (wait_for (mesh_complete, f, 5000));
  assert_mesh_carries_on (f);
}

static void
test_version_mismatch (Fixture       *f,
                       gconstpointer  data)
{
  ShoalHello hello = {
    .version = 7,
    .min_version = 5,
    .peer_id = (gchar *) "0123456789abcdef0123456789abcdef",
    .session_id = (gchar *) "fedcba9876543210fedcba9876543210",
    .name = (gchar *) "future",
    .port = 0,
  };
  g_autoptr(GBytes) frame = shoal_frame_encode_hello (&hello);
  g_autoptr(GByteArray) answer = NULL;
  gsize size = 0;
  const guint8 *data_ = g_bytes_get_data (frame, &size);

  g_test_summary ("A hello from a node that speaks only protocol versions 5 to 7 gets a "
                  "goodbye saying version-mismatch, and the peer is not added");

  form_mesh (f, 2, 0, 0);
  answer = send_garbage (f, f->nodes[0], data_, size);
  assert_goodbye (answer, SHOAL_GOODBYE_VERSION_MISMATCH);
  g_assert_null (shoal_node_lookup_peer (f->nodes[0], hello.peer_id));
  assert_mesh_carries_on (f);
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GBytes) payload = g_bytes_new_static ("x", 1);
  g_autoptr(GBytes) huge = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalNode) clash = NULL;

  g_test_summary ("send() answers each impossible request with its own error, and a node "
                  "cannot take a port another already has");

  form_mesh (f, 2, 0, 0);

  shoal_node_send (f->nodes[0], "not-an-id", payload, &error);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_PEER_ID);
  g_clear_error (&error);

  shoal_node_send (f->nodes[0], "00000000000000000000000000000000", payload, &error);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_UNKNOWN_PEER);
  g_clear_error (&error);

  huge = g_bytes_new_take (g_malloc0 (SHOAL_NODE_MAX_MESSAGE_SIZE + 1),
                           SHOAL_NODE_MAX_MESSAGE_SIZE + 1);
  shoal_node_send (f->nodes[0], shoal_node_get_id (f->nodes[1]), huge, &error);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_MESSAGE_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpuint (shoal_node_broadcast (f->nodes[0], huge, NULL), ==, 0);

  /* Another node on the same port. */
  {
    g_autofree gchar *state_dir = g_build_filename (f->tmpdir, "clash", NULL);

    clash = shoal_node_new ("clash", shoal_node_get_port (f->nodes[0]), state_dir);
  }
  shoal_node_set_listen_address (clash, "127.0.0.1");
  shoal_node_set_mdns (clash, FALSE);
  g_assert_false (shoal_node_start (clash, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);

  /* A name DNS-SD could not carry. */
  {
    g_autofree gchar *state_dir = g_build_filename (f->tmpdir, "long", NULL);
    g_autofree gchar *long_name = g_strnfill (SHOAL_NAME_MAX_BYTES + 1, 'n');
    g_autoptr(ShoalNode) named = shoal_node_new (long_name, 0, state_dir);

    shoal_node_set_listen_address (named, "127.0.0.1");
    shoal_node_set_mdns (named, FALSE);
    g_assert_false (shoal_node_start (named, &error));
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  /* After a stop, sending says so. */
  shoal_node_stop (f->nodes[0]);
  shoal_node_send (f->nodes[0], shoal_node_get_id (f->nodes[1]), payload, &error);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_RUNNING);
  g_clear_error (&error);
}

static gboolean
peer_not_connected (gpointer data)
{
  return !shoal_peer_get_connected (SHOAL_PEER (data));
}

static void
test_restart (Fixture       *f,
              gconstpointer  data)
{
  g_autofree gchar *old_id = NULL;
  g_autofree gchar *old_session = NULL;
  g_autoptr(GError) error = NULL;
  ShoalPeer *peer;

  g_test_summary ("A node restarted on the same state directory comes back with the same "
                  "id and a new session, and its static peer reconnects to it");

  form_mesh (f, 2, 0, 0);
  old_id = g_strdup (shoal_node_get_id (f->nodes[0]));
  old_session = g_strdup (shoal_node_get_session_id (f->nodes[0]));
  peer = shoal_node_lookup_peer (f->nodes[1], old_id);
  g_assert_nonnull (peer);

  /* Restart node 0 on the same port and state, knowing nobody: node 1 redials it. */
  {
    guint16 port = shoal_node_get_port (f->nodes[0]);
    g_autofree gchar *state_dir = g_build_filename (f->tmpdir, "node0", NULL);

    shoal_node_stop (f->nodes[0]);
    g_clear_object (&f->nodes[0]);
    g_assert_true (wait_for (peer_not_connected, peer, 5000));

    f->nodes[0] = shoal_node_new ("node0", port, state_dir);
    shoal_node_set_listen_address (f->nodes[0], "127.0.0.1");
    shoal_node_set_mdns (f->nodes[0], FALSE);
    shoal_node_start (f->nodes[0], &error);
    g_assert_no_error (error);
  }

  g_assert_cmpstr (shoal_node_get_id (f->nodes[0]), ==, old_id);
  g_assert_cmpstr (shoal_node_get_session_id (f->nodes[0]), !=, old_session);
  g_assert_true (wait_for (mesh_complete, f, 10000));
  g_assert_true (shoal_node_lookup_peer (f->nodes[1], old_id) == peer);
}

typedef struct {
  ShoalPeer   *peer;
  guint        dials;    /* times the peer went to "connecting" */
  const gchar *line;
  guint        lines;    /* log lines wanted */
} Unreachable;

static void
count_dials_cb (ShoalPeer  *peer,
                GParamSpec *pspec,
                gpointer    user_data)
{
  Unreachable *u = user_data;

  if (shoal_peer_get_state (peer) == SHOAL_PEER_STATE_CONNECTING)
    u->dials++;
}

static gboolean
unreachable_said (gpointer data)
{
  Unreachable *u = data;

  return log_count (u->line) >= u->lines;
}

/* @lines dials made, and the last one over. */
static gboolean
dialled_at_least (gpointer data)
{
  Unreachable *u = data;

  return u->dials >= u->lines && shoal_peer_get_state (u->peer) != SHOAL_PEER_STATE_CONNECTING;
}

static gboolean
peer_connected (gpointer data)
{
  return shoal_peer_get_connected (SHOAL_PEER (data));
}

static void
test_unreachable (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, "node0", NULL);
  g_autofree gchar *line = NULL;
  g_autoptr(GError) error = NULL;
  Unreachable u = { 0, };
  guint16 port;

  g_test_summary ("A peer that cannot be reached has a last error saying why (connection "
                  "refused); after five failed dials in a row the node logs once that it "
                  "cannot link up with it and why, however often it dials again; a link "
                  "clears the error, and a second outage is logged again");

  form_mesh (f, 2, 0, 0);
  port = shoal_node_get_port (f->nodes[0]);
  u.peer = g_object_ref (shoal_node_lookup_peer (f->nodes[1], shoal_node_get_id (f->nodes[0])));
  g_assert_null (shoal_peer_get_last_error (u.peer));
  line = g_strdup_printf ("Cannot link up with peer %s (node0): ", shoal_node_get_id (f->nodes[0]));
  u.line = line;
  g_signal_connect (u.peer, "notify::state", G_CALLBACK (count_dials_cb), &u);

  shoal_node_stop (f->nodes[0]);
  g_clear_object (&f->nodes[0]);

  /* Logged once after the fifth failure (about 4 s of backoff), still once
   * after a sixth dial failed too. */
  u.lines = 1;
  g_assert_true (wait_for (unreachable_said, &u, 10000));
  g_assert_true (g_str_has_prefix (shoal_peer_get_last_error (u.peer), "connection refused: "));
  g_assert_true (log_contains ("dials in a row failed, the last one because: connection refused"));
  u.lines = u.dials + 1;
  g_assert_true (wait_for (dialled_at_least, &u, 15000));
  g_assert_cmpuint (log_count (line), ==, 1);

  /* Back: the link clears the error. */
  f->nodes[0] = shoal_node_new ("node0", port, state_dir);
  shoal_node_set_listen_address (f->nodes[0], "127.0.0.1");
  shoal_node_set_mdns (f->nodes[0], FALSE);
  shoal_node_start (f->nodes[0], &error);
  g_assert_no_error (error);
  g_assert_true (wait_for (peer_connected, u.peer, 15000));
  g_assert_null (shoal_peer_get_last_error (u.peer));

  /* Gone again: said again. */
  shoal_node_stop (f->nodes[0]);
  u.lines = 2;
  g_assert_true (wait_for (unreachable_said, &u, 10000));
  g_assert_cmpuint (log_count (line), ==, 2);

  g_signal_handlers_disconnect_by_data (u.peer, &u);
  g_clear_object (&u.peer);
}

int
main (int   argc,
      char *argv[])
{
  log_lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/node/mesh", test_mesh);
  ADD ("/node/traffic", test_traffic);
  ADD ("/node/simultaneous-dial", test_simultaneous_dial);
  ADD ("/node/clean-stop", test_clean_stop);
  ADD ("/node/silent-peer", test_silent_peer);
  ADD ("/node/slow-reader", test_slow_reader);
  ADD ("/node/garbage", test_garbage);
  ADD ("/node/version-mismatch", test_version_mismatch);
  ADD ("/node/silent-stranger", test_silent_stranger);
  ADD ("/node/overload", test_overload);
  ADD ("/node/errors", test_errors);
  ADD ("/node/restart", test_restart);
  ADD ("/node/unreachable", test_unreachable);
#undef ADD

  return g_test_run ();
}
