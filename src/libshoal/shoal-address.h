/* shoal-address.h: which addresses a hint may make a node dial (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean shoal_address_is_dialable (GInetSocketAddress  *address,
                                    gboolean             from_this_host,
                                    const gchar        **out_why);

G_END_DECLS
