/* shoal-mesh.c: the peers of a running node and the links to them
 *
 * The mesh turns targets (what discovery reports: a key, maybe an id, some
 * addresses) into dials, and links into peers. It keeps exactly one live
 * link per peer id, whatever the number of targets, addresses and crossing
 * dials that lead to it, redials lost peers with backoff while a target
 * still vouches for them, and drops a peer when neither a link nor a target
 * does. The node above it owns identity, listener and discovery; the links
 * below it know nothing of peers.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-dialer.h"
#include "shoal-error.h"
#include "shoal-mesh.h"
#include "shoal-peer-private.h"
#include "shoal-source.h"

/* The node with the larger id waits this long for the smaller one to dial,
 * so that nodes that see each other at the same moment usually make one
 * link, not two. */
#define DIAL_GRACE_MS 100
/* A lost peer may be back in an instant (a restart) or never: wait a little,
 * then let the dialer's backoff take over. */
#define REDIAL_AFTER_LOSS_MS 250
#define MAX_LINKS 256
/* How long a graceful close waits for goodbyes to be exchanged. */
#define CLOSE_TIMEOUT_MS 1000

/* What one discovery backend reports under one key. */
typedef struct {
  gchar     *key;        /* (owned) unique within the mesh */
  gchar     *peer_id;    /* (owned) (nullable) from discovery or learnt by handshake */
  gchar     *name;       /* (owned) (nullable) as discovery reports it */
  GPtrArray *addresses;  /* (owned) (element-type GInetSocketAddress) */
  gboolean     is_self;
  ShoalMesh   *mesh;       /* (unowned) */
  ShoalDialer *dialer;     /* (owned) used while @peer_id is unknown */
} Target;

/* Everything the mesh knows about one peer id. */
typedef struct {
  ShoalPeer          *peer;          /* (owned) */
  ShoalLink          *link;          /* (owned) (nullable) the live link */
  GPtrArray          *targets;       /* (element-type Target) (unowned) */
  GInetSocketAddress *link_address;  /* (owned) (nullable) learnt from an inbound link */
  gchar              *hello_name;    /* (owned) (nullable) from the live link's hello */
  gboolean            ever_connected;
  ShoalMesh          *mesh;          /* (unowned) */
  ShoalDialer        *dialer;        /* (owned) */
} PeerEntry;

/* The mesh's bookkeeping for a link, alive until the link is closed. */
typedef struct {
  ShoalMesh *mesh;       /* (unowned) */
  ShoalLink *link;       /* (owned) */
  ShoalPeer *peer;       /* (owned) (nullable) set once established */
  gchar     *owner_key;  /* (owned) (nullable) the entry id or target key that dialled it */
  gboolean   owner_is_target;
} LinkRecord;

struct _ShoalMesh
{
  GObject               parent_instance;

  gchar                *local_id;      /* (owned) */
  GBytes               *hello_frame;   /* (owned) */
  ShoalLinkConfig       config;
  GMainContext         *context;       /* (owned) */
  GSocketClient        *client;        /* (owned) */
  gboolean              open;          /* dialling and redialling; FALSE once closing */

  GListStore           *peers;         /* (owned) (element-type ShoalPeer) shared with the node */
  GHashTable           *entries;       /* (owned) id (unowned) → PeerEntry (owned) */
  GHashTable           *targets;       /* (owned) key (unowned) → Target (owned) */
  GHashTable           *links;         /* (owned) ShoalLink (unowned) → LinkRecord (owned) */

  ShoalMeshMessageFunc  message_func;
  gpointer              message_data;

  GTask                *close_task;    /* (owned) (nullable) */
  GSource              *close_timeout; /* (owned) (nullable) */
};

G_DEFINE_FINAL_TYPE (ShoalMesh, shoal_mesh, G_TYPE_OBJECT)

