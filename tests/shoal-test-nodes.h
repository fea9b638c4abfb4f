/* shoal-test-nodes.h: nodes on loopback, and a main loop to run them
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-node.h"

G_BEGIN_DECLS

typedef gboolean (*ShoalTestNodesCondition) (gpointer data);

ShoalNode *shoal_test_node_start       (const gchar             *name,
                                        const gchar             *state_dir,
                                        guint16                  port);
void       shoal_test_node_dial        (ShoalNode               *node,
                                        guint16                  port);
gboolean   shoal_test_node_sees        (ShoalNode               *node,
                                        ShoalNode               *other);
gboolean   shoal_test_nodes_wait       (ShoalTestNodesCondition  condition,
                                        gpointer                 data,
                                        guint                    timeout_ms);
void       shoal_test_nodes_run        (guint                    ms);

G_END_DECLS
