/* shoal-mesh-delivery.c: a mesh's messages, from send to delivered or failed
 *
 * The mesh numbers each message in its stream to the peer (shoal-delivery.c)
 * and writes it on the peer's link if there is one; every link that comes up
 * for the peer carries again what was not acknowledged. A message ends in
 * exactly one report per recipient: delivered, when the peer acknowledges
 * it, or failed, when the peer has been unreachable for the delivery
 * timeout, when the peer is forgotten, or when this node stops.
 *
 * On the receiving side a message is handed on at most once and in order,
 * and acknowledged once handed on. While the consumer is behind, links stop
 * being read, and TCP slows the peers down.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-error.h"
#include "shoal-mesh-private.h"
#include "shoal-source.h"

/* What a receiver remembers of each peer's stream outlives the peer's
 * entry: a peer that drops off and comes back with the same session sends
 * again what it has not seen acknowledged, and must not be handed on twice.
 * Strangers can make ids, so only so many are kept beyond the live ones. */
#define MAX_INBOUND_STREAMS 4096

/**
 * shoal_mesh_in_stream:
 * @self: a #ShoalMesh
 * @peer_id: a peer id
 *
 * Returns: (transfer none): what this node received from @peer_id
 */
ShoalInStream *
shoal_mesh_in_stream (ShoalMesh   *self,
                      const gchar *peer_id)
{
  ShoalInStream *stream = g_hash_table_lookup (self->inbound, peer_id);
  GHashTableIter iter;
  gpointer key;

  if (stream != NULL)
    return stream;

  if (g_hash_table_size (self->inbound) >= MAX_INBOUND_STREAMS)
    {
      /* Forget the peers this node no longer knows. */
      g_hash_table_iter_init (&iter, self->inbound);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (self->entries, key))
          g_hash_table_iter_remove (&iter);
    }

  stream = shoal_in_stream_new ();
  g_hash_table_insert (self->inbound, g_strdup (peer_id), stream);
  return stream;
}

static void
report_failed (ShoalMesh   *self,
               PeerEntry   *entry,
               GArray      *ids,
               const gchar *reason)
{
  g_autoptr(ShoalPeer) peer = g_object_ref (entry->peer);

  if (ids->len > 0)
    g_message ("%u message(s) to %s failed: %s", ids->len, shoal_peer_get_id (peer), reason);
  for (guint i = 0; self->report_func != NULL && i < ids->len; i++)
    self->report_func (self->report_data, peer, g_array_index (ids, guint64, i), reason);
}

/**
 * shoal_mesh_delivery_fail_all:
 * @self: a #ShoalMesh
 * @entry: the peer
 * @reason: why, for the reports
 *
 * Gives up on every message kept for @entry, each reported failed.
 */
void
shoal_mesh_delivery_fail_all (ShoalMesh   *self,
                              PeerEntry   *entry,
                              const gchar *reason)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  gsize freed = 0;

  shoal_source_clear (&entry->give_up_source);
  shoal_out_stream_take_all (&entry->out, ids, &freed);
  self->queued_bytes -= freed;
  report_failed (self, entry, ids, reason);
}

static gboolean
give_up_cb (gpointer user_data)
{
  PeerEntry *entry = user_data;
  ShoalMesh *self = entry->mesh;
  g_autofree gchar *reason =
    g_strdup_printf ("peer unreachable for %u s", (self->delivery_timeout_ms + 999) / 1000);

  g_clear_pointer (&entry->give_up_source, g_source_unref);
  entry->gave_up = TRUE;
  shoal_mesh_delivery_fail_all (self, entry, reason);
  shoal_mesh_entry_check_gone (self, entry);
  return G_SOURCE_REMOVE;
}

/* The peer is out of reach since @entry->down_since: what it was sent is
 * given up once that has lasted the delivery timeout. */
