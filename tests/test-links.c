/* test-links.c: the rules that decide which links a node keeps
 *
 * Nodes on loopback in the test's main context. Between some of them sits a
 * forwarder of the test's own (shoal-test-forwarder.c), which counts the
 * connections it carries and knows which are still open: that is how a test sees who dialled, and
 * which of two crossing links survived. A peer played by a thread
 * (shoal-test-peer.c) restarts under a node's feet.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shoal-frame.h"
#include "shoal-node-private.h"
#include "shoal-test-forwarder.h"
#include "shoal-test-nodes.h"
#include "shoal-test-peer.h"
#include "shoal-test-scratch.h"

#define TIMEOUT_MS 10000

typedef struct {
  gchar     *tmpdir;      /* (owned) */
  ShoalNode *nodes[4];    /* (owned) (nullable) */
  gboolean   child_passed;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->tmpdir = shoal_test_scratch_dir ("links");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gboolean parent = !g_test_subprocess ();

  for (guint i = 0; i < G_N_ELEMENTS (f->nodes); i++)
    {
      if (f->nodes[i] == NULL)
        continue;
      g_signal_handlers_disconnect_matched (f->nodes[i], G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                            NULL);
      shoal_node_stop (f->nodes[i]);
      g_clear_object (&f->nodes[i]);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  shoal_test_scratch_remove (f->tmpdir);
  g_free (f->tmpdir);
  if (parent && !f->child_passed)
    g_test_fail ();
}

static ShoalNode *
add_node (Fixture     *f,
          guint        slot,
          const gchar *name)
{
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, name, NULL);

  g_assert_null (f->nodes[slot]);
  f->nodes[slot] = shoal_test_node_start (name, state_dir, 0);
  return f->nodes[slot];
}

static void
count_connected (ShoalNode *node,
                 ShoalPeer *peer,
                 guint     *count)
{
  (*count)++;
}

static void
count_disconnected (ShoalNode   *node,
                    ShoalPeer   *peer,
                    const gchar *reason,
                    guint       *count)
{
  g_test_message ("%s lost %s: %s", shoal_node_get_name (node), shoal_peer_get_id (peer),
                  reason);
  (*count)++;
}

static gboolean
flag_set (gpointer data)
{
  return *(guint *) data > 0;
}

static gboolean
no_links (gpointer data)
{
  return shoal_node_count_links (data, FALSE) == 0;
}

static void
test_backlog (Fixture       *f,
              gconstpointer  data)
{
  const guint burst = 100;
  ShoalNode *node;
  struct sockaddr_in address = { .sin_family = AF_INET };
  struct pollfd fds[100];
  gint64 deadline;
  guint connected = 0;

  g_test_summary ("100 connections at once to a node that is not accepting yet all complete "
                  "their TCP handshake at once: the listen backlog holds them, rather than "
                  "the kernel dropping SYNs for a retry a second later");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  node = add_node (f, 0, "alice");
  address.sin_port = htons (shoal_node_get_port (node));
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);

  /* The main loop does not run: nothing is accepted meanwhile. */
  for (guint i = 0; i < burst; i++)
    {
      fds[i].fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      g_assert_cmpint (fds[i].fd, >=, 0);
      fds[i].events = POLLOUT;
      if (connect (fds[i].fd, (struct sockaddr *) &address, sizeof address) != 0)
        g_assert_cmpint (errno, ==, EINPROGRESS);
    }

  /* Shorter than the first SYN retry (1 s): only the backlog can help. */
  deadline = g_get_monotonic_time () + 700 * 1000;
  while (connected < burst && g_get_monotonic_time () < deadline)
    {
      connected = 0;
      g_assert_cmpint (poll (fds, burst, 50), >=, 0);
      for (guint i = 0; i < burst; i++)
        {
          gint error = 0;
          socklen_t length = sizeof error;

          if (!(fds[i].revents & POLLOUT))
            continue;
          g_assert_cmpint (getsockopt (fds[i].fd, SOL_SOCKET, SO_ERROR, &error, &length), ==, 0);
          g_assert_cmpint (error, ==, 0);
          connected++;
        }
    }
  g_test_message ("%u of %u connections complete without an accept", connected, burst);
  g_assert_cmpuint (connected, ==, burst);

  for (guint i = 0; i < burst; i++)
    close (fds[i].fd);
  /* The node sees them go, and is none the worse. */
  g_assert_true (shoal_test_nodes_wait (no_links, node, TIMEOUT_MS));
}

