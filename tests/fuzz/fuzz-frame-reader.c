/* fuzz-frame-reader.c: the stream reader, fed in any chunking
 *
 * A link reads whatever the socket gives: a frame may arrive a byte at a
 * time, or many frames in one read, or a read may find nothing. This target
 * feeds one byte stream to the reader twice, once in the chunk sizes the
 * input chooses and once in the largest reads the reader offers, and
 * compares both with a reference reading of the stream written from
 * doc/PROTOCOL.md alone: the same frames (type, flags, body bytes) in the
 * same order, then the same end (an error, or so many bytes pending).
 * Bodies are compared again after the reader is freed, since they are
 * slices of its buffers. The reader may never hand out more bytes than it
 * was given.
 *
 * Input: a control byte C, then (if C & 0x08) a byte giving the data frame
 * limit (otherwise the node's 16 MiB), then 1 + (C & 0x07) chunk sizes, then
 * the stream. A chunk size of 0 is a read that found nothing (the space is
 * released, then the next read takes what is offered); 255 takes all the
 * space offered; any other n reads n bytes at most. When C & 0xf0 is 0xf0 the
 * stream is repeated 32 times, so that small inputs still reach the reader's
 * 64 KiB buffer boundary.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame.h"
#include "fuzz-codec.h"
#include "fuzz-common.h"

#define REPEATS 32

typedef struct {
  guint8  type;
  guint8  flags;
  gsize   offset;  /* of the body in the stream */
  guint32 length;
} Frame;

typedef struct {
  GArray    *frames;  /* (element-type Frame) */
  GPtrArray *bodies;  /* (element-type GBytes): from the reader; empty for the reference */
  gboolean   error;
  gsize      pending; /* bytes left unread at the end, when there was no error */
} Outcome;

static void
outcome_init (Outcome *outcome)
{
  outcome->frames = g_array_new (FALSE, FALSE, sizeof (Frame));
  outcome->bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  outcome->error = FALSE;
  outcome->pending = 0;
}

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->frames, g_array_unref);
  g_clear_pointer (&outcome->bodies, g_ptr_array_unref);
}

/* The reference: frames one after the other, each header judged by the
 * limits of doc/PROTOCOL.md, until the stream ends or a header is refused. */
static void
read_reference (const guint8 *stream,
                gsize         length,
                gsize         max_data_body,
                Outcome      *out)
{
  gsize offset = 0;

  while (length - offset >= SHOAL_FRAME_HEADER_SIZE)
    {
      const guint8 *h = stream + offset;
      Frame frame = {
        .type = h[0],
        .flags = h[1],
        .offset = offset + SHOAL_FRAME_HEADER_SIZE,
        .length = (guint32) h[4] << 24 | (guint32) h[5] << 16 | (guint32) h[6] << 8 | h[7],
      };

      if (!fuzz_frame_length_allowed (frame.type, frame.length, max_data_body))
        {
          out->error = TRUE;
          return;
        }
      if (length - frame.offset < frame.length)
        break;

      g_array_append_val (out->frames, frame);
      offset = frame.offset + frame.length;
    }

  out->pending = length - offset;
}

/* Feeds @stream to a reader in reads of @sizes, cycling (all it offers when
 * @sizes is %NULL), popping every frame after each read. */
