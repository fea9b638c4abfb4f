/* shoal-mesh-groups.c: this node's groups, its peers' groups, and messages
 * to a group
 *
 * Every peer tells this node its groups: all of them in the hello of each
 * link, then every change as JOIN or LEAVE on that link. Only the peer's
 * current link is believed: the hello of the link that became current says
 * where the peer stood when it was sent, and the changes after it come on
 * that link in order; a link that lost to another may still carry older
 * news. The peer's groups stay as last said while it is out of reach, and
 * go with the peer when it is forgotten.
 *
 * A message to a group goes only to the peers that are in it, as this node
 * knows them when the message is sent: the mesh keeps each group's members,
 * so that sending walks them alone, not every peer; the payload is shared
 * by every recipient uncopied, as a broadcast's, and so is the name (each
 * link writes it after its own header and sequence number); each recipient
 * gets the message in its own numbered stream, with the delivery
 * guarantees of any other message (shoal-mesh-delivery.c).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-mesh-private.h"
#include "shoal-peer-private.h"

static int
compare_names (const void *a,
               const void *b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* Who is in each group, kept with every change of a peer's groups. */
static void
member_add (ShoalMesh   *self,
            const gchar *group,
            PeerEntry   *entry)
{
  GPtrArray *members;

  if (self->group_members == NULL)
    self->group_members = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                 (GDestroyNotify) shoal_group_name_release,
                                                 (GDestroyNotify) g_ptr_array_unref);
  members = g_hash_table_lookup (self->group_members, group);
  if (members == NULL)
    {
      members = g_ptr_array_new ();
      g_hash_table_insert (self->group_members, shoal_group_name_new (group), members);
    }
  g_ptr_array_add (members, entry);
}

static void
member_remove (ShoalMesh   *self,
               const gchar *group,
               PeerEntry   *entry)
{
  GPtrArray *members;

  if (self->group_members == NULL)
    return;
  members = g_hash_table_lookup (self->group_members, group);
  if (members == NULL)
    return;
  g_ptr_array_remove_fast (members, entry);
  if (members->len > 0)
    return;
  if (members == self->last_members)
    {
      self->last_group = NULL;
      self->last_members = NULL;
    }
  g_hash_table_remove (self->group_members, group);
}

/* The members of @group, and @name_out set to the table's copy of its
 * name; %NULL if it has none. */
static GPtrArray *
lookup_members (ShoalMesh    *self,
                const gchar  *group,
                const gchar **name_out)
{
  gpointer name, members;

  if (self->last_group != NULL && strcmp (self->last_group, group) == 0)
    {
      *name_out = self->last_group;
      return self->last_members;
    }
  if (self->group_members == NULL ||
      !g_hash_table_lookup_extended (self->group_members, group, &name, &members))
    return NULL;
  self->last_group = *name_out = name;
  self->last_members = members;
  return members;
}

/* The peer's groups as its property shows them: sorted byte-wise. */
static void
publish (PeerEntry *entry)
{
  g_autofree const gchar **names = NULL;
  guint n = 0;

  if (entry->groups != NULL)
    names = (const gchar **) g_hash_table_get_keys_as_array (entry->groups, &n);
  else
    names = g_new0 (const gchar *, 1);
  qsort (names, n, sizeof (gchar *), compare_names);
  shoal_peer_set_groups (entry->peer, names);
}

static void
report (ShoalMesh   *self,
        PeerEntry   *entry,
        GPtrArray   *names,
        gboolean     joined)
{
  for (guint i = 0; i < names->len; i++)
    {
      g_debug ("Peer %s %s group “%s”", shoal_peer_get_id (entry->peer),
               joined ? "joined" : "left", (const gchar *) g_ptr_array_index (names, i));
      if (self->group_func != NULL)
        self->group_func (self->group_data, entry->peer, g_ptr_array_index (names, i), joined);
    }
}

/**
 * shoal_mesh_groups_link_adopted:
 * @self: a #ShoalMesh
 * @entry: the peer, with its new current link
 *
 * The new link's hello says which groups the peer is in: what changed since
 * the peer last said is reported, left groups first.
 */
void
shoal_mesh_groups_link_adopted (ShoalMesh *self,
                                PeerEntry *entry)
{
  const ShoalHello *hello = shoal_link_get_remote_hello (entry->link);
  g_autoptr(GHashTable) old = g_steal_pointer (&entry->groups);
  g_autoptr(GPtrArray) left = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) joined = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  entry->groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; hello->groups != NULL && hello->groups[i] != NULL; i++)
    {
      g_hash_table_add (entry->groups, g_strdup (hello->groups[i]));
      if (old == NULL || !g_hash_table_contains (old, hello->groups[i]))
        {
          g_ptr_array_add (joined, g_strdup (hello->groups[i]));
          member_add (self, hello->groups[i], entry);
        }
    }
  if (old != NULL)
    {
      g_hash_table_iter_init (&iter, old);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (entry->groups, key))
          {
            g_ptr_array_add (left, g_strdup (key));
            member_remove (self, key, entry);
          }
    }

  if (left->len == 0 && joined->len == 0)
    return;
  publish (entry);
  report (self, entry, left, FALSE);
  report (self, entry, joined, TRUE);
}

