/* test-avahi-clones.c: machines cloned from one image, on a namespace LAN
 *
 * Every host's avahi-daemon takes the same host name (tools/lan up
 * --clones), as machines booted from one image do, and the daemons fight
 * over it for a long time. Shoal does not wait for them: its records carry
 * a host name of its own, so it announces, browses and resolves in every
 * state of the Avahi client. These tests time the mesh that forms.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gio.h>

#include "shoal-test-mdns.h"

/* What issue 12 asks of cloned machines. */
#define FULL_MESH_S 10

static const gchar * const four_clones[] = { "4", "--clones", "--no-avahi", NULL };
static const gchar * const eight_clones[] = { "8", "--clones", "--no-avahi", NULL };

/* Starts a node on each of h1..h@n; fills @ids. */
static GPtrArray *
start_nodes (Fixture *fixture,
             guint    n,
             GStrv   *ids)
{
  GPtrArray *nodes = g_ptr_array_new ();
  GStrvBuilder *builder = g_strv_builder_new ();

  for (guint i = 1; i <= n; i++)
    {
      g_autofree gchar *host = g_strdup_printf ("h%u", i);
      g_autofree gchar *name = g_strdup_printf ("clone%u", i);

      g_ptr_array_add (nodes, start_shoal_node (fixture, host, name));
    }
  for (guint i = 0; i < n; i++)
    {
      guint cursor = 0;
      const gchar *line = wait_line (nodes->pdata[i], "ready ", &cursor, 15);
      g_autofree gchar *id = NULL;

      g_assert_nonnull (line);
      id = ready_id (line);
      g_strv_builder_add (builder, id);
    }
  *ids = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return nodes;
}

static gboolean
full_mesh (GPtrArray *nodes,
           GStrv      ids)
{
  for (guint i = 0; i < nodes->len; i++)
    for (guint j = 0; j < nodes->len; j++)
      if (i != j && !is_connected_to (nodes->pdata[i], ids[j]))
        return FALSE;
  return TRUE;
}

/* Seconds until every node is connected to every other, or -1 after
 * @timeout_s. *@settled: how many avahi-daemons had established their host
 * name by then. */
static gdouble
wait_full_mesh (GPtrArray *nodes,
                GStrv      ids,
                guint      timeout_s,
                guint     *settled)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + timeout_s * G_USEC_PER_SEC;

  while (!full_mesh (nodes, ids))
    {
      if (g_get_monotonic_time () > deadline)
        {
          for (guint i = 0; i < nodes->len; i++)
            proc_dump (nodes->pdata[i]);
          return -1;
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20 * 1000);
    }
  if (settled != NULL)
    *settled = shoal_test_mdns_daemons_settled (nodes->len);
  return (g_get_monotonic_time () - start) / (gdouble) G_USEC_PER_SEC;
}

static void
start_daemon (Fixture *fixture,
              guint    i)
{
  g_autofree gchar *host = g_strdup_printf ("h%u", i);

  lan (fixture, "avahi-start", host, "--no-wait", NULL);
}

static void
test_boot_together (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(GPtrArray) nodes = NULL;
  g_auto(GStrv) ids = NULL;
  gdouble elapsed;
  guint settled = 0;

  g_test_summary ("Four machines with one host name boot together: their avahi-daemons "
                  "start at once and fight over the name, and their nodes form a full mesh "
                  "within 10 s all the same, before Avahi has settled the names");
  if (skip_if_unable ())
    return;

  nodes = start_nodes (fixture, 4, &ids);
  for (guint i = 1; i <= 4; i++)
    start_daemon (fixture, i);

  elapsed = wait_full_mesh (nodes, ids, FULL_MESH_S, &settled);
  g_test_message ("4 clones booted together: full mesh %.2f s after the last daemon started, "
                  "%u of 4 daemons past their host-name conflicts then", elapsed, settled);
  g_assert_cmpfloat (elapsed, >=, 0);
  /* Formed while Avahi was still in conflict: nobody waited for it. */
  g_assert_cmpuint (settled, <, 4);
}

static void
test_daemons_in_turn (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(GPtrArray) nodes = NULL;
  g_auto(GStrv) ids = NULL;
  gdouble elapsed;
  guint settled = 0;

  g_test_summary ("Eight machines with one host name whose avahi-daemons start one after "
                  "another, each while the ones before still probe the name: a full mesh "
                  "within 10 s of the last daemon, before Avahi has settled the names");
  if (skip_if_unable ())
    return;

  nodes = start_nodes (fixture, 8, &ids);
  for (guint i = 1; i <= 8; i++)
    {
      start_daemon (fixture, i);
      g_usleep (G_USEC_PER_SEC / 2);
    }

  elapsed = wait_full_mesh (nodes, ids, FULL_MESH_S, &settled);
  g_test_message ("8 clones, daemons 0.5 s apart: full mesh %.2f s after the last daemon "
                  "started, %u of 8 daemons past their host-name conflicts then",
                  elapsed, settled);
  g_assert_cmpfloat (elapsed, >=, 0);
  g_assert_cmpuint (settled, <, 8);
}

static void
test_avahi_restart (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(GPtrArray) nodes = NULL;
  g_auto(GStrv) ids = NULL;
  gdouble elapsed;

  g_test_summary ("In a mesh of four clones, one host's avahi-daemon is restarted (into "
                  "another round of host-name conflicts): no link drops, and the mesh is "
                  "still whole afterwards");
  if (skip_if_unable ())
    return;

  nodes = start_nodes (fixture, 4, &ids);
  for (guint i = 1; i <= 4; i++)
    start_daemon (fixture, i);
  g_assert_cmpfloat (wait_full_mesh (nodes, ids, FULL_MESH_S, NULL), >=, 0);

  lan (fixture, "avahi-stop", "h2", NULL);
  pause_for (2);
  start_daemon (fixture, 2);
  pause_for (5);

  elapsed = wait_full_mesh (nodes, ids, FULL_MESH_S, NULL);
  g_assert_cmpfloat (elapsed, >=, 0);
  for (guint i = 0; i < nodes->len; i++)
    {
      g_assert_cmpuint (count_lines (nodes->pdata[i], "disconnected "), ==, 0);
      g_assert_cmpuint (count_lines (nodes->pdata[i], "connected "), ==, 3);
    }
  g_assert_cmpuint (count_stderr (nodes->pdata[1], "avahi-daemon went away"), ==, 1);
  g_assert_cmpuint (count_stderr (nodes->pdata[1], "avahi-daemon is back"), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  shoal_test_mdns_init ("shcl", "/tmp/shoal-test-clones");

  g_test_add ("/avahi/clones/boot-together", Fixture, four_clones,
              fixture_set_up, test_boot_together, fixture_tear_down);
  g_test_add ("/avahi/clones/daemons-in-turn", Fixture, eight_clones,
              fixture_set_up, test_daemons_in_turn, fixture_tear_down);
  g_test_add ("/avahi/clones/avahi-restart", Fixture, four_clones,
              fixture_set_up, test_avahi_restart, fixture_tear_down);

  return g_test_run ();
}
