/* test-frame.c: unit tests for the protocol 2 wire codec
 *
 * Round trips of every frame type, every kind of malformed header and body,
 * version negotiation, the hello's accept and proof keys, and the hex
 * examples of doc/PROTOCOL.md. The stream reader has its own tests in
 * test-frame-reader.c; what TLS proves is tested with the node.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame.h"

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

/* The network key proof of the examples: the bytes 00 01 02 … 1f. */
static const guint8 sample_proof[SHOAL_HELLO_PROOF_SIZE] = {
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
  0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

/* Helpers */

static GBytes *
vardict_to_wire_bytes (GVariant *dict)
{
  g_autoptr(GVariant) sunk = g_variant_ref_sink (dict);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  g_autoptr(GVariant) wire = g_variant_byteswap (sunk);
#else
  g_autoptr(GVariant) wire = g_variant_ref (sunk);
#endif

  return g_variant_get_data_as_bytes (wire);
}

typedef struct {
  const gchar *skip;       /* key to leave out, or NULL */
  const gchar *replace;    /* key whose value is @value instead */
  GVariant    *value;      /* (nullable) floating */
  const gchar *extra_key;  /* key added at the end, or NULL */
  GVariant    *extra;      /* (nullable) floating */
} HelloEdit;

/* A valid protocol 2 hello body without a proof, with one key left out,
 * replaced or added. */
static GBytes *
build_hello_body (const HelloEdit *edit)
{
  GVariantBuilder builder;
  struct {
    const gchar *key;
    GVariant *value;
  } entries[] = {
    { "version", g_variant_new_uint32 (2) },
    { "min-version", g_variant_new_uint32 (2) },
    { "id", g_variant_new_string (ID_A) },
    { "session", g_variant_new_string (ID_B) },
    { "name", g_variant_new_string ("kitchen") },
    { "port", g_variant_new_uint16 (4242) },
    { "features", g_variant_new_strv (NULL, 0) },
    { "accept", g_variant_new_boolean (TRUE) },
  };
  gsize i;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      g_autoptr(GVariant) value = g_variant_ref_sink (entries[i].value);

      if (g_strcmp0 (edit->skip, entries[i].key) == 0)
        continue;
      if (g_strcmp0 (edit->replace, entries[i].key) == 0)
        g_variant_builder_add (&builder, "{sv}", entries[i].key, edit->value);
      else
        g_variant_builder_add (&builder, "{sv}", entries[i].key, value);
    }
  if (edit->extra_key != NULL)
    g_variant_builder_add (&builder, "{sv}", edit->extra_key, edit->extra);

  return vardict_to_wire_bytes (g_variant_builder_end (&builder));
}

static GBytes *
frame_body (GBytes *frame)
{
  return g_bytes_new_from_bytes (frame, SHOAL_FRAME_HEADER_SIZE,
                                 g_bytes_get_size (frame) - SHOAL_FRAME_HEADER_SIZE);
}

static GVariant *
proof_variant (gsize size)
{
  g_autofree guint8 *bytes = g_malloc0 (size + 1);

  for (gsize i = 0; i < size; i++)
    bytes[i] = (guint8) i;
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes, size, 1);
}

/* The hello of the examples in doc/PROTOCOL.md: it lets the receiver in and
 * carries no proof. */
static ShoalHello
sample_hello (void)
{
  ShoalHello hello = {
    .version = 2,
    .min_version = 2,
    .peer_id = g_strdup (ID_A),
    .session_id = g_strdup (ID_B),
    .name = g_strdup ("kitchen"),
    .port = 4242,
    .accept = TRUE,
  };

  return hello;
}

/* Header */

static void
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

static void
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

/* Hello */