/* 2. Dialled from both ends: the smaller id's link stays */

typedef struct {
  ShoalNode *a, *b;
  ShoalTestForwarder *to_a, *to_b;
} Crossing;

static gboolean
crossing_settled (gpointer data)
{
  Crossing *c = data;

  return shoal_test_node_sees (c->a, c->b) && shoal_test_node_sees (c->b, c->a) &&
         shoal_node_count_links (c->a, FALSE) == 1 && shoal_node_count_links (c->b, FALSE) == 1 &&
         c->to_a->open + c->to_b->open == 1;
}

static gboolean
linked_pair (gpointer data)
{
  Crossing *c = data;

  return shoal_test_node_sees (c->a, c->b) && shoal_test_node_sees (c->b, c->a);
}

static gboolean
both_dialled (gpointer data)
{
  Crossing *c = data;

  return c->to_a->connections >= 1 && c->to_b->connections >= 1;
}

static void
test_tie_break (Fixture       *f,
                gconstpointer  data)
{
  ShoalTestForwarder to_a = { 0, }, to_b = { 0, };
  Crossing c = { .to_a = &to_a, .to_b = &to_b };
  guint disconnects = 0;
  gboolean a_smaller;

  g_test_summary ("Two nodes that dial each other at once keep one link, and it is the one "
                  "dialled by the node with the smaller id, as PROTOCOL.md 11.4 says; "
                  "neither reports the peer disconnected");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  c.a = add_node (f, 0, "alice");
  c.b = add_node (f, 1, "bob");
  a_smaller = strcmp (shoal_node_get_id (c.a), shoal_node_get_id (c.b)) < 0;
  g_signal_connect (c.a, "peer-disconnected", G_CALLBACK (count_disconnected), &disconnects);
  g_signal_connect (c.b, "peer-disconnected", G_CALLBACK (count_disconnected), &disconnects);

  /* Each dials the other through a forwarder of its own. */
  shoal_test_forwarder_start (&to_a, shoal_node_get_port (c.a));
  shoal_test_forwarder_start (&to_b, shoal_node_get_port (c.b));
  shoal_test_node_dial (c.a, to_b.port);
  shoal_test_node_dial (c.b, to_a.port);

  g_assert_true (shoal_test_nodes_wait (both_dialled, &c, TIMEOUT_MS));
  g_assert_true (shoal_test_nodes_wait (crossing_settled, &c, TIMEOUT_MS));
  shoal_test_nodes_run (500);
  g_assert_true (crossing_settled (&c));
  g_test_message ("%s has the smaller id; open: %u dialled by alice, %u by bob",
                  a_smaller ? "alice" : "bob", to_b.open, to_a.open);
  g_assert_cmpuint (to_a.connections, ==, 1);
  g_assert_cmpuint (to_b.connections, ==, 1);
  /* to_b carries what alice dialled. */
  g_assert_cmpuint (to_b.open, ==, a_smaller ? 1 : 0);
  g_assert_cmpuint (to_a.open, ==, a_smaller ? 0 : 1);
  g_assert_cmpuint (disconnects, ==, 0);

  shoal_node_stop (c.a);
  shoal_node_stop (c.b);
  shoal_test_nodes_run (100);
  shoal_test_forwarder_stop (&to_a);
  shoal_test_forwarder_stop (&to_b);
}

