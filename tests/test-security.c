/* test-security.c: what a stranger, a liar or a listener gets out of a node
 *
 * Nodes run in the test's main context on 127.0.0.1, found through static
 * discovery. The attackers run in threads of their own with blocking I/O:
 * a stranger with its own key who claims someone else's id, peers that
 * speak protocol 1 or no TLS at all, certificates Shoal refuses, a man in
 * the middle who terminates TLS on both sides, and a forwarder that records
 * every byte. Each case checks what a user relies on: the link is refused
 * with a reason in the log, and the links that were there carry on.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <sys/stat.h>

#include "shoal-credentials.h"
#include "shoal-discovery-static.h"
#include "shoal-error.h"
#include "shoal-frame.h"
#include "shoal-node-private.h"
#include "shoal-test-peer.h"
#include "shoal-test-scratch.h"

#define MAX_NODES 8

/* Log capture: a refused link must say why. The nodes share the process, so
 * a line is told apart by the peer id it names. */

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

/* How many captured lines contain both @needle and @also (if not %NULL). */
static guint
log_count (const gchar *needle,
           const gchar *also)
{
  guint count = 0;

  g_mutex_lock (&log_lock);
  for (guint i = 0; i < log_lines->len; i++)
    {
      const gchar *line = g_ptr_array_index (log_lines, i);

      if (strstr (line, needle) != NULL && (also == NULL || strstr (line, also) != NULL))
        count++;
    }
  g_mutex_unlock (&log_lock);

  return count;
}

static gboolean
log_contains (const gchar *needle)
{
  return log_count (needle, NULL) > 0;
}

static void
log_clear (void)
{
  g_mutex_lock (&log_lock);
  g_ptr_array_set_size (log_lines, 0);
  g_mutex_unlock (&log_lock);
}

/* Fixture
 *
 * Each test body runs in a subprocess while this process holds the
 * temporary directory: a failed assertion aborts only the child (and its
 * nodes and attacker threads with it), and the teardown here still removes
 * the directory before the failure is reported. */

typedef struct {
  gchar     *tmpdir;             /* (owned) */
  ShoalNode *nodes[MAX_NODES];   /* (owned) stopped in teardown */
  guint      n_nodes;
  gboolean   child_passed;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->tmpdir = shoal_test_scratch_dir ("security");

  log_clear ();
}

