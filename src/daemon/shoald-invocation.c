/* shoald-invocation.c: what every D-Bus method handler of shoald shares
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-error.h"
#include "shoald-invocation.h"

/**
 * shoald_invocation_return_error:
 * @invocation: (transfer full): the call to answer
 * @error: what went wrong
 *
 * Answers @invocation with @error. A ShoalError keeps its code, and so its
 * `org.shoal.Shoal1.Error.*` name; anything else (a GIOError from a socket, say)
 * becomes org.shoal.Shoal1.Error.Failed with the same message, so that clients
 * only ever see Shoal's own error names.
 */
void
shoald_invocation_return_error (GDBusMethodInvocation *invocation,
                                const GError          *error)
{
  if (error->domain == SHOAL_ERROR)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_error_literal (invocation, SHOAL_ERROR,
                                                   SHOAL_ERROR_FAILED, error->message);
}

/**
 * shoald_send:
 * @node: the node
 * @peer_id: the receiving peer's id
 * @payload: the message
 * @error: return location for a #ShoalError
 *
 * Sends like shoal_node_send(), except that a peer the allow-list policy
 * keeps pending is refused with %SHOAL_ERROR_NOT_TRUSTED rather than
 * %SHOAL_ERROR_NOT_CONNECTED: what keeps it out is a decision for a person
 * to make, not the network, and the message says which. The check only
 * runs once the send failed, so sending costs nothing more.
 *
 * Returns: the message's id, or 0 if it was refused
 */
guint64
shoald_send (ShoalNode    *node,
             const gchar  *peer_id,
             GBytes       *payload,
             GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  ShoalPeer *peer = NULL;
  guint64 id = shoal_node_send (node, peer_id, payload, &local_error);

  if (id != 0)
    return id;

  if (g_error_matches (local_error, SHOAL_ERROR, SHOAL_ERROR_NOT_CONNECTED))
    peer = shoal_node_lookup_peer (node, peer_id);
  if (peer != NULL && shoal_peer_get_state (peer) == SHOAL_PEER_STATE_PENDING)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED,
                   _("Peer %s waits to be trusted: compare its verification code with the "
                     "one the other machine shows, then trust it with “shoal trust %s”"),
                   peer_id, peer_id);
      return 0;
    }

  g_propagate_error (error, g_steal_pointer (&local_error));
  return 0;
}