static void
read_with_reader (const guint8 *stream,
                  gsize         length,
                  gsize         max_data_body,
                  const guint8 *sizes,
                  gsize         n_sizes,
                  Outcome      *out)
{
  g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (max_data_body);
  gsize fed = 0;
  gsize popped = 0;
  gsize next_size = 0;

  while (fed < length)
    {
      gsize space = 0;
      guint8 *buffer = shoal_frame_reader_get_buffer (reader, &space);
      gsize want = space;
      gsize n;

      g_assert_nonnull (buffer);
      g_assert_cmpuint (space, >=, 1);

      if (sizes != NULL)
        {
          guint8 size = sizes[next_size++ % n_sizes];

          if (size == 0)
            {
              shoal_frame_reader_release (reader);
              buffer = shoal_frame_reader_get_buffer (reader, &space);
              g_assert_nonnull (buffer);
              g_assert_cmpuint (space, >=, 1);
              want = space;
            }
          else if (size != 255)
            {
              want = size;
            }
        }

      n = MIN (MIN (want, space), length - fed);
      memcpy (buffer, stream + fed, n);
      shoal_frame_reader_commit (reader, n);
      fed += n;

      while (!out->error)
        {
          g_autoptr(GError) error = NULL;
          ShoalFrameHeader header;
          GBytes *body = NULL;
          Frame frame;

          switch (shoal_frame_reader_pop (reader, &header, &body, &error))
            {
            case SHOAL_FRAME_READ_FRAME:
              g_assert_no_error (error);
              g_assert_nonnull (body);
              g_assert_cmpuint (g_bytes_get_size (body), ==, header.body_length);
              frame.type = header.type;
              frame.flags = header.flags;
              frame.offset = popped + SHOAL_FRAME_HEADER_SIZE;
              frame.length = header.body_length;
              g_array_append_val (out->frames, frame);
              g_ptr_array_add (out->bodies, body);
              popped += SHOAL_FRAME_HEADER_SIZE + (gsize) header.body_length;
              /* Never more than it was given. */
              g_assert_cmpuint (popped, <=, fed);
              /* And what it gives is what came in at that place. */
              if (header.body_length > 0)
                g_assert_cmpmem (g_bytes_get_data (body, NULL), header.body_length,
                                 stream + frame.offset, header.body_length);
              continue;
            case SHOAL_FRAME_READ_NEED_MORE:
              g_assert_no_error (error);
              g_assert_cmpuint (shoal_frame_reader_get_pending (reader), ==, fed - popped);
              break;
            case SHOAL_FRAME_READ_ERROR:
              fuzz_check_protocol_error (error);
              out->error = TRUE;
              break;
            default:
              g_assert_not_reached ();
            }
          break;
        }
    }

  if (out->error)
    {
      g_autoptr(GError) error = NULL;
      ShoalFrameHeader header;
      GBytes *body = NULL;

      /* The error sticks: the stream cannot be resynchronised. */
      g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &body, &error), ==,
                       SHOAL_FRAME_READ_ERROR);
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
      g_assert_null (body);
    }
  else
    {
      out->pending = shoal_frame_reader_get_pending (reader);
      g_assert_cmpuint (out->pending, ==, length - popped);
    }

  shoal_frame_reader_release (reader);
}

/* The reader's bodies must be what the reference found, byte for byte. */
static void
compare_outcomes (const guint8  *stream,
                  const Outcome *reference,
                  const Outcome *got)
{
  guint i;

  g_assert_cmpint (got->error, ==, reference->error);
  if (!reference->error)
    g_assert_cmpuint (got->pending, ==, reference->pending);
  g_assert_cmpuint (got->frames->len, ==, reference->frames->len);
  g_assert_cmpuint (got->bodies->len, ==, reference->frames->len);

  for (i = 0; i < reference->frames->len; i++)
    {
      const Frame *a = &g_array_index (reference->frames, Frame, i);
      const Frame *b = &g_array_index (got->frames, Frame, i);
      GBytes *body = g_ptr_array_index (got->bodies, i);

      g_assert_cmpuint (b->type, ==, a->type);
      g_assert_cmpuint (b->flags, ==, a->flags);
      g_assert_cmpuint (b->offset, ==, a->offset);
      g_assert_cmpuint (b->length, ==, a->length);
      g_assert_cmpuint (g_bytes_get_size (body), ==, a->length);
      if (a->length > 0)
        g_assert_cmpmem (g_bytes_get_data (body, NULL), a->length, stream + a->offset, a->length);
    }
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  Outcome reference, chunked, whole;
  g_autofree guint8 *repeated = NULL;
  const guint8 *stream;
  const guint8 *sizes;
  gsize n_sizes;
  gsize length;
  gsize max_data_body = SHOAL_FRAME_MAX_DATA_BODY;
  gsize offset = 1;
  guint8 control;

  if (size < 1)
    return 0;
  control = data[0];

  if (control & 0x08)
    {
      if (size < offset + 1)
        return 0;
      max_data_body = data[offset++];
    }

  n_sizes = 1 + (control & 0x07);
  if (size < offset + n_sizes)
    return 0;
  sizes = data + offset;
  offset += n_sizes;

  stream = data + offset;
  length = size - offset;
  if ((control & 0xf0) == 0xf0 && length > 0)
    {
      gsize i;

      repeated = g_malloc (length * REPEATS);
      for (i = 0; i < REPEATS; i++)
        memcpy (repeated + i * length, stream, length);
      stream = repeated;
      length *= REPEATS;
    }

  outcome_init (&reference);
  outcome_init (&chunked);
  outcome_init (&whole);

  read_reference (stream, length, max_data_body, &reference);
  read_with_reader (stream, length, max_data_body, sizes, n_sizes, &chunked);
  read_with_reader (stream, length, max_data_body, NULL, 0, &whole);

  /* The readers are gone: their bodies must still hold the stream's bytes. */
  compare_outcomes (stream, &reference, &chunked);
  compare_outcomes (stream, &reference, &whole);

  outcome_clear (&reference);
  outcome_clear (&chunked);
  outcome_clear (&whole);
  return 0;
}
