/* test-avahi.c: mDNS discovery through real avahi-daemons on a namespace LAN
 *
 * Each test brings up its own two-host LAN with tools/lan (a prefix and a
 * root directory of its own, so a demo can run beside it), runs
 * shoal-test-node inside the hosts and follows what they print. Needs root,
 * iproute2, dbus-daemon and avahi-daemon; without them every test skips with
 * the reason, unless SHOAL_TEST_REQUIRE=all asks for a failure instead.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "shoal-test-mdns.h"

/* Discovery level: a bare ShoalDiscoveryAvahi announcing, another watching */

static void
test_discovery_found_and_lost (Fixture       *fixture,
                               gconstpointer  user_data)
{
  g_autofree gchar *id = NULL;
  g_autofree gchar *expected = NULL;
  Proc *announcer;
  Proc *watcher;
  const gchar *line;
  guint a = 0, w = 0;

  g_test_summary ("A node announced over mDNS on one host is reported on another "
                  "by its TXT id and name, with its IPv4 and IPv6 addresses, and "
                  "reported lost when it withdraws");
  if (skip_if_unable ())
    return;

  announcer = start_node (fixture, "h1", "--watch", "--name", "alpha node", "--port", "4000", NULL);
  watcher = start_node (fixture, "h2", "--watch", NULL);

  line = wait_line (announcer, "ready ", &a, DISCOVERY_TIMEOUT_S);
  g_assert_nonnull (line);
  id = ready_id (line);
  g_assert_nonnull (wait_line (watcher, "watching ", &w, DISCOVERY_TIMEOUT_S));

  /* Both families, IPv4 first, each with the announced port. */
  expected = g_strdup_printf ("found %s alpha node 192.0.2.1:4000 [2001:db8::1]:4000", id);
  line = wait_line (watcher, expected, &w, DISCOVERY_TIMEOUT_S);
  g_assert_cmpstr (line, ==, expected);

  /* Its own announcement is never reported to the announcer. */
  g_assert_cmpuint (announcer->out_lines->len, ==, 1);

  proc_stop (announcer);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("lost %s", id);
  g_assert_cmpstr (wait_line (watcher, expected, &w, DISCOVERY_TIMEOUT_S), ==, expected);
}

/* Whether the last "found <id> …" line of @proc lists @address. */
static gboolean
last_found_has (Proc        *proc,
                const gchar *id,
                const gchar *address)
{
  g_autofree gchar *prefix = g_strdup_printf ("found %s ", id);
  g_autofree gchar *word = g_strdup_printf (" %s ", address);
  const gchar *last = NULL;

  for (guint i = 0; i < proc->out_lines->len; i++)
    if (g_str_has_prefix (proc->out_lines->pdata[i], prefix))
      last = proc->out_lines->pdata[i];
  if (last == NULL)
    return FALSE;
  {
    g_autofree gchar *padded = g_strconcat (last, " ", NULL);

    return strstr (padded, word) != NULL;
  }
}

static gboolean
wait_last_found (Proc        *proc,
                 const gchar *id,
                 const gchar *address,
                 gboolean     present)
{
  gint64 deadline = g_get_monotonic_time () + DISCOVERY_TIMEOUT_S * G_USEC_PER_SEC;

  while (last_found_has (proc, id, address) != present)
    {
      if (g_get_monotonic_time () > deadline)
        {
          proc_dump (proc);
          return FALSE;
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20 * 1000);
    }
  return TRUE;
}

