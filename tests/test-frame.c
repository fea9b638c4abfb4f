/* test-frame.c: unit tests for the protocol 2 wire codec
 *
 * Round trips of every frame type, every kind of malformed header and body,
 * version negotiation, the hello's accept and proof keys, and the hex
 * examples of doc/PROTOCOL.md. The stream reader has its own tests in
 * test-frame-reader.c; what TLS proves is tested with the node.
 *
 * This file holds main(); the tests are in test-frame-header.c,
 * test-frame-hello.c, test-frame-hello-malformed.c, test-frame-goodbye.c
 * and test-frame-doc.c, the helpers they share in test-frame-common.c, all
 * in one program (test-frame.h).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "test-frame.h"

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/frame/header/round-trip", test_header_round_trip);
  g_test_add_func ("/frame/header/limits", test_header_limits);
  g_test_add_func ("/frame/hello/round-trip", test_hello_round_trip);
  g_test_add_func ("/frame/hello/optional-keys", test_hello_optional_keys);
  g_test_add_func ("/frame/hello/malformed", test_hello_malformed);
  g_test_add_func ("/frame/hello/negotiate", test_hello_negotiate);
  g_test_add_func ("/frame/goodbye/round-trip", test_goodbye_round_trip);
  g_test_add_func ("/frame/goodbye/truncation", test_goodbye_truncation);
  g_test_add_func ("/frame/goodbye/malformed", test_goodbye_malformed);
  g_test_add_func ("/frame/ping", test_ping);
  g_test_add_func ("/frame/data/header", test_data_header);
  g_test_add_func ("/frame/data/malformed", test_data_malformed);
  g_test_add_func ("/frame/ack", test_ack);
  g_test_add_func ("/frame/doc-examples", test_doc_examples);

  return g_test_run ();
}
