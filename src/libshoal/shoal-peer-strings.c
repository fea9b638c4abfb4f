/* shoal-peer-strings.c: how a peer's state and addresses are written
 *
 * What the daemon and the command line show for a peer, kept apart from
 * the ShoalPeer type itself.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <net/if.h>

#include "shoal-peer-private.h"

/**
 * shoal_peer_state_to_string:
 * @state: a #ShoalPeerState
 *
 * Names a peer state, as the daemon's D-Bus API and the `shoal` command show
 * it.
 *
 * Returns: the state's name as scripts see it: "discovered", "connecting",
 *   "connected", "lost", "pending" or "disconnected"
 */
const gchar *
shoal_peer_state_to_string (ShoalPeerState state)
{
  switch (state)
    {
    case SHOAL_PEER_STATE_DISCOVERED:
      return "discovered";
    case SHOAL_PEER_STATE_CONNECTING:
      return "connecting";
    case SHOAL_PEER_STATE_CONNECTED:
      return "connected";
    case SHOAL_PEER_STATE_LOST:
      return "lost";
    case SHOAL_PEER_STATE_PENDING:
      return "pending";
    case SHOAL_PEER_STATE_DISCONNECTED:
      return "disconnected";
    default:
      return "unknown";
    }
}

gchar *
shoal_socket_address_to_string (GInetSocketAddress *address)
{
  GInetAddress *inet = g_inet_socket_address_get_address (address);
  guint16 port = g_inet_socket_address_get_port (address);
  g_autofree gchar *host = g_inet_address_to_string (inet);

  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    {
      guint32 scope_id = g_inet_socket_address_get_scope_id (address);
      gchar ifname[IF_NAMESIZE] = { 0, };

      if (scope_id != 0 && if_indextoname (scope_id, ifname) != NULL)
        return g_strdup_printf ("[%s%%%s]:%u", host, ifname, port);
      if (scope_id != 0)
        return g_strdup_printf ("[%s%%%u]:%u", host, scope_id, port);
      return g_strdup_printf ("[%s]:%u", host, port);
    }

  return g_strdup_printf ("%s:%u", host, port);
}