static void
fixture_teardown (Fixture       *f,
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
static ShoalNode *
add_node (Fixture          *f,
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

static ShoalNode *
add_open_node (Fixture     *f,
               const gchar *name)
{
  return add_node (f, name, NULL, 0, SHOAL_TRUST_POLICY_OPEN, NULL);
}

/* Makes @node dial 127.0.0.1:@port. */
static void
add_static_peer (ShoalNode *node,
                 guint16    port)
{
  g_autoptr(ShoalDiscoveryStatic) discovery = shoal_discovery_static_new ();
  g_autofree gchar *where = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr(GError) error = NULL;

  shoal_discovery_static_add_peer (discovery, where, &error);
  g_assert_no_error (error);
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

/* Runs the main loop for @ms, for things that must not happen. */
static void
run_for (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
    }
}

static gboolean
sees_connected (ShoalNode *node,
                ShoalNode *other)
{
  ShoalPeer *peer = shoal_node_lookup_peer (node, shoal_node_get_id (other));

  return peer != NULL && shoal_peer_get_connected (peer);
}

typedef struct {
  ShoalNode *a;
  ShoalNode *b;
} Pair;

static gboolean
pair_linked (gpointer data)
{
  Pair *pair = data;

  return sees_connected (pair->a, pair->b) && sees_connected (pair->b, pair->a);
}

static void
assert_linked_within (ShoalNode *a,
                      ShoalNode *b,
                      guint      timeout_ms)
{
  Pair pair = { a, b };

  g_assert_true (wait_for (pair_linked, &pair, timeout_ms));
}

/* What one node's signals say about one peer. */
typedef struct {
  ShoalNode *node;
  gchar     *peer_id;      /* (owned) */
  guint      connected;
  guint      disconnected;
  guint      pending;
  gchar     *last_reason;  /* (owned) (nullable) of the last disconnection */
} Watch;

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

static void
watch_start (Watch       *watch,
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

static void
watch_stop (Watch *watch)
{
  g_signal_handlers_disconnect_by_data (watch->node, watch);
  g_clear_pointer (&watch->peer_id, g_free);
  g_clear_pointer (&watch->last_reason, g_free);
}

static gboolean
watch_saw_pending (gpointer data)
{
  return ((Watch *) data)->pending > 0;
}

static gboolean
watch_saw_disconnect (gpointer data)
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

static void
assert_message_arrives (ShoalNode *from,
                        ShoalNode *to,
                        GBytes    *payload)
{
  Inbox inbox = { shoal_node_get_id (from), payload, 0 };
  g_autoptr(GError) error = NULL;
  gulong handler;

  handler = g_signal_connect (to, "message-received", G_CALLBACK (inbox_cb), &inbox);
  shoal_node_send (from, shoal_node_get_id (to), payload, &error);
  g_assert_no_error (error);
  g_assert_true (wait_for (inbox_filled, &inbox, 5000));
  g_signal_handler_disconnect (to, handler);
}

/* Both ways, each with its own words. */
static void
assert_messages_flow (ShoalNode *a,
                      ShoalNode *b)
{
  g_autofree gchar *there = g_strdup_printf ("from %s to %s", shoal_node_get_name (a),
                                             shoal_node_get_name (b));
  g_autofree gchar *back = g_strdup_printf ("from %s to %s", shoal_node_get_name (b),
                                            shoal_node_get_name (a));
  g_autoptr(GBytes) there_bytes = g_bytes_new (there, strlen (there));
  g_autoptr(GBytes) back_bytes = g_bytes_new (back, strlen (back));

  assert_message_arrives (a, b, there_bytes);
  assert_message_arrives (b, a, back_bytes);
}

static void
assert_send_fails (ShoalNode *from,
                   ShoalNode *to)
{
  g_autoptr(GBytes) payload = g_bytes_new_static ("let me in", 9);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (shoal_node_send (from, shoal_node_get_id (to), payload, &error), ==, 0);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_CONNECTED);
}

/* Connections made by hand, from threads of their own */

/* A stranger: connects to a node, runs a TLS handshake with its own
 * certificate unless it has none, sends some bytes and reads everything
 * back until the node closes the connection. */
typedef struct {
  guint16          port;
  GTlsCertificate *certificate;      /* (owned) (nullable) none: no TLS at all */
  GBytes          *to_send;          /* (owned) (nullable) */

  /* Written by the thread, read once it is done. */
  GError          *connect_error;    /* (owned) (nullable) */
  GError          *handshake_error;  /* (owned) (nullable) */
  GError          *write_error;      /* (owned) (nullable) */
  GError          *read_error;       /* (owned) (nullable) the end was not a clean EOF */
  GByteArray      *received;         /* (owned) application bytes, TLS removed */
  gint64           connected_at;
  gint64           ended_at;

  GThread         *thread;
  gint             done;             /* atomic */
} Stranger;

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

static void
stranger_start (Stranger        *s,
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
static void
stranger_finish (Stranger *s,
                 guint     timeout_ms)
{
  g_assert_true (wait_for (stranger_done, s, timeout_ms));
  g_thread_join (s->thread);
  s->thread = NULL;
  g_assert_no_error (s->connect_error);
  if (s->read_error != NULL)
    g_test_message ("stranger's read ended with: %s", s->read_error->message);
  /* The node closed it: the stranger's own timeout did not. */
  g_assert_false (g_error_matches (s->read_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
}

static void
stranger_clear (Stranger *s)
{
  g_clear_object (&s->certificate);
  g_clear_pointer (&s->to_send, g_bytes_unref);
  g_clear_error (&s->connect_error);
  g_clear_error (&s->handshake_error);
  g_clear_error (&s->write_error);
  g_clear_error (&s->read_error);
  g_clear_pointer (&s->received, g_byte_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Stranger, stranger_clear)

/* The node said nothing but control frames, and a goodbye with
 * @expected_code last: it refused the link rather than dropping it. If its
 * hello came first, it is the node's own. */
static void
assert_goodbye (GByteArray  *received,
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

static GTlsCertificate *
load_certificate (Fixture      *f,
                  const gchar  *dir,
                  gchar       **out_id)
{
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, dir, NULL);

  return shoal_test_load_certificate (state_dir, out_id);
}

/* A pair of open nodes, "alice" and "bob", bob dialling alice. */
static void
make_pair (Fixture    *f,
           ShoalNode **a,
           ShoalNode **b)
{
  *a = add_open_node (f, "alice");
  *b = add_open_node (f, "bob");
  add_static_peer (*b, shoal_node_get_port (*a));
  assert_linked_within (*a, *b, 5000);
}

/* The pair is still linked, saw no drop, and messages flow both ways. */
static void
assert_pair_carries_on (ShoalNode *a,
                        ShoalNode *b,
                        Watch     *a_watches_b)
{
  Pair pair = { a, b };

  g_assert_true (pair_linked (&pair));
  assert_messages_flow (a, b);
  if (a_watches_b != NULL)
    g_assert_cmpuint (a_watches_b->disconnected, ==, 0);
}

/* 1. An impostor */

static void
test_impostor (Fixture       *f,
               gconstpointer  data)
{
  ShoalNode *a, *b;
  g_autofree gchar *stranger_id = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GBytes) hello = NULL;
  g_autofree gchar *expected_log = NULL;
  g_auto(Stranger) stranger = { 0, };
  Watch watch;

  g_test_summary ("A stranger with its own key who connects over TLS and says in its hello "
                  "that it is a linked peer is sent a goodbye saying protocol-error, with "
                  "the mismatch logged, and the real peer stays linked both ways");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  make_pair (f, &a, &b);
  watch_start (&watch, a, shoal_node_get_id (b));

  certificate = load_certificate (f, "stranger", &stranger_id);
  g_assert_cmpstr (stranger_id, !=, shoal_node_get_id (b));
  hello = shoal_test_encode_hello (shoal_node_get_id (b), NULL, "bob");

  stranger_start (&stranger, a, certificate, hello);
  stranger_finish (&stranger, 10000);
  g_assert_no_error (stranger.handshake_error);
  g_assert_no_error (stranger.write_error);
  assert_goodbye (stranger.received, a, SHOAL_GOODBYE_PROTOCOL_ERROR);

  expected_log = g_strdup_printf ("hello claims peer id %s but the certificate proves %s",
                                  shoal_node_get_id (b), stranger_id);
  g_assert_true (log_contains (expected_log));
  g_assert_null (shoal_node_lookup_peer (a, stranger_id));

  assert_pair_carries_on (a, b, &watch);
  g_assert_cmpuint (watch.connected, ==, 0);
  watch_stop (&watch);
}

/* 2. The network key */

typedef struct {
  ShoalNode *a;
  ShoalNode *b;
  guint      connections;
} KeyCase;

static void
count_connection_cb (ShoalNode *node,
                     ShoalPeer *peer,
                     gpointer   user_data)
{
  ((KeyCase *) user_data)->connections++;
}

/* Two nodes, b dialling a, each with its policy and key. */
static void
key_case_start (Fixture     *f,
                KeyCase     *kc,
                const gchar *suffix,
                const gchar *key_a,
                const gchar *key_b)
{
  g_autofree gchar *name_a = g_strdup_printf ("alice-%s", suffix);
  g_autofree gchar *name_b = g_strdup_printf ("bob-%s", suffix);

  log_clear ();
  kc->connections = 0;
  kc->a = add_node (f, name_a, NULL, 0,
                    key_a != NULL ? SHOAL_TRUST_POLICY_NETWORK_KEY : SHOAL_TRUST_POLICY_OPEN,
                    key_a);
  kc->b = add_node (f, name_b, NULL, 0,
                    key_b != NULL ? SHOAL_TRUST_POLICY_NETWORK_KEY : SHOAL_TRUST_POLICY_OPEN,
                    key_b);
  g_signal_connect (kc->a, "peer-connected", G_CALLBACK (count_connection_cb), kc);
  g_signal_connect (kc->b, "peer-connected", G_CALLBACK (count_connection_cb), kc);
  add_static_peer (kc->b, shoal_node_get_port (kc->a));
}

static void
key_case_stop (KeyCase *kc)
{
  g_signal_handlers_disconnect_by_data (kc->a, kc);
  g_signal_handlers_disconnect_by_data (kc->b, kc);
  shoal_node_stop (kc->a);
  shoal_node_stop (kc->b);
}

/* Neither node links up within 3 s, and each closed a link itself saying
 * why: "Closing link to|from <the other's id>: not trusted: <why>". A line
 * about the other's goodbye would not do, since it names the other's reason. */
static void
assert_key_refused (KeyCase     *kc,
                    const gchar *a_says,
                    const gchar *b_says)
{
  g_autofree gchar *a_line = g_strdup_printf ("%s: not trusted: %s", shoal_node_get_id (kc->b),
                                              a_says);
  g_autofree gchar *b_line = g_strdup_printf ("%s: not trusted: %s", shoal_node_get_id (kc->a),
                                              b_says);

  run_for (3000);
  g_assert_cmpuint (kc->connections, ==, 0);
  g_assert_false (sees_connected (kc->a, kc->b));
  g_assert_false (sees_connected (kc->b, kc->a));

  g_assert_cmpuint (log_count ("Closing link", a_line), >, 0);
  g_assert_cmpuint (log_count ("Closing link", b_line), >, 0);
  g_assert_nonnull (strstr (a_line, "network key"));
  g_assert_nonnull (strstr (b_line, "network key"));
}

static void
test_network_key (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree gchar *key = shoal_network_key_generate ();
  g_autofree gchar *other_key = shoal_network_key_generate ();
  KeyCase kc = { 0, };

  g_test_summary ("Under the network-key policy, two nodes with the same key link up and "
                  "carry messages; with different keys, or when only one of them has a key, "
                  "neither links up within 3 s and both logs say it was the network key");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  g_assert_cmpstr (key, !=, other_key);

  /* The same key. */
  key_case_start (f, &kc, "same", key, key);
  assert_linked_within (kc.a, kc.b, 5000);
  assert_messages_flow (kc.a, kc.b);
  key_case_stop (&kc);

  /* Different keys. */
  key_case_start (f, &kc, "different", key, other_key);
  assert_key_refused (&kc, "the peer holds another network key",
                      "the peer holds another network key");
  key_case_stop (&kc);

  /* A key on a's side, none on b's (under the open policy). */
  key_case_start (f, &kc, "one-sided", key, NULL);
  assert_key_refused (&kc, "the peer has no network key",
                      "the peer proves a network key and this node has none");
  key_case_stop (&kc);
}

/* 3. The allow-list */

static void
assert_pending (ShoalNode *node,
                ShoalNode *other)
{
  ShoalPeer *peer = shoal_node_lookup_peer (node, shoal_node_get_id (other));

  g_assert_nonnull (peer);
  g_assert_cmpint (shoal_peer_get_state (peer), ==, SHOAL_PEER_STATE_PENDING);
  g_assert_false (shoal_peer_get_connected (peer));
  g_assert_false (shoal_peer_get_trusted (peer));
}

static gboolean
is_six_digits (const gchar *code)
{
  if (code == NULL || strlen (code) != 6)
    return FALSE;
  for (guint i = 0; i < 6; i++)
    if (!g_ascii_isdigit (code[i]))
      return FALSE;
  return TRUE;
}

static void
test_allow_list (Fixture       *f,
                 gconstpointer  data)
{
  ShoalNode *a, *b, *a2;
  ShoalPeer *a_sees_b, *b_sees_a;
  Watch a_watch, b_watch;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *connected_line = NULL;
  g_autofree gchar *redial_line = NULL;
  g_autofree gchar *trust_path = NULL;
  g_autoptr(GKeyFile) store = g_key_file_new ();
  guint connected_lines;
  guint redials;
  guint16 a_port;

  g_test_summary ("Under the allow-list policy two nodes that dial each other are pending on "
                  "both sides with the same 6-digit verification code and carry nothing; "
                  "they link up only once both trust each other; untrusting closes the link "
                  "with not-trusted for good, also across a restart, and the node that "
                  "untrusted stops dialling the other");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  a = add_node (f, "alice", NULL, 0, SHOAL_TRUST_POLICY_ALLOW_LIST, NULL);
  b = add_node (f, "bob", NULL, 0, SHOAL_TRUST_POLICY_ALLOW_LIST, NULL);
  a_port = shoal_node_get_port (a);
  watch_start (&a_watch, a, shoal_node_get_id (b));
  watch_start (&b_watch, b, shoal_node_get_id (a));
  add_static_peer (a, shoal_node_get_port (b));
  add_static_peer (b, a_port);

  /* Both pend, with the same code, and nothing flows. */
  g_assert_true (wait_for (watch_saw_pending, &a_watch, 5000));
  g_assert_true (wait_for (watch_saw_pending, &b_watch, 5000));
  assert_pending (a, b);
  assert_pending (b, a);
  a_sees_b = shoal_node_lookup_peer (a, shoal_node_get_id (b));
  b_sees_a = shoal_node_lookup_peer (b, shoal_node_get_id (a));
  g_assert_true (is_six_digits (shoal_peer_get_verification_code (a_sees_b)));
  g_assert_cmpstr (shoal_peer_get_verification_code (a_sees_b), ==,
                   shoal_peer_get_verification_code (b_sees_a));
  g_assert_cmpstr (shoal_peer_get_fingerprint (a_sees_b), ==, shoal_node_get_fingerprint (b));
  g_assert_cmpstr (shoal_peer_get_fingerprint (b_sees_a), ==, shoal_node_get_fingerprint (a));
  assert_send_fails (a, b);
  assert_send_fails (b, a);
  g_assert_cmpuint (a_watch.connected + b_watch.connected, ==, 0);

  /* One side's trust is not enough: b still pends a, and a keeps b listed,
   * trusted, while it waits for b's decision. */
  shoal_node_trust (a, shoal_node_get_id (b), &error);
  g_assert_no_error (error);
  run_for (1000);
  g_assert_false (sees_connected (a, b));
  g_assert_false (sees_connected (b, a));
  g_assert_cmpuint (a_watch.connected + b_watch.connected, ==, 0);
  assert_pending (b, a);
  a_sees_b = shoal_node_lookup_peer (a, shoal_node_get_id (b));
  g_assert_nonnull (a_sees_b);
  g_assert_true (shoal_peer_get_trusted (a_sees_b));
  g_assert_cmpint (shoal_peer_get_state (a_sees_b), !=, SHOAL_PEER_STATE_PENDING);
  assert_send_fails (a, b);

  /* Both sides' is. */
  shoal_node_trust (b, shoal_node_get_id (a), &error);
  g_assert_no_error (error);
  assert_linked_within (a, b, 5000);
  g_assert_true (shoal_peer_get_trusted (shoal_node_lookup_peer (a, shoal_node_get_id (b))));
  g_assert_true (shoal_peer_get_trusted (shoal_node_lookup_peer (b, shoal_node_get_id (a))));
  assert_messages_flow (a, b);

  /* Untrusting closes the link, and a does not link up again, nor dial b
   * again: a static address whose id a has not learnt may take one more
   * dial to find out who is there, and no more. a refusing its own dial
   * says "Closing link to <b>: not trusted: untrusted on this node". */
  connected_line = g_strdup_printf ("Connected to %s", shoal_node_get_id (b));
  connected_lines = log_count (connected_line, NULL);
  redial_line = g_strdup_printf ("Closing link to %s: not trusted: untrusted on this node",
                                 shoal_node_get_id (b));
  g_assert_cmpuint (connected_lines, >, 0);
  shoal_node_untrust (a, shoal_node_get_id (b), &error);
  g_assert_no_error (error);
  g_assert_true (wait_for (watch_saw_disconnect, &a_watch, 5000));
  g_assert_true (wait_for (watch_saw_disconnect, &b_watch, 5000));
  g_test_message ("a's reason: %s; b's reason: %s", a_watch.last_reason, b_watch.last_reason);
  g_assert_cmpstr (a_watch.last_reason, ==, "not-trusted");
  g_assert_cmpstr (b_watch.last_reason, ==, "not-trusted");
  run_for (2000);
  g_assert_false (sees_connected (a, b));
  g_assert_false (sees_connected (b, a));
  g_assert_cmpuint (log_count (connected_line, NULL), ==, connected_lines);
  g_test_message ("a dialled b %u time(s) after untrusting it", log_count (redial_line, NULL));
  g_assert_cmpuint (log_count (redial_line, NULL), <=, 1);
  watch_stop (&a_watch);
  watch_stop (&b_watch);

  /* The decision is on disk, and a restarted a keeps to it. */
  trust_path = g_build_filename (shoal_node_get_state_dir (a), "trust.ini", NULL);
  g_key_file_load_from_file (store, trust_path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (g_key_file_has_key (store, shoal_node_get_id (b), "trusted", NULL));
  g_assert_false (g_key_file_get_boolean (store, shoal_node_get_id (b), "trusted", &error));
  g_assert_no_error (error);

  shoal_node_stop (a);
  a2 = add_node (f, "alice", "alice", a_port, SHOAL_TRUST_POLICY_ALLOW_LIST, NULL);
  g_assert_cmpstr (shoal_node_get_id (a2), ==, shoal_node_get_id (a));
  add_static_peer (a2, shoal_node_get_port (b));
  watch_start (&a_watch, a2, shoal_node_get_id (b));
  watch_start (&b_watch, b, shoal_node_get_id (a2));
  redials = log_count (redial_line, NULL);
  run_for (2000);
  g_assert_cmpuint (a_watch.connected + b_watch.connected, ==, 0);
  g_assert_false (sees_connected (a2, b));
  g_assert_false (sees_connected (b, a2));
  g_assert_cmpuint (log_count (connected_line, NULL), ==, connected_lines);
  /* Once to learn that b is behind its static address, then no more. */
  g_test_message ("the restarted a dialled b %u time(s)", log_count (redial_line, NULL) - redials);
  g_assert_cmpuint (log_count (redial_line, NULL) - redials, <=, 1);
  watch_stop (&a_watch);
  watch_stop (&b_watch);
}

/* 4-6. Strangers that never get to TLS, or stall in it */

/* A stranger without TLS sends @bytes; the node must close the connection
 * without answering a byte, within @timeout_ms. Returns how long it took. */
static gint64
assert_closed_silently (ShoalNode    *node,
                        const guint8 *bytes,
                        gsize         length,
                        guint         timeout_ms)
{
  g_autoptr(GBytes) to_send = g_bytes_new (bytes, length);
  g_auto(Stranger) stranger = { 0, };

  stranger_start (&stranger, node, NULL, to_send);
  stranger_finish (&stranger, timeout_ms);
  g_assert_no_error (stranger.write_error);
  g_assert_cmpuint (stranger.received->len, ==, 0);
  return stranger.ended_at - stranger.connected_at;
}

static void
test_v1_peer (Fixture       *f,
              gconstpointer  data)
{
  /* A protocol 1 hello frame: type 0x01, flags and reserved zero, a
   * 16-byte body. */
  static const guint8 v1_hello[] = {
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    'v', '1', ' ', 'h', 'e', 'l', 'l', 'o', ' ', 'b', 'o', 'd', 'y', '.', '.', '.',
  };
  ShoalNode *a, *b;
  Watch watch;

  g_test_summary ("A protocol 1 node, which sends its hello without TLS, has its connection "
                  "closed without a byte in answer and a log saying it speaks protocol 1, "
                  "and the node's link to another carries on");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  make_pair (f, &a, &b);
  watch_start (&watch, a, shoal_node_get_id (b));

  assert_closed_silently (a, v1_hello, sizeof v1_hello, 5000);
  g_assert_true (log_contains ("speaks protocol 1 without TLS"));

  assert_pair_carries_on (a, b, &watch);
  watch_stop (&watch);
}

static void
test_garbage_before_tls (Fixture       *f,
                         gconstpointer  data)
{
  static const gchar http[] = "GET / HTTP/1.1\r\n\r\n";
  ShoalNode *a, *b;
  Watch watch;

  g_test_summary ("A stranger that opens with an HTTP request instead of a TLS ClientHello "
                  "has its connection closed without a byte in answer and a log saying so, "
                  "and the node's link to another carries on");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  make_pair (f, &a, &b);
  watch_start (&watch, a, shoal_node_get_id (b));

  assert_closed_silently (a, (const guint8 *) http, strlen (http), 5000);
  g_assert_true (log_contains ("other than a TLS ClientHello"));

  assert_pair_carries_on (a, b, &watch);
  watch_stop (&watch);
}

static void
test_stalled_tls (Fixture       *f,
                  gconstpointer  data)
{
  /* The start of a TLS record header, handshake type, and then nothing. */
  static const guint8 partial[] = { 0x16, 0x03, 0x01 };
  ShoalNode *a, *b;
  Watch watch;
  gint64 took;

  g_test_summary ("A stranger that starts a TLS record and stops has its connection closed "
                  "once the 5 s handshake time is up, not before and not much later, with "
                  "a log saying so, and the node's link to another carries on");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  make_pair (f, &a, &b);
  watch_start (&watch, a, shoal_node_get_id (b));

  took = assert_closed_silently (a, partial, sizeof partial, 15000);
  g_test_message ("closed after %" G_GINT64_FORMAT " ms", took / 1000);
  g_assert_cmpint (took, >=, 4500 * 1000);
  g_assert_cmpint (took, <, 7500 * 1000);
  g_assert_true (log_contains ("no TLS handshake"));

  assert_pair_carries_on (a, b, &watch);
  watch_stop (&watch);
}

/* 7. Certificates Shoal does not take */

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)

static void
datum_clear (gnutls_datum_t *datum)
{
  gnutls_free (datum->data);
  datum->data = NULL;
  datum->size = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (gnutls_datum_t, datum_clear)

/* A key and a certificate for it, self-signed unless @issuer (with its
 * key) signs it; a CA if @ca. */
static void
make_certificate (gnutls_pk_algorithm_t   algorithm,
                  guint                   bits,
                  const gchar            *common_name,
                  gboolean                ca,
                  gnutls_x509_crt_t       issuer,
                  gnutls_x509_privkey_t   issuer_key,
                  gnutls_x509_crt_t      *out_crt,
                  gnutls_x509_privkey_t  *out_key)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  guint8 serial[8];
  guint8 key_id[64];
  gsize key_id_size = sizeof key_id;
  time_t now = time (NULL);

  for (guint i = 0; i < sizeof serial; i++)
    serial[i] = (guint8) g_random_int_range (0, 256);
  serial[0] &= 0x7f;

  g_assert_cmpint (gnutls_x509_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_generate (key, algorithm, bits, 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_version (crt, 3), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                                  common_name, strlen (common_name)), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_activation_time (crt, now - 3600), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_expiration_time (crt, now + 24 * 3600), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_key (crt, key), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_basic_constraints (crt, ca, -1), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_key_usage (crt, ca ? GNUTLS_KEY_KEY_CERT_SIGN
                                                          : GNUTLS_KEY_DIGITAL_SIGNATURE),
                   ==, 0);
  g_assert_cmpint (gnutls_x509_crt_get_key_id (crt, 0, key_id, &key_id_size), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_subject_key_id (crt, key_id, key_id_size), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_sign2 (crt, issuer != NULL ? issuer : crt,
                                          issuer_key != NULL ? issuer_key : key,
                                          GNUTLS_DIG_SHA256, 0), ==, 0);

  *out_crt = g_steal_pointer (&crt);
  *out_key = g_steal_pointer (&key);
}

static gchar *
crt_to_pem (gnutls_x509_crt_t crt)
{
  g_auto(gnutls_datum_t) pem = { NULL, 0 };

  g_assert_cmpint (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &pem), ==, 0);
  return g_strndup ((const gchar *) pem.data, pem.size);
}

static gchar *
key_to_pem (gnutls_x509_privkey_t key)
{
  g_auto(gnutls_datum_t) pem = { NULL, 0 };

  g_assert_cmpint (gnutls_x509_privkey_export2 (key, GNUTLS_X509_FMT_PEM, &pem), ==, 0);
  return g_strndup ((const gchar *) pem.data, pem.size);
}

/* A self-signed certificate with an RSA key of 1024 bits. */
static GTlsCertificate *
make_weak_certificate (void)
{
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_autofree gchar *crt_pem = NULL;
  g_autofree gchar *key_pem = NULL;
  g_autofree gchar *pem = NULL;
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;

  make_certificate (GNUTLS_PK_RSA, 1024, "shoal-weak", FALSE, NULL, NULL, &crt, &key);
  crt_pem = crt_to_pem (crt);
  key_pem = key_to_pem (key);
  pem = g_strconcat (crt_pem, key_pem, NULL);
  certificate = g_tls_certificate_new_from_pem (pem, -1, &error);
  g_assert_no_error (error);
  return certificate;
}

/* A P-256 leaf signed by a P-256 CA, presented with the CA: a chain of 2. */
static GTlsCertificate *
make_chain_certificate (void)
{
  g_auto(gnutls_x509_crt_t) ca_crt = NULL;
  g_auto(gnutls_x509_privkey_t) ca_key = NULL;
  g_auto(gnutls_x509_crt_t) leaf_crt = NULL;
  g_auto(gnutls_x509_privkey_t) leaf_key = NULL;
  g_autofree gchar *ca_pem = NULL;
  g_autofree gchar *leaf_pem = NULL;
  g_autofree gchar *key_pem = NULL;
  g_autofree gchar *pem = NULL;
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;
  const guint p256 = GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1);

  make_certificate (GNUTLS_PK_ECDSA, p256, "shoal-test-ca", TRUE, NULL, NULL, &ca_crt, &ca_key);
  make_certificate (GNUTLS_PK_ECDSA, p256, "shoal-test-leaf", FALSE, ca_crt, ca_key, &leaf_crt,
                    &leaf_key);
  leaf_pem = crt_to_pem (leaf_crt);
  ca_pem = crt_to_pem (ca_crt);
  key_pem = key_to_pem (leaf_key);
  pem = g_strconcat (leaf_pem, ca_pem, key_pem, NULL);
  certificate = g_tls_certificate_new_from_pem (pem, -1, &error);
  g_assert_no_error (error);
  /* GIO made the CA the leaf's issuer, so the chain goes on the wire. */
  g_assert_nonnull (g_tls_certificate_get_issuer (certificate));
  return certificate;
}

/* A stranger presenting @certificate gets no application byte: the
 * handshake fails or the connection closes, well before the 5 s a stranger
 * who passed TLS would have to send its hello. */
static void
assert_certificate_refused (ShoalNode       *node,
                            GTlsCertificate *certificate)
{
  g_auto(Stranger) stranger = { 0, };

  stranger_start (&stranger, node, certificate, NULL);
  stranger_finish (&stranger, 15000);
  if (stranger.handshake_error != NULL)
    g_test_message ("handshake failed: %s", stranger.handshake_error->message);
  g_assert_cmpuint (stranger.received->len, ==, 0);
  g_assert_cmpint (stranger.ended_at - stranger.connected_at, <, 4000 * 1000);
}

static void
test_weak_key (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GTlsCertificate) weak = make_weak_certificate ();
  ShoalNode *a, *b;
  Watch watch;

  g_test_summary ("A TLS client presenting a self-signed certificate with an RSA key of "
                  "1024 bits is refused in the handshake with a log saying weak key, and "
                  "the node's link to another carries on");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  make_pair (f, &a, &b);
  watch_start (&watch, a, shoal_node_get_id (b));

  assert_certificate_refused (a, weak);
  g_assert_true (log_contains ("weak key"));

  assert_pair_carries_on (a, b, &watch);
  watch_stop (&watch);
}

static void
test_chain (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GTlsCertificate) chain = make_chain_certificate ();
  ShoalNode *a, *b;
  Watch watch;

  g_test_summary ("A TLS client presenting a leaf certificate with its issuer, a chain of "
                  "two, is refused in the handshake with a log saying chain, and the node's "
                  "link to another carries on");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  make_pair (f, &a, &b);
  watch_start (&watch, a, shoal_node_get_id (b));

  assert_certificate_refused (a, chain);
  g_assert_true (log_contains ("chain"));

  assert_pair_carries_on (a, b, &watch);
  watch_stop (&watch);
}

/* 8. A stranger who passes TLS and the hello, then sends garbage */

static void
test_malformed_after_tls (Fixture       *f,
                          gconstpointer  data)
{
  /* A unicast header claiming 4 GiB - 1 of body. */
  static const guint8 oversize[] = { 0x10, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
  ShoalNode *a, *b;
  g_autofree gchar *stranger_id = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GBytes) hello = NULL;
  g_autoptr(GByteArray) to_send = g_byte_array_new ();
  g_autoptr(GBytes) to_send_bytes = NULL;
  g_auto(Stranger) stranger = { 0, };
  Watch watch, stranger_watch;
  gsize size = 0;
  const guint8 *hello_data;

  g_test_summary ("A stranger who passes TLS with its own key and sends a true hello, then "
                  "a frame header claiming 4 GiB, is sent a goodbye saying protocol-error "
                  "and dropped, and the node's link to another carries on");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  make_pair (f, &a, &b);
  watch_start (&watch, a, shoal_node_get_id (b));

  certificate = load_certificate (f, "stranger", &stranger_id);
  watch_start (&stranger_watch, a, stranger_id);
  hello = shoal_test_encode_hello (stranger_id, NULL, "stranger");
  hello_data = g_bytes_get_data (hello, &size);
  g_byte_array_append (to_send, hello_data, size);
  g_byte_array_append (to_send, oversize, sizeof oversize);
  to_send_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&to_send));

  stranger_start (&stranger, a, certificate, to_send_bytes);
  stranger_finish (&stranger, 10000);
  g_assert_no_error (stranger.handshake_error);
  g_assert_no_error (stranger.write_error);
  assert_goodbye (stranger.received, a, SHOAL_GOODBYE_PROTOCOL_ERROR);
  g_assert_true (log_contains ("protocol error"));

  /* It was let in by its hello, then dropped for the garbage. */
  g_assert_true (wait_for (watch_saw_disconnect, &stranger_watch, 5000));
  g_test_message ("stranger dropped: %s", stranger_watch.last_reason);
  g_assert_cmpstr (stranger_watch.last_reason, ==, "protocol-error");
  watch_stop (&stranger_watch);

  assert_pair_carries_on (a, b, &watch);
  watch_stop (&watch);
}

