/* test-node-strangers.c: strangers that send garbage, stay silent or open too many links
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
#include "test-node.h"

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

static gpointer
stranger_thread (gpointer data)
{
  Stranger *stranger = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (context);
  connection = shoal_test_connect_loopback (stranger->port, NULL, &error);
  if (connection == NULL)
    goto out;
  /* Never hang the test on a node that does not answer. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 15);

  if (stranger->certificate != NULL)
    {
      stream = G_IO_STREAM (shoal_test_tls_wrap (G_IO_STREAM (connection), FALSE,
                                                 stranger->certificate, &error));
      if (stream == NULL)
        goto out;
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

  g_assert_true (shoal_test_nodes_wait (stranger_done, &stranger, timeout_ms));
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

  return shoal_test_load_certificate (dir, NULL);
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

  g_assert_true (node_mesh_complete (f));
  handler = g_signal_connect (f->nodes[1], "message-received", G_CALLBACK (node_count_message_cb),
                              &arrived);
  shoal_node_send (f->nodes[0], shoal_node_get_id (f->nodes[1]), payload, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_test_nodes_wait (message_arrived, &arrived, 5000));
  g_signal_handler_disconnect (f->nodes[1], handler);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_node_get_peers (f->nodes[0])), ==, 1);
}

void
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

  node_form_mesh (f, 2, 0, 0);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) answer = NULL;

      shoal_test_log_clear ();
      answer = send_garbage (f, f->nodes[0], cases[i].bytes, cases[i].length);
      assert_goodbye (answer, SHOAL_GOODBYE_PROTOCOL_ERROR);
      g_assert_true (shoal_test_log_contains_nocase ("protocol error"));
      g_assert_true (shoal_test_log_contains_nocase (cases[i].what));
      assert_mesh_carries_on (f);
    }

  /* Nothing can be said before TLS: the connection just closes. */
  {
    g_autoptr(GByteArray) answer = NULL;

    shoal_test_log_clear ();
    answer = stranger_talk (f->nodes[0], NULL, http, sizeof http - 1, 5000);
    g_assert_cmpuint (answer->len, ==, 0);
    g_assert_true (shoal_test_log_contains_nocase ("other than a TLS ClientHello"));
    assert_mesh_carries_on (f);
  }
}

void
test_silent_stranger (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GByteArray) answer = NULL;
  gint64 start;

  g_test_summary ("A stranger that connects and says nothing is closed once the 5 s "
                  "handshake time is up, with the reason logged, and the mesh carries on");

  node_form_mesh (f, 2, 0, 0);
  start = g_get_monotonic_time ();
  answer = stranger_talk (f->nodes[0], NULL, NULL, 0, 10000);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 4500 * 1000);
  g_assert_cmpuint (answer->len, ==, 0);
  g_assert_true (shoal_test_log_contains_nocase ("no TLS handshake"));
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

void
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
  node_form_mesh (f, 2, 0, 0);
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
      g_assert_true (shoal_test_nodes_wait (links_reached, &count, 5000));
    }
  g_assert_cmpuint (shoal_node_count_links (f->nodes[0], FALSE), ==,
                    SHOAL_NODE_DEFAULT_MAX_LINKS);

  answer = stranger_talk (f->nodes[0], NULL, NULL, 0, 5000);
  g_assert_cmpuint (answer->len, ==, 0);
  g_assert_true (shoal_test_log_contains_nocase ("too many links"));

  g_ptr_array_set_size (strangers, 0);
  g_assert_true (shoal_test_nodes_wait (node_mesh_complete, f, 5000));
  assert_mesh_carries_on (f);
}

void
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

  node_form_mesh (f, 2, 0, 0);
  answer = send_garbage (f, f->nodes[0], data_, size);
  assert_goodbye (answer, SHOAL_GOODBYE_VERSION_MISMATCH);
  g_assert_null (shoal_node_lookup_peer (f->nodes[0], hello.peer_id));
  assert_mesh_carries_on (f);
}
