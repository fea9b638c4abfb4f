/* shoal-mesh-links.c: a mesh's links, from the hellos to their end
 *
 * A connection that TLS secured and the trust policy let through
 * (shoal-mesh-secure.c) becomes a link here, which carries hellos. A
 * peer the allow-list keeps out is remembered as pending, with where to dial
 * it, until a person decides. Links that come up are held to one per peer
 * id; their traffic and their end are reported on the peer.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-mesh-private.h"
#include "shoal-peer-private.h"
#include "shoal-reason-private.h"
#include "shoal-source.h"
#include "shoal-tls.h"

/* Pending peers are strangers' doing: only so many are remembered. */
#define MAX_PENDING 64

static void
link_record_free (LinkRecord *record)
{
  g_signal_handlers_disconnect_by_data (record->link, record);
  shoal_link_set_receive_func (record->link, NULL, NULL);
  shoal_link_set_peers_func (record->link, NULL, NULL);
  g_object_unref (record->link);
  g_clear_object (&record->peer);
  g_free (record->owner_key);
  g_free (record->fingerprint);
  g_free (record->peer_id);
  g_free (record);
}

static void
link_receive (gpointer        user_data,
              ShoalFrameType  type,
              guint64         seq,
              GBytes         *payload,
              const gchar    *group)
{
  LinkRecord *record = user_data;

  if (type == SHOAL_FRAME_JOIN || type == SHOAL_FRAME_LEAVE)
    shoal_mesh_groups_changed (record->mesh, record, type == SHOAL_FRAME_JOIN, group);
  else
    shoal_mesh_delivery_receive (record->mesh, record, type, seq, payload, group);
}

static void
link_acked_cb (ShoalLink *link,
               guint64    seq,
               gpointer   user_data)
{
  LinkRecord *record = user_data;

  if (record->peer == NULL)
    return;
  if (!shoal_mesh_delivery_acked (record->mesh, record, seq))
    {
      g_autofree gchar *reason =
        g_strdup_printf ("protocol error: ack for message %" G_GUINT64_FORMAT ", never sent", seq);

      shoal_link_abort (link, SHOAL_GOODBYE_PROTOCOL_ERROR, reason);
    }
}

static void
link_traffic_cb (ShoalLink *link,
                 guint64    messages_in,
                 guint64    bytes_in,
                 guint64    messages_out,
                 guint64    bytes_out,
                 gboolean   heard,
                 gpointer   user_data)
{
  LinkRecord *record = user_data;

  if (record->peer == NULL)
    return;

  if (heard)
    shoal_peer_set_last_seen (record->peer, g_get_real_time ());
  shoal_peer_add_received (record->peer, messages_in, bytes_in);
  shoal_peer_add_sent (record->peer, messages_out, bytes_out);
}

static void
link_round_trip_cb (ShoalLink *link,
                    guint64    usec,
                    gpointer   user_data)
{
  LinkRecord *record = user_data;

  if (record->peer != NULL)
    shoal_peer_set_round_trip_time (record->peer, usec);
}

/* The path under the peer's link may be broken: a fresh connection beside
 * it, probing, is back within moments of the path, where the old one may
 * wait a whole TCP retransmission (section 11.3). If the old link recovers
 * first, the new one is the duplicate and goes. */
static void
link_stalled_cb (ShoalLink *link,
                 gpointer   user_data)
{
  LinkRecord *record = user_data;
  ShoalMesh *self = record->mesh;
  PeerEntry *entry = g_hash_table_lookup (self->entries, record->peer_id);

  if (entry == NULL || entry->link != link)
    return;
  entry->dial_beside = TRUE;
  shoal_dialer_probe_next (entry->dialer);
  shoal_mesh_maybe_dial_entry (self, entry, 0);
  if (!shoal_dialer_is_busy (entry->dialer))
    entry->dial_beside = FALSE;
}

static void
adopt_link (ShoalMesh  *self,
            PeerEntry  *entry,
            LinkRecord *record)
{
  gboolean was_connected = entry->link != NULL || entry->relink_source != NULL;

  shoal_source_clear (&entry->relink_source);
  g_clear_pointer (&entry->relink_reason, g_free);
  entry->dial_beside = FALSE;
  g_set_object (&entry->link, record->link);
  shoal_mesh_delivery_link_adopted (self, entry);
  shoal_mesh_groups_link_adopted (self, entry);
  entry->ever_connected = TRUE;
  entry->said_unreachable = FALSE;
  shoal_dialer_succeeded (entry->dialer);
  shoal_peer_set_last_error (entry->peer, NULL);
  shoal_mesh_entry_update_state (entry);

  if (!was_connected)
    {
      g_message ("Connected to %s (%s)", shoal_peer_get_id (entry->peer),
                 shoal_peer_get_name (entry->peer));
      g_signal_emit (self, shoal_mesh_signals[SHOAL_MESH_SIGNAL_PEER_CONNECTED], 0, entry->peer);
    }

  shoal_mesh_hints_link_adopted (self, entry, record->link);
}

