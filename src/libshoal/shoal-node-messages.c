/* shoal-node-messages.c: what a node sends, and how fast it takes in
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-error.h"
#include "shoal-node-private.h"
#include "shoal-peer.h"

static gboolean
check_message (ShoalNode  *self,
               GBytes     *payload,
               GError    **error)
{
  if (g_bytes_get_size (payload) > SHOAL_NODE_MAX_MESSAGE_SIZE)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MESSAGE_TOO_LARGE,
                   _("A message may carry at most %u bytes"), SHOAL_NODE_MAX_MESSAGE_SIZE);
      return FALSE;
    }

  if (!shoal_node_is_running (self))
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_NOT_RUNNING,
                           _("The node is not running"));
      return FALSE;
    }
  return TRUE;
}

/**
 * shoal_node_send:
 * @self: a #ShoalNode
 * @peer_id: the recipient's id
 * @payload: the message; its bytes are shared, not copied
 * @error: return location for a #GError
 *
 * Queues a message for one known peer, connected now or out of reach for
 * less than #ShoalNode:delivery-timeout. Messages to one peer arrive once
 * each, in the order they were queued, across broken links and reconnections;
 * each ends in one #ShoalNode::message-delivered or #ShoalNode::message-failed
 * carrying the id returned here.
 *
 * Returns: the message's id, never 0; or 0 with %SHOAL_ERROR_INVALID_PEER_ID,
 *   %SHOAL_ERROR_MESSAGE_TOO_LARGE, %SHOAL_ERROR_NOT_RUNNING,
 *   %SHOAL_ERROR_UNKNOWN_PEER, %SHOAL_ERROR_NOT_CONNECTED (out of reach for
 *   longer than the delivery timeout) or %SHOAL_ERROR_QUEUE_FULL (too much
 *   is not acknowledged yet: retry once some is)
 */
guint64
shoal_node_send (ShoalNode    *self,
                 const gchar  *peer_id,
                 GBytes       *payload,
                 GError      **error)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), 0);
  g_return_val_if_fail (payload != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!shoal_peer_id_is_valid (peer_id))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_PEER_ID,
                   _("“%s” is not a peer id (32 lowercase hex characters)"),
                   peer_id != NULL ? peer_id : "");
      return 0;
    }

  if (!check_message (self, payload, error))
    return 0;

  return shoal_mesh_send (shoal_node_get_mesh (self), peer_id, payload, error);
}

/**
 * shoal_node_broadcast:
 * @self: a #ShoalNode
 * @payload: the message; one copy of its bytes is shared by every recipient
 * @recipients: (out) (optional) (transfer container) (element-type ShoalPeer):
 *   the peers it was queued for
 *
 * Queues a message for every connected peer that has room for it. Each
 * recipient gets it as shoal_node_send() would send it, and each ends in one
 * #ShoalNode::message-delivered or #ShoalNode::message-failed with the id
 * returned here, the same for all.
 *
 * Returns: the message's id, or 0 if the node is not running or the message
 *   is too large
 */
guint64
shoal_node_broadcast (ShoalNode  *self,
                      GBytes     *payload,
                      GPtrArray **recipients)
{
  g_autoptr(GPtrArray) queued = NULL;
  guint64 id;

  g_return_val_if_fail (SHOAL_IS_NODE (self), 0);
  g_return_val_if_fail (payload != NULL, 0);

  if (recipients != NULL)
    *recipients = NULL;
  if (!check_message (self, payload, NULL))
    return 0;

  queued = g_ptr_array_new_with_free_func (g_object_unref);
  id = shoal_mesh_broadcast (shoal_node_get_mesh (self), payload, queued);
  for (guint i = 0; i < queued->len; i++)
    g_object_ref (g_ptr_array_index (queued, i));
  if (recipients != NULL)
    *recipients = g_steal_pointer (&queued);
  return id;
}

/**
 * shoal_node_sever_links:
 * @self: a #ShoalNode
 *
 * Cuts every link as a broken network would, without a goodbye: for tests
 * of what delivery survives.
 */
void
shoal_node_sever_links (ShoalNode *self)
{
  g_return_if_fail (SHOAL_IS_NODE (self));

  if (shoal_node_get_mesh (self) != NULL)
    shoal_mesh_sever_links (shoal_node_get_mesh (self));
}

/**
 * shoal_node_stall_links:
 * @self: a #ShoalNode
 *
 * Has every link act as if it found its path stalled (PROTOCOL.md section
 * 11.3): the node dials each peer beside its link. For tests of which link
 * wins.
 */
void
shoal_node_stall_links (ShoalNode *self)
{
  g_return_if_fail (SHOAL_IS_NODE (self));

  if (shoal_node_get_mesh (self) != NULL)
    shoal_mesh_stall_links (shoal_node_get_mesh (self));
}

/**
 * shoal_node_hold_messages:
 * @self: a #ShoalNode
 *
 * Says that the consumer of #ShoalNode::message-received is behind: the
 * node stops reading its links, so that TCP slows the senders down (their
 * shoal_node_send() answers %SHOAL_ERROR_QUEUE_FULL once they have too much
 * unacknowledged) instead of this process filling its memory. Holds are
 * counted; each is ended by shoal_node_release_messages(). While held, a
 * peer counts as heard as long as its host answers on the connection, so
 * one whose network is cut is still lost within the heartbeat timeout.
 */
void
shoal_node_hold_messages (ShoalNode *self)
{
  guint *holds;

  g_return_if_fail (SHOAL_IS_NODE (self));

  holds = shoal_node_get_receive_holds (self);
  if ((*holds)++ == 0 && shoal_node_get_mesh (self) != NULL)
    shoal_mesh_set_receive_paused (shoal_node_get_mesh (self), TRUE);
}

/**
 * shoal_node_release_messages:
 * @self: a #ShoalNode
 *
 * Ends a hold taken with shoal_node_hold_messages(); when none is left, the
 * node reads its links again.
 */
void
shoal_node_release_messages (ShoalNode *self)
{
  guint *holds;

  g_return_if_fail (SHOAL_IS_NODE (self));

  holds = shoal_node_get_receive_holds (self);
  g_return_if_fail (*holds > 0);
  if (--(*holds) == 0 && shoal_node_get_mesh (self) != NULL)
    shoal_mesh_set_receive_paused (shoal_node_get_mesh (self), FALSE);
}
