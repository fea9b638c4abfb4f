/* test-frame-groups.c: the wire codec of groups
 *
 * JOIN and LEAVE round-trip and refuse every malformed name; GROUP frames
 * carry their sequence number, group and payload byte for byte and refuse
 * every malformed body; the hello's "groups" key round-trips, fits the
 * hello's limit at its largest, and refuses too many, bad or repeated
 * names; the group examples of doc/PROTOCOL.md are what the codec makes.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame.h"
#include "shoal-group-name.h"

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

static GBytes *
frame_body (GBytes *frame)
{
  return g_bytes_new_from_bytes (frame, SHOAL_FRAME_HEADER_SIZE,
                                 g_bytes_get_size (frame) - SHOAL_FRAME_HEADER_SIZE);
}

static void
assert_header (GBytes  *frame,
               guint8   type,
               guint32  body_length)
{
  ShoalFrameHeader header;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (g_bytes_get_size (frame), ==, SHOAL_FRAME_HEADER_SIZE + body_length);
  g_assert_true (shoal_frame_header_parse (g_bytes_get_data (frame, NULL), SHOAL_FRAME_MAX_DATA_BODY,
                                           &header, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (header.type, ==, type);
  g_assert_cmpuint (header.body_length, ==, body_length);
}

static gchar *
long_name (gsize  length,
           gchar  c)
{
  gchar *name = g_malloc (length + 1);

  memset (name, c, length);
  name[length] = '\0';
  return name;
}

/* JOIN and LEAVE */

static void
test_membership_round_trip (void)
{
  g_autofree gchar *longest = long_name (255, 'g');
  const gchar *names[] = { "a", "kitchen", "Küche ✓", "with space", "tab\there", longest };
  const guint8 types[] = { SHOAL_FRAME_JOIN, SHOAL_FRAME_LEAVE };

  g_test_summary ("JOIN and LEAVE carry the group's name as their whole body, and "
                  "decode to the same name");

  for (gsize t = 0; t < G_N_ELEMENTS (types); t++)
    for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autoptr(GBytes) frame = shoal_frame_encode_membership (types[t], names[i]);
        g_autoptr(GBytes) body = frame_body (frame);
        g_autoptr(GError) error = NULL;
        g_autofree gchar *group = NULL;

        assert_header (frame, types[t], (guint32) strlen (names[i]));
        g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), names[i],
                         strlen (names[i]));
        g_assert_true (shoal_frame_decode_membership (body, &group, &error));
        g_assert_no_error (error);
        g_assert_cmpstr (group, ==, names[i]);
      }
}

static void
test_membership_malformed (void)
{
  const struct {
    const gchar *bytes;
    gsize length;
  } bodies[] = {
    { "", 0 },                  /* no name */
    { "a\0b", 3 },              /* NUL inside */
    { "\0", 1 },
    { "ab\0", 3 },              /* NUL at the end */
    { "\xff", 1 },              /* not UTF-8 */
    { "caf\xc3", 4 },           /* a character cut short */
    { "\xc0\x80", 2 },          /* an overlong NUL */
    { "\xed\xa0\x80", 3 },      /* a surrogate */
  };
  const guint8 types[] = { SHOAL_FRAME_JOIN, SHOAL_FRAME_LEAVE };

  g_test_summary ("Every malformed JOIN or LEAVE is refused: a body of 0 or more than "
                  "255 bytes from the header alone, a NUL or bytes that are not UTF-8 "
                  "on decoding");

  for (gsize t = 0; t < G_N_ELEMENTS (types); t++)
    {
      guint8 header[SHOAL_FRAME_HEADER_SIZE];
      ShoalFrameHeader parsed;
      g_autoptr(GError) error = NULL;

      shoal_frame_header_write (header, types[t], 0);
      g_assert_false (shoal_frame_header_parse (header, SHOAL_FRAME_MAX_DATA_BODY, &parsed, &error));
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
      g_clear_error (&error);

      shoal_frame_header_write (header, types[t], 256);
      g_assert_false (shoal_frame_header_parse (header, SHOAL_FRAME_MAX_DATA_BODY, &parsed, &error));
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
      g_clear_error (&error);

      shoal_frame_header_write (header, types[t], 255);
      g_assert_true (shoal_frame_header_parse (header, SHOAL_FRAME_MAX_DATA_BODY, &parsed, &error));
      g_assert_no_error (error);

      for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++)
        {
          g_autoptr(GBytes) body = g_bytes_new (bodies[i].bytes, bodies[i].length);
          g_autofree gchar *group = NULL;

          g_assert_false (shoal_frame_decode_membership (body, &group, &error));
          g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
          g_assert_null (group);
          g_clear_error (&error);
        }
    }
}

