/* shoal-frame-groups.c: the wire codec of groups
 *
 * A node tells each linked peer which groups it is in: all of them in its
 * hello (the "groups" key), then each change as it happens (JOIN, LEAVE,
 * whose body is the name). A message to a group travels as a GROUP data
 * frame in the same numbered stream as UNICAST and BROADCAST; the name
 * rides between the sequence number and the payload, behind a one-byte
 * length, or is left out (length 0) when it repeats the previous GROUP
 * frame's on the link. Everything here checks a stranger's bytes: a bad
 * name, a duplicate or too many groups is a protocol error for that link.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame.h"
#include "shoal-group-name.h"

/**
 * shoal_frame_group_name_is_valid:
 * @name: (array length=length): the name's bytes
 * @length: how many
 *
 * A group name is 1..255 bytes of UTF-8 without NUL.
 *
 * Returns: whether @name is a valid group name
 */
gboolean
shoal_frame_group_name_is_valid (const gchar *name,
                                 gsize        length)
{
  if (name == NULL || length == 0 || length > SHOAL_GROUP_NAME_MAX_BYTES)
    return FALSE;
  if (memchr (name, '\0', length) != NULL)
    return FALSE;
  return g_utf8_validate_len (name, length, NULL);
}

/* Byte-wise order, the order of strcmp(), for names in an array. */
static int
compare_names (const void *a,
               const void *b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* A stranger's bytes on their way into a log: escaped, and cut short. */
static gchar *
escape_name (const gchar *name,
             gsize        length)
{
  g_autofree gchar *valid = g_utf8_make_valid (name, (gssize) MIN (length, 64));

  return g_strescape (valid, NULL);
}

/**
 * shoal_frame_encode_membership:
 * @type: %SHOAL_FRAME_JOIN or %SHOAL_FRAME_LEAVE
 * @group: a valid group name
 *
 * Returns: (transfer full): the whole frame: the header, then the name
 */
GBytes *
shoal_frame_encode_membership (guint8       type,
                               const gchar *group)
{
  gsize length;
  guint8 *frame;

  g_return_val_if_fail (type == SHOAL_FRAME_JOIN || type == SHOAL_FRAME_LEAVE, NULL);
  g_return_val_if_fail (group != NULL, NULL);
  length = strlen (group);
  g_return_val_if_fail (shoal_frame_group_name_is_valid (group, length), NULL);

  frame = g_malloc (SHOAL_FRAME_HEADER_SIZE + length);
  shoal_frame_header_write (frame, type, (guint32) length);
  memcpy (frame + SHOAL_FRAME_HEADER_SIZE, group, length);
  return g_bytes_new_take (frame, SHOAL_FRAME_HEADER_SIZE + length);
}

/**
 * shoal_frame_decode_membership:
 * @body: a JOIN or LEAVE frame's body
 * @out_group: (out) (transfer full): the group's name
 * @error: return location for a %SHOAL_ERROR_PROTOCOL error
 *
 * Returns: %TRUE if the body is a valid group name
 */
gboolean
shoal_frame_decode_membership (GBytes  *body,
                               gchar  **out_group,
                               GError **error)
{
  gsize size;
  const gchar *data;

  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  data = g_bytes_get_data (body, &size);
  if (!shoal_frame_group_name_is_valid (data, size))
    {
      g_autofree gchar *escaped = escape_name (data != NULL ? data : "", size);

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Group name “%s” (%" G_GSIZE_FORMAT " bytes) is not 1..%u bytes of "
                   "UTF-8 without NUL", escaped, size, SHOAL_GROUP_NAME_MAX_BYTES);
      return FALSE;
    }

  *out_group = g_strndup (data, size);
  return TRUE;
}

/**
 * shoal_frame_group_prefix:
 * @out: where the bytes go: room for 17 + @group_length
 * @seq: the message's sequence number
 * @group: (nullable) (array length=group_length): the group's name, valid:
 *   the caller checked it; or %NULL to leave the name out, for a frame to
 *   the group the link's previous GROUP frame named
 * @group_length: its length in bytes, 0 with %NULL
 * @payload_size: the length of the payload that follows
 *
 * Writes what precedes a GROUP frame's payload: the header, the sequence
 * number, the name's length and the name. The payload follows from its
 * own buffer, uncopied and shared by every recipient, as a broadcast's is.
 *
 * Returns: how many bytes were written
 */
