/* shoal-link-private.h: between the files of a link (private)
 *
 * shoal-link.c has the link's life and its API; shoal-link-source.c its
 * source, which writes the queue and dispatches reads and reports;
 * shoal-link-input.c what it reads: hellos, goodbyes, data, acks, pings;
 * shoal-link-groups.c its groups.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-frame-reader.h"
#include "shoal-link.h"
#include "shoal-outbox.h"

G_BEGIN_DECLS

typedef enum {
  LINK_STATE_NEW,
  LINK_STATE_HANDSHAKING,
  LINK_STATE_ESTABLISHED,
  LINK_STATE_CLOSING,
  LINK_STATE_CLOSED,
} LinkState;

struct _ShoalLink
{
  GObject                parent_instance;

  GIOStream             *stream;          /* (owned) TLS over @connection */
  GSocketConnection     *connection;      /* (owned) the TCP connection under it */
  GPollableInputStream  *input;           /* (unowned) owned by @stream */
  GPollableOutputStream *output;          /* (unowned) owned by @stream */
  gchar                 *proven_id;       /* (owned) what the certificate proves */
  GBytes                *channel_binding; /* (owned) the TLS session's exporter */
  gboolean               accept;          /* our hello lets the peer in */
  ShoalLinkRefusal       refusal;
  GInetSocketAddress    *remote_address;  /* (owned) (nullable) */
  GMainContext          *context;         /* (owned) */
  GBytes                *hello_frame;     /* (owned) */
  ShoalLinkConfig        config;
  gboolean               outbound;

  LinkState              state;
  ShoalHello             remote;
  gboolean               remote_goodbye;
  guint32                remote_goodbye_code;
  gboolean               goodbye_queued;
  gboolean               write_shut;
  gchar                 *close_reason;    /* (owned) (nullable) the first reason wins */

  ShoalFrameReader      *reader;          /* (owned) */
  ShoalOutbox           *outbox;          /* (owned) frames waiting to be written */

  GSource               *io_source;       /* (owned) (nullable) a LinkSource */
  gpointer               io_tag;
  GIOCondition           io_events;       /* what @io_source watches now */
  gboolean               write_blocked;   /* the kernel took less than offered */
  gboolean               read_more;       /* the stream may hold bytes the socket does not */
  gboolean               pause_wanted;    /* the consumer is behind */
  gboolean               paused;          /* ...and the link is up: read nothing */
  gboolean               stalled;         /* the peer's host has been silent (check_stalled()) */
  guint64                ack_due;         /* the highest delivered sequence number to ack */
  guint64                ack_sent;        /* the highest acked on this link */
  GSource               *ack_source;      /* (owned) (nullable) batches acks */
  gboolean               frames_waiting;  /* whole frames read but not handled, while paused */
  gint64                 turn_started;    /* monotonic µs: this dispatch began */
  gchar                 *write_error;     /* (owned) (nullable) a failed write, for dispatch */
  gchar                 *last_group;      /* (owned) (nullable) a shoal_group_name: the group the
                                             last GROUP frame read named */
  gboolean               finish_pending;  /* both goodbyes through: finish in dispatch */
  guint64                sent_messages;   /* written since the last traffic signal */
  guint64                sent_bytes;
  GSource               *heartbeat_source; /* (owned) (nullable) */
  GSource               *in_flight_source; /* (owned) (nullable) checks the path while data is unacknowledged */
  GSource               *deadline_source; /* (owned) (nullable) handshake or linger */

  gint64                 last_recv;       /* monotonic µs */
  gint64                 last_write_progress;

  ShoalLinkReceiveFunc   receive_func;
  gpointer               receive_data;
  ShoalLinkPeersFunc     peers_func;
  gpointer               peers_data;
};

enum {
  SHOAL_LINK_SIGNAL_ESTABLISHED,
  SHOAL_LINK_SIGNAL_TRAFFIC,
  SHOAL_LINK_SIGNAL_ROUND_TRIP,
  SHOAL_LINK_SIGNAL_ACKED,
  SHOAL_LINK_SIGNAL_CLOSED,
  SHOAL_LINK_SIGNAL_STALLED,
  SHOAL_LINK_N_SIGNALS
};

extern guint shoal_link_signals[SHOAL_LINK_N_SIGNALS];

void     shoal_link_finish          (ShoalLink   *self,
                                     const gchar *reason);
void     shoal_link_set_reason      (ShoalLink   *self,
                                     const gchar *reason);
void     shoal_link_queue_control   (ShoalLink   *self,
                                     GBytes      *frame);
void     shoal_link_apply_pause     (ShoalLink   *self);
void     shoal_link_protocol_error  (ShoalLink   *self,
                                     const gchar *message);
gboolean shoal_link_heartbeat_cb    (gpointer     user_data);
gboolean shoal_link_process_frames  (ShoalLink   *self,
                                     guint64     *messages,
                                     guint64     *bytes);
gboolean shoal_link_read_available  (ShoalLink   *self,
                                     guint64     *messages,
                                     guint64     *bytes);
void     shoal_link_flush           (ShoalLink   *self);
void     shoal_link_watch_in_flight (ShoalLink   *self);
void     shoal_link_report_traffic  (ShoalLink   *self,
                                     gboolean     heard,
                                     guint64      messages_in,
                                     guint64      bytes_in);
void     shoal_link_source_attach   (ShoalLink   *self);

G_END_DECLS
