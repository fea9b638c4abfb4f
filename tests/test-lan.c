/* test-lan.c: Shoal on a LAN of real hosts, checked through each host's D-Bus
 *
 * Each test brings up its own LAN with tools/lan (hosts in network
 * namespaces on a bridge, each with its own system bus, avahi-daemon and
 * session bus), starts shoald on the hosts with `tools/lan run`, and checks
 * everything the way a desktop script on each machine would: through
 * org.shoal.Shoal1 on that host's session bus (shoal-test-lan-host.c).
 *
 * This file holds the core tests (the mesh, messages, addresses) and main();
 * the others are in test-lan-delivery.c, test-lan-doctor.c and
 * test-lan-liveness.c, all in one
 * program (test-lan.h).
 *
 * Needs root, iproute2, dbus-daemon and avahi-daemon; without them the
 * program skips (exit 77) with the reason, unless SHOAL_TEST_REQUIRE=all asks
 * for a failure instead.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "test-lan.h"

/* Fixed, so that a run can clean up what a crashed run left behind; apart
 * from the demo's, the avahi suite's and the other lan programs', so that
 * they can run beside it. */
#define LAN_PREFIX_BASE "slt"
#define LAN_ROOT_BASE "/tmp/shoal-test-lan"

static const ShoalTestLanSpec lan_one = { .n_hosts = 1 };
static const ShoalTestLanSpec lan_two = { .n_hosts = 2 };
static const ShoalTestLanSpec lan_three = { .n_hosts = 3 };
static const ShoalTestLanSpec lan_four = { .n_hosts = 4 };
static const ShoalTestLanSpec lan_eight = { .n_hosts = 8 };
static const ShoalTestLanSpec lan_dual = { .n_hosts = 3, .up_args = { "--dual", "h1,h2", NULL } };
static const ShoalTestLanSpec lan_ipv6_only = { .n_hosts = 3,
                                                .up_args = { "--ipv6-only", "h3", NULL } };

static void
send_sync (ShoalTestLanHost *from,
           ShoalTestLanHost *to,
           const void       *data,
           gsize             size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariant *payload = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, size, 1);

  reply = shoal_test_lan_host_call (from, "Send", g_variant_new ("(s@ay)", to->id, payload), "(t)",
                                    &error);
  g_assert_no_error (error);
}

static void
assert_bytes_equal (GBytes     *actual,
                    const void *expected,
                    gsize       size)
{
  g_assert_nonnull (actual);
  g_assert_cmpmem (g_bytes_get_data (actual, NULL), g_bytes_get_size (actual), expected, size);
}

static void
test_three_hosts (ShoalTestLanFixture *fixture,
                  gconstpointer        user_data)
{
  /* NUL bytes, bytes that are not UTF-8, a trailing NUL */
  static const guint8 unicast[] = "to h3\0\xff\xfe\x80 not \xc3\x28 utf-8\0";
  static const guint8 broadcast[] = "\0\0from h2 to all: \xc0\xaf\xed\xa0\x80\xf8\0";
  g_autofree guint8 *large = NULL;
  ShoalTestLanHost *h1, *h2, *h3;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean is_broadcast = TRUE;
  g_auto(GStrv) recipients = NULL;
  guint e1, e3;
  ShoalTestLanMesh mesh;
  gsize i;

  g_test_summary ("Three hosts: every shoald sees the other two connected; Send from h1 "
                  "to h3 and Broadcast from h2 arrive byte-exact through MessageReceived, "
                  "and only where they were sent");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_start_hosts (fixture, 1, 3);
  h1 = &fixture->hosts[1];
  h2 = &fixture->hosts[2];
  h3 = &fixture->hosts[3];
  shoal_test_lan_mesh_init (&mesh, fixture, 1, 3);
  shoal_test_lan_mesh_wait (&mesh);
  g_assert_cmpuint (shoal_test_lan_peer_count (h1), ==, 2);
  g_assert_cmpuint (shoal_test_lan_peer_count (h2), ==, 2);
  g_assert_cmpuint (shoal_test_lan_peer_count (h3), ==, 2);
  g_assert_cmpuint (shoal_test_lan_count_events (h1, SHOAL_TEST_LAN_EVENT_MESSAGE, NULL), ==, 0);

  /* Send from h1 to h3 */
  e3 = h3->events->len;
  send_sync (h1, h3, unicast, sizeof unicast);
  assert_bytes_equal (shoal_test_lan_wait_message (h3, h1->id, e3, &is_broadcast), unicast,
                      sizeof unicast);
  g_assert_false (is_broadcast);

  /* A payload larger than any one read, to cross many TCP segments. */
  large = g_malloc (1024 * 1024);
  for (i = 0; i < 1024 * 1024; i++)
    large[i] = (guint8) g_test_rand_int_range (0, 256);
  e3 = h3->events->len;
  send_sync (h1, h3, large, 1024 * 1024);
  assert_bytes_equal (shoal_test_lan_wait_message (h3, h1->id, e3, NULL), large, 1024 * 1024);

  /* Broadcast from h2 */
  e1 = h1->events->len;
  e3 = h3->events->len;
  reply = shoal_test_lan_host_call (h2, "Broadcast",
                     g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, broadcast,
                                                                       sizeof broadcast, 1)),
                     "(tas)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(t^as)", NULL, &recipients);
  g_assert_cmpuint (g_strv_length (recipients), ==, 2);
  is_broadcast = FALSE;
  assert_bytes_equal (shoal_test_lan_wait_message (h1, h2->id, e1, &is_broadcast), broadcast,
                      sizeof broadcast);
  g_assert_true (is_broadcast);
  is_broadcast = FALSE;
  assert_bytes_equal (shoal_test_lan_wait_message (h3, h2->id, e3, &is_broadcast), broadcast,
                      sizeof broadcast);
  g_assert_true (is_broadcast);

  /* Nothing arrives twice or where it was not sent. */
  shoal_test_lan_iterate_for (300);
  g_assert_cmpuint (shoal_test_lan_count_events (h1, SHOAL_TEST_LAN_EVENT_MESSAGE, NULL), ==, 1);
  g_assert_cmpuint (shoal_test_lan_count_events (h2, SHOAL_TEST_LAN_EVENT_MESSAGE, NULL), ==, 0);
  g_assert_cmpuint (shoal_test_lan_count_events (h3, SHOAL_TEST_LAN_EVENT_MESSAGE, NULL), ==, 3);
}

