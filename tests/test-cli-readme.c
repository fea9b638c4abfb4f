/* test-cli-readme.c: the README's script examples, run as written
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "test-cli.h"

typedef struct {
  gchar *kind;      /* "sends" or "receives" */
  gchar *language;  /* "sh" or "python" */
  gchar *code;
} Example;

static void
example_free (gpointer data)
{
  Example *example = data;

  g_free (example->kind);
  g_free (example->language);
  g_free (example->code);
  g_free (example);
}

static GPtrArray *
read_readme_examples (void)
{
  g_autofree gchar *path = g_build_filename (g_getenv ("SHOAL_SRCDIR"), "README.md", NULL);
  g_autofree gchar *readme = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *examples = g_ptr_array_new_with_free_func (example_free);
  gsize i;

  g_assert_true (g_file_get_contents (path, &readme, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (readme, "\n", -1);

  for (i = 0; lines[i] != NULL; i++)
    {
      const gchar *marker = "<!-- example: ";
      Example *example;
      GString *code;

      if (!g_str_has_prefix (lines[i], marker))
        continue;
      example = g_new0 (Example, 1);
      example->kind = g_strndup (lines[i] + strlen (marker),
                                 strcspn (lines[i] + strlen (marker), " "));
      g_assert_nonnull (lines[i + 1]);
      g_assert_true (g_str_has_prefix (lines[i + 1], "```"));
      example->language = g_strdup (lines[i + 1] + 3);
      code = g_string_new (NULL);
      for (i += 2; lines[i] != NULL && !g_str_has_prefix (lines[i], "```"); i++)
        g_string_append_printf (code, "%s\n", lines[i]);
      g_assert_nonnull (lines[i]);
      example->code = g_string_free (code, FALSE);
      g_ptr_array_add (examples, example);
    }
  return examples;
}

/* PATH for the examples: the built shoal first, then the system's tools (its
 * python3 has gi). */
static gchar *
examples_path (void)
{
  g_autofree gchar *dir = g_path_get_dirname (shoal_test_build_path ("src/cli/shoal"));

  return g_strdup_printf ("%s:/usr/bin:/bin", dir);
}

/* Through sh, so that python3 is looked up in the example's own PATH. */
static const gchar **
example_argv (Example *example)
{
  static const gchar *argv[6];

  argv[0] = "/bin/sh";
  argv[1] = "-c";
  if (g_str_equal (example->language, "python"))
    {
      argv[2] = "exec python3 -c \"$1\"";
      argv[3] = "sh";
      argv[4] = example->code;
      argv[5] = NULL;
    }
  else
    {
      argv[2] = example->code;
      argv[3] = NULL;
    }
  return argv;
}

void
test_readme_examples (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) examples = read_readme_examples ();
  g_autofree gchar *path = examples_path ();
  g_autofree gchar *path_env = g_strconcat ("PATH=", path, NULL);
  guint sends = 0, receives = 0;
  gsize i;

  g_test_summary ("Every README example marked sends or receives runs as written: senders "
                  "on alice's bus exit 0 and bob receives; receivers on bob's bus print "
                  "alice's broadcast");
  if (!fixture->ready)
    return;
  if (!shoal_test_skip_unless (g_file_test ("/usr/bin/busctl", G_FILE_TEST_IS_EXECUTABLE) &&
                               g_file_test ("/usr/bin/gdbus", G_FILE_TEST_IS_EXECUTABLE),
                               "busctl or gdbus is missing"))
    return;

  for (i = 0; i < examples->len; i++)
    {
      Example *example = g_ptr_array_index (examples, i);
      const gchar **argv = example_argv (example);

      g_test_message ("example %" G_GSIZE_FORMAT " (%s, %s):\n%s", i, example->kind,
                      example->language, example->code);
      if (g_str_equal (example->kind, "sends"))
        {
          const gchar *env[] = { path_env, NULL };
          g_autofree gchar *out = NULL;
          g_autofree gchar *err = NULL;
          guint before = shoal_test_recorder_count (fixture->received, "MessageReceived");

          gint status = shoal_test_run (argv, fixture->alice->bus->address, env, NULL, &out, &err);

          g_test_message ("output: %s%s", out, err);
          g_assert_cmpint (status, ==, 0);
          shoal_test_recorder_wait (fixture->received, "MessageReceived", before);
          sends++;
        }
      else if (g_str_equal (example->kind, "receives"))
        {
          g_free (cli_receive_with (fixture, argv, path));
          receives++;
        }
      else
        g_assert_not_reached ();
    }

  /* shoal, gdbus, busctl and Python each send and receive. */
  g_assert_cmpuint (sends, ==, 4);
  g_assert_cmpuint (receives, ==, 4);
}
