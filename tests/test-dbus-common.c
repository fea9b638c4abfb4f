/* test-dbus-common.c: the fixture, signal capture and D-Bus helpers the dbus tests share
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-test-daemon.h"
#include "test-dbus.h"

void
dbus_start_bob (Fixture *fixture)
{
  g_autofree gchar *peer = g_strdup_printf ("127.0.0.1:%u", (guint) fixture->alice->port);
  /* A short delivery timeout, for /dbus/not-connected to see it end. */
  const gchar *args[] = { "--peer", peer, "--delivery-timeout", "2", NULL };

  fixture->bob = shoal_test_daemon_start ("bob", fixture->tmpdir, args);
}

void
dbus_setup_alice (Fixture       *fixture,
                  gconstpointer  data)
{
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;
  fixture->tmpdir = shoal_test_make_tmpdir ();
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
  fixture->ready = TRUE;
}

/* Only a scratch directory: the test starts its daemons with options of its own. */
void
dbus_setup_tmpdir (Fixture       *fixture,
                   gconstpointer  data)
{
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;
  fixture->tmpdir = shoal_test_make_tmpdir ();
  fixture->ready = TRUE;
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

void
dbus_teardown (Fixture       *fixture,
               gconstpointer  data)
{
  g_clear_pointer (&fixture->bob, shoal_test_daemon_free);
  g_clear_pointer (&fixture->alice, shoal_test_daemon_free);
  if (fixture->tmpdir != NULL)
    {
      shoal_test_remove_tree (fixture->tmpdir);
      g_clear_pointer (&fixture->tmpdir, g_free);
    }
}

/* ---- signal capture ---- */

typedef struct {
  gchar    *member;
  GVariant *parameters;
} Signal;

static void
signal_free (gpointer data)
{
  Signal *signal = data;

  g_free (signal->member);
  g_variant_unref (signal->parameters);
  g_free (signal);
}

static void
recorder_cb (GDBusConnection *connection,
             const gchar     *sender,
             const gchar     *path,
             const gchar     *interface,
             const gchar     *member,
             GVariant        *parameters,
             gpointer         user_data)
{
  Recorder *recorder = user_data;
  Signal *signal = g_new0 (Signal, 1);

  signal->member = g_strdup (member);
  signal->parameters = g_variant_ref (parameters);
  g_ptr_array_add (recorder->signals, signal);
}

/* Any sender: on a bus where shoald does not run yet, a well-known name
 * has no owner to match. Only shoald sends these signals on our buses. */
Recorder *
dbus_recorder_new_for_bus (ShoalTestBus *bus)
{
  Recorder *recorder = g_new0 (Recorder, 1);

  recorder->connection = g_object_ref (bus->connection);
  recorder->signals = g_ptr_array_new_with_free_func (signal_free);
  recorder->subscription =
    g_dbus_connection_signal_subscribe (recorder->connection, NULL,
                                        "org.shoal.Shoal1", NULL, SHOAL_TEST_OBJECT_PATH,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        recorder_cb, recorder, NULL);
  return recorder;
}

Recorder *
dbus_recorder_new (ShoalTestDaemon *daemon)
{
  Recorder *recorder = g_new0 (Recorder, 1);

  recorder->connection = g_object_ref (daemon->bus->connection);
  recorder->signals = g_ptr_array_new_with_free_func (signal_free);
  recorder->subscription =
    g_dbus_connection_signal_subscribe (recorder->connection, SHOAL_TEST_BUS_NAME,
                                        "org.shoal.Shoal1", NULL, SHOAL_TEST_OBJECT_PATH,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        recorder_cb, recorder, NULL);
  return recorder;
}

void
dbus_recorder_free (Recorder *recorder)
{
  g_dbus_connection_signal_unsubscribe (recorder->connection, recorder->subscription);
  g_object_unref (recorder->connection);
  g_ptr_array_unref (recorder->signals);
  g_free (recorder);
}

typedef struct {
  Recorder    *recorder;
  const gchar *member;
  guint        count;
} SignalWait;

static gboolean
has_signals (gpointer user_data)
{
  SignalWait *wait = user_data;
  guint i, n = 0;

  for (i = 0; i < wait->recorder->signals->len; i++)
    {
      Signal *signal = g_ptr_array_index (wait->recorder->signals, i);

      if (g_strcmp0 (signal->member, wait->member) == 0)
        n++;
    }
  return n >= wait->count;
}

/* The @index-th (from 0) recorded signal named @member, waiting for it. */
GVariant *
dbus_recorder_wait (Recorder    *recorder,
                    const gchar *member,
                    guint        index)
{
  SignalWait wait = { recorder, member, index + 1 };
  guint i, n = 0;

  g_assert_true (shoal_test_wait_until (has_signals, &wait, SHOAL_TEST_TIMEOUT_MS));
  for (i = 0; i < recorder->signals->len; i++)
    {
      Signal *signal = g_ptr_array_index (recorder->signals, i);

      if (g_strcmp0 (signal->member, member) == 0 && n++ == index)
        return signal->parameters;
    }
  g_assert_not_reached ();
}

/* ---- helpers ---- */

GVariant *
dbus_bytes_variant (const guint8 *data,
                    gsize         size)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, size, 1);
}

/* Calls @method on alice's root object and checks that it fails with the
 * D-Bus error @error_name. */
void
dbus_assert_call_error (ShoalTestDaemon *daemon,
                        const gchar     *path,
                        const gchar     *interface,
                        const gchar     *method,
                        GVariant        *parameters,
                        const gchar     *error_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree gchar *remote = NULL;

  reply = g_dbus_connection_call_sync (daemon->bus->connection, SHOAL_TEST_BUS_NAME, path,
                                       interface, method, parameters, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, error_name);
}

GVariant *
dbus_find_peer (GVariant    *peers,
                const gchar *id)
{
  GVariantIter iter;
  GVariant *peer;

  g_variant_iter_init (&iter, peers);
  while ((peer = g_variant_iter_next_value (&iter)) != NULL)
    {
      const gchar *peer_id = NULL;

      if (g_variant_lookup (peer, "id", "&s", &peer_id) && g_strcmp0 (peer_id, id) == 0)
        return peer;
      g_variant_unref (peer);
    }
  return NULL;
}

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
