/* shoal-frame.c: the protocol v2 wire codec
 *
 * Everything a peer sends is checked here before the rest of the engine sees
 * it: frame types, body lengths (from the eight header bytes alone, before
 * anything is allocated for the body), and the GVariant bodies of the control
 * frames. doc/PROTOCOL.md is the normative description and must agree with
 * this file. The hello, the largest of those bodies, is in
 * shoal-frame-hello.c; shoal-frame-reader.c applies the header checks to a
 * link's stream and cuts the frames out of it.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame.h"
#include "shoal-frame-private.h"

/* The longest goodbye message, in bytes of UTF-8. */
#define GOODBYE_MESSAGE_MAX_BYTES 256u

/* Header */

/**
 * shoal_frame_header_write:
 * @out: where the eight header bytes go
 * @type: the frame type
 * @body_length: the length of the body that follows
 *
 * Writes a header: flags and reserved bytes are zero.
 */
void
shoal_frame_header_write (guint8          out[SHOAL_FRAME_HEADER_SIZE],
                          ShoalFrameType  type,
                          guint32         body_length)
{
  out[0] = (guint8) type;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  out[4] = (guint8) (body_length >> 24);
  out[5] = (guint8) (body_length >> 16);
  out[6] = (guint8) (body_length >> 8);
  out[7] = (guint8) body_length;
}

/**
 * shoal_frame_type_to_string:
 * @type: a frame type byte
 *
 * Returns: (transfer none): the frame type's name for logs, or "unknown"
 */
const gchar *
shoal_frame_type_to_string (guint8 type)
{
  switch (type)
    {
    case SHOAL_FRAME_HELLO:
      return "hello";
    case SHOAL_FRAME_GOODBYE:
      return "goodbye";
    case SHOAL_FRAME_PING:
      return "ping";
    case SHOAL_FRAME_PONG:
      return "pong";
    case SHOAL_FRAME_PEERS:
      return "peers";
    case SHOAL_FRAME_ACK:
      return "ack";
    case SHOAL_FRAME_UNICAST:
      return "unicast";
    case SHOAL_FRAME_BROADCAST:
      return "broadcast";
    case SHOAL_FRAME_GROUP:
      return "group";
    case SHOAL_FRAME_JOIN:
      return "join";
    case SHOAL_FRAME_LEAVE:
      return "leave";
    default:
      return "unknown";
    }
}

/**
 * shoal_frame_header_parse:
 * @data: eight header bytes
 * @max_data_body: the largest body a data frame may have
 * @out: (out caller-allocates): the parsed header
 * @error: return location for a %SHOAL_ERROR_PROTOCOL error
 *
 * Parses a header and checks the type and the body length against the limits
 * of that type, so that a reader knows whether to accept the frame before it
 * has allocated anything for the body. Flags and the reserved bytes are
 * ignored, as the protocol requires.
 *
 * Returns: %TRUE if the header is acceptable
 */
