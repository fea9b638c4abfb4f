/* test-frame-reader.c: unit tests for the protocol v1 stream reader
 *
 * The reader fed streams cut at every boundary, zero-copy and in-place reads,
 * headers over their limits, and a deterministic fuzz of mutated streams
 * whose frames also go through the decoders.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame-reader.h"

/* The reader's usual chunk size (READER_CHUNK_SIZE in shoal-frame-reader.c). */
#define CHUNK_SIZE (64u * 1024u)

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

/* Helpers */

static GBytes *
frame_body (GBytes *frame)
{
  return g_bytes_new_from_bytes (frame, SHOAL_FRAME_HEADER_SIZE,
                                 g_bytes_get_size (frame) - SHOAL_FRAME_HEADER_SIZE);
}

static GBytes *
make_data_frame (ShoalFrameType type,
                 GBytes        *payload)
{
  guint8 header[SHOAL_FRAME_HEADER_SIZE + SHOAL_FRAME_SEQ_SIZE];
  GByteArray *frame = g_byte_array_new ();

  /* The reader sees bodies whole, sequence number and all. */
  shoal_frame_data_prefix (header, type, 1, g_bytes_get_size (payload));
  g_byte_array_append (frame, header, sizeof header);
  if (g_bytes_get_size (payload) > 0)
    g_byte_array_append (frame, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  return g_byte_array_free_to_bytes (frame);
}

static GBytes *
pattern_bytes (gsize  size,
               guint8 seed)
{
  guint8 *data = g_malloc (MAX (size, 1));
  gsize i;

  for (i = 0; i < size; i++)
    data[i] = (guint8) (i * 31 + seed);
  return g_bytes_new_take (data, size);
}

static ShoalHello
sample_hello (void)
{
  ShoalHello hello = {
    .version = 1,
    .min_version = 1,
    .peer_id = g_strdup (ID_A),
    .session_id = g_strdup (ID_B),
    .name = g_strdup ("kitchen"),
    .port = 4242,
  };

  return hello;
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
  g_auto(ShoalHello) hello = sample_hello ();
  gsize sizes[] = { 0, 1, 7, 8, 100, 1000, 4096 };
  gsize i;

  stream_init (s);
  stream_add (s, shoal_frame_encode_hello (&hello));
  stream_add (s, shoal_frame_encode_ping (SHOAL_FRAME_PING, 0x0102030405060708));
  stream_add (s, shoal_frame_encode_ping (SHOAL_FRAME_PONG, G_MAXUINT64));
  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GBytes) payload = pattern_bytes (sizes[i], (guint8) i);

      stream_add (s, make_data_frame (i % 2 ? SHOAL_FRAME_BROADCAST : SHOAL_FRAME_UNICAST,
                                      payload));
    }
  if (with_large)
    {
      g_autoptr(GBytes) p1 = pattern_bytes (CHUNK_SIZE + 3, 9);
      g_autoptr(GBytes) p2 = pattern_bytes (3 * CHUNK_SIZE, 10);
      g_autoptr(GBytes) p3 = pattern_bytes (5, 11);

      stream_add (s, make_data_frame (SHOAL_FRAME_UNICAST, p1));
      stream_add (s, make_data_frame (SHOAL_FRAME_BROADCAST, p2));
      stream_add (s, make_data_frame (SHOAL_FRAME_UNICAST, p3));
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

static void
test_data_round_trip (void)
{
  const gsize sizes[] = { 0, SHOAL_FRAME_MAX_MESSAGE };
  gsize i;

  g_test_summary ("Empty and maximum-size (16 MiB) payloads pass through the "
                  "reader unchanged");

  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (SHOAL_FRAME_MAX_DATA_BODY);
      g_autoptr(GBytes) payload = pattern_bytes (sizes[i], 42);
      g_autoptr(GBytes) frame = make_data_frame (SHOAL_FRAME_BROADCAST, payload);
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

static void
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

static void
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

static void
test_reader_zero_copy (void)
{
  g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (SHOAL_FRAME_MAX_DATA_BODY);
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint8 *buffer;
  gsize space, i;
  ShoalFrameHeader header;
  GBytes *body = NULL;

  g_test_summary ("Bodies of frames cut from one read are slices of the read "
                  "buffer, not copies, and stay valid after the reader is gone");

  for (i = 0; i < 200; i++)
    {
      g_autoptr(GBytes) payload = pattern_bytes (i, (guint8) i);
      g_autoptr(GBytes) frame = make_data_frame (SHOAL_FRAME_UNICAST, payload);

      g_byte_array_append (stream, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
    }
  g_assert_cmpuint (stream->len, <, CHUNK_SIZE);

  buffer = shoal_frame_reader_get_buffer (reader, &space);
  g_assert_cmpuint (space, ==, CHUNK_SIZE);
  memcpy (buffer, stream->data, stream->len);
  shoal_frame_reader_commit (reader, stream->len);

  while (shoal_frame_reader_pop (reader, &header, &body, NULL) == SHOAL_FRAME_READ_FRAME)
    g_ptr_array_add (bodies, body);
  g_assert_cmpuint (bodies->len, ==, 200);

  for (i = 0; i < bodies->len; i++)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (bodies, i), &size);

      g_assert_cmpuint (size, ==, i + SHOAL_FRAME_SEQ_SIZE);
      g_assert_true (data >= buffer + SHOAL_FRAME_HEADER_SIZE);
      g_assert_true (data + size <= buffer + stream->len);
    }

  /* The reader has let go of its chunk; the slices still hold it. */
  g_clear_pointer (&reader, shoal_frame_reader_free);
  for (i = 1; i < bodies->len; i++)
    {
      g_autoptr(GBytes) expected = pattern_bytes (i, (guint8) i);
      g_autoptr(GBytes) got = NULL;

      g_assert_true (shoal_frame_decode_data (g_ptr_array_index (bodies, i), NULL, &got, NULL));
      g_assert_true (g_bytes_equal (got, expected));
    }
}

static void
test_reader_large_in_place (void)
{
  const gsize body_length = 1024 * 1024;
  g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (SHOAL_FRAME_MAX_DATA_BODY);
  g_autoptr(GBytes) payload = pattern_bytes (body_length, 3);
  g_autoptr(GBytes) frame = make_data_frame (SHOAL_FRAME_UNICAST, payload);
  g_autoptr(GBytes) body = NULL;
  const guint8 *data = g_bytes_get_data (frame, NULL);
  const gsize prefix = 100;
  ShoalFrameHeader header;
  guint8 *buffer, *big;
  gsize space, offset;

  g_test_summary ("Once a large frame's header is in, the rest is read into one "
                  "buffer sized for the whole frame, and the body is a slice of it");

  buffer = shoal_frame_reader_get_buffer (reader, &space);
  g_assert_cmpuint (space, ==, CHUNK_SIZE);
  memcpy (buffer, data, prefix);
  shoal_frame_reader_commit (reader, prefix);
  g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &body, NULL), ==,
                   SHOAL_FRAME_READ_NEED_MORE);

  big = shoal_frame_reader_get_buffer (reader, &space);
  g_assert_cmpuint (space, ==, SHOAL_FRAME_HEADER_SIZE + SHOAL_FRAME_SEQ_SIZE + body_length - prefix);

  /* Read the rest in pieces: every buffer continues the same allocation. */
  offset = prefix;
  while (offset < g_bytes_get_size (frame))
    {
      gsize n = MIN (space, 70000);

      buffer = shoal_frame_reader_get_buffer (reader, &space);
      g_assert_true (buffer == big + (offset - prefix));
      n = MIN (space, 70000);
      memcpy (buffer, data + offset, n);
      shoal_frame_reader_commit (reader, n);
      offset += n;
    }

  g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &body, NULL), ==,
                   SHOAL_FRAME_READ_FRAME);
  g_assert_cmpuint (header.body_length, ==, SHOAL_FRAME_SEQ_SIZE + body_length);
  g_assert_true (g_bytes_get_data (body, NULL) == big - prefix + SHOAL_FRAME_HEADER_SIZE);
  {
    g_autoptr(GBytes) got = NULL;

    g_assert_true (shoal_frame_decode_data (body, NULL, &got, NULL));
    g_assert_true (g_bytes_equal (got, payload));
  }
  g_assert_cmpuint (shoal_frame_reader_get_pending (reader), ==, 0);
}

