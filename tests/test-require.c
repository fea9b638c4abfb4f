/* test-require.c: a test that cannot run skips, except under CI
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Tests that need dbus-daemon or a file of the source tree skip, with the
 * reason, where it is missing; under CI (SHOAL_TEST_REQUIRE=all, set by
 * .ci/run) every suite must run, so the same tests fail instead, with the
 * same reason. This runs one such test of each program with dbus-daemon out
 * of PATH, or the source or build tree out of reach, both ways.
 */

#include "config.h"

#include <string.h>

#include "shoal-test-daemon.h"

typedef struct {
  const gchar *program;  /* in the tests' build directory */
  const gchar *path;     /* the test to run */
  const gchar *reason;   /* part of what it must say */
  const gchar *env;      /* (nullable) one more KEY=VALUE */
} Case;

static const Case cases[] = {
  { "test-dbus", "/dbus/properties", "dbus-daemon is not installed", NULL },
  { "test-cli", "/cli/status", "dbus-daemon is not installed", NULL },
  { "test-startup", "/startup/failures", "dbus-daemon is not installed", NULL },
  { "test-idle", "/idle/mesh", "dbus-daemon is not installed", NULL },
  { "test-frame", "/frame/doc-examples", "PROTOCOL.md", "G_TEST_SRCDIR=/nonexistent" },
  { "test-completion", "/completion/peers", "dbus-daemon is not installed", NULL },
  { "test-docs", "/docs/render/shoal.1", "man is not installed", NULL },
  { "test-gi", "/gi/python-listens-gjs-dials", "Shoal-1.typelib", "SHOAL_BUILDDIR=/nonexistent" },
};

/* Runs @c's test with dbus-daemon out of PATH, under CI or not; its output
 * goes to @out. Returns its exit status. */
static gint
run_case (const Case  *c,
          gboolean     require_all,
          gchar      **out)
{
  g_autofree gchar *program = g_test_build_filename (G_TEST_BUILT, c->program, NULL);
  /* A test that fails aborts, leaving its temporary files: they go here,
   * and GLib's own under our G_TEST_TMPDIR, which the child inherits. */
  g_autofree gchar *scratch = shoal_test_make_tmpdir ();
  g_autofree gchar *tmpdir_env = g_strconcat ("TMPDIR=", scratch, NULL);
  const gchar *argv[] = { program, "--tap", "-p", c->path, NULL };
  const gchar *env[] = {
    "PATH=/nonexistent",
    require_all ? "SHOAL_TEST_REQUIRE=all" : "SHOAL_TEST_REQUIRE=",
    tmpdir_env,
    c->env,
    NULL
  };
  gint status;

  status = shoal_test_run (argv, NULL, env, NULL, out, NULL);
  g_test_message ("%s -p %s%s: exit %d\n%s", c->program, c->path,
                  require_all ? " under CI" : "", status, *out);
  shoal_test_remove_tree (scratch);
  return status;
}

static void
test_skip_or_fail (void)
{
  g_test_summary ("A test that needs dbus-daemon, a source file or the typelib skips with "
                  "the reason where it is missing, and fails with the same reason under "
                  "SHOAL_TEST_REQUIRE=all, in every program that has such tests");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      g_autofree gchar *out = NULL;
      g_autofree gchar *skipped = g_strdup_printf ("ok 1 %s # SKIP ", c->path);
      g_autofree gchar *failed = g_strdup_printf ("not ok 1 %s - ", c->path);

      g_assert_cmpint (run_case (c, FALSE, &out), ==, 0);
      g_assert_nonnull (strstr (out, skipped));
      g_assert_nonnull (strstr (strstr (out, skipped), c->reason));
      g_clear_pointer (&out, g_free);

      g_assert_cmpint (run_case (c, TRUE, &out), !=, 0);
      g_assert_nonnull (strstr (out, failed));
      g_assert_nonnull (strstr (strstr (out, failed), c->reason));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/require/skip-or-fail", test_skip_or_fail);

  return g_test_run ();
}
