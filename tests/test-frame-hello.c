/* test-frame-hello.c: the hello's round trip, optional keys and version negotiation
 *
 * Part of the frame program (test-frame.c); the hellos the decoder refuses
 * are in test-frame-hello-malformed.c.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame.h"
#include "test-frame.h"

/* Hello */

void
test_hello_round_trip (void)
{
  g_autoptr(GBytes) proof = g_bytes_new_static (frame_sample_proof, sizeof frame_sample_proof);
  gsize i;

  g_test_summary ("An encoded hello is a whole frame whose body decodes to the "
                  "same fields, with accept either way and with or without a "
                  "proof, and negotiates version 2");

  for (i = 0; i < 3; i++)
    {
      g_auto(ShoalHello) hello = frame_sample_hello ();
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
                         frame_sample_proof, sizeof frame_sample_proof);

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

            g_assert_cmpmem (data, n, frame_sample_proof, sizeof frame_sample_proof);
          }
      }

      /* Clearing twice is harmless. */
      shoal_hello_clear (&decoded);
      shoal_hello_clear (&decoded);
      g_assert_null (decoded.peer_id);
      g_assert_null (decoded.proof);
    }
}

void
test_hello_optional_keys (void)
{
  g_autoptr(GError) error = NULL;
  guint32 version = 0;

  g_test_summary ("Without min-version, features and proof a hello is still "
                  "valid (min-version 1, no proof), a 32-byte proof is taken, "
                  "and unknown keys are ignored");

  {
    HelloEdit edit = { .skip = "min-version" };
    g_autoptr(GBytes) body = frame_build_hello_body (&edit);
    g_auto(ShoalHello) hello = { 0 };

    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (hello.min_version, ==, 1);
    g_assert_true (shoal_hello_negotiate (&hello, &version, &error));
    g_assert_cmpuint (version, ==, 2);
  }
  {
    HelloEdit edit = { .skip = "features" };
    g_autoptr(GBytes) body = frame_build_hello_body (&edit);
    g_auto(ShoalHello) hello = { 0 };

    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_no_error (error);
    g_assert_true (hello.accept);
    g_assert_null (hello.proof);
  }
  {
    HelloEdit edit = { .replace = "accept", .value = g_variant_new_boolean (FALSE),
                       .extra_key = "proof",
                       .extra = frame_proof_variant (SHOAL_HELLO_PROOF_SIZE) };
    g_autoptr(GBytes) body = frame_build_hello_body (&edit);
    g_auto(ShoalHello) hello = { 0 };

    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_no_error (error);
    g_assert_false (hello.accept);
    g_assert_nonnull (hello.proof);
    g_assert_cmpmem (g_bytes_get_data (hello.proof, NULL), g_bytes_get_size (hello.proof),
                     frame_sample_proof, sizeof frame_sample_proof);
  }
  {
    const gchar *features[] = { "seq", "groups", NULL };
    HelloEdit edit = { .replace = "features", .value = g_variant_new_strv (features, -1),
                       .extra_key = "future-key", .extra = g_variant_new ("(ii)", 1, 2) };
    g_autoptr(GBytes) body = frame_build_hello_body (&edit);
    g_auto(ShoalHello) hello = { 0 };

    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (hello.name, ==, "kitchen");
  }
}

void
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
    g_autoptr(GBytes) body = frame_build_hello_body (&edit);
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
    g_autoptr(GBytes) body = frame_build_hello_body (&edit);
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
    g_autoptr(GBytes) body = frame_build_hello_body (&edit);
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

    body = frame_build_hello_body (&edit);
    g_assert_true (shoal_frame_decode_hello (body, &hello, &error));
    g_assert_cmpuint (hello.min_version, ==, 3);
    g_assert_false (shoal_hello_negotiate (&hello, NULL, &error));
    g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_VERSION_MISMATCH);
  }
}
