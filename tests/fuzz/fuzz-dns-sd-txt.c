/* fuzz-dns-sd-txt.c: reading a resolved service's TXT record
 *
 * mDNS is unauthenticated: anyone on the LAN can announce any record. The
 * input is a service instance name and the record's strings, one a line
 * (a string may hold any byte but the newline, NULs included). The parser
 * must take a record exactly when doc/PROTOCOL.md (section 15) says: a
 * `proto` that is a decimal number ≥ 1, a valid `id` and a valid `session`,
 * each read as RFC 6763 reads a TXT record; this target checks it against
 * that rule written out here.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-dns-sd.h"
#include "shoal-error.h"
#include "fuzz-common.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvahiStringList, avahi_string_list_free)

typedef struct {
  const guint8 *text;
  gsize         length;
} Item;

/* The value of the attribute @key as RFC 6763 (section 6.4) reads a TXT
 * record: a string's key is everything before its first '=' (the whole
 * string if there is none), compared without regard to ASCII case, and only
 * the first string with a given key counts. NULL if there is no such string,
 * it has no '=', or its value holds a NUL (Shoal's rule: values are text). */
static gchar *
reference_lookup (GArray      *items,
                  const gchar *key)
{
  gsize key_length = strlen (key);

  for (guint i = 0; i < items->len; i++)
    {
      const Item *item = &g_array_index (items, Item, i);
      const guint8 *equals = memchr (item->text, '=', item->length);
      gsize item_key_length = equals != NULL ? (gsize) (equals - item->text) : item->length;
      const gchar *value;
      gsize value_length;

      if (item_key_length != key_length ||
          g_ascii_strncasecmp ((const gchar *) item->text, key, key_length) != 0)
        continue;
      if (equals == NULL)
        return NULL;

      value = (const gchar *) equals + 1;
      value_length = item->length - key_length - 1;
      if (memchr (value, '\0', value_length) != NULL)
        return NULL;
      return g_strndup (value, value_length);
    }

  return NULL;
}

/* A decimal number from 1 to 2³²−1, leading zeros allowed. */
static gboolean
reference_version_is_valid (const gchar *proto)
{
  guint64 value = 0;
  const gchar *p;

  if (proto == NULL || *proto == '\0')
    return FALSE;
  for (p = proto; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      value = value * 10 + (guint64) (*p - '0');
      if (value > G_MAXUINT32)
        return FALSE;
    }

  return value >= 1;
}

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
  g_autoptr(AvahiStringList) txt = NULL;
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (Item));
  g_autofree gchar *service_name = NULL;
  g_autofree gchar *proto = NULL;
  g_autofree gchar *expected_id = NULL;
  g_autofree gchar *expected_session = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *session_id = NULL;
  const guint8 *line = data;
  const guint8 *end = data + size;
  gboolean expected;

  /* The first line is the instance name, the others the strings. */
  while (line <= end)
    {
      const guint8 *newline = memchr (line, '\n', (gsize) (end - line));
      const guint8 *line_end = newline != NULL ? newline : end;

      if (service_name == NULL)
        {
          service_name = g_strndup ((const gchar *) line, (gsize) (line_end - line));
        }
      else
        {
          Item item = { line, (gsize) (line_end - line) };

          g_array_append_val (items, item);
          txt = avahi_string_list_add_arbitrary (txt, item.text, item.length);
        }
      if (newline == NULL)
        break;
      line = newline + 1;
    }
  /* Avahi adds at the head: turn the list round to the order of the input. */
  txt = avahi_string_list_reverse (txt);

  proto = reference_lookup (items, "proto");
  expected_id = reference_lookup (items, "id");
  expected_session = reference_lookup (items, "session");
  expected = reference_version_is_valid (proto) &&
             shoal_peer_id_is_valid (expected_id) &&
             shoal_peer_id_is_valid (expected_session);

  g_assert_cmpint (shoal_dns_sd_txt_parse (txt, service_name, &id, &session_id), ==, expected);
  if (expected)
    {
      g_assert_cmpstr (id, ==, expected_id);
      g_assert_cmpstr (session_id, ==, expected_session);
    }
  else
    {
      g_assert_null (id);
      g_assert_null (session_id);
    }

  return 0;
}
