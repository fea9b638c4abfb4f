/* shoal-link-input.c: what a link reads
 *
 * Whole frames cut out of each read (ShoalFrameReader), handled in order:
 * the peer's hello, checked against what TLS proved and against both ends'
 * admission; data, handed to the receive function with its sequence number;
 * acks; pings and pongs; the peer's goodbye. Reading stops while the
 * consumer is behind (the link is paused) and leaves what was read waiting.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-delivery.h"
#include "shoal-error.h"
#include "shoal-link-private.h"
#include "shoal-source.h"
#include "shoal-trust.h"

/* A dispatch's share of the consumer: at most this many messages, and no
 * longer than MAX_TURN_US. A peer that floods gets its share, and no more,
 * before the other links and the rest of the main loop (a daemon's own
 * D-Bus methods) have had theirs. The count bounds a consumer that takes
 * messages cheaply; the time one whose every message costs (shoald emits a
 * D-Bus signal for each, some 30 µs: 1024 of them would hold the main loop
 * for 30 ms). The clock is read once per TURN_CHECK_EVERY messages. */
#define MAX_MESSAGES_PER_DISPATCH 1024
#define MAX_TURN_US 1000
#define TURN_CHECK_EVERY 16

/* Reads per dispatch before yielding to other sources, so one busy link
 * cannot starve the others. */
#define MAX_READS_PER_DISPATCH 16

static void
refuse (ShoalLink        *self,
        ShoalLinkRefusal  refusal,
        const gchar      *reason)
{
  self->refusal = refusal;
  shoal_link_abort (self, SHOAL_GOODBYE_NOT_TRUSTED, reason);
}

/* Both ends judge both proofs alike, so they refuse each other together: a
 * node without a key refuses a peer that proves one, since that peer is
 * about to refuse it, and neither sees the link come up and go. */
static gboolean
check_network_key (ShoalLink *self)
{
  GBytes *key = self->config.network_key;
  g_autoptr(GBytes) expected = NULL;

  if (key == NULL && self->remote.proof == NULL)
    return TRUE;

  if (key == NULL)
    {
      refuse (self, SHOAL_LINK_REFUSAL_KEY,
              "not trusted: the peer proves a network key and this node has none");
      return FALSE;
    }

  if (self->remote.proof == NULL)
    {
      refuse (self, SHOAL_LINK_REFUSAL_KEY,
              "not trusted: the peer has no network key");
      return FALSE;
    }

  expected = shoal_network_key_proof (key, self->channel_binding, self->remote.peer_id);
  if (!shoal_network_key_proof_equal (expected, self->remote.proof))
    {
      refuse (self, SHOAL_LINK_REFUSAL_KEY,
              "not trusted: the peer holds another network key");
      return FALSE;
    }

  return TRUE;
}

/* What each end said of the other in its hello, decided before either was
 * sent: a link either side refuses never comes up on either. */
static gboolean
check_admission (ShoalLink *self)
{
  if (!self->accept)
    {
      refuse (self, SHOAL_LINK_REFUSAL_BY_US, "not trusted by this node");
      return FALSE;
    }

  if (!self->remote.accept)
    {
      refuse (self, SHOAL_LINK_REFUSAL_BY_PEER, "not trusted by the peer");
      return FALSE;
    }

  return TRUE;
}

