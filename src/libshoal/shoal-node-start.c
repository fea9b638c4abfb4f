/* shoal-node-start.c: starting and stopping a node
 *
 * Starting takes the state directory (its lock, the key, the trust store),
 * binds the listener and sets the mesh and discovery going; stopping undoes
 * it, gracefully with goodbyes that cross before the mesh closes, or at
 * once. Between the two the node is running, and everything else it does
 * depends on which of the two it is.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-credentials.h"
#include "shoal-discovery-avahi.h"
#include "shoal-error.h"
#include "shoal-frame.h"
#include "shoal-identity.h"
#include "shoal-mesh.h"
#include "shoal-node-private.h"
#include "shoal-state-lock.h"
#include "shoal-trust.h"

/* The key, its id and who may join: everything the state directory holds. */
static gboolean
load_identity_and_trust (ShoalNode  *self,
                         GError    **error)
{
  g_autoptr(ShoalStateLock) state_lock = NULL;
  g_autoptr(ShoalCredentials) credentials = NULL;
  g_autoptr(ShoalTrust) trust = NULL;

  if (self->trust_policy == SHOAL_TRUST_POLICY_NETWORK_KEY && self->network_key == NULL)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                           _("The network-key trust policy needs a network key; make one with "
                             "“shoal key generate” and give the same one to every node"));
      return FALSE;
    }
  if (self->trust_policy != SHOAL_TRUST_POLICY_NETWORK_KEY && self->network_key != NULL)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                           _("A network key is set but the trust policy is not network-key"));
      return FALSE;
    }

  /* Every link is TLS: without a backend the node could reach no one. */
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_FAILED,
                           _("GIO has no TLS support, which every link needs; install "
                             "glib-networking"));
      return FALSE;
    }

  /* Before the key is read or made: two nodes starting at once on an empty
   * directory would otherwise make two keys. */
  state_lock = shoal_state_lock_acquire (self->state_dir, error);
  if (state_lock == NULL)
    return FALSE;

  credentials = shoal_credentials_load_or_create (self->state_dir, error);
  if (credentials == NULL)
    return FALSE;

  trust = shoal_trust_new (self->state_dir, self->trust_policy);
  shoal_trust_set_network_key (trust, self->network_key);
  if (!shoal_trust_load (trust, error))
    return FALSE;

  self->state_lock = g_steal_pointer (&state_lock);
  g_set_object (&self->credentials, credentials);
  g_set_object (&self->trust, trust);
  return TRUE;
}

/**
 * shoal_node_start:
 * @self: a #ShoalNode
 * @error: return location for a #GError
 *
 * Takes the state directory, loads (or creates) the node's identity, starts
 * listening and starts every discovery backend: from here on the node dials
 * the peers it finds and accepts those that dial it. The state directory
 * stays locked to this node until it stops: one key is one node.
 *
 * Returns: %TRUE on success; %FALSE with %SHOAL_ERROR_STATE_DIRECTORY if the
 *   state directory is unusable or another running node (in this process or
 *   another) uses it, or a #GIOError such as %G_IO_ERROR_ADDRESS_IN_USE if
 *   the port cannot be bound
 */