static void
schedule_give_up (ShoalMesh *self,
                  PeerEntry *entry)
{
  gint64 due = entry->down_since + (gint64) self->delivery_timeout_ms * 1000;
  gint64 now = g_get_monotonic_time ();

  /* Not down (a link, or the wait for the link a peer kept over a
   * duplicate): no clock runs. */
  if (entry->give_up_source != NULL || entry->down_since == 0 ||
      shoal_out_stream_is_empty (&entry->out))
    return;
  /* Rounded up: a timer never fires before the peer is out of time. */
  entry->give_up_source = shoal_timeout_attach (self->context,
                                                due > now ? (guint) ((due - now + 999) / 1000) : 0,
                                                give_up_cb, entry, NULL,
                                                "[shoal] delivery timeout");
}

/**
 * shoal_mesh_delivery_link_adopted:
 * @self: a #ShoalMesh
 * @entry: the peer
 *
 * The peer has a new live link: it carries, first, everything the peer has
 * not acknowledged, in order.
 */
void
shoal_mesh_delivery_link_adopted (ShoalMesh *self,
                                  PeerEntry *entry)
{
  const ShoalHello *hello = shoal_link_get_remote_hello (entry->link);

  if (shoal_in_stream_start (entry->in, hello->session_id))
    g_debug ("Peer %s: session %s numbers its messages afresh", shoal_peer_get_id (entry->peer),
             hello->session_id);

  shoal_source_clear (&entry->give_up_source);
  entry->down_since = 0;
  entry->gave_up = FALSE;

  for (guint i = 0; i < shoal_out_stream_get_length (&entry->out); i++)
    {
      ShoalOutgoing *message = shoal_out_stream_get (&entry->out, i);

      if (message->type == SHOAL_FRAME_GROUP)
        shoal_link_send_group (entry->link, message->seq, message->group, message->payload, NULL);
      else
        shoal_link_send (entry->link, message->type, message->seq, message->payload, NULL);
    }
  if (!shoal_out_stream_is_empty (&entry->out))
    g_debug ("Peer %s: %u message(s) sent again on the new link", shoal_peer_get_id (entry->peer),
             shoal_out_stream_get_length (&entry->out));
}

/**
 * shoal_mesh_delivery_link_lost:
 * @self: a #ShoalMesh
 * @entry: the peer, now without a link
 *
 * Starts the delivery timeout for what the peer was sent.
 */
void
shoal_mesh_delivery_link_lost (ShoalMesh *self,
                               PeerEntry *entry)
{
  if (entry->down_since == 0)
    entry->down_since = g_get_monotonic_time ();
  schedule_give_up (self, entry);
}

/* The entry of an established link's peer. Hashing the peer's id cost
 * about an eighth of what a member does with a small message, so the
 * record keeps the entry it found, until the entry is forgotten. */
static PeerEntry *
record_entry (ShoalMesh  *self,
              LinkRecord *record)
{
  if (record->entry == NULL)
    record->entry = g_hash_table_lookup (self->entries, shoal_peer_get_id (record->peer));
  return record->entry;
}

/**
 * shoal_mesh_delivery_receive:
 * @self: a #ShoalMesh
 * @record: the link the message came on
 * @seq: its sequence number
 * @type: the frame it came in: UNICAST, BROADCAST or GROUP
 * @payload: the message
 * @group: (nullable): the group a GROUP frame was sent to
 *
 * Hands a message on, unless it was already, or comes from a session of the
 * peer that is over; either way the peer learns what was delivered.
 */
void
shoal_mesh_delivery_receive (ShoalMesh  *self,
                             LinkRecord     *record,
                             ShoalFrameType  type,
                             guint64         seq,
                             GBytes         *payload,
                             const gchar    *group)
{
  PeerEntry *entry = record_entry (self, record);
  const ShoalHello *hello = shoal_link_get_remote_hello (record->link);

  if (entry == NULL)
    return;

  if (!shoal_in_stream_accept (entry->in, hello->session_id, seq))
    {
      /* Sent again after a link broke, or late on a link that lost: the
       * peer still needs to hear that it arrived. */
      if (g_strcmp0 (entry->in->session_id, hello->session_id) == 0)
        shoal_link_ack_later (record->link, entry->in->delivered);
      return;
    }

  if (self->message_func != NULL)
    self->message_func (self->message_data, record->peer, payload,
                        type == SHOAL_FRAME_BROADCAST, group);
  shoal_link_ack_later (record->link, seq);
}

