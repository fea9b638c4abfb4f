/* test-groups.h: what the groups program's files share (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal.h"

G_BEGIN_DECLS

#define TIMEOUT_MS 30000
#define N_NODES 5

typedef struct {
  gchar   *from;     /* (owned) */
  gchar   *group;    /* (owned) (nullable) */
  GBytes  *payload;  /* (owned) */
  gboolean broadcast;
} Received;

typedef struct {
  gchar     *tmpdir;                 /* (owned) */
  gboolean   child_passed;
  ShoalNode *nodes[N_NODES];         /* (owned) (nullable) */
  GPtrArray *received[N_NODES];      /* (owned) (element-type Received) */
  GPtrArray *events[N_NODES];        /* (owned) (element-type utf8) "+ID GROUP" or "-ID GROUP" */
  guint      delivered;
  guint      failed;
} Fixture;

/* Whether every other node sees node @i in exactly the groups it is in. */
typedef struct {
  Fixture *f;
  guint    i;
} Member;

typedef struct {
  Fixture *f;
  guint    counts[N_NODES];
} Expected;

/* test-groups.c */
void      groups_start_node        (Fixture       *f,
                                    guint          i);
gboolean  groups_all_linked        (gpointer       data);
void      groups_link_node         (Fixture       *f,
                                    guint          i);
void      groups_start_mesh        (Fixture       *f);
void      groups_join              (ShoalNode     *node,
                                    const gchar   *group);
void      groups_leave             (ShoalNode     *node,
                                    const gchar   *group);
gboolean  groups_known             (gpointer       data);
void      groups_wait_known        (Fixture       *f);
GBytes   *groups_make_payload      (guint          from,
                                    const gchar   *group,
                                    guint          k);
gboolean  groups_counts_reached    (gpointer       data);
void      groups_assert_recipients (Fixture       *f,
                                    guint          from,
                                    const gchar   *group,
                                    GPtrArray     *recipients);

/* test-groups-delivery.c */
void      test_groups_leave_stops_delivery (Fixture       *f,
                                            gconstpointer  data);
void      test_groups_across_cuts          (Fixture       *f,
                                            gconstpointer  data);
void      test_groups_join_beyond_limit    (Fixture       *f,
                                            gconstpointer  data);
void      test_groups_over_limit_hello     (Fixture       *f,
                                            gconstpointer  data);

G_END_DECLS