/* GROUP */

/* A whole GROUP frame, as a link writes it: the prefix with the name (none
 * for a %NULL @group), then the payload from its own buffer. */
static GBytes *
group_frame (guint64      seq,
             const gchar *group,
             GBytes      *payload)
{
  guint8 prefix[SHOAL_FRAME_GROUP_MAX_HEADER];
  GByteArray *frame = g_byte_array_new ();
  gsize name_length = group != NULL ? strlen (group) : 0;
  gsize length = shoal_frame_group_prefix (prefix, seq, group, name_length,
                                           g_bytes_get_size (payload));

  g_assert_cmpuint (length, ==, 17 + name_length);
  g_byte_array_append (frame, prefix, (guint) length);
  g_byte_array_append (frame, g_bytes_get_data (payload, NULL), (guint) g_bytes_get_size (payload));
  return g_byte_array_free_to_bytes (frame);
}

static void
test_group_round_trip (void)
{
  g_autofree gchar *longest = long_name (255, 'x');
  const gchar *names[] = { "k", "kitchen", "Küche", longest };
  const guint8 raw[] = { 0, 1, 2, 0, 255, '\n', 0 };
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) binary = g_bytes_new (raw, sizeof raw);
  GBytes *payloads[] = { empty, binary };
  const guint64 seqs[] = { 1, 2, G_MAXUINT64 };

  g_test_summary ("A GROUP frame carries its sequence number, its group (or, after "
                  "a frame that named it, nothing for it) and its payload, which "
                  "decode byte for byte, the payload as a slice of the body");

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    for (gsize p = 0; p < G_N_ELEMENTS (payloads); p++)
      for (gsize s = 0; s < G_N_ELEMENTS (seqs); s++)
        {
          g_autoptr(GBytes) frame = group_frame (seqs[s], names[i], payloads[p]);
          g_autoptr(GBytes) body = frame_body (frame);
          g_autoptr(GBytes) payload = NULL;
          g_autoptr(GError) error = NULL;
          gchar *group = NULL;
          const guint8 *data = g_bytes_get_data (body, NULL);
          guint64 seq = 0;

          assert_header (frame, SHOAL_FRAME_GROUP,
                         (guint32) (8 + 1 + strlen (names[i]) + g_bytes_get_size (payloads[p])));
          g_assert_cmpuint (data[8], ==, strlen (names[i]));
          g_assert_true (shoal_frame_decode_group (body, NULL, &seq, &group, &payload, &error));
          g_assert_no_error (error);
          g_assert_cmpuint (seq, ==, seqs[s]);
          g_assert_cmpstr (group, ==, names[i]);
          g_assert_cmpuint (shoal_group_name_length (group), ==, strlen (names[i]));
          shoal_group_name_release (group);
          g_assert_true (g_bytes_equal (payload, payloads[p]));
          if (g_bytes_get_size (payload) > 0)
            g_assert_true ((const guint8 *) g_bytes_get_data (payload, NULL) ==
                           data + 9 + strlen (names[i]));
        }

  /* The same with the name left out, after a frame that named it. */
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    for (gsize p = 0; p < G_N_ELEMENTS (payloads); p++)
      {
        g_autoptr(GBytes) frame = group_frame (seqs[0], NULL, payloads[p]);
        g_autoptr(GBytes) body = frame_body (frame);
        g_autoptr(GBytes) payload = NULL;
        g_autoptr(GError) error = NULL;
        gchar *previous = shoal_group_name_new (names[i]);
        gchar *group = NULL;
        const guint8 *data = g_bytes_get_data (body, NULL);
        guint64 seq = 0;

        assert_header (frame, SHOAL_FRAME_GROUP, (guint32) (8 + 1 + g_bytes_get_size (payloads[p])));
        g_assert_cmpuint (data[8], ==, 0);
        g_assert_true (shoal_frame_decode_group (body, previous, &seq, &group, &payload, &error));
        g_assert_no_error (error);
        g_assert_cmpuint (seq, ==, seqs[0]);
        g_assert_true (group == previous);
        shoal_group_name_release (group);
        shoal_group_name_release (previous);
        g_assert_true (g_bytes_equal (payload, payloads[p]));
        if (g_bytes_get_size (payload) > 0)
          g_assert_true ((const guint8 *) g_bytes_get_data (payload, NULL) == data + 9);
      }

  /* The largest: a payload of 16 MiB to a name of 255 bytes. */
  {
    guint8 header[SHOAL_FRAME_HEADER_SIZE];
    ShoalFrameHeader parsed;
    g_autoptr(GError) error = NULL;

    shoal_frame_header_write (header, SHOAL_FRAME_GROUP,
                              SHOAL_FRAME_MAX_DATA_BODY + SHOAL_FRAME_GROUP_MAX_PREFIX);
    g_assert_true (shoal_frame_header_parse (header, SHOAL_FRAME_MAX_DATA_BODY, &parsed, &error));
    g_assert_no_error (error);
  }
}