/* The time at which every member had seen the last PeerConnected it needed. */
static gint64
mesh_completed_at (ShoalTestLanFixture *fixture)
{
  gint64 latest = 0;
  guint i, j;

  for (i = 1; i <= fixture->n_hosts; i++)
    {
      ShoalTestLanHost *host = &fixture->hosts[i];

      for (j = 0; j < host->events->len; j++)
        {
          ShoalTestLanEvent *event = g_ptr_array_index (host->events, j);

          if (event->kind == SHOAL_TEST_LAN_EVENT_CONNECTED)
            latest = MAX (latest, event->time);
        }
    }
  return latest;
}

static void
test_eight_hosts (ShoalTestLanFixture *fixture,
                  gconstpointer        user_data)
{
  gint64 polled_at;
  gint64 completed_at;
  guint i, connects = 0, disconnects = 0;
  ShoalTestLanMesh mesh;

  g_test_summary ("Eight hosts started together form the full mesh with no configuration; "
                  "prints the time from the last shoald's start to the full mesh");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_start_hosts (fixture, 1, 8);
  shoal_test_lan_mesh_init (&mesh, fixture, 1, 8);
  shoal_test_lan_mesh_wait (&mesh);
  polled_at = g_get_monotonic_time ();

  for (i = 1; i <= 8; i++)
    {
      ShoalTestLanHost *host = &fixture->hosts[i];

      g_assert_cmpuint (shoal_test_lan_peer_count (host), ==, 7);
      connects += shoal_test_lan_count_events (host, SHOAL_TEST_LAN_EVENT_CONNECTED, NULL);
      disconnects += shoal_test_lan_count_events (host, SHOAL_TEST_LAN_EVENT_DISCONNECTED, NULL);
    }

  /* The mesh is complete and every PeerConnected has arrived: the last one
   * dates it, to the signal rather than to the next poll. */
  completed_at = mesh_completed_at (fixture);
  g_assert_cmpint (completed_at, >, 0);
  g_test_message ("8 hosts: full mesh %.3f s after the last shoald started "
                  "(seen by polling ListPeers after %.3f s); %u PeerConnected, %u PeerDisconnected",
                  (completed_at - fixture->last_start) / 1e6,
                  (polled_at - fixture->last_start) / 1e6, connects, disconnects);
  /* Each of the 56 links came up once. The logs say why not. */
  if (connects != 8 * 7 || disconnects != 0)
    shoal_test_lan_dump_logs (fixture);
  g_assert_cmpuint (connects, ==, 8 * 7);
  g_assert_cmpuint (disconnects, ==, 0);
}

static gboolean
strv_has_prefix (gchar       **strv,
                 const gchar  *prefix)
{
  guint i;

  for (i = 0; strv != NULL && strv[i] != NULL; i++)
    if (g_str_has_prefix (strv[i], prefix))
      return TRUE;
  return FALSE;
}

