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
 * what the link reads is handled in shoal-link-input.c.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "shoal-error.h"
#include "shoal-link-private.h"
#include "shoal-outbox.h"
#include "shoal-source.h"
#include "shoal-trust.h"


/* Acks go out after this many messages, or this long after the first one
 * not yet acknowledged: one per read burst on a busy link. */
#define ACK_BATCH 256
#define ACK_DELAY_MS 10

/* How long a peer may take nothing we write before the link is given up. */
#define WRITE_STALL_TIMEOUT_MS 30000

/* The least time a closing link waits for its goodbye to be flushed and for
 * the peer's goodbye to arrive. */
#define MIN_LINGER_MS 1000

/* Silence from the peer's host that, with a retransmission of ours already
 * fired, marks a path as probably broken: Linux's least retransmission
 * timeout, so that a path which merely lost a segment is not suspected
 * before TCP itself would be. (Or the heartbeat interval, if shorter.) */
#define STALL_SILENCE_MS 200

/* How often a link with data unacknowledged checks its path. */
#define IN_FLIGHT_CHECK_MS 100



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

/* What this host's TCP stack says of the connection, whether or not this
 * process has read anything: when it last received the peer's data and any
 * segment of the peer's (an acknowledgement of ours included), in
 * milliseconds ago, and whether data of ours has gone unacknowledged long
 * enough for a retransmission timeout to fire. FALSE where it cannot say. */
static gboolean
kernel_last_heard (ShoalLink *self,
                   gint64    *data_ms,
                   gint64    *segment_ms,
                   gboolean  *retransmitting,
                   guint     *unacked)
{
#ifdef TCP_INFO
  GSocket *socket = g_socket_connection_get_socket (self->connection);
  struct tcp_info info = { 0, };
  socklen_t length = sizeof info;

  if (getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &info, &length) == 0 &&
      length >= G_STRUCT_OFFSET (struct tcp_info, tcpi_last_ack_recv) + sizeof info.tcpi_last_ack_recv)
    {
      *data_ms = info.tcpi_last_data_recv;
      *segment_ms = MIN (info.tcpi_last_data_recv, info.tcpi_last_ack_recv);
      *retransmitting = info.tcpi_unacked > 0 && info.tcpi_retransmits > 0;
      if (unacked != NULL)
        *unacked = info.tcpi_unacked;
      return TRUE;
    }
#endif
  return FALSE;
}

/* How long ago, in microseconds, the peer was last heard by this host's TCP
 * stack, whether or not this process has read it yet; -1 if unknown.
 * While reading, only the peer's data counts: a host whose process is stopped
 * still acknowledges. While paused, every segment counts, the acknowledgements
 * of our PINGs included, because a full receive window keeps even a live peer
 * from sending data. */
static gint64
kernel_heard_us_ago (ShoalLink *self)
{
  gint64 data_ms, segment_ms;
  gboolean retransmitting;

  if (kernel_last_heard (self, &data_ms, &segment_ms, &retransmitting, NULL))
    return (self->paused ? segment_ms : data_ms) * 1000;

  /* Without the kernel's word, bytes waiting say the peer spoke, not when. */
  if (!self->paused &&
      (self->read_more || self->frames_waiting ||
       g_socket_get_available_bytes (g_socket_connection_get_socket (self->connection)) > 0))
    return 0;
  return -1;
}

/* The path looks broken when TCP has had to send something of ours again
 * (a retransmission timeout fired: at least STALL_SILENCE_MS without an
 * acknowledgement) and not even the peer's host has sent a segment since:
 * a busy or stopped peer process still has its host acknowledge, and a
 * process of ours that was too busy to send anything expects no
 * acknowledgement. Said once per silence, so that the owner can try a fresh
 * connection beside this one (PROTOCOL.md section 11.3). */
static void
check_stalled (ShoalLink *self)
{
  gint64 data_ms, segment_ms;
  gboolean retransmitting;

  if (kernel_last_heard (self, &data_ms, &segment_ms, &retransmitting, NULL) &&
      retransmitting &&
      segment_ms >= MIN (STALL_SILENCE_MS, self->config.heartbeat_interval_ms))
    {
      if (self->stalled)
        return;
      g_debug ("Link with %s: nothing from the peer's host for %" G_GINT64_FORMAT " ms "
               "while TCP sends again", self->proven_id, segment_ms);
      self->stalled = TRUE;
      g_signal_emit (self, shoal_link_signals[SHOAL_LINK_SIGNAL_STALLED], 0);
    }
  else
    {
      self->stalled = FALSE;
    }
}