gboolean
shoal_frame_header_parse (const guint8      data[SHOAL_FRAME_HEADER_SIZE],
                          gsize             max_data_body,
                          ShoalFrameHeader *out,
                          GError          **error)
{
  guint8 type = data[0];
  guint32 length = ((guint32) data[4] << 24) | ((guint32) data[5] << 16) |
                   ((guint32) data[6] << 8) | (guint32) data[7];
  gsize min_length = 0;
  gsize max_length = 0;

  switch (type)
    {
    case SHOAL_FRAME_HELLO:
      min_length = 1;
      max_length = SHOAL_FRAME_MAX_HELLO_BODY;
      break;
    case SHOAL_FRAME_GOODBYE:
      min_length = 0;
      max_length = SHOAL_FRAME_MAX_CONTROL_BODY;
      break;
    case SHOAL_FRAME_PEERS:
      min_length = 1;
      max_length = SHOAL_FRAME_MAX_PEERS_BODY;
      break;
    case SHOAL_FRAME_PING:
    case SHOAL_FRAME_PONG:
    case SHOAL_FRAME_ACK:
      min_length = SHOAL_FRAME_PING_BODY_SIZE;
      max_length = SHOAL_FRAME_PING_BODY_SIZE;
      break;
    case SHOAL_FRAME_UNICAST:
    case SHOAL_FRAME_BROADCAST:
      min_length = SHOAL_FRAME_SEQ_SIZE;
      max_length = max_data_body;
      break;
    case SHOAL_FRAME_GROUP:
      min_length = SHOAL_FRAME_GROUP_MIN_BODY;
      max_length = max_data_body + SHOAL_FRAME_GROUP_MAX_PREFIX;
      break;
    case SHOAL_FRAME_JOIN:
    case SHOAL_FRAME_LEAVE:
      min_length = 1;
      max_length = SHOAL_GROUP_NAME_MAX_BYTES;
      break;
    default:
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Unknown frame type 0x%02x (body length %" G_GUINT32_FORMAT ")",
                   type, length);
      return FALSE;
    }

  if (length < min_length || length > max_length)
    {
      if (min_length == max_length)
        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                     "Frame type %s (0x%02x) has a body of %" G_GUINT32_FORMAT
                     " bytes; it must be exactly %" G_GSIZE_FORMAT,
                     shoal_frame_type_to_string (type), type, length, max_length);
      else
        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                     "Frame type %s (0x%02x) has a body of %" G_GUINT32_FORMAT
                     " bytes; it must be %" G_GSIZE_FORMAT "..%" G_GSIZE_FORMAT,
                     shoal_frame_type_to_string (type), type, length,
                     min_length, max_length);
      return FALSE;
    }

  out->type = type;
  out->flags = data[1];
  out->body_length = length;
  return TRUE;
}

/* Control bodies: a{sv} GVariants, little-endian on the wire */

/* GVariant serialises in host order; the wire is little-endian, so big-endian
 * hosts swap on the way out and on the way in. */
static GVariant *
vardict_to_wire (GVariant *host)
{
#if G_BYTE_ORDER == G_BIG_ENDIAN
  return g_variant_byteswap (host);
#else
  return g_variant_ref (host);
#endif
}

GBytes *
shoal_frame_encode_vardict (ShoalFrameType  type,
                            GVariant       *dict)
{
  g_autoptr(GVariant) wire = vardict_to_wire (dict);
  gsize body_length = g_variant_get_size (wire);
  guint8 *frame;

  g_return_val_if_fail (body_length <= (type == SHOAL_FRAME_HELLO ? SHOAL_FRAME_MAX_HELLO_BODY :
                                        SHOAL_FRAME_MAX_CONTROL_BODY), NULL);

  frame = g_malloc (SHOAL_FRAME_HEADER_SIZE + body_length);
  shoal_frame_header_write (frame, type, (guint32) body_length);
  g_variant_store (wire, frame + SHOAL_FRAME_HEADER_SIZE);

  return g_bytes_new_take (frame, SHOAL_FRAME_HEADER_SIZE + body_length);
}

/* Takes a body from the wire: it must be a normal-form a{sv}. GLib checks the
 * serialisation itself (trusted = FALSE), including that every string is
 * valid, nul-free UTF-8. */
GVariant *
shoal_frame_decode_vardict (GBytes       *body,
                            const gchar  *what,
                            gsize         max_body,
                            GError      **error)
{
  g_autoptr(GVariant) wire = NULL;

  if (g_bytes_get_size (body) > max_body)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "%s body of %" G_GSIZE_FORMAT " bytes exceeds the limit of %" G_GSIZE_FORMAT,
                   what, g_bytes_get_size (body), max_body);
      return NULL;
    }

  wire = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT,
                                                       body, FALSE));
  if (!g_variant_is_normal_form (wire))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "%s body (%" G_GSIZE_FORMAT " bytes) is not a normal-form "
                   "a{sv} GVariant",
                   what, g_bytes_get_size (body));
      return NULL;
    }

#if G_BYTE_ORDER == G_BIG_ENDIAN
  return g_variant_byteswap (wire);
#else
  return g_steal_pointer (&wire);
#endif
}

/* A known key must have its type and appear once; unknown keys are skipped,
 * so later versions can add keys that this version ignores. */
