/* shoal-test-bus-fixture.h: daemons of a test, their signals and the calls the dbus suite shares
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-test-daemon.h"

G_BEGIN_DECLS

#define SHOAL_TEST_PEERS_PATH_PREFIX SHOAL_TEST_OBJECT_PATH "/peers/"

/* One recorded signal. */
typedef struct {
  gchar    *member;       /* (owned) */
  gchar    *path;         /* (owned) */
  GVariant *parameters;   /* (owned) */
  gint64    received_at;  /* monotonic µs, when it reached us */
} ShoalTestSignal;

/* Every signal that matches a subscription, in the order it came. */
typedef struct {
  GDBusConnection *connection;    /* (owned) */
  guint            subscription;
  GPtrArray       *signals;       /* (element-type ShoalTestSignal) */
} ShoalTestRecorder;

/* Up to three daemons in one scratch directory. A test whose setup could
 * not run (no dbus-daemon) finds @ready FALSE and returns. */
typedef struct {
  gchar             *tmpdir;    /* (owned) (nullable) */
  ShoalTestDaemon   *alice;     /* (owned) (nullable) */
  ShoalTestDaemon   *bob;       /* (owned) (nullable) */
  ShoalTestDaemon   *carol;     /* (owned) (nullable) */
  gboolean           ready;
  ShoalTestRecorder *received;  /* (owned) (nullable): bob's MessageReceived */
} ShoalTestFixture;

gboolean           shoal_test_fixture_begin       (ShoalTestFixture    *fixture);
gboolean           shoal_test_fixture_begin_isolated (ShoalTestFixture *fixture);
void               shoal_test_fixture_setup_tmpdir (ShoalTestFixture   *fixture,
                                                    gconstpointer       data);
void               shoal_test_fixture_setup_pair  (ShoalTestFixture    *fixture,
                                                   const gchar * const *bob_args);
void               shoal_test_fixture_record_received (ShoalTestFixture *fixture);
void               shoal_test_fixture_teardown    (ShoalTestFixture    *fixture,
                                                   gconstpointer        data);

gchar             *shoal_test_peer_address        (ShoalTestDaemon     *daemon);
ShoalTestDaemon   *shoal_test_daemon_start_linked (const gchar         *name,
                                                   const gchar         *tmpdir,
                                                   ShoalTestDaemon     *to1,
                                                   ShoalTestDaemon     *to2,
                                                   const gchar * const *extra_args);

ShoalTestRecorder *shoal_test_recorder_new        (GDBusConnection     *connection,
                                                   const gchar         *sender,
                                                   const gchar         *interface,
                                                   const gchar         *member,
                                                   const gchar         *path);
ShoalTestRecorder *shoal_test_recorder_new_for_daemon (ShoalTestDaemon *daemon);
void               shoal_test_recorder_free       (ShoalTestRecorder   *recorder);
guint              shoal_test_recorder_count      (ShoalTestRecorder   *recorder,
                                                   const gchar         *member);
GVariant          *shoal_test_recorder_wait       (ShoalTestRecorder   *recorder,
                                                   const gchar         *member,
                                                   guint                index);

GVariant          *shoal_test_bytes_variant       (const guint8        *data,
                                                   gsize                size);
GVariant          *shoal_test_call                (ShoalTestDaemon     *daemon,
                                                   const gchar         *method,
                                                   GVariant            *parameters,
                                                   const GVariantType  *reply_type,
                                                   gint                 timeout_ms,
                                                   GError             **error);
void               shoal_test_call_ok             (ShoalTestDaemon     *daemon,
                                                   const gchar         *method,
                                                   GVariant            *parameters);
void               shoal_test_assert_remote_error (GVariant            *reply,
                                                   GError              *error,
                                                   const gchar         *error_name);
void               shoal_test_assert_call_error   (ShoalTestDaemon     *daemon,
                                                   const gchar         *path,
                                                   const gchar         *interface,
                                                   const gchar         *method,
                                                   GVariant            *parameters,
                                                   const gchar         *error_name);
GVariant          *shoal_test_get_property        (ShoalTestDaemon     *daemon,
                                                   const gchar         *path,
                                                   const gchar         *interface,
                                                   const gchar         *name);
GVariant          *shoal_test_find_peer           (GVariant            *peers,
                                                   const gchar         *id);
GVariant          *shoal_test_list_peer           (ShoalTestDaemon     *daemon,
                                                   const gchar         *peer_id);
void               shoal_test_assert_stays_apart  (ShoalTestDaemon     *daemon,
                                                   const gchar         *peer_id,
                                                   guint                ms);

gint               shoal_test_run_shoal           (const gchar         *bus_address,
                                                   GBytes              *input,
                                                   gchar              **out,
                                                   gchar              **err,
                                                   ...) G_GNUC_NULL_TERMINATED;
void               shoal_test_assert_one_line     (const gchar         *err,
                                                   const gchar         *program,
                                                   const gchar         *expected_part);

/* Something a test does again and again while it waits for a reader's output. */
typedef void (*ShoalTestPoke) (gpointer user_data);

/* A child's stdout, read while the main loop runs. */
typedef struct {
  GSubprocess   *process;
  GString       *output;      /* (owned) */
  const gchar   *until;
  const gchar   *until_too;   /* (nullable) */
  ShoalTestPoke  poke;        /* (nullable) */
  gpointer       poke_data;
  gint64         last_poke;
} ShoalTestOutputWatch;

GSubprocess       *shoal_test_spawn_reader        (const gchar * const *argv,
                                                   ShoalTestDaemon     *daemon,
                                                   const gchar         *path,
                                                   GSubprocessFlags     more_flags);
void               shoal_test_stop_reader         (GSubprocess         *process);
gboolean           shoal_test_output_contains     (gpointer             user_data);
void               shoal_test_poke_broadcast      (gpointer             daemon);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalTestRecorder, shoal_test_recorder_free)

G_END_DECLS