typedef struct
{
  ShoalTestLanHost *host;
  ShoalTestLanHost *peer;
} Pair;

/* @host knows @peer (once) by addresses on both networks. */
static gboolean
seen_on_both_networks (gpointer user_data)
{
  Pair *pair = user_data;
  ShoalTestLanPeerView view;
  gboolean both;

  shoal_test_lan_peer_view (pair->host, pair->peer->id, &view);
  both = view.count == 1 && view.connected &&
         strv_has_prefix (view.addresses, "192.0.2.") &&
         strv_has_prefix (view.addresses, "198.51.100.");
  shoal_test_lan_peer_view_clear (&view);
  return both;
}

/* How long a message may take while one of two paths is out: the stall is
 * found within about 0.1 s and a dial probes every address of the peer
 * (PROTOCOL.md section 11.3), so the link moves to the other path within a
 * probe's interval and a handshake (measured: 112 to 193 ms). Probing only
 * the address of the first attempt, it reached the other path after that
 * attempt's connect timeout: 3,023 ms. A sanitizer build's handshakes take
 * 50 ms and more: 174 and 655 ms. */
#define FAILOVER_BLACKOUT_S "3"
#define FAILOVER_BOUND_MS 1500

/* The interface of @host's that its link to @other goes over. */
static gchar *
link_interface (ShoalTestLanHost *host,
                ShoalTestLanHost *other)
{
  g_autoptr(GVariant) peers = shoal_test_lan_host_list_peers (host);
  GVariantIter iter;
  GVariant *entry;
  gchar *interface = NULL;

  g_variant_iter_init (&iter, peers);
  while (interface == NULL && (entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      const gchar *id = NULL;

      if (g_variant_lookup (entry, "id", "&s", &id) && g_str_equal (id, other->id))
        g_variant_lookup (entry, "interface", "s", &interface);
      g_variant_unref (entry);
    }
  g_assert_nonnull (interface);
  return interface;
}

/* @from streams to @to, a message every 20 ms, while the interface of @to's
 * that their link goes over is blacked out: each arrives, in order, and
 * none waits long. */
static void
assert_failover (ShoalTestLanHost *from,
                 ShoalTestLanHost *to)
{
  g_autofree gchar *iface = link_interface (to, from);
  g_autoptr(GSubprocessLauncher) launcher =
    shoal_test_lan_new_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GSubprocess) blackout = NULL;
  g_autoptr(GArray) sent = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  guint cursor = to->events->len;
  gint64 longest = 0;

  blackout = g_subprocess_launcher_spawn (launcher, &error, shoal_test_lan_path (), "blackout",
                                          to->name, FAILOVER_BLACKOUT_S, iface, NULL);
  g_assert_no_error (error);
  sent = shoal_test_lan_stream_while (blackout, from, to, "over either path", 20);

  messages = shoal_test_lan_wait_stream (to, from, cursor, "over either path", sent->len);
  for (guint i = 0; i < messages->len; i++)
    {
      ShoalTestLanEvent *event = g_ptr_array_index (messages, i);

      longest = MAX (longest, event->time - g_array_index (sent, gint64, i));
    }
  g_test_message ("%s's %s out for %s s: the longest of %u messages took %.1f ms", to->name,
                  iface, FAILOVER_BLACKOUT_S, sent->len, longest / 1000.0);
  g_assert_cmpint (longest, <, FAILOVER_BOUND_MS * 1000);
}

