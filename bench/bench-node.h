/* bench-node.h: between the measurements and the helpers of bench-node
 *
 * bench-node.c has the measurements, what they share with the helpers
 * (making and starting nodes, waiting, sending) and main();
 * bench-node-helpers.c the helper processes: sink, blast, peers, mesh.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal.h"

G_BEGIN_DECLS

/* The reply a sink sends once it has counted everything. */
#define DONE_PAYLOAD "done"

typedef struct {
  ShoalNode *node;          /* (owned) */
  gchar     *state_dir;     /* (owned) */
  GPtrArray *children;      /* (owned) (element-type Child) */
  guint      n_connected;
  guint      n_done;
  GBytes    *echo;          /* (owned) (nullable) the last echo received */
  gint64     echo_time;
} Bench;

/* When this process started, on the monotonic clock. */
extern gint64 bench_process_start_us;

void       bench_remove_state_dir  (const gchar *path);
ShoalNode *bench_make_node         (const gchar *name,
                                    gboolean     mdns,
                                    guint16      port,
                                    gchar      **out_state_dir);
void       bench_start_node        (ShoalNode   *node);
void       bench_add_static_peer   (ShoalNode   *node,
                                    const gchar *host_and_port);
void       bench_wait_for          (guint       *flag,
                                    guint        target,
                                    const gchar *what);
void       bench_peer_connected_cb (ShoalNode   *node,
                                    ShoalPeer   *peer,
                                    gpointer     user_data);
void       bench_teardown          (Bench       *bench);
GBytes    *bench_make_payload      (gsize        size);
guint      bench_burst_for         (gsize        size);
void       bench_send_one          (ShoalNode   *node,
                                    const gchar *peer_id,
                                    GBytes      *payload);

int        bench_cmd_sink          (const gchar *mode,
                                    guint64      expect);
int        bench_cmd_blast         (const gchar *connect,
                                    gsize        size,
                                    guint64      count);
int        bench_cmd_peers         (const gchar *connect,
                                    guint        n);
int        bench_cmd_mesh          (const gchar *name,
                                    guint        expect,
                                    const gchar *connect,
                                    guint16      port,
                                    gboolean     probe);

G_END_DECLS
