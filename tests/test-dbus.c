/* test-dbus.c: shoald's D-Bus API, against real shoald processes
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two daemons, alice and bob, each on its own private bus, joined by a static
 * peer on loopback. Every method, property, signal and error of
 * org.shoal.Shoal1 and org.shoal.Shoal1.Peer, the peer objects under the
 * ObjectManager, and the trust policies as D-Bus shows them (allow-list
 * pairs, network keys, decisions that outlive a restart). test-startup.c
 * covers how shoald starts and refuses to.
 *
 * main() registers the tests here; they live in test-dbus-root.c,
 * test-dbus-peers.c and test-dbus-trust.c.
 */

#include "config.h"

#include "test-dbus.h"

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/dbus/properties", Fixture, NULL, dbus_setup_pair,
              test_properties, shoal_test_fixture_teardown);
  g_test_add ("/dbus/list-peers", Fixture, NULL, dbus_setup_pair,
              test_list_peers, shoal_test_fixture_teardown);
  g_test_add ("/dbus/diagnose", Fixture, NULL, dbus_setup_alice,
              test_diagnose, shoal_test_fixture_teardown);
  g_test_add ("/dbus/send", Fixture, NULL, dbus_setup_pair, test_send, shoal_test_fixture_teardown);
  g_test_add ("/dbus/broadcast", Fixture, NULL, dbus_setup_pair,
              test_broadcast, shoal_test_fixture_teardown);
  g_test_add ("/dbus/errors", Fixture, NULL, dbus_setup_pair,
              test_errors, shoal_test_fixture_teardown);
  g_test_add ("/dbus/peer-appears-and-goes", Fixture, NULL, dbus_setup_alice,
              test_peer_appears_and_goes, shoal_test_fixture_teardown);
  g_test_add ("/dbus/not-connected", Fixture, NULL, dbus_setup_pair,
              test_not_connected, shoal_test_fixture_teardown);
  g_test_add ("/dbus/trust/peer-properties", Fixture, NULL, dbus_setup_pair,
              test_peer_trust_properties, shoal_test_fixture_teardown);
  g_test_add ("/dbus/trust/trust-untrust", Fixture, NULL, dbus_setup_pair,
              test_trust_untrust, shoal_test_fixture_teardown);
  g_test_add ("/dbus/trust/errors", Fixture, NULL, dbus_setup_alice,
              test_trust_errors, shoal_test_fixture_teardown);
  g_test_add ("/dbus/trust/previous-id", Fixture, NULL, dbus_setup_pair,
              test_previous_id, shoal_test_fixture_teardown);
  g_test_add ("/dbus/trust/allow-list-one-side", Fixture, NULL, shoal_test_fixture_setup_tmpdir,
              test_allow_list_one_side, shoal_test_fixture_teardown);
  g_test_add ("/dbus/trust/allow-list-pair", Fixture, NULL, shoal_test_fixture_setup_tmpdir,
              test_allow_list_pair, shoal_test_fixture_teardown);
  g_test_add ("/dbus/trust/network-key", Fixture, NULL, shoal_test_fixture_setup_tmpdir,
              test_network_key, shoal_test_fixture_teardown);

  return g_test_run ();
}
