/* test-node.h: what the parts of test-node share
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-node.h"

G_BEGIN_DECLS

#define MAX_NODES 5

typedef struct {
  gchar     *tmpdir;
  ShoalNode *nodes[MAX_NODES];
  guint      n_nodes;
  guint      disconnects;
  guint      timeouts;
} Fixture;

/* test-node-common.c */
void       node_fixture_setup        (Fixture       *f,
                                      gconstpointer  data);
void       node_fixture_teardown     (Fixture       *f,
                                      gconstpointer  data);
ShoalNode *node_new_node             (Fixture       *f,
                                      const gchar   *name,
                                      guint          interval_ms,
                                      guint          timeout_ms);
void       node_start_node           (ShoalNode     *node);
void       node_add_static_peers     (ShoalNode     *node,
                                      ShoalNode    **targets,
                                      guint          n_targets);
guint      node_count_connected      (ShoalNode     *node);
gboolean   node_mesh_complete        (gpointer       data);
void       node_form_mesh            (Fixture       *f,
                                      guint          n,
                                      guint          interval_ms,
                                      guint          timeout_ms);
void       node_count_disconnect_cb  (ShoalNode     *node,
                                      ShoalPeer     *peer,
                                      const gchar   *reason,
                                      gpointer       user_data);
void       node_count_message_cb     (ShoalNode     *node,
                                      ShoalPeer     *peer,
                                      GBytes        *payload,
                                      gboolean       broadcast,
                                      gpointer       user_data);

/* test-node-mesh.c */
void test_mesh              (Fixture       *f,
                             gconstpointer  data);
void test_traffic           (Fixture       *f,
                             gconstpointer  data);
void test_simultaneous_dial (Fixture       *f,
                             gconstpointer  data);
void test_errors            (Fixture       *f,
                             gconstpointer  data);

/* test-node-liveness.c */
void test_clean_stop        (Fixture       *f,
                             gconstpointer  data);
void test_silent_peer       (Fixture       *f,
                             gconstpointer  data);
void test_slow_reader       (Fixture       *f,
                             gconstpointer  data);
void test_restart           (Fixture       *f,
                             gconstpointer  data);
void test_unreachable       (Fixture       *f,
                             gconstpointer  data);

/* test-node-strangers.c */
void test_garbage           (Fixture       *f,
                             gconstpointer  data);
void test_version_mismatch  (Fixture       *f,
                             gconstpointer  data);
void test_silent_stranger   (Fixture       *f,
                             gconstpointer  data);
void test_overload          (Fixture       *f,
                             gconstpointer  data);

G_END_DECLS
