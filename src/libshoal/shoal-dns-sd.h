/* shoal-dns-sd.h: what a Shoal DNS-SD record says (private)
 *
 * The parts of mDNS discovery that need no avahi-daemon: the TXT record a
 * node announces and how a browser reads it back, and how the addresses of a
 * peer's records become one ordered list. doc/PROTOCOL.md (Discovery) is the
 * normative description of the TXT keys.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include <avahi-common/address.h>
#include <avahi-common/strlst.h>

G_BEGIN_DECLS

/* The TXT protocol version this node speaks; see doc/PROTOCOL.md. */
#define SHOAL_TXT_PROTO_VERSION 1

/* TXT record */

AvahiStringList    *shoal_dns_sd_txt_build                 (const gchar         *id,
                                                            const gchar         *session_id,
                                                            guint16              port);
gchar              *shoal_dns_sd_txt_lookup                (AvahiStringList     *txt,
                                                            const gchar         *key);
gboolean            shoal_dns_sd_txt_parse                 (AvahiStringList     *txt,
                                                            const gchar         *service_name,
                                                            gchar              **out_id,
                                                            gchar              **out_session_id);

/* Addresses */

GInetSocketAddress *shoal_dns_sd_socket_address_from_avahi (const AvahiAddress  *address,
                                                            AvahiIfIndex         interface,
                                                            guint16              port);
gint                shoal_dns_sd_address_rank              (GInetSocketAddress  *address);
gint                shoal_dns_sd_compare_addresses         (gconstpointer        a,
                                                            gconstpointer        b);
gchar              *shoal_dns_sd_addresses_merge           (GPtrArray           *addresses);

G_END_DECLS
