/* shoal-mesh-hints.c: hints to dial, and where the mesh gets more of them
 *
 * Whatever says where a peer might be (an mDNS record, a configured
 * address, a linked peer's PEERS frame, the address cache) is a hint to
 * dial, never a fact about the peer: the peer's id is what TLS proves, its
 * name what its hello says. This file holds what the mesh does with hints
 * beyond dialling them (shoal-mesh-targets.c): the addresses a dial proved
 * to belong to another id, which are not dialled for that id again; peer
 * exchange, which tells linked peers whom this node is linked to and turns
 * what they tell into hints; and the address cache, which keeps where
 * peers answered for the next start.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-address.h"
#include "shoal-interfaces.h"
#include "shoal-mesh-private.h"
#include "shoal-peer-private.h"
#include "shoal-source.h"

/* Addresses proved to belong to another id than the one a hint gave them:
 * a stranger can make up many, so only the newest are remembered. */
#define MAX_REFUTED 256

/* A burst of link changes makes one PEERS frame; and one goes out at most
 * this often, so that a flapping link cannot make a flood of them. */
#define EXCHANGE_DELAY_MS 50
#define EXCHANGE_INTERVAL_MS 500

#define EXCHANGE_KEY_PREFIX "peers/"
#define CACHE_KEY_PREFIX "cache/"

struct _ShoalMeshHints
{
  GHashTable        *refuted;        /* (owned) set of "ID ADDRESS PORT" (owned) */
  GQueue             refuted_order;  /* the same strings (unowned), oldest first */
  GHashTable        *said;           /* (owned) sender id (owned) → set of ids (owned) */
  GSource           *send_source;    /* (owned) (nullable) a PEERS frame is due */
  gint64             last_sent;      /* monotonic µs */
  ShoalAddressCache *cache;          /* (owned) (nullable) */
};

void
shoal_mesh_hints_init (ShoalMesh *self)
{
  ShoalMeshHints *hints = g_new0 (ShoalMeshHints, 1);

  hints->refuted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&hints->refuted_order);
  hints->said = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_hash_table_unref);
  self->hints = hints;
}

/* Stops sending; what peers said is forgotten with the targets. */
void
shoal_mesh_hints_stop (ShoalMesh *self)
{
  if (self->hints == NULL)
    return;
  shoal_source_clear (&self->hints->send_source);
  g_hash_table_remove_all (self->hints->said);
}

void
shoal_mesh_hints_free (ShoalMesh *self)
{
  ShoalMeshHints *hints = g_steal_pointer (&self->hints);

  if (hints == NULL)
    return;
  shoal_source_clear (&hints->send_source);
  g_queue_clear (&hints->refuted_order);
  g_hash_table_unref (hints->refuted);
  g_hash_table_unref (hints->said);
  g_clear_object (&hints->cache);
  g_free (hints);
}

/* Refuted addresses */

static gchar *
refuted_key (const gchar        *peer_id,
             GInetSocketAddress *address)
{
  g_autoptr(GInetAddress) inet = shoal_inet_address_unmap (g_inet_socket_address_get_address (address));
  g_autofree gchar *text = g_inet_address_to_string (inet);

  return g_strdup_printf ("%s %s %u", peer_id, text, g_inet_socket_address_get_port (address));
}

static gboolean
is_refuted (ShoalMesh          *self,
            const gchar        *peer_id,
            GInetSocketAddress *address)
{
  g_autofree gchar *key = refuted_key (peer_id, address);

  return g_hash_table_contains (self->hints->refuted, key);
}

/**
 * shoal_mesh_hints_filter:
 * @self: a #ShoalMesh
 * @peer_id: (nullable): whom the hint names
 * @addresses: (element-type GInetSocketAddress): where it says to dial
 * @from_this_host: whether the hint comes from this machine
 *
 * Keeps the addresses of a hint that may be dialled: those the address
 * rule allows (shoal_address_is_dialable()) and that no dial proved to
 * belong to another id than @peer_id.
 *
 * Returns: (transfer full) (element-type GInetSocketAddress): what is left
 */
