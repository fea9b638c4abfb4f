/* shoal-test-forwarder.c: a TCP forwarder on loopback that can go dark
 *
 * 127.0.0.1:port → 127.0.0.1:target, every byte, both ways. It counts the
 * connections it carries and knows which are still open, so a test sees
 * who dialled and which of two crossing links survived; frozen, it carries
 * nothing more and closes nothing, as a network path that went dark would.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-test-forwarder.h"
#include "shoal-test-nodes.h"

#define TIMEOUT_MS 10000

typedef struct {
  ShoalTestForwarder *forwarder;
  GSocketConnection  *incoming;  /* (owned) */
  GSocketConnection  *outgoing;  /* (owned) (nullable) until connected */
  guint               pumps;     /* running: it ends when both have */
  gboolean            ended;
} Forwarding;

typedef struct {
  Forwarding    *forwarding;
  GInputStream  *from;        /* (unowned) */
  GOutputStream *to;          /* (unowned) */
  guint8         buffer[16384];
} Pump;

static void pump_next (Pump *pump);

static void
forwarding_end (Forwarding *forwarding)
{
  if (forwarding->ended)
    return;
  forwarding->ended = TRUE;
  forwarding->forwarder->open--;
  g_io_stream_close (G_IO_STREAM (forwarding->incoming), NULL, NULL);
  if (forwarding->outgoing != NULL)
    g_io_stream_close (G_IO_STREAM (forwarding->outgoing), NULL, NULL);
}

static void
forwarding_free (Forwarding *forwarding)
{
  g_ptr_array_remove_fast (forwarding->forwarder->live, forwarding);
  g_object_unref (forwarding->incoming);
  g_clear_object (&forwarding->outgoing);
  g_free (forwarding);
}

static void
pump_end (Pump *pump)
{
  Forwarding *forwarding = pump->forwarding;

  forwarding_end (forwarding);
  g_free (pump);
  if (--forwarding->pumps == 0)
    forwarding_free (forwarding);
}

static void
pump_written_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Pump *pump = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    pump_end (pump);
  else
    pump_next (pump);
}

static void
pump_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pump *pump = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0 || pump->forwarding->ended)
    pump_end (pump);
  else if (pump->forwarding->forwarder->frozen)
    g_ptr_array_add (pump->forwarding->forwarder->parked, pump);  /* dark: bytes go nowhere */
  else
    g_output_stream_write_all_async (pump->to, pump->buffer, n, G_PRIORITY_DEFAULT, NULL,
                                     pump_written_cb, pump);
}

static void
pump_next (Pump *pump)
{
  g_input_stream_read_async (pump->from, pump->buffer, sizeof pump->buffer, G_PRIORITY_DEFAULT,
                             NULL, pump_read_cb, pump);
}

static void
pump_start (Forwarding *forwarding,
            GIOStream  *from,
            GIOStream  *to)
{
  Pump *pump = g_new0 (Pump, 1);

  pump->forwarding = forwarding;
  pump->from = g_io_stream_get_input_stream (from);
  pump->to = g_io_stream_get_output_stream (to);
  forwarding->pumps++;
  pump_next (pump);
}

static void
forward_connected_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Forwarding *forwarding = user_data;

  forwarding->outgoing = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, NULL);
  if (forwarding->outgoing == NULL || forwarding->ended)
    {
      forwarding_end (forwarding);
      forwarding_free (forwarding);
      return;
    }
  pump_start (forwarding, G_IO_STREAM (forwarding->incoming), G_IO_STREAM (forwarding->outgoing));
  pump_start (forwarding, G_IO_STREAM (forwarding->outgoing), G_IO_STREAM (forwarding->incoming));
}

static gboolean
forward_incoming_cb (GSocketService    *service,
                     GSocketConnection *connection,
                     GObject           *source_object,
                     gpointer           user_data)
{
  ShoalTestForwarder *forwarder = user_data;
  Forwarding *forwarding = g_new0 (Forwarding, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) target = g_inet_socket_address_new (loopback, forwarder->target);

  forwarder->connections++;
  forwarder->open++;
  forwarding->forwarder = forwarder;
  forwarding->incoming = g_object_ref (connection);
  g_ptr_array_add (forwarder->live, forwarding);
  g_socket_client_connect_async (forwarder->client, G_SOCKET_CONNECTABLE (target), NULL,
                                 forward_connected_cb, forwarding);
  return TRUE;
}

/**
 * shoal_test_forwarder_start:
 * @forwarder: a zeroed forwarder
 * @target: the port on 127.0.0.1 to forward to
 *
 * Listens on a free port of 127.0.0.1 (@forwarder->port) and forwards each
 * connection to @target until shoal_test_forwarder_stop(). Set
 * @forwarder->frozen to make it go dark.
 */
void
shoal_test_forwarder_start (ShoalTestForwarder *forwarder,
                            guint16             target)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  forwarder->target = target;
  forwarder->live = g_ptr_array_new ();
  forwarder->parked = g_ptr_array_new ();
  forwarder->client = g_socket_client_new ();
  g_socket_client_set_enable_proxy (forwarder->client, FALSE);
  forwarder->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (forwarder->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &effective,
                                 &error);
  g_assert_no_error (error);
  forwarder->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (forwarder->service, "incoming", G_CALLBACK (forward_incoming_cb), forwarder);
  g_socket_service_start (forwarder->service);
}

static gboolean
forwarder_idle (gpointer data)
{
  return ((ShoalTestForwarder *) data)->live->len == 0;
}

/* Ends every forwarding, frozen or not, and waits until each is freed. */
void
shoal_test_forwarder_stop (ShoalTestForwarder *forwarder)
{
  g_socket_service_stop (forwarder->service);
  g_socket_listener_close (G_SOCKET_LISTENER (forwarder->service));
  for (guint i = 0; i < forwarder->live->len; i++)
    forwarding_end (g_ptr_array_index (forwarder->live, i));
  while (forwarder->parked->len > 0)
    pump_end (g_ptr_array_steal_index_fast (forwarder->parked, 0));
  g_assert_true (shoal_test_nodes_wait (forwarder_idle, forwarder, TIMEOUT_MS));
  g_clear_pointer (&forwarder->live, g_ptr_array_unref);
  g_clear_pointer (&forwarder->parked, g_ptr_array_unref);
  g_clear_object (&forwarder->service);
  g_clear_object (&forwarder->client);
}

/* 1. A burst of connections fits in the listen backlog */