/* 9-10. Something between two nodes */

typedef struct _Relay Relay;

typedef struct {
  Relay             *relay;       /* (unowned) */
  GSocketConnection *downstream;  /* (owned) the connection the relay accepted */
  GThread           *thread;
} RelayConnection;

/* Listens on 127.0.0.1 and relays each connection to another port: as a
 * man in the middle that terminates TLS on both sides with its own key if
 * it has a certificate, else as a plain forwarder of bytes. Either way it
 * records everything it relays. */
struct _Relay {
  GTlsCertificate *certificate;    /* (owned) (nullable) */
  guint16          upstream_port;
  guint16          port;
  GSocketListener *listener;       /* (owned) */
  GCancellable    *cancellable;    /* (owned) */
  GThread         *accept_thread;

  GMutex           lock;
  GByteArray      *seen;           /* (owned) everything relayed, either way */
  GPtrArray       *connections;    /* (owned) (element-type RelayConnection) */
  guint            tls_sessions;   /* MITM: both handshakes done */
};

typedef struct {
  Relay     *relay;
  GIOStream *from;
  GSocket   *from_socket;
  GIOStream *to;
  GSocket   *to_socket;
} Pump;

static gpointer
pump_thread (gpointer data)
{
  Pump *pump = data;
  guint8 buffer[16384];

  for (;;)
    {
      gssize n = g_input_stream_read (g_io_stream_get_input_stream (pump->from), buffer,
                                      sizeof buffer, pump->relay->cancellable, NULL);

      if (n <= 0)
        break;

      g_mutex_lock (&pump->relay->lock);
      g_byte_array_append (pump->relay->seen, buffer, n);
      g_mutex_unlock (&pump->relay->lock);

      if (!g_output_stream_write_all (g_io_stream_get_output_stream (pump->to), buffer, n,
                                      NULL, pump->relay->cancellable, NULL))
        {
          /* The other side is gone: so is this one. */
          g_socket_shutdown (pump->from_socket, TRUE, FALSE, NULL);
          break;
        }
    }

  /* Pass the end on, as a half-close, the way the nodes end links. */
  g_socket_shutdown (pump->to_socket, FALSE, TRUE, NULL);
  return NULL;
}

