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

#include "shoal-frame.h"

G_BEGIN_DECLS

/* The highest protocol version this node speaks, as TXT says it; see
 * doc/PROTOCOL.md. */
#define SHOAL_TXT_PROTO_VERSION SHOAL_PROTOCOL_VERSION_MAX

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

/* Raw records (shoal-dns-sd-records.c) */

gchar              *shoal_dns_sd_instance_name             (const gchar         *name,
                                                            const gchar         *id);
gchar              *shoal_dns_sd_instance_label            (const gchar         *instance,
                                                            const gchar         *id);
gchar              *shoal_dns_sd_host_label                (const gchar         *id,
                                                            const gchar         *session_id);
GBytes             *shoal_dns_sd_ptr_rdata                 (const gchar         *instance,
                                                            const gchar         *rest);
GBytes             *shoal_dns_sd_srv_rdata                 (guint16              port,
                                                            const gchar         *host,
                                                            const gchar         *domain);
GBytes             *shoal_dns_sd_txt_rdata                 (AvahiStringList     *txt);

/* Addresses */

GInetSocketAddress *shoal_dns_sd_socket_address_from_avahi (const AvahiAddress  *address,
                                                            AvahiIfIndex         interface,
                                                            guint16              port);
gint                shoal_dns_sd_address_rank              (GInetSocketAddress  *address);
gint                shoal_dns_sd_compare_addresses         (gconstpointer        a,
                                                            gconstpointer        b);
gchar              *shoal_dns_sd_addresses_merge           (GPtrArray           *addresses);

G_END_DECLS
