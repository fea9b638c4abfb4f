/* shoal-node-control.c: the half of ShoalNode's API that links and drops
 * peers at a person's word
 *
 * shoal_node_connect_async() dials an address and returns the peer once it
 * is linked; shoal_node_disconnect() drops a peer and keeps it dropped,
 * across restarts, until a connect names it again. The mesh does the work
 * (shoal-mesh-control.c); the choices live in the state directory
 * (shoal-holds.c).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-error.h"
#include "shoal-holds.h"
#include "shoal-node-private.h"

/* Called as the mesh is made at start: it lists the held peers. */
void
shoal_node_load_holds (ShoalNode *self)
{
  g_autoptr(ShoalHolds) holds = shoal_holds_new (self->state_dir);

  shoal_holds_load (holds);
  shoal_mesh_set_holds (self->mesh, g_steal_pointer (&holds));
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  ShoalPeer *peer;

  peer = shoal_mesh_connect_finish (SHOAL_MESH (source), result, &error);
  if (peer == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, peer, g_object_unref);
}

/**
 * shoal_node_connect_async:
 * @self: a running #ShoalNode
 * @address: where the peer listens: "HOST", "HOST:PORT", "V4:PORT",
 *   "[V6]:PORT" or "[V6%SCOPE]:PORT" (a link-local address with its
 *   interface); HOST alone means this node's own port, as in a mesh whose
 *   nodes all listen on one fixed port
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the peer is linked, or cannot be
 * @user_data: data for @callback
 *
 * Dials @address and links up with the peer there, as discovery would have:
 * TLS proves its id, the trust policy decides, and the peer is connected
 * before @callback runs. If this node already has a link to that peer, the
 * peer is returned as it is. A peer dropped with shoal_node_disconnect(),
 * here or on its side, is linked again and no longer held.
 */
void
shoal_node_connect_async (ShoalNode           *self,
                          const gchar         *address,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SHOAL_IS_NODE (self));
  g_return_if_fail (address != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_node_connect_async);

  if (!shoal_node_get_running (self) || self->mesh == NULL)
    {
      g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_NOT_RUNNING,
                               _("The node is not running"));
      return;
    }

  shoal_mesh_connect_async (self->mesh, address, self->port, cancellable, connected_cb,
                            g_steal_pointer (&task));
}

/**
 * shoal_node_connect_finish:
 * @self: a #ShoalNode
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes shoal_node_connect_async().
 *
 * Returns: (transfer full): the linked peer, or %NULL with
 *   %SHOAL_ERROR_INVALID_ARGUMENT (not an address),
 *   %SHOAL_ERROR_UNKNOWN_HOST (the host does not resolve),
 *   %SHOAL_ERROR_CONNECT_FAILED (refused, timed out, TLS failed, not a Shoal
 *   node, itself…: the message says which), %SHOAL_ERROR_NOT_TRUSTED (the
 *   trust policy here or there keeps the peer out), %SHOAL_ERROR_NOT_RUNNING
 *   or %G_IO_ERROR_CANCELLED
 */
ShoalPeer *
shoal_node_connect_finish (ShoalNode     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == shoal_node_connect_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * shoal_node_disconnect:
 * @self: a running #ShoalNode
 * @peer_id: a known peer
 * @error: return location for a #GError
 *
 * Drops @peer_id: its link closes with a goodbye that tells the peer not to
 * dial this node again, and this node does not dial it on its own either
 * (whatever discovery, configured peers or any other hint say) until
 * shoal_node_connect_async() reaches it, here or on its side. The choice is
 * written to the state directory first and holds across restarts; the peer
 * stays listed in state %SHOAL_PEER_STATE_DISCONNECTED, and
 * #ShoalNode::peer-disconnected says "disconnected" on both sides.
 *
 * Returns: %TRUE if done; %FALSE with %SHOAL_ERROR_INVALID_PEER_ID,
 *   %SHOAL_ERROR_UNKNOWN_PEER, %SHOAL_ERROR_NOT_RUNNING or
 *   %SHOAL_ERROR_STATE_DIRECTORY (nothing was changed)
 */
gboolean
shoal_node_disconnect (ShoalNode    *self,
                       const gchar  *peer_id,
                       GError      **error)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!shoal_peer_id_is_valid (peer_id))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_PEER_ID,
                   _("“%s” is not a peer id (32 lowercase hex characters)"),
                   peer_id != NULL ? peer_id : "");
      return FALSE;
    }

  if (!shoal_node_get_running (self) || self->mesh == NULL)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_NOT_RUNNING,
                           _("The node is not running"));
      return FALSE;
    }

  return shoal_mesh_disconnect (self->mesh, peer_id, error);
}