static void
test_dual_homed (ShoalTestLanFixture *fixture,
                 gconstpointer        user_data)
{
  ShoalTestLanHost *h1, *h2, *h3;
  Pair pair;
  ShoalTestLanPeerView view;
  ShoalTestLanMesh mesh;
  guint i;

  g_test_summary ("A dual-homed host (two interfaces on two bridges) is one peer, not two: "
                  "a host on both networks lists it once with addresses from both, a host "
                  "on one network lists it once, and no link to it is made twice; when "
                  "one network goes dark, the link moves to the other within moments");
  if (shoal_test_lan_fail_if_unable ())
    return;

  /* h1 and h2 on both bridges, h3 on the first only */
  shoal_test_lan_start_hosts (fixture, 1, 3);
  h1 = &fixture->hosts[1];
  h2 = &fixture->hosts[2];
  h3 = &fixture->hosts[3];
  shoal_test_lan_mesh_init (&mesh, fixture, 1, 3);
  shoal_test_lan_mesh_wait (&mesh);

  pair.host = h2;
  pair.peer = h1;
  if (!shoal_test_lan_wait_until (seen_on_both_networks, &pair, SHOAL_TEST_LAN_MESH_TIMEOUT_MS))
    {
      shoal_test_lan_mesh_describe (&mesh);
      g_error ("h2 does not list h1 once with addresses on both networks");
    }
  pair.host = h1;
  pair.peer = h2;
  if (!shoal_test_lan_wait_until (seen_on_both_networks, &pair, SHOAL_TEST_LAN_MESH_TIMEOUT_MS))
    {
      shoal_test_lan_mesh_describe (&mesh);
      g_error ("h1 does not list h2 once with addresses on both networks");
    }

  /* h3 reaches h1 only through the first network */
  shoal_test_lan_peer_view (h3, h1->id, &view);
  g_assert_cmpuint (view.count, ==, 1);
  g_assert_true (view.connected);
  g_assert_true (strv_has_prefix (view.addresses, "192.0.2.1:"));
  g_assert_false (strv_has_prefix (view.addresses, "198.51.100."));
  shoal_test_lan_peer_view_clear (&view);

  /* Let any second link that was going to be made show itself. */
  shoal_test_lan_iterate_for (1000);
  shoal_test_lan_mesh_describe (&mesh);
  for (i = 1; i <= 3; i++)
    {
      ShoalTestLanHost *host = &fixture->hosts[i];

      g_assert_cmpuint (shoal_test_lan_peer_count (host), ==, 2);
      g_assert_cmpuint (shoal_test_lan_count_events (host, SHOAL_TEST_LAN_EVENT_CONNECTED, NULL),
                        ==, 2);
      g_assert_cmpuint (shoal_test_lan_count_events (host, SHOAL_TEST_LAN_EVENT_DISCONNECTED, NULL),
                        ==, 0);
    }

  /* Whichever network the link between h1 and h2 is over goes dark, once
   * at each end: the link moves to the other. h3, on the first network
   * only, may lose either of them meanwhile; they never lose each other. */
  assert_failover (h1, h2);
  assert_failover (h2, h1);
  g_assert_cmpuint (shoal_test_lan_count_events (h1, SHOAL_TEST_LAN_EVENT_DISCONNECTED, h2->id),
                    ==, 0);
  g_assert_cmpuint (shoal_test_lan_count_events (h2, SHOAL_TEST_LAN_EVENT_DISCONNECTED, h1->id),
                    ==, 0);
}

static void
test_ipv6_only (ShoalTestLanFixture *fixture,
                gconstpointer        user_data)
{
  static const guint8 to_h3[] = "to the IPv6-only host\0\xff";
  static const guint8 from_h3[] = "from the IPv6-only host\0\xfe";
  ShoalTestLanHost *h1, *h3;
  ShoalTestLanMesh mesh;
  guint i, j, cursor;

  g_test_summary ("A host with no IPv4 address and only link-local IPv6 joins the mesh: "
                  "the others reach it at fe80::...%eth0 addresses, and messages flow both ways");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_start_hosts (fixture, 1, 3);
  h1 = &fixture->hosts[1];
  h3 = &fixture->hosts[3];
  shoal_test_lan_mesh_init (&mesh, fixture, 1, 3);
  shoal_test_lan_mesh_wait (&mesh);
  shoal_test_lan_mesh_describe (&mesh);

  for (i = 1; i <= 2; i++)
    {
      ShoalTestLanPeerView view;

      shoal_test_lan_peer_view (&fixture->hosts[i], h3->id, &view);
      g_assert_cmpuint (view.count, ==, 1);
      g_assert_nonnull (view.addresses);
      g_assert_nonnull (view.addresses[0]);
      for (j = 0; view.addresses[j] != NULL; j++)
        {
          g_assert_true (g_str_has_prefix (view.addresses[j], "[fe80::"));
          g_assert_nonnull (strstr (view.addresses[j], "%eth0]:"));
        }
      shoal_test_lan_peer_view_clear (&view);
    }

  cursor = h3->events->len;
  send_sync (h1, h3, to_h3, sizeof to_h3);
  assert_bytes_equal (shoal_test_lan_wait_message (h3, h1->id, cursor, NULL), to_h3, sizeof to_h3);
  cursor = h1->events->len;
  send_sync (h3, h1, from_h3, sizeof from_h3);
  assert_bytes_equal (shoal_test_lan_wait_message (h1, h3->id, cursor, NULL), from_h3,
                      sizeof from_h3);
}

/* Runs @argv to its end; returns its exit status, and its stderr in @err. */
static gint
run_quietly (const gchar * const *argv,
             gchar              **err)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  launcher = shoal_test_lan_new_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                          G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (process);
}