static void
handle_hello (ShoalLink *self,
              GBytes    *body)
{
  g_auto(ShoalHello) hello = { 0, };
  g_autoptr(GError) error = NULL;
  guint32 version = 0;

  if (self->state != LINK_STATE_HANDSHAKING)
    {
      shoal_link_protocol_error (self, "a second hello");
      return;
    }

  if (!shoal_frame_decode_hello (body, &hello, &error))
    {
      shoal_link_protocol_error (self, error->message);
      return;
    }

  if (!shoal_hello_negotiate (&hello, &version, &error))
    {
      shoal_link_abort (self, SHOAL_GOODBYE_VERSION_MISMATCH, error->message);
      return;
    }

  /* An id is what a key proves, never what a hello says. */
  if (!g_str_equal (hello.peer_id, self->proven_id))
    {
      g_autofree gchar *message =
        g_strdup_printf ("hello claims peer id %s but the certificate proves %s", hello.peer_id,
                         self->proven_id);

      shoal_link_protocol_error (self, message);
      return;
    }

  self->remote = hello;
  memset (&hello, 0, sizeof hello);

  if (!check_network_key (self) || !check_admission (self))
    return;

  self->state = LINK_STATE_ESTABLISHED;
  shoal_source_clear (&self->deadline_source);
  self->heartbeat_source = shoal_timeout_attach (self->context, self->config.heartbeat_interval_ms,
                                                 shoal_link_heartbeat_cb, self, NULL, "[shoal] link heartbeat");

  g_debug ("Link %s %s (%s) established, protocol %u", self->outbound ? "to" : "from",
           self->remote.peer_id, self->remote.name, version);
  shoal_link_apply_pause (self);
  g_signal_emit (self, shoal_link_signals[SHOAL_LINK_SIGNAL_ESTABLISHED], 0);
}

static void
handle_goodbye (ShoalLink *self,
                GBytes    *body)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *message = NULL;
  guint32 code = 0;

  if (!shoal_frame_decode_goodbye (body, &code, &message, &error))
    {
      shoal_link_protocol_error (self, error->message);
      return;
    }

  if (message != NULL)
    g_strcanon (message, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS " .,:;-_()[]/'\"+=#%@!?", '?');
  g_debug ("Goodbye from %s: %s%s%s", self->proven_id,
           shoal_goodbye_code_to_string (code), message != NULL ? ", " : "",
           message != NULL ? message : "");
  if (self->state == LINK_STATE_HANDSHAKING)
    {
      /* A link that never came up: the peer's own words say why. */
      g_autofree gchar *reason =
        code == SHOAL_GOODBYE_NOT_TRUSTED ?
          g_strdup_printf ("not trusted by the peer%s%s%s", message != NULL ? " (it says: " : "",
                           message != NULL ? message : "", message != NULL ? ")" : "") :
          g_strdup_printf ("the peer ended the handshake: %s%s%s",
                           shoal_goodbye_code_to_string (code), message != NULL ? ": " : "",
                           message != NULL ? message : "");

      shoal_link_set_reason (self, reason);
    }
  shoal_link_set_reason (self, shoal_goodbye_code_to_string (code));
  self->remote_goodbye = TRUE;
  self->remote_goodbye_code = code;
  if (code == SHOAL_GOODBYE_NOT_TRUSTED && self->state == LINK_STATE_HANDSHAKING)
    {
      g_message ("Link %s %s: refused by the peer (not trusted)%s%s",
                 self->outbound ? "to" : "from", self->proven_id,
                 message != NULL ? ": " : "", message != NULL ? message : "");
      self->refusal = SHOAL_LINK_REFUSAL_BY_PEER;
    }

  if (self->write_shut)
    {
      shoal_link_finish (self, NULL);
      return;
    }

  if (!self->goodbye_queued)
    {
      shoal_link_close (self, code, NULL);
      return;
    }
}

/* Returns FALSE when reading must stop: the link failed or the peer said
 * goodbye. */