GPtrArray *
shoal_mesh_hints_filter (ShoalMesh   *self,
                         const gchar *peer_id,
                         GPtrArray   *addresses,
                         gboolean     from_this_host)
{
  GPtrArray *usable = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < addresses->len; i++)
    {
      GInetSocketAddress *address = g_ptr_array_index (addresses, i);
      const gchar *why = NULL;

      if (!shoal_address_is_dialable (address, from_this_host, &why) ||
          (peer_id != NULL && is_refuted (self, peer_id, address) &&
           (why = "another peer answered there") != NULL))
        {
          g_autofree gchar *text = shoal_socket_address_to_string (address);

          g_debug ("Not dialling %s for %s: %s", text, peer_id != NULL ? peer_id : "a hint", why);
          continue;
        }
      g_ptr_array_add (usable, g_object_ref (address));
    }

  return usable;
}

/* Drops @address from every hint for @entry's id, and the hints left
 * without an address. */
static void
forget_address (ShoalMesh          *self,
                PeerEntry          *entry,
                GInetSocketAddress *address)
{
  g_autoptr(GPtrArray) emptied = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *key = refuted_key (shoal_peer_get_id (entry->peer), address);

  for (guint i = 0; i < entry->targets->len; i++)
    {
      Target *target = g_ptr_array_index (entry->targets, i);

      /* A configured address is the user's word for a place, whoever
       * answers there (see forget_learnt_ids()). */
      if (target->id_learnt)
        continue;
      for (guint j = target->addresses->len; j > 0; j--)
        {
          g_autofree gchar *other = refuted_key (shoal_peer_get_id (entry->peer),
                                                 g_ptr_array_index (target->addresses, j - 1));

          if (g_str_equal (key, other))
            g_ptr_array_remove_index (target->addresses, j - 1);
        }
      if (target->addresses->len == 0)
        g_ptr_array_add (emptied, g_strdup (target->key));
    }

  if (entry->link_address != NULL)
    {
      g_autofree gchar *other = refuted_key (shoal_peer_get_id (entry->peer), entry->link_address);

      if (g_str_equal (key, other))
        g_clear_object (&entry->link_address);
    }

  shoal_mesh_entry_update_addresses (entry);

  /* Losing the last target may drop the entry: nothing of it after this. */
  for (guint i = 0; i < emptied->len; i++)
    shoal_mesh_target_lost (self, g_ptr_array_index (emptied, i));
}

/**
 * shoal_mesh_hints_refute:
 * @self: a #ShoalMesh
 * @peer_id: the id a hint gave, and the dial expected
 * @connection: the dialled connection, where another id answered
 *
 * A dial for @peer_id reached another key: whatever hint gave that address
 * for @peer_id was false (or is out of date). The address is not dialled
 * for @peer_id again, and a peer known only from such hints is forgotten.
 * The node that answered is not disturbed: the dial was refused in TLS,
 * before any link to it could replace its live one.
 */
void
shoal_mesh_hints_refute (ShoalMesh         *self,
                         const gchar       *peer_id,
                         GSocketConnection *connection)
{
  ShoalMeshHints *hints = self->hints;
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  PeerEntry *entry;
  gchar *key;

  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return;

  key = refuted_key (peer_id, G_INET_SOCKET_ADDRESS (remote));
  if (!g_hash_table_contains (hints->refuted, key))
    {
      g_debug ("Another peer answers at %s: not dialled for that id again", key);
      if (g_queue_get_length (&hints->refuted_order) >= MAX_REFUTED)
        g_hash_table_remove (hints->refuted, g_queue_pop_head (&hints->refuted_order));
      g_hash_table_add (hints->refuted, key);
      g_queue_push_tail (&hints->refuted_order, key);
    }
  else
    {
      g_free (key);
    }

  entry = g_hash_table_lookup (self->entries, peer_id);
  if (entry != NULL)
    forget_address (self, entry, G_INET_SOCKET_ADDRESS (remote));
}

