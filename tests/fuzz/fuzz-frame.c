/* fuzz-frame.c: one frame, as the link reads it
 *
 * The input is one frame: its eight header bytes are parsed with the data
 * limit a node uses, and, when the header is accepted and the body is all
 * there, the body goes to the decoder its type calls for. The header's
 * verdict is checked against the limits of doc/PROTOCOL.md; the decoders'
 * results as fuzz-codec.c says.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-error.h"
#include "shoal-frame.h"
#include "fuzz-codec.h"
#include "fuzz-common.h"

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
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  ShoalFrameHeader header;
  guint32 length;
  gboolean allowed;

  if (size < SHOAL_FRAME_HEADER_SIZE)
    return 0;

  length = (guint32) data[4] << 24 | (guint32) data[5] << 16 | (guint32) data[6] << 8 | data[7];
  allowed = fuzz_frame_length_allowed (data[0], length, SHOAL_FRAME_MAX_DATA_BODY);

  if (!shoal_frame_header_parse (data, SHOAL_FRAME_MAX_DATA_BODY, &header, &error))
    {
      g_assert_false (allowed);
      fuzz_check_protocol_error (error);
      return 0;
    }
  g_assert_true (allowed);
  g_assert_cmpuint (header.type, ==, data[0]);
  g_assert_cmpuint (header.flags, ==, data[1]);
  g_assert_cmpuint (header.body_length, ==, length);

  if (size - SHOAL_FRAME_HEADER_SIZE < header.body_length)
    return 0;
  body = g_bytes_new (data + SHOAL_FRAME_HEADER_SIZE, header.body_length);

  switch (header.type)
    {
    case SHOAL_FRAME_HELLO:
      fuzz_hello_body (body);
      break;
    case SHOAL_FRAME_GOODBYE:
      fuzz_goodbye_body (body);
      break;
    case SHOAL_FRAME_PING:
    case SHOAL_FRAME_PONG:
      fuzz_ping_body (header.type, body);
      break;
    case SHOAL_FRAME_ACK:
      fuzz_ack_body (body);
      break;
    case SHOAL_FRAME_PEERS:
      fuzz_peers_body (body);
      break;
    case SHOAL_FRAME_JOIN:
    case SHOAL_FRAME_LEAVE:
      fuzz_membership_body (header.type, body);
      break;
    case SHOAL_FRAME_GROUP:
      fuzz_group_body (body);
      break;
    default:
      /* A sequence number, then the application's bytes as they are. */
      fuzz_data_body (body);
      break;
    }

  return 0;
}