void
shoal_mesh_entry_set_identity (ShoalMesh   *self,
                               PeerEntry   *entry,
                               const gchar *fingerprint)
{
  g_autofree gchar *code = shoal_verification_code (self->fingerprint, fingerprint);

  shoal_peer_set_identity (entry->peer, fingerprint, code);
  shoal_peer_set_trusted (entry->peer,
                          shoal_trust_is_trusted (self->trust, shoal_peer_get_id (entry->peer)));
}

/* Trust on first use: an id is remembered with its name, and a known name
 * with a new key is worth a word, since the machine was cloned or replaced,
 * or something pretends to be it. The store says so once, when the name
 * moves; the peer keeps the flag for as long as it is listed, so that a
 * reconnection does not wipe what a person is meant to see. */
static void
remember (ShoalMesh        *self,
          PeerEntry        *entry,
          const ShoalHello *hello)
{
  g_autofree gchar *previous = shoal_trust_remember (self->trust, hello->peer_id, hello->name);

  if (previous == NULL)
    return;

  if (g_strcmp0 (previous, shoal_peer_get_previous_id (entry->peer)) != 0)
    g_message ("Peer %s calls itself “%s”, a name this node knows from peer %s: "
               "a cloned or replaced machine, or one that pretends to be it",
               hello->peer_id, hello->name, previous);
  shoal_peer_set_previous_id (entry->peer, previous);
}

/* What a hello tells of its sender: its name, and where to dial it back,
 * the link's remote address with the listening port the hello gives (an
 * inbound link comes from some other port of the peer's). */
static void
entry_learn_from_hello (PeerEntry        *entry,
                        ShoalLink        *link,
                        const ShoalHello *hello)
{
  GInetSocketAddress *remote = shoal_link_get_remote_address (link);

  if (remote != NULL && hello->port != 0)
    {
      g_clear_object (&entry->link_address);
      entry->link_address = G_INET_SOCKET_ADDRESS (
        g_object_new (G_TYPE_INET_SOCKET_ADDRESS,
                      "address", g_inet_socket_address_get_address (remote),
                      "port", hello->port,
                      "scope-id", shoal_mesh_scope_id (remote),
                      NULL));
    }
  g_free (entry->hello_name);
  entry->hello_name = g_strdup (hello->name);
  shoal_mesh_entry_update_name (entry);
  shoal_mesh_entry_update_addresses (entry);
}

/* The allow-list kept a peer out after the hellos: remember it, and where
 * to dial it, for the person who decides. */
static void
mark_pending (ShoalMesh        *self,
              LinkRecord       *record,
              const ShoalHello *hello)
{
  PeerEntry *entry = g_hash_table_lookup (self->entries, hello->peer_id);
  guint pending = 0;
  GHashTableIter iter;
  gpointer value;

  if (entry == NULL)
    {
      g_hash_table_iter_init (&iter, self->entries);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (((PeerEntry *) value)->pending)
          pending++;
      if (pending >= MAX_PENDING)
        {
          g_debug ("Not listing %s as pending: %u peers are already", hello->peer_id, pending);
          return;
        }
      entry = shoal_mesh_ensure_entry (self, hello->peer_id);
    }

  shoal_mesh_entry_set_identity (self, entry, record->fingerprint);
  entry_learn_from_hello (entry, record->link, hello);

  if (entry->pending)
    return;

  entry->pending = TRUE;
  shoal_mesh_entry_update_state (entry);
  g_message ("Peer %s (%s) asks to join; verification code %s. Trust it with "
             "“shoal trust %s”, or refuse it with “shoal untrust %s”",
             hello->peer_id, hello->name, shoal_peer_get_verification_code (entry->peer),
             hello->peer_id, hello->peer_id);
  g_signal_emit (self, shoal_mesh_signals[SHOAL_MESH_SIGNAL_PEER_PENDING], 0, entry->peer);
}