gboolean
shoal_link_process_frames (ShoalLink *self,
                           guint64   *messages,
                           guint64   *bytes)
{
  for (;;)
    {
      ShoalFrameHeader header;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) error = NULL;
      ShoalFrameReadResult result;

      /* The consumer fell behind, or this link had its share of the
       * dispatch: what is read stays where it is, and the other links get
       * their turn before this one goes on. */
      if (self->paused || *messages >= MAX_MESSAGES_PER_DISPATCH ||
          (*messages % TURN_CHECK_EVERY == TURN_CHECK_EVERY - 1 &&
           g_get_monotonic_time () - self->turn_started >= MAX_TURN_US))
        {
          self->frames_waiting = TRUE;
          return TRUE;
        }

      result = shoal_frame_reader_pop (self->reader, &header, &body, &error);
      if (result == SHOAL_FRAME_READ_NEED_MORE)
        return TRUE;
      if (result == SHOAL_FRAME_READ_ERROR)
        {
          shoal_link_protocol_error (self, error->message);
          return FALSE;
        }

      /* A goodbye may come first: a refusal, such as an overloaded node's. */
      if (self->state == LINK_STATE_HANDSHAKING && header.type != SHOAL_FRAME_HELLO &&
          header.type != SHOAL_FRAME_GOODBYE)
        {
          g_autofree gchar *message =
            g_strdup_printf ("expected hello, got %s", shoal_frame_type_to_string (header.type));

          shoal_link_protocol_error (self, message);
          return FALSE;
        }

      switch (header.type)
        {
        case SHOAL_FRAME_UNICAST:
        case SHOAL_FRAME_BROADCAST:
          {
            g_autoptr(GBytes) payload = NULL;
            guint64 seq = 0;

            if (!shoal_frame_decode_data (body, &seq, &payload, &error))
              {
                shoal_link_protocol_error (self, error->message);
                return FALSE;
              }
            *messages += 1;
            *bytes += g_bytes_get_size (payload);
            /* Our goodbye carried the last ack this link will send: what
             * comes after it is left unacknowledged, for the next link. */
            if (self->receive_func != NULL && !self->goodbye_queued)
              self->receive_func (self->receive_data, header.type, seq, payload, NULL);
          }
          break;

        case SHOAL_FRAME_GROUP:
          {
            g_autoptr(GBytes) payload = NULL;
            gchar *group = NULL;
            guint64 seq = 0;

            /* Messages to one group come in runs: its name is copied and
             * judged once per run, not once per message, and most frames
             * leave it out. The frame after this one may do so too, even
             * if it is read by a nested main loop in the consumer while
             * this one is handed on: the link keeps the name it needs for
             * that, and this frame's group is a reference of its own. */
            if (!shoal_frame_decode_group (body, self->last_group, &seq, &group, &payload, &error))
              {
                shoal_link_protocol_error (self, error->message);
                return FALSE;
              }
            if (group != self->last_group)
              {
                g_clear_pointer (&self->last_group, shoal_group_name_release);
                self->last_group = shoal_group_name_acquire (group);
              }
            *messages += 1;
            *bytes += g_bytes_get_size (payload);
            if (self->receive_func != NULL && !self->goodbye_queued)
              self->receive_func (self->receive_data, header.type, seq, payload, group);
            shoal_group_name_release (group);
          }
          break;

        case SHOAL_FRAME_JOIN:
        case SHOAL_FRAME_LEAVE:
          {
            g_autofree gchar *group = NULL;

            if (!shoal_frame_decode_membership (body, &group, &error))
              {
                shoal_link_protocol_error (self, error->message);
                return FALSE;
              }
            /* The receiver judges the count: it knows the peer's groups. */
            if (self->receive_func != NULL && self->state == LINK_STATE_ESTABLISHED)
              self->receive_func (self->receive_data, header.type, 0, NULL, group);
          }
          break;

        case SHOAL_FRAME_ACK:
          {
            guint64 seq = 0;

            if (!shoal_frame_decode_ack (body, &seq, &error))
              {
                shoal_link_protocol_error (self, error->message);
                return FALSE;
              }
            if (self->state == LINK_STATE_ESTABLISHED || self->state == LINK_STATE_CLOSING)
              g_signal_emit (self, shoal_link_signals[SHOAL_LINK_SIGNAL_ACKED], 0, seq);
          }
          break;

        case SHOAL_FRAME_PING:
          {
            guint64 stamp = 0;

            if (!shoal_frame_decode_ping (body, &stamp, &error))
              {
                shoal_link_protocol_error (self, error->message);
                return FALSE;
              }
            if (self->state == LINK_STATE_ESTABLISHED)
              shoal_link_queue_control (self, shoal_frame_encode_ping (SHOAL_FRAME_PONG, stamp));
          }
          break;

        case SHOAL_FRAME_PONG:
          {
            guint64 stamp = 0;
            gint64 now = g_get_monotonic_time ();

            if (!shoal_frame_decode_ping (body, &stamp, &error))
              {
                shoal_link_protocol_error (self, error->message);
                return FALSE;
              }
            /* The stamp is ours, echoed: anything in the future is a lie. */
            if (stamp <= (guint64) now)
              g_signal_emit (self, shoal_link_signals[SHOAL_LINK_SIGNAL_ROUND_TRIP], 0, (guint64) now - stamp);
          }
          break;

        case SHOAL_FRAME_PEERS:
          /* Judged by the mesh, which knows whether both sides announced
           * peer exchange. */
          if (self->state == LINK_STATE_ESTABLISHED && self->peers_func != NULL)
            self->peers_func (self->peers_data, body);
          break;

        case SHOAL_FRAME_HELLO:
          handle_hello (self, body);
          break;

        case SHOAL_FRAME_GOODBYE:
          handle_goodbye (self, body);
          return FALSE;

        default:
          /* The reader refuses unknown types before they get here. */
          g_assert_not_reached ();
        }

      if (self->state == LINK_STATE_CLOSED)
        return FALSE;
    }
}

