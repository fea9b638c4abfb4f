/* test-security-common.c: the security program's fixture, nodes, watches and strangers
 *
 * Part of the security program (test-security.c): what several of its
 * files use, declared in test-security.h.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-frame.h"
#include "shoal-node-private.h"
#include "shoal-test-log.h"
#include "shoal-test-nodes.h"
#include "shoal-test-peer.h"
#include "shoal-test-scratch.h"
#include "test-security.h"

/* Fixture
 *
 * Each test body runs in a subprocess while this process holds the
 * temporary directory: a failed assertion aborts only the child (and its
 * nodes and attacker threads with it), and the teardown here still removes
 * the directory before the failure is reported. */

void
security_fixture_setup (Fixture       *f,
                        gconstpointer  data)
{
  f->tmpdir = shoal_test_scratch_dir ("security");

  shoal_test_log_clear ();
}

void
security_fixture_teardown (Fixture       *f,
                           gconstpointer  data)
{
  gboolean parent = !g_test_subprocess ();

  for (guint i = 0; i < f->n_nodes; i++)
    {
      shoal_node_stop (f->nodes[i]);
      g_clear_object (&f->nodes[i]);
    }

  /* Let cancelled operations report back. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  shoal_test_scratch_remove (f->tmpdir);

  g_free (f->tmpdir);

  if (parent && !f->child_passed)
    g_test_fail ();
}

/* Nodes */

/* Starts a node named @name with its state in @dir under the temporary
 * directory (@name's own if %NULL), on @port (any if 0). The fixture stops
 * it in teardown. */
ShoalNode *
security_add_node (Fixture          *f,
                   const gchar      *name,
                   const gchar      *dir,
                   guint16           port,
                   ShoalTrustPolicy  policy,
                   const gchar      *network_key)
{
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, dir != NULL ? dir : name, NULL);
  g_autoptr(GError) error = NULL;
  ShoalNode *node = shoal_node_new (name, port, state_dir);

  g_assert_cmpuint (f->n_nodes, <, MAX_NODES);
  f->nodes[f->n_nodes++] = node;

  shoal_node_set_listen_address (node, "127.0.0.1");
  shoal_node_set_mdns (node, FALSE);
  shoal_node_set_trust_policy (node, policy);
  if (network_key != NULL)
    {
      shoal_node_set_network_key (node, network_key, &error);
      g_assert_no_error (error);
    }

  shoal_node_start (node, &error);
  g_assert_no_error (error);
  return node;
}

ShoalNode *
security_add_open_node (Fixture     *f,
                        const gchar *name)
{
  return security_add_node (f, name, NULL, 0, SHOAL_TRUST_POLICY_OPEN, NULL);
}

typedef struct {
  ShoalNode *a;
  ShoalNode *b;
} Pair;

static gboolean
pair_linked (gpointer data)
{
  Pair *pair = data;

  return shoal_test_node_sees (pair->a, pair->b) && shoal_test_node_sees (pair->b, pair->a);
}

void
security_assert_linked_within (ShoalNode *a,
                               ShoalNode *b,
                               guint      timeout_ms)
{
  Pair pair = { a, b };

  g_assert_true (shoal_test_nodes_wait (pair_linked, &pair, timeout_ms));
}

static void
watch_connected_cb (ShoalNode *node,
                    ShoalPeer *peer,
                    gpointer   user_data)
{
  Watch *watch = user_data;

  if (g_str_equal (shoal_peer_get_id (peer), watch->peer_id))
    watch->connected++;
}

static void
watch_disconnected_cb (ShoalNode   *node,
                       ShoalPeer   *peer,
                       const gchar *reason,
                       gpointer     user_data)
{
  Watch *watch = user_data;

  if (!g_str_equal (shoal_peer_get_id (peer), watch->peer_id))
    return;

  watch->disconnected++;
  g_free (watch->last_reason);
  watch->last_reason = g_strdup (reason);
}

static void
watch_pending_cb (ShoalNode *node,
                  ShoalPeer *peer,
                  gpointer   user_data)
{
  Watch *watch = user_data;

  if (g_str_equal (shoal_peer_get_id (peer), watch->peer_id))
    watch->pending++;
}