enum {
  SIGNAL_PEER_ADDED,
  SIGNAL_PEER_REMOVED,
  SIGNAL_PEER_CONNECTED,
  SIGNAL_PEER_DISCONNECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void maybe_dial_entry (ShoalMesh *self,
                              PeerEntry *entry,
                              guint      at_least_ms);
static void maybe_dial_target (ShoalMesh *self,
                               Target    *target);

/* What the dialers of peers and of configured addresses report. */
static void entry_due        (gpointer           owner);
static void entry_connected  (gpointer           owner,
                              GSocketConnection *connection);
static void entry_failed     (gpointer           owner);
static void target_due       (gpointer           owner);
static void target_connected (gpointer           owner,
                              GSocketConnection *connection);
static void target_failed    (gpointer           owner);

static const ShoalDialerCallbacks entry_dialer_callbacks = {
  .due = entry_due,
  .connected = entry_connected,
  .failed = entry_failed,
};

static const ShoalDialerCallbacks target_dialer_callbacks = {
  .due = target_due,
  .connected = target_connected,
  .failed = target_failed,
};
static void check_close_done (ShoalMesh *self);

/* Targets and entries */

static void
target_free (Target *target)
{
  shoal_dialer_free (target->dialer);
  g_free (target->key);
  g_free (target->peer_id);
  g_free (target->name);
  g_ptr_array_unref (target->addresses);
  g_free (target);
}

static void
entry_free (PeerEntry *entry)
{
  shoal_dialer_free (entry->dialer);
  g_clear_object (&entry->link);
  g_clear_object (&entry->link_address);
  g_free (entry->hello_name);
  g_ptr_array_unref (entry->targets);
  g_object_unref (entry->peer);
  g_free (entry);
}

/* Only IPv6 addresses have a scope, and GLib is strict about asking. */
static guint32
scope_id (GInetSocketAddress *address)
{
  GInetAddress *inet = g_inet_socket_address_get_address (address);

  if (g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV6)
    return 0;
  return g_inet_socket_address_get_scope_id (address);
}

static gboolean
address_in (GPtrArray          *addresses,
            GInetSocketAddress *address)
{
  for (guint i = 0; i < addresses->len; i++)
    {
      GInetSocketAddress *other = g_ptr_array_index (addresses, i);

      if (g_inet_socket_address_get_port (other) == g_inet_socket_address_get_port (address) &&
          scope_id (other) == scope_id (address) &&
          g_inet_address_equal (g_inet_socket_address_get_address (other),
                                g_inet_socket_address_get_address (address)))
        return TRUE;
    }

  return FALSE;
}

/* Every address the peer is known at, discovery's first (in the backends'
 * order of preference), then the one learnt from its inbound link. */
static GPtrArray *
entry_addresses (PeerEntry *entry)
{
  GPtrArray *all = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < entry->targets->len; i++)
    {
      Target *target = g_ptr_array_index (entry->targets, i);

      for (guint j = 0; j < target->addresses->len; j++)
        {
          GInetSocketAddress *address = g_ptr_array_index (target->addresses, j);

          if (!address_in (all, address))
            g_ptr_array_add (all, g_object_ref (address));
        }
    }

  if (entry->link_address != NULL && !address_in (all, entry->link_address))
    g_ptr_array_add (all, g_object_ref (entry->link_address));

  return all;
}

static void
entry_update_addresses (PeerEntry *entry)
{
  g_autoptr(GPtrArray) all = entry_addresses (entry);

  shoal_peer_set_addresses (entry->peer, all);
}

/* A peer renamed by a DNS-SD collision keeps saying its old name in the
 * hello of links made before the rename, so a name from a current record
 * wins over one from a hello. */
static void
entry_update_name (PeerEntry *entry)
{
  for (guint i = 0; i < entry->targets->len; i++)
    {
      Target *target = g_ptr_array_index (entry->targets, i);

      if (target->name != NULL)
        {
          shoal_peer_set_name (entry->peer, target->name);
          return;
        }
    }

  if (entry->hello_name != NULL)
    shoal_peer_set_name (entry->peer, entry->hello_name);
}

static void
entry_update_state (PeerEntry *entry)
{
  ShoalPeerState state;

  if (entry->link != NULL)
    state = SHOAL_PEER_STATE_CONNECTED;
  else if (shoal_dialer_is_dialling (entry->dialer))
    state = SHOAL_PEER_STATE_CONNECTING;
  else if (entry->ever_connected)
    state = SHOAL_PEER_STATE_LOST;
  else
    state = SHOAL_PEER_STATE_DISCOVERED;

  shoal_peer_set_state (entry->peer, state);
}

