/* test-frame-reader-common.c: the frame-reader program's sample frames
 *
 * Part of the frame-reader program (test-frame-reader.c): what several of
 * its files use, declared in test-frame-reader.h.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-frame-reader.h"
#include "test-frame-reader.h"

/* Helpers */

GBytes *
reader_make_data_frame (ShoalFrameType type,
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

GBytes *
reader_pattern_bytes (gsize  size,
                      guint8 seed)
{
  guint8 *data = g_malloc (MAX (size, 1));
  gsize i;

  for (i = 0; i < size; i++)
    data[i] = (guint8) (i * 31 + seed);
  return g_bytes_new_take (data, size);
}

ShoalHello
reader_sample_hello (void)
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
