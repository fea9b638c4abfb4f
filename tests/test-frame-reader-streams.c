/* test-frame-reader-streams.c: streams of frames fed in every kind of piece
 *
 * Part of the frame-reader program (test-frame-reader.c): payloads of every
 * size through the reader, streams split at every boundary or in random
 * pieces, and every prefix of a stream.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-frame-reader.h"
#include "test-frame-reader.h"

static GBytes *
frame_body (GBytes *frame)
{
  return g_bytes_new_from_bytes (frame, SHOAL_FRAME_HEADER_SIZE,
                                 g_bytes_get_size (frame) - SHOAL_FRAME_HEADER_SIZE);
}

/* A stream of frames and what the reader must give back. */
typedef struct {
  GByteArray *stream;
  GPtrArray  *bodies;   /* (element-type GBytes) */
  GArray     *types;    /* (element-type guint8) */
} Stream;

static void
stream_init (Stream *s)
{
  s->stream = g_byte_array_new ();
  s->bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  s->types = g_array_new (FALSE, FALSE, sizeof (guint8));
}

static void
stream_clear (Stream *s)
{
  g_byte_array_unref (s->stream);
  g_ptr_array_unref (s->bodies);
  g_array_unref (s->types);
}

static void
stream_add (Stream *s,
            GBytes *frame)
{
  const guint8 *data = g_bytes_get_data (frame, NULL);
  guint8 type = data[0];

  g_byte_array_append (s->stream, data, g_bytes_get_size (frame));
  g_ptr_array_add (s->bodies, frame_body (frame));
  g_array_append_val (s->types, type);
  g_bytes_unref (frame);
}

/* Every frame type, empty and non-empty bodies, and frames larger than the
 * reader's chunk so that the in-place path is crossed. */
static void
stream_build_mixed (Stream  *s,
                    gboolean with_large)
{
  g_auto(ShoalHello) hello = reader_sample_hello ();
  gsize sizes[] = { 0, 1, 7, 8, 100, 1000, 4096 };
  gsize i;

  stream_init (s);
  stream_add (s, shoal_frame_encode_hello (&hello));
  stream_add (s, shoal_frame_encode_ping (SHOAL_FRAME_PING, 0x0102030405060708));
  stream_add (s, shoal_frame_encode_ping (SHOAL_FRAME_PONG, G_MAXUINT64));
  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GBytes) payload = reader_pattern_bytes (sizes[i], (guint8) i);

      stream_add (s, reader_make_data_frame (i % 2 ? SHOAL_FRAME_BROADCAST : SHOAL_FRAME_UNICAST,
                                             payload));
    }
  if (with_large)
    {
      g_autoptr(GBytes) p1 = reader_pattern_bytes (CHUNK_SIZE + 3, 9);
      g_autoptr(GBytes) p2 = reader_pattern_bytes (3 * CHUNK_SIZE, 10);
      g_autoptr(GBytes) p3 = reader_pattern_bytes (5, 11);

      stream_add (s, reader_make_data_frame (SHOAL_FRAME_UNICAST, p1));
      stream_add (s, reader_make_data_frame (SHOAL_FRAME_BROADCAST, p2));
      stream_add (s, reader_make_data_frame (SHOAL_FRAME_UNICAST, p3));
    }
  stream_add (s, shoal_frame_encode_goodbye (SHOAL_GOODBYE_SHUTDOWN, NULL));
  stream_add (s, shoal_frame_encode_goodbye (SHOAL_GOODBYE_TIMEOUT, "no heartbeat for 2500 ms"));
}

/* Feeds @data into @reader in pieces whose sizes come from @next_piece, popping
 * every frame as soon as it is whole; appends what comes out to the arrays. */
typedef gsize (*PieceFunc) (gpointer user_data);

