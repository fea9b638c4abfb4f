/* fuzz-codec.c: checks shared by the codec's fuzz targets
 *
 * What must hold for any body a peer sends, beyond "no crash": a body the
 * decoder accepts holds only what the protocol allows and survives being
 * encoded and decoded again unchanged; a body it refuses gets a protocol
 * error whose message a link can send back in its GOODBYE. The frame limits
 * are written out here from doc/PROTOCOL.md (section 13) rather than taken
 * from the codec, so that a codec that drifts from the document is caught.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-group-name.h"
#include "fuzz-codec.h"

/* GOODBYE messages are at most this long (doc/PROTOCOL.md, section 7). */
#define GOODBYE_MESSAGE_MAX 256u

/**
 * fuzz_frame_length_allowed:
 * @type: a frame type byte
 * @body_length: the body length its header says
 * @max_data_body: the data frame limit the reader was given
 *
 * Returns: whether doc/PROTOCOL.md lets a frame of @type have @body_length
 */
gboolean
fuzz_frame_length_allowed (guint8  type,
                           guint32 body_length,
                           gsize   max_data_body)
{
  switch (type)
    {
    case 0x01: /* HELLO: room for 256 groups of 255 bytes */
      return body_length >= 1 && body_length <= 73728;
    case 0x02: /* GOODBYE */
      return body_length <= 4096;
    case 0x05: /* PEERS */
      return body_length >= 1 && body_length <= 16384;
    case 0x03: /* PING */
    case 0x04: /* PONG */
    case 0x20: /* ACK */
      return body_length == 8;
    case 0x10: /* UNICAST */
    case 0x11: /* BROADCAST */
      return body_length >= 8 && body_length <= MIN (max_data_body, (gsize) 16777216 + 8);
    case 0x12: /* GROUP: a sequence number, a name of 0..255 bytes behind its length */
      return body_length >= 9 &&
             body_length <= MIN (max_data_body + 256, (gsize) 16777216 + 8 + 256);
    case 0x30: /* JOIN */
    case 0x31: /* LEAVE */
      return body_length >= 1 && body_length <= 255;
    default:
      return FALSE;
    }
}

/**
 * fuzz_check_protocol_error:
 * @error: what a decoder said about a refused body
 *
 * Checks that the refusal is a protocol error that a link can send in its
 * GOODBYE(protocol-error) and the peer can read back.
 */
void
fuzz_check_protocol_error (GError *error)
{
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree gchar *message = NULL;
  ShoalFrameHeader header;
  guint32 code = G_MAXUINT32;

  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));

  frame = shoal_frame_encode_goodbye (SHOAL_GOODBYE_PROTOCOL_ERROR, error->message);
  g_assert_nonnull (frame);
  g_assert_true (shoal_frame_header_parse (g_bytes_get_data (frame, NULL),
                                           SHOAL_FRAME_MAX_DATA_BODY, &header, NULL));
  body = g_bytes_new_from_bytes (frame, SHOAL_FRAME_HEADER_SIZE, header.body_length);
  g_assert_true (shoal_frame_decode_goodbye (body, &code, &message, NULL));
  g_assert_cmpuint (code, ==, SHOAL_GOODBYE_PROTOCOL_ERROR);
  g_assert_nonnull (message);
  g_assert_true (g_str_has_prefix (error->message, message));
}

static void
check_hello_valid (const ShoalHello *hello)
{
  g_assert_true (shoal_peer_id_is_valid (hello->peer_id));
  g_assert_true (shoal_peer_id_is_valid (hello->session_id));
  g_assert_true (shoal_hello_name_is_valid (hello->name));
  g_assert_true (hello->accept == TRUE || hello->accept == FALSE);
  if (hello->proof != NULL)
    g_assert_cmpuint (g_bytes_get_size (hello->proof), ==, SHOAL_HELLO_PROOF_SIZE);
}

/**
 * fuzz_hello_body:
 * @body: a HELLO body from the fuzzer
 *
 * Decodes @body; if accepted, encodes the result, decodes that again and
 * compares, and checks negotiation against the rule of doc/PROTOCOL.md.
 */