static gpointer
relay_connection_thread (gpointer data)
{
  RelayConnection *rc = data;
  Relay *relay = rc->relay;
  g_autoptr(GSocketConnection) upstream = NULL;
  g_autoptr(GTlsConnection) down_tls = NULL;
  g_autoptr(GTlsConnection) up_tls = NULL;
  g_autoptr(GError) error = NULL;
  GIOStream *down = G_IO_STREAM (rc->downstream);
  GIOStream *up;
  GSocket *down_socket = g_socket_connection_get_socket (rc->downstream);
  GSocket *up_socket;
  GThread *back_thread;
  Pump there, back;

  upstream = shoal_test_connect_loopback (relay->upstream_port, relay->cancellable, &error);
  if (upstream == NULL)
    goto out;
  up = G_IO_STREAM (upstream);
  up_socket = g_socket_connection_get_socket (upstream);

  if (relay->certificate != NULL)
    {
      down_tls = shoal_test_tls_wrap (down, TRUE, relay->certificate, &error);
      if (down_tls == NULL ||
          !g_tls_connection_handshake (down_tls, relay->cancellable, &error))
        goto out;
      up_tls = shoal_test_tls_wrap (up, FALSE, relay->certificate, &error);
      if (up_tls == NULL || !g_tls_connection_handshake (up_tls, relay->cancellable, &error))
        goto out;
      down = G_IO_STREAM (down_tls);
      up = G_IO_STREAM (up_tls);

      g_mutex_lock (&relay->lock);
      relay->tls_sessions++;
      g_mutex_unlock (&relay->lock);
    }

  there = (Pump) { relay, down, down_socket, up, up_socket };
  back = (Pump) { relay, up, up_socket, down, down_socket };
  back_thread = g_thread_new ("relay-back", pump_thread, &back);
  pump_thread (&there);
  g_thread_join (back_thread);

out:
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("relay connection failed: %s", error->message);
  g_io_stream_close (G_IO_STREAM (rc->downstream), NULL, NULL);
  if (upstream != NULL)
    g_io_stream_close (G_IO_STREAM (upstream), NULL, NULL);
  return NULL;
}

