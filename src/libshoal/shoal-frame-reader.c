/* shoal-frame-reader.c: cuts protocol v2 frames out of a byte stream
 *
 * The link reads into the space this reader offers and pops whole frames;
 * each header is checked by shoal_frame_header_parse() as soon as its eight
 * bytes are in, before anything is allocated for the body. No I/O here.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-frame-reader.h"

/* What the reader allocates when it needs room and no frame asks for more:
 * large enough to cut many small frames out of one read, small enough that a
 * busy link does not hold much. */
#define READER_CHUNK_SIZE (64u * 1024u)

/* Bytes arrive in a chunk: a GBytes made with g_bytes_new_take() when the
 * chunk is allocated. Frames are cut out of it as g_bytes_new_from_bytes()
 * slices, so a payload reaches the application without a copy, and one read
 * can yield many frames.
 *
 * GBytes promises immutable contents, yet the reader keeps writing into the
 * chunk's tail after handing out slices. That is safe because the reader owns
 * the allocation and only ever writes at or after `end`, while every slice
 * lies wholly before `start <= end`: a slice never covers a byte that has not
 * been committed, so no holder of a slice can observe a write. The chunk is
 * never reallocated or moved; when it runs out, a new chunk is allocated and
 * only the pending, not yet handed out bytes are copied into it.
 */

struct _ShoalFrameReader
{
  gsize             max_data_body;

  GBytes           *chunk;        /* (owned) (nullable): NULL when idle */
  guint8           *data;         /* chunk's bytes, writable by us alone */
  gsize             size;         /* chunk's size */
  gsize             start;        /* first byte not yet popped */
  gsize             end;          /* first byte not yet committed */

  gboolean          have_header;  /* header at start parsed and valid */
  ShoalFrameHeader  header;

  GError           *error;        /* (owned) (nullable): sticky */
  guint8            scratch[64];  /* where reads land once the stream is dead */
};

/**
 * shoal_frame_reader_new:
 * @max_data_body: the largest data frame body to accept
 *
 * Returns: (transfer full): a reader holding no buffer yet
 */
ShoalFrameReader *
shoal_frame_reader_new (gsize max_data_body)
{
  ShoalFrameReader *self = g_new0 (ShoalFrameReader, 1);

  self->max_data_body = max_data_body;
  return self;
}

static void
reader_drop_chunk (ShoalFrameReader *self)
{
  g_clear_pointer (&self->chunk, g_bytes_unref);
  self->data = NULL;
  self->size = 0;
  self->start = 0;
  self->end = 0;
  self->have_header = FALSE;
}

/**
 * shoal_frame_reader_free:
 * @self: (transfer full): a reader
 *
 * Frees the reader. Bodies it returned stay valid.
 */
void
shoal_frame_reader_free (ShoalFrameReader *self)
{
  if (self == NULL)
    return;

  reader_drop_chunk (self);
  g_clear_error (&self->error);
  g_free (self);
}

/* Parses the pending frame's header once it is complete. On failure the
 * stream is dead: the error sticks, and the chunk is let go at once, since
 * nothing in it can be delivered any more. */
static gboolean
reader_check_header (ShoalFrameReader *self)
{
  if (self->error != NULL)
    return FALSE;
  if (self->have_header || self->end - self->start < SHOAL_FRAME_HEADER_SIZE)
    return TRUE;

  if (!shoal_frame_header_parse (self->data + self->start, self->max_data_body,
                                 &self->header, &self->error))
    {
      reader_drop_chunk (self);
      return FALSE;
    }

  self->have_header = TRUE;
  return TRUE;
}

/* Moves the pending bytes into a new chunk of @size bytes. */
static void
reader_new_chunk (ShoalFrameReader *self,
                  gsize             size)
{
  gsize pending = self->end - self->start;
  guint8 *data;

  g_assert (size > pending);

  data = g_malloc (size);
  if (pending > 0)
    memcpy (data, self->data + self->start, pending);

  g_clear_pointer (&self->chunk, g_bytes_unref);
  self->chunk = g_bytes_new_take (data, size);
  self->data = data;
  self->size = size;
  self->start = 0;
  self->end = pending;
}

/**
 * shoal_frame_reader_get_buffer:
 * @self: a reader
 * @out_size: (out): how many bytes may be written, at least 1
 *
 * Returns the space right after the pending bytes, where the next read should
 * land; follow with shoal_frame_reader_commit(). Once the header of a frame is
 * in and valid, the space is large enough for the whole frame, so a large
 * message is read straight into its final buffer.
 *
 * Returns: (transfer none): writable space, valid until the next call on @self
 */