static void
test_hello_round_trip (void)
{
  g_autoptr(GBytes) proof = g_bytes_new_static (sample_proof, sizeof sample_proof);
  gsize i;

  g_test_summary ("An encoded hello is a whole frame whose body decodes to the "
                  "same fields, with accept either way and with or without a "
                  "proof, and negotiates version 2");

  for (i = 0; i < 3; i++)
    {
      g_auto(ShoalHello) hello = sample_hello ();
      g_auto(ShoalHello) decoded = { 0 };
      g_autoptr(GBytes) frame = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) error = NULL;
      ShoalFrameHeader header;
      guint32 version = 0;

      /* The longest name, with multibyte characters. */
      g_free (hello.name);
      hello.name = g_strdup ("Büro-Rechner ☃ 012345678901234567890123456789012345678901234");
      g_assert_cmpuint (strlen (hello.name), ==, SHOAL_NAME_MAX_BYTES);
      hello.port = 65535;
      hello.accept = i != 1;
      hello.proof = i > 0 ? g_bytes_ref (proof) : NULL;

      frame = shoal_frame_encode_hello (&hello);
      g_assert_nonnull (frame);
      g_assert_true (shoal_frame_header_parse (g_bytes_get_data (frame, NULL),
                                               SHOAL_FRAME_MAX_DATA_BODY, &header, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (header.type, ==, SHOAL_FRAME_HELLO);
      g_assert_cmpuint (header.body_length + SHOAL_FRAME_HEADER_SIZE, ==,
                        g_bytes_get_size (frame));

      body = frame_body (frame);
      g_assert_true (shoal_frame_decode_hello (body, &decoded, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (decoded.version, ==, 2);
      g_assert_cmpuint (decoded.min_version, ==, 2);
      g_assert_cmpstr (decoded.peer_id, ==, ID_A);
      g_assert_cmpstr (decoded.session_id, ==, ID_B);
      g_assert_cmpstr (decoded.name, ==, hello.name);
      g_assert_cmpuint (decoded.port, ==, 65535);
      g_assert_cmpint (decoded.accept, ==, hello.accept);
      if (hello.proof == NULL)
        g_assert_null (decoded.proof);
      else
        g_assert_cmpmem (g_bytes_get_data (decoded.proof, NULL), g_bytes_get_size (decoded.proof),
                         sample_proof, sizeof sample_proof);

      g_assert_true (shoal_hello_negotiate (&decoded, &version, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (version, ==, 2);

      /* The body really is a little-endian a{sv}, readable by any GVariant
       * code: accept a boolean, proof a byte string. */
      {
        g_autoptr(GVariant) v = g_variant_ref_sink (
            g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, body, FALSE));
        g_autoptr(GVariant) wire_proof = NULL;
        guint32 wire_version = 0;
        guint16 wire_port = 0;
        gboolean wire_accept = !hello.accept;

        g_assert_true (g_variant_is_normal_form (v));
#if G_BYTE_ORDER == G_BIG_ENDIAN
        {
          GVariant *swapped = g_variant_byteswap (v);
          g_variant_unref (v);
          v = swapped;
        }
#endif
        g_assert_true (g_variant_lookup (v, "version", "u", &wire_version));
        g_assert_true (g_variant_lookup (v, "port", "q", &wire_port));
        g_assert_true (g_variant_lookup (v, "accept", "b", &wire_accept));
        g_assert_cmpuint (wire_version, ==, 2);
        g_assert_cmpuint (wire_port, ==, 65535);
        g_assert_cmpint (wire_accept, ==, hello.accept);
        wire_proof = g_variant_lookup_value (v, "proof", G_VARIANT_TYPE_BYTESTRING);
        if (hello.proof == NULL)
          {
            g_assert_null (wire_proof);
          }
        else
          {
            gsize n = 0;
            const guint8 *data = g_variant_get_fixed_array (wire_proof, &n, 1);

            g_assert_cmpmem (data, n, sample_proof, sizeof sample_proof);
          }
      }

      /* Clearing twice is harmless. */
      shoal_hello_clear (&decoded);
      shoal_hello_clear (&decoded);
      g_assert_null (decoded.peer_id);
      g_assert_null (decoded.proof);
    }
}

static void
test_hello_optional_keys (void)
{
  g_autoptr(GError) error = NULL;
  guint32 version = 0;

  g_test_summary ("Without min-version, features and proof a hello is still "
                  "valid (min-version 1, no proof), a 32-byte proof is taken, "
                  "and unknown keys are ignored");

  {
    HelloEdit edit = { .skip = "min-version" };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    g_auto(ShoalHello) hello = { 0 };

    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (hello.min_version, ==, 1);
    g_assert_true (shoal_hello_negotiate (&hello, &version, &error));
    g_assert_cmpuint (version, ==, 2);
  }
  {
    HelloEdit edit = { .skip = "features" };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    g_auto(ShoalHello) hello = { 0 };

    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_no_error (error);
    g_assert_true (hello.accept);
    g_assert_null (hello.proof);
  }
  {
    HelloEdit edit = { .replace = "accept", .value = g_variant_new_boolean (FALSE),
                       .extra_key = "proof", .extra = proof_variant (SHOAL_HELLO_PROOF_SIZE) };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    g_auto(ShoalHello) hello = { 0 };

    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_no_error (error);
    g_assert_false (hello.accept);
    g_assert_nonnull (hello.proof);
    g_assert_cmpmem (g_bytes_get_data (hello.proof, NULL), g_bytes_get_size (hello.proof),
                     sample_proof, sizeof sample_proof);
  }
  {
    const gchar *features[] = { "seq", "groups", NULL };
    HelloEdit edit = { .replace = "features", .value = g_variant_new_strv (features, -1),
                       .extra_key = "future-key", .extra = g_variant_new ("(ii)", 1, 2) };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    g_auto(ShoalHello) hello = { 0 };

    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (hello.name, ==, "kitchen");
  }
}

static void
assert_hello_refused (GBytes      *body,
                      const gchar *expect_in_message)
{
  ShoalHello hello = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_false (shoal_frame_decode_hello (body, &hello, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
  if (expect_in_message != NULL && strstr (error->message, expect_in_message) == NULL)
    g_error ("“%s” not in “%s”", expect_in_message, error->message);
  g_assert_null (hello.peer_id);
  g_assert_null (hello.name);
}

static void
test_hello_malformed (void)
{
  const gchar *required[] = { "version", "id", "session", "name", "port", "accept" };
  const gchar *wrong_types[] = {
    "version", "min-version", "id", "session", "name", "port", "features", "accept", "proof",
  };
  const gsize bad_proof_sizes[] = { 0, 1, 16, 31, 33, 64, 255 };
  const gchar *bad_ids[] = {
    "", "0123456789abcdef0123456789abcde",
    "0123456789abcdef0123456789abcdef0",
    "0123456789ABCDEF0123456789abcdef",
    "0123456789abcdef0123456789abcdeg",
    " 0123456789abcdef0123456789abcde",
  };
  const gchar *bad_names[] = {
    "",
    "0123456789012345678901234567890123456789012345678901234567890123", /* 64 */
    "tab\there", "new\nline", "bell\a", "del\x7f", "c1 \xc2\x85 control",
  };
  gsize i;

  g_test_summary ("Hello bodies that are not normal-form a{sv}, lack a required "
                  "key (accept among them), have a known key of the wrong type, a "
                  "duplicate key, a bad id, session or name, or a proof that is "
                  "not 32 bytes are protocol errors");

  /* Not a dictionary at all. */
  {
    g_autoptr(GBytes) body = vardict_to_wire_bytes (g_variant_new ("(us)", 1, "x"));
    assert_hello_refused (body, "a{sv}");
  }
  {
    const gchar *strv[] = { "version", "id", NULL };
    g_autoptr(GBytes) body = vardict_to_wire_bytes (g_variant_new_strv (strv, -1));
    assert_hello_refused (body, "a{sv}");
  }
  {
    g_autoptr(GBytes) body = g_bytes_new_static ("\xff\xff\xff\xff\xff", 5);
    assert_hello_refused (body, "a{sv}");
  }
  {
    g_autoptr(GBytes) body = g_bytes_new_static ("", 0);
    assert_hello_refused (body, "empty");
  }

  /* A valid dictionary with non-zero padding: readable, not normal form. The
   * dictionary {"ab": <uint32 7>} is "ab\0", 5 padding bytes, the variant
   * (07 00 00 00 00 'u'), the entry's offset 03 and the array's offset 0f. */
  {
    GVariantBuilder builder;
    g_autoptr(GBytes) good = NULL;
    g_autoptr(GBytes) bad = NULL;
    g_autoptr(GVariant) check = NULL;
    guint8 *data;

    g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&builder, "{sv}", "ab", g_variant_new_uint32 (7));
    good = vardict_to_wire_bytes (g_variant_builder_end (&builder));
    g_assert_cmpuint (g_bytes_get_size (good), ==, 16);
    data = g_memdup2 (g_bytes_get_data (good, NULL), 16);
    g_assert_cmpmem (data, 8, "ab\0\0\0\0\0\0", 8);
    data[4] = 0x01;
    bad = g_bytes_new_take (data, 16);
    check = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, bad, FALSE));
    g_assert_false (g_variant_is_normal_form (check));
    assert_hello_refused (bad, "normal-form");
  }

  /* A whole, otherwise valid hello with one non-zero padding byte: GLib
   * would read every key from it, so only the normal-form check refuses it.
   * Entry one is "version\0", <uint32 1> ("01 00 00 00 00 'u'") and its
   * offset byte (08, where the key ends): 15 bytes, so byte 15 pads entry
   * two to 8-byte alignment. Version 2 is "02 00 00 00". */
  {
    HelloEdit edit = { 0 };
    g_autoptr(GBytes) good = build_hello_body (&edit);
    g_autoptr(GBytes) bad = NULL;
    g_autoptr(GVariant) check = NULL;
    gsize size = g_bytes_get_size (good);
    guint8 *data = g_memdup2 (g_bytes_get_data (good, NULL), size);
    guint32 version = 0;
    guint16 port = 0;

    g_assert_cmpmem (data, 15, "version\0\2\0\0\0\0u\x08", 15);
    g_assert_cmpuint (data[15], ==, 0);
    data[15] = 0x55;
    bad = g_bytes_new_take (data, size);
    check = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, bad, FALSE));
    g_assert_false (g_variant_is_normal_form (check));
    g_assert_true (g_variant_lookup (check, "version", "u", &version));
    g_assert_true (g_variant_lookup (check, "port", "q", &port));
    g_assert_cmpuint (port, ==, 4242);
    assert_hello_refused (bad, "normal-form");
  }

  /* A boolean is one byte, 00 or 01: accept as 02 is read as true by GLib
   * but is not normal form. The accept entry is the body's last, so its
   * value byte is the one before "00 'b'", the entry's offset and the
   * array's eight offsets. */
  {
    HelloEdit edit = { 0 };
    g_autoptr(GBytes) good = build_hello_body (&edit);
    g_autoptr(GBytes) bad = NULL;
    g_autoptr(GVariant) check = NULL;
    gsize size = g_bytes_get_size (good);
    guint8 *data = g_memdup2 (g_bytes_get_data (good, NULL), size);
    gboolean accept = FALSE;

    g_assert_cmpmem (data + size - 12, 3, "\1\0b", 3);
    data[size - 12] = 0x02;
    bad = g_bytes_new_take (data, size);
    check = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, bad, FALSE));
    g_assert_false (g_variant_is_normal_form (check));
    g_assert_true (g_variant_lookup (check, "accept", "b", &accept));
    assert_hello_refused (bad, "normal-form");
  }

  /* A name that is not UTF-8 cannot even be a GVariant string. */
  {
    HelloEdit edit = { .replace = "name", .value = g_variant_new_string ("ab\xc3\xa9") };
    g_autoptr(GBytes) good = build_hello_body (&edit);
    g_autoptr(GBytes) bad = NULL;
    gsize size;
    const guint8 *data = g_bytes_get_data (good, &size);
    guint8 *copy = g_memdup2 (data, size);
    guint8 *p = NULL;
    gsize at;

    for (at = 0; at + 4 <= size && p == NULL; at++)
      if (memcmp (copy + at, "ab\xc3\xa9", 4) == 0)
        p = copy + at;

    g_assert_nonnull (p);
    p[3] = 0x28;   /* é becomes 0xc3 0x28: an invalid sequence */
    bad = g_bytes_new_take (copy, size);
    assert_hello_refused (bad, NULL);
  }

  for (i = 0; i < G_N_ELEMENTS (required); i++)
    {
      HelloEdit edit = { .skip = required[i] };
      g_autoptr(GBytes) body = build_hello_body (&edit);

      assert_hello_refused (body, required[i]);
    }

  for (i = 0; i < G_N_ELEMENTS (wrong_types); i++)
    {
      /* A string where a number is expected, a number where a string, a
       * list or a boolean is expected. The sample has no proof: one is
       * added. */
      gboolean wants_number = g_str_equal (wrong_types[i], "version") ||
                              g_str_equal (wrong_types[i], "min-version") ||
                              g_str_equal (wrong_types[i], "port");
      GVariant *value = wants_number ? g_variant_new_string ("1") : g_variant_new_uint32 (1);
      HelloEdit replace = { .replace = wrong_types[i], .value = value };
      HelloEdit add = { .extra_key = wrong_types[i], .extra = value };
      g_autoptr(GBytes) body =
        build_hello_body (g_str_equal (wrong_types[i], "proof") ? &add : &replace);

      assert_hello_refused (body, wrong_types[i]);
    }

  /* Same size, wrong type: a u32 port, a signed version, accept as a byte,
   * a proof of 32 characters or of eight u32s. */
  {
    HelloEdit edit = { .replace = "port", .value = g_variant_new_uint32 (4242) };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    assert_hello_refused (body, "port");
  }
  {
    HelloEdit edit = { .replace = "version", .value = g_variant_new_int32 (2) };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    assert_hello_refused (body, "version");
  }
  {
    HelloEdit edit = { .replace = "accept", .value = g_variant_new_byte (1) };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    assert_hello_refused (body, "accept");
  }
  {
    HelloEdit edit = { .extra_key = "proof", .extra = g_variant_new_string (ID_A) };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    assert_hello_refused (body, "proof");
  }
  {
    const guint32 words[8] = { 0, };
    HelloEdit edit = { .extra_key = "proof",
                       .extra = g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, words, 8,
                                                           sizeof (guint32)) };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    assert_hello_refused (body, "proof");
  }

  /* A proof is exactly 32 bytes; the error says how many it had. */
  for (i = 0; i < G_N_ELEMENTS (bad_proof_sizes); i++)
    {
      HelloEdit edit = { .extra_key = "proof", .extra = proof_variant (bad_proof_sizes[i]) };
      g_autoptr(GBytes) body = build_hello_body (&edit);
      g_autofree gchar *expected =
        g_strdup_printf ("Hello proof has %" G_GSIZE_FORMAT " bytes; it must have 32",
                         bad_proof_sizes[i]);

      assert_hello_refused (body, expected);
    }

  /* A known key twice. */
  {
    HelloEdit edit = { .extra_key = "id", .extra = g_variant_new_string (ID_B) };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    assert_hello_refused (body, "more than once");
  }
  {
    HelloEdit edit = { .extra_key = "accept", .extra = g_variant_new_boolean (TRUE) };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    assert_hello_refused (body, "more than once");
  }

  for (i = 0; i < G_N_ELEMENTS (bad_ids); i++)
    {
      HelloEdit id_edit = { .replace = "id", .value = g_variant_new_string (bad_ids[i]) };
      HelloEdit session_edit = { .replace = "session", .value = g_variant_new_string (bad_ids[i]) };
      g_autoptr(GBytes) id_body = build_hello_body (&id_edit);
      g_autoptr(GBytes) session_body = build_hello_body (&session_edit);

      assert_hello_refused (id_body, "id");
      assert_hello_refused (session_body, "session");
    }

  for (i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      HelloEdit edit = { .replace = "name", .value = g_variant_new_string (bad_names[i]) };
      g_autoptr(GBytes) body = build_hello_body (&edit);

      assert_hello_refused (body, "name");
      g_assert_false (shoal_hello_name_is_valid (bad_names[i]));
    }
  g_assert_false (shoal_hello_name_is_valid (NULL));
  g_assert_false (shoal_hello_name_is_valid ("bad \xff utf-8"));
  g_assert_true (shoal_hello_name_is_valid ("kitchen #2"));
  g_assert_true (shoal_hello_name_is_valid ("Büro ☃"));
}

