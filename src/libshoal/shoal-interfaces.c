/* shoal-interfaces.c: the machine's network interfaces, as mDNS sees them
 *
 * GLib lists no interfaces (GNetworkMonitor only says whether the network
 * is reachable), so this asks the kernel with getifaddrs(). An interface is
 * usable for mDNS when it is up, does multicast and is not loopback: that
 * is where avahi-daemon announces the node and hears the others (it uses
 * loopback too, but nothing beyond the machine is heard there).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "shoal-interfaces.h"

static void
interface_free (ShoalInterface *interface)
{
  g_free (interface->name);
  g_ptr_array_unref (interface->addresses);
  g_free (interface);
}

static ShoalInterface *
find_or_add (GPtrArray   *interfaces,
             const gchar *name)
{
  ShoalInterface *interface;

  for (guint i = 0; i < interfaces->len; i++)
    {
      interface = g_ptr_array_index (interfaces, i);
      if (g_str_equal (interface->name, name))
        return interface;
    }

  interface = g_new0 (ShoalInterface, 1);
  interface->name = g_strdup (name);
  interface->addresses = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (interfaces, interface);
  return interface;
}

/**
 * shoal_interfaces_list:
 *
 * Lists the interfaces that are up, in the kernel's order, each with its
 * IPv4 and IPv6 addresses.
 *
 * Returns: (transfer full) (element-type ShoalInterface): the interfaces
 *   that are up; empty if the kernel cannot be asked
 */
GPtrArray *
shoal_interfaces_list (void)
{
  GPtrArray *interfaces = g_ptr_array_new_with_free_func ((GDestroyNotify) interface_free);
  struct ifaddrs *all = NULL;

  if (getifaddrs (&all) != 0)
    return interfaces;

  for (struct ifaddrs *ifa = all; ifa != NULL; ifa = ifa->ifa_next)
    {
      ShoalInterface *interface;
      GInetAddress *address = NULL;

      if (ifa->ifa_name == NULL || !(ifa->ifa_flags & IFF_UP))
        continue;

      interface = find_or_add (interfaces, ifa->ifa_name);
      interface->loopback = (ifa->ifa_flags & IFF_LOOPBACK) != 0;
      interface->multicast = (ifa->ifa_flags & IFF_MULTICAST) != 0;

      if (ifa->ifa_addr == NULL)
        continue;
      if (ifa->ifa_addr->sa_family == AF_INET)
        address = g_inet_address_new_from_bytes (
          (const guint8 *) &((struct sockaddr_in *) ifa->ifa_addr)->sin_addr, G_SOCKET_FAMILY_IPV4);
      else if (ifa->ifa_addr->sa_family == AF_INET6)
        address = g_inet_address_new_from_bytes (
          (const guint8 *) &((struct sockaddr_in6 *) ifa->ifa_addr)->sin6_addr, G_SOCKET_FAMILY_IPV6);
      if (address != NULL)
        g_ptr_array_add (interface->addresses, address);
    }

  freeifaddrs (all);
  return interfaces;
}

/**
 * shoal_interface_is_usable:
 * @interface: an interface from shoal_interfaces_list()
 *
 * Returns: whether mDNS can reach other machines through @interface: it is
 *   up, does multicast, is not loopback and has an address
 */
gboolean
shoal_interface_is_usable (const ShoalInterface *interface)
{
  return interface->multicast && !interface->loopback && interface->addresses->len > 0;
}

/**
 * shoal_interfaces_any_usable:
 * @interfaces: (element-type ShoalInterface): from shoal_interfaces_list()
 *
 * Returns: whether any of @interfaces is usable for mDNS
 */
gboolean
shoal_interfaces_any_usable (GPtrArray *interfaces)
{
  for (guint i = 0; i < interfaces->len; i++)
    if (shoal_interface_is_usable (g_ptr_array_index (interfaces, i)))
      return TRUE;
  return FALSE;
}

/**
 * shoal_inet_address_unmap:
 * @address: an address
 *
 * A dual-stack socket shows IPv4 peers as `::ffff:a.b.c.d`.
 *
 * Returns: (transfer full): @address as IPv4 if it is IPv4-mapped, else @address
 */