/* 2b. A dial beside a stalled link wins, whichever end made it */

static void
test_stalled_beside (Fixture       *f,
                     gconstpointer  data)
{
  ShoalTestForwarder old = { 0, };
  Crossing c = { 0, };
  ShoalNode *smaller, *larger;
  guint disconnects = 0;

  g_test_summary ("When the node with the larger id finds its link stalled, its dial beside "
                  "it replaces the link on both sides, though the smaller id dialled the "
                  "old one and the tie-break alone would keep it (PROTOCOL.md 11.4, "
                  "generations); nobody reports a disconnect");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  c.a = add_node (f, 0, "alice");
  c.b = add_node (f, 1, "bob");
  smaller = strcmp (shoal_node_get_id (c.a), shoal_node_get_id (c.b)) < 0 ? c.a : c.b;
  larger = smaller == c.a ? c.b : c.a;
  g_signal_connect (c.a, "peer-disconnected", G_CALLBACK (count_disconnected), &disconnects);
  g_signal_connect (c.b, "peer-disconnected", G_CALLBACK (count_disconnected), &disconnects);

  /* The link the tie-break favours: dialled by the smaller id, through a
   * forwarder that shows whether it stays open. */
  shoal_test_forwarder_start (&old, shoal_node_get_port (larger));
  shoal_test_node_dial (smaller, old.port);
  g_assert_true (shoal_test_nodes_wait (linked_pair, &c, TIMEOUT_MS));
  g_assert_cmpuint (old.open, ==, 1);

  /* The larger id alone finds the path stalled, as the end with data in
   * flight does first; it dials the smaller at the address it came from. */
  shoal_node_stall_links (larger);
  shoal_test_nodes_run (1000);

  g_test_message ("old link through the forwarder: %u open", old.open);
  g_assert_cmpuint (old.open, ==, 0);
  g_assert_true (linked_pair (&c));
  g_assert_cmpuint (shoal_node_count_links (c.a, TRUE), ==, 1);
  g_assert_cmpuint (shoal_node_count_links (c.b, TRUE), ==, 1);
  g_assert_cmpuint (disconnects, ==, 0);

  shoal_node_stop (c.a);
  shoal_node_stop (c.b);
  shoal_test_nodes_run (100);
  shoal_test_forwarder_stop (&old);
}

/* 3. A silent link gives way to a fresh one */

static void
test_silent_link (Fixture       *f,
                  gconstpointer  data)
{
  ShoalTestForwarder dark = { 0, };
  Crossing c = { 0, };
  ShoalNode *smaller, *larger;
  guint disconnects = 0;

  g_test_summary ("When the path of a link goes dark and the peer dials in afresh before the "
                  "heartbeat has judged the old link, the fresh link wins on both sides even "
                  "where the tie-break would keep the old one: nobody reports a disconnect");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  c.a = add_node (f, 0, "alice");
  c.b = add_node (f, 1, "bob");
  smaller = strcmp (shoal_node_get_id (c.a), shoal_node_get_id (c.b)) < 0 ? c.a : c.b;
  larger = smaller == c.a ? c.b : c.a;
  g_signal_connect (c.a, "peer-disconnected", G_CALLBACK (count_disconnected), &disconnects);
  g_signal_connect (c.b, "peer-disconnected", G_CALLBACK (count_disconnected), &disconnects);

  /* The link the tie-break favours: dialled by the smaller id. */
  shoal_test_forwarder_start (&dark, shoal_node_get_port (larger));
  shoal_test_node_dial (smaller, dark.port);
  g_assert_true (shoal_test_nodes_wait (linked_pair, &c, TIMEOUT_MS));

  /* Its path goes dark for longer than half the heartbeat timeout (2.5 s);
   * then the other end gets through another way. */
  dark.frozen = TRUE;
  shoal_test_nodes_run (1500);
  shoal_test_node_dial (larger, shoal_node_get_port (smaller));

  /* Past the heartbeat timeout of the old link. */
  shoal_test_nodes_run (3000);
  g_assert_cmpuint (disconnects, ==, 0);
  g_assert_true (linked_pair (&c));
  g_assert_cmpuint (shoal_node_count_links (c.a, TRUE), ==, 1);
  g_assert_cmpuint (shoal_node_count_links (c.b, TRUE), ==, 1);

  shoal_node_stop (c.a);
  shoal_node_stop (c.b);
  shoal_test_nodes_run (100);
  shoal_test_forwarder_stop (&dark);
}

