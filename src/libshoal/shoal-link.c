/* shoal-link.c: one framed connection to a peer
 *
 * A link owns a TLS stream whose handshake is done (shoal-tls.c) and speaks
 * protocol 2 on it: hello first, then data, pings and finally goodbye. It
 * checks that the hello matches what TLS proved (the id, the network key)
 * and knows nothing else of peers or of the node: it reports what happens
 * through signals and a receive function, and the node decides what a link
 * means.
 *
 * The hot path reads in large chunks and cuts many frames out of each read
 * (ShoalFrameReader hands payloads on as slices of the read buffer), and
 * writes the queue in TLS records of up to 16 KiB (ShoalOutbox). One source
 * per link watches the socket and writes the queue (shoal-link-source.c);
 * what the link reads is handled in shoal-link-input.c, and whether the
 * peer is still there in shoal-link-liveness.c.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <sys/socket.h>

#include "shoal-delivery.h"
#include "shoal-error.h"
#include "shoal-link-private.h"
#include "shoal-marshal.h"
#include "shoal-outbox.h"
#include "shoal-source.h"
#include "shoal-trust.h"


/* Acks go out after this many messages, or this long after the first one
 * not yet acknowledged: one per read burst on a busy link. */
#define ACK_BATCH 256
#define ACK_DELAY_MS 10

/* The least time a closing link waits for its goodbye to be flushed and for
 * the peer's goodbye to arrive. */
#define MIN_LINGER_MS 1000



G_DEFINE_TYPE (ShoalLink, shoal_link, G_TYPE_OBJECT)


guint shoal_link_signals[SHOAL_LINK_N_SIGNALS];


void
shoal_link_set_reason (ShoalLink   *self,
                       const gchar *reason)
{
  if (self->close_reason == NULL)
    self->close_reason = g_strdup (reason);
}

void
shoal_link_queue_control (ShoalLink *self,
                          GBytes    *frame)
{
  if (shoal_outbox_is_empty (self->outbox))
    self->last_write_progress = g_get_monotonic_time ();
  shoal_outbox_push_control (self->outbox, frame);
}

void
shoal_link_finish (ShoalLink   *self,
                   const gchar *reason)
{
  g_autoptr(ShoalLink) hold = g_object_ref (self);

  if (self->state == LINK_STATE_CLOSED)
    return;

  shoal_link_set_reason (self, reason != NULL ? reason : "closed");
  shoal_link_report_traffic (self, FALSE, 0, 0);
  self->state = LINK_STATE_CLOSED;

  shoal_source_clear (&self->io_source);
  shoal_source_clear (&self->ack_source);
  shoal_source_clear (&self->heartbeat_source);
  shoal_source_clear (&self->in_flight_source);
  shoal_source_clear (&self->deadline_source);
  shoal_outbox_clear (self->outbox);
  /* The TCP connection, not TLS: closing TLS would write a close_notify,
   * blocking on a peer that stopped reading. */
  g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);

  g_debug ("Link %s %s closed: %s", self->outbound ? "to" : "from", self->proven_id,
           self->close_reason);
  g_signal_emit (self, shoal_link_signals[SHOAL_LINK_SIGNAL_CLOSED], 0, self->close_reason);
}

static gboolean
linger_cb (gpointer user_data)
{
  ShoalLink *self = user_data;

  g_clear_pointer (&self->deadline_source, g_source_unref);
  shoal_link_finish (self, NULL);
  return G_SOURCE_REMOVE;
}

static void
flush_ack (ShoalLink *self)
{
  shoal_source_clear (&self->ack_source);
  if (self->ack_due > self->ack_sent && self->state == LINK_STATE_ESTABLISHED &&
      !self->goodbye_queued)
    {
      self->ack_sent = self->ack_due;
      shoal_link_queue_control (self, shoal_frame_encode_ack (self->ack_due));
    }
}

static gboolean
ack_cb (gpointer user_data)
{
  ShoalLink *self = user_data;

  g_clear_pointer (&self->ack_source, g_source_unref);
  flush_ack (self);
  return G_SOURCE_REMOVE;
}