static void
test_no_netns (void)
{
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "lan-no-root-mount.sh", NULL);
  g_autofree gchar *tree = g_test_build_filename (G_TEST_DIST, "..", NULL);
  g_autofree gchar *canonical_tree = NULL;
  g_autofree gchar *canonical_lan = NULL;
  g_autofree gchar *dir = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *check[] = { shoal_test_lan_path (), "check", NULL };

  g_test_summary ("Where ip netns can work, tools/lan check says nothing; where it cannot "
                  "(/ is not a mount point, as in a chroot or some containers), tools/lan up "
                  "says why in one line instead of iproute2's \"mount --make-rslave / failed\", "
                  "and leaves nothing behind");
  if (shoal_test_lan_fail_if_unable ())
    return;

  g_assert_cmpint (run_quietly (check, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&err, g_free);

  canonical_tree = g_canonicalize_filename (tree, NULL);
  canonical_lan = g_canonicalize_filename (shoal_test_lan_path (), NULL);
  dir = g_dir_make_tmp ("shoal-no-netns-XXXXXX", &error);
  g_assert_no_error (error);
  {
    const gchar *up[] = { "unshare", "-m", "--propagation", "private", "sh", script, dir,
                          canonical_tree, canonical_lan, "up", "1", NULL };

    g_assert_cmpint (run_quietly (up, &err), ==, 1);
  }
  g_test_message ("tools/lan up without a root mount: %s", err);
  g_assert_true (g_str_has_prefix (err, "tools/lan: ip netns cannot work here: / is not a mount "
                                        "point"));
  g_assert_nonnull (strstr (err, "(ip said: "));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  shoal_test_lan_init (&argc, &argv, LAN_PREFIX_BASE, LAN_ROOT_BASE);

  g_test_add_func ("/lan/no-netns", test_no_netns);
  g_test_add ("/lan/doctor/healthy", ShoalTestLanFixture, &lan_three,
              shoal_test_lan_set_up, test_lan_doctor_healthy, shoal_test_lan_tear_down);
  g_test_add ("/lan/doctor/avahi-stopped", ShoalTestLanFixture, &lan_two,
              shoal_test_lan_set_up, test_lan_doctor_avahi_stopped, shoal_test_lan_tear_down);
  g_test_add ("/lan/doctor/multicast-blocked", ShoalTestLanFixture, &lan_three,
              shoal_test_lan_set_up, test_lan_doctor_multicast_blocked, shoal_test_lan_tear_down);
  g_test_add ("/lan/speak-up", ShoalTestLanFixture, &lan_three,
              shoal_test_lan_set_up, test_lan_speak_up, shoal_test_lan_tear_down);
  g_test_add ("/lan/speak-up/no-interface", ShoalTestLanFixture, &lan_one,
              shoal_test_lan_set_up, test_lan_no_interface, shoal_test_lan_tear_down);
  g_test_add ("/lan/three-hosts", ShoalTestLanFixture, &lan_three,
              shoal_test_lan_set_up, test_three_hosts, shoal_test_lan_tear_down);
  g_test_add ("/lan/eight-hosts", ShoalTestLanFixture, &lan_eight,
              shoal_test_lan_set_up, test_eight_hosts, shoal_test_lan_tear_down);
  g_test_add ("/lan/leave-join", ShoalTestLanFixture, &lan_four,
              shoal_test_lan_set_up, test_lan_leave_join, shoal_test_lan_tear_down);
  g_test_add ("/lan/dual-homed", ShoalTestLanFixture, &lan_dual,
              shoal_test_lan_set_up, test_dual_homed, shoal_test_lan_tear_down);
  g_test_add ("/lan/ipv6-only", ShoalTestLanFixture, &lan_ipv6_only,
              shoal_test_lan_set_up, test_ipv6_only, shoal_test_lan_tear_down);
  g_test_add ("/lan/many-messages", ShoalTestLanFixture, &lan_four,
              shoal_test_lan_set_up, test_lan_many_messages, shoal_test_lan_tear_down);
  g_test_add ("/lan/reconnect", ShoalTestLanFixture, &lan_two,
              shoal_test_lan_set_up, test_lan_reconnect, shoal_test_lan_tear_down);
  g_test_add ("/lan/liveness-held", ShoalTestLanFixture, &lan_two,
              shoal_test_lan_set_up, test_lan_liveness_held, shoal_test_lan_tear_down);
  g_test_add ("/lan/network-key", ShoalTestLanFixture, &lan_four,
              shoal_test_lan_set_up, test_lan_network_key, shoal_test_lan_tear_down);

  return shoal_test_lan_run_tests ();
}
