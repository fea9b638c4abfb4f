/* test-dbus.h: what the parts of test-dbus share
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-test-bus-fixture.h"

G_BEGIN_DECLS

/* The shared fixture: alice and bob, and a scratch directory. */
typedef ShoalTestFixture Fixture;

typedef struct {
  GDBusObjectManager *manager;
  const gchar        *path;
  gboolean            present;
} ObjectWait;

/* test-dbus-common.c */
void                dbus_start_bob                (Fixture            *fixture);
void                dbus_setup_alice              (Fixture            *fixture,
                                                   gconstpointer       data);
void                dbus_setup_pair               (Fixture            *fixture,
                                                   gconstpointer       data);
void                dbus_assert_verification_code (const gchar        *code);
gboolean            dbus_object_presence          (gpointer            user_data);
GDBusObjectManager *dbus_manager_new              (ShoalTestDaemon    *daemon);

/* test-dbus-root.c */
void test_properties            (Fixture       *fixture,
                                 gconstpointer  data);
void test_list_peers            (Fixture       *fixture,
                                 gconstpointer  data);
void test_diagnose              (Fixture       *fixture,
                                 gconstpointer  data);
void test_send                  (Fixture       *fixture,
                                 gconstpointer  data);
void test_broadcast             (Fixture       *fixture,
                                 gconstpointer  data);
void test_errors                (Fixture       *fixture,
                                 gconstpointer  data);

/* test-dbus-peers.c */
void test_peer_appears_and_goes (Fixture       *fixture,
                                 gconstpointer  data);
void test_not_connected         (Fixture       *fixture,
                                 gconstpointer  data);

/* test-dbus-trust.c */
void test_peer_trust_properties (Fixture       *fixture,
                                 gconstpointer  data);
void test_trust_untrust         (Fixture       *fixture,
                                 gconstpointer  data);
void test_trust_errors          (Fixture       *fixture,
                                 gconstpointer  data);
void test_previous_id           (Fixture       *fixture,
                                 gconstpointer  data);
void test_allow_list_one_side   (Fixture       *fixture,
                                 gconstpointer  data);
void test_allow_list_pair       (Fixture       *fixture,
                                 gconstpointer  data);
void test_network_key           (Fixture       *fixture,
                                 gconstpointer  data);

G_END_DECLS