gboolean
shoal_frame_dict_lookup_fields (GVariant        *dict,
                                const gchar     *what,
                                ShoalDictField  *fields,
                                gsize            n_fields,
                                GError         **error)
{
  GVariantIter iter;
  const gchar *key;
  GVariant *value;
  gsize i;

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned_value = value;

      for (i = 0; i < n_fields; i++)
        {
          if (strcmp (key, fields[i].key) != 0)
            continue;

          if (!g_variant_is_of_type (owned_value, fields[i].type))
            {
              g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                           "%s key “%s” has type “%s”; expected “%s”",
                           what, key, g_variant_get_type_string (owned_value),
                           (const gchar *) fields[i].type);
              return FALSE;
            }
          if (fields[i].value != NULL)
            {
              g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                           "%s key “%s” appears more than once", what, key);
              return FALSE;
            }
          fields[i].value = g_steal_pointer (&owned_value);
          break;
        }
    }

  for (i = 0; i < n_fields; i++)
    {
      if (fields[i].required && fields[i].value == NULL)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                       "%s lacks the required key “%s”", what, fields[i].key);
          return FALSE;
        }
    }

  return TRUE;
}

void
shoal_frame_dict_fields_clear (ShoalDictField *fields,
                               gsize           n_fields)
{
  gsize i;

  for (i = 0; i < n_fields; i++)
    g_clear_pointer (&fields[i].value, g_variant_unref);
}

/* Goodbye */

/**
 * shoal_goodbye_code_to_string:
 * @code: a goodbye code, possibly one this version does not know
 *
 * Returns: (transfer none): the code's name for logs, or "unknown"
 */
const gchar *
shoal_goodbye_code_to_string (guint32 code)
{
  switch (code)
    {
    case SHOAL_GOODBYE_SHUTDOWN:
      return "shutdown";
    case SHOAL_GOODBYE_DUPLICATE:
      return "duplicate";
    case SHOAL_GOODBYE_PROTOCOL_ERROR:
      return "protocol-error";
    case SHOAL_GOODBYE_VERSION_MISMATCH:
      return "version-mismatch";
    case SHOAL_GOODBYE_REPLACED:
      return "replaced";
    case SHOAL_GOODBYE_SELF:
      return "self";
    case SHOAL_GOODBYE_TIMEOUT:
      return "timeout";
    case SHOAL_GOODBYE_OVERLOADED:
      return "overloaded";
    case SHOAL_GOODBYE_NOT_TRUSTED:
      return "not-trusted";
    case SHOAL_GOODBYE_DISCONNECTED:
      return "disconnected";
    default:
      return "unknown";
    }
}

/* Cuts @message to at most GOODBYE_MESSAGE_MAX_BYTES without splitting a
 * character. The message often quotes an error from elsewhere, so anything
 * that is not UTF-8 is repaired rather than refused. */
static gchar *
goodbye_message_truncate (const gchar *message)
{
  g_autofree gchar *valid = g_utf8_make_valid (message, -1);
  gsize length = strlen (valid);

  if (length > GOODBYE_MESSAGE_MAX_BYTES)
    {
      length = GOODBYE_MESSAGE_MAX_BYTES;
      /* Step back over continuation bytes (10xxxxxx) to a character start. */
      while (length > 0 && ((guchar) valid[length] & 0xc0) == 0x80)
        length--;
      valid[length] = '\0';
    }

  return g_steal_pointer (&valid);
}

/**
 * shoal_frame_encode_goodbye:
 * @code: why the link is closing
 * @message: (nullable): a reason for the peer's log; truncated to 256 bytes
 *
 * Returns: (transfer full): the whole goodbye frame, header and body
 */
GBytes *
shoal_frame_encode_goodbye (ShoalGoodbyeCode  code,
                            const gchar      *message)
{
  GVariantBuilder builder;
  g_autoptr(GVariant) dict = NULL;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "code",
                         g_variant_new_uint32 ((guint32) code));
  if (message != NULL && *message != '\0')
    {
      g_autofree gchar *truncated = goodbye_message_truncate (message);

      g_variant_builder_add (&builder, "{sv}", "message",
                             g_variant_new_string (truncated));
    }
  dict = g_variant_ref_sink (g_variant_builder_end (&builder));

  return shoal_frame_encode_vardict (SHOAL_FRAME_GOODBYE, dict);
}

