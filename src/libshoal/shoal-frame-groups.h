/* shoal-frame-groups.h: the wire codec of groups (private)
 *
 * JOIN and LEAVE tell a linked peer that the sender's groups changed; the
 * hello's "groups" key says which they are when a link comes up; GROUP is a
 * data frame that names the group its message was sent to. The normative
 * description is doc/PROTOCOL.md, section 9a.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A group name: 1..255 bytes of UTF-8, no NUL. */
#define SHOAL_GROUP_NAME_MAX_BYTES 255u

/* The most groups one node may be in. */
#define SHOAL_GROUPS_MAX 256u

/* A GROUP body: the sequence number, the name's length (one byte), the name,
 * then the payload. A length of 0 leaves the name out: the group is the one
 * the GROUP frame before on the link named. */
#define SHOAL_FRAME_GROUP_MIN_BODY (8u + 1u)
#define SHOAL_FRAME_GROUP_MAX_PREFIX (1u + SHOAL_GROUP_NAME_MAX_BYTES)

/* What precedes a GROUP frame's payload: header, sequence number, name. */
#define SHOAL_FRAME_GROUP_MAX_HEADER (8u + 8u + SHOAL_FRAME_GROUP_MAX_PREFIX)

gboolean  shoal_frame_group_name_is_valid (const gchar  *name,
                                           gsize         length);
GBytes   *shoal_frame_encode_membership   (guint8        type,
                                           const gchar  *group);
gboolean  shoal_frame_decode_membership   (GBytes       *body,
                                           gchar       **out_group,
                                           GError      **error);
gsize     shoal_frame_group_prefix        (guint8       *out,
                                           guint64       seq,
                                           const gchar  *group,
                                           gsize         group_length,
                                           gsize         payload_size);
gboolean  shoal_frame_decode_group        (GBytes       *body,
                                           gchar        *previous,
                                           guint64      *out_seq,
                                           gchar       **out_group,
                                           GBytes      **out_payload,
                                           GError      **error);
gboolean  shoal_frame_hello_groups        (GVariant     *value,
                                           GStrv        *out_groups,
                                           GError      **error);
GVariant *shoal_frame_hello_groups_value  (const gchar * const *groups);

G_END_DECLS