/**
 * shoal_mesh_delivery_acked:
 * @self: a #ShoalMesh
 * @record: the link the ack came on
 * @seq: the peer delivered every message up to this one
 *
 * Returns: %FALSE if the ack is for a message never sent
 */
gboolean
shoal_mesh_delivery_acked (ShoalMesh  *self,
                           LinkRecord *record,
                           guint64     seq)
{
  PeerEntry *entry = record_entry (self, record);
  g_autoptr(GArray) ids = NULL;
  g_autoptr(ShoalPeer) peer = NULL;
  gsize freed = 0;

  if (entry == NULL)
    return TRUE;

  ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  if (!shoal_out_stream_ack (&entry->out, seq, ids, &freed))
    return FALSE;
  self->queued_bytes -= freed;

  peer = g_object_ref (entry->peer);
  for (guint i = 0; self->report_func != NULL && i < ids->len; i++)
    self->report_func (self->report_data, peer, g_array_index (ids, guint64, i), NULL);
  return TRUE;
}

/**
 * shoal_mesh_delivery_check_room:
 * @self: a #ShoalMesh
 * @entry: the peer
 * @payload_size: what the message would keep
 * @error: return location for a %SHOAL_ERROR_QUEUE_FULL error
 *
 * Returns: whether the stores of unacknowledged messages have room for it
 */
gboolean
shoal_mesh_delivery_check_room (ShoalMesh   *self,
            PeerEntry   *entry,
            gsize        payload_size,
            GError     **error)
{
  gsize size = SHOAL_OUTGOING_COST (payload_size);

  /* An empty store takes any message the protocol allows, so that a
   * message bigger than a bound can still go out on its own. */
  if (entry->out.bytes > 0 && entry->out.bytes + size > self->max_peer_bytes)
    {
      g_autofree gchar *kept = g_format_size_full (entry->out.bytes, G_FORMAT_SIZE_IEC_UNITS);

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_QUEUE_FULL,
                   _("%s sent to peer %s is not acknowledged yet; try again when it has "
                     "taken some"),
                   kept, shoal_peer_get_id (entry->peer));
      return FALSE;
    }
  if (self->queued_bytes > 0 && self->queued_bytes + size > self->max_total_bytes)
    {
      g_autofree gchar *kept = g_format_size_full (self->queued_bytes, G_FORMAT_SIZE_IEC_UNITS);

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_QUEUE_FULL,
                   _("%s sent to all peers is not acknowledged yet; try again when they "
                     "have taken some"),
                   kept);
      return FALSE;
    }
  return TRUE;
}

/**
 * shoal_mesh_delivery_enqueue:
 * @self: a #ShoalMesh
 * @entry: the recipient
 * @id: the message's id
 * @payload: the message, shared
 * @type: the data frame: UNICAST, BROADCAST or GROUP
 * @group: (nullable): for GROUP, the group, from shoal_group_name_new()
 *
 * Numbers the message in the peer's stream, keeps it until acknowledged,
 * and writes it on the peer's link if there is one.
 */
void
shoal_mesh_delivery_enqueue (ShoalMesh      *self,
                             PeerEntry      *entry,
                             guint64         id,
                             GBytes         *payload,
                             ShoalFrameType  type,
                             const gchar    *group)
{
  ShoalOutgoing *message = shoal_out_stream_push (&entry->out, id, payload, type, group);

  self->queued_bytes += SHOAL_OUTGOING_COST (g_bytes_get_size (payload));
  if (entry->link != NULL && type == SHOAL_FRAME_GROUP)
    shoal_link_send_group (entry->link, message->seq, group, payload, NULL);
  else if (entry->link != NULL)
    shoal_link_send (entry->link, type, message->seq, payload, NULL);
  else
    schedule_give_up (self, entry);
}