void
security_watch_start (Watch       *watch,
                      ShoalNode   *node,
                      const gchar *peer_id)
{
  memset (watch, 0, sizeof *watch);
  watch->node = node;
  watch->peer_id = g_strdup (peer_id);
  g_signal_connect (node, "peer-connected", G_CALLBACK (watch_connected_cb), watch);
  g_signal_connect (node, "peer-disconnected", G_CALLBACK (watch_disconnected_cb), watch);
  g_signal_connect (node, "peer-pending", G_CALLBACK (watch_pending_cb), watch);
}

void
security_watch_stop (Watch *watch)
{
  g_signal_handlers_disconnect_by_data (watch->node, watch);
  g_clear_pointer (&watch->peer_id, g_free);
  g_clear_pointer (&watch->last_reason, g_free);
}

gboolean
security_watch_saw_pending (gpointer data)
{
  return ((Watch *) data)->pending > 0;
}

gboolean
security_watch_saw_disconnect (gpointer data)
{
  return ((Watch *) data)->disconnected > 0;
}

/* Messages */

typedef struct {
  const gchar *from_id;
  GBytes      *expected;
  guint        arrived;
} Inbox;

static void
inbox_cb (ShoalNode *node,
          ShoalPeer *peer,
          GBytes    *payload,
          gboolean   broadcast,
          gpointer   user_data)
{
  Inbox *inbox = user_data;

  if (g_str_equal (shoal_peer_get_id (peer), inbox->from_id) && !broadcast &&
      g_bytes_equal (payload, inbox->expected))
    inbox->arrived++;
}

static gboolean
inbox_filled (gpointer data)
{
  return ((Inbox *) data)->arrived > 0;
}

void
security_assert_message_arrives (ShoalNode *from,
                                 ShoalNode *to,
                                 GBytes    *payload)
{
  Inbox inbox = { shoal_node_get_id (from), payload, 0 };
  g_autoptr(GError) error = NULL;
  gulong handler;

  handler = g_signal_connect (to, "message-received", G_CALLBACK (inbox_cb), &inbox);
  shoal_node_send (from, shoal_node_get_id (to), payload, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_test_nodes_wait (inbox_filled, &inbox, 5000));
  g_signal_handler_disconnect (to, handler);
}

/* Both ways, each with its own words. */
void
security_assert_messages_flow (ShoalNode *a,
                               ShoalNode *b)
{
  g_autofree gchar *there = g_strdup_printf ("from %s to %s", shoal_node_get_name (a),
                                             shoal_node_get_name (b));
  g_autofree gchar *back = g_strdup_printf ("from %s to %s", shoal_node_get_name (b),
                                            shoal_node_get_name (a));
  g_autoptr(GBytes) there_bytes = g_bytes_new (there, strlen (there));
  g_autoptr(GBytes) back_bytes = g_bytes_new (back, strlen (back));

  security_assert_message_arrives (a, b, there_bytes);
  security_assert_message_arrives (b, a, back_bytes);
}

/* Connections made by hand, from threads of their own */

static gpointer
stranger_thread (gpointer data)
{
  Stranger *s = data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GTlsConnection) tls = NULL;
  GIOStream *stream;

  connection = shoal_test_connect_loopback (s->port, NULL, &s->connect_error);
  if (connection == NULL)
    goto out;
  s->connected_at = g_get_monotonic_time ();
  /* Whatever the node does, the stranger does not wait for ever. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 20);
  stream = G_IO_STREAM (connection);

  if (s->certificate != NULL)
    {
      tls = shoal_test_tls_wrap (stream, FALSE, s->certificate, &s->handshake_error);
      if (tls == NULL || !g_tls_connection_handshake (tls, NULL, &s->handshake_error))
        goto out;
      stream = G_IO_STREAM (tls);
    }

  if (s->to_send != NULL)
    {
      gsize size = 0;
      const guint8 *bytes = g_bytes_get_data (s->to_send, &size);

      g_output_stream_write_all (g_io_stream_get_output_stream (stream), bytes, size, NULL,
                                 NULL, &s->write_error);
    }

  for (;;)
    {
      guint8 buffer[4096];
      gssize n = g_input_stream_read (g_io_stream_get_input_stream (stream), buffer,
                                      sizeof buffer, NULL, &s->read_error);

      if (n <= 0)
        break;
      g_byte_array_append (s->received, buffer, n);
    }

out:
  s->ended_at = g_get_monotonic_time ();
  if (connection != NULL)
    g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  g_atomic_int_set (&s->done, 1);
  return NULL;
}

void
security_stranger_start (Stranger        *s,
                         ShoalNode       *node,
                         GTlsCertificate *certificate,
                         GBytes          *to_send)
{
  memset (s, 0, sizeof *s);
  s->port = shoal_node_get_port (node);
  s->certificate = certificate != NULL ? g_object_ref (certificate) : NULL;
  s->to_send = to_send != NULL ? g_bytes_ref (to_send) : NULL;
  s->received = g_byte_array_new ();
  s->thread = g_thread_new ("stranger", stranger_thread, s);
}

static gboolean
stranger_done (gpointer data)
{
  return g_atomic_int_get (&((Stranger *) data)->done) != 0;
}

/* Waits, running the nodes meanwhile, until the node has closed the
 * stranger's connection. */
