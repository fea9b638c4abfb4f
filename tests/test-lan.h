/* test-lan.h: the tests of the lan program, in several files
 *
 * One program, so that CI brings up its LANs one after the other under one
 * janitor; several files, one a theme, each added in test-lan.c's main().
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-test-lan-host.h"

G_BEGIN_DECLS

/* test-lan-delivery.c: hosts that come and go, and many messages */
void test_lan_leave_join    (ShoalTestLanFixture *fixture,
                             gconstpointer        user_data);
void test_lan_many_messages (ShoalTestLanFixture *fixture,
                             gconstpointer        user_data);

/* test-lan-doctor.c: shoal doctor, and what shoald says by itself */
void test_lan_network_key              (ShoalTestLanFixture *fixture,
                                        gconstpointer        user_data);
void test_lan_doctor_healthy           (ShoalTestLanFixture *fixture,
                                        gconstpointer        data);
void test_lan_doctor_avahi_stopped     (ShoalTestLanFixture *fixture,
                                        gconstpointer        data);
void test_lan_doctor_multicast_blocked (ShoalTestLanFixture *fixture,
                                        gconstpointer        data);
void test_lan_speak_up                 (ShoalTestLanFixture *fixture,
                                        gconstpointer        data);
void test_lan_no_interface             (ShoalTestLanFixture *fixture,
                                        gconstpointer        data);

/* test-lan-liveness.c: links that break and come back, judged while held */
void test_lan_reconnect     (ShoalTestLanFixture *fixture,
                             gconstpointer        user_data);
void test_lan_liveness_held (ShoalTestLanFixture *fixture,
                             gconstpointer        user_data);

G_END_DECLS
