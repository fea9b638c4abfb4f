/* shoal-group-name.h: a group name shared without copies (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A group name, shared by the mesh's table of members, every kept copy of
 * every message to the group, each link's last group in either direction
 * and the consumer of a message to the group. It is reference counted as a
 * GRefString is, the count in front of the characters, but without atomic
 * operations, which cost a measurable share of a small message sent to many
 * members (all of this runs in the node's context). A reference is taken
 * and dropped for each message at both ends, so those are inline. */
typedef struct {
  guint  refs;
  guint8 length;  /* a name has 1 to 255 bytes: frames write it with its length */
  gchar  name[];
} ShoalGroupName;

#define SHOAL_GROUP_NAME(name) ((ShoalGroupName *) ((name) - G_STRUCT_OFFSET (ShoalGroupName, name)))

gchar *shoal_group_name_new     (const gchar *name);
gchar *shoal_group_name_new_len (const gchar *name,
                                 gsize        length);

/* The length of @name, from shoal_group_name_new(), without counting. */
static inline gsize
shoal_group_name_length (const gchar *name)
{
  return SHOAL_GROUP_NAME (name)->length;
}

/* Returns @name, from shoal_group_name_new(), with one more reference. */
static inline gchar *
shoal_group_name_acquire (gchar *name)
{
  SHOAL_GROUP_NAME (name)->refs++;
  return name;
}

/* Drops a reference to @name; the last frees it. */
static inline void
shoal_group_name_release (gchar *name)
{
  ShoalGroupName *shared = SHOAL_GROUP_NAME (name);

  if (--shared->refs == 0)
    g_free (shared);
}

G_END_DECLS