static gboolean
in_flight_cb (gpointer user_data)
{
  ShoalLink *self = user_data;
  gint64 data_ms, segment_ms;
  gboolean retransmitting;
  guint unacked = 0;

  if (!kernel_last_heard (self, &data_ms, &segment_ms, &retransmitting, &unacked) ||
      unacked == 0)
    {
      g_clear_pointer (&self->in_flight_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  check_stalled (self);
  return G_SOURCE_CONTINUE;
}

/* Data of ours went out: until TCP has it all acknowledged, the path is
 * checked every IN_FLIGHT_CHECK_MS, so that an outage with messages in
 * flight is found within moments of TCP's first retransmission rather
 * than on a heartbeat tick. An idle link (PINGs alone) costs no wakeup. */
void
shoal_link_watch_in_flight (ShoalLink *self)
{
  if (self->in_flight_source != NULL || self->state != LINK_STATE_ESTABLISHED)
    return;
  self->in_flight_source = shoal_timeout_attach (self->context, IN_FLIGHT_CHECK_MS,
                                                 in_flight_cb, self, NULL,
                                                 "[shoal] link in flight");
}

gboolean
shoal_link_heartbeat_cb (gpointer user_data)
{
  ShoalLink *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 timeout = (gint64) self->config.heartbeat_timeout_ms * 1000;

  /* Silence on the clock may be this end's doing: a CPU-starved host, or
   * one whose consumer is behind and that has stopped reading. The kernel
   * says whether the peer was heard all the same. */
  if (now - self->last_recv > timeout)
    {
      gint64 heard_us_ago = kernel_heard_us_ago (self);

      if (heard_us_ago >= 0 && heard_us_ago <= timeout)
        {
          g_debug ("Link with %s: silent on the clock, but its TCP connection heard the "
                   "peer %" G_GINT64_FORMAT " ms ago", self->proven_id, heard_us_ago / 1000);
          self->last_recv = now - heard_us_ago;
        }
    }

  if (now - self->last_recv > timeout)
    {
      g_autofree gchar *reason = g_strdup_printf ("timeout: nothing heard for %u ms",
                                                  self->config.heartbeat_timeout_ms);

      g_clear_pointer (&self->heartbeat_source, g_source_unref);
      shoal_link_abort (self, SHOAL_GOODBYE_TIMEOUT, reason);
      return G_SOURCE_REMOVE;
    }

  /* A peer that stops reading must not hold a link for ever; one that is
   * merely slow to take what it is sent (its consumer behind) pushes back
   * through TCP for a while, and its pings say it is alive. */
  if (!shoal_outbox_is_empty (self->outbox) &&
      now - self->last_write_progress > MAX (timeout, (gint64) WRITE_STALL_TIMEOUT_MS * 1000))
    {
      g_autofree gchar *reason = g_strdup_printf ("timeout: peer took nothing for %u ms",
                                                  MAX (self->config.heartbeat_timeout_ms,
                                                       WRITE_STALL_TIMEOUT_MS));

      g_clear_pointer (&self->heartbeat_source, g_source_unref);
      shoal_link_abort (self, SHOAL_GOODBYE_TIMEOUT, reason);
      return G_SOURCE_REMOVE;
    }

  shoal_link_queue_control (self, shoal_frame_encode_ping (SHOAL_FRAME_PING, (guint64) now));
  shoal_link_report_traffic (self, FALSE, 0, 0);
  check_stalled (self);
  return G_SOURCE_CONTINUE;
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
  g_free (self->last_group);
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
                  0, NULL, NULL, NULL, G_TYPE_NONE, 5,
                  G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_BOOLEAN);

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
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);

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

/**
 * shoal_link_get_silence_ms:
 * @self: a #ShoalLink
 *
 * Returns: how long nothing has been heard from the peer, in milliseconds:
 *   by this end, or by its TCP connection where this end has not read yet
 *   (busy, or paused by shoal_link_set_paused())
 */
guint
shoal_link_get_silence_ms (ShoalLink *self)
{
  gint64 silence = g_get_monotonic_time () - self->last_recv;
  gint64 heard_us_ago = kernel_heard_us_ago (self);

  if (heard_us_ago >= 0 && heard_us_ago < silence)
    silence = heard_us_ago;
  return (guint) CLAMP (silence / 1000, 0, G_MAXUINT);
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
