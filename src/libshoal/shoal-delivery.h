/* shoal-delivery.h: one peer's streams of numbered messages (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "shoal-group-name.h"

G_BEGIN_DECLS

/* A message sent to one peer and not yet acknowledged by it. */
typedef struct {
  guint64   id;         /* what the sender's caller was told */
  guint64   seq;        /* its place in the stream to that peer */
  GBytes   *payload;    /* (owned) shared with every other recipient */
  guint8    type;       /* the data frame it travels in (ShoalFrameType) */
  gchar    *group;      /* (owned) (nullable) a shoal_group_name: the group of a GROUP frame */
} ShoalOutgoing;

/* What a kept message counts against the store's bounds: its payload, and
 * what keeping it costs besides, so that empty messages are bounded too. */
#define SHOAL_OUTGOING_COST(payload_size) ((gsize) (payload_size) + 64)

/* What this node sends one peer: numbered from 1 for the whole life of
 * the node, kept until the peer acknowledges them. */
typedef struct {
  GArray  *messages;    /* (element-type ShoalOutgoing) (owned) oldest first, from @head:
                           one allocation for many messages, on the hot path */
  guint    head;        /* the first kept; those before it are acknowledged */
  guint64  next_seq;
  gsize    bytes;       /* what @messages cost: SHOAL_OUTGOING_COST() of each */
} ShoalOutStream;

/* What this node received from one peer: the peer's session, and the
 * highest sequence number of that session handed to the consumer. */
typedef struct {
  gchar   *session_id;  /* (owned) (nullable) */
  guint64  delivered;
} ShoalInStream;

void            shoal_out_stream_init     (ShoalOutStream *stream);
void            shoal_out_stream_clear    (ShoalOutStream *stream);
guint           shoal_out_stream_get_length (ShoalOutStream *stream);
ShoalOutgoing  *shoal_out_stream_get      (ShoalOutStream *stream,
                                           guint           index);
ShoalOutgoing  *shoal_out_stream_push     (ShoalOutStream *stream,
                                           guint64         id,
                                           GBytes         *payload,
                                           guint8          type,
                                           const gchar    *group);
gboolean        shoal_out_stream_ack      (ShoalOutStream *stream,
                                           guint64         seq,
                                           GArray         *acked_ids,
                                           gsize          *freed_bytes);
void            shoal_out_stream_take_all (ShoalOutStream *stream,
                                           GArray         *ids,
                                           gsize          *freed_bytes);
gboolean        shoal_out_stream_is_empty (ShoalOutStream *stream);

ShoalInStream  *shoal_in_stream_new       (void);
void            shoal_in_stream_free      (ShoalInStream  *stream);
gboolean        shoal_in_stream_start     (ShoalInStream  *stream,
                                           const gchar    *session_id);
gboolean        shoal_in_stream_accept    (ShoalInStream  *stream,
                                           const gchar    *session_id,
                                           guint64         seq);

G_END_DECLS
