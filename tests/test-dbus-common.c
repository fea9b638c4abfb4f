/* test-dbus-common.c: the dbus tests' setups and D-Bus helpers of their own
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "test-dbus.h"

void
dbus_start_bob (Fixture *fixture)
{
  /* A short delivery timeout, for /dbus/not-connected to see it end. */
  const gchar *args[] = { "--delivery-timeout", "2", NULL };

  fixture->bob = shoal_test_daemon_start_linked ("bob", fixture->tmpdir, fixture->alice, NULL,
                                                 args);
}

void
dbus_setup_alice (Fixture       *fixture,
                  gconstpointer  data)
{
  if (!shoal_test_fixture_begin (fixture))
    return;
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
}

void
dbus_setup_pair (Fixture       *fixture,
                 gconstpointer  data)
{
  dbus_setup_alice (fixture, data);
  if (!fixture->ready)
    return;
  dbus_start_bob (fixture);
  shoal_test_connect_pair (fixture->alice, fixture->bob);
}

/* ---- helpers ---- */

void
dbus_assert_verification_code (const gchar *code)
{
  g_assert_nonnull (code);
  g_assert_cmpuint (strlen (code), ==, 6);
  g_assert_cmpuint (strspn (code, "0123456789"), ==, 6);
}

gboolean
dbus_object_presence (gpointer user_data)
{
  ObjectWait *wait = user_data;
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (wait->manager, wait->path);

  return (object != NULL) == wait->present;
}

GDBusObjectManager *
dbus_manager_new (ShoalTestDaemon *daemon)
{
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *manager;

  manager = shoal_dbus_object_manager_client_new_sync (daemon->bus->connection,
                                                       G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                                       SHOAL_TEST_BUS_NAME, SHOAL_TEST_OBJECT_PATH,
                                                       NULL, &error);
  g_assert_no_error (error);
  return manager;
}
