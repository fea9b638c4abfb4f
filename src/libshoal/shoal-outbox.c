/* shoal-outbox.c: a link's queue of frames waiting to be written
 *
 * Messages are queued as they are sent, their payload's bytes shared with
 * the caller (and, for a broadcast, with every other link), and written in
 * batches. The stream is TLS, which makes one record of every write: small
 * frames are gathered into writes of a record's size (16 KiB), so a burst of
 * small messages costs one record and one system call per 16 KiB rather
 * than two per message, and a large payload is handed over in place. The
 * outbox remembers how far into its first frame the last write got, so a
 * short write resumes exactly where it stopped.
 *
 * A GROUP frame leaves its name out when the GROUP frame queued before it
 * named the same group: frames leave in the order they are queued, and
 * the peer reads them in that order.
 *
 * After "would block", GnuTLS wants the same bytes offered again: it has
 * already sealed them into a record and sends that, whatever the next call
 * passes. Nothing is taken off the queue until a write succeeds, so the next
 * write starts with the same bytes; it may offer more, and is told how many
 * of them the record held.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-delivery.h"
#include "shoal-outbox.h"

/* Vectors per gather: a header and a payload per frame. */
#define MAX_WRITE_VECTORS 512
/* The most plaintext one TLS record carries. */
#define RECORD_SIZE (16 * 1024)

typedef struct {
  guint16  header_len;  /* 0 for control frames, encoded whole in @bytes */
  gboolean is_data;     /* counts as a message, and against the queue's bound */
  GBytes  *bytes;       /* (owned) the payload, or the whole control frame */
  guint8   header[];    /* @header_len bytes: the header, the sequence number, and a
                           group frame's name; a data frame's own, its payload shared */
} OutFrame;

struct _ShoalOutbox
{
  GQueue frames;      /* (element-type OutFrame) */
  gsize  head_done;   /* bytes of the first frame already written */
  gboolean record_pending;  /* the stream may hold a record half sent */
  gsize  data_bytes;  /* payload bytes of the data frames queued */
  gchar *last_group;  /* (owned) (nullable) a shoal_group_name: the group the
                         last GROUP frame queued named */
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
 * @seq: the message's sequence number on this stream
 * @payload: the message; its bytes are shared, not copied
 *
 * Queues a data frame; its header and sequence number are written here,
 * its payload referenced.
 */
void
shoal_outbox_push_data (ShoalOutbox    *self,
                        ShoalFrameType  type,
                        guint64         seq,
                        GBytes         *payload)
{
  OutFrame *frame = g_malloc (sizeof (OutFrame) + SHOAL_FRAME_HEADER_SIZE + SHOAL_FRAME_SEQ_SIZE);
  gsize size = g_bytes_get_size (payload);

  shoal_frame_data_prefix (frame->header, type, seq, size);
  frame->header_len = SHOAL_FRAME_HEADER_SIZE + SHOAL_FRAME_SEQ_SIZE;
  frame->is_data = TRUE;
  frame->bytes = g_bytes_ref (payload);
  self->data_bytes += size;
  g_queue_push_tail (&self->frames, frame);
}

/**
 * shoal_outbox_push_group:
 * @self: a #ShoalOutbox
 * @seq: the message's sequence number on this stream
 * @group: the group it was sent to, a valid name from shoal_group_name_new()
 * @payload: the message; its bytes are shared, not copied, as a broadcast's
 *
 * Queues a GROUP frame: its header, sequence number and name are written
 * here, its payload referenced. The name is left out if the GROUP frame
 * queued before named the same group.
 */
void
shoal_outbox_push_group (ShoalOutbox *self,
                         guint64      seq,
                         const gchar *group,
                         GBytes      *payload)
{
  /* One group's messages share one name, so the pointer nearly always
   * answers; a group whose members all left and came back has a new one. */
  gboolean same = self->last_group == group ||
                  (self->last_group != NULL && strcmp (self->last_group, group) == 0);
  gsize name_length = same ? 0 : shoal_group_name_length (group);
  gsize header_len = SHOAL_FRAME_HEADER_SIZE + SHOAL_FRAME_SEQ_SIZE + 1 + name_length;
  OutFrame *frame = g_malloc (sizeof (OutFrame) + header_len);
  gsize size = g_bytes_get_size (payload);

  if (!same)
    {
      g_clear_pointer (&self->last_group, shoal_group_name_release);
      self->last_group = shoal_group_name_acquire ((gchar *) group);
    }
  shoal_frame_group_prefix (frame->header, seq, same ? NULL : group, name_length, size);
  frame->header_len = (guint16) header_len;
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
  OutFrame *out = g_malloc0 (sizeof (OutFrame));

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
  /* Frames dropped unwritten may have named it: the next says it again. */
  g_clear_pointer (&self->last_group, shoal_group_name_release);
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
  return self->head_done > 0 || self->record_pending;
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

/* Fills @vectors from the head of the queue, skipping what was written,
 * until they hold a record's worth. */
static gsize
gather (ShoalOutbox   *self,
        GOutputVector *vectors)
{
  gsize n_vectors = 0;
  gsize skip = self->head_done;
  gsize total = 0;

  for (GList *l = self->frames.head;
       l != NULL && n_vectors + 2 <= MAX_WRITE_VECTORS && total < RECORD_SIZE;
       l = l->next)
    {
      OutFrame *frame = l->data;
      gsize size = 0;
      const guint8 *data = g_bytes_get_data (frame->bytes, &size);

      if (skip < frame->header_len)
        {
          vectors[n_vectors].buffer = frame->header + skip;
          vectors[n_vectors].size = frame->header_len - skip;
          total += vectors[n_vectors].size;
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
          total += vectors[n_vectors].size;
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
  /* Rebuilt for every write, so one buffer serves every link of a thread. */
  static _Thread_local guint8 staging[RECORD_SIZE];

  *out_written = 0;

  while (!g_queue_is_empty (&self->frames))
    {
      g_autoptr(GError) local_error = NULL;
      GOutputVector vectors[MAX_WRITE_VECTORS];
      gsize n_vectors = gather (self, vectors);
      const void *data;
      gsize size;
      gssize written;

      /* Every queued frame has a header or a body: something to gather. */
      g_assert (n_vectors > 0);
      data = vectors[0].buffer;
      size = vectors[0].size;

      if (n_vectors > 1 && size < RECORD_SIZE)
        {
          size = 0;
          for (gsize i = 0; i < n_vectors && size < RECORD_SIZE; i++)
            {
              gsize take = MIN (vectors[i].size, RECORD_SIZE - size);

              memcpy (staging + size, vectors[i].buffer, take);
              size += take;
            }
          data = staging;
        }

      written = g_pollable_output_stream_write_nonblocking (stream, data, size, NULL,
                                                            &local_error);
      if (written < 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          self->record_pending = TRUE;
          return SHOAL_OUTBOX_BLOCKED;
        }
      if (written < 0)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return SHOAL_OUTBOX_FAILED;
        }

      self->record_pending = FALSE;
      *out_written += (gsize) written;
      consume (self, (gsize) written, out_messages, out_bytes);
    }

  return SHOAL_OUTBOX_EMPTY;
}
