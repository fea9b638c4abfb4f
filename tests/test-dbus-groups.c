/* test-dbus-groups.c: shoald's groups on D-Bus, against real shoald processes
 *
 * Three daemons, alice, bob and carol, each on its own private bus, linked
 * on loopback: JoinGroup, LeaveGroup and SendToGroup; the Groups property
 * of the root object and of each peer object; PeerJoinedGroup,
 * PeerLeftGroup and the group key of MessageReceived; every error; groups
 * that belong to shoald rather than to the calling client and outlive a
 * restart; the config file's groups key.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "shoal-test-daemon.h"

#define PEERS_PATH_PREFIX SHOAL_TEST_OBJECT_PATH "/peers/"

typedef struct {
  gchar           *tmpdir;
  ShoalTestDaemon *alice;
  ShoalTestDaemon *bob;
  ShoalTestDaemon *carol;
  gboolean         ready;
} Fixture;

static void
setup_tmpdir (Fixture       *fixture,
              gconstpointer  data)
{
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed"))
    return;
  fixture->tmpdir = shoal_test_make_tmpdir ();
  fixture->ready = TRUE;
}

static ShoalTestDaemon *
start_linked (Fixture         *fixture,
              const gchar     *name,
              ShoalTestDaemon *to1,
              ShoalTestDaemon *to2)
{
  g_autofree gchar *peer1 = to1 != NULL ? g_strdup_printf ("127.0.0.1:%u", (guint) to1->port) : NULL;
  g_autofree gchar *peer2 = to2 != NULL ? g_strdup_printf ("127.0.0.1:%u", (guint) to2->port) : NULL;
  const gchar *args[5] = { NULL, };
  guint n = 0;

  if (peer1 != NULL)
    {
      args[n++] = "--peer";
      args[n++] = peer1;
    }
  if (peer2 != NULL)
    {
      args[n++] = "--peer";
      args[n++] = peer2;
    }
  return shoal_test_daemon_start (name, fixture->tmpdir, args);
}

static void
setup_three (Fixture       *fixture,
             gconstpointer  data)
{
  setup_tmpdir (fixture, data);
  if (!fixture->ready)
    return;
  fixture->alice = start_linked (fixture, "alice", NULL, NULL);
  fixture->bob = start_linked (fixture, "bob", fixture->alice, NULL);
  fixture->carol = start_linked (fixture, "carol", fixture->alice, fixture->bob);
  shoal_test_connect_pair (fixture->alice, fixture->bob);
  shoal_test_connect_pair (fixture->alice, fixture->carol);
  shoal_test_connect_pair (fixture->bob, fixture->carol);
}

static void
teardown (Fixture       *fixture,
          gconstpointer  data)
{
  g_clear_pointer (&fixture->carol, shoal_test_daemon_free);
  g_clear_pointer (&fixture->bob, shoal_test_daemon_free);
  g_clear_pointer (&fixture->alice, shoal_test_daemon_free);
  if (fixture->tmpdir != NULL)
    {
      shoal_test_remove_tree (fixture->tmpdir);
      g_clear_pointer (&fixture->tmpdir, g_free);
    }
}

/* ---- signals ---- */

typedef struct {
  GDBusConnection *connection;
  guint            subscription;
  GPtrArray       *members;     /* (element-type utf8) */
  GPtrArray       *parameters;  /* (element-type GVariant) */
} Recorder;

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

  g_ptr_array_add (recorder->members, g_strdup (member));
  g_ptr_array_add (recorder->parameters, g_variant_ref (parameters));
}

static Recorder *
recorder_new (ShoalTestDaemon *daemon)
{
  Recorder *recorder = g_new0 (Recorder, 1);

  recorder->connection = g_object_ref (daemon->bus->connection);
  recorder->members = g_ptr_array_new_with_free_func (g_free);
  recorder->parameters = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  recorder->subscription =
    g_dbus_connection_signal_subscribe (recorder->connection, SHOAL_TEST_BUS_NAME,
                                        "org.shoal.Shoal1", NULL, SHOAL_TEST_OBJECT_PATH,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        recorder_cb, recorder, NULL);
  return recorder;
}

static void
recorder_free (Recorder *recorder)
{
  g_dbus_connection_signal_unsubscribe (recorder->connection, recorder->subscription);
  g_object_unref (recorder->connection);
  g_ptr_array_unref (recorder->members);
  g_ptr_array_unref (recorder->parameters);
  g_free (recorder);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Recorder, recorder_free)

