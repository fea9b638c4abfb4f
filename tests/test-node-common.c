/* test-node-common.c: the fixture and mesh helpers the node tests share
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-discovery-static.h"
#include "shoal-node-private.h"
#include "shoal-test-log.h"
#include "shoal-test-nodes.h"
#include "shoal-test-scratch.h"
#include "test-node.h"

/* Fixture */

void
node_fixture_setup (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("shoal-node-XXXXXX", &error);
  g_assert_no_error (error);
  shoal_test_log_clear ();
}

void
node_fixture_teardown (Fixture       *f,
                       gconstpointer  data)
{
  for (guint i = 0; i < f->n_nodes; i++)
    {
      if (f->nodes[i] != NULL)
        shoal_node_stop (f->nodes[i]);
      g_clear_object (&f->nodes[i]);
    }

  /* Let cancelled operations report back before the next test. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  shoal_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
}

ShoalNode *
node_new_node (Fixture     *f,
               const gchar *name,
               guint        interval_ms,
               guint        timeout_ms)
{
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, name, NULL);
  ShoalNode *node = shoal_node_new (name, 0, state_dir);

  shoal_node_set_listen_address (node, "127.0.0.1");
  shoal_node_set_mdns (node, FALSE);
  if (interval_ms != 0)
    shoal_node_set_heartbeat (node, interval_ms, timeout_ms);

  return node;
}

void
node_start_node (ShoalNode *node)
{
  g_autoptr(GError) error = NULL;

  shoal_node_start (node, &error);
  g_assert_no_error (error);
}

/* Makes @node dial each of @targets. */
void
node_add_static_peers (ShoalNode  *node,
                       ShoalNode **targets,
                       guint       n_targets)
{
  g_autoptr(ShoalDiscoveryStatic) discovery = shoal_discovery_static_new ();

  for (guint i = 0; i < n_targets; i++)
    {
      g_autofree gchar *where = g_strdup_printf ("127.0.0.1:%u", shoal_node_get_port (targets[i]));
      g_autoptr(GError) error = NULL;

      shoal_discovery_static_add_peer (discovery, where, &error);
      g_assert_no_error (error);
    }

  shoal_node_add_discovery (node, SHOAL_DISCOVERY (discovery));
}

guint
node_count_connected (ShoalNode *node)
{
  GListModel *peers = shoal_node_get_peers (node);
  guint connected = 0;

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(ShoalPeer) peer = g_list_model_get_item (peers, i);

      if (shoal_peer_get_connected (peer))
        connected++;
    }

  return connected;
}

gboolean
node_mesh_complete (gpointer data)
{
  Fixture *f = data;

  for (guint i = 0; i < f->n_nodes; i++)
    if (node_count_connected (f->nodes[i]) != f->n_nodes - 1 ||
        shoal_node_count_links (f->nodes[i], FALSE) != f->n_nodes - 1)
      return FALSE;

  return TRUE;
}

/* Starts @n nodes, each told of all the others, and waits for the mesh. */
void
node_form_mesh (Fixture *f,
                guint    n,
                guint    interval_ms,
                guint    timeout_ms)
{
  f->n_nodes = n;
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("node%u", i);

      f->nodes[i] = node_new_node (f, name, interval_ms, timeout_ms);
      node_start_node (f->nodes[i]);
    }

  for (guint i = 0; i < n; i++)
    {
      ShoalNode *others[MAX_NODES];
      guint n_others = 0;

      for (guint j = 0; j < n; j++)
        if (j != i)
          others[n_others++] = f->nodes[j];
      node_add_static_peers (f->nodes[i], others, n_others);
    }

  g_assert_true (shoal_test_nodes_wait (node_mesh_complete, f, 10000));
}

void
node_count_disconnect_cb (ShoalNode   *node,
                          ShoalPeer   *peer,
                          const gchar *reason,
                          gpointer     user_data)
{
  Fixture *f = user_data;

  f->disconnects++;
  if (g_str_has_prefix (reason, "timeout"))
    f->timeouts++;
}

/* Counts messages into the guint at @user_data. */
void
node_count_message_cb (ShoalNode *node,
                       ShoalPeer *peer,
                       GBytes    *payload,
                       gboolean   broadcast,
                       gpointer   user_data)
{
  (*(guint *) user_data)++;
}
