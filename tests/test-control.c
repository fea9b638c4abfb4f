/* test-control.c: Connect and Disconnect, held peers, reason codes
 *
 * Nodes on loopback: one links with another by address and gets the peer
 * back, or a clear error (refused, not a Shoal node, itself, an unknown
 * host, a malformed address, a peer it untrusted); one drops the other,
 * both report "disconnected", and neither dials the other again while
 * their configured addresses keep offering it, not even after both
 * restart on the same state directories, until a Connect names it.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "shoal-error.h"
#include "shoal-holds.h"
#include "shoal-node-private.h"
#include "shoal-test-nodes.h"
#include "shoal-test-scratch.h"

#define TIMEOUT_MS 20000
/* Past the backoff's first several steps (250, 500, 1000, 2000 ms): a node
 * that would redial does so within this. */
#define QUIET_MS 4500

/* Expected warnings. The library logs structured, which
 * g_test_expect_message() does not see before GLib 2.78 (as in
 * test-trust.c): a writer swallows the ones a test expects and counts them;
 * any other warning still fails the test. */

static const gchar *expected_warning;  /* a g_pattern_match_simple() pattern */
static guint expected_warnings_seen;
/* Messages that match are counted, and still written. */
static const gchar *counted_message;
static guint counted_messages;

static GLogWriterOutput
expecting_writer (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  if (counted_message != NULL)
    for (gsize i = 0; i < n_fields; i++)
      if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
          g_pattern_match_simple (counted_message, fields[i].value))
        counted_messages++;

  if ((level & G_LOG_LEVEL_WARNING) && expected_warning != NULL)
    for (gsize i = 0; i < n_fields; i++)
      if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
          g_pattern_match_simple (expected_warning, fields[i].value))
        {
          expected_warnings_seen++;
          return G_LOG_WRITER_HANDLED;
        }

  return g_log_writer_default (level, fields, n_fields, user_data);
}

typedef struct {
  gchar     *tmpdir;      /* (owned) */
  gchar     *dir_a;       /* (owned) */
  gchar     *dir_b;       /* (owned) */
  ShoalNode *a;           /* (owned) (nullable) */
  ShoalNode *b;           /* (owned) (nullable) */
  gboolean   child_passed;

  GPtrArray *reasons_a;   /* (owned) what a's peer-disconnected said */
  GPtrArray *reasons_b;   /* (owned) */
  guint      connected_a; /* peer-connected on a */
  guint      connected_b;

  /* The last connect's outcome. */
  gboolean   done;
  ShoalPeer *peer;        /* (owned) (nullable) */
  GError    *error;       /* (owned) (nullable) */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->tmpdir = shoal_test_scratch_dir ("control");
  f->dir_a = g_build_filename (f->tmpdir, "a", NULL);
  f->dir_b = g_build_filename (f->tmpdir, "b", NULL);
  f->reasons_a = g_ptr_array_new_with_free_func (g_free);
  f->reasons_b = g_ptr_array_new_with_free_func (g_free);
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
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gboolean parent = !g_test_subprocess ();

  stop_node (&f->a);
  stop_node (&f->b);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  shoal_test_scratch_remove (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->dir_a);
  g_free (f->dir_b);
  g_ptr_array_unref (f->reasons_a);
  g_ptr_array_unref (f->reasons_b);
  g_clear_object (&f->peer);
  g_clear_error (&f->error);
  if (parent && !f->child_passed)
    g_test_fail ();
}

static void
disconnected_cb (ShoalNode   *node,
                 ShoalPeer   *peer,
                 const gchar *reason,
                 GPtrArray   *reasons)
{
  g_test_message ("%s: %s disconnected: %s", shoal_node_get_name (node),
                  shoal_peer_get_id (peer), reason);
  g_ptr_array_add (reasons, g_strdup (reason));
}

static void
connected_cb (ShoalNode *node,
              ShoalPeer *peer,
              guint     *count)
{
  (*count)++;
}

