/* test-lan-groups.c: groups on a LAN of real hosts
 *
 * Three hosts in network namespaces on a bridge (tools/lan), each with its
 * own system bus, avahi-daemon, session bus and shoald, finding each other
 * over mDNS. h1 and h2 join the group "kitchen" with `shoal join`; h3, in no
 * group, runs `shoal shout kitchen …`: the message reaches h1 and h2, byte
 * for byte and with its group, and nobody else, as each host's
 * MessageReceived shows.
 *
 * Needs root, iproute2, dbus-daemon and avahi-daemon; without them the
 * program skips with the reason, unless SHOAL_TEST_REQUIRE=all asks for a
 * failure instead. SHOAL_TEST_LAN_TAG keeps its namespaces and directories
 * apart from another checkout's.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "shoal-test-lan-host.h"

/* Apart from test-lan.c's, so that the two can run side by side. */
#define LAN_PREFIX_BASE "slg"
#define LAN_ROOT_BASE "/tmp/shoal-test-lan-groups"
#define N_HOSTS 3

static const ShoalTestLanSpec lan_three = { .n_hosts = N_HOSTS };

/* h3 sees h1 and h2 in "kitchen". */
static gboolean
members_known (gpointer user_data)
{
  ShoalTestLanFixture *fixture = user_data;
  g_autoptr(GVariant) peers = shoal_test_lan_host_list_peers (&fixture->hosts[3]);
  GVariantIter iter;
  GVariant *peer;
  guint members = 0;

  g_variant_iter_init (&iter, peers);
  while ((peer = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autofree const gchar **groups = NULL;

      if (g_variant_lookup (peer, "groups", "^a&s", &groups) && g_strv_contains (groups, "kitchen"))
        members++;
      g_variant_unref (peer);
    }
  return members == 2;
}

static guint
messages (ShoalTestLanHost *host)
{
  return shoal_test_lan_count_events (host, SHOAL_TEST_LAN_EVENT_MESSAGE, NULL);
}

static gboolean
both_received (gpointer user_data)
{
  ShoalTestLanFixture *fixture = user_data;

  return messages (&fixture->hosts[1]) >= 1 && messages (&fixture->hosts[2]) >= 1;
}

/* @host's first message is @text, shouted by @from to "kitchen". */
static void
assert_shout (ShoalTestLanHost *host,
              ShoalTestLanHost *from,
              const gchar      *text)
{
  ShoalTestLanEvent *message = NULL;

  for (guint i = 0; i < host->events->len && message == NULL; i++)
    {
      ShoalTestLanEvent *event = g_ptr_array_index (host->events, i);

      if (event->kind == SHOAL_TEST_LAN_EVENT_MESSAGE)
        message = event;
    }
  g_assert_nonnull (message);
  g_assert_cmpstr (message->id, ==, from->id);
  g_assert_cmpmem (g_bytes_get_data (message->payload, NULL), g_bytes_get_size (message->payload),
                   text, strlen (text));
  g_assert_cmpstr (message->group, ==, "kitchen");
}

static void
test_shout (ShoalTestLanFixture *fixture,
            gconstpointer        user_data)
{
  const gchar *text = "lunch is ready, \xc3\xa0 table";
  g_autofree gchar *out = NULL;
  ShoalTestLanHost *h1 = &fixture->hosts[1], *h2 = &fixture->hosts[2], *h3 = &fixture->hosts[3];
  ShoalTestLanMesh mesh;

  g_test_summary ("Three hosts found over mDNS; h1 and h2 join a group with shoal join; "
                  "shoal shout from h3, in no group, reaches exactly h1 and h2, byte for "
                  "byte and with its group");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_start_hosts (fixture, 1, N_HOSTS);
  shoal_test_lan_mesh_init (&mesh, fixture, 1, N_HOSTS);
  shoal_test_lan_mesh_wait (&mesh);

  g_assert_cmpint (shoal_test_lan_host_shoal (h1, NULL, "join", "kitchen", NULL), ==, 0);
  g_assert_cmpint (shoal_test_lan_host_shoal (h2, NULL, "join", "kitchen", NULL), ==, 0);
  g_assert_true (shoal_test_lan_wait_until (members_known, fixture,
                                            SHOAL_TEST_LAN_MESH_TIMEOUT_MS));

  g_assert_cmpint (shoal_test_lan_host_shoal (h3, &out, "shout", "kitchen", text, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Sent to 2 peers\n");
  g_assert_true (shoal_test_lan_wait_until (both_received, fixture,
                                            SHOAL_TEST_LAN_DELIVERY_TIMEOUT_MS));
  /* Anything sent to h3 itself, or twice, would be in by now. */
  shoal_test_lan_iterate_for (500);
  g_assert_cmpuint (messages (h1), ==, 1);
  g_assert_cmpuint (messages (h2), ==, 1);
  g_assert_cmpuint (messages (h3), ==, 0);
  assert_shout (h1, h3, text);
  assert_shout (h2, h3, text);
}

int
main (int   argc,
      char *argv[])
{
  shoal_test_lan_init (&argc, &argv, LAN_PREFIX_BASE, LAN_ROOT_BASE);

  g_test_add ("/lan-groups/shout", ShoalTestLanFixture, &lan_three,
              shoal_test_lan_set_up, test_shout, shoal_test_lan_tear_down);

  return shoal_test_lan_run_tests ();
}