/* Peer exchange */

static gboolean
exchange_enabled (ShoalMesh *self)
{
  return shoal_hello_has_feature (&self->hello, SHOAL_FEATURE_PEERS);
}

static gboolean
link_exchanges (ShoalMesh *self,
                ShoalLink *link)
{
  return exchange_enabled (self) && shoal_link_get_established (link) &&
         shoal_hello_has_feature (shoal_link_get_remote_hello (link), SHOAL_FEATURE_PEERS);
}

/* What this node tells: every peer it has a live link to, where it
 * listens (the link's remote address with the port its hello gives). */
static GPtrArray *
linked_peers (ShoalMesh *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_peers_entry_free);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value) && list->len < SHOAL_PEERS_MAX_ENTRIES)
    {
      PeerEntry *entry = value;
      ShoalPeersEntry *item;

      if (entry->link == NULL || !shoal_link_get_established (entry->link) ||
          entry->link_address == NULL)
        continue;
      item = shoal_peers_entry_new (shoal_peer_get_id (entry->peer),
                                    g_inet_socket_address_get_port (entry->link_address));
      g_ptr_array_add (item->addresses,
                       shoal_inet_address_unmap (g_inet_socket_address_get_address (entry->link_address)));
      g_ptr_array_add (list, item);
    }

  return list;
}

static gboolean
send_cb (gpointer user_data)
{
  ShoalMesh *self = user_data;
  g_autoptr(GPtrArray) list = linked_peers (self);
  g_autoptr(GBytes) frame = shoal_frame_encode_peers (list);
  GHashTableIter iter;
  gpointer value;
  guint sent = 0;

  g_clear_pointer (&self->hints->send_source, g_source_unref);
  self->hints->last_sent = g_get_monotonic_time ();

  /* One encoding, shared by every link. */
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PeerEntry *entry = value;

      if (entry->link != NULL && link_exchanges (self, entry->link))
        {
          shoal_link_send_control (entry->link, frame);
          sent++;
        }
    }
  g_debug ("Told %u peer(s) of %u linked peer(s)", sent, list->len);
  return G_SOURCE_REMOVE;
}

/**
 * shoal_mesh_hints_links_changed:
 * @self: a #ShoalMesh
 *
 * A link came up or a peer was lost: linked peers are told, soon, and not
 * more often than every 500 ms.
 */
void
shoal_mesh_hints_links_changed (ShoalMesh *self)
{
  ShoalMeshHints *hints = self->hints;
  gint64 since_ms;
  guint delay = EXCHANGE_DELAY_MS;

  if (!self->open || !exchange_enabled (self) || hints->send_source != NULL)
    return;

  since_ms = (g_get_monotonic_time () - hints->last_sent) / 1000;
  if (hints->last_sent != 0 && since_ms < EXCHANGE_INTERVAL_MS)
    delay = MAX (delay, (guint) (EXCHANGE_INTERVAL_MS - since_ms));
  hints->send_source = shoal_timeout_attach (self->context, delay, send_cb, self, NULL,
                                             "[shoal] peer exchange");
}

/**
 * shoal_mesh_hints_is_hint:
 * @target: a target
 *
 * Returns: whether @target stands for a hint (a peer exchange entry or the
 *   address cache) rather than discovery or configuration
 */
gboolean
shoal_mesh_hints_is_hint (const Target *target)
{
  return g_str_has_prefix (target->key, EXCHANGE_KEY_PREFIX) ||
         g_str_has_prefix (target->key, CACHE_KEY_PREFIX);
}

static gchar *
exchange_key (const gchar *sender,
              const gchar *peer_id)
{
  return g_strconcat (EXCHANGE_KEY_PREFIX, sender, "/", peer_id, NULL);
}