/* Reads what the socket has, a bounded number of times so one busy link
 * cannot starve the others, and handles every whole frame. Returns whether
 * anything was heard. */
gboolean
shoal_link_read_available (ShoalLink *self,
                           guint64   *messages,
                           guint64   *bytes)
{
  gboolean heard = FALSE;

  for (guint round = 0; round < MAX_READS_PER_DISPATCH; round++)
    {
      g_autoptr(GError) error = NULL;
      gsize size = 0;
      guint8 *buffer = shoal_frame_reader_get_buffer (self->reader, &size);
      gssize n;

      n = g_pollable_input_stream_read_nonblocking (self->input, buffer, size, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          shoal_frame_reader_release (self->reader);
          self->read_more = FALSE;
          break;
        }

      if (n < 0)
        {
          g_autofree gchar *reason = g_strdup_printf ("read failed: %s", error->message);

          shoal_link_finish (self, reason);
          break;
        }

      if (n == 0)
        {
          if (shoal_frame_reader_get_pending (self->reader) > 0)
            g_message ("Link %s %s: stream ended inside a frame",
                       self->outbound ? "to" : "from",
                       self->proven_id);
          shoal_link_finish (self, self->state == LINK_STATE_CLOSING ? NULL : "connection closed");
          break;
        }

      heard = TRUE;
      self->last_recv = g_get_monotonic_time ();
      shoal_frame_reader_commit (self->reader, (gsize) n);
      if (!shoal_link_process_frames (self, messages, bytes) || self->remote_goodbye)
        break;
      if (self->paused || self->frames_waiting)
        {
          self->read_more = TRUE;
          break;
        }

      /* TLS hands out a record at a time, and keeps what did not fit in the
       * buffer: only "would block" says the stream is dry. Past the bound,
       * the next dispatch goes on without waiting for the socket. */
      self->read_more = TRUE;
    }

  return heard;
}


/**
 * shoal_link_set_peers_func:
 * @self: a #ShoalLink
 * @func: (nullable): called with each PEERS frame's body once established
 * @user_data: for @func
 */
void
shoal_link_set_peers_func (ShoalLink          *self,
                           ShoalLinkPeersFunc  func,
                           gpointer            user_data)
{
  g_return_if_fail (SHOAL_IS_LINK (self));

  self->peers_func = func;
  self->peers_data = user_data;
}

/**
 * shoal_link_send_control:
 * @self: a #ShoalLink
 * @frame: a whole control frame (header included), such as PEERS
 *
 * Queues @frame on an established link; a link in any other state drops it.
 */
void
shoal_link_send_control (ShoalLink *self,
                         GBytes    *frame)
{
  g_return_if_fail (SHOAL_IS_LINK (self));

  if (self->state != LINK_STATE_ESTABLISHED)
    return;
  shoal_link_queue_control (self, g_bytes_ref (frame));
}
