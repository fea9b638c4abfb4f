/* shoal-address-cache.h: addresses that worked, kept in the state directory (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* At most this many peers, each with this many addresses, each kept this
 * long after it last worked. */
#define SHOAL_ADDRESS_CACHE_MAX_PEERS 64
#define SHOAL_ADDRESS_CACHE_MAX_ADDRESSES 4
#define SHOAL_ADDRESS_CACHE_MAX_AGE_S (7 * 24 * 3600)

/* The file's name in the state directory. */
#define SHOAL_ADDRESS_CACHE_FILE "addresses"

#define SHOAL_TYPE_ADDRESS_CACHE (shoal_address_cache_get_type ())
G_DECLARE_FINAL_TYPE (ShoalAddressCache, shoal_address_cache, SHOAL, ADDRESS_CACHE, GObject)

ShoalAddressCache *shoal_address_cache_new     (const gchar        *path);
void               shoal_address_cache_add     (ShoalAddressCache  *self,
                                                const gchar        *peer_id,
                                                GInetSocketAddress *address,
                                                gint64              now_s);
GPtrArray         *shoal_address_cache_peers   (ShoalAddressCache  *self);
GPtrArray         *shoal_address_cache_lookup  (ShoalAddressCache  *self,
                                                const gchar        *peer_id);

G_END_DECLS
