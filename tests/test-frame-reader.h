/* test-frame-reader.h: the frame-reader program's helpers and tests, in several files
 *
 * One program, several files, one a theme; each test is added in
 * test-frame-reader.c's main().
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-frame-reader.h"

G_BEGIN_DECLS

/* The reader's usual chunk size (READER_CHUNK_SIZE in shoal-frame-reader.c). */
#define CHUNK_SIZE (64u * 1024u)

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

/* test-frame-reader-common.c: sample frames */
GBytes     *reader_make_data_frame (ShoalFrameType  type,
                                    GBytes         *payload);
GBytes     *reader_pattern_bytes   (gsize           size,
                                    guint8          seed);
ShoalHello  reader_sample_hello    (void);

/* test-frame-reader-streams.c: streams of frames fed in every kind of piece */
void test_data_round_trip  (void);
void test_reader_splits    (void);
void test_reader_truncated (void);

/* test-frame-reader-buffers.c: the reader's buffers, and headers over their limits */
void test_reader_zero_copy      (void);
void test_reader_large_in_place (void);
void test_reader_idle           (void);
void test_reader_over_limit     (void);

/* test-frame-reader-fuzz.c: the fuzz */
void test_reader_fuzz (void);

G_END_DECLS