/* One peer, one link: decides between the live link and a new one. Both
 * ends apply the same rule to the same facts, so they agree without a word. */
static gboolean
new_link_wins (ShoalMesh *self,
               ShoalLink *current,
               ShoalLink *candidate)
{
  const ShoalHello *old_hello = shoal_link_get_remote_hello (current);
  const ShoalHello *new_hello = shoal_link_get_remote_hello (candidate);

  /* The peer restarted: its new session replaces the old one at once. */
  if (g_strcmp0 (old_hello->session_id, new_hello->session_id) != 0)
    return TRUE;

  /* The link we have went silent (an address changed, an outage the
   * heartbeat has not judged yet) while the new one just proved the peer
   * reachable: keeping the old would add the rest of the heartbeat timeout
   * to the outage. Both ends hear the same silence, so they agree. */
  if (shoal_link_get_silence_ms (current) > self->config.heartbeat_timeout_ms / 2)
    return TRUE;

  /* A dial beside a link found stalled beats that link, whichever end
   * made either: the generations say so to both ends alike. */
  if (shoal_mesh_link_generation (self, current) != shoal_mesh_link_generation (self, candidate))
    return shoal_mesh_link_generation (self, candidate) > shoal_mesh_link_generation (self, current);

  /* Dialled from both ends: the link dialled by the smaller id stays. */
  if (shoal_link_get_outbound (current) != shoal_link_get_outbound (candidate))
    {
      gboolean we_are_smaller = strcmp (self->local_id, new_hello->peer_id) < 0;

      return shoal_link_get_outbound (candidate) == we_are_smaller;
    }

  /* Dialled twice from the same end: the dialler gave up on the older. */
  return TRUE;
}

static void
link_established_cb (ShoalLink *link,
                     gpointer   user_data)
{
  LinkRecord *record = user_data;
  ShoalMesh *self = record->mesh;
  const ShoalHello *hello = shoal_link_get_remote_hello (link);
  Target *target = NULL;
  PeerEntry *entry;
  ShoalLink *current;

  if (record->owner_is_target)
    target = g_hash_table_lookup (self->targets, record->owner_key);

  entry = shoal_mesh_ensure_entry (self, hello->peer_id);
  record->peer = g_object_ref (entry->peer);
  entry->pending = FALSE;
  entry->awaiting = FALSE;
  shoal_mesh_entry_set_identity (self, entry, record->fingerprint);
  remember (self, entry, hello);

  if (!record->owner_is_target && record->owner_key != NULL)
    {
      PeerEntry *owner = g_hash_table_lookup (self->entries, record->owner_key);

      /* The address now belongs to another node: the owner's dial failed. */
      if (owner == entry)
        {
          shoal_dialer_succeeded (owner->dialer);
        }
      else if (owner != NULL)
        {
          g_autofree gchar *why = g_strdup_printf ("another peer, %s, answers at its address",
                                                   hello->peer_id);

          shoal_mesh_owner_dial_failed (self, record->owner_key, FALSE, why);
        }
    }

  if (target != NULL)
    {
      if (target->peer_id == NULL)
        {
          target->peer_id = g_strdup (hello->peer_id);
          target->id_learnt = TRUE;
        }
      shoal_dialer_succeeded (target->dialer);
      target->said_unreachable = FALSE;
      g_clear_pointer (&target->last_error, g_free);
      if (g_str_equal (target->peer_id, hello->peer_id) &&
          !g_ptr_array_find (entry->targets, target, NULL))
        g_ptr_array_add (entry->targets, target);
    }

  entry_learn_from_hello (entry, link, hello);
  if (!shoal_mesh_control_link_up (self, link, record->owner_key, entry))
    {
      shoal_link_abort (link, SHOAL_GOODBYE_DISCONNECTED,
                        "disconnected: dropped by a person here; connect names it again");
      return;
    }

  current = entry->link;
  if (current == NULL)
    {
      adopt_link (self, entry, record);
      return;
    }

  if (new_link_wins (self, current, link))
    {
      gboolean replaced = g_strcmp0 (shoal_link_get_remote_hello (current)->session_id,
                                     hello->session_id) != 0;
      g_autoptr(ShoalLink) old = g_object_ref (current);

      g_debug ("Peer %s: new link wins (%s; the old one silent for %u ms)", hello->peer_id,
               replaced ? "new session" : "duplicate", shoal_link_get_silence_ms (old));
      adopt_link (self, entry, record);
      shoal_link_close (old, replaced ? SHOAL_GOODBYE_REPLACED : SHOAL_GOODBYE_DUPLICATE, NULL);
    }
  else
    {
      g_debug ("Peer %s: keeping the link we have", hello->peer_id);
      shoal_link_close (link, SHOAL_GOODBYE_DUPLICATE, NULL);
    }
}

