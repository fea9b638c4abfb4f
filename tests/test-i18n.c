/* test-i18n.c: translations of shoal and shoald
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every source file that marks strings for translation is listed in
 * po/POTFILES (or xgettext never sees its strings), every translation is
 * complete, and the built programs speak German under LANGUAGE=de with the
 * build tree's catalogues.
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include "shoal-test-daemon.h"

static gboolean
uses_gettext (const gchar *path)
{
  g_autofree gchar *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return strstr (text, " _(") != NULL || strstr (text, "(_(") != NULL ||
         strstr (text, "N_(\"") != NULL || strstr (text, "\t_(") != NULL ||
         strstr (text, "g_dngettext (") != NULL;
}

static void
collect_sources (const gchar *srcdir,
                 const gchar *relative,
                 GPtrArray   *out)
{
  g_autofree gchar *path = g_build_filename (srcdir, relative, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (relative, name, NULL);
      g_autofree gchar *full = g_build_filename (srcdir, child, NULL);

      if (g_file_test (full, G_FILE_TEST_IS_DIR))
        collect_sources (srcdir, child, out);
      else if (g_str_has_suffix (name, ".c") && uses_gettext (full))
        g_ptr_array_add (out, g_steal_pointer (&child));
    }
}

static void
test_potfiles (void)
{
  const gchar *srcdir = g_getenv ("SHOAL_SRCDIR");
  g_autofree gchar *potfiles_path = NULL;
  g_autofree gchar *potfiles = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) listed = g_ptr_array_new ();
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_free);
  gsize i;

  g_test_summary ("Every source file under src/ that uses _() or N_() is listed in "
                  "po/POTFILES, and every file listed there exists");

  g_assert_nonnull (srcdir);
  potfiles_path = g_build_filename (srcdir, "po", "POTFILES", NULL);
  g_assert_true (g_file_get_contents (potfiles_path, &potfiles, NULL, NULL));
  lines = g_strsplit (potfiles, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      g_autofree gchar *full = NULL;

      g_strstrip (lines[i]);
      if (*lines[i] == '\0' || *lines[i] == '#')
        continue;
      full = g_build_filename (srcdir, lines[i], NULL);
      g_assert_true (g_file_test (full, G_FILE_TEST_IS_REGULAR));
      g_ptr_array_add (listed, lines[i]);
    }

  collect_sources (srcdir, "src", sources);
  g_assert_cmpuint (sources->len, >, 0);
  for (i = 0; i < sources->len; i++)
    {
      const gchar *source = g_ptr_array_index (sources, i);
      gboolean found = g_ptr_array_find_with_equal_func (listed, source, g_str_equal, NULL);

      if (!found)
        g_test_message ("%s uses _() but is not in po/POTFILES", source);
      g_assert_true (found);
    }
}

/* Whether one entry of a .po file (the text between blank lines) is a message
 * left fuzzy or untranslated. The header and obsolete entries are not. */
static gboolean
entry_is_incomplete (const gchar *entry)
{
  g_auto(GStrv) lines = g_strsplit (entry, "\n", -1);
  gboolean in_msgstr = FALSE;
  gboolean header = FALSE;
  gboolean empty = FALSE;
  gsize i;

  for (i = 0; lines[i] != NULL; i++)
    {
      const gchar *line = lines[i];

      if (g_str_has_prefix (line, "#~"))
        return FALSE;
      if (g_str_has_prefix (line, "#,") && strstr (line, "fuzzy") != NULL)
        return TRUE;
      if (g_str_equal (line, "msgid \"\"") && lines[i + 1] != NULL &&
          g_str_has_prefix (lines[i + 1], "msgstr"))
        header = TRUE;
      if (g_str_has_prefix (line, "msgstr"))
        {
          /* Any msgstr (or msgstr[n]) that is "" with no continuation line. */
          in_msgstr = TRUE;
          if (g_str_has_suffix (line, " \"\"") &&
              (lines[i + 1] == NULL || !g_str_has_prefix (lines[i + 1], "\"")))
            empty = TRUE;
        }
    }
  return in_msgstr && empty && !header;
}