gboolean
shoal_node_start (ShoalNode  *self,
                  GError    **error)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  g_return_val_if_fail (!self->running, FALSE);
  g_return_val_if_fail (self->mesh == NULL, FALSE);

  if (!shoal_hello_name_is_valid (self->name))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("“%s” cannot be a node name: it must be 1 to %d bytes of UTF-8 "
                     "without control characters"),
                   self->name, SHOAL_NAME_MAX_BYTES);
      return FALSE;
    }

  if (!load_identity_and_trust (self, error))
    return FALSE;

  if (!shoal_node_listen (self, error))
    {
      g_clear_pointer (&self->state_lock, shoal_state_lock_release);
      return FALSE;
    }

  g_free (self->id);
  self->id = g_strdup (shoal_credentials_get_id (self->credentials));
  g_free (self->session_id);
  self->session_id = shoal_identity_new_random_id ();

  shoal_node_create_mesh (self);

  if (self->mdns && self->avahi == NULL)
    {
      self->avahi = SHOAL_DISCOVERY (shoal_discovery_avahi_new ());
      shoal_node_add_discovery (self, self->avahi);
    }

  self->cancellable = g_cancellable_new ();
  self->running = TRUE;
  shoal_node_accept_next (self);

  shoal_node_apply_interfaces (self);
  for (guint i = 0; i < self->discoveries->len; i++)
    shoal_discovery_start (g_ptr_array_index (self->discoveries, i),
                           self->id, self->session_id, self->name, self->port);

  g_message ("Node %s (%s) listening on port %u", self->id, self->name, self->port);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_ID]);
  g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_SESSION_ID]);
  g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_FINGERPRINT]);
  g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_RUNNING]);
  g_object_thaw_notify (G_OBJECT (self));

  return TRUE;
}

/* Stops accepting and finding: the mesh is left to the caller. */
static void
stop_sources (ShoalNode *self)
{
  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->listener != NULL)
    g_socket_listener_close (self->listener);
  g_clear_object (&self->listener);
}

/* Taking discovery down talks to avahi-daemon, call after call: after the
 * goodbyes are out, so that peers do not wait on it to see this node go. */
static void
stop_discoveries (ShoalNode *self)
{
  for (guint i = 0; i < self->discoveries->len; i++)
    shoal_discovery_stop (g_ptr_array_index (self->discoveries, i));
}

static void
mesh_closed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  ShoalNode *self = g_task_get_source_object (task);

  shoal_mesh_close_finish (SHOAL_MESH (source), result, NULL);
  /* A synchronous stop may have come first. */
  if (self->mesh == SHOAL_MESH (source))
    {
      stop_discoveries (self);
      shoal_node_clear_mesh (self);
      g_clear_pointer (&self->state_lock, shoal_state_lock_release);
      g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_RUNNING]);
    }
  g_task_return_boolean (task, TRUE);
}

/**
 * shoal_node_stop_async:
 * @self: a #ShoalNode
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (nullable): called when the node has stopped
 * @user_data: for @callback
 *
 * Stops the node gracefully: it says goodbye on every link, so its peers see
 * it leave at once, waits (a second at most) for the goodbyes to cross, and
 * then forgets every peer and lets go of the state directory.
 */
void
shoal_node_stop_async (ShoalNode           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SHOAL_IS_NODE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_node_stop_async);

  if (!self->running)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  stop_sources (self);
  shoal_mesh_close_async (self->mesh, NULL, mesh_closed_cb, g_steal_pointer (&task));
}

/**
 * shoal_node_stop_finish:
 * @self: a #ShoalNode
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes shoal_node_stop_async().
 *
 * Returns: %TRUE once stopped
 */
gboolean
shoal_node_stop_finish (ShoalNode     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == shoal_node_stop_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * shoal_node_stop:
 * @self: a #ShoalNode
 *
 * Stops the node at once: a goodbye is written on every link where the
 * socket takes it without waiting, every link is closed and the state
 * directory is free for another node. Prefer
 * shoal_node_stop_async(), which waits for the goodbyes to cross.
 */
void
shoal_node_stop (ShoalNode *self)
{
  g_autoptr(ShoalMesh) mesh = NULL;

  g_return_if_fail (SHOAL_IS_NODE (self));

  if (self->mesh == NULL)
    return;

  if (self->running)
    stop_sources (self);
  stop_discoveries (self);

  /* Nothing waits for acks here: what is not acknowledged has failed. */
  shoal_mesh_fail_everything (self->mesh, "node stopped");

  /* Closing completes a pending graceful stop too, whose callback must
   * find the mesh already cleared. */
  mesh = g_object_ref (self->mesh);
  shoal_node_clear_mesh (self);
  shoal_mesh_close (mesh);
  g_clear_pointer (&self->state_lock, shoal_state_lock_release);
  g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_RUNNING]);
}