static ShoalNode *
start_node (Fixture     *f,
            const gchar *name,
            const gchar *dir,
            const gchar *listen,
            guint16      port,
            GPtrArray   *reasons,
            guint       *connected)
{
  g_autoptr(GError) error = NULL;
  ShoalNode *node = shoal_node_new (name, port, dir);

  shoal_node_set_listen_address (node, listen);
  shoal_node_set_mdns (node, FALSE);
  g_signal_connect (node, "peer-disconnected", G_CALLBACK (disconnected_cb), reasons);
  g_signal_connect (node, "peer-connected", G_CALLBACK (connected_cb), connected);
  shoal_node_start (node, &error);
  g_assert_no_error (error);
  return node;
}

static void
start_a (Fixture *f)
{
  f->a = start_node (f, "alice", f->dir_a, "127.0.0.1", 0, f->reasons_a, &f->connected_a);
}

static void
start_b (Fixture *f)
{
  f->b = start_node (f, "bob", f->dir_b, "127.0.0.1", 0, f->reasons_b, &f->connected_b);
}

static void
connect_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Fixture *f = user_data;

  g_clear_object (&f->peer);
  g_clear_error (&f->error);
  f->peer = shoal_node_connect_finish (SHOAL_NODE (source), result, &f->error);
  f->done = TRUE;
}

static gboolean
connect_is_done (gpointer data)
{
  return ((Fixture *) data)->done;
}

/* Runs a connect from @node to @address to its end. */
static void
run_connect (Fixture     *f,
             ShoalNode   *node,
             const gchar *address)
{
  f->done = FALSE;
  shoal_node_connect_async (node, address, NULL, connect_done_cb, f);
  g_assert_true (shoal_test_nodes_wait (connect_is_done, f, TIMEOUT_MS));
  if (f->error != NULL)
    g_test_message ("connect %s: %s", address, f->error->message);
}

static gchar *
address_of (ShoalNode *node)
{
  return g_strdup_printf ("%s:%u", shoal_node_get_listen_address (node),
                          (guint) shoal_node_get_port (node));
}

static gboolean
both_linked (gpointer data)
{
  Fixture *f = data;

  return shoal_test_node_sees (f->a, f->b) && shoal_test_node_sees (f->b, f->a);
}

static ShoalPeerState
state_of (ShoalNode *node,
          ShoalNode *other_or_null,
          const gchar *id)
{
  ShoalPeer *peer = shoal_node_lookup_peer (node, other_or_null != NULL ?
                                                  shoal_node_get_id (other_or_null) : id);

  g_assert_nonnull (peer);
  return shoal_peer_get_state (peer);
}

static void
test_connect (Fixture       *f,
              gconstpointer  data)
{
  g_autofree gchar *where = NULL;
  g_autoptr(ShoalPeer) first = NULL;

  g_test_summary ("Connect by HOST:PORT returns the peer once both sides are linked; a "
                  "second Connect to the same peer returns it again over the same link; "
                  "HOST alone dials this node's own port");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  start_b (f);
  /* Alice listens on another loopback address with bob's port, so that
   * "127.0.0.1" alone means bob. */
  f->a = start_node (f, "alice", f->dir_a, "127.0.0.2", shoal_node_get_port (f->b),
                     f->reasons_a, &f->connected_a);
  where = address_of (f->b);

  run_connect (f, f->a, where);
  g_assert_no_error (f->error);
  g_assert_nonnull (f->peer);
  g_assert_cmpstr (shoal_peer_get_id (f->peer), ==, shoal_node_get_id (f->b));
  g_assert_cmpstr (shoal_peer_get_name (f->peer), ==, "bob");
  /* Linked when it returns, on both sides. */
  g_assert_true (shoal_peer_get_connected (f->peer));
  g_assert_cmpint (shoal_peer_get_state (f->peer), ==, SHOAL_PEER_STATE_CONNECTED);
  g_assert_true (shoal_test_nodes_wait (both_linked, f, TIMEOUT_MS));
  first = g_object_ref (f->peer);

  /* Again, by host alone: the same peer, and no second link. */
  counted_message = "Closing link to * already linked";
  counted_messages = 0;
  run_connect (f, f->a, "127.0.0.1");
  g_assert_no_error (f->error);
  g_assert_true (f->peer == first);
  /* The new connection was refused before any hello (PROTOCOL.md 11.1,
   * step 5b), rather than replace the live link. */
  g_assert_cmpuint (counted_messages, ==, 1);
  counted_message = NULL;
  shoal_test_nodes_run (500);
  g_assert_cmpuint (shoal_node_count_links (f->a, FALSE), ==, 1);
  g_assert_cmpuint (shoal_node_count_links (f->b, FALSE), ==, 1);
  g_assert_true (both_linked (f));
  g_assert_cmpuint (f->reasons_a->len, ==, 0);
  g_assert_cmpuint (f->reasons_b->len, ==, 0);
  g_assert_cmpuint (f->connected_a, ==, 1);
  g_assert_cmpuint (f->connected_b, ==, 1);
}

