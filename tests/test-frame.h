/* test-frame.h: the frame program's helpers and tests, in several files
 *
 * One program, several files, one a theme; each test is added in
 * test-frame.c's main().
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-frame.h"

G_BEGIN_DECLS

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

typedef struct {
  const gchar *skip;       /* key to leave out, or NULL */
  const gchar *replace;    /* key whose value is @value instead */
  GVariant    *value;      /* (nullable) floating */
  const gchar *extra_key;  /* key added at the end, or NULL */
  GVariant    *extra;      /* (nullable) floating */
} HelloEdit;

/* test-frame-common.c: the sample hello, and bodies built by hand */
extern const guint8 frame_sample_proof[SHOAL_HELLO_PROOF_SIZE];

GBytes     *frame_vardict_to_wire_bytes (GVariant        *dict);
GBytes     *frame_build_hello_body      (const HelloEdit *edit);
GBytes     *frame_body                  (GBytes          *frame);
GVariant   *frame_proof_variant         (gsize            size);
ShoalHello  frame_sample_hello          (void);

/* test-frame-header.c: the frame header, ping, pong, data and ack */
void test_header_round_trip (void);
void test_header_limits     (void);
void test_ping              (void);
void test_data_header       (void);
void test_data_malformed    (void);
void test_ack               (void);

/* test-frame-hello.c: the hello's round trip, optional keys and negotiation */
void test_hello_round_trip    (void);
void test_hello_optional_keys (void);
void test_hello_negotiate     (void);

/* test-frame-hello-malformed.c: the hellos the decoder refuses */
void test_hello_malformed (void);

/* test-frame-goodbye.c: the goodbye */
void test_goodbye_round_trip (void);
void test_goodbye_truncation (void);
void test_goodbye_malformed  (void);

/* test-frame-doc.c: the examples of doc/PROTOCOL.md */
void test_doc_examples (void);

G_END_DECLS
