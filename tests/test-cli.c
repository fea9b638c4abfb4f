/* test-cli.c: the shoal command, and the README's script examples
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs the built `shoal` against two real daemons (alice and bob, each on
 * its own private bus, joined on loopback): its commands, output and exit
 * codes, trust decisions included, and a pending peer of an allow-list
 * daemon. Then runs every fenced block of README.md marked
 * `<!-- example: sends -->` or `<!-- example: receives -->`, as written.
 *
 * main() registers the tests here; they live in test-cli-commands.c,
 * test-cli-trust.c, test-cli-messages.c, test-cli-doctor.c and
 * test-cli-readme.c.
 */

#include "config.h"

#include "test-cli.h"

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* No test reaches this machine's system bus: shoal doctor finds none, and
   * a daemon with mDNS on announces nothing. */
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/shoal-test-no-system-bus", TRUE);

  g_test_add ("/cli/status", Fixture, NULL, cli_setup, test_status, shoal_test_fixture_teardown);
  g_test_add ("/cli/peers", Fixture, NULL, cli_setup, test_peers, shoal_test_fixture_teardown);
  g_test_add ("/cli/id", Fixture, NULL, cli_setup, test_id, shoal_test_fixture_teardown);
  g_test_add ("/cli/trust", Fixture, NULL, cli_setup, test_trust, shoal_test_fixture_teardown);
  g_test_add ("/cli/pending", Fixture, NULL, cli_setup_allow_list,
              test_pending, shoal_test_fixture_teardown);
  g_test_add ("/cli/previous-id", Fixture, NULL, cli_setup,
              test_previous_id, shoal_test_fixture_teardown);
  g_test_add ("/cli/send", Fixture, NULL, cli_setup, test_send, shoal_test_fixture_teardown);
  g_test_add ("/cli/send-wait", Fixture, NULL, cli_setup,
              test_send_wait, shoal_test_fixture_teardown);
  g_test_add ("/cli/broadcast", Fixture, NULL, cli_setup,
              test_broadcast, shoal_test_fixture_teardown);
  g_test_add ("/cli/errors", Fixture, NULL, cli_setup, test_errors, shoal_test_fixture_teardown);
  g_test_add ("/cli/ambiguous", Fixture, NULL, cli_setup,
              test_ambiguous, shoal_test_fixture_teardown);
  g_test_add ("/cli/monitor", Fixture, NULL, cli_setup, test_monitor, shoal_test_fixture_teardown);
  g_test_add ("/cli/readme-examples", Fixture, NULL, cli_setup,
              test_readme_examples, shoal_test_fixture_teardown);
  g_test_add_func ("/cli/usage", test_usage);
  g_test_add_func ("/cli/key-generate", test_key_generate);
  g_test_add_func ("/cli/not-running", test_not_running);
  g_test_add ("/cli/doctor", Fixture, NULL, cli_setup, test_doctor, shoal_test_fixture_teardown);
  g_test_add_func ("/cli/doctor/no-shoald", test_doctor_no_shoald);
  g_test_add ("/cli/doctor/other-bus", Fixture, NULL, cli_setup, test_doctor_other_bus,
              shoal_test_fixture_teardown);
  g_test_add_func ("/cli/doctor/mdns", test_doctor_mdns);

  return g_test_run ();
}
