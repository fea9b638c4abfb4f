/* test-cli.h: what the parts of test-cli share
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-test-daemon.h"

G_BEGIN_DECLS

typedef struct {
  gchar           *tmpdir;
  ShoalTestDaemon *alice;
  ShoalTestDaemon *bob;
  gboolean         ready;
  GPtrArray       *received;  /* (element-type GVariant): bob's MessageReceived */
  guint            subscription;
} Fixture;

typedef struct {
  Fixture *fixture;
  guint    count;
} ReceivedWait;

/* test-cli-common.c */
void         cli_setup             (Fixture             *fixture,
                                    gconstpointer        data);
void         cli_setup_allow_list  (Fixture             *fixture,
                                    gconstpointer        data);
void         cli_teardown          (Fixture             *fixture,
                                    gconstpointer        data);
gint         cli_run_shoal         (const gchar         *bus_address,
                                    GBytes              *input,
                                    gchar              **out,
                                    gchar              **err,
                                    ...);
void         cli_assert_one_line   (const gchar         *err,
                                    const gchar         *expected_part);
gboolean     cli_received_at_least (gpointer             user_data);
GSubprocess *cli_spawn_reader      (const gchar * const *argv,
                                    ShoalTestDaemon     *daemon,
                                    const gchar         *path);
void         cli_stop_reader       (GSubprocess         *process);
gchar       *cli_receive_with      (Fixture             *fixture,
                                    const gchar * const *argv,
                                    const gchar         *path);
gchar       *cli_read_until        (GSubprocess         *process,
                                    const gchar         *until);

/* test-cli-commands.c */
void test_status           (Fixture       *fixture,
                            gconstpointer  data);
void test_peers            (Fixture       *fixture,
                            gconstpointer  data);
void test_id               (Fixture       *fixture,
                            gconstpointer  data);
void test_key_generate     (void);
void test_usage            (void);
void test_not_running      (void);

/* test-cli-trust.c */
void test_trust            (Fixture       *fixture,
                            gconstpointer  data);
void test_previous_id      (Fixture       *fixture,
                            gconstpointer  data);
void test_pending          (Fixture       *fixture,
                            gconstpointer  data);

/* test-cli-messages.c */
void test_send             (Fixture       *fixture,
                            gconstpointer  data);
void test_send_wait        (Fixture       *fixture,
                            gconstpointer  data);
void test_broadcast        (Fixture       *fixture,
                            gconstpointer  data);
void test_errors           (Fixture       *fixture,
                            gconstpointer  data);
void test_ambiguous        (Fixture       *fixture,
                            gconstpointer  data);
void test_monitor          (Fixture       *fixture,
                            gconstpointer  data);

/* test-cli-readme.c */
void test_readme_examples  (Fixture       *fixture,
                            gconstpointer  data);

/* test-cli-doctor.c */
void test_doctor           (Fixture       *fixture,
                            gconstpointer  data);
void test_doctor_no_shoald (void);
void test_doctor_other_bus (Fixture       *fixture,
                            gconstpointer  data);
void test_doctor_mdns      (void);

G_END_DECLS
