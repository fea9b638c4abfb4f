/* shoal-outbox.c: a link's queue of frames waiting to be written
 *
 * Messages are queued as they are sent and written in batches: everything
 * queued while the main loop was busy leaves in one vectored write, header
 * and payload side by side, the payload's bytes shared with the caller (and,
 * for a broadcast, with every other link) rather than copied. The outbox
 * remembers how far into its first frame the last write got, so a short
 * write resumes exactly where it stopped.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-outbox.h"

/* Vectors per writev: a header and a payload per frame. */
#define MAX_WRITE_VECTORS 512

typedef struct {
  guint8   header[SHOAL_FRAME_HEADER_SIZE];
  guint8   header_len;  /* 0 for control frames, encoded whole in @bytes */
  gboolean is_data;     /* counts as a message, and against the queue's bound */
  GBytes  *bytes;       /* (owned) the payload, or the whole control frame */
} OutFrame;

struct _ShoalOutbox
{
  GQueue frames;      /* (element-type OutFrame) */
  gsize  head_done;   /* bytes of the first frame already written */
  gsize  data_bytes;  /* payload bytes of the data frames queued */
};

static void
out_frame_free (OutFrame *frame)
{
  g_bytes_unref (frame->bytes);
  g_free (frame);
}

/**
 * shoal_outbox_new:
 *
 * Returns: (transfer full): an empty outbox
 */
ShoalOutbox *
shoal_outbox_new (void)
{
  ShoalOutbox *self = g_new0 (ShoalOutbox, 1);

  g_queue_init (&self->frames);
  return self;
}

void
shoal_outbox_free (ShoalOutbox *self)
{
  shoal_outbox_clear (self);
  g_free (self);
}

/**
 * shoal_outbox_push_data:
 * @self: a #ShoalOutbox
 * @type: %SHOAL_FRAME_UNICAST or %SHOAL_FRAME_BROADCAST
 * @payload: the message; its bytes are shared, not copied
 *
 * Queues a data frame; its header is written here, its payload referenced.
 */
void
shoal_outbox_push_data (ShoalOutbox    *self,
                        ShoalFrameType  type,
                        GBytes         *payload)
{
  OutFrame *frame = g_new (OutFrame, 1);
  gsize size = g_bytes_get_size (payload);

  shoal_frame_header_write (frame->header, type, (guint32) size);
  frame->header_len = SHOAL_FRAME_HEADER_SIZE;
  frame->is_data = TRUE;
  frame->bytes = g_bytes_ref (payload);
  self->data_bytes += size;
  g_queue_push_tail (&self->frames, frame);
}

/**
 * shoal_outbox_push_control:
 * @self: a #ShoalOutbox
 * @frame: (transfer full): a whole encoded control frame
 *
 * Queues a control frame (hello, ping, goodbye); it does not count against
 * the bound on queued data.
 */
void
shoal_outbox_push_control (ShoalOutbox *self,
                           GBytes      *frame)
{
  OutFrame *out = g_new0 (OutFrame, 1);

  out->bytes = frame;
  g_queue_push_tail (&self->frames, out);
}

/**
 * shoal_outbox_clear:
 * @self: a #ShoalOutbox
 *
 * Drops everything queued, written in part or not at all.
 */
void
shoal_outbox_clear (ShoalOutbox *self)
{
  g_queue_clear_full (&self->frames, (GDestroyNotify) out_frame_free);
  self->head_done = 0;
  self->data_bytes = 0;
}

gboolean
shoal_outbox_is_empty (ShoalOutbox *self)
{
  return g_queue_is_empty (&self->frames);
}

/**
 * shoal_outbox_in_mid_frame:
 * @self: a #ShoalOutbox
 *
 * Returns: whether the last write stopped inside a frame, so that nothing
 *   but the rest of that frame may follow on the stream
 */
gboolean
shoal_outbox_in_mid_frame (ShoalOutbox *self)
{
  return self->head_done > 0;
}

/**
 * shoal_outbox_get_data_bytes:
 * @self: a #ShoalOutbox
 *
 * Returns: payload bytes of the data frames not yet wholly written
 */
gsize
shoal_outbox_get_data_bytes (ShoalOutbox *self)
{
  return self->data_bytes;
}

/* Takes fully written frames off the queue and counts the data among them. */
static void
consume (ShoalOutbox *self,
         gsize        written,
         guint64     *messages,
         guint64     *bytes)
{
  while (written > 0)
    {
      OutFrame *head = g_queue_peek_head (&self->frames);
      gsize remain = head->header_len + g_bytes_get_size (head->bytes) - self->head_done;

      if (written < remain)
        {
          self->head_done += written;
          return;
        }

      written -= remain;
      self->head_done = 0;
      g_queue_pop_head (&self->frames);
      if (head->is_data)
        {
          gsize size = g_bytes_get_size (head->bytes);

          self->data_bytes -= size;
          *messages += 1;
          *bytes += size;
        }
      out_frame_free (head);
    }
}

/* Fills @vectors from the head of the queue, skipping what was written. */
static gsize
gather (ShoalOutbox   *self,
        GOutputVector *vectors)
{
  gsize n_vectors = 0;
  gsize skip = self->head_done;

  for (GList *l = self->frames.head; l != NULL && n_vectors + 2 <= MAX_WRITE_VECTORS; l = l->next)
    {
      OutFrame *frame = l->data;
      gsize size = 0;
      const guint8 *data = g_bytes_get_data (frame->bytes, &size);

      if (skip < frame->header_len)
        {
          vectors[n_vectors].buffer = frame->header + skip;
          vectors[n_vectors].size = frame->header_len - skip;
          n_vectors++;
          skip = 0;
        }
      else
        {
          skip -= frame->header_len;
        }

      if (size > skip)
        {
          vectors[n_vectors].buffer = data + skip;
          vectors[n_vectors].size = size - skip;
          n_vectors++;
        }
      skip = 0;
    }

  return n_vectors;
}

/**
 * shoal_outbox_write:
 * @self: a #ShoalOutbox
 * @stream: a non-blocking stream
 * @out_written: (out): bytes the stream took
 * @out_messages: (inout): incremented by the data frames wholly written
 * @out_bytes: (inout): incremented by their payload bytes
 * @error: return location for a #GError
 *
 * Writes as much of the queue as @stream takes without blocking.
 *
 * Returns: %SHOAL_OUTBOX_EMPTY once everything is written,
 *   %SHOAL_OUTBOX_BLOCKED if the stream pushed back, or
 *   %SHOAL_OUTBOX_FAILED with @error set
 */
ShoalOutboxResult
shoal_outbox_write (ShoalOutbox            *self,
                    GPollableOutputStream  *stream,
                    gsize                  *out_written,
                    guint64                *out_messages,
                    guint64                *out_bytes,
                    GError                **error)
{
  *out_written = 0;

  while (!g_queue_is_empty (&self->frames))
    {
      GOutputVector vectors[MAX_WRITE_VECTORS];
      gsize n_vectors = gather (self, vectors);
      gsize written = 0;
      GPollableReturn ret;

      ret = g_pollable_output_stream_writev_nonblocking (stream, vectors, n_vectors, &written,
                                                         NULL, error);
      if (ret == G_POLLABLE_RETURN_WOULD_BLOCK)
        return SHOAL_OUTBOX_BLOCKED;
      if (ret == G_POLLABLE_RETURN_FAILED)
        return SHOAL_OUTBOX_FAILED;

      *out_written += written;
      consume (self, written, out_messages, out_bytes);
    }

  return SHOAL_OUTBOX_EMPTY;
}