/* The peer is gone from here: everyone is told, with one of the reason
 * codes (the words go to the log), and it is dialled again while discovery
 * still sees it, or at its link's address once if the link was cut rather
 * than closed. */
static void
entry_lost (ShoalMesh   *self,
            PeerEntry   *entry,
            const gchar *reason)
{
  const gchar *code = shoal_disconnect_reason_to_string (shoal_disconnect_reason_from_text (reason));
  gboolean cut = entry->cut_without_goodbye;

  entry->cut_without_goodbye = FALSE;
  shoal_mesh_entry_update_state (entry);
  shoal_mesh_delivery_link_lost (self, entry);
  g_message ("Disconnected from %s (%s): %s", shoal_peer_get_id (entry->peer),
             shoal_peer_get_name (entry->peer), reason);
  g_signal_emit (self, shoal_mesh_signals[SHOAL_MESH_SIGNAL_PEER_DISCONNECTED], 0, entry->peer, code);
  shoal_mesh_hints_peer_lost (self, shoal_peer_get_id (entry->peer));

  /* Cut rather than closed: the path may be back any moment. */
  if (cut)
    shoal_dialer_probe_next (entry->dialer);
  if (self->open && (entry->targets->len > 0 || (cut && entry->link_address != NULL)))
    shoal_mesh_maybe_dial_entry (self, entry, 0);
  else
    shoal_mesh_entry_check_gone (self, entry);  /* may free @entry */
}

static gboolean
replacement_late_cb (gpointer user_data)
{
  PeerEntry *entry = user_data;
  g_autofree gchar *reason = g_steal_pointer (&entry->relink_reason);

  g_clear_pointer (&entry->relink_source, g_source_unref);
  g_debug ("Peer %s: the link that replaced a duplicate never came", shoal_peer_get_id (entry->peer));
  entry_lost (entry->mesh, entry, reason);
  return G_SOURCE_REMOVE;
}

/* The peer keeps counting as connected for as long as a handshake may take. */
static void
await_replacement (ShoalMesh   *self,
                   PeerEntry   *entry,
                   const gchar *reason)
{
  g_debug ("Peer %s dropped a duplicate link: waiting for the one it kept",
           shoal_peer_get_id (entry->peer));
  shoal_source_clear (&entry->relink_source);
  g_free (entry->relink_reason);
  entry->relink_reason = g_strdup_printf ("%s, and the link it kept never came up", reason);
  entry->relink_source = shoal_timeout_attach (self->context, self->config.handshake_timeout_ms,
                                               replacement_late_cb, entry, NULL,
                                               "[shoal] duplicate link replacement");
}

/* A closing mesh waits for no link: peers still waiting for one are gone. */
void
shoal_mesh_end_replacements (ShoalMesh *self)
{
  g_autoptr(GPtrArray) waiting = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((PeerEntry *) value)->relink_source != NULL)
      g_ptr_array_add (waiting, value);
  for (guint i = 0; i < waiting->len; i++)
    {
      PeerEntry *entry = g_ptr_array_index (waiting, i);

      shoal_source_clear (&entry->relink_source);
      g_clear_pointer (&entry->relink_reason, g_free);
      entry_lost (self, entry, "shutdown");
    }
}

