/* shoald-control.c: Connect and Disconnect on org.shoal.Shoal1
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The node does the work (shoal_node_connect_async(), shoal_node_disconnect());
 * this only answers the calls. Connect answers once the peer is linked, so
 * the peer's object is exported by then (PeerConnected, or an earlier link).
 */

#include "config.h"

#include "shoal-error.h"
#include "shoald-control.h"
#include "shoald-invocation.h"
#include "shoald-peer-skeleton.h"
#include "shoald-service.h"

typedef struct {
  ShoalDbusService      *service;     /* (owned) */
  GDBusMethodInvocation *invocation;  /* (owned) */
} ConnectCall;

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ConnectCall *call = user_data;
  g_autoptr(ShoalPeer) peer = NULL;
  g_autoptr(GError) error = NULL;

  peer = shoal_node_connect_finish (SHOAL_NODE (source), result, &error);
  if (peer == NULL)
    {
      shoald_invocation_return_error (call->invocation, error);
    }
  else
    {
      g_autofree gchar *path = shoald_peer_skeleton_path_for_id (shoal_peer_get_id (peer));

      shoal_dbus_service_complete_connect (call->service, call->invocation, path);
    }

  g_object_unref (call->invocation);
  g_object_unref (call->service);
  g_free (call);
}

static gboolean
handle_connect (ShoalDbusService      *object,
                GDBusMethodInvocation *invocation,
                const gchar           *address)
{
  ConnectCall *call = g_new0 (ConnectCall, 1);

  call->service = g_object_ref (object);
  call->invocation = g_object_ref (invocation);
  /* The node checks the address and says which form it expects. */
  shoal_node_connect_async (shoald_service_get_node (SHOALD_SERVICE (object)), address, NULL,
                            connected_cb, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_disconnect (ShoalDbusService      *object,
                   GDBusMethodInvocation *invocation,
                   const gchar           *peer_id)
{
  g_autoptr(GError) error = NULL;

  if (!shoal_node_disconnect (shoald_service_get_node (SHOALD_SERVICE (object)), peer_id, &error))
    shoald_invocation_return_error (invocation, error);
  else
    shoal_dbus_service_complete_disconnect (object, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

void
shoald_control_iface_init (ShoalDbusServiceIface *iface)
{
  iface->handle_connect = handle_connect;
  iface->handle_disconnect = handle_disconnect;
}
