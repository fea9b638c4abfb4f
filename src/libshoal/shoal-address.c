/* shoal-address.c: which addresses a hint may make a node dial
 *
 * Every hint to dial (an mDNS record, a configured peer, a peer exchange
 * entry, the address cache) passes this one rule before the mesh dials it,
 * since what the network says is a stranger's word: it must not steer a
 * node at itself, at a group of machines or at nothing.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-address.h"
#include "shoal-interfaces.h"

/**
 * shoal_address_is_dialable:
 * @address: where a hint says to dial
 * @from_this_host: whether the hint comes from this machine (its own
 *   configuration, its address cache, or a peer exchange over a link from
 *   this very machine), the only place where a loopback address means a
 *   node and not a trap
 * @out_why: (out) (optional) (transfer none): why not, for the debug log
 *
 * The rule: port 0, an unspecified address (`0.0.0.0`, `::`, or anything in
 * `0.0.0.0/8`), a multicast address and the IPv4 broadcast address
 * `255.255.255.255` are never dialled; a loopback address (`127.0.0.0/8`,
 * `::1`) only when the hint comes from this host. IPv4-mapped IPv6 addresses
 * are judged as the IPv4 address they carry.
 *
 * Returns: whether @address may be dialled
 */
gboolean
shoal_address_is_dialable (GInetSocketAddress  *address,
                           gboolean             from_this_host,
                           const gchar        **out_why)
{
  g_autoptr(GInetAddress) inet = NULL;
  const gchar *why = NULL;

  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), FALSE);

  inet = shoal_inet_address_unmap (g_inet_socket_address_get_address (address));

  if (g_inet_socket_address_get_port (address) == 0)
    why = "port 0";
  else if (g_inet_address_get_is_any (inet))
    why = "an unspecified address";
  else if (g_inet_address_get_is_multicast (inet))
    why = "a multicast address";
  else if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV4)
    {
      const guint8 *bytes = g_inet_address_to_bytes (inet);

      if (bytes[0] == 0)
        why = "an unspecified address";
      else if (bytes[0] == 255 && bytes[1] == 255 && bytes[2] == 255 && bytes[3] == 255)
        why = "the broadcast address";
    }

  if (why == NULL && !from_this_host && g_inet_address_get_is_loopback (inet))
    why = "a loopback address from another host";

  if (out_why != NULL)
    *out_why = why;
  return why == NULL;
}