/**
 * shoal_mesh_send:
 * @self: a #ShoalMesh
 * @peer_id: a well-formed peer id
 * @payload: the message
 * @error: return location for a #GError
 *
 * Queues a message for one peer, connected now or back soon: a peer out of
 * reach for longer than the delivery timeout is refused at once.
 *
 * Returns: the message's id, or 0 with %SHOAL_ERROR_UNKNOWN_PEER,
 *   %SHOAL_ERROR_NOT_CONNECTED or %SHOAL_ERROR_QUEUE_FULL
 */
guint64
shoal_mesh_send (ShoalMesh    *self,
                 const gchar  *peer_id,
                 GBytes       *payload,
                 GError      **error)
{
  PeerEntry *entry = g_hash_table_lookup (self->entries, peer_id);
  guint64 id;

  if (entry == NULL)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_UNKNOWN_PEER, _("No peer has the id %s"),
                   peer_id);
      return 0;
    }

  /* Nothing is kept for a peer that a person must let in first. */
  if (entry->pending || entry->awaiting)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_CONNECTED,
                   _("Peer %s is not connected: it is not trusted on one side yet"), peer_id);
      return 0;
    }

  if (!shoal_mesh_entry_is_reachable (entry) &&
      (entry->gave_up ||
       (entry->down_since != 0 &&
        g_get_monotonic_time () - entry->down_since >= (gint64) self->delivery_timeout_ms * 1000)))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_CONNECTED,
                   _("Peer %s has been out of reach for more than %u s"), peer_id,
                   (self->delivery_timeout_ms + 999) / 1000);
      return 0;
    }

  if (!shoal_mesh_delivery_check_room (self, entry, g_bytes_get_size (payload), error))
    return 0;

  id = self->next_message_id++;
  shoal_mesh_delivery_enqueue (self, entry, id, payload, SHOAL_FRAME_UNICAST, NULL);
  return id;
}

/**
 * shoal_mesh_take_message_id:
 * @self: a #ShoalMesh
 *
 * Returns: a new message id, for a message queued for nobody
 */
guint64
shoal_mesh_take_message_id (ShoalMesh *self)
{
  return self->next_message_id++;
}

/**
 * shoal_mesh_broadcast:
 * @self: a #ShoalMesh
 * @payload: the message, shared by every recipient
 * @recipients: (element-type ShoalPeer) (transfer none): where the peers it
 *   was queued for are added
 *
 * Queues a message for every connected peer with room for it.
 *
 * Returns: the message's id, the same for every recipient
 */
guint64
shoal_mesh_broadcast (ShoalMesh *self,
                      GBytes    *payload,
                      GPtrArray *recipients)
{
  guint64 id = self->next_message_id++;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PeerEntry *entry = value;

      if (!shoal_mesh_entry_is_reachable (entry) || !shoal_mesh_delivery_check_room (self, entry, g_bytes_get_size (payload), NULL))
        continue;
      shoal_mesh_delivery_enqueue (self, entry, id, payload, SHOAL_FRAME_BROADCAST, NULL);
      g_ptr_array_add (recipients, entry->peer);
    }
  return id;
}

/**
 * shoal_mesh_set_receive_paused:
 * @self: a #ShoalMesh
 * @paused: whether the consumer is behind
 *
 * Stops or resumes reading every link, and every link that comes up.
 */
void
shoal_mesh_set_receive_paused (ShoalMesh *self,
                               gboolean   paused)
{
  GHashTableIter iter;
  gpointer key;

  if (self->receive_paused == paused)
    return;
  self->receive_paused = paused;
  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    shoal_link_set_paused (key, paused);
}

/**
 * shoal_mesh_fail_everything:
 * @self: a #ShoalMesh
 * @reason: why
 *
 * Gives up on every message kept for any peer: for a node that stops.
 */
void
shoal_mesh_fail_everything (ShoalMesh   *self,
                            const gchar *reason)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!shoal_out_stream_is_empty (&((PeerEntry *) value)->out))
      g_ptr_array_add (entries, value);
  for (guint i = 0; i < entries->len; i++)
    shoal_mesh_delivery_fail_all (self, g_ptr_array_index (entries, i), reason);
}