static void
test_reader_idle (void)
{
  g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (SHOAL_FRAME_MAX_DATA_BODY);
  g_autoptr(GBytes) frame = shoal_frame_encode_ping (SHOAL_FRAME_PING, 7);
  g_autoptr(GBytes) body = NULL;
  ShoalFrameHeader header;
  guint8 *buffer;
  gsize space;

  g_test_summary ("Once every committed byte is popped the reader drops its "
                  "chunk, and a zero-length body is an empty GBytes");

  buffer = shoal_frame_reader_get_buffer (reader, &space);
  memcpy (buffer, g_bytes_get_data (frame, NULL), 16);
  shoal_frame_reader_commit (reader, 16);
  g_assert_cmpuint (shoal_frame_reader_get_pending (reader), ==, 16);
  g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &body, NULL), ==,
                   SHOAL_FRAME_READ_FRAME);
  g_assert_cmpuint (shoal_frame_reader_get_pending (reader), ==, 0);

  /* Had it kept the chunk, the space would be 16 bytes short. */
  buffer = shoal_frame_reader_get_buffer (reader, &space);
  g_assert_cmpuint (space, ==, CHUNK_SIZE);

  /* A frame with an empty body. */
  {
    g_autoptr(GBytes) goodbye = NULL;
    g_autoptr(GBytes) empty = NULL;
    guint8 header_bytes[SHOAL_FRAME_HEADER_SIZE];

    shoal_frame_header_write (header_bytes, SHOAL_FRAME_GOODBYE, 0);
    memcpy (buffer, header_bytes, sizeof (header_bytes));
    shoal_frame_reader_commit (reader, sizeof (header_bytes));
    g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &empty, NULL), ==,
                     SHOAL_FRAME_READ_FRAME);
    g_assert_nonnull (empty);
    g_assert_cmpuint (g_bytes_get_size (empty), ==, 0);
    g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &goodbye, NULL), ==,
                     SHOAL_FRAME_READ_NEED_MORE);
    g_assert_null (goodbye);
  }
}

