/* test-node-mesh.c: a full mesh, traffic through it, crossed dials, impossible sends
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-error.h"
#include "shoal-node-private.h"
#include "shoal-test-nodes.h"
#include "test-node.h"

void
test_mesh (Fixture       *f,
           gconstpointer  data)
{
  g_test_summary ("Five nodes that all dial each other end with a full mesh of exactly "
                  "one link per pair, and every peer carries the other's name and address");

  node_form_mesh (f, 5, 0, 0);

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

void
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

  node_form_mesh (f, 4, 0, 0);
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

      g_assert_true (shoal_test_nodes_wait (traffic_below, &traffic, 30000));
    }

  g_assert_true (shoal_test_nodes_wait (traffic_drained, &traffic, 30000));
  g_test_message ("%u deliveries, %" G_GUINT64_FORMAT " bytes", traffic.delivered, total_bytes);

  /* What each node counted received equals what the others counted sent,
   * once the senders' counts are reported (with a heartbeat at the latest). */
  g_assert_true (shoal_test_nodes_wait (counters_agree, f, 3000));
  for (guint r = 0; r < f->n_nodes; r++)
    for (guint s = 0; s < f->n_nodes; s++)
      if (r != s)
        g_assert_cmpint (shoal_peer_get_last_seen (
                           shoal_node_lookup_peer (f->nodes[r], shoal_node_get_id (f->nodes[s]))),
                         >, 0);

  for (guint i = 0; i < f->n_nodes; i++)
    g_signal_handlers_disconnect_by_data (f->nodes[i], &receivers[i]);
}

typedef struct {
  ShoalNode *a, *b;
} Pair;

static gboolean
pair_connected (gpointer data)
{
  Pair *pair = data;

  return node_count_connected (pair->a) == 1 && node_count_connected (pair->b) == 1;
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

typedef struct {
  guint *a, *b;
} Counts;

static gboolean
both_received (gpointer data)
{
  Counts *counts = data;

  return *counts->a > 0 && *counts->b > 0;
}

void
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
      g_autoptr(ShoalNode) a = node_new_node (f, name_a, 0, 0);
      g_autoptr(ShoalNode) b = node_new_node (f, name_b, 0, 0);
      g_autoptr(GBytes) payload = g_bytes_new_static ("x", 1);
      g_autoptr(GError) error = NULL;
      Pair pair = { a, b };
      guint received_a = 0, received_b = 0;
      Counts counts = { &received_a, &received_b };

      node_start_node (a);
      node_start_node (b);
      f->disconnects = 0;
      g_signal_connect (a, "peer-disconnected", G_CALLBACK (node_count_disconnect_cb), f);
      g_signal_connect (b, "peer-disconnected", G_CALLBACK (node_count_disconnect_cb), f);
      g_signal_connect (a, "message-received", G_CALLBACK (node_count_message_cb), &received_a);
      g_signal_connect (b, "message-received", G_CALLBACK (node_count_message_cb), &received_b);

      /* Within one main-loop turn: both dials leave before either lands. */
      node_add_static_peers (a, &b, 1);
      node_add_static_peers (b, &a, 1);

      g_assert_true (shoal_test_nodes_wait (pair_settled, &pair, 5000));

      /* The link each kept is the same connection: with every other one
       * closed at both ends, a message each way only arrives over a link
       * both ends kept. Had they chosen differently, each would close the
       * link the other kept, and both would see the other drop. */
      shoal_node_send (a, shoal_node_get_id (b), payload, &error);
      g_assert_no_error (error);
      shoal_node_send (b, shoal_node_get_id (a), payload, &error);
      g_assert_no_error (error);
      g_assert_true (shoal_test_nodes_wait (both_received, &counts, 5000));

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

void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GBytes) payload = g_bytes_new_static ("x", 1);
  g_autoptr(GBytes) huge = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalNode) clash = NULL;

  g_test_summary ("send() answers each impossible request with its own error, and a node "
                  "cannot take a port another already has");

  node_form_mesh (f, 2, 0, 0);

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