static void
test_complete (void)
{
  const gchar *srcdir = g_getenv ("SHOAL_SRCDIR");
  g_autofree gchar *linguas_path = NULL;
  g_autofree gchar *linguas = NULL;
  g_auto(GStrv) languages = NULL;
  gsize i, checked = 0;

  g_test_summary ("Every catalogue in po/LINGUAS translates every message it has, with "
                  "none left fuzzy or empty (run `ninja shoal-update-po` to bring in new "
                  "messages)");

  g_assert_nonnull (srcdir);
  linguas_path = g_build_filename (srcdir, "po", "LINGUAS", NULL);
  g_assert_true (g_file_get_contents (linguas_path, &linguas, NULL, NULL));
  languages = g_strsplit_set (linguas, " \n", -1);
  for (i = 0; languages[i] != NULL; i++)
    {
      g_autofree gchar *name = g_strconcat (languages[i], ".po", NULL);
      g_autofree gchar *path = NULL;
      g_autofree gchar *po = NULL;
      g_auto(GStrv) entries = NULL;
      gsize j;

      if (*languages[i] == '\0' || *languages[i] == '#')
        continue;
      path = g_build_filename (srcdir, "po", name, NULL);
      g_assert_true (g_file_get_contents (path, &po, NULL, NULL));
      entries = g_strsplit (po, "\n\n", -1);
      for (j = 0; entries[j] != NULL; j++)
        {
          if (entry_is_incomplete (entries[j]))
            g_test_message ("%s: not translated:\n%s", name, entries[j]);
          g_assert_false (entry_is_incomplete (entries[j]));
        }
      checked++;
    }
  g_assert_cmpuint (checked, >, 0);
}

static gboolean
has_utf8_locale (void)
{
  /* LANGUAGE is ignored in the C locale; any UTF-8 locale will do. */
  const gchar *locale = setlocale (LC_ALL, "C.UTF-8");

  setlocale (LC_ALL, "");
  return locale != NULL;
}

static gchar *
help_in (const gchar *program,
         const gchar *language)
{
  const gchar *argv[] = { shoal_test_build_path (program), "--help", NULL };
  g_autofree gchar *language_env = g_strconcat ("LANGUAGE=", language, NULL);
  const gchar *env[] = { "LC_ALL=C.UTF-8", language_env, NULL };
  gchar *out = NULL;

  g_assert_cmpint (shoal_test_run (argv, NULL, env, NULL, &out, NULL), ==, 0);
  return out;
}

static void
test_german_help (void)
{
  g_autofree gchar *shoal_de = NULL;
  g_autofree gchar *shoald_de = NULL;
  g_autofree gchar *shoal_fr = NULL;

  g_test_summary ("shoal --help and shoald --help speak German under LANGUAGE=de, and "
                  "shoal --help French under LANGUAGE=fr");
  if (!shoal_test_skip_unless (has_utf8_locale (), "no C.UTF-8 locale"))
    return;

  shoal_de = help_in ("src/cli/shoal", "de");
  g_test_message ("%s", shoal_de);
  g_assert_nonnull (strstr (shoal_de, "Befehle:"));
  g_assert_nonnull (strstr (shoal_de, "Die bekannten Peers auflisten"));
  g_assert_nonnull (strstr (shoal_de, "BEFEHL [ARGUMENTE…]"));
  g_assert_null (strstr (shoal_de, "List the known peers"));
  g_assert_nonnull (strstr (shoal_de, "Einem Peer vertrauen"));
  g_assert_null (strstr (shoal_de, "Trust a peer"));

  shoald_de = help_in ("src/daemon/shoald", "de");
  g_assert_nonnull (strstr (shoald_de, "Weder über mDNS ankündigen noch suchen"));
  g_assert_null (strstr (shoald_de, "Do not advertise"));
  g_assert_nonnull (strstr (shoald_de, "Wer beitreten darf"));

  shoal_fr = help_in ("src/cli/shoal", "fr");
  g_assert_nonnull (strstr (shoal_fr, "Commandes :"));
  g_assert_nonnull (strstr (shoal_fr, "Approuver un pair"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/i18n/potfiles", test_potfiles);
  g_test_add_func ("/i18n/complete", test_complete);
  g_test_add_func ("/i18n/german-help", test_german_help);

  return g_test_run ();
}
