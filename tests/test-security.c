/* test-security.c: what a stranger, a liar or a listener gets out of a node
 *
 * Nodes run in the test's main context on 127.0.0.1, found through static
 * discovery. The attackers run in threads of their own with blocking I/O:
 * a stranger with its own key who claims someone else's id, peers that
 * speak protocol 1 or no TLS at all, certificates Shoal refuses, a man in
 * the middle who terminates TLS on both sides, and a forwarder that records
 * every byte. Each case checks what a user relies on: the link is refused
 * with a reason in the log, and the links that were there carry on.
 *
 * This file holds main(), which has the log kept (shoal-test-log.c) for
 * every part to read; the tests are in test-security-identity.c, test-security-trust.c,
 * test-security-tls.c, test-security-relay.c and
 * test-security-duplicate.c, their fixture and helpers in
 * test-security-common.c, all in one program (test-security.h).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-test-log.h"
#include "test-security.h"

int
main (int   argc,
      char *argv[])
{
  shoal_test_log_capture ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, security_fixture_setup, func, security_fixture_teardown)
  ADD ("/security/impostor", test_impostor);
  ADD ("/security/network-key", test_network_key);
  ADD ("/security/allow-list", test_allow_list);
  ADD ("/security/v1-peer", test_v1_peer);
  ADD ("/security/garbage-before-tls", test_garbage_before_tls);
  ADD ("/security/stalled-tls", test_stalled_tls);
  ADD ("/security/weak-key", test_weak_key);
  ADD ("/security/chain", test_chain);
  ADD ("/security/malformed-after-tls", test_malformed_after_tls);
  ADD ("/security/mitm", test_mitm);
  ADD ("/security/no-cleartext", test_no_cleartext);
  ADD ("/security/tofu", test_tofu);
  ADD ("/security/expected-id", test_expected_id);
  ADD ("/security/static-new-key", test_static_new_key);
  ADD ("/security/duplicate-dropped", test_duplicate_dropped);
  ADD ("/security/duplicate-never-replaced", test_duplicate_never_replaced);
#undef ADD

  return g_test_run ();
}
