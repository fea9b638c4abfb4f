/* test-lan-hints.c: hints to dial on a LAN of real hosts: peer exchange
 * where multicast does not pass, and forged mDNS records
 *
 * Each test brings up its own LAN with tools/lan (hosts in network
 * namespaces on a bridge, each with its own system bus, avahi-daemon and
 * session bus), starts shoald on hosts with `tools/lan run`, and checks the
 * mesh through org.shoal.Shoal1 on each host's session bus, as a script on
 * that host would. The forged records are published with avahi-publish, a
 * third-party mDNS client, from a host that runs no shoald.
 *
 * Needs root, iproute2, dbus-daemon, avahi-daemon and avahi-publish; without
 * them the program skips (exit 77) with the reason, unless
 * SHOAL_TEST_REQUIRE=all asks for a failure instead. Its LANs are apart from
 * the other lan tests' (prefix "slh"), and tagged with SHOAL_TEST_LAN_TAG.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "shoal-test-lan-host.h"

#define LAN_PREFIX_BASE "slh"
#define LAN_ROOT_BASE "/tmp/shoal-test-lan-hints"
#define PORT 4242

static const ShoalTestLanSpec lan_three = { .n_hosts = 3, .port = PORT };
static const ShoalTestLanSpec lan_four = { .n_hosts = 4, .port = PORT };

/* h2..h4 each configured with h1 alone, as `--peer 192.0.2.1:PORT`, and
 * with peer exchange on or off (a config file saying so). */
static void
start_star (ShoalTestLanFixture *fixture,
            gboolean             peer_exchange)
{
  g_autofree gchar *config = g_build_filename (shoal_test_lan_root (), "hints.conf", NULL);
  g_autofree gchar *contents = g_strdup_printf ("[shoal]\npeer-exchange=%s\n",
                                                peer_exchange ? "true" : "false");
  const gchar *hub[] = { "--config", config, NULL };
  const gchar *leaf[] = { "--config", config, "--peer", "192.0.2.1:" G_STRINGIFY (PORT), NULL };

  g_assert_true (g_file_set_contents (config, contents, -1, NULL));
  shoal_test_lan_host_set_options (&fixture->hosts[1], hub);
  shoal_test_lan_host_start_and_wait (fixture, &fixture->hosts[1]);
  for (guint i = 2; i <= fixture->n_hosts; i++)
    {
      shoal_test_lan_host_set_options (&fixture->hosts[i], leaf);
      shoal_test_lan_host_start_and_wait (fixture, &fixture->hosts[i]);
    }
}

static void
test_multicast_blocked (ShoalTestLanFixture *fixture,
                        gconstpointer        data)
{
  ShoalTestLanMesh mesh;
  gint64 start;

  g_test_summary ("With multicast blocked on the switch and every host configured with one "
                  "and the same peer (h1), peer exchange makes a full mesh of 4: the leaves "
                  "learn of each other from h1");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_do ("multicast-off", "all", NULL);
  start = g_get_monotonic_time ();
  start_star (fixture, TRUE);
  shoal_test_lan_mesh_init (&mesh, fixture, 1, fixture->n_hosts);
  shoal_test_lan_mesh_wait (&mesh);
  g_test_message ("full mesh of %u hosts %" G_GINT64_FORMAT " ms after the first start",
                  fixture->n_hosts, (g_get_monotonic_time () - start) / 1000);

  /* And it stays one. */
  shoal_test_lan_iterate_for (3000);
  g_assert_true (shoal_test_lan_mesh_complete (&mesh));
  for (guint i = 1; i <= fixture->n_hosts; i++)
    g_assert_cmpuint (shoal_test_lan_count_events (&fixture->hosts[i],
                                                   SHOAL_TEST_LAN_EVENT_DISCONNECTED, NULL), ==, 0);
}

static gboolean
star_formed (gpointer user_data)
{
  ShoalTestLanFixture *fixture = user_data;

  for (guint i = 2; i <= fixture->n_hosts; i++)
    if (!shoal_test_lan_host_sees (&fixture->hosts[i], &fixture->hosts[1]) ||
        !shoal_test_lan_host_sees (&fixture->hosts[1], &fixture->hosts[i]))
      return FALSE;
  return TRUE;
}