/* A peer exchange over a link from this very machine (loopback, or one of
 * its own addresses) is the only one whose loopback addresses mean a node. */
static gboolean
link_from_this_host (ShoalLink *link)
{
  GInetSocketAddress *remote = shoal_link_get_remote_address (link);
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GPtrArray) interfaces = NULL;

  if (remote == NULL)
    return FALSE;
  inet = shoal_inet_address_unmap (g_inet_socket_address_get_address (remote));
  if (g_inet_address_get_is_loopback (inet))
    return TRUE;
  interfaces = shoal_interfaces_list ();
  return shoal_interfaces_have_address (interfaces, inet);
}

/**
 * shoal_mesh_hints_received:
 * @self: a #ShoalMesh
 * @record: the established link the frame came on
 * @body: a PEERS frame's body
 *
 * A linked peer says whom it is linked to: each entry becomes a hint for
 * that id (the dial expects the id in TLS, so a false entry costs one
 * failed dial), and what it said before and no longer says is forgotten.
 */
void
shoal_mesh_hints_received (ShoalMesh  *self,
                           LinkRecord *record,
                           GBytes     *body)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) now_said = NULL;
  GHashTable *before;
  const gchar *sender;
  GInetSocketAddress *remote;
  guint32 scope_id = 0;
  gboolean from_this_host;
  GHashTableIter iter;
  gpointer key;

  if (record->peer == NULL)
    return;

  if (!link_exchanges (self, record->link))
    {
      shoal_link_abort (record->link, SHOAL_GOODBYE_PROTOCOL_ERROR,
                        "protocol error: peers frame without the peers feature on both sides");
      return;
    }

  entries = shoal_frame_decode_peers (body, &error);
  if (entries == NULL)
    {
      g_autofree gchar *reason = g_strdup_printf ("protocol error: %s", error->message);

      shoal_link_abort (record->link, SHOAL_GOODBYE_PROTOCOL_ERROR, reason);
      return;
    }

  sender = shoal_peer_get_id (record->peer);
  remote = shoal_link_get_remote_address (record->link);
  if (remote != NULL)
    scope_id = shoal_mesh_scope_id (remote);
  from_this_host = link_from_this_host (record->link);
  now_said = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < entries->len; i++)
    {
      ShoalPeersEntry *entry = g_ptr_array_index (entries, i);
      g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_object_unref);
      g_autofree gchar *target_key = NULL;

      if (g_str_equal (entry->peer_id, self->local_id) || g_str_equal (entry->peer_id, sender) ||
          g_hash_table_contains (now_said, entry->peer_id))
        continue;

      for (guint j = 0; j < entry->addresses->len; j++)
        {
          GInetAddress *inet = g_ptr_array_index (entry->addresses, j);
          gboolean link_local = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 &&
                                g_inet_address_get_is_link_local (inet);

          /* A link-local address means something only on the link the
           * frame came over, through this node's interface to it. */
          if (link_local && scope_id == 0)
            continue;
          g_ptr_array_add (addresses, g_object_new (G_TYPE_INET_SOCKET_ADDRESS,
                                                    "address", inet,
                                                    "port", (guint) entry->port,
                                                    "scope-id", link_local ? scope_id : 0u,
                                                    NULL));
        }

      target_key = exchange_key (sender, entry->peer_id);
      shoal_mesh_target_found (self, target_key, entry->peer_id, NULL, addresses, from_this_host);
      g_hash_table_add (now_said, g_strdup (entry->peer_id));
    }

  before = g_hash_table_lookup (self->hints->said, sender);
  if (before != NULL)
    {
      g_hash_table_iter_init (&iter, before);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (now_said, key))
          {
            g_autofree gchar *target_key = exchange_key (sender, key);

            shoal_mesh_target_lost (self, target_key);
          }
    }
  g_debug ("Peer %s is linked to %u peer(s)", sender, entries->len);
  g_hash_table_insert (self->hints->said, g_strdup (sender), g_steal_pointer (&now_said));
}

