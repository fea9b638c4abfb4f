/* test-frame.c: unit tests for the protocol v1 wire codec
 *
 * Round trips of every frame type, the reader fed streams cut at every
 * boundary, zero-copy and in-place reads, every kind of malformed input, and a
 * deterministic fuzz of mutated streams.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame.h"

#define CHUNK_SIZE (64u * 1024u)

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

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

/* A valid hello body, with one key left out, replaced or added. */
static GBytes *
build_hello_body (const HelloEdit *edit)
{
  GVariantBuilder builder;
  struct {
    const gchar *key;
    GVariant *value;
  } entries[] = {
    { "version", g_variant_new_uint32 (1) },
    { "min-version", g_variant_new_uint32 (1) },
    { "id", g_variant_new_string (ID_A) },
    { "session", g_variant_new_string (ID_B) },
    { "name", g_variant_new_string ("kitchen") },
    { "port", g_variant_new_uint16 (4242) },
    { "features", g_variant_new_strv (NULL, 0) },
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

static GBytes *
make_data_frame (ShoalFrameType type,
                 GBytes        *payload)
{
  g_autoptr(GBytes) header = shoal_frame_encode_data_header (type, g_bytes_get_size (payload));
  GByteArray *frame = g_byte_array_new ();

  g_byte_array_append (frame, g_bytes_get_data (header, NULL), SHOAL_FRAME_HEADER_SIZE);
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

/* Header */

static void
test_header_round_trip (void)
{
  const ShoalFrameType types[] = {
    SHOAL_FRAME_HELLO, SHOAL_FRAME_GOODBYE, SHOAL_FRAME_PING,
    SHOAL_FRAME_PONG, SHOAL_FRAME_UNICAST, SHOAL_FRAME_BROADCAST,
  };
  const gchar *names[] = { "hello", "goodbye", "ping", "pong", "unicast", "broadcast" };
  const guint32 lengths[] = { 1, 0, 8, 8, 0x00abcdef, 0x00010000 };
  gsize i;

  g_test_summary ("Headers are big-endian, v1 writes zero flags and reserved "
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
  g_assert_cmpstr (shoal_frame_type_to_string (0x05), ==, "unknown");
  g_assert_cmpstr (shoal_frame_type_to_string (0x20), ==, "unknown");
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
    { SHOAL_FRAME_HELLO, 4097, FALSE },
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
    { SHOAL_FRAME_UNICAST, 0, TRUE },
    { SHOAL_FRAME_UNICAST, SHOAL_FRAME_MAX_DATA_BODY, TRUE },
    { SHOAL_FRAME_UNICAST, SHOAL_FRAME_MAX_DATA_BODY + 1, FALSE },
    { SHOAL_FRAME_UNICAST, G_MAXUINT32, FALSE },
    { SHOAL_FRAME_BROADCAST, 0, TRUE },
    { SHOAL_FRAME_BROADCAST, SHOAL_FRAME_MAX_DATA_BODY, TRUE },
    { SHOAL_FRAME_BROADCAST, SHOAL_FRAME_MAX_DATA_BODY + 1, FALSE },
    { 0x00, 0, FALSE },
    { 0x05, 0, FALSE },
    { 0x0f, 8, FALSE },
    { 0x12, 0, FALSE },
    { 0x20, 0, FALSE },
    { 0x40, 0, FALSE },
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
  g_auto(ShoalHello) hello = sample_hello ();
  g_auto(ShoalHello) decoded = { 0 };
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  ShoalFrameHeader header;
  guint32 version = 0;

  g_test_summary ("An encoded hello is a whole frame whose body decodes to the "
                  "same fields and negotiates version 1");

  /* The longest name, with multibyte characters. */
  g_free (hello.name);
  hello.name = g_strdup ("Büro-Rechner ☃ 012345678901234567890123456789012345678901234");
  g_assert_cmpuint (strlen (hello.name), ==, SHOAL_NAME_MAX_BYTES);
  hello.port = 65535;

  frame = shoal_frame_encode_hello (&hello);
  g_assert_nonnull (frame);
  g_assert_true (shoal_frame_header_parse (g_bytes_get_data (frame, NULL),
                                           SHOAL_FRAME_MAX_DATA_BODY, &header, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (header.type, ==, SHOAL_FRAME_HELLO);
  g_assert_cmpuint (header.body_length + SHOAL_FRAME_HEADER_SIZE, ==, g_bytes_get_size (frame));

  body = frame_body (frame);
  g_assert_true (shoal_frame_decode_hello (body, &decoded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (decoded.version, ==, 1);
  g_assert_cmpuint (decoded.min_version, ==, 1);
  g_assert_cmpstr (decoded.peer_id, ==, ID_A);
  g_assert_cmpstr (decoded.session_id, ==, ID_B);
  g_assert_cmpstr (decoded.name, ==, hello.name);
  g_assert_cmpuint (decoded.port, ==, 65535);

  g_assert_true (shoal_hello_negotiate (&decoded, &version, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (version, ==, 1);

  /* The body really is a little-endian a{sv}, readable by any GVariant code. */
  {
    g_autoptr(GVariant) v = g_variant_ref_sink (
        g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, body, FALSE));
    guint32 wire_version = 0;
    guint16 wire_port = 0;

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
    g_assert_cmpuint (wire_version, ==, 1);
    g_assert_cmpuint (wire_port, ==, 65535);
  }

  /* Clearing twice is harmless. */
  shoal_hello_clear (&decoded);
  shoal_hello_clear (&decoded);
  g_assert_null (decoded.peer_id);
}

static void
test_hello_optional_keys (void)
{
  g_autoptr(GError) error = NULL;
  guint32 version = 0;

  g_test_summary ("Without min-version and features a hello is still valid "
                  "(min-version 1), and unknown keys are ignored");

  {
    HelloEdit edit = { .skip = "min-version" };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    g_auto(ShoalHello) hello = { 0 };

    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (hello.min_version, ==, 1);
    g_assert_true (shoal_hello_negotiate (&hello, &version, &error));
    g_assert_cmpuint (version, ==, 1);
  }
  {
    HelloEdit edit = { .skip = "features" };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    g_auto(ShoalHello) hello = { 0 };

    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_no_error (error);
  }
  {
    const gchar *features[] = { "seq", "tls", NULL };
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
  const gchar *required[] = { "version", "id", "session", "name", "port" };
  const gchar *wrong_types[] = {
    "version", "min-version", "id", "session", "name", "port", "features",
  };
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
                  "key, have a known key of the wrong type, a duplicate key, a "
                  "bad id, session or name are protocol errors");

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
      /* A string where a number is expected, a number where a string or a
       * list is expected. */
      gboolean wants_number = g_str_equal (wrong_types[i], "version") ||
                              g_str_equal (wrong_types[i], "min-version") ||
                              g_str_equal (wrong_types[i], "port");
      HelloEdit edit = {
        .replace = wrong_types[i],
        .value = wants_number ? g_variant_new_string ("1") : g_variant_new_uint32 (1),
      };
      g_autoptr(GBytes) body = build_hello_body (&edit);

      assert_hello_refused (body, wrong_types[i]);
    }

  /* Same size, wrong type: a u32 port, a signed version. */
  {
    HelloEdit edit = { .replace = "port", .value = g_variant_new_uint32 (4242) };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    assert_hello_refused (body, "port");
  }
  {
    HelloEdit edit = { .replace = "version", .value = g_variant_new_int32 (1) };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    assert_hello_refused (body, "version");
  }

  /* A known key twice. */
  {
    HelloEdit edit = { .extra_key = "id", .extra = g_variant_new_string (ID_B) };
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
    }
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
    { 1, 1, TRUE, 1 },
    { 1, 0, TRUE, 1 },
    { 3, 1, TRUE, 1 },        /* a future node that still speaks 1 */
    { G_MAXUINT32, 1, TRUE, 1 },
    { 0, 0, FALSE, 0 },       /* version 0 does not exist */
    { 0, 1, FALSE, 0 },
    { 2, 2, FALSE, 0 },       /* min-version above ours */
    { 3, 2, FALSE, 0 },
    { 1, 5, FALSE, 0 },       /* a contradictory range agrees on nothing */
  };
  gsize i;

  g_test_summary ("Negotiation agrees on min(our max, their version) when that "
                  "is within both ranges and at least 1, else a version "
                  "mismatch naming both ranges");

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
          g_assert_nonnull (strstr (error->message, "1..1"));
          g_assert_cmpuint (agreed, ==, 1234);
        }
    }

  /* The same through the wire: a v3 hello with min-version 1 decodes and
   * negotiates 1; a hello with version 0 decodes and is refused as a
   * mismatch, not as malformed. */
  {
    HelloEdit edit = { .replace = "version", .value = g_variant_new_uint32 (3) };
    g_autoptr(GBytes) body = build_hello_body (&edit);
    g_auto(ShoalHello) hello = { 0 };
    g_autoptr(GError) error = NULL;
    guint32 agreed = 0;

    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_true (shoal_hello_negotiate (&hello, &agreed, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (agreed, ==, 1);
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
    HelloEdit edit = { .replace = "min-version", .value = g_variant_new_uint32 (2),
                       .extra_key = NULL };
    g_autoptr(GBytes) body = NULL;
    g_auto(ShoalHello) hello = { 0 };
    g_autoptr(GError) error = NULL;

    body = build_hello_body (&edit);
    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_cmpuint (hello.min_version, ==, 2);
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
    { 8, "unknown" },
    { G_MAXUINT32, "unknown" },
  };
  gsize i;

  g_test_summary ("Goodbye round trips with and without a message, unknown "
                  "codes pass through, an empty body means shutdown");

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
  const gsize lengths[] = { 0, 1, 65536, SHOAL_FRAME_MAX_DATA_BODY };
  gsize i;

  g_test_summary ("A data header is 8 bytes carrying the payload length, for "
                  "empty up to maximum-size payloads");

  for (i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autoptr(GBytes) unicast = shoal_frame_encode_data_header (SHOAL_FRAME_UNICAST, lengths[i]);
      g_autoptr(GBytes) broadcast = shoal_frame_encode_data_header (SHOAL_FRAME_BROADCAST, lengths[i]);
      g_autoptr(GError) error = NULL;
      ShoalFrameHeader header;

      g_assert_cmpuint (g_bytes_get_size (unicast), ==, SHOAL_FRAME_HEADER_SIZE);
      g_assert_true (shoal_frame_header_parse (g_bytes_get_data (unicast, NULL),
                                               SHOAL_FRAME_MAX_DATA_BODY, &header, &error));
      g_assert_cmpuint (header.type, ==, SHOAL_FRAME_UNICAST);
      g_assert_cmpuint (header.body_length, ==, lengths[i]);
      g_assert_true (shoal_frame_header_parse (g_bytes_get_data (broadcast, NULL),
                                               SHOAL_FRAME_MAX_DATA_BODY, &header, &error));
      g_assert_cmpuint (header.type, ==, SHOAL_FRAME_BROADCAST);
      g_assert_cmpuint (header.body_length, ==, lengths[i]);
    }
}

static void
test_data_round_trip (void)
{
  const gsize sizes[] = { 0, SHOAL_FRAME_MAX_DATA_BODY };
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
      g_assert_true (g_bytes_equal (g_ptr_array_index (bodies, 0), payload));
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

      g_assert_cmpuint (size, ==, i);
      if (size == 0)
        continue;
      g_assert_true (data >= buffer + SHOAL_FRAME_HEADER_SIZE);
      g_assert_true (data + size <= buffer + stream->len);
    }

  /* The reader has let go of its chunk; the slices still hold it. */
  g_clear_pointer (&reader, shoal_frame_reader_free);
  for (i = 1; i < bodies->len; i++)
    {
      g_autoptr(GBytes) expected = pattern_bytes (i, (guint8) i);
      g_assert_true (g_bytes_equal (g_ptr_array_index (bodies, i), expected));
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
  g_assert_cmpuint (space, ==, SHOAL_FRAME_HEADER_SIZE + body_length - prefix);

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
  g_assert_cmpuint (header.body_length, ==, body_length);
  g_assert_true (g_bytes_get_data (body, NULL) == big - prefix + SHOAL_FRAME_HEADER_SIZE);
  g_assert_true (g_bytes_equal (body, payload));
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
    { SHOAL_FRAME_HELLO, SHOAL_FRAME_MAX_CONTROL_BODY + 1 },
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
    g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (1000);
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GError) error = NULL;
    guint8 bad_header[SHOAL_FRAME_HEADER_SIZE];
    ShoalFrameHeader header;
    guint8 *buffer;
    gsize space;

    shoal_frame_header_write (bad_header, SHOAL_FRAME_UNICAST, 1001);
    buffer = shoal_frame_reader_get_buffer (reader, &space);
    memcpy (buffer, bad_header, 8);
    shoal_frame_reader_commit (reader, 8);
    buffer = shoal_frame_reader_get_buffer (reader, &space);
    g_assert_cmpuint (space, <, 1001);
    g_assert_cmpint (shoal_frame_reader_pop (reader, &header, &body, &error), ==,
                     SHOAL_FRAME_READ_ERROR);
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "1001"));
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
