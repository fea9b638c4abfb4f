/* shoal-frame-private.h: between the files of the codec (private)
 *
 * shoal-frame.c has the header, the a{sv} bodies of the control frames and
 * the fixed-size frames; shoal-frame-hello.c the hello, which decodes its
 * a{sv} body with the same checks as the goodbye.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-frame.h"

G_BEGIN_DECLS

/* Looks for the known keys of a dictionary (shoal_frame_dict_lookup_fields()). */
typedef struct {
  const gchar        *key;
  const GVariantType *type;
  gboolean            required;
  GVariant           *value;  /* (owned) (nullable) */
} ShoalDictField;

GBytes   *shoal_frame_encode_vardict     (ShoalFrameType   type,
                                          GVariant        *dict);
GVariant *shoal_frame_decode_vardict     (GBytes          *body,
                                          const gchar     *what,
                                          gsize            max_body,
                                          GError         **error);
gboolean  shoal_frame_dict_lookup_fields (GVariant        *dict,
                                          const gchar     *what,
                                          ShoalDictField  *fields,
                                          gsize            n_fields,
                                          GError         **error);
void      shoal_frame_dict_fields_clear  (ShoalDictField  *fields,
                                          gsize            n_fields);

G_END_DECLS