static gpointer
relay_accept_thread (gpointer data)
{
  Relay *relay = data;

  for (;;)
    {
      GSocketConnection *connection;
      RelayConnection *rc;

      connection = g_socket_listener_accept (relay->listener, NULL, relay->cancellable, NULL);
      if (connection == NULL)
        break;

      rc = g_new0 (RelayConnection, 1);
      rc->relay = relay;
      rc->downstream = connection;
      g_mutex_lock (&relay->lock);
      rc->thread = g_thread_new ("relay-connection", relay_connection_thread, rc);
      g_ptr_array_add (relay->connections, rc);
      g_mutex_unlock (&relay->lock);
    }

  return NULL;
}

static void
relay_start (Relay           *relay,
             ShoalNode       *upstream,
             GTlsCertificate *certificate)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  memset (relay, 0, sizeof *relay);
  relay->certificate = certificate != NULL ? g_object_ref (certificate) : NULL;
  relay->upstream_port = shoal_node_get_port (upstream);
  relay->listener = g_socket_listener_new ();
  relay->cancellable = g_cancellable_new ();
  relay->seen = g_byte_array_new ();
  relay->connections = g_ptr_array_new ();
  g_mutex_init (&relay->lock);

  g_socket_listener_add_address (relay->listener, any_port, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  relay->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  relay->accept_thread = g_thread_new ("relay-accept", relay_accept_thread, relay);
}

