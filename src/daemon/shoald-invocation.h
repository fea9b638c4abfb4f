/* shoald-invocation.h: what every D-Bus method handler of shoald shares
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-node.h"

G_BEGIN_DECLS

void     shoald_invocation_return_error (GDBusMethodInvocation *invocation,
                                         const GError          *error);
guint64  shoald_send                    (ShoalNode             *node,
                                         const gchar           *peer_id,
                                         GBytes                *payload,
                                         GError               **error);

G_END_DECLS
