/* test-cli.h: what the parts of test-cli share
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-test-bus-fixture.h"

G_BEGIN_DECLS

/* The shared fixture: alice and bob, and bob's MessageReceived in @received. */
typedef ShoalTestFixture Fixture;

/* test-cli-common.c */
void         cli_setup             (Fixture             *fixture,
                                    gconstpointer        data);
void         cli_setup_allow_list  (Fixture             *fixture,
                                    gconstpointer        data);
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