/**
 * shoal_link_close:
 * @self: a #ShoalLink
 * @code: why, as the goodbye tells the peer
 * @message: (nullable): a few words for the peer's log
 *
 * Closes the link gracefully: everything already queued is sent, then a
 * goodbye; frames the peer sent before its own goodbye are still delivered.
 * #ShoalLink::closed follows once both goodbyes are through, or after the
 * linger time.
 */
void
shoal_link_close (ShoalLink        *self,
                  ShoalGoodbyeCode  code,
                  const gchar      *message)
{
  g_return_if_fail (SHOAL_IS_LINK (self));

  if (self->state >= LINK_STATE_CLOSING)
    return;

  shoal_link_set_reason (self, shoal_goodbye_code_to_string (code));
  /* What this end delivered is acknowledged before it says goodbye, so the
   * peer does not take it for undelivered. */
  flush_ack (self);
  self->state = LINK_STATE_CLOSING;
  shoal_source_clear (&self->heartbeat_source);
  shoal_source_clear (&self->in_flight_source);
  shoal_source_clear (&self->deadline_source);
  self->deadline_source = shoal_timeout_attach (self->context,
                                                MAX (MIN_LINGER_MS, self->config.heartbeat_timeout_ms),
                                                linger_cb, self, NULL, "[shoal] link linger");
  self->goodbye_queued = TRUE;
  shoal_link_queue_control (self, shoal_frame_encode_goodbye (code, message));
}

/**
 * shoal_link_sever:
 * @self: a #ShoalLink
 *
 * Cuts the link as a broken network would: no goodbye, and a TCP reset that
 * throws away whatever the kernel still held for either side. For tests.
 */
void
shoal_link_sever (ShoalLink *self)
{
  GSocket *socket;
  struct linger reset = { 1, 0 };

  g_return_if_fail (SHOAL_IS_LINK (self));

  if (self->state == LINK_STATE_CLOSED)
    return;
  socket = g_socket_connection_get_socket (self->connection);
  if (setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &reset, sizeof reset) != 0)
    g_debug ("SO_LINGER: %s", g_strerror (errno));
  shoal_link_finish (self, "severed");
}

/**
 * shoal_link_abort:
 * @self: a #ShoalLink
 * @code: the goodbye code to send, if a goodbye can still be sent
 * @reason: why, for the log and #ShoalLink::closed
 *
 * Closes the link at once, dropping whatever is queued: for a link that
 * failed (a protocol error, a silent peer).
 */
void
shoal_link_abort (ShoalLink        *self,
                  ShoalGoodbyeCode  code,
                  const gchar      *reason)
{
  g_return_if_fail (SHOAL_IS_LINK (self));

  if (self->state == LINK_STATE_CLOSED)
    return;

  g_log (G_LOG_DOMAIN, code == SHOAL_GOODBYE_SHUTDOWN ? G_LOG_LEVEL_DEBUG : G_LOG_LEVEL_MESSAGE,
         "Closing link %s %s: %s", self->outbound ? "to" : "from",
         self->proven_id, reason);
  shoal_link_set_reason (self, reason);

  /* A goodbye can follow only whole frames: if the queue's head is half
   * written, the peer could not parse what came after it. */
  if (!shoal_outbox_in_mid_frame (self->outbox) && !self->goodbye_queued && !self->write_shut)
    {
      shoal_outbox_clear (self->outbox);
      /* What was delivered here is still worth saying: the peer would
       * otherwise report it failed, or send it again. */
      flush_ack (self);
      self->goodbye_queued = TRUE;
      shoal_link_queue_control (self, shoal_frame_encode_goodbye (code, reason));
      shoal_link_flush (self);
    }

  shoal_link_finish (self, NULL);
}

void
shoal_link_protocol_error (ShoalLink   *self,
                           const gchar *message)
{
  g_autofree gchar *reason = g_strdup_printf ("protocol error: %s", message);

  shoal_link_abort (self, SHOAL_GOODBYE_PROTOCOL_ERROR, reason);
}