static void
test_discovery_every_address (Fixture       *fixture,
                              gconstpointer  user_data)
{
  g_autofree gchar *id = NULL;
  g_autofree gchar *lost = NULL;
  Proc *announcer;
  Proc *watcher;
  guint a = 0;

  g_test_summary ("A host with two IPv4 addresses on one interface is reported with both, "
                  "beside its IPv6 one; an address it drops goes from the report, and the "
                  "node is not reported lost for it");
  if (skip_if_unable ())
    return;

  lan (fixture, "run", "h1", "ip", "addr", "add", "192.0.2.101/24", "dev", "eth0", NULL);
  announcer = start_node (fixture, "h1", "--watch", "--name", "many", "--port", "4000", NULL);
  watcher = start_node (fixture, "h2", "--watch", NULL);
  id = ready_id (wait_line (announcer, "ready ", &a, DISCOVERY_TIMEOUT_S));
  lost = g_strdup_printf ("lost %s", id);

  g_assert_true (wait_last_found (watcher, id, "192.0.2.1:4000", TRUE));
  g_assert_true (wait_last_found (watcher, id, "192.0.2.101:4000", TRUE));
  g_assert_true (wait_last_found (watcher, id, "[2001:db8::1]:4000", TRUE));

  lan (fixture, "run", "h1", "ip", "addr", "del", "192.0.2.101/24", "dev", "eth0", NULL);
  g_assert_true (wait_last_found (watcher, id, "192.0.2.101:4000", FALSE));
  g_assert_true (last_found_has (watcher, id, "192.0.2.1:4000"));
  g_assert_cmpuint (count_lines (watcher, lost), ==, 0);
}

/* The name @proc last saw peer @id under: from "found <id> <name> <addr>…",
 * "connected <id> <name>" or "peer-name <id> <name>". */
static gchar *
seen_name (Proc        *proc,
           const gchar *id)
{
  const gchar *kinds[] = { "found", "connected", "peer-name" };
  gchar *name = NULL;
  guint i, k;

  for (i = 0; i < proc->out_lines->len; i++)
    {
      const gchar *line = g_ptr_array_index (proc->out_lines, i);

      for (k = 0; k < G_N_ELEMENTS (kinds); k++)
        {
          g_autofree gchar *prefix = g_strdup_printf ("%s %s ", kinds[k], id);
          const gchar *rest;
          const gchar *end = NULL;

          if (!g_str_has_prefix (line, prefix))
            continue;
          rest = line + strlen (prefix);
          /* Names may hold spaces ("twin #2"); addresses follow a found's name. */
          if (k == 0)
            {
              end = strstr (rest, " 192.0.2.");
              if (end == NULL)
                end = strstr (rest, " [");
            }
          if (end == NULL)
            end = rest + strlen (rest);
          g_free (name);
          name = g_strndup (rest, end - rest);
        }
    }
  return name;
}

static void
test_discovery_same_name (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autofree gchar *id1 = NULL;
  g_autofree gchar *id2 = NULL;
  g_autofree gchar *seen_by_1 = NULL;
  g_autofree gchar *seen_by_2 = NULL;
  Proc *node1;
  Proc *node2;
  guint c1 = 0, c2 = 0;

  g_test_summary ("Two nodes started at once on two hosts under the same name are both "
                  "announced under it, with no rename (the instance name carries the id), "
                  "and each sees the other under that name");
  if (skip_if_unable ())
    return;

  node1 = start_node (fixture, "h1", "--watch", "--name", "twin", "--port", "4000", NULL);
  node2 = start_node (fixture, "h2", "--watch", "--name", "twin", "--port", "4000", NULL);
  id1 = ready_id (wait_line (node1, "ready ", &c1, DISCOVERY_TIMEOUT_S));
  id2 = ready_id (wait_line (node2, "ready ", &c2, DISCOVERY_TIMEOUT_S));

  {
    g_autofree gchar *found1 = g_strdup_printf ("found %s twin ", id2);
    g_autofree gchar *found2 = g_strdup_printf ("found %s twin ", id1);

    g_assert_nonnull (wait_line (node1, found1, &c1, DISCOVERY_TIMEOUT_S));
    g_assert_nonnull (wait_line (node2, found2, &c2, DISCOVERY_TIMEOUT_S));
  }
  pause_for (2);
  seen_by_1 = seen_name (node1, id2);
  seen_by_2 = seen_name (node2, id1);
  g_assert_cmpstr (seen_by_1, ==, "twin");
  g_assert_cmpstr (seen_by_2, ==, "twin");
  g_assert_cmpuint (count_lines (node1, "name ") + count_lines (node2, "name "), ==, 0);
  g_assert_cmpuint (count_stderr (node1, "is taken on this network") +
                    count_stderr (node2, "is taken on this network"), ==, 0);
}

