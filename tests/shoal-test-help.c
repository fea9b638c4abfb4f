/* shoal-test-help.c: what shoal and shoald say they offer, read from --help
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The man pages and the bash completion are checked against the programs
 * themselves, not against a list kept in a test: the built programs' --help,
 * in the C locale, names every command and option they have.
 */

#include "config.h"

#include <string.h>

#include "shoal-test-daemon.h"
#include "shoal-test-help.h"

/* Runs the built @program (a path under the build tree) with @args and
 * returns what it printed; --help exits with 0. */
static gchar *
help_text (const gchar         *program,
           const gchar * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gsize i;

  g_ptr_array_add (argv, (gpointer) shoal_test_build_path (program));
  for (i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_cmpint (shoal_test_run ((const gchar * const *) argv->pdata, NULL, NULL, NULL,
                                   &out, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
  return out;
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

/**
 * shoal_test_help_commands:
 *
 * Returns: (transfer full) (element-type utf8): the commands that
 *   `shoal --help` lists under "Commands:", in its order
 */
GPtrArray *
shoal_test_help_commands (void)
{
  g_autofree gchar *help = help_text ("src/cli/shoal", (const gchar *[]) { "--help", NULL });
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = g_strsplit (help, "\n", -1);
  gboolean in_commands = FALSE;
  gsize i;

  for (i = 0; lines[i] != NULL; i++)
    {
      if (g_strcmp0 (lines[i], "Commands:") == 0)
        in_commands = TRUE;
      else if (in_commands && g_str_has_prefix (lines[i], "  "))
        {
          g_auto(GStrv) words = g_strsplit (lines[i] + 2, " ", 2);

          g_ptr_array_add (commands, g_strdup (words[0]));
        }
      else if (in_commands)
        break;
    }
  /* A help text that lists none means that its layout changed, not that
   * shoal has no commands: this reader must follow it. */
  g_assert_cmpuint (commands->len, >=, 5);
  return g_steal_pointer (&commands);
}

/**
 * shoal_test_help_options:
 * @program: "src/cli/shoal" or "src/daemon/shoald"
 * @command: (nullable): a shoal command, or %NULL for the program's own options
 *
 * Returns: (transfer full) (element-type utf8): every option that `--help`
 *   shows, long and short ("--json", "-h", …), sorted
 */
GPtrArray *
shoal_test_help_options (const gchar *program,
                         const gchar *command)
{
  const gchar *own[] = { "--help", NULL };
  const gchar *of_command[] = { command, "--help", NULL };
  g_autofree gchar *help = help_text (program, command != NULL ? of_command : own);
  g_autoptr(GPtrArray) options = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GMatchInfo) match = NULL;

  /* GOption's layout: "  -n, --name=NAME   text" or "  --json   text". */
  regex = g_regex_new ("^  (?:(-[A-Za-z0-9]), )?(--[A-Za-z0-9][A-Za-z0-9-]*)",
                       G_REGEX_MULTILINE, 0, NULL);
  g_assert_nonnull (regex);
  g_regex_match (regex, help, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree gchar *short_name = g_match_info_fetch (match, 1);

      if (short_name != NULL && *short_name != '\0')
        g_ptr_array_add (options, g_steal_pointer (&short_name));
      g_ptr_array_add (options, g_match_info_fetch (match, 2));
      g_match_info_next (match, NULL);
    }
  g_assert_true (g_ptr_array_find_with_equal_func (options, "--help", g_str_equal, NULL));
  g_ptr_array_sort (options, compare_strings);
  return g_steal_pointer (&options);
}

/**
 * shoal_test_help_usage:
 * @command: a shoal command
 *
 * Returns: (transfer full): the command and its parameters as
 *   `shoal COMMAND --help` shows them after "shoal [OPTION…]", for example
 *   "send PEER MESSAGE|-"
 */
gchar *
shoal_test_help_usage (const gchar *command)
{
  const gchar *args[] = { command, "--help", NULL };
  g_autofree gchar *help = help_text ("src/cli/shoal", args);
  const gchar *prefix = "  shoal [OPTION…] ";
  const gchar *start = strstr (help, prefix);
  const gchar *end;

  g_assert_nonnull (start);
  start += strlen (prefix);
  end = strchr (start, '\n');
  g_assert_nonnull (end);
  return g_strstrip (g_strndup (start, end - start));
}

/**
 * shoal_test_help_join:
 * @words: (element-type utf8): words
 *
 * Returns: (transfer full): @words separated by spaces, for messages
 */
gchar *
shoal_test_help_join (GPtrArray *words)
{
  GString *text = g_string_new (NULL);
  guint i;

  for (i = 0; i < words->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? " " : "", (gchar *) g_ptr_array_index (words, i));
  return g_string_free (text, FALSE);
}

/**
 * shoal_test_help_same:
 * @expected: (element-type utf8): what the program has
 * @got: (element-type utf8): what a page or the completion has
 *
 * Compares the two as sets, and says in the test log what one has and the
 * other lacks.
 *
 * Returns: whether they hold the same words
 */
gboolean
shoal_test_help_same (GPtrArray *expected,
                      GPtrArray *got)
{
  gboolean same = TRUE;
  guint i;

  for (i = 0; i < expected->len; i++)
    if (!g_ptr_array_find_with_equal_func (got, g_ptr_array_index (expected, i), g_str_equal, NULL))
      {
        g_test_message ("missing: %s", (gchar *) g_ptr_array_index (expected, i));
        same = FALSE;
      }
  for (i = 0; i < got->len; i++)
    if (!g_ptr_array_find_with_equal_func (expected, g_ptr_array_index (got, i), g_str_equal, NULL))
      {
        g_test_message ("not in the program: %s", (gchar *) g_ptr_array_index (got, i));
        same = FALSE;
      }
  return same;
}
