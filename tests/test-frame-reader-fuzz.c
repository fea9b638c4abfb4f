/* test-frame-reader-fuzz.c: a deterministic fuzz of the reader and the decoders
 *
 * Part of the frame-reader program (test-frame-reader.c).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame-reader.h"
#include "test-frame-reader.h"

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

void
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
                    g_auto(ShoalHello) hello = reader_sample_hello ();
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
                    g_autoptr(GBytes) payload = reader_pattern_bytes ((gsize) g_rand_int_range (rand, 0, 1500),
                                                                      (guint8) n);
                    frame = reader_make_data_frame (g_rand_boolean (rand) ? SHOAL_FRAME_UNICAST : SHOAL_FRAME_BROADCAST,
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