static void
test_discovery_restart (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autofree gchar *id = NULL;
  g_autofree gchar *found = NULL;
  g_autofree gchar *lost = NULL;
  Proc *announcer;
  Proc *watcher;
  guint a = 0, w = 0;

  g_test_summary ("When avahi-daemon is killed and started again on both hosts, the "
                  "announcement is published again and the watcher finds it again; the "
                  "announcer, which never left, is never reported lost");
  if (skip_if_unable ())
    return;

  announcer = start_node (fixture, "h1", "--watch", "--name", "phoenix", "--port", "4000", NULL);
  watcher = start_node (fixture, "h2", "--watch", NULL);
  id = ready_id (wait_line (announcer, "ready ", &a, DISCOVERY_TIMEOUT_S));
  found = g_strdup_printf ("found %s phoenix ", id);
  lost = g_strdup_printf ("lost %s", id);
  g_assert_nonnull (wait_line (watcher, found, &w, DISCOVERY_TIMEOUT_S));

  /* The watcher's daemon goes first: the goodbyes the announcer's daemon
   * sends as it stops reach no one who would pass them on. */
  lan (fixture, "avahi-stop", "h2", NULL);
  lan (fixture, "avahi-stop", "h1", NULL);
  pause_for (3);

  lan (fixture, "avahi-start", "h1", NULL);
  lan (fixture, "avahi-start", "h2", NULL);
  g_assert_nonnull (wait_line (watcher, found, &w, DISCOVERY_TIMEOUT_S));
  /* Past the grace in which what was seen before must be seen again. */
  pause_for (5);
  g_assert_cmpuint (count_lines (watcher, lost), ==, 0);

  /* Gone for real while the daemons were away: reported once they return. */
  lan (fixture, "avahi-stop", "h2", NULL);
  proc_stop (announcer);
  lan (fixture, "avahi-start", "h2", NULL);
  g_assert_nonnull (wait_line (watcher, lost, &w, DISCOVERY_TIMEOUT_S));

  /* Both sides kept running and said what happened, once. */
  g_assert_cmpuint (count_stderr (announcer, "avahi-daemon went away"), ==, 1);
  g_assert_cmpuint (count_stderr (watcher, "avahi-daemon went away"), ==, 2);
  g_assert_cmpuint (count_stderr (announcer, "avahi-daemon is back"), ==, 1);
  g_assert_cmpuint (count_stderr (watcher, "avahi-daemon is back"), ==, 2);
}

static void
test_discovery_daemon_later (Fixture       *fixture,
                             gconstpointer  user_data)
{
  g_autofree gchar *id = NULL;
  g_autofree gchar *found = NULL;
  Proc *announcer;
  Proc *watcher;
  guint a = 0, w = 0;

  g_test_summary ("Started with no avahi-daemon, discovery keeps running, says why "
                  "once, and starts working when the daemon appears");
  if (skip_if_unable ())
    return;

  lan (fixture, "avahi-stop", "h2", NULL);
  watcher = start_node (fixture, "h2", "--watch", NULL);
  announcer = start_node (fixture, "h1", "--watch", "--name", "early", "--port", "4000", NULL);
  id = ready_id (wait_line (announcer, "ready ", &a, DISCOVERY_TIMEOUT_S));
  g_assert_nonnull (wait_line (watcher, "watching ", &w, DISCOVERY_TIMEOUT_S));

  pause_for (3);
  g_assert_cmpuint (count_stderr (watcher, "peers will not be discovered"), ==, 1);
  /* Still running. */
  g_assert_nonnull (g_subprocess_get_identifier (watcher->process));

  lan (fixture, "avahi-start", "h2", NULL);
  found = g_strdup_printf ("found %s early ", id);
  g_assert_nonnull (wait_line (watcher, found, &w, DISCOVERY_TIMEOUT_S));
  g_assert_cmpuint (count_stderr (watcher, "peers will not be discovered"), ==, 1);
}