void
fuzz_hello_body (GBytes *body)
{
  g_auto(ShoalHello) hello = { 0 };
  g_auto(ShoalHello) again = { 0 };
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) frame_body = NULL;
  g_autoptr(GError) error = NULL;
  ShoalFrameHeader header;
  guint32 version = 0;
  gboolean agreed;

  if (!shoal_frame_decode_hello (body, &hello, &error))
    {
      fuzz_check_protocol_error (error);
      return;
    }
  g_assert_no_error (error);
  check_hello_valid (&hello);

  /* Negotiation: this node speaks 2 only, so a version is agreed exactly
   * when the peer's range contains 2. */
  agreed = shoal_hello_negotiate (&hello, &version, &error);
  g_assert_cmpint (agreed, ==, hello.version >= 2 && hello.min_version <= 2);
  if (agreed)
    g_assert_cmpuint (version, ==, 2);
  else
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_VERSION_MISMATCH);
  g_clear_error (&error);

  frame = shoal_frame_encode_hello (&hello);
  g_assert_nonnull (frame);
  g_assert_true (shoal_frame_header_parse (g_bytes_get_data (frame, NULL),
                                           SHOAL_FRAME_MAX_DATA_BODY, &header, &error));
  g_assert_cmpuint (header.type, ==, SHOAL_FRAME_HELLO);
  g_assert_cmpuint (header.body_length + SHOAL_FRAME_HEADER_SIZE, ==, g_bytes_get_size (frame));
  frame_body = g_bytes_new_from_bytes (frame, SHOAL_FRAME_HEADER_SIZE, header.body_length);
  g_assert_true (shoal_frame_decode_hello (frame_body, &again, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (again.version, ==, hello.version);
  g_assert_cmpuint (again.min_version, ==, hello.min_version);
  g_assert_cmpstr (again.peer_id, ==, hello.peer_id);
  g_assert_cmpstr (again.session_id, ==, hello.session_id);
  g_assert_cmpstr (again.name, ==, hello.name);
  g_assert_cmpuint (again.port, ==, hello.port);
  g_assert_cmpint (again.accept, ==, hello.accept);
  g_assert_cmpint (again.proof != NULL, ==, hello.proof != NULL);
  if (hello.proof != NULL)
    g_assert_true (g_bytes_equal (again.proof, hello.proof));
}

/**
 * fuzz_goodbye_body:
 * @body: a GOODBYE body from the fuzzer
 *
 * Decodes @body; if accepted, checks the message and that encoding what was
 * read gives it back.
 */
void
fuzz_goodbye_body (GBytes *body)
{
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) frame_body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *message = NULL;
  g_autofree gchar *message_again = NULL;
  ShoalFrameHeader header;
  guint32 code = 0;
  guint32 code_again = 0;

  if (!shoal_frame_decode_goodbye (body, &code, &message, &error))
    {
      fuzz_check_protocol_error (error);
      return;
    }
  g_assert_no_error (error);
  g_assert_nonnull (shoal_goodbye_code_to_string (code));
  if (message != NULL)
    {
      g_assert_true (g_utf8_validate (message, -1, NULL));
      g_assert_cmpuint (strlen (message), <=, GOODBYE_MESSAGE_MAX);
    }

  frame = shoal_frame_encode_goodbye ((ShoalGoodbyeCode) code, message);
  g_assert_nonnull (frame);
  g_assert_true (shoal_frame_header_parse (g_bytes_get_data (frame, NULL),
                                           SHOAL_FRAME_MAX_DATA_BODY, &header, &error));
  g_assert_cmpuint (header.type, ==, SHOAL_FRAME_GOODBYE);
  frame_body = g_bytes_new_from_bytes (frame, SHOAL_FRAME_HEADER_SIZE, header.body_length);
  g_assert_true (shoal_frame_decode_goodbye (frame_body, &code_again, &message_again, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (code_again, ==, code);
  /* An empty message is not sent at all. */
  g_assert_cmpstr (message_again, ==, (message != NULL && *message != '\0') ? message : NULL);
}

/**
 * fuzz_data_body:
 * @body: a UNICAST or BROADCAST body from the fuzzer
 *
 * Decodes @body: a sequence number other than 0, then the payload, a slice
 * of @body; anything else is a protocol error.
 */
void
fuzz_data_body (GBytes *body)
{
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;
  gsize size = g_bytes_get_size (body);
  const guint8 *data = g_bytes_get_data (body, NULL);
  guint64 seq = 0;

  if (!shoal_frame_decode_data (body, &seq, &payload, &error))
    {
      fuzz_check_protocol_error (error);
      g_assert_true (size < 8 || memcmp (data, "\0\0\0\0\0\0\0\0", 8) == 0);
      return;
    }
  g_assert_cmpuint (size, >=, 8);
  g_assert_cmpuint (seq, !=, 0);
  g_assert_cmpuint (g_bytes_get_size (payload), ==, size - 8);
  if (size > 8)
    g_assert_true ((const guint8 *) g_bytes_get_data (payload, NULL) == data + 8);
}

/**
 * fuzz_ack_body:
 * @body: an ACK body from the fuzzer
 *
 * Decodes @body and checks that encoding the number gives the same bytes.
 */
void
fuzz_ack_body (GBytes *body)
{
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GError) error = NULL;
  guint64 seq = 0;

  if (!shoal_frame_decode_ack (body, &seq, &error))
    {
      g_assert_cmpuint (g_bytes_get_size (body), !=, 8);
      fuzz_check_protocol_error (error);
      return;
    }
  frame = shoal_frame_encode_ack (seq);
  g_assert_cmpmem ((const guint8 *) g_bytes_get_data (frame, NULL) + SHOAL_FRAME_HEADER_SIZE, 8,
                   g_bytes_get_data (body, NULL), 8);
}

/**
 * fuzz_ping_body:
 * @type: %SHOAL_FRAME_PING or %SHOAL_FRAME_PONG
 * @body: its body from the fuzzer
 *
 * Decodes @body and checks that encoding the stamp gives the same bytes.
 */
void
fuzz_ping_body (guint8  type,
                GBytes *body)
{
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GError) error = NULL;
  guint64 stamp = 0;

  if (!shoal_frame_decode_ping (body, &stamp, &error))
    {
      g_assert_cmpuint (g_bytes_get_size (body), !=, 8);
      fuzz_check_protocol_error (error);
      return;
    }
  g_assert_cmpuint (g_bytes_get_size (body), ==, 8);

  frame = shoal_frame_encode_ping ((ShoalFrameType) type, stamp);
  g_assert_cmpmem ((const guint8 *) g_bytes_get_data (frame, NULL) + SHOAL_FRAME_HEADER_SIZE, 8,
                   g_bytes_get_data (body, NULL), 8);
}