/* 4. The network changes */

static guint16
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
test_network_change (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, "bob", NULL);
  Crossing c = { 0, };
  guint16 port = free_port ();
  gint64 changed;

  g_test_summary ("A change of the machine's network redials at once what could not be "
                  "reached, whatever the backoff had grown to");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  c.a = add_node (f, 0, "alice");
  shoal_test_node_dial (c.a, port);

  /* Refused five times: 250, 500, 1000 and 2000 ms of backoff have passed,
   * and the next dial is 4 s away. */
  shoal_test_nodes_run (4000);
  g_assert_null (f->nodes[1]);
  f->nodes[1] = shoal_test_node_start ("bob", state_dir, port);
  c.b = f->nodes[1];

  changed = g_get_monotonic_time ();
  shoal_mesh_network_changed (shoal_node_get_mesh (c.a));
  g_assert_true (shoal_test_nodes_wait (linked_pair, &c, TIMEOUT_MS));
  g_test_message ("linked %" G_GINT64_FORMAT " ms after the change",
                  (g_get_monotonic_time () - changed) / 1000);
  g_assert_cmpint (g_get_monotonic_time () - changed, <, 2000 * 1000);
}

/* 5. A cut link is redialled by whoever knows where the peer is */

static gboolean
bob_forgot_alice (gpointer data)
{
  Crossing *c = data;

  return shoal_node_lookup_peer (c->b, shoal_node_get_id (c->a)) == NULL;
}

static void
test_cut_redial (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_object_unref);
  Crossing c = { 0, };
  guint disconnects = 0;

  g_test_summary ("A link cut without a goodbye is dialled again at the address it came "
                  "from, by a node that knows the peer from that link alone (no discovery "
                  "record), and the peer is back");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  c.a = add_node (f, 0, "alice");
  c.b = add_node (f, 1, "bob");
  g_signal_connect (c.a, "peer-disconnected", G_CALLBACK (count_disconnected), &disconnects);

  /* alice dials bob once, and then forgets where bob was: only bob knows
   * where alice is, from the link. */
  g_ptr_array_add (addresses, g_inet_socket_address_new_from_string ("127.0.0.1",
                                                                     shoal_node_get_port (c.b)));
  shoal_mesh_target_found (shoal_node_get_mesh (c.a), "once", NULL, NULL, addresses,
                           TRUE);
  g_assert_true (shoal_test_nodes_wait (linked_pair, &c, TIMEOUT_MS));
  shoal_mesh_target_lost (shoal_node_get_mesh (c.a), "once");

  /* A reset, as a broken network would make. */
  shoal_node_sever_links (c.b);
  g_assert_true (shoal_test_nodes_wait (flag_set, &disconnects, TIMEOUT_MS));
  g_assert_true (shoal_test_nodes_wait (linked_pair, &c, TIMEOUT_MS));
  g_assert_cmpuint (disconnects, ==, 1);

  /* A goodbye is not a cut: alice stops, and bob neither redials her nor
   * keeps her listed. */
  shoal_node_stop (c.a);
  g_assert_true (shoal_test_nodes_wait (bob_forgot_alice, &c, TIMEOUT_MS));
}

/* 6. A node given its own address */