static void
test_reader_over_limit (void)
{
  const struct {
    guint8 type;
    guint32 length;
  } cases[] = {
    { SHOAL_FRAME_UNICAST, SHOAL_FRAME_MAX_DATA_BODY + 1 },
    { SHOAL_FRAME_BROADCAST, G_MAXUINT32 },
    { SHOAL_FRAME_HELLO, SHOAL_FRAME_MAX_HELLO_BODY + 1 },
    { SHOAL_FRAME_HELLO, 0 },
    { SHOAL_FRAME_GOODBYE, 1024 * 1024 },
    { SHOAL_FRAME_PING, 9 },
    { SHOAL_FRAME_PONG, 1024 * 1024 },
    { 0x00, 100 },
    { 0x20, 1024 * 1024 },
    { 0xff, 8 },
  };
  gsize i;

  g_test_summary ("A header with an unknown type or a length over its type's "
                  "limit is an error as soon as its 8 bytes are in, before any "
                  "buffer is grown for it, even behind valid frames, and the "
                  "error is sticky");

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (SHOAL_FRAME_MAX_DATA_BODY);
      g_autoptr(GBytes) ping = shoal_frame_encode_ping (SHOAL_FRAME_PING, 1);
      g_autoptr(GBytes) good = NULL;
      g_autoptr(GBytes) bad = NULL;
      g_autoptr(GError) error = NULL;
      guint8 bad_header[SHOAL_FRAME_HEADER_SIZE];
      ShoalFrameHeader header;
      guint8 *buffer;
      gsize space, round;

      shoal_frame_header_write (bad_header, cases[i].type, cases[i].length);

      /* A valid frame, then seven bytes of the bad header: nothing wrong yet. */
      buffer = shoal_frame_reader_get_buffer (reader, &space);
      memcpy (buffer, g_bytes_get_data (ping, NULL), 16);
      memcpy (buffer + 16, bad_header, 7);
      shoal_frame_reader_commit (reader, 16 + 7);
      g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &good, &error), ==,
                       SHOAL_FRAME_READ_FRAME);
      g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &bad, &error), ==,
                       SHOAL_FRAME_READ_NEED_MORE);
      g_assert_no_error (error);

      /* The eighth byte: the space offered must not grow for this header. */
      buffer = shoal_frame_reader_get_buffer (reader, &space);
      buffer[0] = bad_header[7];
      shoal_frame_reader_commit (reader, 1);
      buffer = shoal_frame_reader_get_buffer (reader, &space);
      g_assert_nonnull (buffer);
      g_assert_cmpuint (space, >=, 1);
      g_assert_cmpuint (space, <=, CHUNK_SIZE);

      for (round = 0; round < 3; round++)
        {
          g_autoptr(GBytes) more = NULL;
          gsize n = MIN (space, 16);

          g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &more, &error), ==,
                           SHOAL_FRAME_READ_ERROR);
          g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
          g_assert_null (more);
          g_clear_error (&error);

          /* Valid frames after the error change nothing. */
          buffer = shoal_frame_reader_get_buffer (reader, &space);
          g_assert_cmpuint (space, >=, 1);
          g_assert_cmpuint (space, <=, CHUNK_SIZE);
          memcpy (buffer, g_bytes_get_data (ping, NULL), n);
          shoal_frame_reader_commit (reader, n);
        }

      /* Without an error location, still an error. */
      g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &bad, NULL), ==,
                       SHOAL_FRAME_READ_ERROR);
    }

  /* The error also comes from get_buffer's side: a bad header committed in one
   * go and asked for room before any pop gets no room for its body. */
  {
    g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (SHOAL_FRAME_MAX_DATA_BODY);
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GError) error = NULL;
    guint8 bad_header[SHOAL_FRAME_HEADER_SIZE];
    ShoalFrameHeader header;
    guint8 *buffer;
    gsize space;

    shoal_frame_header_write (bad_header, SHOAL_FRAME_UNICAST, SHOAL_FRAME_MAX_DATA_BODY + 1);
    buffer = shoal_frame_reader_get_buffer (reader, &space);
    memcpy (buffer, bad_header, 8);
    shoal_frame_reader_commit (reader, 8);
    buffer = shoal_frame_reader_get_buffer (reader, &space);
    g_assert_cmpuint (space, <=, CHUNK_SIZE);
    g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &body, &error), ==,
                     SHOAL_FRAME_READ_ERROR);
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "16777225"));
    g_assert_nonnull (strstr (error->message, "unicast"));
  }
}

