/* shoal-test-mdns.h: what the avahi suite's test programs share
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-test-lan.h"

G_BEGIN_DECLS

/* Every wait is bounded: a test fails, it never hangs. */
#define COMMAND_TIMEOUT_S 30
#define DISCOVERY_TIMEOUT_S 15
#define STOP_TIMEOUT_S 5

/* A process inside a host, with every line it printed. */
typedef struct
{
  gchar            *label;
  GSubprocess      *process;
  GCancellable     *cancellable;
  GDataInputStream *out;
  GDataInputStream *err;
  GPtrArray        *out_lines;
  GPtrArray        *err_lines;
} Proc;

typedef struct
{
  gchar     *lan;          /* tools/lan */
  gchar     *node;         /* shoal-test-node */
  GPtrArray *procs;        /* (element-type Proc) */
  gboolean   lan_up;
} Fixture;


void         shoal_test_mdns_init (const gchar *prefix_base,
                                   const gchar *root_base);
guint        shoal_test_mdns_daemons_settled (guint n);

gboolean     skip_if_unable      (void);
gchar       *lan_try             (Fixture     *fixture,
                                  const gchar *first_arg,
                                  ...) G_GNUC_NULL_TERMINATED;
void         lan                 (Fixture     *fixture,
                                  const gchar *first_arg,
                                  ...) G_GNUC_NULL_TERMINATED;
void         proc_dump           (Proc        *proc);
void         proc_stop           (Proc        *proc);
Proc        *start_node          (Fixture     *fixture,
                                  const gchar *host,
                                  const gchar *first_arg,
                                  ...) G_GNUC_NULL_TERMINATED;
const gchar *wait_line           (Proc        *proc,
                                  const gchar *prefix,
                                  guint       *cursor,
                                  guint        timeout_s);
void         pause_for           (guint        seconds);
guint        count_stderr        (Proc        *proc,
                                  const gchar *needle);
guint        count_lines         (Proc        *proc,
                                  const gchar *prefix);
gchar       *ready_id            (const gchar *line);
Proc        *start_shoal_node_as (Fixture     *fixture,
                                  const gchar *host,
                                  const gchar *name,
                                  const gchar *incarnation);
Proc        *start_shoal_node    (Fixture     *fixture,
                                  const gchar *host,
                                  const gchar *name);
gboolean     is_connected_to     (Proc        *proc,
                                  const gchar *id);

/* @user_data: (nullable): the arguments of `tools/lan up` as a
 * NULL-terminated array of strings; NULL for two hosts. */
void         fixture_set_up      (Fixture       *fixture,
                                  gconstpointer  user_data);
void         fixture_tear_down   (Fixture       *fixture,
                                  gconstpointer  user_data);

G_END_DECLS
