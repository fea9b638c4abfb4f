/* shoal-link-groups.c: what a link says of this node's groups
 *
 * Messages to a group go out as GROUP frames, their payload shared.
 * A change of this node's groups goes to every link whose hello is out,
 * established or still handshaking: the hello told the peer the groups as
 * they were, and each JOIN or LEAVE after it, in order, brings the peer up
 * to date. A link that is closing says nothing more.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-error.h"
#include "shoal-link-private.h"

/**
 * shoal_link_send_group:
 * @self: a #ShoalLink
 * @seq: the message's sequence number
 * @group: the group it was sent to, a valid name from shoal_group_name_new()
 * @payload: the message; its bytes are shared, not copied
 * @error: return location for a #GError
 *
 * Queues a GROUP frame, like shoal_link_send() queues the other data frames.
 *
 * Returns: %FALSE if the link is not established
 */
gboolean
shoal_link_send_group (ShoalLink    *self,
                       guint64       seq,
                       const gchar  *group,
                       GBytes       *payload,
                       GError      **error)
{
  if (self->state != LINK_STATE_ESTABLISHED)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_NOT_CONNECTED,
                           "The link is not established");
      return FALSE;
    }

  if (shoal_outbox_is_empty (self->outbox))
    self->last_write_progress = g_get_monotonic_time ();
  shoal_outbox_push_group (self->outbox, seq, group, payload);
  return TRUE;
}

/**
 * shoal_link_send_membership:
 * @self: a #ShoalLink
 * @type: %SHOAL_FRAME_JOIN or %SHOAL_FRAME_LEAVE
 * @group: a valid group name
 *
 * Queues a JOIN or LEAVE behind the hello and whatever else is queued.
 *
 * Returns: %FALSE if the link is past saying anything but goodbye
 */
gboolean
shoal_link_send_membership (ShoalLink      *self,
                            ShoalFrameType  type,
                            const gchar    *group)
{
  g_return_val_if_fail (SHOAL_IS_LINK (self), FALSE);
  g_return_val_if_fail (type == SHOAL_FRAME_JOIN || type == SHOAL_FRAME_LEAVE, FALSE);

  if ((self->state != LINK_STATE_HANDSHAKING && self->state != LINK_STATE_ESTABLISHED) ||
      self->goodbye_queued)
    return FALSE;

  shoal_link_queue_control (self, shoal_frame_encode_membership (type, group));
  return TRUE;
}
