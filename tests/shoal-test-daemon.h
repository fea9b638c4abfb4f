/* shoal-test-daemon.h: real shoald processes on private buses, for the dbus suite
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-dbus-generated.h"

#include "shoal-test-scratch.h"

G_BEGIN_DECLS

#define SHOAL_TEST_BUS_NAME "org.shoal.Shoal1"
#define SHOAL_TEST_OBJECT_PATH "/org/shoal/Shoal1"
#define SHOAL_TEST_TIMEOUT_MS 15000

/* One private session bus: a dbus-daemon of our own. (GTestDBus's watcher
 * keeps its buses alive when a failed assertion aborts the test, which then
 * hangs until meson's timeout.) */
typedef struct {
  GSubprocess     *process;     /* (owned) */
  gchar           *address;     /* (owned) */
  GDBusConnection *connection;  /* (owned) */
  gchar           *socket_dir;  /* (owned): removed with the bus */
} ShoalTestBus;

/* One running shoald on its own bus. */
typedef struct {
  ShoalTestBus     *bus;        /* (owned) */
  gchar            *name;       /* (owned) */
  gchar            *state_dir;  /* (owned) */
  GSubprocess      *process;    /* (owned) */
  ShoalDbusService *service;    /* (owned): proxy of the root object */
  gchar            *id;         /* (owned) */
  guint16           port;
} ShoalTestDaemon;

gboolean         shoal_test_skip_unless     (gboolean           condition,
                                             const gchar       *reason);
gboolean         shoal_test_have_program    (const gchar       *name);
const gchar     *shoal_test_build_path      (const gchar       *relative);
gchar           *shoal_test_make_tmpdir     (void);
gboolean         shoal_test_run_isolated    (void);
void             shoal_test_note_process_group (GPid            pgid);
void             shoal_test_forget_process_groups (void);

ShoalTestBus    *shoal_test_bus_new         (void);
void             shoal_test_bus_free        (ShoalTestBus      *bus);

GSubprocessLauncher *shoal_test_launcher_new (const gchar      *bus_address,
                                              GSubprocessFlags  flags);

ShoalTestDaemon *shoal_test_daemon_start    (const gchar       *name,
                                             const gchar       *tmpdir,
                                             const gchar * const *extra_args);
ShoalTestDaemon *shoal_test_daemon_start_on_bus (ShoalTestBus        *bus,
                                                 const gchar         *name,
                                                 const gchar         *tmpdir,
                                                 const gchar * const *extra_args);
ShoalTestDaemon *shoal_test_daemon_start_full (ShoalTestBus        *bus,
                                               const gchar         *name,
                                               const gchar         *tmpdir,
                                               const gchar * const *extra_args,
                                               gboolean             mdns);
void             shoal_test_daemon_stop     (ShoalTestDaemon   *daemon);
void             shoal_test_daemon_free     (ShoalTestDaemon   *daemon);
gboolean         shoal_test_daemon_sees_connected (ShoalTestDaemon *daemon,
                                                   const gchar     *peer_id);
void             shoal_test_connect_pair    (ShoalTestDaemon   *a,
                                             ShoalTestDaemon   *b);

gint             shoal_test_run             (const gchar * const *argv,
                                             const gchar       *bus_address,
                                             const gchar * const *env,
                                             GBytes            *input,
                                             gchar            **stdout_out,
                                             gchar            **stderr_out);

typedef gboolean (*ShoalTestCondition) (gpointer user_data);
gboolean         shoal_test_wait_until      (ShoalTestCondition condition,
                                             gpointer           user_data,
                                             guint              timeout_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalTestBus, shoal_test_bus_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalTestDaemon, shoal_test_daemon_free)

G_END_DECLS
