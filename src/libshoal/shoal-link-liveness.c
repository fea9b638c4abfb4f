/* shoal-link-liveness.c: whether a link's peer is still there
 *
 * A link judges its peer by silence: on its own clock (the heartbeat), and
 * by what this host's TCP stack has heard, which also knows of a peer this
 * process has not read yet (busy, or holding its messages) and of data of
 * ours that the peer's host has stopped acknowledging (a broken path).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "shoal-link-private.h"
#include "shoal-outbox.h"
#include "shoal-source.h"

/* How long a peer may take nothing we write before the link is given up. */
#define WRITE_STALL_TIMEOUT_MS 30000

/* Linux 6.15's per-connection limits, which older headers lack. */
#ifndef TCP_RTO_MIN_US
#define TCP_RTO_MIN_US 45
#endif
#ifndef TCP_DELACK_MAX_US
#define TCP_DELACK_MAX_US 46
#endif

/* The least retransmission timeout of a link's connection, where the kernel
 * lets us set it: Linux's default of 200 ms is made for the Internet, and
 * on a LAN it is most of what a short outage costs. */
#define LINK_RTO_MIN_US 20000
/* How long the peer's host may hold back an acknowledgement: well under the
 * retransmission timeout, or every lone segment would be sent twice. */
#define LINK_DELACK_MAX_US 5000

/* Silence from the peer's host that, with a retransmission of ours already
 * fired, marks a path as probably broken: a path that merely lost a segment
 * has had TCP send it again (20 ms, or Linux's default 200 ms) and heard an
 * answer well within it. (Or the heartbeat interval, if shorter.) */
#define STALL_SILENCE_MS 80

/* How often a link with data unacknowledged checks its path. */
#define IN_FLIGHT_CHECK_MS 25

/* What this host's TCP stack says of the connection, whether or not this
 * process has read anything: when it last received the peer's data and any
 * segment of the peer's (an acknowledgement of ours included), in
 * milliseconds ago, and how many retransmission timeouts have fired in a
 * row on data of ours that is still unacknowledged (0: none, or nothing
 * unacknowledged). FALSE where it cannot say. */
static gboolean
kernel_last_heard (ShoalLink *self,
                   gint64    *data_ms,
                   gint64    *segment_ms,
                   guint     *timeouts,
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
      *timeouts = info.tcpi_unacked > 0 ? info.tcpi_retransmits : 0;
      if (unacked != NULL)
        *unacked = info.tcpi_unacked;
      return TRUE;
    }
#endif
  return FALSE;
}

/**
 * shoal_link_tune_socket:
 * @socket: the TCP socket of a link: best before its first segment (the
 *   listening socket, whose accepted connections inherit the settings, or a
 *   dialled socket before it connects), at the latest before its TLS
 *   handshake, which runs under the same settings
 *
 * Sets what a link expects of its TCP connection (PROTOCOL.md section 1):
 * no Nagle delay, prompt acknowledgements and, where the kernel allows
 * (Linux 6.15 and later), a retransmission timeout from 20 ms rather than
 * 200 ms, so that a segment lost in a short outage is sent again within
 * moments of the path coming back. A kernel that refuses keeps its defaults.
 */
