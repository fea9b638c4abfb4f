/* test-lan-paths.c: interfaces and paths on a LAN of real hosts
 *
 * A host whose address changes: every peer links up with it again, over
 * the new address, and says so in its path. A host with two interfaces,
 * one excluded: it announces nothing there, links nothing there, and
 * refuses a connection that arrives there.
 *
 * Each test brings up its own LAN with tools/shoal_test_lan_do (hosts in network
 * namespaces on a bridge, each with its own system bus, avahi-daemon and
 * session bus), starts shoald on hosts with `tools/lan run`, and checks the
 * mesh through org.shoal.Shoal1 on each host's session bus. Needs root,
 * iproute2, dbus-daemon and avahi-daemon; without them the program skips
 * (exit 77) with the reason, unless SHOAL_TEST_REQUIRE=all asks for a
 * failure instead. Its LANs are apart from the other lan tests' (prefix
 * "slp").
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "shoal-test-lan-host.h"

#define LAN_PREFIX_BASE "slp"
#define LAN_ROOT_BASE "/tmp/shoal-test-lan-paths"
#define PORT 4242

static const ShoalTestLanSpec lan_three = { .n_hosts = 3, .port = PORT };
static const ShoalTestLanSpec lan_dual = { .n_hosts = 2, .port = PORT,
                                           .up_args = { "--dual", "all", NULL } };

/* What @host's ListPeers says of @other, or NULL. */
static GVariant *
host_peer_entry (ShoalTestLanHost *host,
                 ShoalTestLanHost *other)
{
  g_autoptr(GVariant) peers = shoal_test_lan_host_list_peers (host);
  GVariantIter iter;
  GVariant *entry;

  g_variant_iter_init (&iter, peers);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      const gchar *id = NULL;

      if (g_variant_lookup (entry, "id", "&s", &id) && g_str_equal (id, other->id))
        return entry;
      g_variant_unref (entry);
    }
  return NULL;
}

/* "INTERFACE LOCAL -> REMOTE" of @host's link to @other, connected or not. */
static gchar *
host_path_to (ShoalTestLanHost *host,
              ShoalTestLanHost *other)
{
  g_autoptr(GVariant) entry = host_peer_entry (host, other);
  const gchar *interface = "?", *local = "?", *remote = "?";
  gboolean connected = FALSE;

  if (entry == NULL)
    return g_strdup ("(not listed)");
  g_variant_lookup (entry, "connected", "b", &connected);
  g_variant_lookup (entry, "interface", "&s", &interface);
  g_variant_lookup (entry, "local-address", "&s", &local);
  g_variant_lookup (entry, "remote-address", "&s", &remote);
  return g_strdup_printf ("%s %s -> %s%s", interface, local, remote,
                          connected ? "" : " (not connected)");
}

/* h1's addresses before `tools/lan readdress h1`. */
static gboolean
is_old_h1 (const gchar *address)
{
  return g_str_has_prefix (address, "192.0.2.1:") || g_str_has_prefix (address, "[2001:db8::1]:");
}

/* Every other host is linked with h1 again, and neither end of any of
 * those links is one of h1's old addresses. */
static gboolean
readdressed (gpointer user_data)
{
  ShoalTestLanFixture *fixture = user_data;
  ShoalTestLanHost *h1 = &fixture->hosts[1];

  for (guint i = 2; i <= fixture->n_hosts; i++)
    {
      ShoalTestLanHost *other = &fixture->hosts[i];
      g_autoptr(GVariant) seen_by_other = NULL;
      g_autoptr(GVariant) seen_by_h1 = NULL;
      const gchar *remote = "", *local = "", *interface = "";
      gboolean connected = FALSE;

      seen_by_other = host_peer_entry (other, h1);
      seen_by_h1 = host_peer_entry (h1, other);
      if (seen_by_other == NULL || seen_by_h1 == NULL)
        return FALSE;
      g_variant_lookup (seen_by_other, "connected", "b", &connected);
      g_variant_lookup (seen_by_other, "remote-address", "&s", &remote);
      g_variant_lookup (seen_by_other, "interface", "&s", &interface);
      if (!connected || *remote == '\0' || is_old_h1 (remote) || !g_str_equal (interface, "eth0"))
        return FALSE;
      connected = FALSE;
      g_variant_lookup (seen_by_h1, "connected", "b", &connected);
      g_variant_lookup (seen_by_h1, "local-address", "&s", &local);
      g_variant_lookup (seen_by_h1, "interface", "&s", &interface);
      if (!connected || *local == '\0' || is_old_h1 (local) || !g_str_equal (interface, "eth0"))
        return FALSE;
    }
  return TRUE;
}

static void
describe_paths (ShoalTestLanFixture *fixture)
{
  for (guint a = 1; a <= fixture->n_hosts; a++)
    for (guint b = 1; b <= fixture->n_hosts; b++)
      if (a != b)
        {
          g_autofree gchar *path = host_path_to (&fixture->hosts[a], &fixture->hosts[b]);

          g_test_message ("%s to %s: %s", fixture->hosts[a].name, fixture->hosts[b].name, path);
        }
}