/* Node level: ShoalNodes with mDNS on, as shoald runs them */


static void
test_node_connect (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autofree gchar *id1 = NULL;
  g_autofree gchar *id2 = NULL;
  g_autofree gchar *expect1 = NULL;
  g_autofree gchar *expect2 = NULL;
  Proc *node1;
  Proc *node2;
  gint64 started;
  gdouble elapsed;
  guint c1 = 0, c2 = 0;

  g_test_summary ("Two nodes on two hosts, each with its own avahi-daemon, find each "
                  "other over mDNS and connect with no configuration");
  if (skip_if_unable ())
    return;

  started = g_get_monotonic_time ();
  node1 = start_shoal_node (fixture, "h1", "one");
  node2 = start_shoal_node (fixture, "h2", "two");
  id1 = ready_id (wait_line (node1, "ready ", &c1, DISCOVERY_TIMEOUT_S));
  id2 = ready_id (wait_line (node2, "ready ", &c2, DISCOVERY_TIMEOUT_S));

  expect1 = g_strdup_printf ("connected %s two", id2);
  expect2 = g_strdup_printf ("connected %s one", id1);
  g_assert_cmpstr (wait_line (node1, expect1, &c1, DISCOVERY_TIMEOUT_S), ==, expect1);
  g_assert_cmpstr (wait_line (node2, expect2, &c2, DISCOVERY_TIMEOUT_S), ==, expect2);
  elapsed = (g_get_monotonic_time () - started) / (gdouble) G_USEC_PER_SEC;
  g_test_message ("time from start to connected (both ways): %.2f s", elapsed);

  /* One peer, one link: no second connection, no drop, while mDNS keeps
   * reporting more addresses. */
  pause_for (2);
  g_assert_cmpuint (count_lines (node1, "connected "), ==, 1);
  g_assert_cmpuint (count_lines (node2, "connected "), ==, 1);
  g_assert_cmpuint (count_lines (node1, "disconnected "), ==, 0);
  g_assert_cmpuint (count_lines (node2, "disconnected "), ==, 0);
}

static void
test_node_same_name (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autofree gchar *id1 = NULL;
  g_autofree gchar *id2 = NULL;
  g_autofree gchar *expect1 = NULL;
  g_autofree gchar *expect2 = NULL;
  Proc *node1;
  Proc *node2;
  guint c1 = 0, c2 = 0;

  g_test_summary ("Two nodes started under the same name connect, and both keep the "
                  "name: their instance names carry their ids and never collide");
  if (skip_if_unable ())
    return;

  node1 = start_shoal_node (fixture, "h1", "twin");
  node2 = start_shoal_node (fixture, "h2", "twin");
  id1 = ready_id (wait_line (node1, "ready ", &c1, DISCOVERY_TIMEOUT_S));
  id2 = ready_id (wait_line (node2, "ready ", &c2, DISCOVERY_TIMEOUT_S));

  expect1 = g_strdup_printf ("connected %s twin", id2);
  expect2 = g_strdup_printf ("connected %s twin", id1);
  g_assert_cmpstr (wait_line (node1, expect1, &c1, DISCOVERY_TIMEOUT_S), ==, expect1);
  g_assert_cmpstr (wait_line (node2, expect2, &c2, DISCOVERY_TIMEOUT_S), ==, expect2);
  pause_for (2);
  g_assert_cmpuint (count_lines (node1, "name ") + count_lines (node2, "name "), ==, 0);
  g_assert_true (is_connected_to (node1, id2));
  g_assert_true (is_connected_to (node2, id1));
}