/* A port nothing listens on: bound, then closed. */
static guint16
closed_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* Not a Shoal node: answers a connection with some text and closes it. */
static gboolean
not_shoal_cb (GSocketService     *service,
              GSocketConnection  *connection,
              GObject            *source,
              gpointer            user_data)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  g_output_stream_write_all (out, "HTTP/1.0 400 Bad Request\r\n\r\n", 28, NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
assert_connect_fails (Fixture     *f,
                      const gchar *address,
                      gint         code,
                      const gchar *words)
{
  run_connect (f, f->a, address);
  g_assert_null (f->peer);
  g_assert_error (f->error, SHOAL_ERROR, code);
  if (words != NULL && strstr (f->error->message, words) == NULL)
    g_error ("“%s” does not say “%s”", f->error->message, words);
}

static void
test_connect_errors (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *refused = NULL;
  g_autofree gchar *other = NULL;
  g_autofree gchar *itself = NULL;
  guint16 port;

  g_test_summary ("Connect fails with ConnectFailed and the cause for a closed port, a "
                  "server that does not speak Shoal and the node's own address; with "
                  "UnknownHost for a name that does not resolve; with InvalidArgument for "
                  "what is not an address; with NotTrusted for a peer untrusted here");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  start_a (f);
  start_b (f);

  refused = g_strdup_printf ("127.0.0.1:%u", closed_port ());
  assert_connect_fails (f, refused, SHOAL_ERROR_CONNECT_FAILED, "connection refused");

  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (not_shoal_cb), NULL);
  other = g_strdup_printf ("127.0.0.1:%u", port);
  assert_connect_fails (f, other, SHOAL_ERROR_CONNECT_FAILED, "TLS");
  g_socket_service_stop (service);

  itself = address_of (f->a);
  assert_connect_fails (f, itself, SHOAL_ERROR_CONNECT_FAILED, "itself");

  assert_connect_fails (f, "no-such-host.invalid:4242", SHOAL_ERROR_UNKNOWN_HOST, NULL);

  assert_connect_fails (f, "", SHOAL_ERROR_INVALID_ARGUMENT, NULL);
  assert_connect_fails (f, "two words:4242", SHOAL_ERROR_INVALID_ARGUMENT, NULL);
  assert_connect_fails (f, "127.0.0.1:70000", SHOAL_ERROR_INVALID_ARGUMENT, NULL);
  assert_connect_fails (f, "127.0.0.1:0", SHOAL_ERROR_INVALID_ARGUMENT, NULL);

  /* A peer this node untrusted stays out, even when a person dials it. */
  shoal_node_untrust (f->a, shoal_node_get_id (f->b), &error);
  g_assert_no_error (error);
  g_clear_pointer (&other, g_free);
  other = address_of (f->b);
  assert_connect_fails (f, other, SHOAL_ERROR_NOT_TRUSTED, NULL);
  g_assert_false (shoal_test_node_sees (f->a, f->b));
}

