/* shoald-service.h: a ShoalNode on the bus as org.shoal.Shoal1 and its peer objects
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-dbus-generated.h"
#include "shoal-node.h"

G_BEGIN_DECLS

#define SHOALD_BUS_NAME "org.shoal.Shoal1"
#define SHOALD_OBJECT_PATH "/org/shoal/Shoal1"

#define SHOALD_TYPE_SERVICE (shoald_service_get_type ())
G_DECLARE_FINAL_TYPE (ShoaldService, shoald_service, SHOALD, SERVICE, ShoalDbusServiceSkeleton)

ShoaldService *shoald_service_new      (ShoalNode        *node);
gboolean       shoald_service_export   (ShoaldService    *self,
                                        GDBusConnection  *connection,
                                        GError          **error);
void           shoald_service_unexport (ShoaldService    *self);
void           shoald_service_refresh  (ShoaldService    *self);
ShoalNode     *shoald_service_get_node (ShoaldService    *self);

G_END_DECLS