static void
test_self_address (Fixture       *f,
                   gconstpointer  data)
{
  ShoalTestForwarder to_self = { 0, };
  ShoalNode *node;
  guint connected = 0;

  g_test_summary ("A node configured with its own address as a peer reaches itself once, "
                  "says goodbye (self), lists no peer with its own id and does not redial");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  node = add_node (f, 0, "alice");
  g_signal_connect (node, "peer-connected", G_CALLBACK (count_connected), &connected);
  shoal_test_forwarder_start (&to_self, shoal_node_get_port (node));
  shoal_test_node_dial (node, to_self.port);

  /* Longer than the backoff's first four steps (250, 500, 1000, 2000 ms). */
  shoal_test_nodes_run (4500);
  g_test_message ("%u connection(s) to itself", to_self.connections);
  g_assert_cmpuint (to_self.connections, ==, 1);
  g_assert_cmpuint (to_self.open, ==, 0);
  g_assert_null (shoal_node_lookup_peer (node, shoal_node_get_id (node)));
  g_assert_cmpuint (connected, ==, 0);
  g_assert_cmpuint (shoal_node_count_links (node, FALSE), ==, 0);

  shoal_node_stop (node);
  shoal_test_nodes_run (100);
  shoal_test_forwarder_stop (&to_self);
}

/* 7. A peer restarts while the node still holds its old link */

typedef struct {
  guint16          port;
  GTlsCertificate *certificate;  /* (owned) */
  gchar           *id;           /* (owned) */
  gint             go;           /* atomic: steps the test allows */
  gint             reached;      /* atomic: steps the thread has taken */
  GByteArray      *old_received; /* (owned) what the node sent on the old link */
  GError          *error;        /* (owned) (nullable) */
} Restarter;

static GIOStream *
restarter_connect (Restarter  *r,
                   GIOStream **base)
{
  g_autoptr(GSocketConnection) connection = shoal_test_connect_loopback (r->port, NULL,
                                                                          &r->error);
  g_autoptr(GTlsConnection) tls = NULL;

  if (connection == NULL)
    return NULL;
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 20);
  tls = shoal_test_tls_wrap (G_IO_STREAM (connection), FALSE, r->certificate, &r->error);
  if (tls == NULL || !g_tls_connection_handshake (tls, NULL, &r->error))
    return NULL;
  *base = G_IO_STREAM (g_steal_pointer (&connection));
  return G_IO_STREAM (g_steal_pointer (&tls));
}

static gboolean
restarter_hello (Restarter *r,
                 GIOStream *stream)
{
  g_autoptr(GBytes) hello = shoal_test_encode_hello (r->id, NULL, "phoenix");

  return g_output_stream_write_all (g_io_stream_get_output_stream (stream),
                                    g_bytes_get_data (hello, NULL), g_bytes_get_size (hello),
                                    NULL, NULL, &r->error);
}

static void
restarter_step (Restarter *r,
                gint       step)
{
  g_atomic_int_set (&r->reached, step);
  while (r->error == NULL && g_atomic_int_get (&r->go) < step)
    g_usleep (10000);
}