gsize
shoal_frame_group_prefix (guint8      *out,
                          guint64      seq,
                          const gchar *group,
                          gsize        group_length,
                          gsize        payload_size)
{
  guint64 seq_be = GUINT64_TO_BE (seq);

  /* On the hot path: the name was judged once already, by the node. */
  g_return_val_if_fail ((group == NULL) == (group_length == 0), 0);
  g_return_val_if_fail (group_length <= SHOAL_GROUP_NAME_MAX_BYTES, 0);
  g_return_val_if_fail (payload_size <= SHOAL_FRAME_MAX_MESSAGE, 0);

  shoal_frame_header_write (out, SHOAL_FRAME_GROUP,
                            (guint32) (SHOAL_FRAME_SEQ_SIZE + 1 + group_length + payload_size));
  memcpy (out + SHOAL_FRAME_HEADER_SIZE, &seq_be, sizeof (seq_be));
  out[SHOAL_FRAME_HEADER_SIZE + SHOAL_FRAME_SEQ_SIZE] = (guint8) group_length;
  if (group_length > 0)
    memcpy (out + SHOAL_FRAME_HEADER_SIZE + SHOAL_FRAME_SEQ_SIZE + 1, group, group_length);
  return SHOAL_FRAME_HEADER_SIZE + SHOAL_FRAME_SEQ_SIZE + 1 + group_length;
}

/* Everything shoal_frame_decode_group() does not take the short way: a
 * frame that names its group, and every malformed one. */
static gboolean
decode_group_slowly (GBytes        *body,
                     const guint8  *data,
                     gsize          size,
                     gchar         *previous,
                     guint64       *out_seq,
                     gchar        **out_group,
                     GBytes       **out_payload,
                     GError       **error)
{
  guint64 seq_be;
  gsize length;
  gsize payload_offset;
  const gchar *name;
  gboolean same;

  if (size < SHOAL_FRAME_GROUP_MIN_BODY)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Group frame body has %" G_GSIZE_FORMAT " bytes; it must hold at least "
                   "%u: a sequence number and a name's length", size, SHOAL_FRAME_GROUP_MIN_BODY);
      return FALSE;
    }
  memcpy (&seq_be, data, sizeof (seq_be));
  if (GUINT64_FROM_BE (seq_be) == 0)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                           "Data frame has sequence number 0; the first is 1");
      return FALSE;
    }

  length = data[SHOAL_FRAME_SEQ_SIZE];
  name = (const gchar *) data + SHOAL_FRAME_SEQ_SIZE + 1;
  if (length == 0)
    {
      if (previous == NULL)
        {
          g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                               "Group frame leaves its name out, but no group frame came before "
                               "it on this link");
          return FALSE;
        }
      same = TRUE;
    }
  else
    {
      if (SHOAL_FRAME_SEQ_SIZE + 1 + length > size)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                       "Group frame names a group of %" G_GSIZE_FORMAT " bytes in a body of %"
                       G_GSIZE_FORMAT, length, size);
          return FALSE;
        }
      same = previous != NULL && shoal_group_name_length (previous) == length &&
             memcmp (previous, name, length) == 0;
      if (!same && !shoal_frame_group_name_is_valid (name, length))
        {
          g_autofree gchar *escaped = escape_name (name, length);

          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                       "Group name “%s” is not UTF-8 without NUL", escaped);
          return FALSE;
        }
    }

  /* The body's limit leaves room for the longest name: a shorter one
   * would let the payload past what any message may carry. */
  payload_offset = SHOAL_FRAME_SEQ_SIZE + 1 + length;
  if (size - payload_offset > SHOAL_FRAME_MAX_MESSAGE)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Group frame carries %" G_GSIZE_FORMAT " bytes of payload; at most %u are allowed",
                   size - payload_offset, SHOAL_FRAME_MAX_MESSAGE);
      return FALSE;
    }

  if (out_seq != NULL)
    *out_seq = GUINT64_FROM_BE (seq_be);
  if (out_group != NULL)
    *out_group = same ? shoal_group_name_acquire (previous) : shoal_group_name_new_len (name, length);
  if (out_payload != NULL)
    *out_payload = g_bytes_new_from_bytes (body, payload_offset, size - payload_offset);
  return TRUE;
}