static guint
relay_count_connections (Relay *relay)
{
  guint n;

  g_mutex_lock (&relay->lock);
  n = relay->connections->len;
  g_mutex_unlock (&relay->lock);
  return n;
}

static guint
relay_count_tls_sessions (Relay *relay)
{
  guint n;

  g_mutex_lock (&relay->lock);
  n = relay->tls_sessions;
  g_mutex_unlock (&relay->lock);
  return n;
}

static void
relay_stop (Relay *relay)
{
  g_cancellable_cancel (relay->cancellable);
  g_thread_join (relay->accept_thread);
  g_socket_listener_close (relay->listener);

  /* Nothing adds connections any more. */
  for (guint i = 0; i < relay->connections->len; i++)
    {
      RelayConnection *rc = g_ptr_array_index (relay->connections, i);

      g_thread_join (rc->thread);
      g_object_unref (rc->downstream);
      g_free (rc);
    }

  g_ptr_array_unref (relay->connections);
  g_byte_array_unref (relay->seen);
  g_clear_object (&relay->listener);
  g_clear_object (&relay->cancellable);
  g_clear_object (&relay->certificate);
  g_mutex_clear (&relay->lock);
}

/* memmem(), which needs _GNU_SOURCE. */
static gboolean
bytes_contain (const GByteArray *haystack,
               const gchar      *needle)
{
  gsize length = strlen (needle);

  for (gsize i = 0; length <= haystack->len && i <= haystack->len - length; i++)
    if (memcmp (haystack->data + i, needle, length) == 0)
      return TRUE;

  return FALSE;
}

static gboolean
relay_seen_contains (Relay       *relay,
                     const gchar *needle)
{
  gboolean found;

  g_mutex_lock (&relay->lock);
  found = bytes_contain (relay->seen, needle);
  g_mutex_unlock (&relay->lock);
  return found;
}

static void
test_mitm (Fixture       *f,
           gconstpointer  data)
{
  ShoalNode *a, *b;
  g_autofree gchar *mallory_id = NULL;
  g_autoptr(GTlsCertificate) mallory = NULL;
  g_autofree gchar *a_says = NULL;
  g_autofree gchar *b_says = NULL;
  Relay relay;
  Watch a_watch, b_watch;

  g_test_summary ("A man in the middle who terminates TLS with its own key on both sides "
                  "and relays the plaintext links neither node to the other: each sees the "
                  "hello claim an id the certificate does not prove; a direct link between "
                  "the same two nodes then works");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  a = add_open_node (f, "alice");
  b = add_open_node (f, "bob");
  watch_start (&a_watch, a, shoal_node_get_id (b));
  watch_start (&b_watch, b, shoal_node_get_id (a));
  mallory = load_certificate (f, "mallory", &mallory_id);
  relay_start (&relay, a, mallory);
  add_static_peer (b, relay.port);

  run_for (3000);
  g_test_message ("%u connections through the relay, %u with TLS on both sides",
                  relay_count_connections (&relay), relay_count_tls_sessions (&relay));
  /* The attack got as far as the hellos: TLS itself cannot tell. */
  g_assert_cmpuint (relay_count_tls_sessions (&relay), >, 0);
  g_assert_cmpuint (a_watch.connected + b_watch.connected, ==, 0);
  g_assert_false (sees_connected (a, b));
  g_assert_false (sees_connected (b, a));
  a_says = g_strdup_printf ("hello claims peer id %s but the certificate proves %s",
                            shoal_node_get_id (b), mallory_id);
  b_says = g_strdup_printf ("hello claims peer id %s but the certificate proves %s",
                            shoal_node_get_id (a), mallory_id);
  g_assert_true (log_contains (a_says));
  g_assert_true (log_contains (b_says));
  g_assert_null (shoal_node_lookup_peer (a, mallory_id));
  g_assert_null (shoal_node_lookup_peer (b, mallory_id));

  relay_stop (&relay);

  /* Without mallory, the same two nodes link up. */
  add_static_peer (b, shoal_node_get_port (a));
  assert_linked_within (a, b, 5000);
  assert_messages_flow (a, b);
  watch_stop (&a_watch);
  watch_stop (&b_watch);
}

static void
test_no_cleartext (Fixture       *f,
                   gconstpointer  data)
{
  /* Names no ciphertext would spell by chance. */
  static const gchar alice_name[] = "alice-c4f1e0";
  static const gchar bob_name[] = "bob-9e27d5";
  static const gchar marker[] = "SHOAL-MARKER-4d2f8a";
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GBytes) payload = NULL;
  ShoalNode *a, *b;
  Relay relay;

  g_test_summary ("A forwarder between two nodes that records every byte sees neither a "
                  "message's words nor the nodes' names nor their ids, while the messages "
                  "arrive both ways");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  a = add_open_node (f, alice_name);
  b = add_open_node (f, bob_name);
  relay_start (&relay, a, NULL);
  add_static_peer (b, relay.port);
  assert_linked_within (a, b, 5000);

  for (guint i = 0; i < 10; i++)
    g_string_append (text, marker);
  payload = g_bytes_new (text->str, text->len);
  assert_message_arrives (b, a, payload);
  assert_message_arrives (a, b, payload);

  /* Everything went through the forwarder... */
  g_assert_cmpuint (relay_count_connections (&relay), >, 0);
  g_mutex_lock (&relay.lock);
  g_test_message ("the forwarder saw %u bytes", relay.seen->len);
  g_assert_cmpuint (relay.seen->len, >, 2 * text->len);
  g_mutex_unlock (&relay.lock);

  /* ...and none of it in the clear. */
  g_assert_false (relay_seen_contains (&relay, marker));
  g_assert_false (relay_seen_contains (&relay, alice_name));
  g_assert_false (relay_seen_contains (&relay, bob_name));
  g_assert_false (relay_seen_contains (&relay, shoal_node_get_id (a)));
  g_assert_false (relay_seen_contains (&relay, shoal_node_get_id (b)));

  /* Stopping the nodes first ends the relayed connections. */
  shoal_node_stop (a);
  shoal_node_stop (b);
  relay_stop (&relay);
}