static ShoalFrameReadResult
feed (ShoalFrameReader *reader,
      const guint8     *data,
      gsize             length,
      PieceFunc         next_piece,
      gpointer          piece_data,
      GPtrArray        *out_bodies,
      GArray           *out_types,
      GError          **error)
{
  gsize offset = 0;
  ShoalFrameReadResult result = SHOAL_FRAME_READ_NEED_MORE;

  while (offset < length)
    {
      gsize space;
      guint8 *buffer = shoal_frame_reader_get_buffer (reader, &space);
      gsize piece = next_piece (piece_data);   /* once: MIN() evaluates twice */
      gsize n = MIN (MIN (space, length - offset), piece);

      g_assert_nonnull (buffer);
      g_assert_cmpuint (space, >=, 1);
      memcpy (buffer, data + offset, n);
      shoal_frame_reader_commit (reader, n);
      offset += n;

      for (;;)
        {
          ShoalFrameHeader header;
          GBytes *body = NULL;

          result = shoal_frame_reader_pop (reader, &header, &body, error);
          if (result != SHOAL_FRAME_READ_FRAME)
            break;
          g_assert_cmpuint (g_bytes_get_size (body), ==, header.body_length);
          g_ptr_array_add (out_bodies, body);
          g_array_append_val (out_types, header.type);
        }
      if (result == SHOAL_FRAME_READ_ERROR)
        return result;
    }

  return result;
}

static gsize
piece_fixed (gpointer user_data)
{
  return GPOINTER_TO_SIZE (user_data);
}

static gsize
piece_random (gpointer user_data)
{
  GRand *rand = user_data;

  /* Mostly small pieces, sometimes large ones. */
  if (g_rand_int_range (rand, 0, 4) == 0)
    return (gsize) g_rand_int_range (rand, 1, 300000);
  return (gsize) g_rand_int_range (rand, 1, 40);
}

static void
assert_stream_equal (Stream    *s,
                     GPtrArray *bodies,
                     GArray    *types)
{
  guint i;

  g_assert_cmpuint (bodies->len, ==, s->bodies->len);
  for (i = 0; i < bodies->len; i++)
    {
      g_assert_cmpuint (g_array_index (types, guint8, i), ==,
                        g_array_index (s->types, guint8, i));
      g_assert_true (g_bytes_equal (g_ptr_array_index (bodies, i),
                                    g_ptr_array_index (s->bodies, i)));
    }
}

void
test_data_round_trip (void)
{
  const gsize sizes[] = { 0, SHOAL_FRAME_MAX_MESSAGE };
  gsize i;

  g_test_summary ("Empty and maximum-size (16 MiB) payloads pass through the "
                  "reader unchanged");

  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (SHOAL_FRAME_MAX_DATA_BODY);
      g_autoptr(GBytes) payload = reader_pattern_bytes (sizes[i], 42);
      g_autoptr(GBytes) frame = reader_make_data_frame (SHOAL_FRAME_BROADCAST, payload);
      g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      g_autoptr(GArray) types = g_array_new (FALSE, FALSE, sizeof (guint8));
      g_autoptr(GError) error = NULL;

      g_assert_cmpint (feed (reader, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                             piece_fixed, GSIZE_TO_POINTER (G_MAXSIZE), bodies, types, &error),
                       ==, SHOAL_FRAME_READ_NEED_MORE);
      g_assert_no_error (error);
      g_assert_cmpuint (bodies->len, ==, 1);
      g_assert_cmpuint (g_array_index (types, guint8, 0), ==, SHOAL_FRAME_BROADCAST);
      {
        g_autoptr(GBytes) got = NULL;

        g_assert_true (shoal_frame_decode_data (g_ptr_array_index (bodies, 0), NULL, &got, &error));
        g_assert_true (g_bytes_equal (got, payload));
      }
      g_assert_cmpuint (shoal_frame_reader_get_pending (reader), ==, 0);
    }
}

/* Reader */