guint8 *
shoal_frame_reader_get_buffer (ShoalFrameReader *self,
                               gsize            *out_size)
{
  gsize pending;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (out_size != NULL, NULL);

  if (!reader_check_header (self))
    {
      /* The stream is unusable; whatever is read next is thrown away. */
      *out_size = sizeof (self->scratch);
      return self->scratch;
    }

  pending = self->end - self->start;

  if (self->chunk == NULL)
    {
      reader_new_chunk (self, READER_CHUNK_SIZE);
    }
  else if (self->have_header)
    {
      gsize frame_size = SHOAL_FRAME_HEADER_SIZE + (gsize) self->header.body_length;

      if (pending < frame_size && frame_size > self->size - self->start)
        {
          /* The frame does not fit in what is left: give it a chunk of its
           * own size (or the usual size, if larger), so it is read in place. */
          reader_new_chunk (self, MAX (frame_size, (gsize) READER_CHUNK_SIZE));
        }
      else if (self->end == self->size)
        {
          /* Whole frames are waiting to be popped and the chunk is full: the
           * caller reads ahead; make room behind them. */
          reader_new_chunk (self, pending + READER_CHUNK_SIZE);
        }
    }
  else if (self->size - self->start < SHOAL_FRAME_HEADER_SIZE)
    {
      /* Not even the header fits before the end: start over in a new chunk
       * rather than reading a few bytes at a time. */
      reader_new_chunk (self, READER_CHUNK_SIZE);
    }

  g_assert (self->end < self->size);
  *out_size = self->size - self->end;
  return self->data + self->end;
}

/**
 * shoal_frame_reader_commit:
 * @self: a reader
 * @n_bytes: how many bytes were written into the space from
 *   shoal_frame_reader_get_buffer()
 */
void
shoal_frame_reader_commit (ShoalFrameReader *self,
                           gsize             n_bytes)
{
  g_return_if_fail (self != NULL);

  if (self->error != NULL)
    return;

  g_return_if_fail (self->chunk != NULL || n_bytes == 0);
  g_return_if_fail (n_bytes <= self->size - self->end);

  self->end += n_bytes;
}

/**
 * shoal_frame_reader_pop:
 * @self: a reader
 * @out_header: (out caller-allocates): the frame's header
 * @out_body: (out) (transfer full): the frame's body, a slice of the read
 *   buffer (empty for an empty body)
 * @error: return location for a %SHOAL_ERROR_PROTOCOL error
 *
 * Takes the next whole frame, if there is one. After an error every later
 * call fails the same way: the stream cannot be resynchronised.
 *
 * Returns: %SHOAL_FRAME_READ_FRAME with @out_header and @out_body set,
 *   %SHOAL_FRAME_READ_NEED_MORE, or %SHOAL_FRAME_READ_ERROR
 */
ShoalFrameReadResult
shoal_frame_reader_pop (ShoalFrameReader  *self,
                        ShoalFrameHeader  *out_header,
                        GBytes           **out_body,
                        GError           **error)
{
  gsize frame_size;

  g_return_val_if_fail (self != NULL, SHOAL_FRAME_READ_ERROR);
  g_return_val_if_fail (out_header != NULL, SHOAL_FRAME_READ_ERROR);
  g_return_val_if_fail (out_body != NULL, SHOAL_FRAME_READ_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, SHOAL_FRAME_READ_ERROR);

  if (!reader_check_header (self))
    {
      if (error != NULL)
        *error = g_error_copy (self->error);
      return SHOAL_FRAME_READ_ERROR;
    }

  if (!self->have_header)
    return SHOAL_FRAME_READ_NEED_MORE;

  frame_size = SHOAL_FRAME_HEADER_SIZE + (gsize) self->header.body_length;
  if (self->end - self->start < frame_size)
    return SHOAL_FRAME_READ_NEED_MORE;

  *out_header = self->header;
  if (self->header.body_length == 0)
    *out_body = g_bytes_new (NULL, 0);
  else
    *out_body = g_bytes_new_from_bytes (self->chunk,
                                        self->start + SHOAL_FRAME_HEADER_SIZE,
                                        self->header.body_length);

  self->start += frame_size;
  self->have_header = FALSE;

  /* An idle link holds no buffer; the slices keep the chunk alive as long as
   * their holders need them. */
  if (self->start == self->end)
    reader_drop_chunk (self);

  return SHOAL_FRAME_READ_FRAME;
}

/**
 * shoal_frame_reader_release:
 * @self: a reader
 *
 * Says that the space shoal_frame_reader_get_buffer() gave was not used: the
 * read found nothing. A reader holding no pending bytes then lets go of its
 * chunk, so that an idle link holds no buffer; a stream that must be read
 * until it would block asks for space once more than it has bytes.
 */
void
shoal_frame_reader_release (ShoalFrameReader *self)
{
  g_return_if_fail (self != NULL);

  if (self->chunk != NULL && self->start == self->end)
    reader_drop_chunk (self);
}

/**
 * shoal_frame_reader_get_pending:
 * @self: a reader
 *
 * Returns: how many committed bytes have not been popped as frames yet; a
 *   non-zero value at end of stream means the stream ended inside a frame
 */
gsize
shoal_frame_reader_get_pending (ShoalFrameReader *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->end - self->start;
}