static PeerEntry *
ensure_entry (ShoalMesh   *self,
              const gchar *peer_id)
{
  PeerEntry *entry = g_hash_table_lookup (self->entries, peer_id);

  if (entry != NULL)
    return entry;

  entry = g_new0 (PeerEntry, 1);
  entry->mesh = self;
  entry->dialer = shoal_dialer_new (self->context, self->client, &entry_dialer_callbacks, entry);
  entry->peer = shoal_peer_new (peer_id);
  entry->targets = g_ptr_array_new ();
  /* Keyed by the peer's own copy of its id, which lives as long as the entry. */
  g_hash_table_insert (self->entries, (gpointer) shoal_peer_get_id (entry->peer), entry);
  g_list_store_append (self->peers, entry->peer);

  g_debug ("Peer %s added", peer_id);
  g_signal_emit (self, signals[SIGNAL_PEER_ADDED], 0, entry->peer);
  return entry;
}

static void
remove_entry (ShoalMesh *self,
              PeerEntry *entry)
{
  g_autoptr(ShoalPeer) peer = g_object_ref (entry->peer);
  guint position;

  g_hash_table_steal (self->entries, shoal_peer_get_id (peer));
  if (g_list_store_find (self->peers, peer, &position))
    g_list_store_remove (self->peers, position);

  /* Targets that learnt this id forget it, so they are dialled afresh. */
  for (guint i = 0; i < entry->targets->len; i++)
    {
      Target *target = g_ptr_array_index (entry->targets, i);

      g_clear_pointer (&target->peer_id, g_free);
    }

  entry_free (entry);

  g_debug ("Peer %s removed", shoal_peer_get_id (peer));
  g_signal_emit (self, signals[SIGNAL_PEER_REMOVED], 0, peer);
}

/* A peer stays while a link or a discovery record vouches for it. */
static void
entry_check_gone (ShoalMesh *self,
                  PeerEntry *entry)
{
  if (entry->link == NULL && entry->targets->len == 0 && !shoal_dialer_is_dialling (entry->dialer))
    remove_entry (self, entry);
}

/* Links */

static void
link_record_free (LinkRecord *record)
{
  g_signal_handlers_disconnect_by_data (record->link, record);
  shoal_link_set_receive_func (record->link, NULL, NULL);
  g_object_unref (record->link);
  g_clear_object (&record->peer);
  g_free (record->owner_key);
  g_free (record);
}