/**
 * shoal_mesh_groups_changed:
 * @self: a #ShoalMesh
 * @record: the link the JOIN or LEAVE came on
 * @joined: JOIN rather than LEAVE
 * @group: a valid group name
 *
 * Takes a change of a peer's groups. Joining a group it is in, or leaving
 * one it is not in, changes nothing; a 257th group is a protocol error.
 */
void
shoal_mesh_groups_changed (ShoalMesh   *self,
                           LinkRecord  *record,
                           gboolean     joined,
                           const gchar *group)
{
  PeerEntry *entry;
  g_autoptr(GPtrArray) names = NULL;

  if (record->peer == NULL)
    return;
  entry = g_hash_table_lookup (self->entries, shoal_peer_get_id (record->peer));
  if (entry == NULL || entry->link != record->link)
    return;

  if (entry->groups == NULL)
    entry->groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (joined)
    {
      if (g_hash_table_contains (entry->groups, group))
        return;
      if (g_hash_table_size (entry->groups) >= SHOAL_GROUPS_MAX)
        {
          g_autofree gchar *reason =
            g_strdup_printf ("protocol error: join of a group beyond the limit of %u",
                             SHOAL_GROUPS_MAX);

          shoal_link_abort (record->link, SHOAL_GOODBYE_PROTOCOL_ERROR, reason);
          return;
        }
      g_hash_table_add (entry->groups, g_strdup (group));
      member_add (self, group, entry);
    }
  else if (g_hash_table_remove (entry->groups, group))
    {
      member_remove (self, group, entry);
    }
  else
    {
      return;
    }

  names = g_ptr_array_new ();
  g_ptr_array_add (names, (gpointer) group);
  publish (entry);
  report (self, entry, names, joined);
}

/**
 * shoal_mesh_groups_entry_clear:
 * @entry: a peer being forgotten
 */
void
shoal_mesh_groups_entry_clear (PeerEntry *entry)
{
  GHashTableIter iter;
  gpointer key;

  if (entry->groups == NULL)
    return;
  g_hash_table_iter_init (&iter, entry->groups);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    member_remove (entry->mesh, key, entry);
  g_clear_pointer (&entry->groups, g_hash_table_unref);
}

/**
 * shoal_mesh_set_group_func:
 * @self: a #ShoalMesh
 * @func: (nullable): called when a peer joins or leaves a group
 * @user_data: for @func
 */
void
shoal_mesh_set_group_func (ShoalMesh          *self,
                           ShoalMeshGroupFunc  func,
                           gpointer            user_data)
{
  g_return_if_fail (SHOAL_IS_MESH (self));

  self->group_func = func;
  self->group_data = user_data;
}

/**
 * shoal_mesh_set_groups:
 * @self: a #ShoalMesh
 * @groups: this node's groups, sorted, valid, at most 256
 * @changed: (nullable): the group joined or left
 * @joined: whether @changed was joined
 *
 * Hellos say @groups from now on, and every link whose hello is out is
 * told of the change.
 */
void
shoal_mesh_set_groups (ShoalMesh           *self,
                       const gchar * const *groups,
                       const gchar         *changed,
                       gboolean             joined)
{
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (SHOAL_IS_MESH (self));

  g_strfreev (self->hello.groups);
  self->hello.groups = g_strdupv ((gchar **) groups);

  if (changed == NULL)
    return;
  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    shoal_link_send_membership (key, joined ? SHOAL_FRAME_JOIN : SHOAL_FRAME_LEAVE, changed);
}

/**
 * shoal_mesh_send_to_group:
 * @self: a #ShoalMesh
 * @group: a valid group name
 * @payload: the message
 * @recipients: (element-type ShoalPeer) (transfer none): where the peers it
 *   was queued for are added
 *
 * Queues a message for every peer in @group that shoal_mesh_send() would
 * keep one for (connected, or out of reach for less than the delivery
 * timeout) and that has room for it. The payload is shared by all, as a
 * broadcast's, and so is the name: each kept message holds a reference to
 * the one in the members' table.
 *
 * Returns: the message's id, the same for every recipient; or 0, and no id
 *   taken, if no peer is in @group: then nobody vouched for its name
 */
guint64
shoal_mesh_send_to_group (ShoalMesh   *self,
                          const gchar *group,
                          GBytes      *payload,
                          GPtrArray   *recipients)
{
  const gchar *name = NULL;
  GPtrArray *members = lookup_members (self, group, &name);
  guint64 id;

  if (members == NULL)
    return 0;
  id = self->next_message_id++;
  for (guint i = 0; i < members->len; i++)
    {
      PeerEntry *entry = g_ptr_array_index (members, i);

      if (!shoal_mesh_entry_takes_messages (self, entry) ||
          !shoal_mesh_delivery_check_room (self, entry, g_bytes_get_size (payload), NULL))
        continue;
      shoal_mesh_delivery_enqueue (self, entry, id, payload, SHOAL_FRAME_GROUP, name);
      g_ptr_array_add (recipients, entry->peer);
    }
  return id;
}
