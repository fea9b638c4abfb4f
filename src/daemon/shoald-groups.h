/* shoald-groups.h: shoald's groups on the bus and in the state directory
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-dbus-generated.h"
#include "shoal-node.h"

G_BEGIN_DECLS

#define SHOALD_GROUPS_FILE "groups.ini"

gboolean shoald_groups_restore          (ShoalNode             *node,
                                         const gchar * const   *configured,
                                         GError               **error);
gboolean shoald_groups_handle_join      (ShoalNode             *node,
                                         ShoalDbusService      *object,
                                         GDBusMethodInvocation *invocation,
                                         const gchar           *name);
gboolean shoald_groups_handle_leave     (ShoalNode             *node,
                                         ShoalDbusService      *object,
                                         GDBusMethodInvocation *invocation,
                                         const gchar           *name);
gboolean shoald_groups_handle_send      (ShoalNode             *node,
                                         ShoalDbusService      *object,
                                         GDBusMethodInvocation *invocation,
                                         const gchar           *name,
                                         GVariant              *payload);
void     shoald_groups_watch            (ShoalNode             *node,
                                         ShoalDbusService      *object);

G_END_DECLS