/**
 * shoal_frame_decode_group:
 * @body: a GROUP frame's body
 * @previous: (nullable): the group the GROUP frame before on the same link
 *   was to, a name from shoal_group_name_new(); or %NULL before the first
 * @out_seq: (out) (optional): the message's sequence number
 * @out_group: (out) (optional) (transfer full): the group the message was
 *   sent to, a name from shoal_group_name_new(): @previous with one more
 *   reference if the frame leaves the name out or writes the same one, which
 *   is then not judged again (a stream of messages to one group costs one
 *   check of its name, not one per message); otherwise a new, valid name
 * @out_payload: (out) (optional) (transfer full): the message, a slice of @body
 * @error: return location for a %SHOAL_ERROR_PROTOCOL error
 *
 * Returns: %TRUE if the body holds a sequence number other than 0, a valid
 *   group name that fits in it (or none, after a frame that had one), and a
 *   payload of at most 16 MiB
 */
gboolean
shoal_frame_decode_group (GBytes   *body,
                          gchar    *previous,
                          guint64  *out_seq,
                          gchar   **out_group,
                          GBytes  **out_payload,
                          GError  **error)
{
  gsize size;
  const guint8 *data;
  guint64 seq_be;

  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Most GROUP frames leave the name out, after one that gave it: a sound
   * one is judged in a few steps, as a broadcast is, and everything else
   * the long way, which says what is wrong. */
  data = g_bytes_get_data (body, &size);
  if (G_LIKELY (previous != NULL && size >= SHOAL_FRAME_GROUP_MIN_BODY &&
                data[SHOAL_FRAME_SEQ_SIZE] == 0 &&
                size - SHOAL_FRAME_GROUP_MIN_BODY <= SHOAL_FRAME_MAX_MESSAGE))
    {
      memcpy (&seq_be, data, sizeof (seq_be));
      if (G_LIKELY (seq_be != 0))
        {
          if (out_seq != NULL)
            *out_seq = GUINT64_FROM_BE (seq_be);
          if (out_group != NULL)
            *out_group = shoal_group_name_acquire (previous);
          if (out_payload != NULL)
            *out_payload = g_bytes_new_from_bytes (body, SHOAL_FRAME_GROUP_MIN_BODY,
                                                   size - SHOAL_FRAME_GROUP_MIN_BODY);
          return TRUE;
        }
    }
  return decode_group_slowly (body, data, size, previous, out_seq, out_group, out_payload, error);
}

/**
 * shoal_frame_hello_groups:
 * @value: the value of a hello's "groups" key, of type `as`
 * @out_groups: (out) (transfer full): the names, sorted
 * @error: return location for a %SHOAL_ERROR_PROTOCOL error
 *
 * Judges a hello's list of groups: at most 256 names, each valid, none twice.
 *
 * Returns: %TRUE if the list is acceptable
 */
gboolean
shoal_frame_hello_groups (GVariant  *value,
                          GStrv     *out_groups,
                          GError   **error)
{
  gsize n = g_variant_n_children (value);
  g_autofree const gchar **names = NULL;
  g_auto(GStrv) groups = NULL;

  if (n > SHOAL_GROUPS_MAX)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Hello lists %" G_GSIZE_FORMAT " groups; at most %u are allowed", n,
                   SHOAL_GROUPS_MAX);
      return FALSE;
    }

  names = g_variant_get_strv (value, NULL);
  for (gsize i = 0; i < n; i++)
    {
      if (!shoal_frame_group_name_is_valid (names[i], strlen (names[i])))
        {
          g_autofree gchar *escaped = escape_name (names[i], strlen (names[i]));

          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                       "Hello group name “%s” is not 1..%u bytes of UTF-8 without NUL",
                       escaped, SHOAL_GROUP_NAME_MAX_BYTES);
          return FALSE;
        }
    }

  groups = g_strdupv ((gchar **) names);
  qsort (groups, n, sizeof (gchar *), compare_names);
  for (gsize i = 1; i < n; i++)
    {
      if (strcmp (groups[i - 1], groups[i]) == 0)
        {
          g_autofree gchar *escaped = escape_name (groups[i], strlen (groups[i]));

          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                       "Hello lists the group “%s” more than once", escaped);
          return FALSE;
        }
    }

  *out_groups = g_steal_pointer (&groups);
  return TRUE;
}

/**
 * shoal_frame_hello_groups_value:
 * @groups: the names, sorted, at most 256
 *
 * Returns: (transfer floating): the value of a hello's "groups" key
 */
GVariant *
shoal_frame_hello_groups_value (const gchar * const *groups)
{
  return g_variant_new_strv (groups, -1);
}
