/* shoal-test-nodes.c: nodes on loopback, and a main loop to run them
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-discovery-static.h"
#include "shoal-test-nodes.h"

/**
 * shoal_test_node_start:
 * @name: the node's name
 * @state_dir: its state directory
 * @port: its port on 127.0.0.1, 0 for any
 *
 * Returns: (transfer full): an open node on loopback, started, without mDNS
 */
ShoalNode *
shoal_test_node_start (const gchar *name,
                       const gchar *state_dir,
                       guint16      port)
{
  g_autoptr(GError) error = NULL;
  ShoalNode *node = shoal_node_new (name, port, state_dir);

  shoal_node_set_listen_address (node, "127.0.0.1");
  shoal_node_set_mdns (node, FALSE);
  shoal_node_start (node, &error);
  g_assert_no_error (error);
  return node;
}

/* Makes @node dial 127.0.0.1:@port, and redial it for as long as it runs. */
void
shoal_test_node_dial (ShoalNode *node,
                      guint16    port)
{
  g_autoptr(ShoalDiscoveryStatic) discovery = shoal_discovery_static_new ();
  g_autofree gchar *where = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr(GError) error = NULL;

  shoal_discovery_static_add_peer (discovery, where, &error);
  g_assert_no_error (error);
  shoal_node_add_discovery (node, SHOAL_DISCOVERY (discovery));
}

/* Whether @node has a live link to @other. */
gboolean
shoal_test_node_sees (ShoalNode *node,
                      ShoalNode *other)
{
  ShoalPeer *peer = shoal_node_lookup_peer (node, shoal_node_get_id (other));

  return peer != NULL && shoal_peer_get_connected (peer);
}

/* Runs the main loop until @condition holds, or @timeout_ms pass (FALSE). */
gboolean
shoal_test_nodes_wait (ShoalTestNodesCondition condition,
                       gpointer                data,
                       guint                   timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (100);
    }
  return TRUE;
}

/* Runs the main loop for @ms, for what must not happen meanwhile. */
void
shoal_test_nodes_run (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (100);
    }
}
