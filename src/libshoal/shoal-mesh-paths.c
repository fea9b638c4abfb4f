/* shoal-mesh-paths.c: which interfaces the mesh uses, and the path of each link
 *
 * A peer's path is where its current link runs: the local interface and
 * both ends' addresses, read from the link's socket whenever the link
 * changes (one that replaced another after an address change included).
 *
 * The `interfaces` and `exclude-interfaces` settings keep the node off
 * interfaces a person does not want it on. mDNS honours them by itself
 * (shoal-discovery-avahi.c announces and listens only there); here, a
 * connection that arrives over an interface the settings exclude is closed
 * before TLS, so that a peer that learnt an address there some other way
 * (peer exchange, its address cache) links up over an allowed path instead.
 * Loopback is never excluded: it reaches no other machine. Links this node
 * dials are left to the routing table: their addresses came from an allowed
 * interface's mDNS, from a person (static peers, Connect), or from a peer.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define G_LOG_DOMAIN "Shoal"

#include "config.h"

#include <net/if.h>

#include <glib/gi18n-lib.h>

#include "shoal-interfaces.h"
#include "shoal-link.h"
#include "shoal-mesh-private.h"
#include "shoal-peer-private.h"

struct _ShoalMeshPaths
{
  GStrv       only;       /* (owned) (nullable) */
  GStrv       excluded;   /* (owned) (nullable) */
  GHashTable *said;       /* (owned) patterns said to match no interface */
};

void
shoal_mesh_paths_free (ShoalMeshPaths *paths)
{
  g_strfreev (paths->only);
  g_strfreev (paths->excluded);
  g_hash_table_unref (paths->said);
  g_free (paths);
}

static gboolean
restricted (ShoalMesh *self)
{
  return self->paths != NULL &&
         ((self->paths->only != NULL && self->paths->only[0] != NULL) ||
          (self->paths->excluded != NULL && self->paths->excluded[0] != NULL));
}

static void
check_patterns (ShoalMeshPaths *paths,
                GPtrArray      *interfaces,
                GStrv           patterns)
{
  for (guint i = 0; patterns != NULL && patterns[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < interfaces->len && !found; j++)
        found = g_pattern_match_simple (patterns[i],
                                        ((ShoalInterface *) g_ptr_array_index (interfaces, j))->name);
      if (found || g_hash_table_contains (paths->said, patterns[i]))
        continue;
      /* Interfaces come and go (a USB adapter, a VPN): not an error, but
       * worth a line once, in case of a typing mistake. */
      g_hash_table_add (paths->said, g_strdup (patterns[i]));
      g_message (_("No network interface that is up matches “%s” (interfaces or "
                   "exclude-interfaces) for now"), patterns[i]);
    }
}

/**
 * shoal_mesh_paths_check_names:
 * @self: a #ShoalMesh
 *
 * Says, once for each, which names of the interface settings match no
 * interface that is up.
 */
void
shoal_mesh_paths_check_names (ShoalMesh *self)
{
  g_autoptr(GPtrArray) interfaces = NULL;

  if (!restricted (self))
    return;
  interfaces = shoal_interfaces_list ();
  check_patterns (self->paths, interfaces, self->paths->only);
  check_patterns (self->paths, interfaces, self->paths->excluded);
}

/**
 * shoal_mesh_set_interfaces:
 * @self: a #ShoalMesh
 * @only: (nullable) (array zero-terminated=1): if not empty, the only
 *   interfaces to accept links on (names or shell patterns)
 * @excluded: (nullable) (array zero-terminated=1): interfaces never to
 *   accept links on
 *
 * Sets which interfaces inbound links may arrive on, loopback aside.
 */
void
shoal_mesh_set_interfaces (ShoalMesh           *self,
                           const gchar * const *only,
                           const gchar * const *excluded)
{
  g_return_if_fail (SHOAL_IS_MESH (self));

  g_clear_pointer (&self->paths, shoal_mesh_paths_free);
  self->paths = g_new0 (ShoalMeshPaths, 1);
  self->paths->only = g_strdupv ((gchar **) only);
  self->paths->excluded = g_strdupv ((gchar **) excluded);
  self->paths->said = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  shoal_mesh_paths_check_names (self);
}

static guint32
scope_of (GInetSocketAddress *address)
{
  GInetAddress *host = g_inet_socket_address_get_address (address);

  return g_inet_address_get_family (host) == G_SOCKET_FAMILY_IPV6 ?
         g_inet_socket_address_get_scope_id (address) : 0;
}

