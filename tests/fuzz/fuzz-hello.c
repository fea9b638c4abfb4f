/* fuzz-hello.c: the HELLO body decoder on its own
 *
 * The input is a HELLO body (protocol 2: with `accept`, and `proof` or not):
 * what a peer sends right after TLS, before anything else is known of it.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "fuzz-codec.h"
#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) body = g_bytes_new (data, size);

  fuzz_hello_body (body);
  return 0;
}
