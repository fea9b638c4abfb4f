/* shoal-mesh-secure.c: a mesh's connections, from TCP to a link
 *
 * Every connection, dialled or accepted, is secured first (shoal-tls.c):
 * only once TLS has proved which id is at the other end does the trust
 * policy decide whether this node lets it in, and a link carry hellos. A
 * connection refused here hears a goodbye and nothing else; one let through
 * becomes a link (shoal-mesh-links.c). What the proven id says about where
 * it was dialled, our own id on another machine or another key at a known
 * address, is learnt here too.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-error.h"
#include "shoal-interfaces.h"
#include "shoal-mesh-private.h"
#include "shoal-peer-private.h"
#include "shoal-link.h"
#include "shoal-tls.h"

#define MAX_LINKS 256
/* Machines that proved our own id, each reported once. */
#define MAX_CLONES_SAID 16

/* Our hello for one link: whether we let the peer in, and the network key
 * proof, are bound to this link's TLS session. */
GBytes *
shoal_mesh_encode_hello (ShoalMesh *self,
                         GBytes    *channel_binding,
                         gboolean   accept,
                         gboolean   connect,
                         guint32    generation)
{
  ShoalHello hello = self->hello;
  g_autoptr(GBytes) proof = NULL;

  if (self->config.network_key != NULL)
    proof = shoal_network_key_proof (self->config.network_key, channel_binding, self->local_id);
  hello.accept = accept;
  hello.connect = connect;
  hello.generation = generation;
  hello.proof = proof;
  return shoal_frame_encode_hello (&hello);
}

/* Refuses a secured connection before any hello: the goodbye is the first
 * and last thing the peer reads. */
static void
refuse_secured (ShoalMesh         *self,
                Securing          *securing,
                ShoalTlsPeer      *peer,
                ShoalGoodbyeCode   code,
                const gchar       *reason)
{
  g_autoptr(GBytes) hello = shoal_mesh_encode_hello (self, peer->channel_binding, FALSE, FALSE, 0);
  g_autoptr(ShoalLink) link = shoal_link_new (G_IO_STREAM (peer->tls), securing->connection,
                                              securing->outbound, peer->peer_id,
                                              peer->channel_binding, FALSE, hello, &self->config);

  shoal_link_abort (link, code, reason);
}

/**
 * shoal_mesh_target_learn_id:
 * @self: a #ShoalMesh
 * @target: a target whose id is unknown
 * @peer_id: the id a handshake at its addresses proved
 * @fingerprint: that key's fingerprint
 *
 * A handshake proved who answers at a target's addresses, though no link
 * came of it: this node or the peer refused it. The target is known by that
 * id from now on, as if discovery had named it, so that it is dialled as
 * that peer, when the trust store and the peer's backoff say so
 * (shoal_mesh_maybe_dial_entry()), not blindly at every turn of its own.
 */
void
shoal_mesh_target_learn_id (ShoalMesh   *self,
                            Target      *target,
                            const gchar *peer_id,
                            const gchar *fingerprint)
{
  PeerEntry *entry;

  target->peer_id = g_strdup (peer_id);
  target->id_learnt = TRUE;
  entry = shoal_mesh_ensure_entry (self, peer_id);
  if (!g_ptr_array_find (entry->targets, target, NULL))
    g_ptr_array_add (entry->targets, target);
  shoal_mesh_entry_set_identity (self, entry, fingerprint);
  shoal_mesh_entry_update_name (entry);
  shoal_mesh_entry_update_addresses (entry);
  shoal_mesh_entry_update_state (entry);
}

/* Another key answers at an address that once led to @peer_id. Discovery's
 * word for an id stands (a record is a claim to check, and the check just
 * failed), but a configured address is the user's word for an address, not
 * for a key: the targets that only learnt the id from a link forget it and
 * are dialled afresh, to find whoever is there now, a reinstalled machine
 * with its new key for instance. */
