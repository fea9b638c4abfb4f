/* test-idle.c: an idle shoald is quiet on the bus, and still exact
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The peer objects' measurements (RoundTripTime, LastSeen and the traffic
 * counters) move with every heartbeat, so shoald publishes them at most once
 * every 10 s per peer (see org.shoal.Shoal1.Peer in
 * data/org.shoal.Shoal1.xml). These tests watch real daemons, each on its own
 * private bus: an idle mesh of three over 30 s, and one counter change on an
 * otherwise still link, which must be published when its interval ends and
 * read exactly before that.
 */

#include "config.h"

#include <string.h>

#include "shoal-test-bus-fixture.h"

#define PEER_INTERFACE "org.shoal.Shoal1.Peer"

/* The publication interval of the measurements, as documented. */
#define INTERVAL_US (10 * G_USEC_PER_SEC)
/* How late or early a signal may reach us after shoald sent it: the bus and
 * a loaded machine stand between. */
#define DELIVERY_SLACK_US (500 * 1000)

#define N_DAEMONS 3

static const gchar * const measurement_names[] = {
  "RoundTripTime", "LastSeen", "BytesSent", "BytesReceived", "MessagesSent", "MessagesReceived",
  NULL
};

typedef ShoalTestFixture Fixture;

static gchar *
peer_path (ShoalTestDaemon *peer)
{
  return g_strconcat (SHOAL_TEST_PEERS_PATH_PREFIX, peer->id, NULL);
}

/* ---- PropertiesChanged, as they reach a bus ---- */

