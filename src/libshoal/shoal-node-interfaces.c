/* shoal-node-interfaces.c: which network interfaces a node uses
 *
 * The node keeps the settings and hands them, at each start, to the mesh
 * (which refuses links that arrive elsewhere) and to every Avahi discovery
 * (which announces and browses only there).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define G_LOG_DOMAIN "Shoal"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-discovery-avahi.h"
#include "shoal-error.h"
#include "shoal-interfaces.h"
#include "shoal-node-private.h"

static gboolean
check_patterns (const gchar * const  *patterns,
                GError              **error)
{
  for (guint i = 0; patterns != NULL && patterns[i] != NULL; i++)
    if (!shoal_interface_pattern_is_valid (patterns[i]))
      {
        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                     _("Invalid interface name “%s”: expected 1 to 15 bytes without “/”, “:” "
                       "or spaces, “*” and “?” as wildcards"), patterns[i]);
        return FALSE;
      }
  return TRUE;
}

/**
 * shoal_node_set_interfaces:
 * @self: a #ShoalNode
 * @interfaces: (nullable) (array zero-terminated=1): if not empty, the only
 *   interfaces to use
 * @excluded: (nullable) (array zero-terminated=1): interfaces never to use
 * @error: return location for a #ShoalError
 *
 * Chooses the network interfaces the node uses; takes effect at the next
 * start. By default (both empty) it uses every interface that is up, loopback
 * aside for mDNS. Each entry is an interface name (`eth0`) or a shell pattern
 * (`veth*`); an interface that both lists match is excluded. A name that
 * matches no interface is no error (interfaces come and go); the node says
 * so once.
 *
 * The node then announces itself and browses over mDNS only on the allowed
 * interfaces, and refuses a connection that arrives on another one before
 * TLS. Loopback is never excluded, and the peers this node dials (static
 * peers, shoal_node_connect_async(), addresses peers tell of) are dialled
 * wherever the routing table says.
 *
 * Returns: %TRUE, or %FALSE with %SHOAL_ERROR_INVALID_ARGUMENT if an entry
 *   cannot name an interface
 */
gboolean
shoal_node_set_interfaces (ShoalNode           *self,
                           const gchar * const *interfaces,
                           const gchar * const *excluded,
                           GError             **error)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_patterns (interfaces, error) || !check_patterns (excluded, error))
    return FALSE;

  g_strfreev (self->interfaces);
  self->interfaces = g_strdupv ((gchar **) interfaces);
  g_strfreev (self->excluded_interfaces);
  self->excluded_interfaces = g_strdupv ((gchar **) excluded);
  return TRUE;
}

/**
 * shoal_node_get_interfaces:
 * @self: a #ShoalNode
 *
 * Gets the interfaces the node is limited to (shoal_node_set_interfaces()).
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the names
 *   or patterns, %NULL or empty for no limit
 */
const gchar * const *
shoal_node_get_interfaces (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  return (const gchar * const *) self->interfaces;
}

/**
 * shoal_node_get_excluded_interfaces:
 * @self: a #ShoalNode
 *
 * Gets the interfaces the node never uses (shoal_node_set_interfaces()).
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the names
 *   or patterns
 */
const gchar * const *
shoal_node_get_excluded_interfaces (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  return (const gchar * const *) self->excluded_interfaces;
}

void
shoal_node_apply_interfaces (ShoalNode *self)
{
  const gchar * const *only = (const gchar * const *) self->interfaces;
  const gchar * const *excluded = (const gchar * const *) self->excluded_interfaces;

  if (self->mesh != NULL)
    shoal_mesh_set_interfaces (self->mesh, only, excluded);
  for (guint i = 0; i < self->discoveries->len; i++)
    {
      ShoalDiscovery *discovery = g_ptr_array_index (self->discoveries, i);

      if (SHOAL_IS_DISCOVERY_AVAHI (discovery))
        shoal_discovery_avahi_set_interfaces (SHOAL_DISCOVERY_AVAHI (discovery), only, excluded);
    }
}