/* The name of the interface that has @address, "" if none has it now. */
static gchar *
interface_of (GInetSocketAddress *address)
{
  g_autoptr(GPtrArray) interfaces = NULL;
  const ShoalInterface *interface;
  guint32 scope_id = scope_of (address);
  gchar name[IF_NAMESIZE] = { 0, };

  /* A link-local address may be on several interfaces: its scope says which. */
  if (scope_id != 0 && if_indextoname (scope_id, name) != NULL)
    return g_strdup (name);

  interfaces = shoal_interfaces_list ();
  interface = shoal_interfaces_find_address (interfaces, g_inet_socket_address_get_address (address));
  return g_strdup (interface != NULL ? interface->name : "");
}

/* @address as it is written, an IPv4 peer seen through a dual-stack socket
 * as IPv4. */
static GInetSocketAddress *
unmapped (GSocketAddress *address)
{
  GInetSocketAddress *inet;
  g_autoptr(GInetAddress) host = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  inet = G_INET_SOCKET_ADDRESS (address);
  host = shoal_inet_address_unmap (g_inet_socket_address_get_address (inet));
  return G_INET_SOCKET_ADDRESS (g_object_new (G_TYPE_INET_SOCKET_ADDRESS,
                                              "address", host,
                                              "port", g_inet_socket_address_get_port (inet),
                                              "scope-id", scope_of (inet),
                                              NULL));
}

/**
 * shoal_mesh_paths_update:
 * @entry: a peer
 *
 * Sets the peer's path from its current link, or clears it when it has
 * none. While a duplicate link's replacement is awaited the peer still
 * counts as connected, and keeps the path it had.
 */
void
shoal_mesh_paths_update (PeerEntry *entry)
{
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GInetSocketAddress) local_inet = NULL;
  g_autoptr(GInetSocketAddress) remote_inet = NULL;
  g_autofree gchar *interface = NULL;
  g_autofree gchar *local_text = NULL;
  g_autofree gchar *remote_text = NULL;

  if (entry->link == NULL)
    {
      if (entry->relink_source == NULL)
        shoal_peer_set_path (entry->peer, NULL, NULL, NULL);
      return;
    }

  local = shoal_link_get_local_address (entry->link);
  local_inet = unmapped (local);
  remote_inet = unmapped (G_SOCKET_ADDRESS (shoal_link_get_remote_address (entry->link)));
  if (local_inet != NULL)
    {
      interface = interface_of (local_inet);
      local_text = shoal_socket_address_to_string (local_inet);
    }
  if (remote_inet != NULL)
    remote_text = shoal_socket_address_to_string (remote_inet);
  shoal_peer_set_path (entry->peer, interface, local_text, remote_text);
}

/**
 * shoal_mesh_paths_refuse_inbound:
 * @self: a #ShoalMesh
 * @connection: a connection that just arrived
 *
 * Closes @connection, and says why, if it arrived over an interface the
 * settings exclude.
 *
 * Returns: whether @connection was refused
 */
gboolean
shoal_mesh_paths_refuse_inbound (ShoalMesh         *self,
                                 GSocketConnection *connection)
{
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GInetSocketAddress) local_inet = NULL;
  g_autoptr(GInetSocketAddress) remote_inet = NULL;
  g_autofree gchar *interface = NULL;
  g_autofree gchar *from = NULL;

  if (!restricted (self))
    return FALSE;

  local = g_socket_connection_get_local_address (connection, NULL);
  local_inet = unmapped (local);
  if (local_inet == NULL ||
      g_inet_address_get_is_loopback (g_inet_socket_address_get_address (local_inet)))
    return FALSE;
  interface = interface_of (local_inet);
  /* An address no interface has any more: the connection goes nowhere. */
  if (*interface == '\0' ||
      shoal_interface_name_is_allowed (interface, (const gchar * const *) self->paths->only,
                                       (const gchar * const *) self->paths->excluded))
    return FALSE;

  remote = g_socket_connection_get_remote_address (connection, NULL);
  remote_inet = unmapped (remote);
  from = remote_inet != NULL ? shoal_socket_address_to_string (remote_inet) : g_strdup ("?");
  g_message (_("Refusing a connection from %s: it arrived on interface %s, which the "
               "interfaces or exclude-interfaces setting leaves out"), from, interface);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}