/* Any sender: only shoald sends signals on these private buses. */
static ShoalTestRecorder *
watch_new (ShoalTestDaemon *daemon)
{
  return shoal_test_recorder_new (daemon->bus->connection, NULL,
                                  "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                  NULL);
}

/* What a PropertiesChanged says changed: (transfer full) a{sv}. */
static GVariant *
changed_of (ShoalTestSignal *change)
{
  return g_variant_get_child_value (change->parameters, 1);
}

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

/* Runs the main loop for @ms, whatever happens: the time a test observes. */
static void
observe (guint ms)
{
  shoal_test_wait_until (never, NULL, ms);
}

/* ---- the idle mesh ---- */

static void
test_idle_mesh (Fixture       *fixture,
                gconstpointer  data)
{
  const guint observe_ms = 30 * 1000;
  ShoalTestRecorder *watches[N_DAEMONS] = { NULL, };
  ShoalTestDaemon *daemons[N_DAEMONS];

  g_test_summary ("Three idle daemons in a full mesh, watched for 30 s once the mesh is up: "
                  "each peer object sends at most one PropertiesChanged per 10 s, only with "
                  "measurements in it, and the root objects none");
  if (!fixture->ready)
    return;

  fixture->alice = shoal_test_daemon_start ("alice", fixture->tmpdir, NULL);
  fixture->bob = shoal_test_daemon_start_linked ("bob", fixture->tmpdir, fixture->alice, NULL,
                                                 NULL);
  fixture->carol = shoal_test_daemon_start_linked ("carol", fixture->tmpdir, fixture->alice,
                                                   fixture->bob, NULL);
  daemons[0] = fixture->alice;
  daemons[1] = fixture->bob;
  daemons[2] = fixture->carol;
  for (guint i = 0; i < N_DAEMONS; i++)
    for (guint j = i + 1; j < N_DAEMONS; j++)
      shoal_test_connect_pair (daemons[i], daemons[j]);

  /* What the mesh said while forming may still be on its way: let it land,
   * then count from nothing. */
  for (guint i = 0; i < N_DAEMONS; i++)
    watches[i] = watch_new (daemons[i]);
  observe (1000);
  for (guint i = 0; i < N_DAEMONS; i++)
    g_ptr_array_set_size (watches[i]->signals, 0);

  observe (observe_ms);

  for (guint i = 0; i < N_DAEMONS; i++)
    {
      GPtrArray *changes = watches[i]->signals;

      g_test_message ("%s: %u PropertiesChanged in %u s", daemons[i]->name,
                      changes->len, observe_ms / 1000);

      /* Nothing but the peer objects speaks, and only of measurements. */
      for (guint k = 0; k < changes->len; k++)
        {
          ShoalTestSignal *change = g_ptr_array_index (changes, k);
          g_autoptr(GVariant) changed = changed_of (change);
          g_autoptr(GVariant) invalidated = g_variant_get_child_value (change->parameters, 2);
          GVariantIter iter;
          const gchar *name;

          g_assert_true (g_str_has_prefix (change->path, SHOAL_TEST_PEERS_PATH_PREFIX));
          g_assert_cmpuint (g_variant_n_children (invalidated), ==, 0);
          g_variant_iter_init (&iter, changed);
          while (g_variant_iter_next (&iter, "{&sv}", &name, NULL))
            {
              if (!g_strv_contains (measurement_names, name))
                g_test_message ("%s changed %s while idle", change->path, name);
              g_assert_true (g_strv_contains (measurement_names, name));
            }
        }

      for (guint j = 0; j < N_DAEMONS; j++)
        {
          g_autofree gchar *path = NULL;
          gint64 previous = 0;
          guint n = 0;

          if (j == i)
            continue;
          path = peer_path (daemons[j]);
          for (guint k = 0; k < changes->len; k++)
            {
              ShoalTestSignal *change = g_ptr_array_index (changes, k);

              if (!g_str_equal (change->path, path))
                continue;
              if (n > 0)
                {
                  g_test_message ("%s, peer %s: %.2f s after the one before",
                                  daemons[i]->name, daemons[j]->name,
                                  (change->received_at - previous) / (gdouble) G_USEC_PER_SEC);
                  g_assert_cmpint (change->received_at - previous, >=,
                                   INTERVAL_US - DELIVERY_SLACK_US);
                }
              previous = change->received_at;
              n++;
            }

          /* Heartbeats move RoundTripTime and LastSeen all the time, so the
           * measurements are published, once per interval: in 30 s that is
           * 3, or 2 or 4 as the intervals fall against the window. */
          g_assert_cmpuint (n, >=, observe_ms / (INTERVAL_US / 1000) - 1);
          g_assert_cmpuint (n, <=, observe_ms / (INTERVAL_US / 1000) + 1);
        }
    }

  for (guint i = 0; i < N_DAEMONS; i++)
    shoal_test_recorder_free (watches[i]);
}

/* ---- one change on a still link ---- */

/* The first change on @path whose MessagesReceived is at least @messages,
 * or %NULL. */
static ShoalTestSignal *
find_received (ShoalTestRecorder *watch,
               const gchar       *path,
               guint64            messages)
{
  for (guint k = 0; k < watch->signals->len; k++)
    {
      ShoalTestSignal *change = g_ptr_array_index (watch->signals, k);
      g_autoptr(GVariant) changed = changed_of (change);
      guint64 received = 0;

      if (g_str_equal (change->path, path) &&
          g_variant_lookup (changed, "MessagesReceived", "t", &received) &&
          received >= messages)
        return change;
    }
  return NULL;
}

typedef struct {
  ShoalTestRecorder *watch;
  const gchar       *path;
  guint64            messages;
} ReceivedWait;

static gboolean
received_published (gpointer user_data)
{
  ReceivedWait *wait = user_data;

  return find_received (wait->watch, wait->path, wait->messages) != NULL;
}

static guint64
get_uint64 (ShoalTestDaemon *daemon,
            const gchar     *path,
            const gchar     *property)
{
  g_autoptr(GVariant) value = shoal_test_get_property (daemon, path, PEER_INTERFACE, property);

  return g_variant_get_uint64 (value);
}

typedef struct {
  ShoalTestDaemon *daemon;
  const gchar     *path;
  guint64          messages;
} GetWait;

static gboolean
get_reached (gpointer user_data)
{
  GetWait *wait = user_data;

  return get_uint64 (wait->daemon, wait->path, "MessagesReceived") >= wait->messages;
}

static void
send_one (ShoalTestDaemon *from,
          ShoalTestDaemon *to,
          const gchar     *text)
{
  g_autoptr(GError) error = NULL;
  GVariant *payload = shoal_test_bytes_variant ((const guint8 *) text, strlen (text));

  g_assert_true (shoal_dbus_service_call_send_sync (from->service, to->id, payload, NULL, NULL, &error));
  g_assert_no_error (error);
}

/* What ListPeers says of @peer_id's @key. */
static guint64
listed_uint64 (ShoalTestDaemon *daemon,
               const gchar     *peer_id,
               const gchar     *key)
{
  g_autoptr(GVariant) peer = shoal_test_list_peer (daemon, peer_id);
  guint64 found = G_MAXUINT64;

  g_assert_nonnull (peer);
  g_assert_true (g_variant_lookup (peer, key, "t", &found));
  g_assert_cmpuint (found, !=, G_MAXUINT64);
  return found;
}

static void
test_late_change (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree gchar *conf = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr(ShoalTestRecorder) watch = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) dict = NULL;
  g_autoptr(GError) error = NULL;
  ShoalTestDaemon *alice, *bob;
  ShoalTestSignal *first, *second;
  g_autoptr(GVariant) second_changed = NULL;
  guint64 value = 0;
  gint64 first_at, deadline;
  ReceivedWait received_wait;
  GetWait get_wait;

  g_test_summary ("On a link where nothing else moves, a counter change that falls inside "
                  "the 10 s interval is published when the interval ends, by itself, no "
                  "sooner; meanwhile Get, GetAll and ListPeers already give the new value");
  if (!fixture->ready)
    return;

  /* Heartbeats once a minute: in this test's 25 s nothing moves but what it
   * sends, so only the interval's end can publish the second change. The
   * counters watched are bob's of what he received: the engine counts a
   * message in as it reads it (one sent is counted at the next read or
   * heartbeat). */
  conf = g_build_filename (fixture->tmpdir, "still.conf", NULL);
  g_assert_true (g_file_set_contents (conf, "[shoal]\nheartbeat-interval=60000\n"
                                      "heartbeat-timeout=120000\n", -1, &error));
  g_assert_no_error (error);
  alice = fixture->alice =
    shoal_test_daemon_start ("alice", fixture->tmpdir,
                             (const gchar *[]) { "--config", conf, NULL });
  bob = fixture->bob =
    shoal_test_daemon_start_linked ("bob", fixture->tmpdir, alice, NULL,
                                    (const gchar *[]) { "--config", conf, NULL });
  shoal_test_connect_pair (alice, bob);
  watch = watch_new (bob);
  path = peer_path (alice);

  /* The first message may fall inside an interval the link opened: it is
   * published by that interval's end at the latest, and its signal opens an
   * interval of its own. */
  send_one (alice, bob, "one");
  received_wait = (ReceivedWait) { watch, path, 1 };
  g_assert_true (shoal_test_wait_until (received_published, &received_wait,
                                        (INTERVAL_US + 2 * G_USEC_PER_SEC) / 1000));
  first = find_received (watch, path, 1);
  first_at = first->received_at;

  /* The second falls inside that interval: whoever asks sees it at once. */
  send_one (alice, bob, "two");
  get_wait = (GetWait) { bob, path, 2 };
  g_assert_true (shoal_test_wait_until (get_reached, &get_wait, SHOAL_TEST_TIMEOUT_MS));
  g_assert_cmpuint (get_uint64 (bob, path, "MessagesReceived"), ==, 2);
  g_assert_cmpuint (get_uint64 (bob, path, "BytesReceived"), ==, 6);

  all = g_dbus_connection_call_sync (bob->bus->connection, SHOAL_TEST_BUS_NAME, path,
                                     "org.freedesktop.DBus.Properties", "GetAll",
                                     g_variant_new ("(s)", PEER_INTERFACE),
                                     G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, -1,
                                     NULL, &error);
  g_assert_no_error (error);
  dict = g_variant_get_child_value (all, 0);
  g_assert_true (g_variant_lookup (dict, "MessagesReceived", "t", &value));
  g_assert_cmpuint (value, ==, 2);
  g_assert_true (g_variant_lookup (dict, "BytesReceived", "t", &value));
  g_assert_cmpuint (value, ==, 6);
  g_assert_cmpuint (listed_uint64 (bob, alice->id, "messages-received"), ==, 2);
  g_assert_cmpuint (listed_uint64 (bob, alice->id, "bytes-received"), ==, 6);

  /* All that while, the bus heard nothing of it. */
  g_assert_null (find_received (watch, path, 2));

  received_wait.messages = 2;
  deadline = first_at + INTERVAL_US + 2 * G_USEC_PER_SEC;
  g_assert_true (shoal_test_wait_until (received_published, &received_wait,
                                        MAX (deadline - g_get_monotonic_time (), 0) / 1000));
  second = find_received (watch, path, 2);
  g_test_message ("the second change was published %.2f s after the first",
                  (second->received_at - first_at) / (gdouble) G_USEC_PER_SEC);
  g_assert_cmpint (second->received_at - first_at, >=, INTERVAL_US - DELIVERY_SLACK_US);
  g_assert_cmpint (second->received_at - first_at, <=, INTERVAL_US + 2 * G_USEC_PER_SEC);
  second_changed = changed_of (second);
  g_assert_true (g_variant_lookup (second_changed, "BytesReceived", "t", &value));
  g_assert_cmpuint (value, ==, 6);

  /* And nothing on that peer in between. */
  for (guint k = 0; k < watch->signals->len; k++)
    {
      ShoalTestSignal *change = g_ptr_array_index (watch->signals, k);

      if (g_str_equal (change->path, path))
        g_assert_true (change->received_at <= first_at || change == second ||
                       change->received_at > second->received_at);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/idle/mesh", Fixture, NULL, shoal_test_fixture_setup_tmpdir, test_idle_mesh,
              shoal_test_fixture_teardown);
  g_test_add ("/idle/late-change", Fixture, NULL, shoal_test_fixture_setup_tmpdir,
              test_late_change, shoal_test_fixture_teardown);

  return g_test_run ();
}
