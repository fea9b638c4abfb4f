/* shoal-node-private.h: what tests may ask a node that users need not
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-node.h"

G_BEGIN_DECLS

guint shoal_node_count_links (ShoalNode *self,
                              gboolean   established_only);

G_END_DECLS
