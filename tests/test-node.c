/* test-node.c: several nodes in one process on loopback
 *
 * Every node listens on 127.0.0.1 and finds the others through static
 * discovery. The tests check what users rely on: a full mesh, every message
 * delivered byte for byte and in order per sender, one link per pair however
 * the dials cross, departures seen at once, silent peers lost within the
 * timeout, and garbage from a stranger, before TLS or inside it, costing
 * only the stranger's link.
 *
 * main() registers them here; they live in test-node-mesh.c,
 * test-node-liveness.c and test-node-strangers.c.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-test-log.h"
#include "test-node.h"

int
main (int   argc,
      char *argv[])
{
  shoal_test_log_capture ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, node_fixture_setup, func, node_fixture_teardown)
  ADD ("/node/mesh", test_mesh);
  ADD ("/node/traffic", test_traffic);
  ADD ("/node/simultaneous-dial", test_simultaneous_dial);
  ADD ("/node/clean-stop", test_clean_stop);
  ADD ("/node/silent-peer", test_silent_peer);
  ADD ("/node/slow-reader", test_slow_reader);
  ADD ("/node/garbage", test_garbage);
  ADD ("/node/version-mismatch", test_version_mismatch);
  ADD ("/node/silent-stranger", test_silent_stranger);
  ADD ("/node/overload", test_overload);
  ADD ("/node/errors", test_errors);
  ADD ("/node/restart", test_restart);
  ADD ("/node/unreachable", test_unreachable);
#undef ADD

  return g_test_run ();
}
