/* test-security-relay.c: a man in the middle, and a forwarder that records every byte
 *
 * Part of the security program (test-security.c): a relay between two
 * nodes that terminates TLS on both sides with its own key, or only
 * forwards and records the bytes.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-node-private.h"
#include "shoal-test-log.h"
#include "shoal-test-nodes.h"
#include "shoal-test-peer.h"
#include "shoal-test-scratch.h"
#include "test-security.h"

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

void
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

  a = security_add_open_node (f, "alice");
  b = security_add_open_node (f, "bob");
  security_watch_start (&a_watch, a, shoal_node_get_id (b));
  security_watch_start (&b_watch, b, shoal_node_get_id (a));
  mallory = security_load_certificate (f, "mallory", &mallory_id);
  relay_start (&relay, a, mallory);
  shoal_test_node_dial (b, relay.port);

  shoal_test_nodes_run (3000);
  g_test_message ("%u connections through the relay, %u with TLS on both sides",
                  relay_count_connections (&relay), relay_count_tls_sessions (&relay));
  /* The attack got as far as the hellos: TLS itself cannot tell. */
  g_assert_cmpuint (relay_count_tls_sessions (&relay), >, 0);
  g_assert_cmpuint (a_watch.connected + b_watch.connected, ==, 0);
  g_assert_false (shoal_test_node_sees (a, b));
  g_assert_false (shoal_test_node_sees (b, a));
  a_says = g_strdup_printf ("hello claims peer id %s but the certificate proves %s",
                            shoal_node_get_id (b), mallory_id);
  b_says = g_strdup_printf ("hello claims peer id %s but the certificate proves %s",
                            shoal_node_get_id (a), mallory_id);
  g_assert_true (shoal_test_log_contains (a_says));
  g_assert_true (shoal_test_log_contains (b_says));
  g_assert_null (shoal_node_lookup_peer (a, mallory_id));
  g_assert_null (shoal_node_lookup_peer (b, mallory_id));

  relay_stop (&relay);

  /* Without mallory, the same two nodes link up. */
  shoal_test_node_dial (b, shoal_node_get_port (a));
  security_assert_linked_within (a, b, 5000);
  security_assert_messages_flow (a, b);
  security_watch_stop (&a_watch);
  security_watch_stop (&b_watch);
}

void
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

  a = security_add_open_node (f, alice_name);
  b = security_add_open_node (f, bob_name);
  relay_start (&relay, a, NULL);
  shoal_test_node_dial (b, relay.port);
  security_assert_linked_within (a, b, 5000);

  for (guint i = 0; i < 10; i++)
    g_string_append (text, marker);
  payload = g_bytes_new (text->str, text->len);
  security_assert_message_arrives (b, a, payload);
  security_assert_message_arrives (a, b, payload);

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
