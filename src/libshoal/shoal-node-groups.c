/* shoal-node-groups.c: the groups a node is in, and messages to a group
 *
 * A group is a name that nodes join and leave; a message sent to a group
 * reaches the peers that are in it. A node tells its peers its groups when
 * each link comes up and on every change, so that each node knows every
 * peer's groups without asking and sends a group message only to the
 * members (doc/PROTOCOL.md, section 9a). The node keeps its own groups,
 * also while it is stopped: those it joins before it starts are in its
 * first hellos.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "shoal-error.h"
#include "shoal-frame.h"
#include "shoal-node-private.h"

void
shoal_node_groups_class_init (ShoalNodeClass *klass)
{
  /**
   * ShoalNode:groups:
   *
   * The groups this node is in, sorted byte-wise (as strcmp() orders
   * them); empty at first. Changed by shoal_node_join() and
   * shoal_node_leave(), which notify it.
   */
  shoal_node_props[SHOAL_NODE_PROP_GROUPS] =
    g_param_spec_boxed ("groups", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ShoalNode::peer-joined-group:
   * @self: the node
   * @peer: the peer
   * @group: the group it joined
   *
   * A peer is in a group it was not in before, as far as this node knew:
   * it joined it, or a link to it came up and its hello lists the group
   * (so a newcomer's groups are reported as soon as it links up).
   * #ShoalPeer:groups has changed when this is emitted.
   */
  shoal_node_signals[SHOAL_NODE_SIGNAL_PEER_JOINED_GROUP] =
    g_signal_new ("peer-joined-group", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, SHOAL_TYPE_PEER, G_TYPE_STRING);

  /**
   * ShoalNode::peer-left-group:
   * @self: the node
   * @peer: the peer
   * @group: the group it left
   *
   * A peer left a group, or came back on a new link whose hello no longer
   * lists it. A peer that goes out of reach keeps its groups as it last
   * said them.
   */
  shoal_node_signals[SHOAL_NODE_SIGNAL_PEER_LEFT_GROUP] =
    g_signal_new ("peer-left-group", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, SHOAL_TYPE_PEER, G_TYPE_STRING);
}

/**
 * shoal_group_name_is_valid:
 * @name: (nullable): a group name
 *
 * A group name is 1 to 255 bytes of UTF-8. Names are compared byte for
 * byte: "Kitchen" and "kitchen" are two groups.
 *
 * Returns: whether @name can name a group
 */
gboolean
shoal_group_name_is_valid (const gchar *name)
{
  return name != NULL && shoal_frame_group_name_is_valid (name, strlen (name));
}

static gboolean
check_name (const gchar  *group,
            GError      **error)
{
  if (shoal_group_name_is_valid (group))
    return TRUE;

  if (group != NULL && g_utf8_validate (group, -1, NULL))
    g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                 _("“%s” is not a group name: a group name is 1 to %u bytes of UTF-8"),
                 group, SHOAL_GROUP_NAME_MAX_BYTES);
  else
    g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                 _("A group name is 1 to %u bytes of UTF-8"), SHOAL_GROUP_NAME_MAX_BYTES);
  return FALSE;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

static void
groups_changed (ShoalNode   *self,
                GPtrArray   *names,
                const gchar *changed,
                gboolean     joined)
{
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  g_strfreev (self->groups);
  self->groups = (GStrv) g_ptr_array_steal (names, NULL);

  g_debug ("This node %s group “%s”", joined ? "joined" : "left", changed);
  if (self->mesh != NULL)
    shoal_mesh_set_groups (self->mesh, (const gchar * const *) self->groups, changed, joined);
  g_object_notify_by_pspec (G_OBJECT (self), shoal_node_props[SHOAL_NODE_PROP_GROUPS]);
}

/**
 * shoal_node_join:
 * @self: a #ShoalNode
 * @group: the group's name
 * @error: return location for a #GError
 *
 * Joins @group: from now on peers send this node the messages they send to
 * @group. Every linked peer is told at once, and every peer that links up
 * later learns it in the handshake. The node may join before it starts, and
 * stays in its groups across shoal_node_stop() and a new start; it keeps
 * them nowhere on disk. Joining a group the node is in already does
 * nothing.
 *
 * Returns: %TRUE if the node is in @group; %FALSE with
 *   %SHOAL_ERROR_INVALID_ARGUMENT if @group is not a valid name
 *   (shoal_group_name_is_valid()) or the node is in 256 groups already
 */
gboolean
shoal_node_join (ShoalNode    *self,
                 const gchar  *group,
                 GError      **error)
{
  g_autoptr(GPtrArray) names = NULL;
  guint n;

  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_name (group, error))
    return FALSE;
  if (g_strv_contains ((const gchar * const *) self->groups, group))
    return TRUE;

  n = g_strv_length (self->groups);
  if (n >= SHOAL_GROUPS_MAX)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("This node is in %u groups already, the most it may be in; leave one "
                     "first"), n);
      return FALSE;
    }

  names = g_ptr_array_new_full (n + 2, g_free);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (names, g_strdup (self->groups[i]));
  g_ptr_array_add (names, g_strdup (group));
  groups_changed (self, names, group, TRUE);
  return TRUE;
}

