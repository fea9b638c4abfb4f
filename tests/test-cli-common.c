/* test-cli-common.c: the cli tests' setups, and reading what a reader prints as it comes
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "test-cli.h"

void
cli_setup (Fixture       *fixture,
           gconstpointer  data)
{
  /* A short delivery timeout, for /cli/send-wait to see a failure. */
  const gchar *args[] = { "--delivery-timeout", "1", NULL };

  shoal_test_fixture_setup_pair (fixture, args);
  if (!fixture->ready)
    return;
  shoal_test_fixture_record_received (fixture);
}

/* alice alone, under the allow-list policy; the test starts bob. */
void
cli_setup_allow_list (Fixture       *fixture,
                      gconstpointer  data)
{
  const gchar *args[] = { "--trust-policy", "allow-list", NULL };

  if (!shoal_test_fixture_begin (fixture))
    return;
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, args);
}

/* ---- reading a child's output while the main loop runs ---- */

/* Runs @argv on bob's bus while alice broadcasts, until its output has alice's id. */
gchar *
cli_receive_with (Fixture             *fixture,
                  const gchar * const *argv,
                  const gchar         *path)
{
  g_autoptr(GSubprocess) process = shoal_test_spawn_reader (argv, fixture->bob, path,
                                                            G_SUBPROCESS_FLAGS_STDIN_PIPE);
  ShoalTestOutputWatch watch = { process, g_string_new (NULL), fixture->alice->id, NULL,
                                 shoal_test_poke_broadcast, fixture->alice, 0 };
  gboolean found;

  /* Keep sending until the receiver, which may still be subscribing, prints it. */
  shoal_test_wait_until (shoal_test_output_contains, &watch, SHOAL_TEST_TIMEOUT_MS);
  found = strstr (watch.output->str, fixture->alice->id) != NULL;
  shoal_test_stop_reader (process);
  g_test_message ("output: %s", watch.output->str);
  g_assert_true (found);
  return g_string_free (watch.output, FALSE);
}

gchar *
cli_read_until (GSubprocess *process,
                const gchar *until)
{
  ShoalTestOutputWatch watch = { process, g_string_new (NULL), until, NULL, NULL, NULL, 0 };

  shoal_test_wait_until (shoal_test_output_contains, &watch, SHOAL_TEST_TIMEOUT_MS);
  g_test_message ("output: %s", watch.output->str);
  return g_string_free (watch.output, FALSE);
}