static void
test_hello_negotiate (void)
{
  const struct {
    guint32 version;
    guint32 min_version;
    gboolean ok;
    guint32 agreed;
  } cases[] = {
    { 2, 2, TRUE, 2 },
    { 2, 1, TRUE, 2 },        /* a node that would still speak 1 */
    { 2, 0, TRUE, 2 },
    { 3, 1, TRUE, 2 },        /* a future node that still speaks 2 */
    { 3, 2, TRUE, 2 },
    { G_MAXUINT32, 2, TRUE, 2 },
    { 1, 1, FALSE, 0 },       /* a protocol 1 node */
    { 1, 0, FALSE, 0 },
    { 0, 0, FALSE, 0 },       /* version 0 does not exist */
    { 0, 1, FALSE, 0 },
    { 3, 3, FALSE, 0 },       /* min-version above ours */
    { 4, 3, FALSE, 0 },
    { G_MAXUINT32, 3, FALSE, 0 },
    { 2, 5, FALSE, 0 },       /* a contradictory range agrees on nothing */
  };
  gsize i;

  g_test_summary ("Negotiation agrees on min(our max, their version) when that "
                  "is within both ranges and at least 1; this build speaks 2..2, "
                  "anything else is a version mismatch naming both ranges");

  g_assert_cmpuint (SHOAL_PROTOCOL_VERSION_MIN, ==, 2);
  g_assert_cmpuint (SHOAL_PROTOCOL_VERSION_MAX, ==, 2);

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ShoalHello remote = { .version = cases[i].version, .min_version = cases[i].min_version };
      g_autoptr(GError) error = NULL;
      guint32 agreed = 1234;

      if (cases[i].ok)
        {
          g_assert_true (shoal_hello_negotiate (&remote, &agreed, &error));
          g_assert_no_error (error);
          g_assert_cmpuint (agreed, ==, cases[i].agreed);
        }
      else
        {
          g_autofree gchar *theirs = g_strdup_printf ("%u..%u", cases[i].min_version,
                                                      cases[i].version);

          g_assert_false (shoal_hello_negotiate (&remote, &agreed, &error));
          g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_VERSION_MISMATCH);
          g_assert_nonnull (strstr (error->message, theirs));
          g_assert_nonnull (strstr (error->message, "this node speaks 2..2"));
          g_assert_cmpuint (agreed, ==, 1234);
        }
    }

  /* The same through the wire: a v3 hello with min-version 2 decodes and
   * negotiates 2; hellos with version 0 or 1 decode and are refused as a
   * mismatch, not as malformed. */
  {
    HelloEdit edit = { .replace = "version", .value = g_variant_new_uint32 (3),
                       .extra_key = NULL };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    g_auto(ShoalHello) hello = { 0 };
    g_autoptr(GError) error = NULL;
    guint32 agreed = 0;

    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_true (shoal_hello_negotiate (&hello, &agreed, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (agreed, ==, 2);
  }
  {
    HelloEdit edit = { .replace = "version", .value = g_variant_new_uint32 (0) };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    g_auto(ShoalHello) hello = { 0 };
    g_autoptr(GError) error = NULL;

    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_false (shoal_hello_negotiate (&hello, NULL, &error));
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_VERSION_MISMATCH);
  }
  {
    /* Version 1 and no min-version, with every key protocol 2 requires
     * (a protocol 1 hello lacks accept: that one is malformed). */
    HelloEdit edit = { .skip = "min-version", .replace = "version",
                       .value = g_variant_new_uint32 (1) };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    g_auto(ShoalHello) hello = { 0 };
    g_autoptr(GError) error = NULL;

    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_cmpuint (hello.min_version, ==, 1);
    g_assert_false (shoal_hello_negotiate (&hello, NULL, &error));
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_VERSION_MISMATCH);
    g_assert_nonnull (strstr (error->message, "1..1"));
  }
  {
    HelloEdit edit = { .replace = "min-version", .value = g_variant_new_uint32 (3) };
    g_autoptr(GBytes) body = NULL;
    g_auto(ShoalHello) hello = { 0 };
    g_autoptr(GError) error = NULL;

    body = build_hello_body (&edit);
    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_cmpuint (hello.min_version, ==, 3);
    g_assert_false (shoal_hello_negotiate (&hello, NULL, &error));
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_VERSION_MISMATCH);
  }
}