static void
test_node_avahi_restart (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autofree gchar *id1 = NULL;
  g_autofree gchar *id2 = NULL;
  g_autofree gchar *found1 = NULL;
  g_autofree gchar *found2 = NULL;
  g_autofree gchar *lost1 = NULL;
  g_autofree gchar *lost2 = NULL;
  g_autofree gchar *connected1 = NULL;
  g_autofree gchar *connected2 = NULL;
  Proc *node1, *node2, *watcher1, *watcher2;
  guint c1 = 0, c2 = 0, w1 = 0, w2 = 0;
  gint64 deadline;

  g_test_summary ("avahi-daemon killed and started again on both hosts while the nodes "
                  "run: their records come back and the nodes stay connected throughout");
  if (skip_if_unable ())
    return;

  node1 = start_shoal_node (fixture, "h1", "one");
  node2 = start_shoal_node (fixture, "h2", "two");
  watcher1 = start_node (fixture, "h1", "--watch", NULL);
  watcher2 = start_node (fixture, "h2", "--watch", NULL);
  id1 = ready_id (wait_line (node1, "ready ", &c1, DISCOVERY_TIMEOUT_S));
  id2 = ready_id (wait_line (node2, "ready ", &c2, DISCOVERY_TIMEOUT_S));
  found1 = g_strdup_printf ("found %s one ", id1);
  found2 = g_strdup_printf ("found %s two ", id2);
  lost1 = g_strdup_printf ("lost %s", id1);
  lost2 = g_strdup_printf ("lost %s", id2);
  connected1 = g_strdup_printf ("connected %s ", id2);
  connected2 = g_strdup_printf ("connected %s ", id1);

  g_assert_nonnull (wait_line (node1, connected1, &c1, DISCOVERY_TIMEOUT_S));
  g_assert_nonnull (wait_line (node2, connected2, &c2, DISCOVERY_TIMEOUT_S));
  /* Each watcher sees the node across the bridge (its own host's node too). */
  g_assert_nonnull (wait_line (watcher1, found2, &w1, DISCOVERY_TIMEOUT_S));
  g_assert_nonnull (wait_line (watcher2, found1, &w2, DISCOVERY_TIMEOUT_S));

  lan (fixture, "avahi-stop", "h1", NULL);
  lan (fixture, "avahi-stop", "h2", NULL);
  pause_for (2);

  lan (fixture, "avahi-start", "h1", NULL);
  lan (fixture, "avahi-start", "h2", NULL);
  g_assert_nonnull (wait_line (watcher1, found2, &w1, DISCOVERY_TIMEOUT_S));
  g_assert_nonnull (wait_line (watcher2, found1, &w2, DISCOVERY_TIMEOUT_S));

  /* The links never dropped. (Each daemon sends goodbyes for its records
   * as it stops, which the other may pass on before it stops too: the
   * watchers may have reported the other node lost for a moment.) */
  pause_for (5);
  g_assert_cmpuint (count_lines (node1, "disconnected "), ==, 0);
  g_assert_cmpuint (count_lines (node2, "disconnected "), ==, 0);

  /* Connected afterwards: a link that survived, or one made again. */
  deadline = g_get_monotonic_time () + DISCOVERY_TIMEOUT_S * G_USEC_PER_SEC;
  while (!(is_connected_to (node1, id2) && is_connected_to (node2, id1)) &&
         g_get_monotonic_time () < deadline)
    pause_for (1);
  g_assert_true (is_connected_to (node1, id2));
  g_assert_true (is_connected_to (node2, id1));

  g_assert_cmpuint (count_stderr (node1, "avahi-daemon went away"), ==, 1);
  g_assert_cmpuint (count_stderr (node2, "avahi-daemon went away"), ==, 1);
  g_assert_cmpuint (count_stderr (node1, "avahi-daemon is back"), ==, 1);
  g_assert_cmpuint (count_stderr (node2, "avahi-daemon is back"), ==, 1);
}