GInetAddress *
shoal_inet_address_unmap (GInetAddress *address)
{
  static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  const guint8 *bytes = g_inet_address_to_bytes (address);

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6 &&
      memcmp (bytes, prefix, sizeof prefix) == 0)
    return g_inet_address_new_from_bytes (bytes + 12, G_SOCKET_FAMILY_IPV4);
  return g_object_ref (address);
}

/**
 * shoal_interfaces_have_address:
 * @interfaces: (element-type ShoalInterface): from shoal_interfaces_list()
 * @address: an address
 *
 * Returns: whether @address is one of this machine's (loopback included)
 */
gboolean
shoal_interfaces_have_address (GPtrArray    *interfaces,
                               GInetAddress *address)
{
  g_autoptr(GInetAddress) unmapped = shoal_inet_address_unmap (address);

  address = unmapped;
  if (g_inet_address_get_is_loopback (address))
    return TRUE;

  for (guint i = 0; i < interfaces->len; i++)
    {
      ShoalInterface *interface = g_ptr_array_index (interfaces, i);

      for (guint j = 0; j < interface->addresses->len; j++)
        if (g_inet_address_equal (g_ptr_array_index (interface->addresses, j), address))
          return TRUE;
    }
  return FALSE;
}

/**
 * shoal_interface_pattern_is_valid:
 * @pattern: an entry of the `interfaces` or `exclude-interfaces` setting
 *
 * An entry is an interface name as Linux allows it (1 to 15 bytes, no `/`,
 * no `:`, no white space, not `.` or `..`), or such a name with the shell
 * wildcards `*` and `?` (`veth*`).
 *
 * Returns: whether @pattern can name interfaces
 */
gboolean
shoal_interface_pattern_is_valid (const gchar *pattern)
{
  gsize length = pattern != NULL ? strlen (pattern) : 0;

  if (length == 0 || length >= IF_NAMESIZE ||
      g_str_equal (pattern, ".") || g_str_equal (pattern, ".."))
    return FALSE;
  for (const gchar *p = pattern; *p != '\0'; p++)
    if (*p == '/' || *p == ':' || g_ascii_isspace (*p) || !g_ascii_isprint (*p))
      return FALSE;
  return TRUE;
}

static gboolean
matches_any (const gchar         *name,
             const gchar * const *patterns)
{
  for (guint i = 0; patterns != NULL && patterns[i] != NULL; i++)
    if (g_pattern_match_simple (patterns[i], name))
      return TRUE;
  return FALSE;
}

/**
 * shoal_interface_name_is_allowed:
 * @name: an interface name
 * @only: (nullable) (array zero-terminated=1): the `interfaces` setting:
 *   if not empty, only interfaces it matches are allowed
 * @excluded: (nullable) (array zero-terminated=1): the
 *   `exclude-interfaces` setting: interfaces it matches never are
 *
 * Loopback is the caller's business: the settings are about the interfaces
 * that reach other machines.
 *
 * Returns: whether Shoal may use the interface @name
 */
gboolean
shoal_interface_name_is_allowed (const gchar         *name,
                                 const gchar * const *only,
                                 const gchar * const *excluded)
{
  if (matches_any (name, excluded))
    return FALSE;
  return only == NULL || only[0] == NULL || matches_any (name, only);
}

/**
 * shoal_interfaces_find_address:
 * @interfaces: (element-type ShoalInterface): from shoal_interfaces_list()
 * @address: an address of this machine
 *
 * Returns: (nullable) (transfer none): the interface that has @address
 */
const ShoalInterface *
shoal_interfaces_find_address (GPtrArray    *interfaces,
                               GInetAddress *address)
{
  g_autoptr(GInetAddress) unmapped = shoal_inet_address_unmap (address);

  for (guint i = 0; i < interfaces->len; i++)
    {
      ShoalInterface *interface = g_ptr_array_index (interfaces, i);

      for (guint j = 0; j < interface->addresses->len; j++)
        if (g_inet_address_equal (g_ptr_array_index (interface->addresses, j), unmapped))
          return interface;
    }
  return NULL;
}
