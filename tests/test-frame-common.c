/* test-frame-common.c: the frame program's sample hello and body builders
 *
 * Part of the frame program (test-frame.c): what several of its files use,
 * declared in test-frame.h.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-error.h"
#include "shoal-frame.h"
#include "test-frame.h"

/* The network key proof of the examples: the bytes 00 01 02 … 1f. */
const guint8 frame_sample_proof[SHOAL_HELLO_PROOF_SIZE] = {
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
  0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

/* Helpers */

GBytes *
frame_vardict_to_wire_bytes (GVariant *dict)
{
  g_autoptr(GVariant) sunk = g_variant_ref_sink (dict);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  g_autoptr(GVariant) wire = g_variant_byteswap (sunk);
#else
  g_autoptr(GVariant) wire = g_variant_ref (sunk);
#endif

  return g_variant_get_data_as_bytes (wire);
}

/* A valid protocol 2 hello body without a proof, with one key left out,
 * replaced or added. */
GBytes *
frame_build_hello_body (const HelloEdit *edit)
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

  return frame_vardict_to_wire_bytes (g_variant_builder_end (&builder));
}

GBytes *
frame_body (GBytes *frame)
{
  return g_bytes_new_from_bytes (frame, SHOAL_FRAME_HEADER_SIZE,
                                 g_bytes_get_size (frame) - SHOAL_FRAME_HEADER_SIZE);
}

GVariant *
frame_proof_variant (gsize size)
{
  g_autofree guint8 *bytes = g_malloc0 (size + 1);

  for (gsize i = 0; i < size; i++)
    bytes[i] = (guint8) i;
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes, size, 1);
}

/* The hello of the examples in doc/PROTOCOL.md: it lets the receiver in and
 * carries no proof. */
ShoalHello
frame_sample_hello (void)
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