/* Goodbye */

static void
test_goodbye_round_trip (void)
{
  const struct {
    guint32 code;
    const gchar *name;
  } codes[] = {
    { SHOAL_GOODBYE_SHUTDOWN, "shutdown" },
    { SHOAL_GOODBYE_DUPLICATE, "duplicate" },
    { SHOAL_GOODBYE_PROTOCOL_ERROR, "protocol-error" },
    { SHOAL_GOODBYE_VERSION_MISMATCH, "version-mismatch" },
    { SHOAL_GOODBYE_REPLACED, "replaced" },
    { SHOAL_GOODBYE_SELF, "self" },
    { SHOAL_GOODBYE_TIMEOUT, "timeout" },
    { SHOAL_GOODBYE_OVERLOADED, "overloaded" },
    { SHOAL_GOODBYE_NOT_TRUSTED, "not-trusted" },
    { SHOAL_GOODBYE_DISCONNECTED, "disconnected" },
    { 10, "unknown" },
    { G_MAXUINT32, "unknown" },
  };
  gsize i;

  g_test_summary ("Goodbye round trips with and without a message, every code "
                  "has its name (8 is not-trusted, 9 disconnected), unknown codes pass through, "
                  "an empty body means shutdown");

  g_assert_cmpuint (SHOAL_GOODBYE_NOT_TRUSTED, ==, 8);
  g_assert_cmpuint (SHOAL_GOODBYE_DISCONNECTED, ==, 9);

  for (i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autoptr(GBytes) with = shoal_frame_encode_goodbye (codes[i].code, "bye now ☺");
      g_autoptr(GBytes) without = shoal_frame_encode_goodbye (codes[i].code, NULL);
      g_autoptr(GBytes) with_body = frame_body (with);
      g_autoptr(GBytes) without_body = frame_body (without);
      g_autofree gchar *message = NULL;
      g_autoptr(GError) error = NULL;
      ShoalFrameHeader header;
      guint32 code = 1234;

      g_assert_cmpstr (shoal_goodbye_code_to_string (codes[i].code), ==, codes[i].name);

      g_assert_true (shoal_frame_header_parse (g_bytes_get_data (with, NULL),
                                               SHOAL_FRAME_MAX_DATA_BODY, &header, &error));
      g_assert_cmpuint (header.type, ==, SHOAL_FRAME_GOODBYE);
      g_assert_cmpuint (header.body_length, ==, g_bytes_get_size (with_body));

      g_assert_true (shoal_frame_decode_goodbye (with_body, &code, &message, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (code, ==, codes[i].code);
      g_assert_cmpstr (message, ==, "bye now ☺");
      g_clear_pointer (&message, g_free);

      code = 1234;
      g_assert_true (shoal_frame_decode_goodbye (without_body, &code, &message, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (code, ==, codes[i].code);
      g_assert_null (message);
    }

  /* An empty body is an empty a{sv}: shutdown, no message. */
  {
    g_autoptr(GBytes) body = g_bytes_new (NULL, 0);
    g_autofree gchar *message = NULL;
    g_autoptr(GError) error = NULL;
    guint32 code = 1234;

    g_assert_true (shoal_frame_decode_goodbye (body, &code, &message, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (code, ==, SHOAL_GOODBYE_SHUTDOWN);
    g_assert_null (message);
    /* Both outputs are optional. */
    g_assert_true (shoal_frame_decode_goodbye (body, NULL, NULL, &error));
  }
}

static void
test_goodbye_truncation (void)
{
  /* One-, two-, three- and four-byte characters across the 256-byte limit. */
  const gchar *fillers[] = { "a", "é", "€", "😀" };
  g_autofree gchar *filler_x = g_strnfill (256, 'x');
  gsize f, prefix;

  g_test_summary ("A goodbye message over 256 bytes is cut at the last whole "
                  "UTF-8 character that fits, whatever its width");

  for (f = 0; f < G_N_ELEMENTS (fillers); f++)
    {
      for (prefix = 250; prefix <= 256; prefix++)
        {
          GString *long_message = g_string_new (NULL);
          g_autoptr(GBytes) frame = NULL;
          g_autoptr(GBytes) body = NULL;
          g_autofree gchar *message = NULL;
          g_autoptr(GError) error = NULL;
          gsize length, width = strlen (fillers[f]);
          guint32 code;

          g_string_append_len (long_message, filler_x, prefix);
          while (long_message->len < 300)
            g_string_append (long_message, fillers[f]);

          frame = shoal_frame_encode_goodbye (SHOAL_GOODBYE_PROTOCOL_ERROR, long_message->str);
          body = frame_body (frame);
          g_assert_true (shoal_frame_decode_goodbye (body, &code, &message, &error));
          g_assert_no_error (error);

          length = strlen (message);
          g_assert_cmpuint (length, <=, 256);
          g_assert_cmpuint (length, >, 256 - width);
          g_assert_true (g_utf8_validate (message, -1, NULL));
          g_assert_true (g_str_has_prefix (long_message->str, message));
          /* Maximal: exactly the whole characters that fit. */
          g_assert_cmpuint ((length - prefix) % width, ==, 0);
          g_string_free (long_message, TRUE);
        }
    }

  /* Exactly 256 bytes is kept whole; invalid UTF-8 is repaired, not refused. */
  {
    g_autofree gchar *exact = g_strnfill (256, 'm');
    g_autoptr(GBytes) frame = shoal_frame_encode_goodbye (SHOAL_GOODBYE_SHUTDOWN, exact);
    g_autoptr(GBytes) body = frame_body (frame);
    g_autofree gchar *message = NULL;

    g_assert_true (shoal_frame_decode_goodbye (body, NULL, &message, NULL));
    g_assert_cmpstr (message, ==, exact);
  }
  {
    g_autoptr(GBytes) frame = shoal_frame_encode_goodbye (SHOAL_GOODBYE_SHUTDOWN, "bad \xff byte");
    g_autoptr(GBytes) body = frame_body (frame);
    g_autofree gchar *message = NULL;

    g_assert_true (shoal_frame_decode_goodbye (body, NULL, &message, NULL));
    g_assert_true (g_utf8_validate (message, -1, NULL));
    g_assert_true (g_str_has_prefix (message, "bad "));
  }
}

static void
test_goodbye_malformed (void)
{
  g_test_summary ("Goodbye bodies that are not a{sv}, have a wrong-typed key, "
                  "or a message over 256 bytes are protocol errors");

  {
    g_autoptr(GBytes) body = vardict_to_wire_bytes (g_variant_new_uint32 (1));
    g_autoptr(GError) error = NULL;

    g_assert_false (shoal_frame_decode_goodbye (body, NULL, NULL, &error));
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
  }
  {
    GVariantBuilder builder;
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GError) error = NULL;

    g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&builder, "{sv}", "code", g_variant_new_string ("shutdown"));
    body = vardict_to_wire_bytes (g_variant_builder_end (&builder));
    g_assert_false (shoal_frame_decode_goodbye (body, NULL, NULL, &error));
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "code"));
  }
  {
    GVariantBuilder builder;
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GError) error = NULL;

    g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&builder, "{sv}", "message", g_variant_new_uint32 (3));
    body = vardict_to_wire_bytes (g_variant_builder_end (&builder));
    g_assert_false (shoal_frame_decode_goodbye (body, NULL, NULL, &error));
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "message"));
  }
  {
    GVariantBuilder builder;
    g_autofree gchar *too_long = g_strnfill (257, 'z');
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree gchar *message = NULL;

    g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&builder, "{sv}", "code", g_variant_new_uint32 (0));
    g_variant_builder_add (&builder, "{sv}", "message", g_variant_new_string (too_long));
    body = vardict_to_wire_bytes (g_variant_builder_end (&builder));
    g_assert_false (shoal_frame_decode_goodbye (body, NULL, &message, &error));
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "257"));
    g_assert_null (message);
  }
  {
    /* Unknown keys are ignored. */
    GVariantBuilder builder;
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GError) error = NULL;
    guint32 code = 0;

    g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&builder, "{sv}", "retry-after", g_variant_new_uint64 (5));
    g_variant_builder_add (&builder, "{sv}", "code", g_variant_new_uint32 (7));
    body = vardict_to_wire_bytes (g_variant_builder_end (&builder));
    g_assert_true (shoal_frame_decode_goodbye (body, &code, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (code, ==, SHOAL_GOODBYE_OVERLOADED);
  }
}