static void
test_node_fast_restart (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autofree gchar *id1 = NULL;
  g_autofree gchar *id2 = NULL;
  g_autofree gchar *expect1 = NULL;
  g_autofree gchar *expect2 = NULL;
  Proc *node1;
  Proc *node2;
  guint c1 = 0, c2 = 0;

  g_test_summary ("Both nodes stopped and started again at once under the same names but "
                  "with new ids and ports, while the daemons still hold their old records, "
                  "find each other again: resolvers follow a record's new SRV and TXT");
  if (skip_if_unable ())
    return;

  node1 = start_shoal_node (fixture, "h1", "one");
  node2 = start_shoal_node (fixture, "h2", "two");
  id1 = ready_id (wait_line (node1, "ready ", &c1, DISCOVERY_TIMEOUT_S));
  id2 = ready_id (wait_line (node2, "ready ", &c2, DISCOVERY_TIMEOUT_S));
  g_assert_nonnull (wait_line (node1, "connected ", &c1, DISCOVERY_TIMEOUT_S));
  g_assert_nonnull (wait_line (node2, "connected ", &c2, DISCOVERY_TIMEOUT_S));

  proc_stop (node1);
  proc_stop (node2);
  node1 = start_shoal_node_as (fixture, "h1", "one", "second");
  node2 = start_shoal_node_as (fixture, "h2", "two", "second");
  c1 = c2 = 0;
  g_clear_pointer (&id1, g_free);
  g_clear_pointer (&id2, g_free);
  id1 = ready_id (wait_line (node1, "ready ", &c1, DISCOVERY_TIMEOUT_S));
  id2 = ready_id (wait_line (node2, "ready ", &c2, DISCOVERY_TIMEOUT_S));

  expect1 = g_strdup_printf ("connected %s two", id2);
  expect2 = g_strdup_printf ("connected %s one", id1);
  g_assert_cmpstr (wait_line (node1, expect1, &c1, DISCOVERY_TIMEOUT_S), ==, expect1);
  g_assert_cmpstr (wait_line (node2, expect2, &c2, DISCOVERY_TIMEOUT_S), ==, expect2);
}

static void
test_node_static_beside_mdns (Fixture       *fixture,
                              gconstpointer  user_data)
{
  g_autofree gchar *id_a = NULL;
  g_autofree gchar *id_b = NULL;
  g_autofree gchar *id_c = NULL;
  g_autofree gchar *expect_a = NULL;
  g_autofree gchar *expect_c = NULL;
  g_autofree gchar *state_c = g_build_filename (g_get_user_state_dir (), "h2", "quiet", NULL);
  Proc *node_a, *node_b, *node_c;
  guint ca = 0, cb = 0, cc = 0;

  g_test_summary ("A node finds one peer over mDNS and another, which does not announce "
                  "itself, through a static address, at the same time; peer exchange then "
                  "links the other two");
  if (skip_if_unable ())
    return;

  g_assert_cmpint (g_mkdir_with_parents (state_c, 0700), ==, 0);
  node_c = start_node (fixture, "h2", "--name", "quiet", "--state-dir", state_c,
                       "--port", "4100", "--no-mdns", NULL);
  id_c = ready_id (wait_line (node_c, "ready ", &cc, DISCOVERY_TIMEOUT_S));

  node_a = start_shoal_node (fixture, "h1", "loud");
  id_a = ready_id (wait_line (node_a, "ready ", &ca, DISCOVERY_TIMEOUT_S));
  {
    g_autofree gchar *state_b = g_build_filename (g_get_user_state_dir (), "h2", "both", NULL);

    g_assert_cmpint (g_mkdir_with_parents (state_b, 0700), ==, 0);
    node_b = start_node (fixture, "h2", "--name", "both", "--state-dir", state_b,
                         "--peer", "192.0.2.2:4100", NULL);
  }
  id_b = ready_id (wait_line (node_b, "ready ", &cb, DISCOVERY_TIMEOUT_S));

  expect_a = g_strdup_printf ("connected %s loud", id_a);
  expect_c = g_strdup_printf ("connected %s quiet", id_c);
  g_assert_nonnull (wait_line (node_b, expect_a, &cb, DISCOVERY_TIMEOUT_S));
  cb = 0;
  g_assert_nonnull (wait_line (node_b, expect_c, &cb, DISCOVERY_TIMEOUT_S));

  /* The quiet node is nobody's over mDNS, but the node linked to both
   * tells the loud one of it (peer exchange): all three end up linked to
   * each other, each link once. */
  ca = 0;
  g_assert_nonnull (wait_line (node_a, expect_c, &ca, DISCOVERY_TIMEOUT_S));
  pause_for (2);
  g_assert_cmpuint (count_lines (node_a, "connected "), ==, 2);
  g_assert_cmpuint (count_lines (node_c, "connected "), ==, 2);
}

