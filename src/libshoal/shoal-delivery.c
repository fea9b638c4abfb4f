/* shoal-delivery.c: one peer's streams of numbered messages
 *
 * Every message to a peer gets the next sequence number of this node's
 * stream to it and stays in the stream until the peer acknowledges it,
 * cumulatively, so that a new link can send again whatever the last one
 * may have lost. The receiving end hands a message on only if its number
 * is above the highest it handed on from the same session of the sender:
 * since every link carries a gapless, ordered run of the stream, starting
 * no later than the first message not yet acknowledged, that one rule
 * drops what arrives twice and keeps the order across links. The mesh
 * (shoal-mesh.c) decides when to send, resend, acknowledge and give up.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-delivery.h"

static void
outgoing_clear (ShoalOutgoing *message)
{
  g_clear_pointer (&message->payload, g_bytes_unref);
  g_clear_pointer (&message->group, shoal_group_name_release);
}

void
shoal_out_stream_init (ShoalOutStream *stream)
{
  stream->messages = g_array_new (FALSE, FALSE, sizeof (ShoalOutgoing));
  g_array_set_clear_func (stream->messages, (GDestroyNotify) outgoing_clear);
  stream->head = 0;
  stream->next_seq = 1;
  stream->bytes = 0;
}

/* Drops every message without a report: for a node that is going away
 * and has already reported them. */
void
shoal_out_stream_clear (ShoalOutStream *stream)
{
  g_clear_pointer (&stream->messages, g_array_unref);
  stream->head = 0;
  stream->bytes = 0;
}

/* The acknowledged head is given back once it is most of the array. */
static void
compact (ShoalOutStream *stream)
{
  if (stream->head == stream->messages->len)
    {
      g_array_set_size (stream->messages, 0);
      stream->head = 0;
    }
  else if (stream->head >= 1024 && stream->head * 2 >= stream->messages->len)
    {
      g_array_remove_range (stream->messages, 0, stream->head);
      stream->head = 0;
    }
}

/**
 * shoal_out_stream_get_length:
 * @stream: a peer's outgoing stream
 *
 * Returns: how many messages are kept
 */
guint
shoal_out_stream_get_length (ShoalOutStream *stream)
{
  return stream->messages->len - stream->head;
}

/**
 * shoal_out_stream_get:
 * @stream: a peer's outgoing stream
 * @index: 0 for the oldest kept, up to shoal_out_stream_get_length() - 1
 *
 * Returns: (transfer none): the message, valid until the stream changes
 */
ShoalOutgoing *
shoal_out_stream_get (ShoalOutStream *stream,
                      guint           index)
{
  return &g_array_index (stream->messages, ShoalOutgoing, stream->head + index);
}

/**
 * shoal_out_stream_push:
 * @stream: a peer's outgoing stream
 * @id: the message's id, as its sender was told
 * @payload: the message; shared, not copied
 * @type: the frame it travels in: %SHOAL_FRAME_UNICAST, %SHOAL_FRAME_BROADCAST
 *   or %SHOAL_FRAME_GROUP
 * @group: (nullable): for %SHOAL_FRAME_GROUP, the group: a name from
 *   shoal_group_name_new(), of which the message takes one more reference
 *
 * Returns: (transfer none): the message, numbered, kept until acknowledged;
 *   valid until the stream changes
 */
ShoalOutgoing *
shoal_out_stream_push (ShoalOutStream *stream,
                       guint64         id,
                       GBytes         *payload,
                       guint8          type,
                       const gchar    *group)
{
  ShoalOutgoing message = {
    .id = id,
    .seq = stream->next_seq++,
    .payload = g_bytes_ref (payload),
    .type = type,
    .group = group != NULL ? shoal_group_name_acquire ((gchar *) group) : NULL,
  };

  stream->bytes += SHOAL_OUTGOING_COST (g_bytes_get_size (payload));
  g_array_append_val (stream->messages, message);
  return &g_array_index (stream->messages, ShoalOutgoing, stream->messages->len - 1);
}

