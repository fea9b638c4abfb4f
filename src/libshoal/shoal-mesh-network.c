/* shoal-mesh-network.c: what the mesh does when the machine's network changes
 *
 * An interface that comes up, or an address that changes, is the moment a
 * lost peer may be reachable again: waiting for the backoff to find that out
 * would add seconds to an outage the machine already knows is over
 * (PROTOCOL.md section 11.3).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define G_LOG_DOMAIN "Shoal"

#include "config.h"

#include "shoal-mesh-private.h"

/**
 * shoal_mesh_network_changed:
 * @self: a #ShoalMesh
 *
 * The machine's interfaces or addresses changed: every peer or configured
 * address without a link is dialled again now, its backoff forgotten, and
 * every link checks its path at once.
 *
 * Links are not closed for it, even one whose local address went away: an
 * interface that goes down and up again within the heartbeat timeout keeps
 * its address and its TCP connections. A link whose path is broken finds
 * so within moments of the check's PING going unanswered, and gets a fresh
 * link beside it (section 11.3); one whose path is truly gone falls silent
 * and gives way to the heartbeat.
 */
void
shoal_mesh_network_changed (ShoalMesh *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (SHOAL_IS_MESH (self));

  if (!self->open)
    return;

  shoal_mesh_paths_check_names (self);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PeerEntry *entry = value;

      if (entry->link != NULL)
        shoal_link_check_path (entry->link);
      if (entry->link != NULL || shoal_dialer_is_dialling (entry->dialer))
        continue;
      shoal_dialer_succeeded (entry->dialer);
      shoal_mesh_maybe_dial_entry (self, entry, 0);
    }

  g_hash_table_iter_init (&iter, self->targets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Target *target = value;

      if (target->peer_id != NULL || shoal_dialer_is_dialling (target->dialer))
        continue;
      shoal_dialer_succeeded (target->dialer);
      shoal_mesh_maybe_dial_target (self, target);
    }
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    gpointer         user_data)
{
  g_debug ("The network changed: redialling lost peers");
  shoal_mesh_network_changed (user_data);
}

/* From creation to close: the mesh hears of network changes. */
void
shoal_mesh_watch_network (ShoalMesh *self)
{
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  self->network_changed_id = g_signal_connect (self->monitor, "network-changed",
                                               G_CALLBACK (network_changed_cb), self);
}

void
shoal_mesh_unwatch_network (ShoalMesh *self)
{
  if (self->monitor == NULL)
    return;
  g_clear_signal_handler (&self->network_changed_id, self->monitor);
  g_clear_object (&self->monitor);
}