static void
link_closed_cb (ShoalLink   *link,
                const gchar *reason,
                gpointer     user_data)
{
  LinkRecord *record = user_data;
  ShoalMesh *self = record->mesh;
  gboolean established = record->peer != NULL;
  PeerEntry *entry = NULL;

  g_hash_table_steal (self->links, link);

  if (established)
    entry = g_hash_table_lookup (self->entries, shoal_peer_get_id (record->peer));

  if (entry != NULL && entry->link == link)
    {
      guint32 code = 0;

      g_clear_object (&entry->link);
      /* Both ends dialled, and the peer dropped this link for the other
       * one, whose hello may still be on its way on its own connection:
       * the peer has not gone anywhere, so nobody is told unless that
       * link fails to come up. */
      if (self->open && shoal_link_get_remote_goodbye (link, &code) &&
          code == SHOAL_GOODBYE_DUPLICATE)
        {
          await_replacement (self, entry, reason);
        }
      else
        {
          /* A link cut without a goodbye (a reset, a timeout) most likely
           * left the peer where it was: the address its link came from is
           * worth a dial even where discovery no longer lists it. */
          entry->cut_without_goodbye = !shoal_link_get_remote_goodbye (link, NULL);
          /* Held before it is reported lost, which would redial it. */
          if (code == SHOAL_GOODBYE_DISCONNECTED)
            shoal_mesh_held_by_peer (self, entry);
          entry_lost (self, entry, reason);
        }
    }
  else if (!established && self->open)
    {
      const ShoalHello *hello = shoal_link_get_remote_hello (link);
      PeerEntry *failed;

      /* A configured address learns who answers there (before the peer's
       * entry is told why no link came up, so that it is told too). */
      if (hello != NULL && record->owner_is_target)
        {
          Target *target = g_hash_table_lookup (self->targets, record->owner_key);

          if (target != NULL && target->peer_id == NULL && !target->is_self)
            {
              shoal_mesh_target_learn_id (self, target, record->peer_id, record->fingerprint);
              entry_learn_from_hello (g_hash_table_lookup (self->entries, record->peer_id),
                                      link, hello);
            }
        }

      /* Whoever dialled, the peer learns why no link came up. */
      failed = g_hash_table_lookup (self->entries, record->peer_id);
      if (failed != NULL)
        shoal_peer_set_last_error (failed->peer, reason);
      shoal_mesh_refused_as_held (self, link, record->owner_key, record->peer_id);

      if (hello != NULL && shoal_link_get_refusal (link) == SHOAL_LINK_REFUSAL_BY_US &&
          shoal_trust_check (self->trust, hello->peer_id) == SHOAL_TRUST_VERDICT_PENDING)
        mark_pending (self, record, hello);

      /* A person trusted the peer here, and its hello says its allow-list
       * has not let us in yet: it stays listed, and redialled, until that
       * side decides, rather than vanish after the first refused dial. */
      if (hello != NULL && shoal_link_get_refusal (link) == SHOAL_LINK_REFUSAL_BY_PEER &&
          shoal_trust_is_trusted (self->trust, hello->peer_id))
        {
          PeerEntry *refusing = g_hash_table_lookup (self->entries, hello->peer_id);

          if (refusing != NULL && refusing->link_address != NULL)
            refusing->awaiting = TRUE;
        }

      if (record->owner_key != NULL)
        shoal_mesh_owner_dial_failed (self, record->owner_key, record->owner_is_target, reason);
    }

  link_record_free (record);
  shoal_mesh_check_close_done (self);
}

static void
link_peers (gpointer  user_data,
            GBytes   *body)
{
  LinkRecord *record = user_data;

  shoal_mesh_hints_received (record->mesh, record, body);
}

void
shoal_mesh_add_link (ShoalMesh    *self,
                     Securing     *securing,
                     ShoalTlsPeer *peer,
                     gboolean      accept)
{
  LinkRecord *record = g_new0 (LinkRecord, 1);
  g_autoptr(GBytes) hello = NULL;

  /* A dial beside a stalled link says so, for the choice of section 11.4. */
  if (securing->outbound && !securing->owner_is_target && securing->owner_key != NULL)
    {
      PeerEntry *entry = g_hash_table_lookup (self->entries, securing->owner_key);

      if (entry != NULL)
        record->generation = entry->dial_generation;
    }
  hello = shoal_mesh_encode_hello (self, peer->channel_binding, accept,
                                   shoal_mesh_is_connect_key (securing->owner_key),
                                   record->generation);

  record->mesh = self;
  record->link = shoal_link_new (G_IO_STREAM (peer->tls), securing->connection,
                                 securing->outbound, peer->peer_id, peer->channel_binding,
                                 accept, hello, &self->config);
  record->owner_key = g_strdup (securing->owner_key);
  record->owner_is_target = securing->owner_is_target;
  record->fingerprint = g_strdup (peer->fingerprint);
  record->peer_id = g_strdup (peer->peer_id);
  g_hash_table_insert (self->links, record->link, record);

  shoal_link_set_receive_func (record->link, link_receive, record);
  shoal_link_set_peers_func (record->link, link_peers, record);
  g_signal_connect (record->link, "established", G_CALLBACK (link_established_cb), record);
  g_signal_connect (record->link, "traffic", G_CALLBACK (link_traffic_cb), record);
  g_signal_connect (record->link, "round-trip", G_CALLBACK (link_round_trip_cb), record);
  g_signal_connect (record->link, "closed", G_CALLBACK (link_closed_cb), record);
  g_signal_connect (record->link, "acked", G_CALLBACK (link_acked_cb), record);
  g_signal_connect (record->link, "stalled", G_CALLBACK (link_stalled_cb), record);
  shoal_link_set_paused (record->link, self->receive_paused);

  shoal_link_start (record->link);
}