static void
test_connect_cancel (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GSocketListener) silent = g_socket_listener_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *where = NULL;
  gint64 cancelled_at;
  guint16 port;

  g_test_summary ("Cancelling a Connect whose TLS handshake hangs (a port that accepts and "
                  "never answers) ends it at once with G_IO_ERROR_CANCELLED");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  start_a (f);
  /* Listening, never accepting: the kernel completes the TCP handshake. */
  port = g_socket_listener_add_any_inet_port (silent, NULL, &error);
  g_assert_no_error (error);
  where = g_strdup_printf ("127.0.0.1:%u", port);

  f->done = FALSE;
  shoal_node_connect_async (f->a, where, cancellable, connect_done_cb, f);
  shoal_test_nodes_run (300);
  g_assert_false (f->done);
  cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  g_assert_true (shoal_test_nodes_wait (connect_is_done, f, TIMEOUT_MS));
  g_assert_cmpint (g_get_monotonic_time () - cancelled_at, <, G_USEC_PER_SEC);
  g_assert_null (f->peer);
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_socket_listener_close (silent);
}

static gboolean
both_report_disconnected (gpointer data)
{
  Fixture *f = data;

  return f->reasons_a->len > 0 && f->reasons_b->len > 0;
}

static gchar *
holds_file (const gchar *dir)
{
  return g_build_filename (dir, SHOAL_HOLDS_FILE_NAME, NULL);
}

static void
assert_held (const gchar *dir,
             const gchar *peer_id,
             gboolean     held)
{
  g_autoptr(ShoalHolds) holds = shoal_holds_new (dir);

  shoal_holds_load (holds);
  g_assert_cmpint (shoal_holds_contains (holds, peer_id), ==, held);
}

/* Both nodes have each other's address configured, as static peers: what
 * would redial them if the hold did not keep them apart. */
static void
start_pair_dialling (Fixture *f,
                     guint16  port_a,
                     guint16  port_b)
{
  f->a = start_node (f, "alice", f->dir_a, "127.0.0.1", port_a, f->reasons_a, &f->connected_a);
  f->b = start_node (f, "bob", f->dir_b, "127.0.0.1", port_b, f->reasons_b, &f->connected_b);
  /* Discovery added once running is watched at once. */
  shoal_test_node_dial (f->a, shoal_node_get_port (f->b));
  shoal_test_node_dial (f->b, shoal_node_get_port (f->a));
}

