/* shoal-peer-link.c: what a peer's link says about it
 *
 * The path the link takes, its round trip, when the peer was last heard
 * and what crossed the link: the properties the mesh updates while the
 * link lives.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-peer-object-private.h"
#include "shoal-peer-private.h"

/**
 * shoal_peer_get_round_trip_time:
 * @self: a #ShoalPeer
 *
 * Gets the last heartbeat's round trip (#ShoalPeer:round-trip-time).
 *
 * Returns: the last measured round trip in microseconds, or 0
 */
guint64
shoal_peer_get_round_trip_time (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->round_trip_time;
}

/**
 * shoal_peer_get_last_seen:
 * @self: a #ShoalPeer
 *
 * Gets when the peer was last heard from (#ShoalPeer:last-seen).
 *
 * Returns: when the peer was last heard from (µs since the Unix epoch), or 0
 */
gint64
shoal_peer_get_last_seen (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->last_seen;
}

/**
 * shoal_peer_get_bytes_sent:
 * @self: a #ShoalPeer
 *
 * Gets how many payload bytes were written to the peer (#ShoalPeer:bytes-
 * sent).
 *
 * Returns: payload bytes written to the peer
 */
guint64
shoal_peer_get_bytes_sent (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->bytes_sent;
}

/**
 * shoal_peer_get_bytes_received:
 * @self: a #ShoalPeer
 *
 * Gets how many payload bytes were received from the peer (#ShoalPeer:bytes-
 * received).
 *
 * Returns: payload bytes received from the peer
 */
guint64
shoal_peer_get_bytes_received (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->bytes_received;
}

/**
 * shoal_peer_get_messages_sent:
 * @self: a #ShoalPeer
 *
 * Gets how many messages were written to the peer (#ShoalPeer:messages-
 * sent).
 *
 * Returns: messages written to the peer
 */
guint64
shoal_peer_get_messages_sent (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->messages_sent;
}

/**
 * shoal_peer_get_messages_received:
 * @self: a #ShoalPeer
 *
 * Gets how many messages were received from the peer (#ShoalPeer:messages-
 * received).
 *
 * Returns: messages received from the peer
 */
guint64
shoal_peer_get_messages_received (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->messages_received;
}


void
shoal_peer_set_round_trip_time (ShoalPeer *self,
                                guint64    usec)
{
  if (self->round_trip_time == usec)
    return;

  self->round_trip_time = usec;
  g_object_notify_by_pspec (G_OBJECT (self), shoal_peer_props[PROP_ROUND_TRIP_TIME]);
}

void
shoal_peer_set_last_seen (ShoalPeer *self,
                          gint64     unix_usec)
{
  if (self->last_seen == unix_usec)
    return;

  self->last_seen = unix_usec;
  g_object_notify_by_pspec (G_OBJECT (self), shoal_peer_props[PROP_LAST_SEEN]);
}

/* Counters move in batches (one per socket read or write), not per message:
 * a notify per message would cost more than the message itself. Both values
 * change before either is notified, so a handler reading both sees them
 * agree. */
static void
add_counts (ShoalPeer  *self,
            guint64    *messages_field,
            guint64    *bytes_field,
            GParamSpec *messages_pspec,
            GParamSpec *bytes_pspec,
            guint64     messages,
            guint64     bytes)
{
  *messages_field += messages;
  *bytes_field += bytes;

  if (messages != 0)
    g_object_notify_by_pspec (G_OBJECT (self), messages_pspec);
  if (bytes != 0)
    g_object_notify_by_pspec (G_OBJECT (self), bytes_pspec);
}

void
shoal_peer_add_sent (ShoalPeer *self,
                     guint64    messages,
                     guint64    bytes)
{
  add_counts (self, &self->messages_sent, &self->bytes_sent,
              shoal_peer_props[PROP_MESSAGES_SENT], shoal_peer_props[PROP_BYTES_SENT], messages, bytes);
}

void
shoal_peer_add_received (ShoalPeer *self,
                         guint64    messages,
                         guint64    bytes)
{
  add_counts (self, &self->messages_received, &self->bytes_received,
              shoal_peer_props[PROP_MESSAGES_RECEIVED], shoal_peer_props[PROP_BYTES_RECEIVED], messages, bytes);
}

/**
 * shoal_peer_get_interface:
 * @self: a #ShoalPeer
 *
 * Gets the local interface of the peer's link (#ShoalPeer:interface).
 *
 * Returns: the interface's name, or "" without a link
 */
const gchar *
shoal_peer_get_interface (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), NULL);
  return self->interface;
}

/**
 * shoal_peer_get_local_address:
 * @self: a #ShoalPeer
 *
 * Gets this node's end of the peer's link (#ShoalPeer:local-address).
 *
 * Returns: `HOST:PORT`, or "" without a link
 */
const gchar *
shoal_peer_get_local_address (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), NULL);
  return self->local_address;
}

/**
 * shoal_peer_get_remote_address:
 * @self: a #ShoalPeer
 *
 * Gets the peer's end of its link (#ShoalPeer:remote-address).
 *
 * Returns: `HOST:PORT`, or "" without a link
 */
const gchar *
shoal_peer_get_remote_address (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), NULL);
  return self->remote_address;
}

/* The three change together: a handler of any one reads all three new. */
void
shoal_peer_set_path (ShoalPeer   *self,
                     const gchar *interface,
                     const gchar *local_address,
                     const gchar *remote_address)
{
  g_object_freeze_notify (G_OBJECT (self));
  shoal_peer_set_string (self, &self->interface, interface != NULL ? interface : "", PROP_INTERFACE);
  shoal_peer_set_string (self, &self->local_address, local_address != NULL ? local_address : "",
              PROP_LOCAL_ADDRESS);
  shoal_peer_set_string (self, &self->remote_address, remote_address != NULL ? remote_address : "",
              PROP_REMOTE_ADDRESS);
  g_object_thaw_notify (G_OBJECT (self));
}