static void
test_multicast_blocked_no_exchange (ShoalTestLanFixture *fixture,
                                    gconstpointer        data)
{
  g_test_summary ("The same star with peer-exchange=false stays a star: the leaves never "
                  "link with each other (what the mesh was like before peer exchange)");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_do ("multicast-off", "all", NULL);
  start_star (fixture, FALSE);
  g_assert_true (shoal_test_lan_wait_until (star_formed, fixture, SHOAL_TEST_LAN_MESH_TIMEOUT_MS));
  /* Time enough for a full mesh, were anyone to tell the leaves of each other. */
  shoal_test_lan_iterate_for (8000);
  for (guint i = 2; i <= fixture->n_hosts; i++)
    {
      g_assert_true (shoal_test_lan_host_sees (&fixture->hosts[i], &fixture->hosts[1]));
      for (guint j = 2; j <= fixture->n_hosts; j++)
        if (i != j)
          g_assert_false (shoal_test_lan_host_sees (&fixture->hosts[i], &fixture->hosts[j]));
    }
}

static gchar *
random_id (void)
{
  return g_strdup_printf ("%08x%08x%08x%08x", g_random_int (), g_random_int (), g_random_int (),
                          g_random_int ());
}

/* avahi-publish on @host, until the test ends: a service (@name, port
 * @port, the TXT of a Shoal node with @id) on host name @target, which
 * resolves to @address when @address is not NULL. */
static void
publish (ShoalTestLanFixture *fixture,
         ShoalTestLanHost    *host,
         const gchar         *name,
         const gchar         *target,
         const gchar         *address,
         guint16              port,
         const gchar         *id)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *session = random_id ();
  g_autofree gchar *port_text = g_strdup_printf ("%u", port);
  g_autofree gchar *port_txt = g_strdup_printf ("port=%05u", port);
  g_autofree gchar *id_txt = g_strdup_printf ("id=%s", id);
  g_autofree gchar *session_txt = g_strdup_printf ("session=%s", session);
  g_autofree gchar *host_arg = g_strdup_printf ("--host=%s", target);
  GSubprocess *publisher;

  launcher = shoal_test_lan_new_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                          G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  if (address != NULL)
    {
      publisher = g_subprocess_launcher_spawn (launcher, &error, shoal_test_lan_path (), "run",
                                               host->name,
                                               "avahi-publish", "-a", "-R", target, address, NULL);
      g_assert_no_error (error);
      g_ptr_array_add (fixture->processes, publisher);
    }
  publisher = g_subprocess_launcher_spawn (launcher, &error, shoal_test_lan_path (), "run",
                                           host->name,
                                           "avahi-publish", "-s", host_arg, name, "_shoal._tcp",
                                           port_text, port_txt, "proto=2", id_txt, session_txt,
                                           NULL);
  g_assert_no_error (error);
  g_ptr_array_add (fixture->processes, publisher);
}

/* PeerConnected and PeerDisconnected on @host from event @from on. */
static guint
peer_signals_since (ShoalTestLanHost *host,
                    guint             from)
{
  guint count = 0;

  for (guint i = from; i < host->events->len; i++)
    {
      ShoalTestLanEvent *event = g_ptr_array_index (host->events, i);

      if (event->kind != SHOAL_TEST_LAN_EVENT_MESSAGE)
        count++;
    }
  return count;
}

