/* test-security-duplicate.c: a peer that drops one link as a duplicate of another
 *
 * Part of the security program (test-security.c): both ends dialled, and
 * the peer, played by a thread, decided first which link to keep.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-frame.h"
#include "shoal-node-private.h"
#include "shoal-test-nodes.h"
#include "shoal-test-peer.h"
#include "shoal-test-scratch.h"
#include "test-security.h"

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
  ShoalNode *a = security_add_open_node (f, "alice");
  g_autoptr(ShoalPeer) peer = NULL;  /* the node may forget it */
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;
  Twin twin = { .port = shoal_node_get_port (a), .second_hello = second_hello };
  guint failed = 0;
  Watch watch;

  twin.certificate = security_load_certificate (f, "twin", &twin.id);
  security_watch_start (&watch, a, twin.id);
  twin.thread = g_thread_new ("twin", twin_thread, &twin);

  g_assert_true (shoal_test_nodes_wait (twin_reached, &twin, 10000));
  g_assert_no_error (twin.error);
  g_assert_true (shoal_test_nodes_wait (watch_saw_connect, &watch, 10000));
  peer = shoal_node_lookup_peer (a, twin.id);
  g_assert_nonnull (peer);
  g_object_ref (peer);

  g_atomic_int_set (&twin.go, 1);
  g_assert_true (shoal_test_nodes_wait (twin_reached, &twin, 10000));
  g_assert_no_error (twin.error);
  /* The node has the goodbye and the second connection: the peer is still
   * there, and nobody was told otherwise. A message sent meanwhile waits for
   * the kept link: the delivery timeout has not even begun. */
  shoal_test_nodes_run (500);
  g_assert_cmpuint (watch.disconnected, ==, 0);
  g_assert_cmpint (shoal_peer_get_state (peer), ==, SHOAL_PEER_STATE_CONNECTED);
  g_signal_connect (a, "message-failed", G_CALLBACK (count_failed), &failed);
  payload = g_bytes_new_static ("meanwhile", 9);
  g_assert_cmpuint (shoal_node_send (a, twin.id, payload, &error), !=, 0);
  g_assert_no_error (error);
  shoal_test_nodes_run (200);
  g_assert_cmpuint (failed, ==, 0);

  g_atomic_int_set (&twin.go, 2);
  g_assert_true (shoal_test_nodes_wait (twin_reached, &twin, 10000));
  g_assert_no_error (twin.error);
  if (second_hello)
    {
      /* The kept link takes over in silence. */
      shoal_test_nodes_run (500);
      g_assert_cmpint (shoal_peer_get_state (peer), ==, SHOAL_PEER_STATE_CONNECTED);
      g_assert_cmpuint (watch.connected, ==, 1);
      g_assert_cmpuint (watch.disconnected, ==, 0);
    }
  else
    {
      /* The kept link never came: the peer is gone, said once. */
      g_assert_true (shoal_test_nodes_wait (security_watch_saw_disconnect, &watch, 15000));
      shoal_test_nodes_run (200);
      g_assert_cmpuint (watch.disconnected, ==, 1);
      g_assert_cmpuint (watch.connected, ==, 1);
      g_assert_cmpint (shoal_peer_get_state (peer), !=, SHOAL_PEER_STATE_CONNECTED);
    }

  /* The message is still unsent when the fixture stops the node, which
   * reports it failed then: not to this frame's counter. */
  g_signal_handlers_disconnect_by_func (a, count_failed, &failed);
  g_atomic_int_set (&twin.go, 3);
  g_thread_join (twin.thread);
  g_assert_no_error (twin.error);
  security_watch_stop (&watch);
  g_clear_object (&twin.certificate);
  g_free (twin.id);
}

void
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

void
test_duplicate_never_replaced (Fixture       *f,
                               gconstpointer  data)
{
  g_test_summary ("When the link a peer kept over a duplicate never says hello, the node "
                  "reports the peer disconnected once");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  run_twin (f, FALSE);
}
