/* shoal-group-name.c: a group name shared without copies
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-group-name.h"

/**
 * shoal_group_name_new:
 * @name: a group name
 *
 * Returns: (transfer full): a shared copy of @name, a plain string to read;
 *   give it back with shoal_group_name_release()
 */
gchar *
shoal_group_name_new (const gchar *name)
{
  return shoal_group_name_new_len (name, strlen (name));
}

/**
 * shoal_group_name_new_len:
 * @name: (array length=length): a group name's bytes, as a frame carries
 *   them: not followed by a NUL
 * @length: how many, 1 to 255
 *
 * Returns: (transfer full): a shared copy of @name, NUL-terminated;
 *   give it back with shoal_group_name_release()
 */
gchar *
shoal_group_name_new_len (const gchar *name,
                          gsize        length)
{
  ShoalGroupName *shared;

  g_return_val_if_fail (length > 0 && length <= G_MAXUINT8, NULL);

  shared = g_malloc (sizeof (ShoalGroupName) + length + 1);
  shared->refs = 1;
  shared->length = (guint8) length;
  memcpy (shared->name, name, length);
  shared->name[length] = '\0';
  return shared->name;
}