/* 11. Trust on first use */

typedef struct {
  ShoalNode   *node;
  const gchar *peer_id;
} PeerRef;

static gboolean
peer_ref_connected (gpointer data)
{
  PeerRef *ref = data;
  ShoalPeer *peer = shoal_node_lookup_peer (ref->node, ref->peer_id);

  return peer != NULL && shoal_peer_get_connected (peer);
}

static gboolean
peer_ref_not_connected (gpointer data)
{
  return !peer_ref_connected (data);
}

static void
test_tofu (Fixture       *f,
           gconstpointer  data)
{
  ShoalNode *a, *b, *b2, *b3;
  g_autofree gchar *old_id = NULL;
  g_autofree gchar *new_id = NULL;
  g_autofree gchar *expected = NULL;
  guint16 port;
  ShoalPeer *peer;
  PeerRef ref;

  g_test_summary ("Under the open policy, a node that shows up with a name this node "
                  "remembers from another id (a new key) is logged as such and its peer "
                  "gives the old id as previous-id");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  a = add_open_node (f, "alice");
  b = add_node (f, "bob", "bob-1", 0, SHOAL_TRUST_POLICY_OPEN, NULL);
  add_static_peer (b, shoal_node_get_port (a));
  assert_linked_within (a, b, 5000);
  old_id = g_strdup (shoal_node_get_id (b));
  g_assert_null (shoal_peer_get_previous_id (shoal_node_lookup_peer (a, old_id)));
  g_assert_false (log_contains ("a name this node knows from peer"));

  shoal_node_stop (b);
  ref = (PeerRef) { a, old_id };
  g_assert_true (wait_for (peer_ref_not_connected, &ref, 5000));

  /* Another machine, or the same one reinstalled: a new key, the old name. */
  b2 = add_node (f, "bob", "bob-2", 0, SHOAL_TRUST_POLICY_OPEN, NULL);
  g_assert_cmpstr (shoal_node_get_id (b2), !=, old_id);
  add_static_peer (b2, shoal_node_get_port (a));
  assert_linked_within (a, b2, 5000);

  expected = g_strdup_printf ("a name this node knows from peer %s", old_id);
  g_assert_true (log_contains (expected));
  peer = shoal_node_lookup_peer (a, shoal_node_get_id (b2));
  g_assert_nonnull (peer);
  g_assert_cmpstr (shoal_peer_get_name (peer), ==, "bob");
  g_assert_cmpstr (shoal_peer_get_previous_id (peer), ==, old_id);

  /* The flag is for a person to see: it stays on the peer across a
   * reconnection. alice learns bob's address, so the peer outlives the
   * link, and bob restarts on the same port. */
  new_id = g_strdup (shoal_node_get_id (b2));
  port = shoal_node_get_port (b2);
  add_static_peer (a, port);
  run_for (1000);
  g_assert_true (shoal_node_lookup_peer (a, new_id) == peer);
  shoal_node_stop (b2);
  ref = (PeerRef) { a, new_id };
  g_assert_true (wait_for (peer_ref_not_connected, &ref, 5000));
  g_assert_true (shoal_node_lookup_peer (a, new_id) == peer);
  b3 = add_node (f, "bob", "bob-2", port, SHOAL_TRUST_POLICY_OPEN, NULL);
  g_assert_cmpstr (shoal_node_get_id (b3), ==, new_id);
  g_assert_true (wait_for (peer_ref_connected, &ref, 5000));
  g_assert_true (shoal_node_lookup_peer (a, new_id) == peer);
  g_test_message ("previous-id after the reconnection: %s", shoal_peer_get_previous_id (peer));
  g_assert_cmpstr (shoal_peer_get_previous_id (peer), ==, old_id);
}

/* 12. Whom the dialler expects */

static gboolean
log_names (gpointer data)
{
  return log_contains (data);
}

static void
test_expected_id (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree gchar *claimed = shoal_test_random_hex_id ();
  g_autofree gchar *expected = NULL;
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_object_unref);
  ShoalNode *a, *c;

  g_test_summary ("A record that names an id at an address where another key answers is "
                  "refused inside TLS, before any hello: the dialler never links up with the "
                  "key it did not expect, and says why");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  a = add_open_node (f, "alice");
  c = add_open_node (f, "carol");

  /* What a forged DNS-SD record would say: the made-up id at carol's address. */
  g_ptr_array_add (addresses, g_inet_socket_address_new_from_string ("127.0.0.1",
                                                                     shoal_node_get_port (c)));
  shoal_mesh_target_found (shoal_node_get_mesh (a), "forged", claimed, "forged", addresses, TRUE);

  expected = g_strdup_printf ("where %s was expected", claimed);
  g_assert_true (wait_for (log_names, expected, 5000));
  run_for (1000);
  g_assert_null (shoal_node_lookup_peer (a, shoal_node_get_id (c)));
  g_assert_false (sees_connected (c, a));
  /* Known from that record alone, the made-up id is forgotten with it. */
  g_assert_null (shoal_node_lookup_peer (a, claimed));
}

static void
test_static_new_key (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree gchar *old_id = NULL;
  g_autofree gchar *expected = NULL;
  ShoalNode *a, *b, *c;
  guint16 port;
  PeerRef ref;

  g_test_summary ("A configured address names a place, not a key: when the machine there "
                  "comes back with a new key, the dial that expects the old id is refused, "
                  "and the address is dialled afresh and links up with the new key");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  a = add_open_node (f, "alice");
  b = add_open_node (f, "bob");
  port = shoal_node_get_port (b);
  add_static_peer (a, port);
  assert_linked_within (a, b, 5000);
  old_id = g_strdup (shoal_node_get_id (b));

  shoal_node_stop (b);
  ref = (PeerRef) { a, old_id };
  g_assert_true (wait_for (peer_ref_not_connected, &ref, 5000));

  /* Reinstalled: a new key (a new state directory) at the same address. */
  c = add_node (f, "bob", "bob-reinstalled", port, SHOAL_TRUST_POLICY_OPEN, NULL);
  g_assert_cmpstr (shoal_node_get_id (c), !=, old_id);
  assert_linked_within (a, c, 10000);

  expected = g_strdup_printf ("where %s was expected", old_id);
  g_assert_true (log_contains (expected));
  g_assert_false (peer_ref_connected (&ref));
  assert_messages_flow (a, c);
}

/* 15. Both ends dialled: the peer drops one link for the other */

/* A peer, played by a thread, that holds a link, opens a second one, and
 * drops the first with a goodbye saying "duplicate" before the second has
 * carried its hello: what a node sees when both ends dialled and the peer
 * decided first. */
typedef struct {
  guint16          port;
  GTlsCertificate *certificate;    /* (owned) */
  gchar           *id;             /* (owned) */
  gboolean         second_hello;   /* whether the kept link ever says hello */
  gint             go;             /* atomic: steps the test allows */
  gint             reached;        /* atomic: steps the thread has taken */
  GError          *error;          /* (owned) (nullable) */
  GThread         *thread;
} Twin;