static gboolean
handshake_timeout_cb (gpointer user_data)
{
  ShoalLink *self = user_data;
  g_autofree gchar *reason = g_strdup_printf ("timeout: no hello within %u ms",
                                              self->config.handshake_timeout_ms);

  g_clear_pointer (&self->deadline_source, g_source_unref);
  shoal_link_abort (self, SHOAL_GOODBYE_TIMEOUT, reason);
  return G_SOURCE_REMOVE;
}

static void
shoal_link_dispose (GObject *object)
{
  ShoalLink *self = SHOAL_LINK (object);

  shoal_source_clear (&self->ack_source);
  shoal_source_clear (&self->io_source);
  shoal_source_clear (&self->heartbeat_source);
  shoal_source_clear (&self->in_flight_source);
  shoal_source_clear (&self->deadline_source);
  shoal_outbox_clear (self->outbox);
  if (self->connection != NULL)
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_clear_object (&self->stream);
  g_clear_object (&self->connection);
  g_clear_object (&self->remote_address);

  G_OBJECT_CLASS (shoal_link_parent_class)->dispose (object);
}

static void
shoal_link_finalize (GObject *object)
{
  ShoalLink *self = SHOAL_LINK (object);

  shoal_hello_clear (&self->remote);
  g_free (self->close_reason);
  g_free (self->write_error);
  g_clear_pointer (&self->last_group, shoal_group_name_release);
  g_free (self->proven_id);
  g_clear_pointer (&self->channel_binding, g_bytes_unref);
  g_clear_pointer (&self->config.network_key, g_bytes_unref);
  g_clear_pointer (&self->reader, shoal_frame_reader_free);
  g_clear_pointer (&self->outbox, shoal_outbox_free);
  g_clear_pointer (&self->hello_frame, g_bytes_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (shoal_link_parent_class)->finalize (object);
}

static void
shoal_link_class_init (ShoalLinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_link_dispose;
  object_class->finalize = shoal_link_finalize;

  /**
   * ShoalLink::established:
   *
   * The peer's hello arrived and was accepted; its fields are in
   * shoal_link_get_remote_hello(). Data may flow from now on.
   */
  shoal_link_signals[SHOAL_LINK_SIGNAL_ESTABLISHED] =
    g_signal_new ("established", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * ShoalLink::traffic:
   * @messages_in: data frames handed on since the last emission
   * @bytes_in: their payload bytes
   * @messages_out: data frames written since the last emission
   * @bytes_out: their payload bytes
   * @heard: whether anything at all (a ping too) arrived
   *
   * Emitted once per batch of reads and writes, never per frame, so that the
   * node can keep counters and "last seen" current.
   */
  shoal_link_signals[SHOAL_LINK_SIGNAL_TRAFFIC] =
    g_signal_new ("traffic", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, _shoal_marshal_VOID__UINT64_UINT64_UINT64_UINT64_BOOLEAN,
                  G_TYPE_NONE, 5,
                  G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_BOOLEAN);
  g_signal_set_va_marshaller (shoal_link_signals[SHOAL_LINK_SIGNAL_TRAFFIC],
                              G_TYPE_FROM_CLASS (klass),
                              _shoal_marshal_VOID__UINT64_UINT64_UINT64_UINT64_BOOLEANv);

  /**
   * ShoalLink::round-trip:
   * @usec: the round trip of the last heartbeat, in microseconds
   */
  shoal_link_signals[SHOAL_LINK_SIGNAL_ROUND_TRIP] =
    g_signal_new ("round-trip", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);

  /**
   * ShoalLink::acked:
   * @seq: the highest sequence number the peer has delivered
   *
   * The peer acknowledged every message up to @seq on our stream to it.
   */
  shoal_link_signals[SHOAL_LINK_SIGNAL_ACKED] =
    g_signal_new ("acked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, _shoal_marshal_VOID__UINT64, G_TYPE_NONE, 1, G_TYPE_UINT64);
  g_signal_set_va_marshaller (shoal_link_signals[SHOAL_LINK_SIGNAL_ACKED],
                              G_TYPE_FROM_CLASS (klass), _shoal_marshal_VOID__UINT64v);

  /**
   * ShoalLink::stalled:
   *
   * Nothing at all, not even an acknowledgement, has come from the peer's
   * host for 200 ms (or a heartbeat interval, if shorter) while TCP sends
   * data again: the path may be broken. Emitted once per such silence,
   * while the link is up.
   */
  shoal_link_signals[SHOAL_LINK_SIGNAL_STALLED] =
    g_signal_new ("stalled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * ShoalLink::closed:
   * @reason: why, in a few words ("shutdown", "timeout: …", "protocol error: …")
   *
   * The link is finished; it emits nothing more.
   */
  shoal_link_signals[SHOAL_LINK_SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
shoal_link_init (ShoalLink *self)
{
  self->outbox = shoal_outbox_new ();
}

/**
 * shoal_link_new:
 * @stream: the TLS stream, handshake done
 * @connection: the TCP connection under @stream
 * @outbound: whether this node dialled it
 * @proven_id: the peer id the peer's certificate proves
 * @channel_binding: the TLS session's exporter value, for the network key proof
 * @accept: whether @hello_frame lets the peer in
 * @hello_frame: this node's encoded hello for this link
 * @config: limits and timings
 *
 * Wraps @stream; nothing happens until shoal_link_start().
 *
 * Returns: (transfer full): a new #ShoalLink
 */
ShoalLink *
shoal_link_new (GIOStream             *stream,
                GSocketConnection     *connection,
                gboolean               outbound,
                const gchar           *proven_id,
                GBytes                *channel_binding,
                gboolean               accept,
                GBytes                *hello_frame,
                const ShoalLinkConfig *config)
{
  ShoalLink *self = g_object_new (SHOAL_TYPE_LINK, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  self->stream = g_object_ref (stream);
  self->connection = g_object_ref (connection);
  self->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  self->output = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  self->proven_id = g_strdup (proven_id);
  self->channel_binding = g_bytes_ref (channel_binding);
  self->accept = accept;
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    self->remote_address = G_INET_SOCKET_ADDRESS (g_steal_pointer (&remote));
  self->outbound = outbound;
  self->hello_frame = g_bytes_ref (hello_frame);
  self->config = *config;
  if (config->network_key != NULL)
    g_bytes_ref (config->network_key);
  self->reader = shoal_frame_reader_new (config->max_data_body);
  self->context = g_main_context_ref_thread_default ();

  return self;
}

/**
 * shoal_link_set_receive_func:
 * @self: a #ShoalLink
 * @func: called with each data frame's payload
 * @user_data: for @func
 */
void
shoal_link_set_receive_func (ShoalLink            *self,
                             ShoalLinkReceiveFunc  func,
                             gpointer              user_data)
{
  g_return_if_fail (SHOAL_IS_LINK (self));

  self->receive_func = func;
  self->receive_data = user_data;
}

/**
 * shoal_link_start:
 * @self: a #ShoalLink
 *
 * Sends this node's hello and starts reading, in the thread-default main
 * context of the caller of shoal_link_new().
 */
void
shoal_link_start (ShoalLink *self)
{
  g_return_if_fail (SHOAL_IS_LINK (self));
  g_return_if_fail (self->state == LINK_STATE_NEW);

  self->state = LINK_STATE_HANDSHAKING;
  self->last_recv = g_get_monotonic_time ();

  shoal_link_source_attach (self);

  self->deadline_source = shoal_timeout_attach (self->context, self->config.handshake_timeout_ms,
                                                handshake_timeout_cb, self, NULL,
                                                "[shoal] link handshake");
  shoal_link_queue_control (self, g_bytes_ref (self->hello_frame));
}

/**
 * shoal_link_send:
 * @self: a #ShoalLink
 * @type: %SHOAL_FRAME_UNICAST or %SHOAL_FRAME_BROADCAST
 * @payload: the message; its bytes are shared, not copied
 * @error: return location for a #GError
 *
 * Queues a message. It leaves with the next write batch.
 *
 * Returns: %TRUE if queued; %FALSE with %SHOAL_ERROR_NOT_CONNECTED before the
 *   handshake or once closing, or %SHOAL_ERROR_QUEUE_FULL
 */
gboolean
shoal_link_send (ShoalLink       *self,
                 ShoalFrameType   type,
                 guint64          seq,
                 GBytes          *payload,
                 GError         **error)
{
  if (self->state != LINK_STATE_ESTABLISHED)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_NOT_CONNECTED,
                           "The link is not established");
      return FALSE;
    }

  if (shoal_outbox_is_empty (self->outbox))
    self->last_write_progress = g_get_monotonic_time ();
  shoal_outbox_push_data (self->outbox, type, seq, payload);
  return TRUE;
}

/**
 * shoal_link_ack_later:
 * @self: a #ShoalLink
 * @seq: the highest sequence number delivered, every one before it too
 *
 * Acknowledges @seq soon: acks are batched, one per %ACK_BATCH messages or
 * after %ACK_DELAY_MS, whichever comes first, and always before a goodbye.
 */
void
shoal_link_ack_later (ShoalLink *self,
                      guint64    seq)
{
  if (self->config.no_acks)
    return;

  if (seq > self->ack_due)
    self->ack_due = seq;

  if (self->ack_due - self->ack_sent >= ACK_BATCH)
    flush_ack (self);
  else if (self->ack_source == NULL && self->ack_due > self->ack_sent)
    self->ack_source = shoal_timeout_attach (self->context, ACK_DELAY_MS, ack_cb, self, NULL,
                                             "[shoal] link ack");
}

/**
 * shoal_link_set_paused:
 * @self: a #ShoalLink
 * @paused: whether to stop reading
 *
 * Stops or resumes reading: while the consumer is behind, TCP pushes back
 * on the peer instead of this process filling its memory. A link still in
 * its handshake reads on until the peer's HELLO, and stops only then.
 */
void
shoal_link_set_paused (ShoalLink *self,
                       gboolean   paused)
{
  self->pause_wanted = paused;
  shoal_link_apply_pause (self);
}

/* The peer takes a link for up once our HELLO is out, and from then on
 * judges it by our pings, which start with the peer's HELLO: holding that
 * HELLO unread would have the peer call us dead for our consumer's delay. */
void
shoal_link_apply_pause (ShoalLink *self)
{
  gboolean paused = self->pause_wanted && self->state >= LINK_STATE_ESTABLISHED;

  if (self->paused == paused)
    return;
  self->paused = paused;
  if (!paused)
    {
      self->read_more = TRUE;
      if (self->io_source != NULL)
        g_main_context_wakeup (self->context);
    }
}

gboolean
shoal_link_get_outbound (ShoalLink *self)
{
  return self->outbound;
}

gboolean
shoal_link_get_established (ShoalLink *self)
{
  return self->state == LINK_STATE_ESTABLISHED;
}

/**
 * shoal_link_get_remote_hello:
 * @self: a #ShoalLink
 *
 * Returns: (nullable): the peer's hello, once established
 */
const ShoalHello *
shoal_link_get_remote_hello (ShoalLink *self)
{
  return self->remote.peer_id != NULL ? &self->remote : NULL;
}

/**
 * shoal_link_get_refusal:
 * @self: a #ShoalLink
 *
 * Returns: who refused the link after the hellos, if anyone did
 */
ShoalLinkRefusal
shoal_link_get_refusal (ShoalLink *self)
{
  return self->refusal;
}

/**
 * shoal_link_get_remote_goodbye:
 * @self: a #ShoalLink
 * @code: (out) (optional): the code of the peer's goodbye
 *
 * Returns: %TRUE if the peer said goodbye on this link
 */
gboolean
shoal_link_get_remote_goodbye (ShoalLink *self,
                               guint32   *code)
{
  if (code != NULL)
    *code = self->remote_goodbye_code;
  return self->remote_goodbye;
}

/**
 * shoal_link_get_remote_address:
 * @self: a #ShoalLink
 *
 * Returns: (nullable) (transfer none): the address the connection comes from
 */
GInetSocketAddress *
shoal_link_get_remote_address (ShoalLink *self)
{
  return self->remote_address;
}

/**
 * shoal_link_get_local_address:
 * @self: a #ShoalLink
 *
 * Returns: (nullable) (transfer full): this end of the connection, while open
 */
GSocketAddress *
shoal_link_get_local_address (ShoalLink *self)
{
  return self->connection != NULL ?
         g_socket_connection_get_local_address (self->connection, NULL) : NULL;
}
