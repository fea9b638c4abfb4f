/* test-frame-header.c: the frame header, and ping, pong, data and ack frames
 *
 * Part of the frame program (test-frame.c): headers round trip and keep to
 * their limits; ping, pong, unicast and broadcast data and ack frames.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame.h"
#include "test-frame.h"

/* Header */

void
test_header_round_trip (void)
{
  const ShoalFrameType types[] = {
    SHOAL_FRAME_HELLO, SHOAL_FRAME_GOODBYE, SHOAL_FRAME_PING,
    SHOAL_FRAME_PONG, SHOAL_FRAME_ACK, SHOAL_FRAME_UNICAST, SHOAL_FRAME_BROADCAST,
  };
  const gchar *names[] = { "hello", "goodbye", "ping", "pong", "ack", "unicast", "broadcast" };
  const guint32 lengths[] = { 1, 0, 8, 8, 8, 0x00abcdef, 0x00010000 };
  gsize i;

  g_test_summary ("Headers are big-endian, writers put zero flags and reserved "
                  "bytes, readers ignore them, and every type has its name");

  for (i = 0; i < G_N_ELEMENTS (types); i++)
    {
      guint8 data[SHOAL_FRAME_HEADER_SIZE];
      ShoalFrameHeader header;
      g_autoptr(GError) error = NULL;

      shoal_frame_header_write (data, types[i], lengths[i]);
      g_assert_cmpuint (data[0], ==, types[i]);
      g_assert_cmpuint (data[1], ==, 0);
      g_assert_cmpuint (data[2], ==, 0);
      g_assert_cmpuint (data[3], ==, 0);
      g_assert_cmpuint (((guint32) data[4] << 24 | (guint32) data[5] << 16 |
                         (guint32) data[6] << 8 | data[7]), ==, lengths[i]);

      g_assert_true (shoal_frame_header_parse (data, SHOAL_FRAME_MAX_DATA_BODY,
                                               &header, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (header.type, ==, types[i]);
      g_assert_cmpuint (header.flags, ==, 0);
      g_assert_cmpuint (header.body_length, ==, lengths[i]);
      g_assert_cmpstr (shoal_frame_type_to_string (types[i]), ==, names[i]);

      /* Flags and reserved bytes are for later versions: ignored. */
      data[1] = 0xff;
      data[2] = 0xff;
      data[3] = 0xff;
      g_assert_true (shoal_frame_header_parse (data, SHOAL_FRAME_MAX_DATA_BODY,
                                               &header, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (header.flags, ==, 0xff);
      g_assert_cmpuint (header.body_length, ==, lengths[i]);
    }

  g_assert_cmpstr (shoal_frame_type_to_string (0), ==, "unknown");
  g_assert_cmpstr (shoal_frame_type_to_string (0x05), ==, "peers");
  g_assert_cmpstr (shoal_frame_type_to_string (0x06), ==, "unknown");
  g_assert_cmpstr (shoal_frame_type_to_string (0x21), ==, "unknown");
  g_assert_cmpstr (shoal_frame_type_to_string (0xff), ==, "unknown");
}

void
test_header_limits (void)
{
  const struct {
    guint8 type;
    guint32 length;
    gboolean ok;
  } cases[] = {
    { SHOAL_FRAME_HELLO, 0, FALSE },
    { SHOAL_FRAME_HELLO, 1, TRUE },
    { SHOAL_FRAME_HELLO, 4096, TRUE },
    { SHOAL_FRAME_HELLO, SHOAL_FRAME_MAX_HELLO_BODY, TRUE },
    { SHOAL_FRAME_HELLO, SHOAL_FRAME_MAX_HELLO_BODY + 1, FALSE },
    { SHOAL_FRAME_HELLO, G_MAXUINT32, FALSE },
    { SHOAL_FRAME_GOODBYE, 0, TRUE },
    { SHOAL_FRAME_GOODBYE, 4096, TRUE },
    { SHOAL_FRAME_GOODBYE, 4097, FALSE },
    { SHOAL_FRAME_PING, 0, FALSE },
    { SHOAL_FRAME_PING, 7, FALSE },
    { SHOAL_FRAME_PING, 8, TRUE },
    { SHOAL_FRAME_PING, 9, FALSE },
    { SHOAL_FRAME_PONG, 7, FALSE },
    { SHOAL_FRAME_PONG, 8, TRUE },
    { SHOAL_FRAME_PONG, 16, FALSE },
    { SHOAL_FRAME_ACK, 0, FALSE },
    { SHOAL_FRAME_ACK, 8, TRUE },
    { SHOAL_FRAME_ACK, 16, FALSE },
    { SHOAL_FRAME_UNICAST, 0, FALSE },
    { SHOAL_FRAME_UNICAST, 7, FALSE },
    { SHOAL_FRAME_UNICAST, 8, TRUE },
    { SHOAL_FRAME_UNICAST, SHOAL_FRAME_MAX_DATA_BODY, TRUE },
    { SHOAL_FRAME_UNICAST, SHOAL_FRAME_MAX_DATA_BODY + 1, FALSE },
    { SHOAL_FRAME_UNICAST, G_MAXUINT32, FALSE },
    { SHOAL_FRAME_BROADCAST, 0, FALSE },
    { SHOAL_FRAME_BROADCAST, 8, TRUE },
    { SHOAL_FRAME_BROADCAST, SHOAL_FRAME_MAX_DATA_BODY, TRUE },
    { SHOAL_FRAME_BROADCAST, SHOAL_FRAME_MAX_DATA_BODY + 1, FALSE },
    { SHOAL_FRAME_PEERS, 0, FALSE },
    { SHOAL_FRAME_PEERS, 1, TRUE },
    { SHOAL_FRAME_PEERS, 16384, TRUE },
    { SHOAL_FRAME_PEERS, 16385, FALSE },
    { 0x00, 0, FALSE },
    { 0x06, 8, FALSE },
    { 0x21, 8, FALSE },
    { 0x0f, 8, FALSE },
    { 0x12, 0, FALSE },
    { 0x20, 0, FALSE },
    { 0x40, 0, FALSE },   /* once meant for a TLS upgrade; TLS now comes first */
    { 0x4f, 8, FALSE },
    { 0xff, 0, FALSE },
  };
  gsize i;

  g_test_summary ("Each type's body length limits are enforced from the header "
                  "alone, unknown types are refused, and the error names the "
                  "type and the length");

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint8 data[SHOAL_FRAME_HEADER_SIZE];
      ShoalFrameHeader header;
      g_autoptr(GError) error = NULL;
      g_autofree gchar *length_str = g_strdup_printf ("%u", cases[i].length);

      shoal_frame_header_write (data, cases[i].type, cases[i].length);
      if (cases[i].ok)
        {
          g_assert_true (shoal_frame_header_parse (data, SHOAL_FRAME_MAX_DATA_BODY,
                                                   &header, &error));
          g_assert_no_error (error);
          continue;
        }

      g_assert_false (shoal_frame_header_parse (data, SHOAL_FRAME_MAX_DATA_BODY,
                                                &header, &error));
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
      g_assert_nonnull (strstr (error->message, length_str));
      {
        /* Known types by name, unknown ones by value. */
        g_autofree gchar *type_str = g_strdup_printf ("0x%02x", cases[i].type);

        g_assert_nonnull (strstr (error->message, type_str));
        if (!g_str_equal (shoal_frame_type_to_string (cases[i].type), "unknown"))
          g_assert_nonnull (strstr (error->message,
                                    shoal_frame_type_to_string (cases[i].type)));
      }
    }

  /* The data limit is the caller's. */
  {
    guint8 data[SHOAL_FRAME_HEADER_SIZE];
    ShoalFrameHeader header;
    g_autoptr(GError) error = NULL;

    shoal_frame_header_write (data, SHOAL_FRAME_UNICAST, 1001);
    g_assert_true (shoal_frame_header_parse (data, 1001, &header, &error));
    g_assert_false (shoal_frame_header_parse (data, 1000, &header, &error));
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
  }
}

/* Ping, pong and data */

void
test_ping (void)
{
  const guint64 stamps[] = { 0, 1, 0x0102030405060708, G_MAXUINT64 };
  gsize i, size;

  g_test_summary ("Ping and pong are 16-byte frames carrying a big-endian u64 "
                  "stamp; any other body size is refused");

  for (i = 0; i < G_N_ELEMENTS (stamps); i++)
    {
      g_autoptr(GBytes) ping = shoal_frame_encode_ping (SHOAL_FRAME_PING, stamps[i]);
      g_autoptr(GBytes) pong = shoal_frame_encode_ping (SHOAL_FRAME_PONG, stamps[i]);
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) error = NULL;
      const guint8 *data = g_bytes_get_data (ping, &size);
      guint64 stamp = 0;
      gsize b;

      g_assert_cmpuint (size, ==, 16);
      g_assert_cmpuint (data[0], ==, SHOAL_FRAME_PING);
      g_assert_cmpuint (((const guint8 *) g_bytes_get_data (pong, NULL))[0], ==, SHOAL_FRAME_PONG);
      g_assert_cmpmem (data + 1, 7, "\0\0\0\0\0\0\x08", 7);
      for (b = 0; b < 8; b++)
        g_assert_cmpuint (data[8 + b], ==, (guint8) (stamps[i] >> (56 - 8 * b)));

      body = frame_body (pong);
      g_assert_true (shoal_frame_decode_ping (body, &stamp, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (stamp, ==, stamps[i]);
    }

  for (size = 0; size < 20; size++)
    {
      g_autofree guint8 *zeros = g_malloc0 (size + 1);
      g_autoptr(GBytes) body = g_bytes_new (zeros, size);
      g_autoptr(GError) error = NULL;

      if (size == 8)
        continue;
      g_assert_false (shoal_frame_decode_ping (body, NULL, &error));
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
    }
}

void
test_data_header (void)
{
  const gsize lengths[] = { 0, 1, 65536, SHOAL_FRAME_MAX_MESSAGE };
  const guint64 seqs[] = { 1, 255, 1ull << 40, G_MAXUINT64 };
  gsize i;

  g_test_summary ("A data frame is an 8-byte header counting the body, then the "
                  "message's sequence number (u64, big-endian), then the message, for "
                  "empty up to maximum-size messages; the payload comes back as a slice");

  for (i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      guint8 prefix[SHOAL_FRAME_HEADER_SIZE + SHOAL_FRAME_SEQ_SIZE];
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GBytes) payload = NULL;
      ShoalFrameHeader header;
      guint8 *body_data = g_malloc0 (lengths[i] + SHOAL_FRAME_SEQ_SIZE);
      guint64 seq = 0;

      shoal_frame_data_prefix (prefix, i % 2 ? SHOAL_FRAME_BROADCAST : SHOAL_FRAME_UNICAST,
                               seqs[i], lengths[i]);
      g_assert_true (shoal_frame_header_parse (prefix, SHOAL_FRAME_MAX_DATA_BODY, &header,
                                               &error));
      g_assert_no_error (error);
      g_assert_cmpuint (header.type, ==, i % 2 ? SHOAL_FRAME_BROADCAST : SHOAL_FRAME_UNICAST);
      g_assert_cmpuint (header.body_length, ==, lengths[i] + SHOAL_FRAME_SEQ_SIZE);
      g_assert_cmpuint (prefix[SHOAL_FRAME_HEADER_SIZE + 7], ==, seqs[i] & 0xff);
      g_assert_cmpuint (prefix[SHOAL_FRAME_HEADER_SIZE], ==, seqs[i] >> 56);

      memcpy (body_data, prefix + SHOAL_FRAME_HEADER_SIZE, SHOAL_FRAME_SEQ_SIZE);
      if (lengths[i] > 0)
        body_data[SHOAL_FRAME_SEQ_SIZE] = 0x5a;
      body = g_bytes_new_take (body_data, lengths[i] + SHOAL_FRAME_SEQ_SIZE);
      g_assert_true (shoal_frame_decode_data (body, &seq, &payload, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (seq, ==, seqs[i]);
      g_assert_cmpuint (g_bytes_get_size (payload), ==, lengths[i]);
      if (lengths[i] > 0)
        {
          /* A slice of the body, not a copy. */
          g_assert_true (g_bytes_get_data (payload, NULL) ==
                         (const guint8 *) g_bytes_get_data (body, NULL) + SHOAL_FRAME_SEQ_SIZE);
          g_assert_cmpuint (((const guint8 *) g_bytes_get_data (payload, NULL))[0], ==, 0x5a);
        }
    }
}

void
test_data_malformed (void)
{
  static const guint8 short_body[] = { 0, 0, 0, 0, 0, 0, 1 };
  static const guint8 zero_seq[] = { 0, 0, 0, 0, 0, 0, 0, 0, 'x' };
  g_autoptr(GBytes) too_short = g_bytes_new_static (short_body, sizeof short_body);
  g_autoptr(GBytes) zero = g_bytes_new_static (zero_seq, sizeof zero_seq);
  g_autoptr(GError) error = NULL;

  g_test_summary ("A data body too short for its sequence number, or numbered 0, is a "
                  "protocol error");

  g_assert_false (shoal_frame_decode_data (too_short, NULL, NULL, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_false (shoal_frame_decode_data (zero, NULL, NULL, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
}

void
test_ack (void)
{
  g_autoptr(GBytes) frame = shoal_frame_encode_ack (0x0102030405060708);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) wrong = g_bytes_new_static ("1234567", 7);
  g_autoptr(GError) error = NULL;
  static const guint8 expected[] = { 0x20, 0, 0, 0, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
  guint64 seq = 0;

  g_test_summary ("An ACK is a 16-byte frame carrying one big-endian u64; any other body "
                  "length is a protocol error");

  g_assert_cmpmem (g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                   expected, sizeof expected);
  body = g_bytes_new_from_bytes (frame, SHOAL_FRAME_HEADER_SIZE, SHOAL_FRAME_ACK_BODY_SIZE);
  g_assert_true (shoal_frame_decode_ack (body, &seq, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seq, ==, 0x0102030405060708);
  g_assert_false (shoal_frame_decode_ack (wrong, &seq, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
}
