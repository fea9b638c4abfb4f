/* test-frame-hello-malformed.c: the hellos the decoder refuses
 *
 * Part of the frame program (test-frame.c): keys missing, of the wrong type
 * or out of range, and names that are not valid.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame.h"
#include "test-frame.h"

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

void
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
    g_autoptr(GBytes) body = frame_vardict_to_wire_bytes (g_variant_new ("(us)", 1, "x"));
    assert_hello_refused (body, "a{sv}");
  }
  {
    const gchar *strv[] = { "version", "id", NULL };
    g_autoptr(GBytes) body = frame_vardict_to_wire_bytes (g_variant_new_strv (strv, -1));
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
    good = frame_vardict_to_wire_bytes (g_variant_builder_end (&builder));
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
    g_autoptr(GBytes) good = frame_build_hello_body (&edit);
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
    g_autoptr(GBytes) good = frame_build_hello_body (&edit);
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
    g_autoptr(GBytes) good = frame_build_hello_body (&edit);
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
      g_autoptr(GBytes) body = frame_build_hello_body (&edit);

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
        frame_build_hello_body (g_str_equal (wrong_types[i], "proof") ? &add : &replace);

      assert_hello_refused (body, wrong_types[i]);
    }

  /* Same size, wrong type: a u32 port, a signed version, accept as a byte,
   * a proof of 32 characters or of eight u32s. */
  {
    HelloEdit edit = { .replace = "port", .value = g_variant_new_uint32 (4242) };
    g_autoptr(GBytes) body = frame_build_hello_body (&edit);
    assert_hello_refused (body, "port");
  }
  {
    HelloEdit edit = { .replace = "version", .value = g_variant_new_int32 (2) };
    g_autoptr(GBytes) body = frame_build_hello_body (&edit);
    assert_hello_refused (body, "version");
  }
  {
    HelloEdit edit = { .replace = "accept", .value = g_variant_new_byte (1) };
    g_autoptr(GBytes) body = frame_build_hello_body (&edit);
    assert_hello_refused (body, "accept");
  }
  {
    HelloEdit edit = { .extra_key = "proof", .extra = g_variant_new_string (ID_A) };
    g_autoptr(GBytes) body = frame_build_hello_body (&edit);
    assert_hello_refused (body, "proof");
  }
  {
    const guint32 words[8] = { 0, };
    HelloEdit edit = { .extra_key = "proof",
                       .extra = g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, words, 8,
                                                           sizeof (guint32)) };
    g_autoptr(GBytes) body = frame_build_hello_body (&edit);
    assert_hello_refused (body, "proof");
  }

  /* A proof is exactly 32 bytes; the error says how many it had. */
  for (i = 0; i < G_N_ELEMENTS (bad_proof_sizes); i++)
    {
      HelloEdit edit = { .extra_key = "proof", .extra = frame_proof_variant (bad_proof_sizes[i]) };
      g_autoptr(GBytes) body = frame_build_hello_body (&edit);
      g_autofree gchar *expected =
        g_strdup_printf ("Hello proof has %" G_GSIZE_FORMAT " bytes; it must have 32",
                         bad_proof_sizes[i]);

      assert_hello_refused (body, expected);
    }

  /* A known key twice. */
  {
    HelloEdit edit = { .extra_key = "id", .extra = g_variant_new_string (ID_B) };
    g_autoptr(GBytes) body = frame_build_hello_body (&edit);
    assert_hello_refused (body, "more than once");
  }
  {
    HelloEdit edit = { .extra_key = "accept", .extra = g_variant_new_boolean (TRUE) };
    g_autoptr(GBytes) body = frame_build_hello_body (&edit);
    assert_hello_refused (body, "more than once");
  }

  for (i = 0; i < G_N_ELEMENTS (bad_ids); i++)
    {
      HelloEdit id_edit = { .replace = "id", .value = g_variant_new_string (bad_ids[i]) };
      HelloEdit session_edit = { .replace = "session", .value = g_variant_new_string (bad_ids[i]) };
      g_autoptr(GBytes) id_body = frame_build_hello_body (&id_edit);
      g_autoptr(GBytes) session_body = frame_build_hello_body (&session_edit);

      assert_hello_refused (id_body, "id");
      assert_hello_refused (session_body, "session");
    }

  for (i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      HelloEdit edit = { .replace = "name", .value = g_variant_new_string (bad_names[i]) };
      g_autoptr(GBytes) body = frame_build_hello_body (&edit);

      assert_hello_refused (body, "name");
      g_assert_false (shoal_hello_name_is_valid (bad_names[i]));
    }
  g_assert_false (shoal_hello_name_is_valid (NULL));
  g_assert_false (shoal_hello_name_is_valid ("bad \xff utf-8"));
  g_assert_true (shoal_hello_name_is_valid ("kitchen #2"));
  g_assert_true (shoal_hello_name_is_valid ("Büro ☃"));
}