static void
link_receive (gpointer  user_data,
              GBytes   *payload,
              gboolean  broadcast)
{
  LinkRecord *record = user_data;
  ShoalMesh *self = record->mesh;

  if (self->message_func != NULL)
    self->message_func (self->message_data, record->peer, payload, broadcast);
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

/* A dial that did not end in a live link: try again later, as long as
 * someone still vouches for the peer. */
static void
entry_dial_failed (PeerEntry *entry)
{
  shoal_dialer_failed (entry->dialer);
  entry_update_state (entry);
  if (entry->link == NULL && entry->targets->len == 0)
    remove_entry (entry->mesh, entry);
  else
    maybe_dial_entry (entry->mesh, entry, 0);
}

static void
target_dial_failed (Target *target)
{
  ShoalMesh *self = target->mesh;

  shoal_dialer_failed (target->dialer);
  if (target->peer_id != NULL)
    {
      PeerEntry *entry = g_hash_table_lookup (self->entries, target->peer_id);

      if (entry != NULL)
        maybe_dial_entry (self, entry, 0);
    }
  else
    {
      maybe_dial_target (self, target);
    }
}

/* A link is kept by key, not pointer, since it may outlive the entry or
 * target that dialled it. */
static void
owner_dial_failed (ShoalMesh   *self,
                   const gchar *owner_key,
                   gboolean     owner_is_target)
{
  if (owner_is_target)
    {
      Target *target = g_hash_table_lookup (self->targets, owner_key);

      if (target != NULL)
        target_dial_failed (target);
    }
  else
    {
      PeerEntry *entry = g_hash_table_lookup (self->entries, owner_key);

      if (entry != NULL)
        entry_dial_failed (entry);
    }
}

static void
adopt_link (ShoalMesh  *self,
            PeerEntry  *entry,
            LinkRecord *record)
{
  gboolean was_connected = entry->link != NULL;

  g_set_object (&entry->link, record->link);
  entry->ever_connected = TRUE;
  shoal_dialer_succeeded (entry->dialer);
  entry_update_state (entry);

  if (!was_connected)
    {
      g_message ("Connected to %s (%s)", shoal_peer_get_id (entry->peer),
                 shoal_peer_get_name (entry->peer));
      g_signal_emit (self, signals[SIGNAL_PEER_CONNECTED], 0, entry->peer);
    }
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

  if (g_str_equal (hello->peer_id, self->local_id))
    {
      /* A configured address that turns out to be this very node. */
      if (target != NULL)
        {
          target->is_self = TRUE;
          shoal_dialer_cancel (target->dialer);
        }
      shoal_link_close (link, SHOAL_GOODBYE_SELF, "connected to itself");
      return;
    }

  entry = ensure_entry (self, hello->peer_id);
  record->peer = g_object_ref (entry->peer);

  if (!record->owner_is_target && record->owner_key != NULL)
    {
      PeerEntry *owner = g_hash_table_lookup (self->entries, record->owner_key);

      /* The address now belongs to another node: the owner's dial failed. */
      if (owner == entry)
        shoal_dialer_succeeded (owner->dialer);
      else if (owner != NULL)
        owner_dial_failed (self, record->owner_key, FALSE);
    }

  if (target != NULL)
    {
      if (target->peer_id == NULL)
        target->peer_id = g_strdup (hello->peer_id);
      shoal_dialer_succeeded (target->dialer);
      if (g_str_equal (target->peer_id, hello->peer_id) &&
          !g_ptr_array_find (entry->targets, target, NULL))
        g_ptr_array_add (entry->targets, target);
    }

  /* A peer that dialled us can be dialled back at its listening port. */
  if (!shoal_link_get_outbound (link) && hello->port != 0 &&
      shoal_link_get_remote_address (link) != NULL)
    {
      GInetSocketAddress *remote = shoal_link_get_remote_address (link);

      g_clear_object (&entry->link_address);
      entry->link_address = G_INET_SOCKET_ADDRESS (
        g_object_new (G_TYPE_INET_SOCKET_ADDRESS,
                      "address", g_inet_socket_address_get_address (remote),
                      "port", hello->port,
                      "scope-id", scope_id (remote),
                      NULL));
    }
  g_free (entry->hello_name);
  entry->hello_name = g_strdup (hello->name);
  entry_update_name (entry);
  entry_update_addresses (entry);

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

      g_debug ("Peer %s: new link wins (%s)", hello->peer_id, replaced ? "new session" : "duplicate");
      adopt_link (self, entry, record);
      shoal_link_close (old, replaced ? SHOAL_GOODBYE_REPLACED : SHOAL_GOODBYE_DUPLICATE, NULL);
    }
  else
    {
      g_debug ("Peer %s: keeping the link we have", hello->peer_id);
      shoal_link_close (link, SHOAL_GOODBYE_DUPLICATE, NULL);
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
      g_clear_object (&entry->link);
      entry_update_state (entry);
      g_message ("Disconnected from %s (%s): %s", shoal_peer_get_id (entry->peer),
                 shoal_peer_get_name (entry->peer), reason);
      g_signal_emit (self, signals[SIGNAL_PEER_DISCONNECTED], 0, entry->peer, reason);

      if (self->open && entry->targets->len > 0)
        {
          maybe_dial_entry (self, entry, REDIAL_AFTER_LOSS_MS);
        }
      else
        {
          entry_check_gone (self, entry);
        }
    }
  else if (!established && record->owner_key != NULL && self->open)
    {
      owner_dial_failed (self, record->owner_key, record->owner_is_target);
    }

  link_record_free (record);
  check_close_done (self);
}