/* What a link does: the name of the frame before is handed back in. */
static void
test_group_name_reused (void)
{
  static const guint8 with_nul[] = { 0, 0, 0, 0, 0, 0, 0, 4, 3, 'a', 'b', 0, 'x' };
  static const guint8 bad_utf8[] = { 0, 0, 0, 0, 0, 0, 0, 5, 2, 0xc3, 0x28 };
  g_autoptr(GBytes) payload = g_bytes_new_static ("hi", 2);
  g_autoptr(GBytes) first = group_frame (1, "ab", payload);
  g_autoptr(GBytes) again = group_frame (2, "ab", payload);
  g_autoptr(GBytes) left_out = group_frame (3, NULL, payload);
  g_autoptr(GBytes) other = group_frame (4, "abc", payload);
  g_autoptr(GBytes) first_body = frame_body (first);
  g_autoptr(GBytes) again_body = frame_body (again);
  g_autoptr(GBytes) left_out_body = frame_body (left_out);
  g_autoptr(GBytes) other_body = frame_body (other);
  g_autoptr(GBytes) nul_body = g_bytes_new_static (with_nul, sizeof with_nul);
  g_autoptr(GBytes) bad_body = g_bytes_new_static (bad_utf8, sizeof bad_utf8);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  gchar *ab = NULL, *group = NULL, *abc = NULL;
  guint64 seq = 0;

  g_test_summary ("Decoding with the group of the frame before gives that group again "
                  "when the frame leaves its name out or repeats it, a new one when it "
                  "differs, still refuses a name that only starts like it, and refuses "
                  "a name left out with no frame before");

  g_assert_true (shoal_frame_decode_group (first_body, NULL, &seq, &ab, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ab, ==, "ab");
  g_assert_cmpuint (shoal_group_name_length (ab), ==, 2);

  /* The same name written again is the same group, not a new copy. */
  g_assert_true (shoal_frame_decode_group (again_body, ab, &seq, &group, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seq, ==, 2);
  g_assert_true (group == ab);
  g_clear_pointer (&group, shoal_group_name_release);

  g_assert_true (shoal_frame_decode_group (left_out_body, ab, &seq, &group, &got, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seq, ==, 3);
  g_assert_true (group == ab);
  g_assert_true (g_bytes_equal (got, payload));
  g_clear_pointer (&group, shoal_group_name_release);

  /* "ab", a NUL, then "x" as the payload: "ab" must not match it. */
  g_assert_false (shoal_frame_decode_group (nul_body, ab, &seq, &group, NULL, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
  g_assert_null (group);
  g_clear_error (&error);

  g_assert_true (shoal_frame_decode_group (other_body, ab, &seq, &abc, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seq, ==, 4);
  g_assert_cmpstr (abc, ==, "abc");
  g_assert_cmpuint (shoal_group_name_length (abc), ==, 3);

  g_assert_false (shoal_frame_decode_group (bad_body, abc, &seq, &group, NULL, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
  g_assert_null (group);
  g_clear_error (&error);

  /* A link's first GROUP frame cannot leave its name out. */
  g_assert_false (shoal_frame_decode_group (left_out_body, NULL, &seq, &group, NULL, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
  g_assert_null (group);

  /* Each decoded group was a reference of the caller's: the last frees it. */
  shoal_group_name_release (ab);
  shoal_group_name_release (abc);
}

/* A GROUP body with sequence number 1, a name of @name_length bytes ("k"
 * or none) and @payload_size zero bytes. */
static GBytes *
big_group_body (guint name_length,
                gsize payload_size)
{
  gsize size = 8 + 1 + name_length + payload_size;
  guint8 *data = g_malloc0 (size);

  data[7] = 1;
  data[8] = (guint8) name_length;
  if (name_length > 0)
    data[9] = 'k';
  return g_bytes_new_take (data, size);
}

static void
test_group_malformed (void)
{
  static const guint8 seq1[] = { 0, 0, 0, 0, 0, 0, 0, 1 };
  const struct {
    const gchar *what;
    const gchar *after_seq;  /* the bytes after a sequence number of 1 */
    gsize length;
  } bodies[] = {
    { "no name length", "", 0 },
    { "a name left out in the first group frame", "\x00" "abc", 4 },
    { "a name longer than the body", "\x05" "abcd", 5 },
    { "a name of 255 bytes in a short body", "\xff" "a", 2 },
    { "a NUL in the name", "\x03" "a\0b" "payload", 11 },
    { "a name that is not UTF-8", "\x02" "\xc3\x28", 3 },
  };
  guint8 header[SHOAL_FRAME_HEADER_SIZE];
  ShoalFrameHeader parsed;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Every malformed GROUP body is refused: too short for a sequence "
                  "number and a name's length, sequence number 0, a name left out with "
                  "no frame before, a name longer than what follows, a NUL or bytes "
                  "that are not UTF-8 in the name, a payload over 16 MiB; "
                  "and a body past the limit from the header alone");

  for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GByteArray) bytes = g_byte_array_new ();
      g_autoptr(GBytes) body = NULL;
      gchar *group = NULL;
      g_autoptr(GBytes) payload = NULL;

      g_test_message ("%s", bodies[i].what);
      g_byte_array_append (bytes, seq1, sizeof seq1);
      g_byte_array_append (bytes, (const guint8 *) bodies[i].after_seq, bodies[i].length);
      body = g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
      g_assert_false (shoal_frame_decode_group (body, NULL, NULL, &group, &payload, &error));
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
      g_assert_null (group);
      g_assert_null (payload);
      g_clear_error (&error);
    }

  /* A payload over 16 MiB, which the header lets through behind a short
   * name, or none; one byte less is the largest message. */
  for (guint length = 0; length <= 1; length++)
    {
      gchar *k = shoal_group_name_new ("k");
      g_autoptr(GBytes) over = big_group_body (length, SHOAL_FRAME_MAX_MESSAGE + 1);
      g_autoptr(GBytes) largest = big_group_body (length, SHOAL_FRAME_MAX_MESSAGE);
      g_autoptr(GBytes) payload = NULL;

      g_assert_false (shoal_frame_decode_group (over, k, NULL, NULL, &payload, &error));
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
      g_assert_null (payload);
      g_clear_error (&error);

      g_assert_true (shoal_frame_decode_group (largest, k, NULL, NULL, &payload, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (payload), ==, SHOAL_FRAME_MAX_MESSAGE);
      shoal_group_name_release (k);
    }

  /* Sequence number 0, with an otherwise good name, or with the name left
   * out after a frame that gave it: the way most frames are judged. */
  {
    static const guint8 zero[] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 'k', 'p' };
    static const guint8 zero_left_out[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 'p' };
    g_autoptr(GBytes) body = g_bytes_new_static (zero, sizeof zero);
    g_autoptr(GBytes) left_out = g_bytes_new_static (zero_left_out, sizeof zero_left_out);
    gchar *k = shoal_group_name_new ("k");
    gchar *group = NULL;

    g_assert_false (shoal_frame_decode_group (body, NULL, NULL, NULL, NULL, &error));
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
    g_clear_error (&error);

    g_assert_false (shoal_frame_decode_group (body, k, NULL, &group, NULL, &error));
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
    g_assert_null (group);
    g_clear_error (&error);

    g_assert_false (shoal_frame_decode_group (left_out, k, NULL, &group, NULL, &error));
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
    g_assert_null (group);
    g_clear_error (&error);
    shoal_group_name_release (k);
  }

  /* From the header: at least 9 bytes, at most a message and a name. */
  shoal_frame_header_write (header, SHOAL_FRAME_GROUP, 8);
  g_assert_false (shoal_frame_header_parse (header, SHOAL_FRAME_MAX_DATA_BODY, &parsed, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
  g_clear_error (&error);
  shoal_frame_header_write (header, SHOAL_FRAME_GROUP, 9);
  g_assert_true (shoal_frame_header_parse (header, SHOAL_FRAME_MAX_DATA_BODY, &parsed, &error));
  g_assert_no_error (error);
  shoal_frame_header_write (header, SHOAL_FRAME_GROUP,
                            SHOAL_FRAME_MAX_DATA_BODY + SHOAL_FRAME_GROUP_MAX_PREFIX + 1);
  g_assert_false (shoal_frame_header_parse (header, SHOAL_FRAME_MAX_DATA_BODY, &parsed, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
  g_clear_error (&error);

  /* The rest of the groups' range stays reserved. */
  for (guint type = 0x32; type <= 0x3f; type++)
    {
      shoal_frame_header_write (header, type, 8);
      g_assert_false (shoal_frame_header_parse (header, SHOAL_FRAME_MAX_DATA_BODY, &parsed, &error));
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
      g_clear_error (&error);
    }
}

/* The hello's groups */

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

static gboolean
bytes_contain (GBytes      *bytes,
               const gchar *text)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  gsize length = strlen (text);

  for (gsize i = 0; i + length <= size; i++)
    if (memcmp (data + i, text, length) == 0)
      return TRUE;
  return FALSE;
}

static void
test_hello_round_trip (void)
{
  const gchar *groups[] = { "Küche", "cooks", "players", NULL };
  g_auto(ShoalHello) hello = sample_hello ();
  g_auto(ShoalHello) decoded = { 0, };
  g_auto(ShoalHello) none = { 0, };
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) plain_body = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A hello's groups round-trip sorted byte-wise; a hello without "
                  "groups has no groups key at all");

  /* The encoder takes them sorted, as the node keeps them. */
  hello.groups = g_strdupv ((gchar **) (const gchar *[]) { "Küche", "cooks", "players", NULL });
  frame = shoal_frame_encode_hello (&hello);
  body = frame_body (frame);
  g_assert_true (shoal_frame_decode_hello (body, &decoded, &error));
  g_assert_no_error (error);
  g_assert_true (g_strv_equal ((const gchar * const *) decoded.groups, groups));
  g_assert_true (bytes_contain (body, "groups"));

  g_strfreev (hello.groups);
  hello.groups = NULL;
  plain = shoal_frame_encode_hello (&hello);
  plain_body = frame_body (plain);
  g_assert_false (bytes_contain (plain_body, "groups"));
  g_assert_true (shoal_frame_decode_hello (plain_body, &none, &error));
  g_assert_no_error (error);
  g_assert_null (none.groups);
}

static void
test_hello_largest (void)
{
  static const guint8 proof[SHOAL_HELLO_PROOF_SIZE] = { 0, };
  g_auto(ShoalHello) hello = sample_hello ();
  g_auto(ShoalHello) decoded = { 0, };
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  guint8 header[SHOAL_FRAME_HEADER_SIZE];
  ShoalFrameHeader parsed;

  g_test_summary ("The largest hello, 256 groups of 255 bytes with the longest name "
                  "and a proof, fits the hello's limit; one byte past the limit is "
                  "refused from the header");

  g_free (hello.name);
  hello.name = long_name (63, 'n');
  hello.proof = g_bytes_new_static (proof, sizeof proof);
  hello.groups = g_new0 (gchar *, SHOAL_GROUPS_MAX + 1);
  for (guint i = 0; i < SHOAL_GROUPS_MAX; i++)
    {
      hello.groups[i] = long_name (SHOAL_GROUP_NAME_MAX_BYTES, 'g');
      g_snprintf (hello.groups[i], 4, "%03u", i);
      hello.groups[i][3] = 'g';
    }
  frame = shoal_frame_encode_hello (&hello);
  g_assert_nonnull (frame);
  g_test_message ("largest hello body: %" G_GSIZE_FORMAT " bytes",
                  g_bytes_get_size (frame) - SHOAL_FRAME_HEADER_SIZE);
  g_assert_true (shoal_frame_header_parse (g_bytes_get_data (frame, NULL), SHOAL_FRAME_MAX_DATA_BODY,
                                           &parsed, &error));
  g_assert_no_error (error);
  body = frame_body (frame);
  g_assert_true (shoal_frame_decode_hello (body, &decoded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (decoded.groups), ==, SHOAL_GROUPS_MAX);

  shoal_frame_header_write (header, SHOAL_FRAME_HELLO, SHOAL_FRAME_MAX_HELLO_BODY + 1);
  g_assert_false (shoal_frame_header_parse (header, SHOAL_FRAME_MAX_DATA_BODY, &parsed, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
}

/* A hello body with the required keys and @groups (floating, or NULL for
 * none) under the key "groups", possibly twice. */
static GBytes *
hello_body_with (GVariant *groups,
                 gboolean  twice)
{
  GVariantBuilder builder;
  g_autoptr(GVariant) dict = NULL;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "version", g_variant_new_uint32 (2));
  g_variant_builder_add (&builder, "{sv}", "id", g_variant_new_string (ID_A));
  g_variant_builder_add (&builder, "{sv}", "session", g_variant_new_string (ID_B));
  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string ("kitchen"));
  g_variant_builder_add (&builder, "{sv}", "port", g_variant_new_uint16 (4242));
  g_variant_builder_add (&builder, "{sv}", "accept", g_variant_new_boolean (TRUE));
  if (groups != NULL)
    {
      g_variant_ref_sink (groups);
      g_variant_builder_add (&builder, "{sv}", "groups", groups);
      if (twice)
        g_variant_builder_add (&builder, "{sv}", "groups", groups);
      g_variant_unref (groups);
    }
  dict = g_variant_ref_sink (g_variant_builder_end (&builder));
  g_assert_true (G_BYTE_ORDER == G_LITTLE_ENDIAN);
  return g_variant_get_data_as_bytes (dict);
}

static void
test_hello_malformed (void)
{
  g_autofree gchar *too_long = long_name (256, 'g');
  g_autoptr(GPtrArray) many = g_ptr_array_new_with_free_func (g_free);
  struct {
    const gchar *what;
    GVariant *groups;
    gboolean twice;
  } cases[] = {
    { "an empty name", g_variant_new_strv ((const gchar *[]) { "a", "", NULL }, -1), FALSE },
    { "a name of 256 bytes", g_variant_new_strv ((const gchar *[]) { too_long, NULL }, -1), FALSE },
    { "a name twice", g_variant_new_strv ((const gchar *[]) { "b", "a", "b", NULL }, -1), FALSE },
    { "257 groups", NULL, FALSE },
    { "groups as a string", g_variant_new_string ("kitchen"), FALSE },
    { "groups as bytes", g_variant_new_bytestring ("kitchen"), FALSE },
    { "groups as an array of arrays", g_variant_new_parsed ("[['a']]"), FALSE },
    { "the key twice", g_variant_new_strv ((const gchar *[]) { "a", NULL }, -1), TRUE },
  };

  g_test_summary ("A hello's groups are refused as a protocol error: an empty name, "
                  "a name over 255 bytes, a name listed twice, more than 256 groups, "
                  "a value of another type, the key twice");

  for (guint i = 0; i < SHOAL_GROUPS_MAX + 1; i++)
    g_ptr_array_add (many, g_strdup_printf ("group %u", i));
  g_ptr_array_add (many, NULL);
  cases[3].groups = g_variant_new_strv ((const gchar * const *) many->pdata, -1);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) body = hello_body_with (cases[i].groups, cases[i].twice);
      g_auto(ShoalHello) hello = { 0, };
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[i].what);
      g_assert_false (shoal_frame_decode_hello (body, &hello, &error));
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
    }

  /* 256 distinct groups are fine. */
  {
    g_autoptr(GBytes) body = NULL;
    g_auto(ShoalHello) hello = { 0, };
    g_autoptr(GError) error = NULL;

    g_free (g_ptr_array_steal_index (many, SHOAL_GROUPS_MAX));
    body = hello_body_with (g_variant_new_strv ((const gchar * const *) many->pdata, -1), FALSE);
    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (g_strv_length (hello.groups), ==, SHOAL_GROUPS_MAX);
  }
}

/* The examples in doc/PROTOCOL.md */

/* The bytes of the example that starts with @first_line in @section: hex
 * pairs up to the first word that is not one. */
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

  if (start == NULL)
    g_error ("doc/PROTOCOL.md has no section “%s”", section);
  end = strstr (start + strlen (section), "\n#");
  text = g_strndup (start, end != NULL ? (gsize) (end - start) : strlen (start));
  lines = g_strsplit (text, "\n", -1);

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_autofree gchar *line = g_strstrip (g_strdup (lines[i]));
      g_auto(GStrv) words = NULL;

      if (!in_example && !g_str_has_prefix (line, first_line))
        continue;
      if (in_example && (line[0] == '`' || line[0] == '\0'))
        break;
      in_example = TRUE;

      words = g_strsplit_set (line, " ", -1);
      for (gsize j = 0; words[j] != NULL; j++)
        {
          const gchar *w = words[j];
          guint8 byte;

          if (*w == '\0')
            continue;
          if (strlen (w) != 2 || !g_ascii_isxdigit (w[0]) || !g_ascii_isxdigit (w[1]))
            break;
          byte = (guint8) ((g_ascii_xdigit_value (w[0]) << 4) | g_ascii_xdigit_value (w[1]));
          g_byte_array_append (bytes, &byte, 1);
        }
    }

  g_assert_true (in_example);
  return bytes;
}

static void
test_doc_examples (void)
{
  g_autofree gchar *path = g_test_build_filename (G_TEST_DIST, "..", "doc", "PROTOCOL.md", NULL);
  g_autofree gchar *doc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) join = shoal_frame_encode_membership (SHOAL_FRAME_JOIN, "kitchen");
  g_autoptr(GBytes) leave = shoal_frame_encode_membership (SHOAL_FRAME_LEAVE, "kitchen");
  g_autoptr(GBytes) hi = g_bytes_new_static ("hi", 2);
  g_autoptr(GBytes) yo = g_bytes_new_static ("yo", 2);
  g_autoptr(GBytes) group = group_frame (3, "kitchen", hi);
  g_autoptr(GBytes) again = group_frame (4, NULL, yo);
  const struct {
    const gchar *first_line;
    GBytes *frame;
  } examples[] = {
    { "30 00 00 00", join },
    { "31 00 00 00", leave },
    { "12 00 00 00 00 00 00 12", group },
    { "12 00 00 00 00 00 00 0b", again },
  };

  g_test_summary ("The group examples in doc/PROTOCOL.md are byte for byte what the "
                  "codec produces");

  if (!g_file_get_contents (path, &doc, NULL, &error))
    {
      if (g_strcmp0 (g_getenv ("SHOAL_TEST_REQUIRE"), "all") == 0)
        g_test_fail_printf ("required but missing: cannot read %s: %s", path, error->message);
      else
        g_test_skip_printf ("Cannot read %s: %s", path, error->message);
      return;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      g_autoptr(GByteArray) bytes = doc_example_bytes (doc, "### 9a.5 Example frames",
                                                       examples[i].first_line);

      g_assert_cmpmem (bytes->data, bytes->len, g_bytes_get_data (examples[i].frame, NULL),
                       g_bytes_get_size (examples[i].frame));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/frame-groups/membership/round-trip", test_membership_round_trip);
  g_test_add_func ("/frame-groups/membership/malformed", test_membership_malformed);
  g_test_add_func ("/frame-groups/group/round-trip", test_group_round_trip);
  g_test_add_func ("/frame-groups/group/malformed", test_group_malformed);
  g_test_add_func ("/frame-groups/group/name-reused", test_group_name_reused);
  g_test_add_func ("/frame-groups/hello/round-trip", test_hello_round_trip);
  g_test_add_func ("/frame-groups/hello/largest", test_hello_largest);
  g_test_add_func ("/frame-groups/hello/malformed", test_hello_malformed);
  g_test_add_func ("/frame-groups/doc-examples", test_doc_examples);

  return g_test_run ();
}
