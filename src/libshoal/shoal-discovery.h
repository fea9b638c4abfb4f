/* shoal-discovery.h: where peers come from
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_DISCOVERY (shoal_discovery_get_type ())
G_DECLARE_INTERFACE (ShoalDiscovery, shoal_discovery, SHOAL, DISCOVERY, GObject)

/**
 * ShoalDiscoveryInterface:
 * @g_iface: the parent interface
 * @start: begin finding peers (and, for backends that can, announcing this
 *   node as @id / @session_id / @name on @port). Called once, in the node's
 *   main context; the backend emits its signals in that context.
 * @stop: stop finding and announcing; no signal is emitted after it returns.
 *
 * A source of peers. Discovery knows nothing of links: it reports what it
 * sees, and the node decides whom to dial.
 *
 * A backend reports each remote instance under a @key of its own choosing,
 * stable for as long as the instance is visible. It emits
 * #ShoalDiscovery::peer-found when the instance appears and again whenever
 * what it knows of it (addresses, name, id) changes, and
 * #ShoalDiscovery::peer-lost when it is gone. A backend never reports the
 * node's own announcement.
 */
struct _ShoalDiscoveryInterface
{
  GTypeInterface g_iface;

  void (*start) (ShoalDiscovery *self,
                 const gchar    *id,
                 const gchar    *session_id,
                 const gchar    *name,
                 guint16         port);
  void (*stop)  (ShoalDiscovery *self);
};

void shoal_discovery_start            (ShoalDiscovery *self,
                                       const gchar    *id,
                                       const gchar    *session_id,
                                       const gchar    *name,
                                       guint16         port);
void shoal_discovery_stop             (ShoalDiscovery *self);

void shoal_discovery_emit_peer_found  (ShoalDiscovery *self,
                                       const gchar    *key,
                                       const gchar    *peer_id,
                                       const gchar    *name,
                                       GPtrArray      *addresses);
void shoal_discovery_emit_peer_lost   (ShoalDiscovery *self,
                                       const gchar    *key);
void shoal_discovery_emit_name_changed (ShoalDiscovery *self,
                                        const gchar    *name);

G_END_DECLS
