/* test-frame-goodbye.c: the goodbye's round trip, truncation and malformed bodies
 *
 * Part of the frame program (test-frame.c).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame.h"
#include "test-frame.h"

/* Goodbye */

void
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

void
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

void
test_goodbye_malformed (void)
{
  g_test_summary ("Goodbye bodies that are not a{sv}, have a wrong-typed key, "
                  "or a message over 256 bytes are protocol errors");

  {
    g_autoptr(GBytes) body = frame_vardict_to_wire_bytes (g_variant_new_uint32 (1));
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
    body = frame_vardict_to_wire_bytes (g_variant_builder_end (&builder));
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
    body = frame_vardict_to_wire_bytes (g_variant_builder_end (&builder));
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
    body = frame_vardict_to_wire_bytes (g_variant_builder_end (&builder));
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
    body = frame_vardict_to_wire_bytes (g_variant_builder_end (&builder));
    g_assert_true (shoal_frame_decode_goodbye (body, &code, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (code, ==, SHOAL_GOODBYE_OVERLOADED);
  }
}