void
shoal_link_tune_socket (GSocket *socket)
{
  gint fd = g_socket_get_fd (socket);
  gint delack_us = LINK_DELACK_MAX_US;
  gint rto_min_us;
  socklen_t length = sizeof delack_us;

  /* Batching is ours: the link's queue coalesces small frames. And the
   * handshake is small writes in a row, which Nagle's algorithm would hold
   * back until the peer's delayed ACK, 40 ms later. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  /* The kernel rounds the delay up to its clock ticks (8 ms at 250 Hz); the
   * retransmission timeout must stay clear of what it kept, or a peer's
   * delayed acknowledgement would look like a loss. */
  if (setsockopt (fd, IPPROTO_TCP, TCP_DELACK_MAX_US, &delack_us, sizeof delack_us) != 0 ||
      getsockopt (fd, IPPROTO_TCP, TCP_DELACK_MAX_US, &delack_us, &length) != 0)
    {
      g_debug ("Keeping the kernel's TCP timers: %s", g_strerror (errno));
      return;
    }
  rto_min_us = MAX (LINK_RTO_MIN_US, 2 * delack_us);
  if (setsockopt (fd, IPPROTO_TCP, TCP_RTO_MIN_US, &rto_min_us, sizeof rto_min_us) != 0)
    g_debug ("Keeping the kernel's retransmission timeout: %s", g_strerror (errno));
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
  guint timeouts;

  if (kernel_last_heard (self, &data_ms, &segment_ms, &timeouts, NULL))
    return (self->paused ? segment_ms : data_ms) * 1000;

  /* Without the kernel's word, bytes waiting say the peer spoke, not when. */
  if (!self->paused &&
      (self->read_more || self->frames_waiting ||
       g_socket_get_available_bytes (g_socket_connection_get_socket (self->connection)) > 0))
    return 0;
  return -1;
}

/* The path looks broken when TCP has had to send something of ours again
 * (a retransmission timeout fired) and either not even the peer's host has
 * sent a segment for STALL_SILENCE_MS, or a second timeout has fired with
 * nothing of ours acknowledged: a busy or stopped peer process still has
 * its host acknowledge, and a process of ours that was too busy to send
 * anything expects no acknowledgement. The second case is a path that has
 * come back while TCP backs off: the peer's own PINGs arrive, but our data
 * waits for the next timeout, 80 ms or more away. Said once per silence,
 * so that the owner can try a fresh connection beside this one (PROTOCOL.md
 * section 11.3). */
static void
judge_path (ShoalLink *self,
            gint64     segment_ms,
            guint      timeouts)
{
  if (timeouts >= 2 ||
      (timeouts == 1 && segment_ms >= MIN (STALL_SILENCE_MS, self->config.heartbeat_interval_ms)))
    {
      if (self->stalled)
        return;
      g_debug ("Link with %s: nothing from the peer's host for %" G_GINT64_FORMAT " ms "
               "while TCP sends again (%u timeouts in a row)", self->proven_id, segment_ms,
               timeouts);
      self->stalled = TRUE;
      g_signal_emit (self, shoal_link_signals[SHOAL_LINK_SIGNAL_STALLED], 0);
    }
  else
    {
      self->stalled = FALSE;
    }
}

static void
check_stalled (ShoalLink *self)
{
  gint64 data_ms, segment_ms;
  guint timeouts;

  if (kernel_last_heard (self, &data_ms, &segment_ms, &timeouts, NULL))
    judge_path (self, segment_ms, timeouts);
  else
    self->stalled = FALSE;
}

static gboolean
in_flight_cb (gpointer user_data)
{
  ShoalLink *self = user_data;
  gint64 data_ms, segment_ms;
  guint timeouts;
  guint unacked = 0;

  if (!kernel_last_heard (self, &data_ms, &segment_ms, &timeouts, &unacked) ||
      unacked == 0)
    {
      /* Everything acknowledged (or the kernel cannot say, as in
       * check_stalled()): the next silence is a new one, to be said. */
      self->stalled = FALSE;
      g_clear_pointer (&self->in_flight_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  judge_path (self, segment_ms, timeouts);
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

/**
 * shoal_link_check_path:
 * @self: a #ShoalLink
 *
 * Sends a PING now and watches it as data in flight: if the peer's host
 * does not acknowledge it while TCP sends it again, the link reports itself
 * stalled within moments (PROTOCOL.md section 11.3), rather than on a
 * heartbeat tick or not at all on an idle link. For when the machine's
 * network changed: an interface back up after an outage may find TCP
 * backing off, or its peers redialling into its stale neighbour entries.
 */
void
shoal_link_check_path (ShoalLink *self)
{
  g_return_if_fail (SHOAL_IS_LINK (self));

  if (self->state != LINK_STATE_ESTABLISHED)
    return;
  shoal_link_queue_control (self, shoal_frame_encode_ping (SHOAL_FRAME_PING,
                                                           (guint64) g_get_monotonic_time ()));
  shoal_link_watch_in_flight (self);
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