static gpointer
restarter_thread (gpointer data)
{
  Restarter *r = data;
  g_autoptr(GIOStream) base1 = NULL, base2 = NULL;
  g_autoptr(GIOStream) old = NULL, fresh = NULL;
  GInputStream *input;
  guint8 buffer[4096];
  gssize n;

  /* The first session: a link, silent after its hello, as a machine that
   * froze or lost power would leave it. */
  old = restarter_connect (r, &base1);
  if (old == NULL || !restarter_hello (r, old))
    goto out;
  restarter_step (r, 1);

  /* The same key, a new session (a new hello), a new connection. */
  fresh = restarter_connect (r, &base2);
  if (fresh == NULL || !restarter_hello (r, fresh))
    goto out;

  /* Everything the node says on the old link, to its end. */
  input = g_io_stream_get_input_stream (old);
  while ((n = g_input_stream_read (input, buffer, sizeof buffer, NULL, &r->error)) > 0)
    g_byte_array_append (r->old_received, buffer, n);
  if (r->error != NULL && g_error_matches (r->error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    g_clear_error (&r->error);
  restarter_step (r, 2);

out:
  g_atomic_int_set (&r->reached, 100);
  return NULL;
}

static gboolean
restarter_reached (gpointer data)
{
  Restarter *r = data;

  return g_atomic_int_get (&r->reached) >= g_atomic_int_get (&r->go) + 1;
}

static void
test_restart_replaces (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, "phoenix", NULL);
  g_autoptr(GPtrArray) frames = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *message = NULL;
  ShoalTestFrame *last;
  Restarter r = { 0, };
  GThread *thread;
  ShoalNode *node;
  ShoalPeer *peer;
  guint connected = 0, disconnected = 0;
  guint32 code = 0;

  g_test_summary ("A peer that restarts while the node still holds its old, silent link "
                  "gets in at once: the new session replaces the old link, which the node "
                  "closes with goodbye (replaced), and the node reports no disconnect");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  node = add_node (f, 0, "alice");
  /* Far longer than the test: only the new session can end the old link. */
  shoal_node_set_heartbeat (node, 500, 60000);
  g_signal_connect (node, "peer-connected", G_CALLBACK (count_connected), &connected);
  g_signal_connect (node, "peer-disconnected", G_CALLBACK (count_disconnected), &disconnected);

  r.port = shoal_node_get_port (node);
  r.certificate = shoal_test_load_certificate (state_dir, &r.id);
  r.old_received = g_byte_array_new ();
  thread = g_thread_new ("restarter", restarter_thread, &r);

  g_assert_true (shoal_test_nodes_wait (restarter_reached, &r, TIMEOUT_MS));
  g_assert_no_error (r.error);
  g_assert_true (shoal_test_nodes_wait (flag_set, &connected, TIMEOUT_MS));
  peer = shoal_node_lookup_peer (node, r.id);
  g_assert_nonnull (peer);
  g_assert_true (shoal_peer_get_connected (peer));

  g_atomic_int_set (&r.go, 1);
  g_assert_true (shoal_test_nodes_wait (restarter_reached, &r, TIMEOUT_MS));
  g_assert_no_error (r.error);
  shoal_test_nodes_run (200);

  frames = shoal_test_parse_frames (r.old_received);
  g_assert_cmpuint (frames->len, >=, 1);
  last = g_ptr_array_index (frames, frames->len - 1);
  g_assert_cmpint (last->type, ==, SHOAL_FRAME_GOODBYE);
  g_assert_true (shoal_frame_decode_goodbye (last->body, &code, &message, &error));
  g_assert_no_error (error);
  g_test_message ("the old link ended with goodbye %s: %s",
                  shoal_goodbye_code_to_string (code), message != NULL ? message : "");
  g_assert_cmpuint (code, ==, SHOAL_GOODBYE_REPLACED);

  peer = shoal_node_lookup_peer (node, r.id);
  g_assert_nonnull (peer);
  g_assert_true (shoal_peer_get_connected (peer));
  g_assert_cmpuint (shoal_node_count_links (node, TRUE), ==, 1);
  g_assert_cmpuint (connected, ==, 1);
  g_assert_cmpuint (disconnected, ==, 0);

  g_atomic_int_set (&r.go, 2);
  g_thread_join (thread);
  g_assert_no_error (r.error);
  g_byte_array_unref (r.old_received);
  g_clear_object (&r.certificate);
  g_free (r.id);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/links/backlog", test_backlog);
  ADD ("/links/tie-break", test_tie_break);
  ADD ("/links/stalled-beside", test_stalled_beside);
  ADD ("/links/silent-link", test_silent_link);
  ADD ("/links/network-change", test_network_change);
  ADD ("/links/cut-redial", test_cut_redial);
  ADD ("/links/self-address", test_self_address);
  ADD ("/links/restart-replaces", test_restart_replaces);
#undef ADD

  return g_test_run ();
}