static void
add_link (ShoalMesh         *self,
          GSocketConnection *connection,
          gboolean           outbound,
          const gchar       *owner_key,
          gboolean           owner_is_target)
{
  LinkRecord *record = g_new0 (LinkRecord, 1);
  gboolean overloaded = g_hash_table_size (self->links) >= MAX_LINKS;

  record->mesh = self;
  record->link = shoal_link_new (connection, outbound, self->hello_frame, &self->config);
  record->owner_key = g_strdup (owner_key);
  record->owner_is_target = owner_is_target;
  g_hash_table_insert (self->links, record->link, record);

  shoal_link_set_receive_func (record->link, link_receive, record);
  g_signal_connect (record->link, "established", G_CALLBACK (link_established_cb), record);
  g_signal_connect (record->link, "traffic", G_CALLBACK (link_traffic_cb), record);
  g_signal_connect (record->link, "round-trip", G_CALLBACK (link_round_trip_cb), record);
  g_signal_connect (record->link, "closed", G_CALLBACK (link_closed_cb), record);

  shoal_link_start (record->link);
  if (overloaded)
    shoal_link_abort (record->link, SHOAL_GOODBYE_OVERLOADED, "too many links");
}

/* Dialling */

static void
entry_due (gpointer owner)
{
  PeerEntry *entry = owner;
  g_autoptr(GPtrArray) addresses = entry_addresses (entry);

  /* The peer may have dialled us while we waited. */
  if (entry->link != NULL || addresses->len == 0)
    return;

  g_debug ("Dialling %s (%u address(es))", shoal_peer_get_id (entry->peer), addresses->len);
  shoal_dialer_dial (entry->dialer, addresses);
  entry_update_state (entry);
}

static void
entry_connected (gpointer           owner,
                 GSocketConnection *connection)
{
  PeerEntry *entry = owner;

  add_link (entry->mesh, connection, TRUE, shoal_peer_get_id (entry->peer), FALSE);
}

static void
entry_failed (gpointer owner)
{
  entry_dial_failed (owner);
}

static void
target_due (gpointer owner)
{
  Target *target = owner;

  if (target->peer_id != NULL || target->is_self)
    return;

  g_debug ("Dialling %s (%u address(es))", target->key, target->addresses->len);
  shoal_dialer_dial (target->dialer, target->addresses);
}

static void
target_connected (gpointer           owner,
                  GSocketConnection *connection)
{
  Target *target = owner;

  add_link (target->mesh, connection, TRUE, target->key, TRUE);
}

static void
target_failed (gpointer owner)
{
  target_dial_failed (owner);
}

/* Dials a peer unless a link, a wait or a dial is there already; waits at
 * least @at_least_ms, and the grace period when the peer is the one to dial. */
static void
maybe_dial_entry (ShoalMesh *self,
                  PeerEntry *entry,
                  guint      at_least_ms)
{
  const gchar *peer_id = shoal_peer_get_id (entry->peer);

  if (!self->open || entry->link != NULL || shoal_dialer_is_busy (entry->dialer))
    return;

  if (entry->targets->len == 0 && entry->link_address == NULL)
    return;

  if (!shoal_dialer_has_dialled (entry->dialer) && strcmp (self->local_id, peer_id) > 0)
    at_least_ms = MAX (at_least_ms, DIAL_GRACE_MS);

  shoal_dialer_schedule (entry->dialer, at_least_ms);
}

static void
maybe_dial_target (ShoalMesh *self,
                   Target    *target)
{
  if (!self->open || target->peer_id != NULL || target->is_self || target->addresses->len == 0)
    return;

  shoal_dialer_schedule (target->dialer, 0);
}

/* Targets */

static void
target_detach (ShoalMesh *self,
               Target    *target)
{
  PeerEntry *entry;

  if (target->peer_id == NULL)
    return;

  entry = g_hash_table_lookup (self->entries, target->peer_id);
  g_clear_pointer (&target->peer_id, g_free);
  if (entry == NULL)
    return;

  g_ptr_array_remove (entry->targets, target);
  entry_update_name (entry);
  entry_update_addresses (entry);
  entry_check_gone (self, entry);
}

/**
 * shoal_mesh_target_found:
 * @self: a #ShoalMesh
 * @key: the target's key, unique within the mesh
 * @peer_id: (nullable): the peer's id, if discovery knows it
 * @name: (nullable): the peer's name, if discovery knows it
 * @addresses: (element-type GInetSocketAddress): where to dial it, best first
 *
 * Reports a target, new or changed; the mesh dials it unless a link to its
 * peer is already there.
 */
