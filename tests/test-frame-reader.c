/* test-frame-reader.c: unit tests for the stream reader
 *
 * The reader fed streams cut at every boundary, zero-copy and in-place reads,
 * headers over their limits, and a deterministic fuzz of mutated streams
 * whose frames also go through the decoders.
 *
 * This file holds main(); the tests are in test-frame-reader-streams.c,
 * test-frame-reader-buffers.c and test-frame-reader-fuzz.c, the frames
 * they share in test-frame-reader-common.c, all in one program
 * (test-frame-reader.h).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "test-frame-reader.h"

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/frame/data/round-trip", test_data_round_trip);
  g_test_add_func ("/frame/reader/splits", test_reader_splits);
  g_test_add_func ("/frame/reader/truncated", test_reader_truncated);
  g_test_add_func ("/frame/reader/zero-copy", test_reader_zero_copy);
  g_test_add_func ("/frame/reader/large-in-place", test_reader_large_in_place);
  g_test_add_func ("/frame/reader/idle", test_reader_idle);
  g_test_add_func ("/frame/reader/over-limit", test_reader_over_limit);
  g_test_add_func ("/frame/reader/fuzz", test_reader_fuzz);

  return g_test_run ();
}