/* Ping, pong and data */

static void
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

static void
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

static void
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

static void
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

/* The examples in doc/PROTOCOL.md */

/* Collects the bytes of the example in @section (up to the next heading) that
 * starts with the line @first_line: hex pairs, after an optional four-digit
 * address column, up to the first word that is not a hex pair or a "|". */
static GByteArray *
doc_example_bytes (const gchar *doc,
                   const gchar *section,
                   const gchar *first_line)
{
  GByteArray *bytes = g_byte_array_new ();
  const gchar *start = strstr (doc, section);
  const gchar *end;
  g_autofree gchar *text = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean in_example = FALSE;
  gsize i, j;

  g_assert_nonnull (start);
  end = strstr (start + strlen (section), "\n#");
  text = g_strndup (start, end != NULL ? (gsize) (end - start) : strlen (start));
  lines = g_strsplit (text, "\n", -1);

  for (i = 0; lines[i] != NULL; i++)
    {
      g_autofree gchar *line = g_strstrip (g_strdup (lines[i]));
      g_auto(GStrv) words = NULL;
      gchar *bar;

      if (!in_example && !g_str_has_prefix (line, first_line))
        continue;
      if (in_example && (line[0] == '`' || line[0] == '\0'))
        break;
      in_example = TRUE;

      bar = strchr (line, '|');
      if (bar != NULL)
        *bar = '\0';
      words = g_strsplit_set (line, " ", -1);
      for (j = 0; words[j] != NULL; j++)
        {
          const gchar *w = words[j];
          guint8 byte;

          if (*w == '\0' || (j == 0 && strlen (w) == 4))
            continue;   /* runs of spaces, the address column */
          if (strlen (w) != 2 || !g_ascii_isxdigit (w[0]) || !g_ascii_isxdigit (w[1]))
            break;      /* the comment */
          byte = (guint8) ((g_ascii_xdigit_value (w[0]) << 4) | g_ascii_xdigit_value (w[1]));
          g_byte_array_append (bytes, &byte, 1);
        }
    }

  g_assert_true (in_example);
  return bytes;
}