enum {
  GOODBYE_CODE,
  GOODBYE_MESSAGE,
  N_GOODBYE_FIELDS
};

/**
 * shoal_frame_decode_goodbye:
 * @body: a goodbye frame's body (without the header); may be empty
 * @out_code: (out) (optional): the code, 0 (shutdown) when absent; codes this
 *   version does not know are returned as they are
 * @out_message: (out) (optional) (nullable) (transfer full): the message, or
 *   %NULL when absent
 * @error: return location for a %SHOAL_ERROR_PROTOCOL error
 *
 * Returns: %TRUE if the body is a valid goodbye
 */
gboolean
shoal_frame_decode_goodbye (GBytes   *body,
                            guint32  *out_code,
                            gchar   **out_message,
                            GError  **error)
{
  g_autoptr(GVariant) dict = NULL;
  ShoalDictField fields[N_GOODBYE_FIELDS] = {
    [GOODBYE_CODE] = { "code", G_VARIANT_TYPE_UINT32, FALSE, NULL },
    [GOODBYE_MESSAGE] = { "message", G_VARIANT_TYPE_STRING, FALSE, NULL },
  };
  const gchar *message = NULL;
  gsize message_length = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* An empty body is the serialisation of an empty a{sv}. */
  dict = shoal_frame_decode_vardict (body, "Goodbye", SHOAL_FRAME_MAX_CONTROL_BODY, error);
  if (dict == NULL)
    return FALSE;

  if (!shoal_frame_dict_lookup_fields (dict, "Goodbye", fields, N_GOODBYE_FIELDS, error))
    goto out;

  if (fields[GOODBYE_MESSAGE].value != NULL)
    {
      message = g_variant_get_string (fields[GOODBYE_MESSAGE].value,
                                      &message_length);
      if (message_length > GOODBYE_MESSAGE_MAX_BYTES)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                       "Goodbye message of %" G_GSIZE_FORMAT " bytes exceeds "
                       "the limit of %u", message_length,
                       GOODBYE_MESSAGE_MAX_BYTES);
          goto out;
        }
    }

  if (out_code != NULL)
    *out_code = fields[GOODBYE_CODE].value != NULL ?
                g_variant_get_uint32 (fields[GOODBYE_CODE].value) :
                SHOAL_GOODBYE_SHUTDOWN;
  if (out_message != NULL)
    *out_message = g_strdup (message);
  ok = TRUE;

out:
  shoal_frame_dict_fields_clear (fields, N_GOODBYE_FIELDS);
  return ok;
}

/* Ping, pong and ack: a header, then one big-endian u64. */

static GBytes *
encode_u64_frame (ShoalFrameType type,
                  guint64        value)
{
  guint8 *frame = g_malloc (SHOAL_FRAME_HEADER_SIZE + sizeof (guint64));
  guint64 value_be = GUINT64_TO_BE (value);

  shoal_frame_header_write (frame, type, sizeof (guint64));
  memcpy (frame + SHOAL_FRAME_HEADER_SIZE, &value_be, sizeof (value_be));
  return g_bytes_new_take (frame, SHOAL_FRAME_HEADER_SIZE + sizeof (guint64));
}

static gboolean
decode_u64_body (GBytes       *body,
                 const gchar  *what,
                 guint64      *out_value,
                 GError      **error)
{
  gsize size;
  const guint8 *data;
  guint64 value_be;

  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  data = g_bytes_get_data (body, &size);
  if (size != sizeof (guint64))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "%s body has %" G_GSIZE_FORMAT " bytes; it must be exactly %u",
                   what, size, (guint) sizeof (guint64));
      return FALSE;
    }
  memcpy (&value_be, data, sizeof (value_be));
  if (out_value != NULL)
    *out_value = GUINT64_FROM_BE (value_be);
  return TRUE;
}

/* Ping and pong */

/**
 * shoal_frame_encode_ping:
 * @type: %SHOAL_FRAME_PING or %SHOAL_FRAME_PONG
 * @stamp: the stamp; a pong echoes its ping's
 *
 * Returns: (transfer full): the whole 16-byte frame
 */
