/* test-frame-doc.c: the hex examples of doc/PROTOCOL.md against the codec
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

void
test_doc_examples (void)
{
  g_autofree gchar *path = g_test_build_filename (G_TEST_DIST, "..", "doc", "PROTOCOL.md", NULL);
  g_autofree gchar *doc = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(ShoalHello) hello = frame_sample_hello ();
  g_autoptr(GBytes) hello_frame = shoal_frame_encode_hello (&hello);
  g_autoptr(GBytes) proof_frame = NULL;
  g_autoptr(GBytes) goodbye_frame = shoal_frame_encode_goodbye (SHOAL_GOODBYE_SHUTDOWN, "bye");
  g_autoptr(GBytes) ping_frame = shoal_frame_encode_ping (SHOAL_FRAME_PING, 0x1122334455667788);

  g_test_summary ("The hex examples in doc/PROTOCOL.md are byte for byte what "
                  "the codec produces");

  hello.proof = g_bytes_new_static (frame_sample_proof, sizeof frame_sample_proof);
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