static void
assert_doc_example (const gchar *doc,
                    const gchar *section,
                    const gchar *first_line,
                    GBytes      *frame)
{
  g_autoptr(GByteArray) bytes = doc_example_bytes (doc, section, first_line);

  g_assert_cmpmem (bytes->data, bytes->len, g_bytes_get_data (frame, NULL),
                   g_bytes_get_size (frame));
}

static void
test_doc_examples (void)
{
  g_autofree gchar *path = g_test_build_filename (G_TEST_DIST, "..", "doc", "PROTOCOL.md", NULL);
  g_autofree gchar *doc = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(ShoalHello) hello = sample_hello ();
  g_autoptr(GBytes) hello_frame = shoal_frame_encode_hello (&hello);
  g_autoptr(GBytes) proof_frame = NULL;
  g_autoptr(GBytes) goodbye_frame = shoal_frame_encode_goodbye (SHOAL_GOODBYE_SHUTDOWN, "bye");
  g_autoptr(GBytes) ping_frame = shoal_frame_encode_ping (SHOAL_FRAME_PING, 0x1122334455667788);

  g_test_summary ("The hex examples in doc/PROTOCOL.md are byte for byte what "
                  "the codec produces");

  hello.proof = g_bytes_new_static (sample_proof, sizeof sample_proof);
  proof_frame = shoal_frame_encode_hello (&hello);

  if (!g_file_get_contents (path, &doc, NULL, &error))
    {
      /* As shoal_test_skip_unless() does, for a program without it. */
      if (g_strcmp0 (g_getenv ("SHOAL_TEST_REQUIRE"), "all") == 0)
        g_test_fail_printf ("required but missing: cannot read %s: %s", path, error->message);
      else
        g_test_skip_printf ("Cannot read %s: %s", path, error->message);
      return;
    }

  /* The document says which protocol it describes. */
  {
    g_autofree gchar *title = g_strdup_printf ("# Shoal wire protocol, version %u\n",
                                               SHOAL_PROTOCOL_VERSION_MAX);

    g_assert_nonnull (strstr (doc, title));
  }

  assert_doc_example (doc, "### 10.2 Example: a complete HELLO frame", "0000  01 00",
                      hello_frame);
  assert_doc_example (doc, "### 10.3 Example: a HELLO with a proof", "0000  01 00",
                      proof_frame);
  assert_doc_example (doc, "### 10.4 Example: a GOODBYE frame", "02 00 00 00", goodbye_frame);
  assert_doc_example (doc, "## 8. PING and PONG", "03 00 00 00", ping_frame);
  {
    guint8 prefix[SHOAL_FRAME_HEADER_SIZE + SHOAL_FRAME_SEQ_SIZE];
    g_autoptr(GByteArray) unicast = g_byte_array_new ();
    g_autoptr(GBytes) unicast_frame = NULL;
    g_autoptr(GBytes) ack_frame = shoal_frame_encode_ack (258);

    shoal_frame_data_prefix (prefix, SHOAL_FRAME_UNICAST, 1, 2);
    g_byte_array_append (unicast, prefix, sizeof prefix);
    g_byte_array_append (unicast, (const guint8 *) "hi", 2);
    unicast_frame = g_byte_array_free_to_bytes (g_steal_pointer (&unicast));
    assert_doc_example (doc, "### 9.8 Example frames", "10 00 00 00", unicast_frame);
    assert_doc_example (doc, "### 9.8 Example frames", "20 00 00 00", ack_frame);
  }
  {
    g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_peers_entry_free);
    ShoalPeersEntry *entry = shoal_peers_entry_new ("0123456789abcdef0123456789abcdef", 4242);
    g_autoptr(GBytes) peers_frame = NULL;

    g_ptr_array_add (entry->addresses, g_inet_address_new_from_string ("192.0.2.7"));
    g_ptr_array_add (entries, entry);
    peers_frame = shoal_frame_encode_peers (entries);
    assert_doc_example (doc, "### 8a.4 Example", "0000  05 00", peers_frame);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/frame/header/round-trip", test_header_round_trip);
  g_test_add_func ("/frame/header/limits", test_header_limits);
  g_test_add_func ("/frame/hello/round-trip", test_hello_round_trip);
  g_test_add_func ("/frame/hello/optional-keys", test_hello_optional_keys);
  g_test_add_func ("/frame/hello/malformed", test_hello_malformed);
  g_test_add_func ("/frame/hello/negotiate", test_hello_negotiate);
  g_test_add_func ("/frame/goodbye/round-trip", test_goodbye_round_trip);
  g_test_add_func ("/frame/goodbye/truncation", test_goodbye_truncation);
  g_test_add_func ("/frame/goodbye/malformed", test_goodbye_malformed);
  g_test_add_func ("/frame/ping", test_ping);
  g_test_add_func ("/frame/data/header", test_data_header);
  g_test_add_func ("/frame/data/malformed", test_data_malformed);
  g_test_add_func ("/frame/ack", test_ack);
  g_test_add_func ("/frame/doc-examples", test_doc_examples);

  return g_test_run ();
}