static guint
recorder_count (Recorder    *recorder,
                const gchar *member)
{
  guint n = 0;

  for (guint i = 0; i < recorder->members->len; i++)
    if (g_str_equal (g_ptr_array_index (recorder->members, i), member))
      n++;
  return n;
}

typedef struct {
  Recorder    *recorder;
  const gchar *member;
  guint        count;
} Wait;

static gboolean
has_signals (gpointer user_data)
{
  Wait *wait = user_data;

  return recorder_count (wait->recorder, wait->member) >= wait->count;
}

/* The @index-th (from 0) signal named @member, waiting for it. */
static GVariant *
recorder_wait (Recorder    *recorder,
               const gchar *member,
               guint        index)
{
  Wait wait = { recorder, member, index + 1 };
  guint n = 0;

  g_assert_true (shoal_test_wait_until (has_signals, &wait, SHOAL_TEST_TIMEOUT_MS));
  for (guint i = 0; i < recorder->members->len; i++)
    if (g_str_equal (g_ptr_array_index (recorder->members, i), member) && n++ == index)
      return g_ptr_array_index (recorder->parameters, i);
  g_assert_not_reached ();
}

/* ---- helpers ---- */

static GVariant *
bytes_variant (const guint8 *data,
               gsize         size)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, size, 1);
}