void
shoal_mesh_target_found (ShoalMesh   *self,
                         const gchar *key,
                         const gchar *peer_id,
                         const gchar *name,
                         GPtrArray   *addresses)
{
  Target *target;

  if (!self->open)
    return;

  /* Our own advertisement, seen through mDNS. */
  if (peer_id != NULL && g_strcmp0 (peer_id, self->local_id) == 0)
    return;

  target = g_hash_table_lookup (self->targets, key);
  if (target == NULL)
    {
      target = g_new0 (Target, 1);
      target->mesh = self;
      target->dialer = shoal_dialer_new (self->context, self->client, &target_dialer_callbacks,
                                         target);
      target->key = g_strdup (key);
      target->addresses = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_insert (self->targets, target->key, target);
    }

  g_free (target->name);
  target->name = g_strdup (name);
  g_ptr_array_set_size (target->addresses, 0);
  for (guint i = 0; i < addresses->len; i++)
    g_ptr_array_add (target->addresses, g_object_ref (g_ptr_array_index (addresses, i)));

  if (peer_id != NULL && g_strcmp0 (target->peer_id, peer_id) != 0)
    {
      target_detach (self, target);
      target->peer_id = g_strdup (peer_id);
      shoal_dialer_cancel (target->dialer);
    }

  if (target->peer_id != NULL)
    {
      PeerEntry *entry = ensure_entry (self, target->peer_id);

      if (!g_ptr_array_find (entry->targets, target, NULL))
        g_ptr_array_add (entry->targets, target);
      entry_update_name (entry);
      entry_update_addresses (entry);
      maybe_dial_entry (self, entry, 0);
    }
  else
    {
      maybe_dial_target (self, target);
    }
}

/**
 * shoal_mesh_target_lost:
 * @self: a #ShoalMesh
 * @key: the key the target was found under
 *
 * Forgets a target. Its peer stays while a link vouches for it.
 */
void
shoal_mesh_target_lost (ShoalMesh   *self,
                        const gchar *key)
{
  Target *target = g_hash_table_lookup (self->targets, key);

  if (target == NULL)
    return;

  g_hash_table_steal (self->targets, key);
  target_detach (self, target);
  target_free (target);
}

/* Closing */

static void
cancel_dialers (ShoalMesh *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->targets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    shoal_dialer_cancel (((Target *) value)->dialer);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    shoal_dialer_cancel (((PeerEntry *) value)->dialer);
}

/* Once every link is closed: forget every peer and target. */
static void
forget_everything (ShoalMesh *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PeerEntry *entry = value;

      g_ptr_array_set_size (entry->targets, 0);
      shoal_dialer_cancel (entry->dialer);
    }

  while (g_hash_table_size (self->entries) > 0)
    {
      g_hash_table_iter_init (&iter, self->entries);
      g_hash_table_iter_next (&iter, NULL, &value);
      remove_entry (self, value);
    }

  g_hash_table_remove_all (self->targets);
}

static void
check_close_done (ShoalMesh *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->close_task == NULL || g_hash_table_size (self->links) > 0)
    return;

  shoal_source_clear (&self->close_timeout);
  task = g_steal_pointer (&self->close_task);
  forget_everything (self);
  g_task_return_boolean (task, TRUE);
}

/* Closing a link may close others through the callbacks: work on a copy. */
static GPtrArray *
links_snapshot (ShoalMesh *self)
{
  GPtrArray *links = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (links, g_object_ref (key));

  return links;
}

static void
abort_all_links (ShoalMesh *self)
{
  g_autoptr(GPtrArray) links = links_snapshot (self);

  for (guint i = 0; i < links->len; i++)
    shoal_link_abort (g_ptr_array_index (links, i), SHOAL_GOODBYE_SHUTDOWN, "shutdown");
}

static gboolean
close_timeout_cb (gpointer user_data)
{
  ShoalMesh *self = SHOAL_MESH (user_data);

  g_clear_pointer (&self->close_timeout, g_source_unref);
  abort_all_links (self);
  check_close_done (self);
  return G_SOURCE_REMOVE;
}

/**
 * shoal_mesh_close_async:
 * @self: a #ShoalMesh
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once every link is closed
 * @user_data: for @callback
 *
 * Says goodbye on every link, so that peers see this node leave at once,
 * waits (a second at most) for the goodbyes to cross, and forgets every
 * peer. Nothing is dialled any more.
 */