/**
 * shoal_node_leave:
 * @self: a #ShoalNode
 * @group: the group's name
 * @error: return location for a #GError
 *
 * Leaves @group: every linked peer is told at once, and stops sending this
 * node what it sends to @group. A message a peer sent to the group before
 * it learnt that this node left still arrives. Leaving a group the node is
 * not in does nothing.
 *
 * Returns: %TRUE if the node is not in @group now; %FALSE with
 *   %SHOAL_ERROR_INVALID_ARGUMENT if @group is not a valid name
 */
gboolean
shoal_node_leave (ShoalNode    *self,
                  const gchar  *group,
                  GError      **error)
{
  g_autoptr(GPtrArray) names = NULL;

  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_name (group, error))
    return FALSE;
  if (!g_strv_contains ((const gchar * const *) self->groups, group))
    return TRUE;

  names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; self->groups[i] != NULL; i++)
    if (strcmp (self->groups[i], group) != 0)
      g_ptr_array_add (names, g_strdup (self->groups[i]));
  groups_changed (self, names, group, FALSE);
  return TRUE;
}

/**
 * shoal_node_get_groups:
 * @self: a #ShoalNode
 *
 * Gets the groups this node is in (#ShoalNode:groups).
 *
 * Returns: (transfer none) (array zero-terminated=1): the groups, sorted
 */
const gchar * const *
shoal_node_get_groups (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);

  return (const gchar * const *) self->groups;
}

/**
 * shoal_node_send_to_group:
 * @self: a #ShoalNode
 * @group: the group's name
 * @payload: the message; one copy of it is shared by every recipient
 * @recipients: (out) (optional) (transfer container) (element-type ShoalPeer):
 *   the peers it was queued for
 * @error: return location for a #GError
 *
 * Queues a message for every peer that is in @group, as this node knows
 * the peers' groups now, and that shoal_node_send() would take a message
 * for (connected, or out of reach for less than #ShoalNode:delivery-timeout:
 * it gets the message once it is back), and has room for it; this node need
 * not be in @group. Each recipient gets it as shoal_node_send() would send it,
 * in order with everything else sent to it, and sees
 * shoal_node_get_message_group() return @group while its
 * #ShoalNode::message-received runs. For each recipient it ends in one
 * #ShoalNode::message-delivered or #ShoalNode::message-failed with the id
 * returned here, the same for all. A group with no member reachable is not
 * an error: the message goes to nobody.
 *
 * Returns: the message's id, never 0; or 0 with
 *   %SHOAL_ERROR_INVALID_ARGUMENT (not a group name),
 *   %SHOAL_ERROR_MESSAGE_TOO_LARGE or %SHOAL_ERROR_NOT_RUNNING
 */
guint64
shoal_node_send_to_group (ShoalNode    *self,
                          const gchar  *group,
                          GBytes       *payload,
                          GPtrArray   **recipients,
                          GError      **error)
{
  g_autoptr(GPtrArray) queued = NULL;
  guint64 id;

  g_return_val_if_fail (SHOAL_IS_NODE (self), 0);
  g_return_val_if_fail (payload != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (recipients != NULL)
    *recipients = NULL;
  /* A group with members has a valid name: each member's was judged when
   * it said so, and the mesh finds the members by it. Only a name without
   * members needs judging, which a run of messages to one group would
   * otherwise pay for with each: here when there is no mesh to ask, and
   * below when the mesh found nobody. */
  if ((group == NULL || self->mesh == NULL || !shoal_node_is_running (self)) &&
      !check_name (group, error))
    return 0;
  if (g_bytes_get_size (payload) > SHOAL_NODE_MAX_MESSAGE_SIZE)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MESSAGE_TOO_LARGE,
                   _("A message may carry at most %u bytes"), SHOAL_NODE_MAX_MESSAGE_SIZE);
      return 0;
    }
  if (!shoal_node_is_running (self))
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_NOT_RUNNING,
                           _("The node is not running"));
      return 0;
    }

  queued = g_ptr_array_new_with_free_func (g_object_unref);
  id = shoal_mesh_send_to_group (self->mesh, group, payload, queued);
  if (id == 0)
    {
      if (!check_name (group, error))
        return 0;
      /* To nobody, which is no error: the message still has an id. */
      id = shoal_mesh_take_message_id (self->mesh);
    }
  for (guint i = 0; i < queued->len; i++)
    g_object_ref (g_ptr_array_index (queued, i));
  if (recipients != NULL)
    *recipients = g_steal_pointer (&queued);
  return id;
}

/**
 * shoal_node_get_message_group:
 * @self: a #ShoalNode
 *
 * Says which group the message being handed to #ShoalNode::message-received
 * was sent to. Call it from a handler of that signal: the signal's
 * arguments stayed as they were before groups, so that handlers written
 * for them keep working.
 *
 * Returns: (nullable): the group the message was sent to with
 *   shoal_node_send_to_group(), or %NULL for a message sent to this node
 *   alone or to every peer, and outside #ShoalNode::message-received
 */
const gchar *
shoal_node_get_message_group (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);

  return self->message_group;
}
