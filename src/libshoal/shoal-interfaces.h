/* shoal-interfaces.h: the machine's network interfaces, as mDNS sees them (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  gchar     *name;       /* (owned) */
  gboolean   loopback;
  gboolean   multicast;
  GPtrArray *addresses;  /* (owned) (element-type GInetAddress) */
} ShoalInterface;

GPtrArray *shoal_interfaces_list          (void);
gboolean   shoal_interface_is_usable      (const ShoalInterface *interface);
gboolean   shoal_interfaces_any_usable    (GPtrArray            *interfaces);
gboolean   shoal_interfaces_have_address  (GPtrArray            *interfaces,
                                           GInetAddress         *address);
GInetAddress *shoal_inet_address_unmap    (GInetAddress         *address);
const ShoalInterface *shoal_interfaces_find_address (GPtrArray    *interfaces,
                                                     GInetAddress *address);
gboolean   shoal_interface_pattern_is_valid (const gchar         *pattern);
gboolean   shoal_interface_name_is_allowed  (const gchar         *name,
                                             const gchar * const *only,
                                             const gchar * const *excluded);

G_END_DECLS