void
shoal_mesh_close_async (ShoalMesh           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) links = NULL;

  g_return_if_fail (SHOAL_IS_MESH (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_mesh_close_async);

  if (!self->open)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  self->open = FALSE;
  cancel_dialers (self);
  self->close_task = g_steal_pointer (&task);

  links = links_snapshot (self);
  for (guint i = 0; i < links->len; i++)
    {
      ShoalLink *link = g_ptr_array_index (links, i);

      if (shoal_link_get_established (link))
        shoal_link_close (link, SHOAL_GOODBYE_SHUTDOWN, NULL);
      else
        shoal_link_abort (link, SHOAL_GOODBYE_SHUTDOWN, "shutdown");
    }

  self->close_timeout = shoal_timeout_attach (self->context, CLOSE_TIMEOUT_MS, close_timeout_cb,
                                              self, NULL, "[shoal] mesh close");
  check_close_done (self);
}

/**
 * shoal_mesh_close_finish:
 * @self: a #ShoalMesh
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE once closed
 */
gboolean
shoal_mesh_close_finish (ShoalMesh     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == shoal_mesh_close_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * shoal_mesh_close:
 * @self: a #ShoalMesh
 *
 * Closes every link at once, with a goodbye where the socket takes it
 * without waiting, and forgets every peer. Completes a pending
 * shoal_mesh_close_async() too.
 */
void
shoal_mesh_close (ShoalMesh *self)
{
  gboolean had_task;

  g_return_if_fail (SHOAL_IS_MESH (self));

  self->open = FALSE;
  cancel_dialers (self);
  had_task = self->close_task != NULL;
  abort_all_links (self);
  if (had_task)
    check_close_done (self);
  else
    forget_everything (self);
}

/* GObject */

static void
shoal_mesh_dispose (GObject *object)
{
  ShoalMesh *self = SHOAL_MESH (object);

  if (self->links != NULL)
    shoal_mesh_close (self);
  g_clear_pointer (&self->links, g_hash_table_unref);
  g_clear_pointer (&self->targets, g_hash_table_unref);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_object (&self->peers);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (shoal_mesh_parent_class)->dispose (object);
}

static void
shoal_mesh_finalize (GObject *object)
{
  ShoalMesh *self = SHOAL_MESH (object);

  g_free (self->local_id);
  g_clear_pointer (&self->hello_frame, g_bytes_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (shoal_mesh_parent_class)->finalize (object);
}

static void
shoal_mesh_class_init (ShoalMeshClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_mesh_dispose;
  object_class->finalize = shoal_mesh_finalize;

  /* The node re-emits these as its own; see ShoalNode for their meaning. */
  signals[SIGNAL_PEER_ADDED] =
    g_signal_new ("peer-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);
  signals[SIGNAL_PEER_REMOVED] =
    g_signal_new ("peer-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);
  signals[SIGNAL_PEER_CONNECTED] =
    g_signal_new ("peer-connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);
  signals[SIGNAL_PEER_DISCONNECTED] =
    g_signal_new ("peer-disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, SHOAL_TYPE_PEER, G_TYPE_STRING);
}

static void
shoal_mesh_init (ShoalMesh *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) entry_free);
  self->targets = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) target_free);
  self->links = g_hash_table_new (NULL, NULL);
  self->open = TRUE;
}

/**
 * shoal_mesh_new:
 * @local_id: this node's peer id
 * @hello_frame: this node's encoded hello, sent first on every link
 * @config: limits and timings for every link
 * @client: the client to dial with
 * @peers: (element-type ShoalPeer): the store that lists the peers
 *
 * Creates the mesh of a running node; it works in the thread-default main
 * context of this call.
 *
 * Returns: (transfer full): a new #ShoalMesh
 */
ShoalMesh *
shoal_mesh_new (const gchar           *local_id,
                GBytes                *hello_frame,
                const ShoalLinkConfig *config,
                GSocketClient         *client,
                GListStore            *peers)
{
  ShoalMesh *self = g_object_new (SHOAL_TYPE_MESH, NULL);

  self->local_id = g_strdup (local_id);
  self->hello_frame = g_bytes_ref (hello_frame);
  self->config = *config;
  self->client = g_object_ref (client);
  self->peers = g_object_ref (peers);

  return self;
}

/**
 * shoal_mesh_set_message_func:
 * @self: a #ShoalMesh
 * @func: called with every message from every peer
 * @user_data: for @func
 */
void
shoal_mesh_set_message_func (ShoalMesh            *self,
                             ShoalMeshMessageFunc  func,
                             gpointer              user_data)
{
  g_return_if_fail (SHOAL_IS_MESH (self));

  self->message_func = func;
  self->message_data = user_data;
}

/**
 * shoal_mesh_set_hello_frame:
 * @self: a #ShoalMesh
 * @hello_frame: the hello for links made from now on (after a rename)
 */
void
shoal_mesh_set_hello_frame (ShoalMesh *self,
                            GBytes    *hello_frame)
{
  g_return_if_fail (SHOAL_IS_MESH (self));

  g_bytes_unref (self->hello_frame);
  self->hello_frame = g_bytes_ref (hello_frame);
}

/**
 * shoal_mesh_add_connection:
 * @self: a #ShoalMesh
 * @connection: a connection a stranger made to this node
 *
 * Takes an inbound connection; who it is becomes known from its hello.
 */
void
shoal_mesh_add_connection (ShoalMesh         *self,
                           GSocketConnection *connection)
{
  g_return_if_fail (SHOAL_IS_MESH (self));

  add_link (self, connection, FALSE, NULL, FALSE);
}

/**
 * shoal_mesh_send:
 * @self: a #ShoalMesh
 * @peer_id: a well-formed peer id
 * @type: %SHOAL_FRAME_UNICAST or %SHOAL_FRAME_BROADCAST
 * @payload: the message
 * @error: return location for a #GError
 *
 * Returns: %TRUE if queued; %FALSE with %SHOAL_ERROR_UNKNOWN_PEER,
 *   %SHOAL_ERROR_NOT_CONNECTED or %SHOAL_ERROR_QUEUE_FULL
 */
gboolean
shoal_mesh_send (ShoalMesh       *self,
                 const gchar     *peer_id,
                 ShoalFrameType   type,
                 GBytes          *payload,
                 GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  PeerEntry *entry = g_hash_table_lookup (self->entries, peer_id);

  if (entry == NULL)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_UNKNOWN_PEER, _("No peer has the id %s"),
                   peer_id);
      return FALSE;
    }

  if (entry->link != NULL && shoal_link_send (entry->link, type, payload, &local_error))
    return TRUE;

  if (g_error_matches (local_error, SHOAL_ERROR, SHOAL_ERROR_QUEUE_FULL))
    g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_QUEUE_FULL,
                 _("The send queue for peer %s is full; try again when it drains"), peer_id);
  else
    g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_CONNECTED,
                 _("Peer %s is not connected"), peer_id);
  return FALSE;
}

/**
 * shoal_mesh_broadcast:
 * @self: a #ShoalMesh
 * @payload: the message, shared by every link
 *
 * Returns: how many peers the message was queued for
 */
guint
shoal_mesh_broadcast (ShoalMesh *self,
                      GBytes    *payload)
{
  GHashTableIter iter;
  gpointer value;
  guint count = 0;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PeerEntry *entry = value;

      if (entry->link != NULL &&
          shoal_link_send (entry->link, SHOAL_FRAME_BROADCAST, payload, NULL))
        count++;
    }

  return count;
}

/**
 * shoal_mesh_lookup_peer:
 * @self: a #ShoalMesh
 * @peer_id: a peer id
 *
 * Returns: (transfer none) (nullable): the peer, if known
 */
ShoalPeer *
shoal_mesh_lookup_peer (ShoalMesh   *self,
                        const gchar *peer_id)
{
  PeerEntry *entry = g_hash_table_lookup (self->entries, peer_id);

  return entry != NULL ? entry->peer : NULL;
}

/**
 * shoal_mesh_count_links:
 * @self: a #ShoalMesh
 * @established_only: count only links past their handshake and not closing
 *
 * For tests of the one-link rule.
 *
 * Returns: how many links the mesh holds
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

  return count;
}