void
security_stranger_finish (Stranger *s,
                          guint     timeout_ms)
{
  g_assert_true (shoal_test_nodes_wait (stranger_done, s, timeout_ms));
  g_thread_join (s->thread);
  s->thread = NULL;
  g_assert_no_error (s->connect_error);
  if (s->read_error != NULL)
    g_test_message ("stranger's read ended with: %s", s->read_error->message);
  /* The node closed it: the stranger's own timeout did not. */
  g_assert_false (g_error_matches (s->read_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
}

void
security_stranger_clear (Stranger *s)
{
  g_clear_object (&s->certificate);
  g_clear_pointer (&s->to_send, g_bytes_unref);
  g_clear_error (&s->connect_error);
  g_clear_error (&s->handshake_error);
  g_clear_error (&s->write_error);
  g_clear_error (&s->read_error);
  g_clear_pointer (&s->received, g_byte_array_unref);
}

/* The node said nothing but control frames, and a goodbye with
 * @expected_code last: it refused the link rather than dropping it. If its
 * hello came first, it is the node's own. */
void
security_assert_goodbye (GByteArray  *received,
                         ShoalNode   *node,
                         guint32      expected_code)
{
  g_autoptr(GPtrArray) frames = shoal_test_parse_frames (received);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *message = NULL;
  ShoalTestFrame *last;
  guint32 code = 0;

  g_assert_cmpuint (frames->len, >=, 1);
  for (guint i = 0; i < frames->len; i++)
    {
      ShoalTestFrame *frame = g_ptr_array_index (frames, i);

      g_assert_cmpint (frame->type, !=, SHOAL_FRAME_UNICAST);
      g_assert_cmpint (frame->type, !=, SHOAL_FRAME_BROADCAST);
      if (frame->type == SHOAL_FRAME_HELLO)
        {
          g_auto(ShoalHello) hello = { 0, };

          g_assert_cmpuint (i, ==, 0);
          g_assert_true (shoal_frame_decode_hello (frame->body, &hello, &error));
          g_assert_no_error (error);
          g_assert_cmpstr (hello.peer_id, ==, shoal_node_get_id (node));
        }
    }

  last = g_ptr_array_index (frames, frames->len - 1);
  g_assert_cmpint (last->type, ==, SHOAL_FRAME_GOODBYE);
  g_assert_true (shoal_frame_decode_goodbye (last->body, &code, &message, &error));
  g_assert_no_error (error);
  g_test_message ("goodbye %s: %s", shoal_goodbye_code_to_string (code),
                  message != NULL ? message : "");
  g_assert_cmpuint (code, ==, expected_code);
}

GTlsCertificate *
security_load_certificate (Fixture      *f,
                           const gchar  *dir,
                           gchar       **out_id)
{
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, dir, NULL);

  return shoal_test_load_certificate (state_dir, out_id);
}

/* A pair of open nodes, "alice" and "bob", bob dialling alice. */
void
security_make_pair (Fixture    *f,
                    ShoalNode **a,
                    ShoalNode **b)
{
  *a = security_add_open_node (f, "alice");
  *b = security_add_open_node (f, "bob");
  shoal_test_node_dial (*b, shoal_node_get_port (*a));
  security_assert_linked_within (*a, *b, 5000);
}

/* The pair is still linked, saw no drop, and messages flow both ways. */
void
security_assert_pair_carries_on (ShoalNode *a,
                                 ShoalNode *b,
                                 Watch     *a_watches_b)
{
  Pair pair = { a, b };

  g_assert_true (pair_linked (&pair));
  security_assert_messages_flow (a, b);
  if (a_watches_b != NULL)
    g_assert_cmpuint (a_watches_b->disconnected, ==, 0);
}