void
test_reader_splits (void)
{
  Stream s;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260101);
  gsize split, round;

  g_test_summary ("A stream of many frames fed in 1-byte pieces, split in two "
                  "at every boundary, and in random pieces gives back the same "
                  "frames");

  stream_build_mixed (&s, TRUE);

  /* One byte at a time. */
  {
    g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (SHOAL_FRAME_MAX_DATA_BODY);
    g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    g_autoptr(GArray) types = g_array_new (FALSE, FALSE, sizeof (guint8));

    g_assert_cmpint (feed (reader, s.stream->data, s.stream->len, piece_fixed,
                           GSIZE_TO_POINTER (1), bodies, types, NULL),
                     ==, SHOAL_FRAME_READ_NEED_MORE);
    assert_stream_equal (&s, bodies, types);
    g_assert_cmpuint (shoal_frame_reader_get_pending (reader), ==, 0);
  }

  /* Random pieces. */
  for (round = 0; round < 50; round++)
    {
      g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (SHOAL_FRAME_MAX_DATA_BODY);
      g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      g_autoptr(GArray) types = g_array_new (FALSE, FALSE, sizeof (guint8));

      g_assert_cmpint (feed (reader, s.stream->data, s.stream->len, piece_random,
                             rand, bodies, types, NULL),
                       ==, SHOAL_FRAME_READ_NEED_MORE);
      assert_stream_equal (&s, bodies, types);
    }
  stream_clear (&s);

  /* Every split point of the small-frame stream (two commits each). */
  stream_build_mixed (&s, FALSE);
  for (split = 0; split <= s.stream->len; split++)
    {
      g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (SHOAL_FRAME_MAX_DATA_BODY);
      g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      g_autoptr(GArray) types = g_array_new (FALSE, FALSE, sizeof (guint8));

      g_assert_cmpint (feed (reader, s.stream->data, split, piece_fixed,
                             GSIZE_TO_POINTER (G_MAXSIZE), bodies, types, NULL),
                       ==, SHOAL_FRAME_READ_NEED_MORE);
      g_assert_cmpint (feed (reader, s.stream->data + split, s.stream->len - split,
                             piece_fixed, GSIZE_TO_POINTER (G_MAXSIZE), bodies, types, NULL),
                       ==, SHOAL_FRAME_READ_NEED_MORE);
      assert_stream_equal (&s, bodies, types);
    }
  stream_clear (&s);
}

void
test_reader_truncated (void)
{
  Stream s;
  gsize cut;

  g_test_summary ("Every prefix of a stream yields exactly the frames wholly "
                  "inside it, then NEED_MORE with the rest pending, never a "
                  "partial frame");

  stream_build_mixed (&s, FALSE);
  for (cut = 0; cut < s.stream->len; cut++)
    {
      g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (SHOAL_FRAME_MAX_DATA_BODY);
      g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      g_autoptr(GArray) types = g_array_new (FALSE, FALSE, sizeof (guint8));
      gsize whole = 0, consumed = 0;
      guint i;

      for (i = 0; i < s.bodies->len; i++)
        {
          gsize frame_size = SHOAL_FRAME_HEADER_SIZE + g_bytes_get_size (g_ptr_array_index (s.bodies, i));

          if (consumed + frame_size > cut)
            break;
          consumed += frame_size;
          whole++;
        }

      g_assert_cmpint (feed (reader, s.stream->data, cut, piece_fixed,
                             GSIZE_TO_POINTER (G_MAXSIZE), bodies, types, NULL),
                       ==, SHOAL_FRAME_READ_NEED_MORE);
      g_assert_cmpuint (bodies->len, ==, whole);
      g_assert_cmpuint (shoal_frame_reader_get_pending (reader), ==, cut - consumed);
      for (i = 0; i < whole; i++)
        g_assert_true (g_bytes_equal (g_ptr_array_index (bodies, i),
                                      g_ptr_array_index (s.bodies, i)));
    }
  stream_clear (&s);
}