static void
test_readdress (ShoalTestLanFixture *fixture,
                gconstpointer        data)
{
  ShoalTestLanMesh mesh;
  gint64 start;
  gint64 elapsed_ms;

  g_test_summary ("When a host's addresses are replaced by others in the same subnet, every "
                  "peer links up with it again within 5 s, and the paths on both ends of each "
                  "link show no old address any more");
  if (shoal_test_lan_fail_if_unable ())
    return;

  for (guint i = 1; i <= fixture->n_hosts; i++)
    shoal_test_lan_host_start_and_wait (fixture, &fixture->hosts[i]);
  shoal_test_lan_mesh_init (&mesh, fixture, 1, fixture->n_hosts);
  shoal_test_lan_mesh_wait (&mesh);
  describe_paths (fixture);
  /* Links dialled at h1's old address, or from it: the test means something. */
  g_assert_false (readdressed (fixture));

  start = g_get_monotonic_time ();
  shoal_test_lan_do ("readdress", "h1", NULL);
  if (!shoal_test_lan_wait_until (readdressed, fixture, 3 * SHOAL_TEST_LAN_MESH_TIMEOUT_MS / 2))
    {
      describe_paths (fixture);
      g_error ("h1's peers did not link up again over its new address");
    }
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_test_message ("linked again over h1's new address after %" G_GINT64_FORMAT " ms", elapsed_ms);
  describe_paths (fixture);
  g_assert_cmpint (elapsed_ms, <=, 5000);
  g_assert_true (shoal_test_lan_mesh_complete (&mesh));
}

static gboolean
on_second_network (const gchar *address)
{
  return strstr (address, "198.51.100.") != NULL || strstr (address, "2001:db8:1:") != NULL ||
         strstr (address, "%eth1") != NULL;
}

/* Whether @host's Diagnose says Shoal uses @interface. */
static gboolean
host_uses_interface (ShoalTestLanHost *host,
                     const gchar      *interface)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) report = NULL;
  g_autoptr(GVariant) interfaces = NULL;
  GVariantIter iter;
  GVariant *entry;
  gboolean used = FALSE;

  reply = shoal_test_lan_host_call (host, "Diagnose", NULL, "(a{sv})", &error);
  g_assert_no_error (error);
  report = g_variant_get_child_value (reply, 0);
  interfaces = g_variant_lookup_value (report, "interfaces", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_nonnull (interfaces);
  g_variant_iter_init (&iter, interfaces);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      const gchar *name = NULL;

      if (g_variant_lookup (entry, "name", "&s", &name) && g_str_equal (name, interface))
        g_variant_lookup (entry, "used", "b", &used);
      g_variant_unref (entry);
    }
  return used;
}

static void
test_excluded_interface (ShoalTestLanFixture *fixture,
                         gconstpointer        data)
{
  const gchar *h1_options[] = { "--exclude-interface", "eth1", "--exclude-interface", "nosuch0",
                                NULL };
  ShoalTestLanHost *h1 = &fixture->hosts[1];
  ShoalTestLanHost *h2 = &fixture->hosts[2];
  g_autoptr(GVariant) entry = NULL;
  g_autofree const gchar **addresses = NULL;
  g_autofree gchar *failure = NULL;
  g_autofree gchar *h1_path = NULL;
  g_autofree gchar *h2_path = NULL;
  ShoalTestLanMesh mesh;

  g_test_summary ("Two hosts on two networks, one of them excluding its eth1: it announces "
                  "nothing there (its peer learns none of its eth1 addresses), links only over "
                  "eth0, says in Diagnose that it does not use eth1, refuses a connection that "
                  "arrives on eth1 with a line in its log, and says once that no interface "
                  "matches a name it was given");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_host_set_options (h1, h1_options);
  shoal_test_lan_host_start_and_wait (fixture, h1);
  shoal_test_lan_host_start_and_wait (fixture, h2);
  shoal_test_lan_mesh_init (&mesh, fixture, 1, 2);
  shoal_test_lan_mesh_wait (&mesh);
  /* Long enough for h2's avahi-daemon to hear anything h1 announces on
   * eth1, and for its resolvers to report it. */
  shoal_test_lan_iterate_for (3000);
  describe_paths (fixture);

  entry = host_peer_entry (h2, h1);
  g_assert_nonnull (entry);
  g_assert_true (g_variant_lookup (entry, "addresses", "^a&s", &addresses));
  g_assert_cmpuint (g_strv_length ((gchar **) addresses), >, 0);
  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_test_message ("h2 knows h1 at %s", addresses[i]);
      g_assert_false (on_second_network (addresses[i]));
    }
  h2_path = host_path_to (h2, h1);
  h1_path = host_path_to (h1, h2);
  g_assert_true (g_str_has_prefix (h2_path, "eth0 "));
  g_assert_true (g_str_has_prefix (h1_path, "eth0 "));
  /* What `shoal doctor` reads says so too. */
  g_assert_true (host_uses_interface (h1, "eth0"));
  g_assert_false (host_uses_interface (h1, "eth1"));
  g_assert_true (host_uses_interface (h2, "eth1"));

  /* A person on h2 names h1's eth1 address: h1 closes the connection before TLS. */
  failure = shoal_test_lan_try ("run", "h2", "shoal", "connect", "198.51.100.1:" G_STRINGIFY (PORT), NULL);
  g_test_message ("shoal connect over eth1: %s", failure != NULL ? failure : "succeeded");
  g_assert_nonnull (failure);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h1, "Refusing a connection from 198.51.100.2:"), >=, 1);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h1, "arrived on interface eth1"), >=, 1);
  g_assert_true (shoal_test_lan_host_sees (h2, h1));
  g_assert_true (shoal_test_lan_host_sees (h1, h2));

  g_assert_cmpuint (shoal_test_lan_host_log_count (h1, "No network interface that is up matches “nosuch0”"), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  shoal_test_lan_init (&argc, &argv, LAN_PREFIX_BASE, LAN_ROOT_BASE);

  g_test_add ("/lan-paths/readdress", ShoalTestLanFixture, &lan_three,
              shoal_test_lan_set_up, test_readdress, shoal_test_lan_tear_down);
  g_test_add ("/lan-paths/excluded-interface", ShoalTestLanFixture, &lan_dual,
              shoal_test_lan_set_up, test_excluded_interface, shoal_test_lan_tear_down);

  return shoal_test_lan_run_tests ();
}