static GIOStream *
twin_connect (Twin     *twin,
              GIOStream **base)
{
  g_autoptr(GSocketConnection) connection = shoal_test_connect_loopback (twin->port, NULL, &twin->error);
  g_autoptr(GTlsConnection) tls = NULL;

  if (connection == NULL)
    return NULL;
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 20);
  tls = shoal_test_tls_wrap (G_IO_STREAM (connection), FALSE, twin->certificate, &twin->error);
  if (tls == NULL || !g_tls_connection_handshake (tls, NULL, &twin->error))
    return NULL;
  *base = G_IO_STREAM (g_steal_pointer (&connection));
  return G_IO_STREAM (g_steal_pointer (&tls));
}

static gboolean
twin_write (Twin      *twin,
            GIOStream *stream,
            GBytes    *frame)
{
  return g_output_stream_write_all (g_io_stream_get_output_stream (stream),
                                    g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                                    NULL, NULL, &twin->error);
}

static void
twin_step (Twin *twin,
           gint  step)
{
  g_atomic_int_set (&twin->reached, step);
  while (twin->error == NULL && g_atomic_int_get (&twin->go) < step)
    g_usleep (10000);
}

static gpointer
twin_thread (gpointer data)
{
  Twin *twin = data;
  g_autoptr(GIOStream) base1 = NULL, base2 = NULL;
  g_autoptr(GIOStream) first = NULL, second = NULL;
  g_autoptr(GBytes) hello_frame = shoal_test_encode_hello (twin->id, NULL, "twin");
  g_autoptr(GBytes) goodbye = shoal_frame_encode_goodbye (SHOAL_GOODBYE_DUPLICATE, NULL);

  first = twin_connect (twin, &base1);
  if (first == NULL || !twin_write (twin, first, hello_frame))
    goto out;
  twin_step (twin, 1);  /* linked */

  second = twin_connect (twin, &base2);
  if (second == NULL || !twin_write (twin, first, goodbye))
    goto out;
  g_output_stream_close (g_io_stream_get_output_stream (base1), NULL, NULL);
  twin_step (twin, 2);  /* the first link dropped, the second secured */

  if (twin->second_hello)
    twin_write (twin, second, hello_frame);
  else
    g_io_stream_close (base2, NULL, NULL);
  twin_step (twin, 3);  /* the test is done */

out:
  g_atomic_int_set (&twin->reached, 100);
  return NULL;
}

static gboolean
twin_reached (gpointer data)
{
  Twin *twin = data;

  return g_atomic_int_get (&twin->reached) >= g_atomic_int_get (&twin->go) + 1;
}

static gboolean
watch_saw_connect (gpointer data)
{
  return ((Watch *) data)->connected > 0;
}

static void
count_failed (ShoalNode   *node,
              ShoalPeer   *peer,
              guint64      id,
              const gchar *reason,
              guint       *failed)
{
  g_test_message ("message %" G_GUINT64_FORMAT " failed: %s", id, reason);
  (*failed)++;
}

static void
run_twin (Fixture  *f,
          gboolean  second_hello)
{
  ShoalNode *a = add_open_node (f, "alice");
  g_autoptr(ShoalPeer) peer = NULL;  /* the node may forget it */
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;
  Twin twin = { .port = shoal_node_get_port (a), .second_hello = second_hello };
  guint failed = 0;
  Watch watch;

  twin.certificate = load_certificate (f, "twin", &twin.id);
  watch_start (&watch, a, twin.id);
  twin.thread = g_thread_new ("twin", twin_thread, &twin);

  g_assert_true (wait_for (twin_reached, &twin, 10000));
  g_assert_no_error (twin.error);
  g_assert_true (wait_for (watch_saw_connect, &watch, 10000));
  peer = shoal_node_lookup_peer (a, twin.id);
  g_assert_nonnull (peer);
  g_object_ref (peer);

  g_atomic_int_set (&twin.go, 1);
  g_assert_true (wait_for (twin_reached, &twin, 10000));
  g_assert_no_error (twin.error);
  /* The node has the goodbye and the second connection: the peer is still
   * there, and nobody was told otherwise. A message sent meanwhile waits for
   * the kept link: the delivery timeout has not even begun. */
  run_for (500);
  g_assert_cmpuint (watch.disconnected, ==, 0);
  g_assert_cmpint (shoal_peer_get_state (peer), ==, SHOAL_PEER_STATE_CONNECTED);
  g_signal_connect (a, "message-failed", G_CALLBACK (count_failed), &failed);
  payload = g_bytes_new_static ("meanwhile", 9);
  g_assert_cmpuint (shoal_node_send (a, twin.id, payload, &error), !=, 0);
  g_assert_no_error (error);
  run_for (200);
  g_assert_cmpuint (failed, ==, 0);

  g_atomic_int_set (&twin.go, 2);
  g_assert_true (wait_for (twin_reached, &twin, 10000));
  g_assert_no_error (twin.error);
  if (second_hello)
    {
      /* The kept link takes over in silence. */
      run_for (500);
      g_assert_cmpint (shoal_peer_get_state (peer), ==, SHOAL_PEER_STATE_CONNECTED);
      g_assert_cmpuint (watch.connected, ==, 1);
      g_assert_cmpuint (watch.disconnected, ==, 0);
    }
  else
    {
      /* The kept link never came: the peer is gone, said once. */
      g_assert_true (wait_for (watch_saw_disconnect, &watch, 15000));
      run_for (200);
      g_assert_cmpuint (watch.disconnected, ==, 1);
      g_assert_cmpuint (watch.connected, ==, 1);
      g_assert_cmpint (shoal_peer_get_state (peer), !=, SHOAL_PEER_STATE_CONNECTED);
    }

  g_atomic_int_set (&twin.go, 3);
  g_thread_join (twin.thread);
  g_assert_no_error (twin.error);
  watch_stop (&watch);
  g_clear_object (&twin.certificate);
  g_free (twin.id);
}

static void
test_duplicate_dropped (Fixture       *f,
                        gconstpointer  data)
{
  g_test_summary ("When a peer drops a link as a duplicate of another it opened, the node "
                  "keeps the peer connected while that link's hello is on its way, and says "
                  "nothing when it arrives");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  run_twin (f, TRUE);
}

static void
test_duplicate_never_replaced (Fixture       *f,
                               gconstpointer  data)
{
  g_test_summary ("When the link a peer kept over a duplicate never says hello, the node "
                  "reports the peer disconnected once");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  run_twin (f, FALSE);
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
  ADD ("/security/impostor", test_impostor);
  ADD ("/security/network-key", test_network_key);
  ADD ("/security/allow-list", test_allow_list);
  ADD ("/security/v1-peer", test_v1_peer);
  ADD ("/security/garbage-before-tls", test_garbage_before_tls);
  ADD ("/security/stalled-tls", test_stalled_tls);
  ADD ("/security/weak-key", test_weak_key);
  ADD ("/security/chain", test_chain);
  ADD ("/security/malformed-after-tls", test_malformed_after_tls);
  ADD ("/security/mitm", test_mitm);
  ADD ("/security/no-cleartext", test_no_cleartext);
  ADD ("/security/tofu", test_tofu);
  ADD ("/security/expected-id", test_expected_id);
  ADD ("/security/static-new-key", test_static_new_key);
  ADD ("/security/duplicate-dropped", test_duplicate_dropped);
  ADD ("/security/duplicate-never-replaced", test_duplicate_never_replaced);
#undef ADD

  return g_test_run ();
}