static void
forget_learnt_ids (ShoalMesh   *self,
                   const gchar *peer_id)
{
  PeerEntry *entry = g_hash_table_lookup (self->entries, peer_id);
  g_autoptr(GPtrArray) learnt = g_ptr_array_new ();

  if (entry == NULL)
    return;

  for (guint i = 0; i < entry->targets->len; i++)
    {
      Target *target = g_ptr_array_index (entry->targets, i);

      if (target->id_learnt)
        g_ptr_array_add (learnt, target);
    }

  /* Detaching may drop the entry: work on the copy. */
  for (guint i = 0; i < learnt->len; i++)
    {
      Target *target = g_ptr_array_index (learnt, i);

      shoal_mesh_target_detach (self, target);
      target->id_learnt = FALSE;
      shoal_mesh_maybe_dial_target (self, target);
    }
}

/* A connection, either way, whose certificate proves our own id: this
 * node reached itself, or another machine holds our key. Only a connection
 * from or to an address of this machine is ourselves. */
static void
check_id_elsewhere (ShoalMesh         *self,
                    GSocketConnection *connection)
{
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GPtrArray) interfaces = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autofree gchar *host = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return;
  address = shoal_inet_address_unmap (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  interfaces = shoal_interfaces_list ();
  if (shoal_interfaces_have_address (interfaces, address))
    return;

  host = g_inet_address_to_string (address);
  if (g_strcmp0 (self->id_elsewhere, host) != 0)
    {
      g_free (self->id_elsewhere);
      self->id_elsewhere = g_strdup (host);
    }
  if (g_hash_table_contains (self->said_clones, host))
    return;
  if (g_hash_table_size (self->said_clones) >= MAX_CLONES_SAID)
    g_hash_table_remove_all (self->said_clones);
  g_hash_table_add (self->said_clones, g_steal_pointer (&host));

  g_message (_("A machine at %s proves this node's own id %s: its state directory was copied "
               "from this one. Give that machine a state directory of its own (remove key.pem "
               "there), so that it makes its own key and id"),
             self->id_elsewhere, self->local_id);
}

static void
securing_free (Securing *securing)
{
  g_object_unref (securing->connection);
  g_object_unref (securing->cancellable);
  g_free (securing->owner_key);
  g_object_unref (securing->mesh);
  g_free (securing);
}

