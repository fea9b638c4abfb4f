/* test-security.h: the security program's fixture, helpers and tests, in several files
 *
 * One program, so that its tests share one log capture and one fixture;
 * several files, one a theme, each test added in test-security.c's main().
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-node-private.h"

G_BEGIN_DECLS

#define MAX_NODES 8

typedef struct {
  gchar     *tmpdir;             /* (owned) */
  ShoalNode *nodes[MAX_NODES];   /* (owned) stopped in teardown */
  guint      n_nodes;
  gboolean   child_passed;
} Fixture;

/* What one node's signals say about one peer. */
typedef struct {
  ShoalNode *node;
  gchar     *peer_id;      /* (owned) */
  guint      connected;
  guint      disconnected;
  guint      pending;
  gchar     *last_reason;  /* (owned) (nullable) of the last disconnection */
} Watch;

/* A stranger: connects to a node, runs a TLS handshake with its own
 * certificate unless it has none, sends some bytes and reads everything
 * back until the node closes the connection. */
typedef struct {
  guint16          port;
  GTlsCertificate *certificate;      /* (owned) (nullable) none: no TLS at all */
  GBytes          *to_send;          /* (owned) (nullable) */

  /* Written by the thread, read once it is done. */
  GError          *connect_error;    /* (owned) (nullable) */
  GError          *handshake_error;  /* (owned) (nullable) */
  GError          *write_error;      /* (owned) (nullable) */
  GError          *read_error;       /* (owned) (nullable) the end was not a clean EOF */
  GByteArray      *received;         /* (owned) application bytes, TLS removed */
  gint64           connected_at;
  gint64           ended_at;

  GThread         *thread;
  gint             done;             /* atomic */
} Stranger;

/* test-security.c: the log capture */

/* test-security-common.c: the fixture, nodes, watches, messages, strangers */
void             security_fixture_setup          (Fixture          *f,
                                                  gconstpointer     data);
void             security_fixture_teardown       (Fixture          *f,
                                                  gconstpointer     data);
ShoalNode       *security_add_node               (Fixture          *f,
                                                  const gchar      *name,
                                                  const gchar      *dir,
                                                  guint16           port,
                                                  ShoalTrustPolicy  policy,
                                                  const gchar      *network_key);
ShoalNode       *security_add_open_node          (Fixture          *f,
                                                  const gchar      *name);
void             security_assert_linked_within   (ShoalNode        *a,
                                                  ShoalNode        *b,
                                                  guint             timeout_ms);
void             security_watch_start            (Watch            *watch,
                                                  ShoalNode        *node,
                                                  const gchar      *peer_id);
void             security_watch_stop             (Watch            *watch);
gboolean         security_watch_saw_pending      (gpointer          data);
gboolean         security_watch_saw_disconnect   (gpointer          data);
void             security_assert_message_arrives (ShoalNode        *from,
                                                  ShoalNode        *to,
                                                  GBytes           *payload);
void             security_assert_messages_flow   (ShoalNode        *a,
                                                  ShoalNode        *b);
void             security_stranger_start         (Stranger         *s,
                                                  ShoalNode        *node,
                                                  GTlsCertificate  *certificate,
                                                  GBytes           *to_send);
void             security_stranger_finish        (Stranger         *s,
                                                  guint             timeout_ms);
void             security_stranger_clear         (Stranger         *s);
void             security_assert_goodbye         (GByteArray       *received,
                                                  ShoalNode        *node,
                                                  guint32           expected_code);
GTlsCertificate *security_load_certificate       (Fixture          *f,
                                                  const gchar      *dir,
                                                  gchar           **out_id);
void             security_make_pair              (Fixture          *f,
                                                  ShoalNode       **a,
                                                  ShoalNode       **b);
void             security_assert_pair_carries_on (ShoalNode        *a,
                                                  ShoalNode        *b,
                                                  Watch            *a_watches_b);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Stranger, security_stranger_clear)

/* test-security-identity.c: ids a hello claims, and keys that change */
void test_impostor       (Fixture       *f,
                          gconstpointer  data);
void test_tofu           (Fixture       *f,
                          gconstpointer  data);
void test_expected_id    (Fixture       *f,
                          gconstpointer  data);
void test_static_new_key (Fixture       *f,
                          gconstpointer  data);

/* test-security-trust.c: the network-key and allow-list policies */
void test_network_key (Fixture       *f,
                       gconstpointer  data);
void test_allow_list  (Fixture       *f,
                       gconstpointer  data);

/* test-security-tls.c: strangers that fail TLS, or pass it and send garbage */
void test_v1_peer             (Fixture       *f,
                               gconstpointer  data);
void test_garbage_before_tls  (Fixture       *f,
                               gconstpointer  data);
void test_stalled_tls         (Fixture       *f,
                               gconstpointer  data);
void test_weak_key            (Fixture       *f,
                               gconstpointer  data);
void test_chain               (Fixture       *f,
                               gconstpointer  data);
void test_malformed_after_tls (Fixture       *f,
                               gconstpointer  data);

/* test-security-relay.c: a man in the middle, and a forwarder */
void test_mitm         (Fixture       *f,
                        gconstpointer  data);
void test_no_cleartext (Fixture       *f,
                        gconstpointer  data);

/* test-security-duplicate.c: a peer that drops one link as a duplicate */
void test_duplicate_dropped        (Fixture       *f,
                                    gconstpointer  data);
void test_duplicate_never_replaced (Fixture       *f,
                                    gconstpointer  data);

G_END_DECLS