/**
 * fuzz_peers_body:
 * @body: a PEERS body from the fuzzer
 *
 * Decodes @body; what decodes must survive encoding and decoding again
 * unchanged, within the limits of doc/PROTOCOL.md section 8a.
 */
void
fuzz_peers_body (GBytes *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = shoal_frame_decode_peers (body, &error);
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GBytes) encoded = NULL;

  if (entries == NULL)
    {
      fuzz_check_protocol_error (error);
      return;
    }
  g_assert_cmpuint (entries->len, <=, SHOAL_PEERS_MAX_ENTRIES);
  encoded = shoal_frame_encode_peers (entries);
  again = shoal_frame_decode_peers (encoded, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->len, ==, entries->len);
  for (guint i = 0; i < entries->len; i++)
    {
      ShoalPeersEntry *a = g_ptr_array_index (entries, i);
      ShoalPeersEntry *b = g_ptr_array_index (again, i);

      g_assert_cmpstr (a->peer_id, ==, b->peer_id);
      g_assert_cmpuint (a->port, ==, b->port);
      g_assert_cmpuint (a->addresses->len, <=, SHOAL_PEERS_MAX_ADDRESSES);
      g_assert_cmpuint (a->addresses->len, ==, b->addresses->len);
    }
}

/**
 * fuzz_membership_body:
 * @type: JOIN or LEAVE
 * @body: its body from the fuzzer
 *
 * A body that decodes is a valid group name, and encodes to the same bytes.
 */
void
fuzz_membership_body (guint8  type,
                      GBytes *body)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *group = NULL;
  g_autoptr(GBytes) encoded = NULL;

  if (!shoal_frame_decode_membership (body, &group, &error))
    {
      fuzz_check_protocol_error (error);
      return;
    }
  g_assert_true (shoal_frame_group_name_is_valid (group, strlen (group)));
  encoded = shoal_frame_encode_membership (type, group);
  g_assert_cmpuint (g_bytes_get_size (encoded), ==,
                    SHOAL_FRAME_HEADER_SIZE + g_bytes_get_size (body));
  g_assert_cmpmem ((const guint8 *) g_bytes_get_data (encoded, NULL) + SHOAL_FRAME_HEADER_SIZE,
                   g_bytes_get_size (body), g_bytes_get_data (body, NULL),
                   g_bytes_get_size (body));
}

/**
 * fuzz_group_body:
 * @body: a GROUP body from the fuzzer
 *
 * A body that decodes has a sequence number other than 0, a valid name, and
 * the rest of its bytes, untouched, as the payload. Each body is decoded
 * twice: as a link's first GROUP frame, where a name left out is refused,
 * and after a frame to the group "k", which a name left out or repeated
 * means.
 */
void
fuzz_group_body (GBytes *body)
{
  gsize size = g_bytes_get_size (body);
  const guint8 *data = g_bytes_get_data (body, NULL);
  gchar *k = shoal_group_name_new ("k");

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) payload = NULL;
      gchar *previous = round == 0 ? NULL : k;
      gchar *group = NULL;
      guint64 seq = 0;
      gsize written;

      if (!shoal_frame_decode_group (body, previous, &seq, &group, &payload, &error))
        {
          fuzz_check_protocol_error (error);
          g_assert_null (group);
          continue;
        }
      g_assert_cmpuint (seq, !=, 0);
      written = data[8];
      if (group == previous)
        {
          /* Left out, or the name before written again. */
          g_assert_nonnull (previous);
          g_assert_true (written == 0 || (written == 1 && data[9] == 'k'));
        }
      else
        {
          g_assert_cmpuint (shoal_group_name_length (group), ==, written);
          g_assert_true (shoal_frame_group_name_is_valid (group, written));
          g_assert_cmpmem (group, written, data + 9, written);
          g_assert_cmpint (group[written], ==, '\0');
        }
      shoal_group_name_release (group);
      g_assert_cmpuint (g_bytes_get_size (payload), ==, size - 9 - written);
      g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload),
                       data + 9 + written, size - 9 - written);
    }
  shoal_group_name_release (k);
}