/**
 * shoal_out_stream_ack:
 * @stream: a peer's outgoing stream
 * @seq: the peer delivered every message up to this one
 * @acked_ids: (element-type guint64): where the ids of the messages that
 *   this acknowledges are appended, oldest first
 * @freed_bytes: (out): what the messages no longer kept cost
 *
 * Returns: %FALSE if @seq acknowledges a number never sent: a peer that
 *   lies, or that answers another session's stream
 */
gboolean
shoal_out_stream_ack (ShoalOutStream *stream,
                      guint64         seq,
                      GArray         *acked_ids,
                      gsize          *freed_bytes)
{
  *freed_bytes = 0;
  if (seq >= stream->next_seq)
    return FALSE;

  while (stream->head < stream->messages->len)
    {
      ShoalOutgoing *head = &g_array_index (stream->messages, ShoalOutgoing, stream->head);
      gsize cost;

      if (head->seq > seq)
        break;
      cost = SHOAL_OUTGOING_COST (g_bytes_get_size (head->payload));
      g_array_append_val (acked_ids, head->id);
      *freed_bytes += cost;
      stream->bytes -= cost;
      outgoing_clear (head);
      stream->head++;
    }
  compact (stream);
  return TRUE;
}

/**
 * shoal_out_stream_take_all:
 * @stream: a peer's outgoing stream
 * @ids: (element-type guint64): where the ids of every message kept are
 *   appended, oldest first
 * @freed_bytes: (out): what the messages no longer kept cost
 *
 * Gives up on every message kept: they will be reported failed. The
 * numbering goes on, so the peer, which may have delivered some of them,
 * never sees a number twice.
 */
void
shoal_out_stream_take_all (ShoalOutStream *stream,
                           GArray         *ids,
                           gsize          *freed_bytes)
{
  *freed_bytes = stream->bytes;
  for (guint i = stream->head; i < stream->messages->len; i++)
    g_array_append_val (ids, g_array_index (stream->messages, ShoalOutgoing, i).id);
  /* The clear function drops the payloads of those not acknowledged. */
  g_array_set_size (stream->messages, 0);
  stream->head = 0;
  stream->bytes = 0;
}

gboolean
shoal_out_stream_is_empty (ShoalOutStream *stream)
{
  return stream->head == stream->messages->len;
}

ShoalInStream *
shoal_in_stream_new (void)
{
  return g_new0 (ShoalInStream, 1);
}

void
shoal_in_stream_free (ShoalInStream *stream)
{
  g_free (stream->session_id);
  g_free (stream);
}

/**
 * shoal_in_stream_start:
 * @stream: a peer's incoming stream
 * @session_id: the session of the peer's new link
 *
 * A link came up: a new session of the peer numbers its messages afresh.
 *
 * Returns: %TRUE if the session is new, and the stream starts over
 */
gboolean
shoal_in_stream_start (ShoalInStream *stream,
                       const gchar   *session_id)
{
  if (g_strcmp0 (stream->session_id, session_id) == 0)
    return FALSE;

  g_free (stream->session_id);
  stream->session_id = g_strdup (session_id);
  stream->delivered = 0;
  return TRUE;
}

/**
 * shoal_in_stream_accept:
 * @stream: a peer's incoming stream
 * @session_id: the session of the link the message came on
 * @seq: its sequence number
 *
 * Returns: %TRUE if the message is to be handed on, and it now counts as
 *   delivered; %FALSE if it was already, or belongs to a session of the
 *   peer that is over
 */
gboolean
shoal_in_stream_accept (ShoalInStream *stream,
                        const gchar   *session_id,
                        guint64        seq)
{
  if (g_strcmp0 (stream->session_id, session_id) != 0 || seq <= stream->delivered)
    return FALSE;

  stream->delivered = seq;
  return TRUE;
}
