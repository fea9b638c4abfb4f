/* fuzz-network-key.c: reading a network key as a person wrote it
 *
 * The input is the text of a key file or option. The parser must accept
 * exactly 64 hexadecimal digits with whitespace around them, and give the
 * bytes they spell; this target checks it against that rule written out
 * here.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-trust.h"
#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* What a file reader hands on: the text up to its first NUL. */
  g_autofree gchar *text = g_strndup ((const gchar *) data, size);
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *start = text;
  const gchar *end;
  gboolean expected;
  gboolean parsed;

  while (g_ascii_isspace (*start))
    start++;
  end = start + strlen (start);
  while (end > start && g_ascii_isspace (end[-1]))
    end--;

  expected = end - start == 2 * SHOAL_NETWORK_KEY_SIZE;
  for (const gchar *p = start; expected && p < end; p++)
    expected = g_ascii_isxdigit (*p);

  parsed = shoal_network_key_parse (text, &key, &error);
  g_assert_cmpint (parsed, ==, expected);

  if (!parsed)
    {
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT);
      g_assert_null (key);
      return 0;
    }

  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (key), ==, SHOAL_NETWORK_KEY_SIZE);
  for (gsize i = 0; i < SHOAL_NETWORK_KEY_SIZE; i++)
    {
      guint8 byte = ((const guint8 *) g_bytes_get_data (key, NULL))[i];

      g_assert_cmpint (byte, ==, g_ascii_xdigit_value (start[2 * i]) << 4 |
                                 g_ascii_xdigit_value (start[2 * i + 1]));
    }

  return 0;
}