static void
test_forged_records (ShoalTestLanFixture *fixture,
                     gconstpointer        data)
{
  ShoalTestLanHost *h1 = &fixture->hosts[1];
  ShoalTestLanHost *h2 = &fixture->hosts[2];
  ShoalTestLanHost *h3 = &fixture->hosts[3];
  g_autofree gchar *before1 = NULL;
  g_autofree gchar *before2 = NULL;
  g_autofree gchar *after1 = NULL;
  g_autofree gchar *after2 = NULL;
  g_autofree gchar *made_up = random_id ();
  g_autofree gchar *made_up2 = random_id ();
  g_autofree gchar *made_up3 = random_id ();
  g_autofree gchar *made_up4 = random_id ();
  g_autofree gchar *refused = NULL;
  guint replaced1, replaced2;
  guint cursor1, cursor2;
  ShoalTestLanMesh mesh;

  g_test_summary ("Forged DNS-SD records from a third host (port 0, 127.0.0.1, a multicast "
                  "address, a made-up id at a real node's address, a connected peer's id "
                  "with another name) change nothing in a mesh of two: no new peer, no link "
                  "replaced or lost, names as the hellos said; the made-up id is dialled once");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_host_start_and_wait (fixture, h1);
  shoal_test_lan_host_start_and_wait (fixture, h2);
  shoal_test_lan_mesh_init (&mesh, fixture, 1, 2);
  shoal_test_lan_mesh_wait (&mesh);
  shoal_test_lan_iterate_for (1000);
  before1 = shoal_test_lan_host_describe_peers (h1);
  before2 = shoal_test_lan_host_describe_peers (h2);
  replaced1 = shoal_test_lan_host_log_count (h1, "new link wins");
  replaced2 = shoal_test_lan_host_log_count (h2, "new link wins");
  cursor1 = h1->events->len;
  cursor2 = h2->events->len;

  publish (fixture, h3, "forged port 0", "forged-zero.local", "192.0.2.3", 0, made_up);
  publish (fixture, h3, "forged loopback", "forged-lo.local", "127.0.0.1", PORT, made_up2);
  publish (fixture, h3, "forged multicast", "forged-mc.local", "224.0.0.251", PORT, made_up3);
  publish (fixture, h3, "forged at h1", "forged-h1.local", "192.0.2.1", PORT, made_up4);
  publish (fixture, h3, "impostor", "forged-imp.local", "192.0.2.3", PORT, h1->id);

  /* Each of the records is seen within a second or two on an open LAN. */
  shoal_test_lan_iterate_for (10000);

  after1 = shoal_test_lan_host_describe_peers (h1);
  after2 = shoal_test_lan_host_describe_peers (h2);
  g_test_message ("h1 lists:\n%s\nh2 lists:\n%s", after1, after2);
  g_assert_cmpstr (after1, ==, before1);
  g_assert_cmpstr (after2, ==, before2);
  g_assert_cmpuint (peer_signals_since (h1, cursor1) + peer_signals_since (h2, cursor2), ==, 0);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h1, "new link wins"), ==, replaced1);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h2, "new link wins"), ==, replaced2);
  /* Nobody dialled its own loopback at PORT: that would be itself. */
  g_assert_cmpuint (shoal_test_lan_host_log_count (h1, "connected to itself"), ==, 0);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h2, "connected to itself"), ==, 0);

  /* The made-up id at h1's address: h2 dialled it once, and h1 answered. */
  refused = g_strdup_printf ("where %s was expected", made_up4);
  g_test_message ("h2 refused the made-up id %u time(s)",
                  shoal_test_lan_host_log_count (h2, refused));
  g_assert_cmpuint (shoal_test_lan_host_log_count (h2, refused), <=, 1);
}

int
main (int   argc,
      char *argv[])
{
  shoal_test_lan_init (&argc, &argv, LAN_PREFIX_BASE, LAN_ROOT_BASE);
  shoal_test_lan_require_program ("avahi-publish",
                                  "avahi-publish is not installed (package avahi-utils)");

  g_test_add ("/lan-hints/multicast-blocked", ShoalTestLanFixture, &lan_four,
              shoal_test_lan_set_up, test_multicast_blocked, shoal_test_lan_tear_down);
  g_test_add ("/lan-hints/multicast-blocked/no-exchange", ShoalTestLanFixture, &lan_four,
              shoal_test_lan_set_up, test_multicast_blocked_no_exchange, shoal_test_lan_tear_down);
  g_test_add ("/lan-hints/forged-records", ShoalTestLanFixture, &lan_three,
              shoal_test_lan_set_up, test_forged_records, shoal_test_lan_tear_down);

  return shoal_test_lan_run_tests ();
}