/**
 * shoal_mesh_hints_peer_lost:
 * @self: a #ShoalMesh
 * @peer_id: a peer this node lost its link to
 *
 * What the peer said in its PEERS frames vouched for nothing any more.
 */
void
shoal_mesh_hints_peer_lost (ShoalMesh   *self,
                            const gchar *peer_id)
{
  g_autoptr(GHashTable) said = NULL;
  g_autofree gchar *sender = NULL;
  GHashTableIter iter;
  gpointer key;

  if (g_hash_table_steal_extended (self->hints->said, peer_id, (gpointer *) &sender,
                                   (gpointer *) &said))
    {
      g_hash_table_iter_init (&iter, said);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          g_autofree gchar *target_key = exchange_key (sender, key);

          shoal_mesh_target_lost (self, target_key);
        }
    }

  shoal_mesh_hints_links_changed (self);
}

/* The address cache */

static gboolean
same_socket_address (GInetSocketAddress *a,
                     GInetSocketAddress *b)
{
  g_autoptr(GInetAddress) x = shoal_inet_address_unmap (g_inet_socket_address_get_address (a));
  g_autoptr(GInetAddress) y = shoal_inet_address_unmap (g_inet_socket_address_get_address (b));

  return g_inet_socket_address_get_port (a) == g_inet_socket_address_get_port (b) &&
         g_inet_address_equal (x, y);
}

/**
 * shoal_mesh_set_address_cache:
 * @self: a #ShoalMesh
 * @cache: (nullable): where to keep the addresses that worked
 *
 * Every peer in @cache becomes a hint to dial at once, and every link that
 * comes up from now on is remembered in it.
 */
void
shoal_mesh_set_address_cache (ShoalMesh         *self,
                              ShoalAddressCache *cache)
{
  g_autoptr(GPtrArray) ids = NULL;

  g_return_if_fail (SHOAL_IS_MESH (self));

  g_set_object (&self->hints->cache, cache);
  if (cache == NULL)
    return;

  ids = shoal_address_cache_peers (cache);
  for (guint i = 0; i < ids->len; i++)
    {
      const gchar *peer_id = g_ptr_array_index (ids, i);
      g_autoptr(GPtrArray) addresses = shoal_address_cache_lookup (cache, peer_id);
      g_autofree gchar *key = g_strconcat (CACHE_KEY_PREFIX, peer_id, NULL);

      /* The cache is this node's own memory of what a TLS handshake proved. */
      shoal_mesh_target_found (self, key, peer_id, NULL, addresses, TRUE);
    }
}

/**
 * shoal_mesh_hints_link_adopted:
 * @self: a #ShoalMesh
 * @entry: the peer
 * @link: its new live link
 *
 * The addresses that worked go to the cache: the dialled address of an
 * outbound link, and the address an inbound one came from with the
 * listening port its hello gives. Linked peers are told.
 */
void
shoal_mesh_hints_link_adopted (ShoalMesh *self,
                               PeerEntry *entry,
                               ShoalLink *link)
{
  ShoalAddressCache *cache = self->hints->cache;

  if (cache != NULL)
    {
      const gchar *peer_id = shoal_peer_get_id (entry->peer);
      gint64 now_s = g_get_real_time () / G_USEC_PER_SEC;
      GInetSocketAddress *remote = shoal_link_get_remote_address (link);

      gboolean dialled = shoal_link_get_outbound (link) && remote != NULL;

      if (dialled)
        shoal_address_cache_add (cache, peer_id, remote, now_s);
      /* Usually the same address again, for a link this node dialled. */
      if (entry->link_address != NULL &&
          !(dialled && same_socket_address (remote, entry->link_address)))
        shoal_address_cache_add (cache, peer_id, entry->link_address, now_s);
    }

  shoal_mesh_hints_links_changed (self);
}