/**
 * shoal_mesh_link_generation:
 * @self: a #ShoalMesh
 * @link: one of its links, past the HELLOs
 *
 * Returns: the generation its dialler's HELLO gave it (PROTOCOL.md section
 *   11.4): ours if we dialled it, the peer's if it did
 */
guint32
shoal_mesh_link_generation (ShoalMesh *self,
                            ShoalLink *link)
{
  LinkRecord *record;

  if (!shoal_link_get_outbound (link))
    return shoal_link_get_remote_hello (link)->generation;
  record = g_hash_table_lookup (self->links, link);
  return record != NULL ? record->generation : 0;
}

/* Closing a link may close others through the callbacks: work on a copy. */
GPtrArray *
shoal_mesh_links_snapshot (ShoalMesh *self)
{
  GPtrArray *links = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (links, g_object_ref (key));

  return links;
}

/* Every link with @peer_id, not only the one its entry holds: a crossing
 * dial's link may be up but not adopted, or still exchanging hellos, when a
 * person refuses the peer, and would otherwise be adopted a moment later. */
void
shoal_mesh_close_links_of (ShoalMesh        *self,
                           const gchar      *peer_id,
                           ShoalGoodbyeCode  code,
                           const gchar      *message)
{
  g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      LinkRecord *record = value;

      if (g_strcmp0 (record->peer_id, peer_id) == 0)
        g_ptr_array_add (links, g_object_ref (key));
    }
  for (guint i = 0; i < links->len; i++)
    shoal_link_close (g_ptr_array_index (links, i), code, message);
}

void
shoal_mesh_abort_all_links (ShoalMesh *self)
{
  g_autoptr(GPtrArray) links = shoal_mesh_links_snapshot (self);

  shoal_mesh_cancel_handshakes (self);

  for (guint i = 0; i < links->len; i++)
    shoal_link_abort (g_ptr_array_index (links, i), SHOAL_GOODBYE_SHUTDOWN, "shutdown");
}

/**
 * shoal_mesh_sever_links:
 * @self: a #ShoalMesh
 *
 * Cuts every link as a broken network would (shoal_link_sever()): for tests.
 */
void
shoal_mesh_sever_links (ShoalMesh *self)
{
  g_autoptr(GPtrArray) links = shoal_mesh_links_snapshot (self);

  for (guint i = 0; i < links->len; i++)
    shoal_link_sever (g_ptr_array_index (links, i));
}

/**
 * shoal_mesh_stall_links:
 * @self: a #ShoalMesh
 *
 * Has every established link report its path stalled, as a broken network
 * would have it: for tests of the dial beside it and of which link wins.
 */
void
shoal_mesh_stall_links (ShoalMesh *self)
{
  g_autoptr(GPtrArray) links = shoal_mesh_links_snapshot (self);

  for (guint i = 0; i < links->len; i++)
    if (shoal_link_get_established (g_ptr_array_index (links, i)))
      g_signal_emit_by_name (g_ptr_array_index (links, i), "stalled");
}

/**
 * shoal_mesh_get_id_elsewhere:
 * @self: a #ShoalMesh
 *
 * Returns: (nullable): the address of the last other machine that proved
 *   this node's own id in a TLS handshake
 */
const gchar *
shoal_mesh_get_id_elsewhere (ShoalMesh *self)
{
  return self->id_elsewhere;
}

/**
 * shoal_mesh_count_links:
 * @self: a #ShoalMesh
 * @established_only: count only links past their handshake and not closing
 *
 * For tests of the one-link rule and the link limit.
 *
 * Returns: how many links the mesh holds, counting those still in their
 *   TLS handshake unless @established_only
 */
guint
shoal_mesh_count_links (ShoalMesh *self,
                        gboolean   established_only)
{
  GHashTableIter iter;
  gpointer key;
  guint count = 0;

  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!established_only || shoal_link_get_established (key))
      count++;

  if (!established_only)
    count += g_hash_table_size (self->securing);

  return count;
}