static void
test_node_no_avahi (Fixture       *fixture,
                    gconstpointer  user_data)
{
  Proc *node;
  guint c = 0;

  g_test_summary ("With no avahi-daemon on its host a node still runs, and its log "
                  "says why mDNS discovery is idle, once");
  if (skip_if_unable ())
    return;

  lan (fixture, "avahi-stop", "h1", NULL);
  node = start_shoal_node (fixture, "h1", "alone");
  g_assert_nonnull (wait_line (node, "ready ", &c, DISCOVERY_TIMEOUT_S));

  pause_for (3);
  g_assert_nonnull (g_subprocess_get_identifier (node->process));
  g_assert_cmpuint (count_stderr (node, "peers will not be discovered"), ==, 1);
  g_assert_cmpuint (count_stderr (node, "Start avahi-daemon, or name peers by address"), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  shoal_test_mdns_init ("shav", "/tmp/shoal-test-avahi");

  g_test_add ("/avahi/discovery/found-and-lost", Fixture, NULL,
              fixture_set_up, test_discovery_found_and_lost, fixture_tear_down);
  g_test_add ("/avahi/discovery/every-address", Fixture, NULL,
              fixture_set_up, test_discovery_every_address, fixture_tear_down);
  g_test_add ("/avahi/discovery/same-name", Fixture, NULL,
              fixture_set_up, test_discovery_same_name, fixture_tear_down);
  g_test_add ("/avahi/discovery/avahi-restart", Fixture, NULL,
              fixture_set_up, test_discovery_restart, fixture_tear_down);
  g_test_add ("/avahi/discovery/avahi-later", Fixture, NULL,
              fixture_set_up, test_discovery_daemon_later, fixture_tear_down);

  g_test_add ("/avahi/node/connect", Fixture, NULL,
              fixture_set_up, test_node_connect, fixture_tear_down);
  g_test_add ("/avahi/node/same-name", Fixture, NULL,
              fixture_set_up, test_node_same_name, fixture_tear_down);
  g_test_add ("/avahi/node/avahi-restart", Fixture, NULL,
              fixture_set_up, test_node_avahi_restart, fixture_tear_down);
  g_test_add ("/avahi/node/fast-restart", Fixture, NULL,
              fixture_set_up, test_node_fast_restart, fixture_tear_down);
  g_test_add ("/avahi/node/static-beside-mdns", Fixture, NULL,
              fixture_set_up, test_node_static_beside_mdns, fixture_tear_down);
  g_test_add ("/avahi/node/no-avahi", Fixture, NULL,
              fixture_set_up, test_node_no_avahi, fixture_tear_down);

  return g_test_run ();
}