/* Fuzz */

static gsize
body_limit (guint8 type,
            gsize  max_data_body)
{
  switch (type)
    {
    case SHOAL_FRAME_HELLO:
    case SHOAL_FRAME_GOODBYE:
      return SHOAL_FRAME_MAX_CONTROL_BODY;
    case SHOAL_FRAME_PING:
    case SHOAL_FRAME_PONG:
      return SHOAL_FRAME_PING_BODY_SIZE;
    case SHOAL_FRAME_UNICAST:
    case SHOAL_FRAME_BROADCAST:
      return max_data_body;
    default:
      g_assert_not_reached ();
    }
}

static void
test_reader_fuzz (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (424242);
  guint round, n_frames = 0, n_errors = 0;

  g_test_summary ("Thousands of mutated or garbage streams in random pieces "
                  "(fixed seed): the reader never crashes, never returns a "
                  "frame over its type's limit or of an unknown type, returns "
                  "frames then at most a sticky error, and the decoders accept "
                  "or refuse every body cleanly");

  for (round = 0; round < 3000; round++)
    {
      gsize max_data_body = g_rand_boolean (rand) ? 1000 : SHOAL_FRAME_MAX_DATA_BODY;
      g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (max_data_body);
      g_autoptr(GByteArray) stream = g_byte_array_new ();
      gboolean dead = FALSE;
      gsize offset = 0, i;
      guint n, mutations;

      if (g_rand_int_range (rand, 0, 10) == 0)
        {
          /* Pure garbage. */
          gsize length = (gsize) g_rand_int_range (rand, 0, 2000);

          for (i = 0; i < length; i++)
            {
              guint8 byte = (guint8) g_rand_int (rand);
              g_byte_array_append (stream, &byte, 1);
            }
        }
      else
        {
          guint n_stream_frames = (guint) g_rand_int_range (rand, 1, 12);

          for (n = 0; n < n_stream_frames; n++)
            {
              g_autoptr(GBytes) frame = NULL;

              switch (g_rand_int_range (rand, 0, 5))
                {
                case 0:
                  {
                    g_auto(ShoalHello) hello = sample_hello ();
                    frame = shoal_frame_encode_hello (&hello);
                  }
                  break;
                case 1:
                  frame = shoal_frame_encode_goodbye ((ShoalGoodbyeCode) g_rand_int_range (rand, 0, 9),
                                                     g_rand_boolean (rand) ? "bye" : NULL);
                  break;
                case 2:
                  frame = shoal_frame_encode_ping (g_rand_boolean (rand) ? SHOAL_FRAME_PING : SHOAL_FRAME_PONG,
                                                   ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand));
                  break;
                default:
                  {
                    g_autoptr(GBytes) payload = pattern_bytes ((gsize) g_rand_int_range (rand, 0, 1500),
                                                               (guint8) n);
                    frame = make_data_frame (g_rand_boolean (rand) ? SHOAL_FRAME_UNICAST : SHOAL_FRAME_BROADCAST,
                                             payload);
                  }
                  break;
                }
              g_byte_array_append (stream, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
            }

          mutations = (guint) g_rand_int_range (rand, 0, 5);
          for (n = 0; n < mutations && stream->len > 0; n++)
            {
              guint at = (guint) g_rand_int_range (rand, 0, (gint32) stream->len);

              switch (g_rand_int_range (rand, 0, 3))
                {
                case 0:
                  stream->data[at] = (guint8) g_rand_int (rand);
                  break;
                case 1:
                  stream->data[at] ^= (guint8) (1u << g_rand_int_range (rand, 0, 8));
                  break;
                default:
                  g_byte_array_set_size (stream, at);   /* truncate */
                  break;
                }
            }
        }

      while (offset < stream->len)
        {
          gsize space;
          guint8 *buffer = shoal_frame_reader_get_buffer (reader, &space);
          gsize piece = (gsize) g_rand_int_range (rand, 1, 600);

          g_assert_nonnull (buffer);
          g_assert_cmpuint (space, >=, 1);
          /* A grown buffer is only ever for a frame within the limits. */
          g_assert_cmpuint (space, <=, MAX (CHUNK_SIZE, SHOAL_FRAME_HEADER_SIZE + max_data_body));
          piece = MIN (MIN (space, stream->len - offset), piece);
          memcpy (buffer, stream->data + offset, piece);
          shoal_frame_reader_commit (reader, piece);
          offset += piece;

          for (;;)
            {
              g_autoptr(GBytes) body = NULL;
              g_autoptr(GError) error = NULL;
              ShoalFrameHeader header;
              ShoalFrameReadResult result = shoal_frame_reader_pop (reader, &header, &body, &error);

              if (result == SHOAL_FRAME_READ_NEED_MORE)
                {
                  g_assert_false (dead);
                  g_assert_no_error (error);
                  break;
                }
              if (result == SHOAL_FRAME_READ_ERROR)
                {
                  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
                  g_assert_null (body);
                  if (!dead)
                    n_errors++;
                  dead = TRUE;
                  break;
                }

              g_assert_false (dead);
              g_assert_cmpint (result, ==, SHOAL_FRAME_READ_FRAME);
              n_frames++;
              g_assert_cmpuint (header.body_length, ==, g_bytes_get_size (body));
              g_assert_cmpuint (header.body_length, <=, body_limit (header.type, max_data_body));

              /* The decoders take any body without crashing. */
              if (header.type == SHOAL_FRAME_HELLO)
                {
                  ShoalHello hello = { 0 };

                  if (shoal_frame_decode_hello (body, &hello, &error))
                    {
                      g_assert_true (shoal_peer_id_is_valid (hello.peer_id));
                      shoal_hello_negotiate (&hello, NULL, NULL);
                      shoal_hello_clear (&hello);
                    }
                  else
                    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
                }
              else if (header.type == SHOAL_FRAME_GOODBYE)
                {
                  g_autofree gchar *message = NULL;

                  if (shoal_frame_decode_goodbye (body, NULL, &message, &error))
                    g_assert_true (message == NULL || strlen (message) <= 256);
                  else
                    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
                }
              else if (header.type == SHOAL_FRAME_PING || header.type == SHOAL_FRAME_PONG)
                {
                  g_assert_true (shoal_frame_decode_ping (body, NULL, &error));
                }
            }
        }
    }

  /* The fuzz must have reached both outcomes. */
  g_test_message ("%u frames, %u dead streams", n_frames, n_errors);
  g_assert_cmpuint (n_frames, >, 1000);
  g_assert_cmpuint (n_errors, >, 100);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/frame/data/round-trip", test_data_round_trip);
  g_test_add_func ("/frame/reader/splits", test_reader_splits);
  g_test_add_func ("/frame/reader/truncated", test_reader_truncated);
  g_test_add_func ("/frame/reader/zero-copy", test_reader_zero_copy);
  g_test_add_func ("/frame/reader/large-in-place", test_reader_large_in_place);
  g_test_add_func ("/frame/reader/idle", test_reader_idle);
  g_test_add_func ("/frame/reader/over-limit", test_reader_over_limit);
  g_test_add_func ("/frame/reader/fuzz", test_reader_fuzz);

  return g_test_run ();
}
