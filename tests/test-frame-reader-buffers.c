/* test-frame-reader-buffers.c: the reader's buffers, and headers over their limits
 *
 * Part of the frame-reader program (test-frame-reader.c): bodies sliced
 * from the read buffer, a large frame read in place, the chunk dropped once
 * idle, and headers refused before any buffer grows for them.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame-reader.h"
#include "test-frame-reader.h"

void
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
      g_autoptr(GBytes) payload = reader_pattern_bytes (i, (guint8) i);
      g_autoptr(GBytes) frame = reader_make_data_frame (SHOAL_FRAME_UNICAST, payload);

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
      g_autoptr(GBytes) expected = reader_pattern_bytes (i, (guint8) i);
      g_autoptr(GBytes) got = NULL;

      g_assert_true (shoal_frame_decode_data (g_ptr_array_index (bodies, i), NULL, &got, NULL));
      g_assert_true (g_bytes_equal (got, expected));
    }
}

void
test_reader_large_in_place (void)
{
  const gsize body_length = 1024 * 1024;
  g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (SHOAL_FRAME_MAX_DATA_BODY);
  g_autoptr(GBytes) payload = reader_pattern_bytes (body_length, 3);
  g_autoptr(GBytes) frame = reader_make_data_frame (SHOAL_FRAME_UNICAST, payload);
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

void
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

void
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