GBytes *
shoal_frame_encode_ping (ShoalFrameType type,
                         guint64        stamp)
{
  g_return_val_if_fail (type == SHOAL_FRAME_PING || type == SHOAL_FRAME_PONG, NULL);

  return encode_u64_frame (type, stamp);
}

/**
 * shoal_frame_decode_ping:
 * @body: a ping or pong frame's body
 * @out_stamp: (out) (optional): the stamp
 * @error: return location for a %SHOAL_ERROR_PROTOCOL error
 *
 * Returns: %TRUE if the body is eight bytes
 */
gboolean
shoal_frame_decode_ping (GBytes   *body,
                         guint64  *out_stamp,
                         GError  **error)
{
  return decode_u64_body (body, "Ping or pong", out_stamp, error);
}

/* Acks and data */

/**
 * shoal_frame_encode_ack:
 * @seq: the highest sequence number delivered, every one before it too
 *
 * Returns: (transfer full): the whole 16-byte frame
 */
GBytes *
shoal_frame_encode_ack (guint64 seq)
{
  return encode_u64_frame (SHOAL_FRAME_ACK, seq);
}

/**
 * shoal_frame_decode_ack:
 * @body: an ack frame's body
 * @out_seq: (out) (optional): the sequence number it acknowledges
 * @error: return location for a %SHOAL_ERROR_PROTOCOL error
 *
 * Returns: %TRUE if the body is eight bytes
 */
gboolean
shoal_frame_decode_ack (GBytes   *body,
                        guint64  *out_seq,
                        GError  **error)
{
  return decode_u64_body (body, "Ack", out_seq, error);
}

/**
 * shoal_frame_data_prefix:
 * @out: where to write the 16 bytes that precede the payload
 * @type: %SHOAL_FRAME_UNICAST or %SHOAL_FRAME_BROADCAST
 * @seq: the message's sequence number
 * @payload_size: the payload's length
 *
 * Writes a data frame's header and sequence number, so that the payload
 * can follow from its own buffer, uncopied.
 */
void
shoal_frame_data_prefix (guint8          out[SHOAL_FRAME_HEADER_SIZE + SHOAL_FRAME_SEQ_SIZE],
                         ShoalFrameType  type,
                         guint64         seq,
                         gsize           payload_size)
{
  guint64 seq_be = GUINT64_TO_BE (seq);

  g_return_if_fail (payload_size <= SHOAL_FRAME_MAX_MESSAGE);

  shoal_frame_header_write (out, type, (guint32) (payload_size + SHOAL_FRAME_SEQ_SIZE));
  memcpy (out + SHOAL_FRAME_HEADER_SIZE, &seq_be, sizeof (seq_be));
}

/**
 * shoal_frame_decode_data:
 * @body: a unicast or broadcast frame's body
 * @out_seq: (out) (optional): the message's sequence number
 * @out_payload: (out) (optional) (transfer full): the message, a slice of @body
 * @error: return location for a %SHOAL_ERROR_PROTOCOL error
 *
 * Returns: %TRUE if the body holds a sequence number; zero is not one
 */
gboolean
shoal_frame_decode_data (GBytes   *body,
                         guint64  *out_seq,
                         GBytes  **out_payload,
                         GError  **error)
{
  gsize size;
  const guint8 *data;
  guint64 seq_be;

  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  data = g_bytes_get_data (body, &size);
  if (size < SHOAL_FRAME_SEQ_SIZE)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Data frame body has %" G_GSIZE_FORMAT " bytes; it must hold at least "
                   "its %u-byte sequence number", size, SHOAL_FRAME_SEQ_SIZE);
      return FALSE;
    }
  memcpy (&seq_be, data, sizeof (seq_be));
  if (GUINT64_FROM_BE (seq_be) == 0)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                           "Data frame has sequence number 0; the first is 1");
      return FALSE;
    }
  if (out_seq != NULL)
    *out_seq = GUINT64_FROM_BE (seq_be);
  if (out_payload != NULL)
    *out_payload = g_bytes_new_from_bytes (body, SHOAL_FRAME_SEQ_SIZE, size - SHOAL_FRAME_SEQ_SIZE);
  return TRUE;
}