static void
secured_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Securing *securing = user_data;
  ShoalMesh *self = securing->mesh;
  g_autoptr(ShoalTlsPeer) peer = NULL;
  g_autoptr(GError) error = NULL;
  ShoalTrustVerdict verdict;
  gboolean held;

  peer = shoal_tls_handshake_finish (result, &error);
  g_hash_table_remove (self->securing, securing);

  if (peer != NULL && !self->open)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "closing");

  if (error != NULL)
    {
      /* A connection closed before its first byte is no one's word: a
       * peer's spare dial (shoal-dial.c), a port scan. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        g_debug ("Link %s failed: %s", securing->outbound ? "out" : "in", error->message);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("Link %s failed: %s", securing->outbound ? "out" : "in", error->message);
      /* Before closing, while the connection still knows where it went. */
      if (g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_UNKNOWN_PEER) && self->open &&
          !securing->owner_is_target)
        shoal_mesh_hints_refute (self, securing->owner_key, securing->connection);
      g_io_stream_close (G_IO_STREAM (securing->connection), NULL, NULL);
      if (g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_UNKNOWN_PEER) && self->open &&
          !securing->owner_is_target)
        forget_learnt_ids (self, securing->owner_key);
      if (securing->owner_key != NULL && self->open)
        shoal_mesh_owner_dial_failed (self, securing->owner_key, securing->owner_is_target,
                                      error->message);
      securing_free (securing);
      shoal_mesh_check_close_done (self);
      return;
    }

  if (g_str_equal (peer->peer_id, self->local_id))
    {
      Target *target = securing->owner_is_target ?
                       g_hash_table_lookup (self->targets, securing->owner_key) : NULL;

      check_id_elsewhere (self, securing->connection);

      /* A configured address that turns out to be this very node. */
      if (target != NULL)
        {
          target->is_self = TRUE;
          shoal_dialer_cancel (target->dialer);
        }
      refuse_secured (self, securing, peer, SHOAL_GOODBYE_SELF, "connected to itself");
      shoal_mesh_connect_failed (self, securing->owner_key, "connected to itself");
      securing_free (securing);
      return;
    }

  verdict = shoal_trust_check (self->trust, peer->peer_id);
  /* A held peer (a person disconnected it) is refused like an untrusted
   * one when a hint dialled it; one that dialled us is judged by its hello
   * (shoal-mesh-control.c). */
  held = verdict != SHOAL_TRUST_VERDICT_REJECT &&
         shoal_mesh_refuses_held (self, securing->outbound, securing->owner_key, peer->peer_id);
  if (verdict == SHOAL_TRUST_VERDICT_REJECT || held)
    {
      Target *target = securing->owner_is_target ?
                       g_hash_table_lookup (self->targets, securing->owner_key) : NULL;

      PeerEntry *refused = g_hash_table_lookup (self->entries, peer->peer_id);
      const gchar *why = held ? "disconnected: dropped by a person here; connect names it again" :
                                "not trusted: untrusted on this node";

      refuse_secured (self, securing, peer,
                      held ? SHOAL_GOODBYE_DISCONNECTED : SHOAL_GOODBYE_NOT_TRUSTED, why);
      if (refused != NULL)
        shoal_peer_set_last_error (refused->peer, why);
      if (target != NULL && target->peer_id == NULL)
        {
          shoal_dialer_failed (target->dialer);
          shoal_mesh_target_learn_id (self, target, peer->peer_id, peer->fingerprint);
        }
      else if (securing->owner_key != NULL)
        shoal_mesh_owner_dial_failed (self, securing->owner_key, securing->owner_is_target, why);
      securing_free (securing);
      return;
    }

  /* A Connect that reaches a peer already linked takes that link. */
  if (shoal_mesh_connect_finds_link (self, securing->owner_key, peer->peer_id))
    {
      refuse_secured (self, securing, peer, SHOAL_GOODBYE_DUPLICATE, "already linked");
      securing_free (securing);
      return;
    }

  /* A pending peer still exchanges hellos, which say it is kept out: both
   * ends learn who the other is and how to reach it, and neither sees a
   * link come up. */
  shoal_mesh_add_link (self, securing, peer, verdict == SHOAL_TRUST_VERDICT_ACCEPT);
  securing_free (securing);
}

/* Every connection starts here: TLS first, then a link. */
void
shoal_mesh_secure_connection (ShoalMesh         *self,
                   GSocketConnection *connection,
                   gboolean           outbound,
                   const gchar       *owner_key,
                   gboolean           owner_is_target,
                   const gchar       *expected_id)
{
  Securing *securing;

  if (g_hash_table_size (self->links) + g_hash_table_size (self->securing) >= MAX_LINKS)
    {
      g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection,
                                                                                 NULL);
      g_autofree gchar *where = G_IS_INET_SOCKET_ADDRESS (remote) ?
        shoal_socket_address_to_string (G_INET_SOCKET_ADDRESS (remote)) : g_strdup ("?");

      /* Nothing can be said before TLS, and a handshake is what an
       * overloaded node cannot spend: the connection just closes. */
      g_message ("Closing a connection %s %s: too many links", outbound ? "to" : "from", where);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      if (owner_key != NULL)
        shoal_mesh_owner_dial_failed (self, owner_key, owner_is_target, "too many links");
      return;
    }

  securing = g_new0 (Securing, 1);
  securing->mesh = g_object_ref (self);
  securing->connection = g_object_ref (connection);
  securing->cancellable = g_cancellable_new ();
  securing->outbound = outbound;
  securing->owner_key = g_strdup (owner_key);
  securing->owner_is_target = owner_is_target;
  g_hash_table_add (self->securing, securing);

  shoal_link_tune_socket (g_socket_connection_get_socket (connection));
  shoal_tls_handshake_async (connection, outbound, self->certificate, expected_id,
                             self->config.handshake_timeout_ms, securing->cancellable,
                             secured_cb, securing);
}

void
shoal_mesh_cancel_handshakes (ShoalMesh *self)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->securing);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_cancellable_cancel (((Securing *) key)->cancellable);
}