static void
test_disconnect (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree gchar *id_a = NULL;
  g_autofree gchar *id_b = NULL;
  g_autofree gchar *where_b = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port_a, port_b;

  g_test_summary ("Disconnect: both sides report \"disconnected\" and list the other as "
                  "disconnected; neither redials while the configured addresses offer it, "
                  "also after both restart on the same state directories; Connect links "
                  "them again and ends the hold on both sides");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  /* Fixed ports, so that the restarted nodes are where the static peers say. */
  start_pair_dialling (f, closed_port (), 0);
  g_assert_true (shoal_test_nodes_wait (both_linked, f, TIMEOUT_MS));
  id_a = g_strdup (shoal_node_get_id (f->a));
  id_b = g_strdup (shoal_node_get_id (f->b));
  port_a = shoal_node_get_port (f->a);
  port_b = shoal_node_get_port (f->b);

  /* Malformed and unknown ids. */
  g_assert_false (shoal_node_disconnect (f->a, "bob", &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_PEER_ID);
  g_clear_error (&error);
  g_assert_false (shoal_node_disconnect (f->a, "0123456789abcdef0123456789abcdef", &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_UNKNOWN_PEER);
  g_clear_error (&error);

  g_assert_true (shoal_node_disconnect (f->a, id_b, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_test_nodes_wait (both_report_disconnected, f, TIMEOUT_MS));
  g_assert_cmpstr (g_ptr_array_index (f->reasons_a, 0), ==, "disconnected");
  g_assert_cmpstr (g_ptr_array_index (f->reasons_b, 0), ==, "disconnected");

  /* Nobody dials, for several backoff periods. */
  shoal_test_nodes_run (QUIET_MS);
  g_assert_false (shoal_test_node_sees (f->a, f->b));
  g_assert_false (shoal_test_node_sees (f->b, f->a));
  g_assert_cmpuint (shoal_node_count_links (f->a, FALSE), ==, 0);
  g_assert_cmpuint (shoal_node_count_links (f->b, FALSE), ==, 0);
  g_assert_cmpuint (shoal_node_count_dials (f->a), ==, 0);
  g_assert_cmpuint (shoal_node_count_dials (f->b), ==, 0);
  g_assert_cmpuint (f->connected_a, ==, 1);
  g_assert_cmpuint (f->connected_b, ==, 1);
  g_assert_cmpint (state_of (f->a, f->b, NULL), ==, SHOAL_PEER_STATE_DISCONNECTED);
  g_assert_cmpint (state_of (f->b, f->a, NULL), ==, SHOAL_PEER_STATE_DISCONNECTED);
  g_assert_cmpuint (f->reasons_a->len, ==, 1);
  g_assert_cmpuint (f->reasons_b->len, ==, 1);

  /* Both restart where they were, with the same configured peers. */
  stop_node (&f->a);
  stop_node (&f->b);
  assert_held (f->dir_a, id_b, TRUE);
  assert_held (f->dir_b, id_a, TRUE);
  f->connected_a = f->connected_b = 0;
  start_pair_dialling (f, port_a, port_b);

  /* Listed, as disconnected, with the name they had. */
  g_assert_cmpint (state_of (f->a, NULL, id_b), ==, SHOAL_PEER_STATE_DISCONNECTED);
  g_assert_cmpint (state_of (f->b, NULL, id_a), ==, SHOAL_PEER_STATE_DISCONNECTED);
  g_assert_cmpstr (shoal_peer_get_name (shoal_node_lookup_peer (f->a, id_b)), ==, "bob");

  shoal_test_nodes_run (QUIET_MS);
  g_assert_cmpuint (f->connected_a, ==, 0);
  g_assert_cmpuint (f->connected_b, ==, 0);
  g_assert_cmpuint (shoal_node_count_links (f->a, FALSE), ==, 0);
  g_assert_cmpuint (shoal_node_count_links (f->b, FALSE), ==, 0);
  g_assert_cmpuint (shoal_node_count_dials (f->a), ==, 0);
  g_assert_cmpuint (shoal_node_count_dials (f->b), ==, 0);
  g_assert_cmpint (state_of (f->a, NULL, id_b), ==, SHOAL_PEER_STATE_DISCONNECTED);
  g_assert_cmpint (state_of (f->b, NULL, id_a), ==, SHOAL_PEER_STATE_DISCONNECTED);

  /* Bob's person names alice: linked again, and neither holds the other. */
  where_b = g_strdup_printf ("127.0.0.1:%u", (guint) port_a);
  run_connect (f, f->b, where_b);
  g_assert_no_error (f->error);
  g_assert_cmpstr (shoal_peer_get_id (f->peer), ==, id_a);
  g_assert_true (shoal_test_nodes_wait (both_linked, f, TIMEOUT_MS));
  assert_held (f->dir_a, id_b, FALSE);
  assert_held (f->dir_b, id_a, FALSE);

  /* And it stays, a link lost is redialled as any other. */
  shoal_node_sever_links (f->a);
  shoal_test_nodes_run (200);
  g_assert_true (shoal_test_nodes_wait (both_linked, f, TIMEOUT_MS));
}

static void
test_disconnect_forgotten (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree gchar *id_a = NULL;
  g_autofree gchar *holds_b = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port_a = closed_port ();

  g_test_summary ("A peer that lost its holds (its disconnected.ini removed) and dials a "
                  "node that still holds it is refused after the hellos, since its hello "
                  "does not say connect, and learns the hold again from the goodbye");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  start_pair_dialling (f, port_a, 0);
  g_assert_true (shoal_test_nodes_wait (both_linked, f, TIMEOUT_MS));
  id_a = g_strdup (shoal_node_get_id (f->a));
  g_assert_true (shoal_node_disconnect (f->a, shoal_node_get_id (f->b), &error));
  g_assert_no_error (error);
  g_assert_true (shoal_test_nodes_wait (both_report_disconnected, f, TIMEOUT_MS));

  /* Bob forgets, and comes back dialling alice. */
  stop_node (&f->b);
  holds_b = holds_file (f->dir_b);
  g_assert_cmpint (g_unlink (holds_b), ==, 0);
  f->connected_a = f->connected_b = 0;
  g_ptr_array_set_size (f->reasons_b, 0);
  f->b = start_node (f, "bob", f->dir_b, "127.0.0.1", 0, f->reasons_b, &f->connected_b);
  shoal_test_node_dial (f->b, port_a);

  shoal_test_nodes_run (QUIET_MS);
  g_assert_cmpuint (f->connected_a, ==, 0);
  g_assert_false (shoal_test_node_sees (f->b, f->a));
  g_assert_cmpuint (shoal_node_count_links (f->a, FALSE), ==, 0);
  g_assert_cmpuint (shoal_node_count_dials (f->b), ==, 0);
  g_assert_cmpint (state_of (f->b, NULL, id_a), ==, SHOAL_PEER_STATE_DISCONNECTED);
  assert_held (f->dir_b, id_a, TRUE);
  /* It may have seen the link up for as long as the goodbye took, once. */
  g_assert_cmpuint (f->connected_b, <=, 1);
}

static gboolean
a_reports (gpointer data)
{
  return ((Fixture *) data)->reasons_a->len > 0;
}

static void
test_disconnect_idle (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree gchar *id_b = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port_b = closed_port ();

  g_test_summary ("Disconnect from a peer that is away holds it all the same: its "
                  "configured address is not dialled again, also once it is back");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  /* Only alice dials, so that her configured address learns bob's id. */
  start_a (f);
  f->b = start_node (f, "bob", f->dir_b, "127.0.0.1", port_b, f->reasons_b, &f->connected_b);
  shoal_test_node_dial (f->a, port_b);
  g_assert_true (shoal_test_nodes_wait (both_linked, f, TIMEOUT_MS));
  id_b = g_strdup (shoal_node_get_id (f->b));

  /* Bob goes away; alice keeps redialling him. */
  stop_node (&f->b);
  g_assert_true (shoal_test_nodes_wait (a_reports, f, TIMEOUT_MS));
  shoal_test_nodes_run (600);
  g_assert_cmpuint (shoal_node_count_dials (f->a), >, 0);
  shoal_node_disconnect (f->a, id_b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (state_of (f->a, NULL, id_b), ==, SHOAL_PEER_STATE_DISCONNECTED);
  shoal_test_nodes_run (QUIET_MS);
  g_assert_cmpuint (shoal_node_count_dials (f->a), ==, 0);

  /* Bob is back where he was: alice leaves him be. Bob may dial her from
   * his address cache; she refuses him with a goodbye, which he may see as
   * a link up for as long as the goodbye took, once (PROTOCOL.md 11.2). */
  f->b = start_node (f, "bob", f->dir_b, "127.0.0.1", port_b, f->reasons_b, &f->connected_b);
  shoal_test_nodes_run (QUIET_MS);
  g_assert_cmpuint (f->connected_b, <=, 2);
  g_assert_cmpuint (shoal_node_count_links (f->a, FALSE), ==, 0);
  g_assert_cmpint (state_of (f->a, NULL, id_b), ==, SHOAL_PEER_STATE_DISCONNECTED);
}

static void
test_reasons_live (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_test_summary ("peer-disconnected says \"reset\" for a link cut without a goodbye, "
                  "\"shutdown\" for a peer that stops, \"not-trusted\" on both sides when "
                  "one untrusts the other");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  start_pair_dialling (f, 0, 0);
  g_assert_true (shoal_test_nodes_wait (both_linked, f, TIMEOUT_MS));

  shoal_node_sever_links (f->b);
  g_assert_true (shoal_test_nodes_wait (a_reports, f, TIMEOUT_MS));
  g_assert_cmpstr (g_ptr_array_index (f->reasons_a, 0), ==, "reset");
  g_assert_true (shoal_test_nodes_wait (both_linked, f, TIMEOUT_MS));

  g_ptr_array_set_size (f->reasons_a, 0);
  g_ptr_array_set_size (f->reasons_b, 0);
  shoal_node_untrust (f->a, shoal_node_get_id (f->b), &error);
  g_assert_no_error (error);
  g_assert_true (shoal_test_nodes_wait (both_report_disconnected, f, TIMEOUT_MS));
  g_assert_cmpstr (g_ptr_array_index (f->reasons_a, 0), ==, "not-trusted");
  g_assert_cmpstr (g_ptr_array_index (f->reasons_b, 0), ==, "not-trusted");
  shoal_node_trust (f->a, shoal_node_get_id (f->b), &error);
  g_assert_no_error (error);
  g_assert_true (shoal_test_nodes_wait (both_linked, f, TIMEOUT_MS));

  g_ptr_array_set_size (f->reasons_a, 0);
  stop_node (&f->b);
  g_assert_true (shoal_test_nodes_wait (a_reports, f, TIMEOUT_MS));
  g_assert_cmpstr (g_ptr_array_index (f->reasons_a, 0), ==, "shutdown");
}

static void
test_damaged_holds (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *aside = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A damaged disconnected.ini is moved aside with a warning and the node "
                  "starts holding nobody");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  g_assert_cmpint (g_mkdir_with_parents (f->dir_a, 0700), ==, 0);
  path = holds_file (f->dir_a);
  aside = g_strconcat (path, ".damaged", NULL);
  g_file_set_contents (path, "[0123456789abcdef0123456789abcdef\nname=", -1, &error);
  g_assert_no_error (error);

  expected_warning = "*is damaged*moved to*";
  expected_warnings_seen = 0;
  start_a (f);
  expected_warning = NULL;
  g_assert_cmpuint (expected_warnings_seen, ==, 1);
  g_assert_true (g_file_test (aside, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (g_list_model_get_n_items (shoal_node_get_peers (f->a)), ==, 0);

  /* A file with a group that is not a peer id is damaged too. */
  stop_node (&f->a);
  g_file_set_contents (path, "[bob]\nname=bob\n", -1, &error);
  g_assert_no_error (error);
  expected_warning = "*is damaged*moved to*";
  expected_warnings_seen = 0;
  start_a (f);
  expected_warning = NULL;
  g_assert_cmpuint (expected_warnings_seen, ==, 1);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_writer_func (expecting_writer, NULL, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/control/connect", test_connect);
  ADD ("/control/connect-errors", test_connect_errors);
  ADD ("/control/connect-cancel", test_connect_cancel);
  ADD ("/control/disconnect", test_disconnect);
  ADD ("/control/disconnect-idle", test_disconnect_idle);
  ADD ("/control/disconnect-forgotten", test_disconnect_forgotten);
  ADD ("/control/reasons-live", test_reasons_live);
  ADD ("/control/damaged-holds", test_damaged_holds);

#undef ADD

  return g_test_run ();
}
