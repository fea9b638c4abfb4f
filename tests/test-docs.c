/* test-docs.c: the man pages say what the programs do
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * shoal(1), shoald(8) and shoal.conf(5) cannot drift from the code: every
 * command and option that the built `shoal --help`, `shoal COMMAND --help`
 * and `shoald --help` show, and every config key that shoald reads
 * (shoald_config_get_known_keys()), has its entry in the page, and no page
 * has an entry for one that is gone. Then man renders each built page
 * without a warning.
 *
 * The pages (the .scd files of doc/man/) are read in the form the comment at their top
 * describes: under a section "# NAME", an entry is a line that starts with
 * "*term*"; what is indented below it is its text, where a nested entry is
 * a line of one tab and "*term*".
 */

#include "config.h"

#include <string.h>

#include "shoal-test-daemon.h"
#include "shoal-test-help.h"
#include "shoald-config.h"

typedef struct {
  gchar     *term;  /* (owned): the entry's line, as written */
  GPtrArray *text;  /* (owned) (element-type utf8): the lines below it */
} Entry;

static void
entry_free (Entry *entry)
{
  g_free (entry->term);
  g_ptr_array_unref (entry->text);
  g_free (entry);
}

static gchar *
read_source (const gchar *relative)
{
  const gchar *srcdir = g_getenv ("SHOAL_SRCDIR");
  g_autofree gchar *path = NULL;
  g_autoptr(GError) error = NULL;
  gchar *text = NULL;

  g_assert_nonnull (srcdir);
  path = g_build_filename (srcdir, relative, NULL);
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* The entries of @section in the page doc/man/@page.scd, in order. */
static GPtrArray *
page_entries (const gchar *page,
              const gchar *section)
{
  g_autofree gchar *relative = g_strconcat ("doc/man/", page, ".scd", NULL);
  g_autofree gchar *text = read_source (relative);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree gchar *heading = g_strconcat ("# ", section, NULL);
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  gboolean inside = FALSE;
  Entry *entry = NULL;
  gsize i;

  for (i = 0; lines[i] != NULL; i++)
    {
      const gchar *line = lines[i];

      if (g_str_has_prefix (line, "# "))
        {
          inside = g_strcmp0 (line, heading) == 0;
          entry = NULL;
        }
      else if (!inside)
        continue;
      else if (line[0] == '*')
        {
          entry = g_new0 (Entry, 1);
          entry->term = g_strdup (line);
          entry->text = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (entries, entry);
        }
      else if (line[0] == '\t' && entry != NULL)
        g_ptr_array_add (entry->text, g_strdup (line));
      else if (line[0] != '\0')
        entry = NULL;  /* a paragraph of the section's own */
    }
  g_assert_cmpuint (entries->len, >, 0);
  return g_steal_pointer (&entries);
}

/* The first bold word of @line: "status" for "*status*", "port" for
 * "*port*=_INTEGER_". */
static gchar *
first_bold (const gchar *line)
{
  const gchar *start = strchr (line, '*');
  const gchar *end = start != NULL ? strchr (start + 1, '*') : NULL;

  g_assert_nonnull (end);
  return g_strndup (start + 1, end - start - 1);
}

/* Every option (*-x* or *--name*) in bold in @line, added to @out. */
static void
add_bold_options (const gchar *line,
                  GPtrArray   *out)
{
  g_autoptr(GRegex) regex = g_regex_new ("\\*(--?[A-Za-z0-9][A-Za-z0-9-]*)\\*", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_regex_match (regex, line, 0, &match);
  while (g_match_info_matches (match))
    {
      g_ptr_array_add (out, g_match_info_fetch (match, 1));
      g_match_info_next (match, NULL);
    }
}

/* @text without scdoc's markup and without any space: "*peers* [*--json* |
 * *--plain*]" and "peers [--json|--plain]" are the same synopsis. */
static gchar *
bare (const gchar *text)
{
  GString *out = g_string_new (NULL);
  const gchar *p;

  for (p = text; *p != '\0'; p++)
    if (*p != '*' && *p != '_' && !g_ascii_isspace (*p))
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

static GPtrArray *
without_help (GPtrArray *options)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  guint i;

  for (i = 0; i < options->len; i++)
    {
      const gchar *option = g_ptr_array_index (options, i);

      if (g_strcmp0 (option, "--help") != 0 && g_strcmp0 (option, "-h") != 0)
        g_ptr_array_add (out, g_strdup (option));
    }
  return out;
}

static void
test_shoal_commands (void)
{
  g_autoptr(GPtrArray) commands = shoal_test_help_commands ();
  g_autoptr(GPtrArray) entries = page_entries ("shoal.1", "COMMANDS");
  g_autoptr(GPtrArray) documented = g_ptr_array_new_with_free_func (g_free);
  guint i, j;

  g_test_summary ("shoal(1) has an entry under COMMANDS for each command of `shoal --help` "
                  "and for no other, with the synopsis of `shoal COMMAND --help`, and "
                  "under it an entry for each of that command's options");

  for (i = 0; i < entries->len; i++)
    g_ptr_array_add (documented, first_bold (((Entry *) g_ptr_array_index (entries, i))->term));
  g_assert_true (shoal_test_help_same (commands, documented));

  for (i = 0; i < entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (entries, i);
      const gchar *command = g_ptr_array_index (documented, i);
      g_autofree gchar *usage = shoal_test_help_usage (command);
      g_autofree gchar *usage_bare = bare (usage);
      g_autofree gchar *term_bare = bare (entry->term);
      g_autoptr(GPtrArray) all_options = shoal_test_help_options ("src/cli/shoal", command);
      g_autoptr(GPtrArray) options = without_help (all_options);
      g_autoptr(GPtrArray) nested = g_ptr_array_new_with_free_func (g_free);

      g_test_message ("shoal %s: usage “%s”, entry “%s”", command, usage, entry->term);
      g_assert_cmpstr (term_bare, ==, usage_bare);

      /* Its options are nested entries: one tab, then the bold option. */
      for (j = 0; j < entry->text->len; j++)
        {
          const gchar *line = g_ptr_array_index (entry->text, j);

          if (g_str_has_prefix (line, "\t*-"))
            add_bold_options (line, nested);
        }
      g_assert_true (shoal_test_help_same (options, nested));
    }
}

static void
test_shoal_options (void)
{
  g_autoptr(GPtrArray) options = shoal_test_help_options ("src/cli/shoal", NULL);
  g_autoptr(GPtrArray) entries = page_entries ("shoal.1", "OPTIONS");
  g_autoptr(GPtrArray) documented = g_ptr_array_new_with_free_func (g_free);
  guint i;

  g_test_summary ("shoal(1) has an entry under OPTIONS for each option of `shoal --help`, "
                  "short and long, and for no other");

  for (i = 0; i < entries->len; i++)
    add_bold_options (((Entry *) g_ptr_array_index (entries, i))->term, documented);
  g_assert_true (shoal_test_help_same (options, documented));
}

static void
test_shoald_options (void)
{
  g_autoptr(GPtrArray) options = shoal_test_help_options ("src/daemon/shoald", NULL);
  g_autoptr(GPtrArray) entries = page_entries ("shoald.8", "OPTIONS");
  g_autoptr(GPtrArray) documented = g_ptr_array_new_with_free_func (g_free);
  guint i;

  g_test_summary ("shoald(8) has an entry under OPTIONS for each option of `shoald --help`, "
                  "short and long, and for no other");

  for (i = 0; i < entries->len; i++)
    add_bold_options (((Entry *) g_ptr_array_index (entries, i))->term, documented);
  g_assert_true (shoal_test_help_same (options, documented));
}

static void
test_config_keys (void)
{
  const gchar * const *known = shoald_config_get_known_keys ();
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) entries = page_entries ("shoal.conf.5", "KEYS");
  g_autoptr(GPtrArray) documented = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *example = read_source ("data/shoal.conf.example");
  guint i;

  g_test_summary ("shoal.conf(5) has an entry under KEYS for each key that shoald reads and "
                  "for no other, and data/shoal.conf.example shows each key");

  for (i = 0; known[i] != NULL; i++)
    g_ptr_array_add (keys, g_strdup (known[i]));
  g_assert_cmpuint (keys->len, >, 0);

  for (i = 0; i < entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (entries, i);
      g_autofree gchar *key = first_bold (entry->term);
      g_autofree gchar *form = g_strconcat ("*", key, "*=", NULL);

      /* An entry is written "*key*=_TYPE_". */
      g_assert_true (g_str_has_prefix (entry->term, form));
      g_ptr_array_add (documented, g_steal_pointer (&key));
    }
  g_assert_true (shoal_test_help_same (keys, documented));

  for (i = 0; known[i] != NULL; i++)
    {
      g_autofree gchar *pattern = g_strdup_printf ("^#?%s=", known[i]);

      g_test_message ("data/shoal.conf.example: %s", known[i]);
      g_assert_true (g_regex_match_simple (pattern, example, G_REGEX_MULTILINE, 0));
    }
}

static void
test_render (gconstpointer data)
{
  const gchar *page = data;
  g_autofree gchar *path = g_build_filename (g_getenv ("SHOAL_BUILDDIR"), "doc", page, NULL);
  const gchar *argv[] = { "man", "-l", "--warnings=w", path, NULL };
  const gchar *env[] = { "MANWIDTH=80", "MANPAGER=cat", "PAGER=cat", NULL };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *name = g_strndup (page, strrchr (page, '.') - page);
  g_autofree gchar *title = NULL;

  g_test_summary ("man renders the built page at 80 columns without a single warning of "
                  "groff's (-ww)");
  if (!shoal_test_skip_unless (g_file_test (path, G_FILE_TEST_EXISTS),
                               "the man pages are not built: scdoc is missing, or -Dman=disabled") ||
      !shoal_test_skip_unless (shoal_test_have_program ("man"), "man is not installed"))
    return;

  g_assert_cmpint (shoal_test_run (argv, NULL, env, NULL, &out, &err), ==, 0);
  g_test_message ("%s", err);
  g_assert_cmpstr (err, ==, "");
  /* Rendered, not passed through: the title line and the first section. */
  title = g_strdup_printf ("%s(%s)", name, strrchr (page, '.') + 1);
  g_assert_true (g_str_has_prefix (out, title));
  g_assert_nonnull (strstr (out, "\nNAME\n"));
  g_assert_null (strstr (out, "@VERSION@"));
  g_assert_null (strstr (out, "@datadir@"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/docs/shoal-commands", test_shoal_commands);
  g_test_add_func ("/docs/shoal-options", test_shoal_options);
  g_test_add_func ("/docs/shoald-options", test_shoald_options);
  g_test_add_func ("/docs/config-keys", test_config_keys);
  g_test_add_data_func ("/docs/render/shoal.1", "shoal.1", test_render);
  g_test_add_data_func ("/docs/render/shoald.8", "shoald.8", test_render);
  g_test_add_data_func ("/docs/render/shoal.conf.5", "shoal.conf.5", test_render);

  return g_test_run ();
}