/* A property read afresh with Properties.Get, not from a proxy's cache. */
static GVariant *
get_property (ShoalTestDaemon *daemon,
              const gchar     *path,
              const gchar     *interface,
              const gchar     *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = g_dbus_connection_call_sync (daemon->bus->connection, SHOAL_TEST_BUS_NAME, path,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", interface, name),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return value;
}

static void
assert_groups (ShoalTestDaemon     *daemon,
               const gchar         *path,
               const gchar         *interface,
               const gchar * const *expected)
{
  g_autoptr(GVariant) value = get_property (daemon, path, interface, "Groups");
  g_autofree const gchar **groups = g_variant_get_strv (value, NULL);

  g_assert_true (g_strv_equal (groups, expected));
}

static void
assert_own_groups (ShoalTestDaemon     *daemon,
                   const gchar * const *expected)
{
  assert_groups (daemon, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", expected);
}

static void
assert_peer_groups (ShoalTestDaemon     *daemon,
                    ShoalTestDaemon     *peer,
                    const gchar * const *expected)
{
  g_autofree gchar *path = g_strconcat (PEERS_PATH_PREFIX, peer->id, NULL);

  assert_groups (daemon, path, "org.shoal.Shoal1.Peer", expected);
}

static void
call (ShoalTestDaemon *daemon,
      const gchar     *method,
      const gchar     *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (daemon->bus->connection, SHOAL_TEST_BUS_NAME,
                                       SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", method,
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE_UNIT,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

static void
assert_call_error (ShoalTestDaemon *daemon,
                   const gchar     *method,
                   GVariant        *parameters,
                   const gchar     *error_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree gchar *remote = NULL;

  reply = g_dbus_connection_call_sync (daemon->bus->connection, SHOAL_TEST_BUS_NAME,
                                       SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", method,
                                       parameters, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, error_name);
}

/* Bob's groups as alice and carol see them. */
typedef struct {
  Fixture             *fixture;
  const gchar * const *expected;
} Seen;

static gboolean
listed_with_groups (ShoalTestDaemon     *daemon,
                    const gchar         *peer_id,
                    const gchar * const *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) peers = NULL;
  GVariantIter iter;
  GVariant *peer;

  if (!shoal_dbus_service_call_list_peers_sync (daemon->service, &peers, NULL, &error))
    return FALSE;
  g_variant_iter_init (&iter, peers);
  while ((peer = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = peer;
      const gchar *id = NULL;
      g_autofree const gchar **groups = NULL;
      g_autoptr(GVariant) value = NULL;

      g_variant_lookup (peer, "id", "&s", &id);
      if (g_strcmp0 (id, peer_id) != 0)
        continue;
      value = g_variant_lookup_value (peer, "groups", G_VARIANT_TYPE_STRING_ARRAY);
      if (value == NULL)
        return FALSE;
      groups = g_variant_get_strv (value, NULL);
      return g_strv_equal (groups, expected);
    }
  return FALSE;
}

static gboolean
bob_seen (gpointer user_data)
{
  Seen *seen = user_data;

  return listed_with_groups (seen->fixture->alice, seen->fixture->bob->id, seen->expected) &&
         listed_with_groups (seen->fixture->carol, seen->fixture->bob->id, seen->expected);
}

/* ---- tests ---- */

static void
test_methods_and_signals (Fixture       *fixture,
                          gconstpointer  data)
{
  static const guint8 payload[] = { 0x00, 'h', 'i', 0xff, 0x00 };
  const gchar * const none[] = { NULL };
  const gchar * const kitchen[] = { "kitchen", NULL };
  g_autoptr(Recorder) on_alice = NULL;
  g_autoptr(Recorder) on_bob = NULL;
  g_autoptr(Recorder) on_carol = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) recipients = NULL;
  g_autoptr(GVariant) got = NULL;
  g_autoptr(GVariant) details = NULL;
  const gchar *peer_id = NULL, *name = NULL, *from = NULL, *group = NULL;
  guint64 id = 0, delivered_id = 0;
  gboolean broadcast = TRUE;
  gsize size = 0;
  const guint8 *bytes;
  Seen seen = { fixture, kitchen };

  g_test_summary ("JoinGroup sets Groups and announces PeerJoinedGroup on the peers, "
                  "whose peer objects and ListPeers show the group; SendToGroup reaches "
                  "only the member, whose MessageReceived carries the group key, and "
                  "reports the recipients and MessageDelivered; LeaveGroup undoes it all");
  if (!fixture->ready)
    return;

  on_alice = recorder_new (fixture->alice);
  on_bob = recorder_new (fixture->bob);
  on_carol = recorder_new (fixture->carol);
  assert_own_groups (fixture->bob, none);

  call (fixture->bob, "JoinGroup", "kitchen");
  assert_own_groups (fixture->bob, kitchen);
  g_variant_get (recorder_wait (on_alice, "PeerJoinedGroup", 0), "(&s&s)", &peer_id, &name);
  g_assert_cmpstr (peer_id, ==, fixture->bob->id);
  g_assert_cmpstr (name, ==, "kitchen");
  g_variant_get (recorder_wait (on_carol, "PeerJoinedGroup", 0), "(&s&s)", &peer_id, &name);
  g_assert_cmpstr (peer_id, ==, fixture->bob->id);
  g_assert_cmpstr (name, ==, "kitchen");
  assert_peer_groups (fixture->alice, fixture->bob, kitchen);
  assert_peer_groups (fixture->carol, fixture->bob, kitchen);
  assert_peer_groups (fixture->alice, fixture->carol, none);
  g_assert_true (shoal_test_wait_until (bob_seen, &seen, SHOAL_TEST_TIMEOUT_MS));
  /* Its own join is no peer's. */
  g_assert_cmpuint (recorder_count (on_bob, "PeerJoinedGroup"), ==, 0);

  /* Carol, in no group, sends to the kitchen: only bob is in it. */
  g_assert_true (shoal_dbus_service_call_send_to_group_sync (fixture->carol->service, "kitchen",
                                                             bytes_variant (payload, sizeof payload),
                                                             &id, &recipients, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (id, !=, 0);
  g_assert_cmpuint (g_strv_length (recipients), ==, 1);
  g_assert_cmpstr (recipients[0], ==, fixture->bob->id);

  g_variant_get (recorder_wait (on_bob, "MessageReceived", 0), "(&s@ay@a{sv})", &from, &got, &details);
  g_assert_cmpstr (from, ==, fixture->carol->id);
  bytes = g_variant_get_fixed_array (got, &size, 1);
  g_assert_cmpmem (bytes, size, payload, sizeof payload);
  g_assert_true (g_variant_lookup (details, "group", "&s", &group));
  g_assert_cmpstr (group, ==, "kitchen");
  g_assert_true (g_variant_lookup (details, "broadcast", "b", &broadcast));
  g_assert_false (broadcast);
  g_variant_get (recorder_wait (on_carol, "MessageDelivered", 0), "(&st)", &peer_id, &delivered_id);
  g_assert_cmpstr (peer_id, ==, fixture->bob->id);
  g_assert_cmpuint (delivered_id, ==, id);

  /* A plain Send has no group key. */
  {
    g_autoptr(GVariant) plain_details = NULL;
    g_autoptr(GVariant) plain = NULL;
    guint64 plain_id = 0;

    g_assert_true (shoal_dbus_service_call_send_sync (fixture->carol->service, fixture->bob->id,
                                                      bytes_variant (payload, 1), &plain_id,
                                                      NULL, &error));
    g_assert_no_error (error);
    g_variant_get (recorder_wait (on_bob, "MessageReceived", 1), "(&s@ay@a{sv})", &from, &plain,
                   &plain_details);
    g_assert_false (g_variant_lookup (plain_details, "group", "&s", &group));
  }

  /* Bob leaves: everyone hears, and nobody is left to send to. */
  call (fixture->bob, "LeaveGroup", "kitchen");
  assert_own_groups (fixture->bob, none);
  g_variant_get (recorder_wait (on_alice, "PeerLeftGroup", 0), "(&s&s)", &peer_id, &name);
  g_assert_cmpstr (peer_id, ==, fixture->bob->id);
  g_assert_cmpstr (name, ==, "kitchen");
  g_variant_get (recorder_wait (on_carol, "PeerLeftGroup", 0), "(&s&s)", &peer_id, &name);
  g_assert_cmpstr (peer_id, ==, fixture->bob->id);
  assert_peer_groups (fixture->carol, fixture->bob, none);
  g_clear_pointer (&recipients, g_strfreev);
  g_assert_true (shoal_dbus_service_call_send_to_group_sync (fixture->carol->service, "kitchen",
                                                             bytes_variant (payload, sizeof payload),
                                                             &id, &recipients, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (recipients), ==, 0);

  /* Alice, never a member, never received anything. */
  g_assert_cmpuint (recorder_count (on_alice, "MessageReceived"), ==, 0);
  g_assert_cmpuint (recorder_count (on_bob, "MessageReceived"), ==, 2);
}

static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree guint8 *big = g_malloc0 (16 * 1024 * 1024 + 1);
  g_autofree gchar *too_long = g_strnfill (256, 'g');
  static const guint8 small[] = { 'x' };
  const gchar *bad[] = { "", too_long };

  g_test_summary ("JoinGroup, LeaveGroup and SendToGroup refuse a name that is not 1 to "
                  "255 bytes with InvalidArgument, a 257th group with InvalidArgument, a "
                  "payload over 16 MiB with MessageTooLarge, and a membership that cannot "
                  "be kept with StateDirectory, without applying it");
  if (!fixture->ready)
    return;

  fixture->alice = start_linked (fixture, "alice", NULL, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      assert_call_error (fixture->alice, "JoinGroup", g_variant_new ("(s)", bad[i]),
                         "org.shoal.Shoal1.Error.InvalidArgument");
      assert_call_error (fixture->alice, "LeaveGroup", g_variant_new ("(s)", bad[i]),
                         "org.shoal.Shoal1.Error.InvalidArgument");
      assert_call_error (fixture->alice, "SendToGroup",
                         g_variant_new ("(s@ay)", bad[i], bytes_variant (small, 1)),
                         "org.shoal.Shoal1.Error.InvalidArgument");
    }
  assert_call_error (fixture->alice, "SendToGroup",
                     g_variant_new ("(s@ay)", "g", bytes_variant (big, 16 * 1024 * 1024 + 1)),
                     "org.shoal.Shoal1.Error.MessageTooLarge");

  for (guint i = 0; i < 256; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("g%03u", i);

      call (fixture->alice, "JoinGroup", name);
    }
  assert_call_error (fixture->alice, "JoinGroup", g_variant_new ("(s)", "one too many"),
                     "org.shoal.Shoal1.Error.InvalidArgument");
  /* Joining one it is in is fine, even now. */
  call (fixture->alice, "JoinGroup", "g007");
  call (fixture->alice, "LeaveGroup", "not a member");

  /* groups.ini cannot be replaced: the change is refused and not applied. */
  {
    g_autofree gchar *file = g_build_filename (fixture->alice->state_dir, "groups.ini", NULL);
    g_autofree gchar *in_the_way = g_build_filename (fixture->alice->state_dir, "groups.ini",
                                                     "x", NULL);
    g_autoptr(GVariant) before = NULL;
    g_autoptr(GVariant) after = NULL;

    before = get_property (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Groups");
    g_assert_cmpint (g_unlink (file), ==, 0);
    g_assert_cmpint (g_mkdir (file, 0700), ==, 0);
    g_assert_true (g_file_set_contents (in_the_way, "", 0, NULL));
    assert_call_error (fixture->alice, "LeaveGroup", g_variant_new ("(s)", "g001"),
                       "org.shoal.Shoal1.Error.StateDirectory");
    after = get_property (fixture->alice, SHOAL_TEST_OBJECT_PATH, "org.shoal.Shoal1", "Groups");
    g_assert_true (g_variant_equal (before, after));
    g_assert_cmpint (g_unlink (in_the_way), ==, 0);
    g_assert_cmpint (g_rmdir (file), ==, 0);
  }
}

static void
test_kept (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree gchar *config = NULL;
  const gchar * const at_start[] = { "configured", "extra", NULL };
  const gchar * const changed[] = { "configured", "joined; with, separators\nand a line", NULL };
  const gchar * const restarted[] = { "configured", "extra", "joined; with, separators\nand a line", NULL };
  g_autoptr(GDBusConnection) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  const gchar *args[3] = { "--config", NULL, NULL };

  g_test_summary ("Groups belong to shoald: a group a client joined stays when the "
                  "client goes, and every group outlives a restart; at start shoald "
                  "joins the config file's groups too, even one left before");
  if (!fixture->ready)
    return;

  config = g_build_filename (fixture->tmpdir, "shoal.conf", NULL);
  g_assert_true (g_file_set_contents (config, "[shoal]\ngroups=configured;extra;\n", -1, NULL));
  args[1] = config;
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, args);
  assert_own_groups (fixture->alice, at_start);

  /* A client of its own joins, then goes away. */
  client = g_dbus_connection_new_for_address_sync (fixture->alice->bus->address,
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (client, SHOAL_TEST_BUS_NAME, SHOAL_TEST_OBJECT_PATH,
                                       "org.shoal.Shoal1", "JoinGroup",
                                       g_variant_new ("(s)", "joined; with, separators\nand a line"),
                                       G_VARIANT_TYPE_UNIT, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_close_sync (client, NULL, &error);
  g_assert_no_error (error);
  call (fixture->alice, "LeaveGroup", "extra");
  assert_own_groups (fixture->alice, changed);

  shoal_test_daemon_stop (fixture->alice);
  g_clear_pointer (&fixture->alice, shoal_test_daemon_free);
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, args);
  assert_own_groups (fixture->alice, restarted);

  /* Without the config file, what was kept is what comes back. */
  call (fixture->alice, "LeaveGroup", "extra");
  shoal_test_daemon_stop (fixture->alice);
  g_clear_pointer (&fixture->alice, shoal_test_daemon_free);
  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
  assert_own_groups (fixture->alice, changed);
}

static void
test_bad_config (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree gchar *config = NULL;
  g_autofree gchar *shoald = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *state = NULL;

  g_test_summary ("shoald refuses to start with a groups key that names an empty group");
  if (!fixture->ready)
    return;

  config = g_build_filename (fixture->tmpdir, "shoal.conf", NULL);
  state = g_build_filename (fixture->tmpdir, "state", NULL);
  g_assert_true (g_file_set_contents (config, "[shoal]\ngroups=fine;;\n", -1, NULL));
  shoald = g_strdup (shoal_test_build_path ("src/daemon/shoald"));
  {
    const gchar *argv[] = { shoald, "--config", config, "--state-dir", state, "--bus", "none",
                            "--no-avahi", NULL };

    g_assert_cmpint (shoal_test_run (argv, NULL, NULL, NULL, NULL, &err), ==, 1);
  }
  g_assert_nonnull (strstr (err, "group"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/dbus-groups/methods-and-signals", Fixture, NULL, setup_three,
              test_methods_and_signals, teardown);
  g_test_add ("/dbus-groups/errors", Fixture, NULL, setup_tmpdir, test_errors, teardown);
  g_test_add ("/dbus-groups/kept", Fixture, NULL, setup_tmpdir, test_kept, teardown);
  g_test_add ("/dbus-groups/bad-config", Fixture, NULL, setup_tmpdir, test_bad_config, teardown);

  return g_test_run ();
}
