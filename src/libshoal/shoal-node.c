/* shoal-node.c: the Shoal engine's façade
 *
 * The node owns the identity, the listener, the discovery backends and every
 * link, and turns them into a model of peers. Discovery reports targets (a
 * key, maybe an id, addresses); the node dials them, learns ids from
 * handshakes, and keeps exactly one live link per peer id, whatever the
 * number of targets, addresses and simultaneous dials that lead to it.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-discovery-avahi.h"
#include "shoal-error.h"
#include "shoal-frame.h"
#include "shoal-identity.h"
#include "shoal-link.h"
#include "shoal-node.h"
#include "shoal-peer-private.h"

/* The node with the larger id waits this long for the smaller one to dial,
 * so that nodes that see each other at the same moment usually make one
 * link, not two. */
#define DIAL_GRACE_MS 100
#define DIAL_BACKOFF_MIN_MS 250
#define DIAL_BACKOFF_MAX_MS 10000
#define CONNECT_TIMEOUT_S 3
#define HANDSHAKE_TIMEOUT_MS 5000
/* How long a graceful stop waits for goodbyes to be exchanged. */
#define STOP_TIMEOUT_MS 1000

typedef struct {
  GSource      *timer;        /* (owned) (nullable) a dial waiting to start */
  GCancellable *cancellable;  /* (owned) (nullable) the connect in flight */
  gboolean      active;       /* connecting or handshaking */
  gboolean      dialled_once;
  guint         backoff_ms;
} Dialer;

/* What one discovery backend reports under one key. */
typedef struct {
  gchar     *key;        /* (owned) unique within the node */
  gchar     *peer_id;    /* (owned) (nullable) from discovery or learnt by handshake */
  GPtrArray *addresses;  /* (owned) (element-type GInetSocketAddress) */
  gboolean   is_self;
  Dialer     dialer;     /* used while @peer_id is unknown */
} Target;

/* Everything the node knows about one peer id. */
typedef struct {
  ShoalPeer          *peer;          /* (owned) */
  ShoalLink          *link;          /* (owned) (nullable) the live link */
  GPtrArray          *targets;       /* (element-type Target) (unowned) */
  GInetSocketAddress *link_address;  /* (owned) (nullable) learnt from an inbound link */
  gboolean            ever_connected;
  Dialer              dialer;
} PeerEntry;

/* The node's bookkeeping for a link, alive until the link is closed. */
typedef struct {
  ShoalNode *node;       /* (unowned) */
  ShoalLink *link;       /* (owned) */
  ShoalPeer *peer;       /* (owned) (nullable) set once established */
  gchar     *owner_key;  /* (owned) (nullable) the entry id or target key that dialled it */
  gboolean   owner_is_target;
} LinkRecord;

struct _ShoalNode
{
  GObject          parent_instance;

  gchar           *name;            /* (owned) */
  guint16          port;
  gchar           *state_dir;       /* (owned) */
  gchar           *listen_address;  /* (owned) (nullable) */
  gboolean         mdns;
  guint            heartbeat_interval_ms;
  guint            heartbeat_timeout_ms;

  gchar           *id;              /* (owned) (nullable) until started */
  gchar           *session_id;      /* (owned) (nullable) until started */
  gboolean         running;
  GMainContext    *context;         /* (owned) */
  GCancellable    *cancellable;     /* (owned) (nullable) while running */
  GSocketListener *listener;        /* (owned) (nullable) while running */
  GSocketClient   *client;          /* (owned) */
  GBytes          *hello_frame;     /* (owned) (nullable) while running */

  GListStore      *peers;           /* (owned) (element-type ShoalPeer) */
  GHashTable      *entries;         /* (owned) id → PeerEntry */
  GHashTable      *targets;         /* (owned) key → Target */
  GHashTable      *links;           /* (owned) ShoalLink → LinkRecord */
  GPtrArray       *discoveries;     /* (owned) (element-type ShoalDiscovery) */
  ShoalDiscovery  *avahi;           /* (unowned) (nullable) one of @discoveries */

  GTask           *stop_task;       /* (owned) (nullable) */
  GSource         *stop_timeout;    /* (owned) (nullable) */
};

G_DEFINE_TYPE (ShoalNode, shoal_node, G_TYPE_OBJECT)

typedef enum {
  PROP_ID = 1,
  PROP_SESSION_ID,
  PROP_NAME,
  PROP_PORT,
  PROP_STATE_DIR,
  PROP_LISTEN_ADDRESS,
  PROP_MDNS,
  PROP_HEARTBEAT_INTERVAL,
  PROP_HEARTBEAT_TIMEOUT,
  PROP_RUNNING,
  PROP_PEERS,
} ShoalNodeProperty;

static GParamSpec *props[PROP_PEERS + 1] = { NULL, };

enum {
  SIGNAL_PEER_ADDED,
  SIGNAL_PEER_REMOVED,
  SIGNAL_PEER_CONNECTED,
  SIGNAL_PEER_DISCONNECTED,
  SIGNAL_MESSAGE_RECEIVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void maybe_dial_entry (ShoalNode *self,
                              PeerEntry *entry);

/* Every source goes to the node's own context, which need not be the
 * global default one. */
static GSource *
node_timeout_add (ShoalNode      *self,
                  guint           ms,
                  GSourceFunc     func,
                  gpointer        data,
                  GDestroyNotify  notify)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[shoal] node timer");
  g_source_attach (source, self->context);
  return source;
}
static void maybe_dial_target (ShoalNode *self,
                               Target    *target);

/* Dialers */

/* Sources are kept as pointers, not ids: ids are per context, and
 * g_source_remove() looks only in the global default one. */
static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
dialer_cancel (Dialer *dialer)
{
  clear_source (&dialer->timer);
  if (dialer->cancellable != NULL)
    g_cancellable_cancel (dialer->cancellable);
  g_clear_object (&dialer->cancellable);
  dialer->active = FALSE;
}

static void
dialer_succeeded (Dialer *dialer)
{
  dialer_cancel (dialer);
  dialer->backoff_ms = 0;
}

static void
dialer_failed (Dialer *dialer)
{
  g_clear_object (&dialer->cancellable);
  dialer->active = FALSE;
  dialer->backoff_ms = dialer->backoff_ms == 0
    ? DIAL_BACKOFF_MIN_MS
    : MIN (dialer->backoff_ms * 2, DIAL_BACKOFF_MAX_MS);
}

/* Targets and entries */

static void
target_free (Target *target)
{
  dialer_cancel (&target->dialer);
  g_free (target->key);
  g_free (target->peer_id);
  g_ptr_array_unref (target->addresses);
  g_free (target);
}

static void
entry_free (PeerEntry *entry)
{
  dialer_cancel (&entry->dialer);
  g_clear_object (&entry->link);
  g_clear_object (&entry->link_address);
  g_ptr_array_unref (entry->targets);
  g_object_unref (entry->peer);
  g_free (entry);
}

static gboolean
address_in (GPtrArray          *addresses,
            GInetSocketAddress *address)
{
  for (guint i = 0; i < addresses->len; i++)
    {
      GInetSocketAddress *other = g_ptr_array_index (addresses, i);

      if (g_inet_socket_address_get_port (other) == g_inet_socket_address_get_port (address) &&
          g_inet_socket_address_get_scope_id (other) == g_inet_socket_address_get_scope_id (address) &&
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

static void
entry_update_state (PeerEntry *entry)
{
  ShoalPeerState state;

  if (entry->link != NULL)
    state = SHOAL_PEER_STATE_CONNECTED;
  else if (entry->dialer.active)
    state = SHOAL_PEER_STATE_CONNECTING;
  else if (entry->ever_connected)
    state = SHOAL_PEER_STATE_LOST;
  else
    state = SHOAL_PEER_STATE_DISCOVERED;

  shoal_peer_set_state (entry->peer, state);
}

static PeerEntry *
ensure_entry (ShoalNode   *self,
              const gchar *peer_id)
{
  PeerEntry *entry = g_hash_table_lookup (self->entries, peer_id);

  if (entry != NULL)
    return entry;

  entry = g_new0 (PeerEntry, 1);
  entry->peer = shoal_peer_new (peer_id);
  entry->targets = g_ptr_array_new ();
  g_hash_table_insert (self->entries, g_strdup (peer_id), entry);
  g_list_store_append (self->peers, entry->peer);

  g_debug ("Peer %s added", peer_id);
  g_signal_emit (self, signals[SIGNAL_PEER_ADDED], 0, entry->peer);
  return entry;
}

static void
remove_entry (ShoalNode *self,
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
entry_check_gone (ShoalNode *self,
                  PeerEntry *entry)
{
  if (entry->link == NULL && entry->targets->len == 0 && !entry->dialer.active)
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

  g_signal_emit (record->node, signals[SIGNAL_MESSAGE_RECEIVED], 0, record->peer, payload,
                 broadcast);
}

static void
link_traffic_cb (ShoalLink *link,
                 guint64    messages_in,
                 guint64    bytes_in,
                 guint64    messages_out,
                 guint64    bytes_out,
                 gpointer   user_data)
{
  LinkRecord *record = user_data;

  if (record->peer == NULL)
    return;

  if (messages_out == 0)
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
owner_dial_failed (ShoalNode   *self,
                   const gchar *owner_key,
                   gboolean     owner_is_target)
{
  if (owner_is_target)
    {
      Target *target = g_hash_table_lookup (self->targets, owner_key);

      if (target == NULL)
        return;
      dialer_failed (&target->dialer);
      if (target->peer_id != NULL)
        {
          PeerEntry *entry = g_hash_table_lookup (self->entries, target->peer_id);

          if (entry != NULL)
            maybe_dial_entry (self, entry);
        }
      else
        {
          maybe_dial_target (self, target);
        }
    }
  else
    {
      PeerEntry *entry = g_hash_table_lookup (self->entries, owner_key);

      if (entry == NULL)
        return;
      dialer_failed (&entry->dialer);
      entry_update_state (entry);
      if (entry->link == NULL && entry->targets->len == 0)
        remove_entry (self, entry);
      else
        maybe_dial_entry (self, entry);
    }
}

static void
adopt_link (ShoalNode  *self,
            PeerEntry  *entry,
            LinkRecord *record)
{
  gboolean was_connected = entry->link != NULL;

  g_set_object (&entry->link, record->link);
  entry->ever_connected = TRUE;
  dialer_succeeded (&entry->dialer);
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
new_link_wins (ShoalNode *self,
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
      gboolean we_are_smaller = strcmp (self->id, new_hello->peer_id) < 0;

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
  ShoalNode *self = record->node;
  const ShoalHello *hello = shoal_link_get_remote_hello (link);
  Target *target = NULL;
  PeerEntry *entry;
  ShoalLink *current;

  if (record->owner_is_target)
    target = g_hash_table_lookup (self->targets, record->owner_key);

  if (g_str_equal (hello->peer_id, self->id))
    {
      /* A configured address that turns out to be this very node. */
      if (target != NULL)
        {
          target->is_self = TRUE;
          dialer_cancel (&target->dialer);
        }
      shoal_link_close (link, SHOAL_GOODBYE_SELF, "connected to itself");
      return;
    }

  entry = ensure_entry (self, hello->peer_id);
  record->peer = g_object_ref (entry->peer);
  shoal_peer_set_name (entry->peer, hello->name);

  if (!record->owner_is_target && record->owner_key != NULL)
    {
      PeerEntry *owner = g_hash_table_lookup (self->entries, record->owner_key);

      /* The address now belongs to another node: the owner's dial failed. */
      if (owner == entry)
        dialer_succeeded (&owner->dialer);
      else if (owner != NULL)
        owner_dial_failed (self, record->owner_key, FALSE);
    }

  if (target != NULL)
    {
      if (target->peer_id == NULL)
        target->peer_id = g_strdup (hello->peer_id);
      dialer_succeeded (&target->dialer);
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
                      "scope-id", g_inet_socket_address_get_scope_id (remote),
                      NULL));
    }
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
check_stop_done (ShoalNode *self);

static void
link_closed_cb (ShoalLink   *link,
                const gchar *reason,
                gpointer     user_data)
{
  LinkRecord *record = user_data;
  ShoalNode *self = record->node;
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

      if (self->running && entry->targets->len > 0)
        {
          /* The peer may be back in an instant (a restart) or never: the
           * backoff covers both without hammering. */
          if (entry->dialer.backoff_ms == 0)
            entry->dialer.backoff_ms = DIAL_BACKOFF_MIN_MS;
          maybe_dial_entry (self, entry);
        }
      else
        {
          entry_check_gone (self, entry);
        }
    }
  else if (!established && record->owner_key != NULL && self->running)
    {
      owner_dial_failed (self, record->owner_key, record->owner_is_target);
    }

  link_record_free (record);
  check_stop_done (self);
}

static void
add_link (ShoalNode         *self,
          GSocketConnection *connection,
          gboolean           outbound,
          const gchar       *owner_key,
          gboolean           owner_is_target)
{
  ShoalLinkConfig config = {
    .heartbeat_interval_ms = self->heartbeat_interval_ms,
    .heartbeat_timeout_ms = self->heartbeat_timeout_ms,
    .handshake_timeout_ms = HANDSHAKE_TIMEOUT_MS,
    .max_queue_bytes = SHOAL_NODE_DEFAULT_MAX_QUEUE_BYTES,
    .max_data_body = SHOAL_FRAME_MAX_DATA_BODY,
  };
  LinkRecord *record = g_new0 (LinkRecord, 1);
  gboolean overloaded = g_hash_table_size (self->links) >= SHOAL_NODE_DEFAULT_MAX_LINKS;

  record->node = self;
  record->link = shoal_link_new (connection, outbound, self->hello_frame, &config);
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

typedef struct {
  ShoalNode    *node;        /* (unowned) every attempt is cancelled before the node goes */
  gchar        *owner_key;   /* (owned) */
  gboolean      owner_is_target;
  GPtrArray    *addresses;   /* (owned) */
  guint         next;
  GCancellable *cancellable; /* (owned) */
} DialAttempt;

static void
dial_attempt_free (DialAttempt *attempt)
{
  g_free (attempt->owner_key);
  g_ptr_array_unref (attempt->addresses);
  g_object_unref (attempt->cancellable);
  g_free (attempt);
}

static void dial_next (DialAttempt *attempt);

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  DialAttempt *attempt = user_data;
  ShoalNode *self = attempt->node;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (g_cancellable_is_cancelled (attempt->cancellable))
    {
      dial_attempt_free (attempt);
      return;
    }

  if (connection == NULL)
    {
      g_autofree gchar *where =
        shoal_socket_address_to_string (g_ptr_array_index (attempt->addresses, attempt->next - 1));

      g_debug ("Dialling %s at %s: %s", attempt->owner_key, where, error->message);
      dial_next (attempt);
      return;
    }

  /* The client's timeout was for connecting; links keep their own time. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 0);
  add_link (self, connection, TRUE, attempt->owner_key, attempt->owner_is_target);
  dial_attempt_free (attempt);
}

static void
dial_next (DialAttempt *attempt)
{
  if (attempt->next >= attempt->addresses->len)
    {
      ShoalNode *self = attempt->node;

      owner_dial_failed (self, attempt->owner_key, attempt->owner_is_target);
      dial_attempt_free (attempt);
      return;
    }

  g_socket_client_connect_async (attempt->node->client,
                                 g_ptr_array_index (attempt->addresses, attempt->next++),
                                 attempt->cancellable, connect_cb, attempt);
}

static void
dial (ShoalNode   *self,
      Dialer      *dialer,
      const gchar *owner_key,
      gboolean     owner_is_target,
      GPtrArray   *addresses)
{
  DialAttempt *attempt = g_new0 (DialAttempt, 1);

  dialer->active = TRUE;
  dialer->dialled_once = TRUE;
  g_clear_object (&dialer->cancellable);
  dialer->cancellable = g_cancellable_new ();

  attempt->node = self;
  attempt->owner_key = g_strdup (owner_key);
  attempt->owner_is_target = owner_is_target;
  attempt->addresses = g_ptr_array_ref (addresses);
  attempt->cancellable = g_object_ref (dialer->cancellable);

  g_debug ("Dialling %s (%u address(es))", owner_key, addresses->len);
  dial_next (attempt);
}

typedef struct {
  ShoalNode *node;  /* (unowned) the timer dies with the dialer, which dies before the node */
  gchar     *key;   /* (owned) */
  gboolean   is_target;
} DialTimer;

static void
dial_timer_free (DialTimer *timer)
{
  g_free (timer->key);
  g_free (timer);
}

static gboolean
dial_timer_cb (gpointer user_data)
{
  DialTimer *timer = user_data;
  ShoalNode *self = timer->node;

  if (timer->is_target)
    {
      Target *target = g_hash_table_lookup (self->targets, timer->key);

      g_clear_pointer (&target->dialer.timer, g_source_unref);
      if (target->peer_id == NULL && !target->is_self)
        dial (self, &target->dialer, target->key, TRUE, target->addresses);
    }
  else
    {
      PeerEntry *entry = g_hash_table_lookup (self->entries, timer->key);
      g_autoptr(GPtrArray) addresses = NULL;

      g_clear_pointer (&entry->dialer.timer, g_source_unref);
      addresses = entry_addresses (entry);
      /* The peer may have dialled us while we waited. */
      if (entry->link == NULL && addresses->len > 0)
        {
          dial (self, &entry->dialer, shoal_peer_get_id (entry->peer), FALSE, addresses);
          entry_update_state (entry);
        }
    }

  return G_SOURCE_REMOVE;
}

static void
schedule_dial (ShoalNode   *self,
               Dialer      *dialer,
               const gchar *key,
               gboolean     is_target,
               guint        delay_ms)
{
  DialTimer *timer = g_new0 (DialTimer, 1);

  timer->node = self;
  timer->key = g_strdup (key);
  timer->is_target = is_target;
  dialer->timer = node_timeout_add (self, delay_ms, dial_timer_cb, timer,
                                       (GDestroyNotify) dial_timer_free);
}

static void
maybe_dial_entry (ShoalNode *self,
                  PeerEntry *entry)
{
  const gchar *peer_id = shoal_peer_get_id (entry->peer);
  guint delay;

  if (!self->running || entry->link != NULL || entry->dialer.active ||
      entry->dialer.timer != NULL)
    return;

  if (entry->targets->len == 0 && entry->link_address == NULL)
    return;

  delay = entry->dialer.backoff_ms;
  if (!entry->dialer.dialled_once && strcmp (self->id, peer_id) > 0)
    delay = MAX (delay, DIAL_GRACE_MS);

  schedule_dial (self, &entry->dialer, peer_id, FALSE, delay);
}

static void
maybe_dial_target (ShoalNode *self,
                   Target    *target)
{
  if (!self->running || target->peer_id != NULL || target->is_self ||
      target->dialer.active || target->dialer.timer != NULL || target->addresses->len == 0)
    return;

  schedule_dial (self, &target->dialer, target->key, TRUE, target->dialer.backoff_ms);
}

/* Discovery */

static gchar *
target_key (ShoalNode      *self,
            ShoalDiscovery *discovery,
            const gchar    *key)
{
  guint index = 0;

  g_ptr_array_find (self->discoveries, discovery, &index);
  return g_strdup_printf ("%u/%s", index, key);
}

static void
target_detach (ShoalNode *self,
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
  entry_update_addresses (entry);
  entry_check_gone (self, entry);
}

static void
peer_found_cb (ShoalDiscovery *discovery,
               const gchar    *key,
               const gchar    *peer_id,
               const gchar    *name,
               GPtrArray      *addresses,
               gpointer        user_data)
{
  ShoalNode *self = SHOAL_NODE (user_data);
  g_autofree gchar *full_key = target_key (self, discovery, key);
  Target *target;

  if (!self->running)
    return;

  /* Our own advertisement, seen through mDNS. */
  if (peer_id != NULL && g_strcmp0 (peer_id, self->id) == 0)
    return;

  target = g_hash_table_lookup (self->targets, full_key);
  if (target == NULL)
    {
      target = g_new0 (Target, 1);
      target->key = g_strdup (full_key);
      target->addresses = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_insert (self->targets, target->key, target);
    }

  g_ptr_array_set_size (target->addresses, 0);
  for (guint i = 0; i < addresses->len; i++)
    g_ptr_array_add (target->addresses, g_object_ref (g_ptr_array_index (addresses, i)));

  if (peer_id != NULL && g_strcmp0 (target->peer_id, peer_id) != 0)
    {
      target_detach (self, target);
      target->peer_id = g_strdup (peer_id);
      dialer_cancel (&target->dialer);
    }

  if (target->peer_id != NULL)
    {
      PeerEntry *entry = ensure_entry (self, target->peer_id);

      if (!g_ptr_array_find (entry->targets, target, NULL))
        g_ptr_array_add (entry->targets, target);
      if (shoal_peer_get_name (entry->peer) == NULL && name != NULL)
        shoal_peer_set_name (entry->peer, name);
      entry_update_addresses (entry);
      maybe_dial_entry (self, entry);
    }
  else
    {
      maybe_dial_target (self, target);
    }
}

static void
peer_lost_cb (ShoalDiscovery *discovery,
              const gchar    *key,
              gpointer        user_data)
{
  ShoalNode *self = SHOAL_NODE (user_data);
  g_autofree gchar *full_key = target_key (self, discovery, key);
  Target *target = g_hash_table_lookup (self->targets, full_key);

  if (target == NULL)
    return;

  g_hash_table_steal (self->targets, full_key);
  target_detach (self, target);
  target_free (target);
}

static void
name_changed_cb (ShoalDiscovery *discovery,
                 const gchar    *name,
                 gpointer        user_data)
{
  ShoalNode *self = SHOAL_NODE (user_data);
  ShoalHello hello = { 0, };

  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_message ("This node is now announced as “%s”", name);
  g_free (self->name);
  self->name = g_strdup (name);

  /* Links made from now on introduce us by the new name. */
  if (self->hello_frame != NULL)
    {
      hello.version = SHOAL_PROTOCOL_VERSION_MAX;
      hello.min_version = SHOAL_PROTOCOL_VERSION_MIN;
      hello.peer_id = self->id;
      hello.session_id = self->session_id;
      hello.name = self->name;
      hello.port = self->port;
      g_bytes_unref (self->hello_frame);
      self->hello_frame = shoal_frame_encode_hello (&hello);
    }

  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NAME]);
}

/* Listening */

static void accept_next (ShoalNode *self);

static void
accept_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  ShoalNode *self = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  /* A stopped node cancels its accept before going away, so a cancelled
   * accept must not touch it. */
  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (connection == NULL)
    /* Out of descriptors and the like: log and keep accepting. */
    g_warning ("Cannot accept a connection: %s", error->message);
  else
    add_link (self, connection, FALSE, NULL, FALSE);

  accept_next (self);
}

static void
accept_next (ShoalNode *self)
{
  g_socket_listener_accept_async (self->listener, self->cancellable, accept_cb, self);
}

static gboolean
listen (ShoalNode  *self,
        GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  guint16 port = self->port;

  self->listener = g_socket_listener_new ();

  if (self->listen_address != NULL)
    {
      g_autoptr(GSocketAddress) address = NULL;
      g_autoptr(GSocketAddress) effective = NULL;

      address = g_inet_socket_address_new_from_string (self->listen_address, port);
      if (address == NULL)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not an IP address to listen on"), self->listen_address);
          return FALSE;
        }
      if (g_socket_listener_add_address (self->listener, address, G_SOCKET_TYPE_STREAM,
                                         G_SOCKET_PROTOCOL_TCP, NULL, &effective, &local_error))
        port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
    }
  else if (port == 0)
    {
      port = g_socket_listener_add_any_inet_port (self->listener, NULL, &local_error);
    }
  else
    {
      g_socket_listener_add_inet_port (self->listener, port, NULL, &local_error);
    }

  if (local_error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  _("Cannot listen on port %u: "), self->port);
      g_clear_object (&self->listener);
      return FALSE;
    }

  self->port = port;
  return TRUE;
}

/* GObject */

static void
shoal_node_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ShoalNode *self = SHOAL_NODE (object);

  switch ((ShoalNodeProperty) prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_SESSION_ID:
      g_value_set_string (value, self->session_id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_STATE_DIR:
      g_value_set_string (value, self->state_dir);
      break;
    case PROP_LISTEN_ADDRESS:
      g_value_set_string (value, self->listen_address);
      break;
    case PROP_MDNS:
      g_value_set_boolean (value, self->mdns);
      break;
    case PROP_HEARTBEAT_INTERVAL:
      g_value_set_uint (value, self->heartbeat_interval_ms);
      break;
    case PROP_HEARTBEAT_TIMEOUT:
      g_value_set_uint (value, self->heartbeat_timeout_ms);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    case PROP_PEERS:
      g_value_set_object (value, self->peers);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_node_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  ShoalNode *self = SHOAL_NODE (object);

  switch ((ShoalNodeProperty) prop_id)
    {
    case PROP_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      if (self->name == NULL || *self->name == '\0')
        {
          g_free (self->name);
          self->name = g_strdup (g_get_host_name ());
        }
      break;
    case PROP_PORT:
      self->port = (guint16) g_value_get_uint (value);
      break;
    case PROP_STATE_DIR:
      g_free (self->state_dir);
      self->state_dir = g_value_dup_string (value);
      break;
    case PROP_LISTEN_ADDRESS:
      shoal_node_set_listen_address (self, g_value_get_string (value));
      break;
    case PROP_MDNS:
      shoal_node_set_mdns (self, g_value_get_boolean (value));
      break;
    case PROP_HEARTBEAT_INTERVAL:
      shoal_node_set_heartbeat (self, g_value_get_uint (value), self->heartbeat_timeout_ms);
      break;
    case PROP_HEARTBEAT_TIMEOUT:
      shoal_node_set_heartbeat (self, self->heartbeat_interval_ms, g_value_get_uint (value));
      break;
    case PROP_ID:
    case PROP_SESSION_ID:
    case PROP_RUNNING:
    case PROP_PEERS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_node_dispose (GObject *object)
{
  ShoalNode *self = SHOAL_NODE (object);

  shoal_node_stop (self);
  g_clear_pointer (&self->links, g_hash_table_unref);
  g_clear_pointer (&self->targets, g_hash_table_unref);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  self->avahi = NULL;
  g_clear_pointer (&self->discoveries, g_ptr_array_unref);
  g_clear_object (&self->peers);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (shoal_node_parent_class)->dispose (object);
}

static void
shoal_node_finalize (GObject *object)
{
  ShoalNode *self = SHOAL_NODE (object);

  g_free (self->name);
  g_free (self->state_dir);
  g_free (self->listen_address);
  g_free (self->id);
  g_free (self->session_id);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (shoal_node_parent_class)->finalize (object);
}

static void
shoal_node_class_init (ShoalNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = shoal_node_get_property;
  object_class->set_property = shoal_node_set_property;
  object_class->dispose = shoal_node_dispose;
  object_class->finalize = shoal_node_finalize;

  /**
   * ShoalNode:id:
   *
   * This node's peer id, read from the state directory at start.
   */
  props[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, ro);

  /**
   * ShoalNode:session-id:
   *
   * Random per start, so peers tell a restart from a reconnection.
   */
  props[PROP_SESSION_ID] = g_param_spec_string ("session-id", NULL, NULL, NULL, ro);

  /**
   * ShoalNode:name:
   *
   * The name this node announces. It changes if mDNS finds it taken.
   */
  props[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ShoalNode:port:
   *
   * The TCP port to listen on (0 for any); once started, the bound port.
   */
  props[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                       G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ShoalNode:state-dir:
   *
   * Where the node keeps its identity.
   */
  props[PROP_STATE_DIR] =
    g_param_spec_string ("state-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ShoalNode:listen-address:
   *
   * The IP address to listen on, or %NULL for every address.
   */
  props[PROP_LISTEN_ADDRESS] = g_param_spec_string ("listen-address", NULL, NULL, NULL, rw);

  /**
   * ShoalNode:mdns:
   *
   * Whether the node announces itself and finds peers over mDNS/DNS-SD.
   */
  props[PROP_MDNS] = g_param_spec_boolean ("mdns", NULL, NULL, TRUE, rw);

  /**
   * ShoalNode:heartbeat-interval:
   *
   * Milliseconds between pings on a link.
   */
  props[PROP_HEARTBEAT_INTERVAL] =
    g_param_spec_uint ("heartbeat-interval", NULL, NULL, 10, 3600 * 1000,
                       SHOAL_NODE_DEFAULT_HEARTBEAT_INTERVAL_MS, rw);

  /**
   * ShoalNode:heartbeat-timeout:
   *
   * Milliseconds of silence after which a peer is lost.
   */
  props[PROP_HEARTBEAT_TIMEOUT] =
    g_param_spec_uint ("heartbeat-timeout", NULL, NULL, 20, 3600 * 1000,
                       SHOAL_NODE_DEFAULT_HEARTBEAT_TIMEOUT_MS, rw);

  /**
   * ShoalNode:running:
   *
   * Whether the node has been started and not stopped.
   */
  props[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);

  /**
   * ShoalNode:peers:
   *
   * The known peers, a #GListModel of #ShoalPeer.
   */
  props[PROP_PEERS] = g_param_spec_object ("peers", NULL, NULL, G_TYPE_LIST_MODEL, ro);

  g_object_class_install_properties (object_class, G_N_ELEMENTS (props), props);

  /**
   * ShoalNode::peer-added:
   * @self: the node
   * @peer: the new peer
   *
   * A peer became known, from discovery or from its handshake.
   */
  signals[SIGNAL_PEER_ADDED] =
    g_signal_new ("peer-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);

  /**
   * ShoalNode::peer-removed:
   * @self: the node
   * @peer: the peer
   *
   * A peer is gone: no link and no discovery record vouch for it.
   */
  signals[SIGNAL_PEER_REMOVED] =
    g_signal_new ("peer-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);

  /**
   * ShoalNode::peer-connected:
   * @self: the node
   * @peer: the peer
   *
   * A live link to @peer now carries messages.
   */
  signals[SIGNAL_PEER_CONNECTED] =
    g_signal_new ("peer-connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);

  /**
   * ShoalNode::peer-disconnected:
   * @self: the node
   * @peer: the peer
   * @reason: why: "shutdown" when it left cleanly, "timeout: …",
   *   "connection closed", "protocol error: …"
   *
   * The live link to @peer is gone.
   */
  signals[SIGNAL_PEER_DISCONNECTED] =
    g_signal_new ("peer-disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, SHOAL_TYPE_PEER, G_TYPE_STRING);

  /**
   * ShoalNode::message-received:
   * @self: the node
   * @peer: the sender
   * @payload: the message, byte for byte
   * @broadcast: whether the sender broadcast it to all its peers
   *
   * A message arrived. Messages from one peer arrive in the order sent.
   */
  signals[SIGNAL_MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  SHOAL_TYPE_PEER, G_TYPE_BYTES | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_BOOLEAN);
}

static void
shoal_node_init (ShoalNode *self)
{
  self->mdns = TRUE;
  self->heartbeat_interval_ms = SHOAL_NODE_DEFAULT_HEARTBEAT_INTERVAL_MS;
  self->heartbeat_timeout_ms = SHOAL_NODE_DEFAULT_HEARTBEAT_TIMEOUT_MS;
  self->context = g_main_context_ref_thread_default ();
  self->peers = g_list_store_new (SHOAL_TYPE_PEER);
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) entry_free);
  self->targets = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) target_free);
  self->links = g_hash_table_new (NULL, NULL);
  self->discoveries = g_ptr_array_new_with_free_func (g_object_unref);

  self->client = g_socket_client_new ();
  g_socket_client_set_enable_proxy (self->client, FALSE);
  g_socket_client_set_timeout (self->client, CONNECT_TIMEOUT_S);
}

/**
 * shoal_node_new:
 * @name: (nullable): the name to announce; %NULL for the host name
 * @port: the TCP port to listen on, 0 for any
 * @state_dir: where to keep the node's identity
 *
 * Creates a node. It does nothing until shoal_node_start(); everything it
 * does then happens in the thread-default main context of this call.
 *
 * Returns: (transfer full): a new #ShoalNode
 */
ShoalNode *
shoal_node_new (const gchar *name,
                guint16      port,
                const gchar *state_dir)
{
  g_return_val_if_fail (state_dir != NULL, NULL);

  return g_object_new (SHOAL_TYPE_NODE,
                       "name", name,
                       "port", (guint) port,
                       "state-dir", state_dir,
                       NULL);
}

/**
 * shoal_node_add_discovery:
 * @self: a #ShoalNode
 * @discovery: a discovery backend
 *
 * Adds a source of peers; it starts with the node.
 */
void
shoal_node_add_discovery (ShoalNode      *self,
                          ShoalDiscovery *discovery)
{
  g_return_if_fail (SHOAL_IS_NODE (self));
  g_return_if_fail (SHOAL_IS_DISCOVERY (discovery));
  g_return_if_fail (!g_ptr_array_find (self->discoveries, discovery, NULL));

  g_ptr_array_add (self->discoveries, g_object_ref (discovery));
  g_signal_connect_object (discovery, "peer-found", G_CALLBACK (peer_found_cb), self, 0);
  g_signal_connect_object (discovery, "peer-lost", G_CALLBACK (peer_lost_cb), self, 0);
  g_signal_connect_object (discovery, "name-changed", G_CALLBACK (name_changed_cb), self, 0);

  if (self->running)
    shoal_discovery_start (discovery, self->id, self->session_id, self->name, self->port);
}

/**
 * shoal_node_start:
 * @self: a #ShoalNode
 * @error: return location for a #GError
 *
 * Loads (or creates) the node's identity, starts listening and starts every
 * discovery backend: from here on the node dials the peers it finds and
 * accepts those that dial it.
 *
 * Returns: %TRUE on success; %FALSE with %SHOAL_ERROR_STATE_DIRECTORY if the
 *   state directory is unusable, or a #GIOError such as
 *   %G_IO_ERROR_ADDRESS_IN_USE if the port cannot be bound
 */
gboolean
shoal_node_start (ShoalNode  *self,
                  GError    **error)
{
  ShoalHello hello = { 0, };
  g_autofree gchar *id = NULL;

  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  g_return_val_if_fail (!self->running, FALSE);
  g_return_val_if_fail (self->stop_task == NULL, FALSE);

  id = shoal_identity_load_or_create (self->state_dir, error);
  if (id == NULL)
    return FALSE;

  if (!listen (self, error))
    return FALSE;

  g_free (self->id);
  self->id = g_steal_pointer (&id);
  g_free (self->session_id);
  self->session_id = shoal_identity_new_random_id ();

  hello.version = SHOAL_PROTOCOL_VERSION_MAX;
  hello.min_version = SHOAL_PROTOCOL_VERSION_MIN;
  hello.peer_id = self->id;
  hello.session_id = self->session_id;
  hello.name = self->name;
  hello.port = self->port;
  g_clear_pointer (&self->hello_frame, g_bytes_unref);
  self->hello_frame = shoal_frame_encode_hello (&hello);

  if (self->mdns && self->avahi == NULL)
    {
      self->avahi = SHOAL_DISCOVERY (shoal_discovery_avahi_new ());
      shoal_node_add_discovery (self, self->avahi);
    }

  self->cancellable = g_cancellable_new ();
  self->running = TRUE;
  accept_next (self);

  for (guint i = 0; i < self->discoveries->len; i++)
    shoal_discovery_start (g_ptr_array_index (self->discoveries, i),
                           self->id, self->session_id, self->name, self->port);

  g_message ("Node %s (%s) listening on port %u", self->id, self->name, self->port);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ID]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SESSION_ID]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
  g_object_thaw_notify (G_OBJECT (self));

  return TRUE;
}

/* Stops accepting and finding; links are left to the caller. */
static void
stop_sources (ShoalNode *self)
{
  GHashTableIter iter;
  gpointer value;

  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->listener != NULL)
    g_socket_listener_close (self->listener);
  g_clear_object (&self->listener);

  for (guint i = 0; i < self->discoveries->len; i++)
    shoal_discovery_stop (g_ptr_array_index (self->discoveries, i));

  g_hash_table_iter_init (&iter, self->targets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    dialer_cancel (&((Target *) value)->dialer);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    dialer_cancel (&((PeerEntry *) value)->dialer);
}

/* Once every link is closed: forget every peer and target. */
static void
forget_everything (ShoalNode *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PeerEntry *entry = value;

      g_ptr_array_set_size (entry->targets, 0);
      entry->dialer.active = FALSE;
    }

  while (g_hash_table_size (self->entries) > 0)
    {
      g_hash_table_iter_init (&iter, self->entries);
      g_hash_table_iter_next (&iter, NULL, &value);
      remove_entry (self, value);
    }

  g_hash_table_remove_all (self->targets);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
}

static void
check_stop_done (ShoalNode *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->stop_task == NULL || g_hash_table_size (self->links) > 0)
    return;

  clear_source (&self->stop_timeout);
  task = g_steal_pointer (&self->stop_task);
  forget_everything (self);
  g_task_return_boolean (task, TRUE);
}

/* Closing a link may close others through the callbacks: work on a copy. */
static GPtrArray *
links_snapshot (ShoalNode *self)
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
abort_all_links (ShoalNode *self)
{
  g_autoptr(GPtrArray) links = links_snapshot (self);

  for (guint i = 0; i < links->len; i++)
    shoal_link_abort (g_ptr_array_index (links, i), SHOAL_GOODBYE_SHUTDOWN, "shutdown");
}

static gboolean
stop_timeout_cb (gpointer user_data)
{
  ShoalNode *self = SHOAL_NODE (user_data);

  g_clear_pointer (&self->stop_timeout, g_source_unref);
  abort_all_links (self);
  check_stop_done (self);
  return G_SOURCE_REMOVE;
}

/**
 * shoal_node_stop_async:
 * @self: a #ShoalNode
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the node has stopped
 * @user_data: for @callback
 *
 * Stops the node gracefully: it says goodbye on every link, so its peers see
 * it leave at once, waits (a second at most) for the goodbyes to cross, and
 * then forgets every peer.
 */
void
shoal_node_stop_async (ShoalNode           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) links = NULL;

  g_return_if_fail (SHOAL_IS_NODE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_node_stop_async);

  if (!self->running || self->stop_task != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  stop_sources (self);
  self->stop_task = g_steal_pointer (&task);

  links = links_snapshot (self);
  for (guint i = 0; i < links->len; i++)
    {
      ShoalLink *link = g_ptr_array_index (links, i);

      if (shoal_link_get_established (link))
        shoal_link_close (link, SHOAL_GOODBYE_SHUTDOWN, NULL);
      else
        shoal_link_abort (link, SHOAL_GOODBYE_SHUTDOWN, "shutdown");
    }

  self->stop_timeout = node_timeout_add (self, STOP_TIMEOUT_MS, stop_timeout_cb, self, NULL);
  check_stop_done (self);
}

/**
 * shoal_node_stop_finish:
 * @self: a #ShoalNode
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE once stopped
 */
gboolean
shoal_node_stop_finish (ShoalNode     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == shoal_node_stop_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * shoal_node_stop:
 * @self: a #ShoalNode
 *
 * Stops the node at once: a goodbye is written on every link where the
 * socket takes it without waiting, and every link is closed. Prefer
 * shoal_node_stop_async(), which waits for the goodbyes to cross.
 */
void
shoal_node_stop (ShoalNode *self)
{
  gboolean had_task;

  g_return_if_fail (SHOAL_IS_NODE (self));

  if (self->running)
    stop_sources (self);
  else if (self->stop_task == NULL)
    return;

  had_task = self->stop_task != NULL;
  abort_all_links (self);
  if (had_task)
    check_stop_done (self);
  else
    forget_everything (self);
}

/**
 * shoal_node_send:
 * @self: a #ShoalNode
 * @peer_id: the recipient's id
 * @payload: the message; its bytes are shared, not copied
 * @error: return location for a #GError
 *
 * Queues a message for one peer. Messages to one peer arrive in the order
 * they were queued.
 *
 * Returns: %TRUE if queued; %FALSE with %SHOAL_ERROR_INVALID_PEER_ID,
 *   %SHOAL_ERROR_MESSAGE_TOO_LARGE, %SHOAL_ERROR_NOT_RUNNING,
 *   %SHOAL_ERROR_UNKNOWN_PEER, %SHOAL_ERROR_NOT_CONNECTED or
 *   %SHOAL_ERROR_QUEUE_FULL (wait for the queue to drain and retry)
 */
gboolean
shoal_node_send (ShoalNode    *self,
                 const gchar  *peer_id,
                 GBytes       *payload,
                 GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  PeerEntry *entry;

  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  g_return_val_if_fail (payload != NULL, FALSE);

  if (!shoal_peer_id_is_valid (peer_id))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_PEER_ID,
                   _("“%s” is not a peer id (32 lowercase hex characters)"),
                   peer_id != NULL ? peer_id : "");
      return FALSE;
    }

  if (g_bytes_get_size (payload) > SHOAL_NODE_MAX_MESSAGE_SIZE)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_MESSAGE_TOO_LARGE,
                   _("A message may carry at most %u bytes"), SHOAL_NODE_MAX_MESSAGE_SIZE);
      return FALSE;
    }

  if (!self->running)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_NOT_RUNNING,
                           _("The node is not running"));
      return FALSE;
    }

  entry = g_hash_table_lookup (self->entries, peer_id);
  if (entry == NULL)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_UNKNOWN_PEER, _("No peer has the id %s"),
                   peer_id);
      return FALSE;
    }

  if (entry->link == NULL)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_CONNECTED,
                   _("Peer %s is not connected"), peer_id);
      return FALSE;
    }

  if (!shoal_link_send (entry->link, SHOAL_FRAME_UNICAST, payload, &local_error))
    {
      if (g_error_matches (local_error, SHOAL_ERROR, SHOAL_ERROR_QUEUE_FULL))
        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_QUEUE_FULL,
                     _("The send queue for peer %s is full; try again when it drains"), peer_id);
      else
        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_CONNECTED,
                     _("Peer %s is not connected"), peer_id);
      return FALSE;
    }

  return TRUE;
}

/**
 * shoal_node_broadcast:
 * @self: a #ShoalNode
 * @payload: the message; one copy of its bytes is shared by every link
 *
 * Queues a message for every connected peer. A peer whose queue is full
 * does not get it; the return value tells how many did.
 *
 * Returns: the number of peers the message was queued for
 */
guint
shoal_node_broadcast (ShoalNode *self,
                      GBytes    *payload)
{
  GHashTableIter iter;
  gpointer value;
  guint count = 0;

  g_return_val_if_fail (SHOAL_IS_NODE (self), 0);
  g_return_val_if_fail (payload != NULL, 0);

  if (!self->running || g_bytes_get_size (payload) > SHOAL_NODE_MAX_MESSAGE_SIZE)
    return 0;

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
 * shoal_node_get_id:
 * @self: a #ShoalNode
 *
 * Returns: (nullable): the node's peer id, once started
 */
const gchar *
shoal_node_get_id (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  return self->id;
}

/**
 * shoal_node_get_session_id:
 * @self: a #ShoalNode
 *
 * Returns: (nullable): this start's session id
 */
const gchar *
shoal_node_get_session_id (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  return self->session_id;
}

/**
 * shoal_node_get_name:
 * @self: a #ShoalNode
 *
 * Returns: the name the node announces
 */
const gchar *
shoal_node_get_name (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  return self->name;
}

/**
 * shoal_node_get_port:
 * @self: a #ShoalNode
 *
 * Returns: the listening port (the bound one, once started)
 */
guint16
shoal_node_get_port (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), 0);
  return self->port;
}

/**
 * shoal_node_get_state_dir:
 * @self: a #ShoalNode
 *
 * Returns: the state directory
 */
const gchar *
shoal_node_get_state_dir (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  return self->state_dir;
}

/**
 * shoal_node_get_running:
 * @self: a #ShoalNode
 *
 * Returns: whether the node is started
 */
gboolean
shoal_node_get_running (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  return self->running;
}

/**
 * shoal_node_get_peers:
 * @self: a #ShoalNode
 *
 * Returns: (transfer none): the known peers, a #GListModel of #ShoalPeer
 */
GListModel *
shoal_node_get_peers (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  return G_LIST_MODEL (self->peers);
}

/**
 * shoal_node_lookup_peer:
 * @self: a #ShoalNode
 * @peer_id: a peer id
 *
 * Returns: (transfer none) (nullable): the peer with that id, if known
 */
ShoalPeer *
shoal_node_lookup_peer (ShoalNode   *self,
                        const gchar *peer_id)
{
  PeerEntry *entry;

  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);

  entry = peer_id != NULL ? g_hash_table_lookup (self->entries, peer_id) : NULL;
  return entry != NULL ? entry->peer : NULL;
}

/**
 * shoal_node_set_listen_address:
 * @self: a #ShoalNode
 * @address: (nullable): an IPv4 or IPv6 address, or %NULL for all
 *
 * Restricts the listener to one address; takes effect at the next start.
 */
void
shoal_node_set_listen_address (ShoalNode   *self,
                               const gchar *address)
{
  g_return_if_fail (SHOAL_IS_NODE (self));

  if (g_strcmp0 (self->listen_address, address) == 0)
    return;

  g_free (self->listen_address);
  self->listen_address = g_strdup (address);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LISTEN_ADDRESS]);
}

/**
 * shoal_node_get_listen_address:
 * @self: a #ShoalNode
 *
 * Returns: (nullable): the address the node listens on, %NULL for all
 */
const gchar *
shoal_node_get_listen_address (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);
  return self->listen_address;
}

/**
 * shoal_node_set_mdns:
 * @self: a #ShoalNode
 * @mdns: whether to use mDNS/DNS-SD
 *
 * Turns the Avahi backend on or off; takes effect at the next start.
 */
void
shoal_node_set_mdns (ShoalNode *self,
                     gboolean   mdns)
{
  g_return_if_fail (SHOAL_IS_NODE (self));

  mdns = !!mdns;
  if (self->mdns == mdns)
    return;

  self->mdns = mdns;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MDNS]);
}

/**
 * shoal_node_get_mdns:
 * @self: a #ShoalNode
 *
 * Returns: whether the node uses mDNS/DNS-SD
 */
gboolean
shoal_node_get_mdns (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  return self->mdns;
}

/**
 * shoal_node_set_heartbeat:
 * @self: a #ShoalNode
 * @interval_ms: milliseconds between pings
 * @timeout_ms: milliseconds of silence after which a peer is lost; more
 *   than @interval_ms
 *
 * Sets the liveness timings for links made from now on.
 */
void
shoal_node_set_heartbeat (ShoalNode *self,
                          guint      interval_ms,
                          guint      timeout_ms)
{
  g_return_if_fail (SHOAL_IS_NODE (self));
  g_return_if_fail (interval_ms >= 10);
  g_return_if_fail (timeout_ms > interval_ms);

  g_object_freeze_notify (G_OBJECT (self));
  if (self->heartbeat_interval_ms != interval_ms)
    {
      self->heartbeat_interval_ms = interval_ms;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_HEARTBEAT_INTERVAL]);
    }
  if (self->heartbeat_timeout_ms != timeout_ms)
    {
      self->heartbeat_timeout_ms = timeout_ms;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_HEARTBEAT_TIMEOUT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * shoal_node_get_heartbeat_interval:
 * @self: a #ShoalNode
 *
 * Returns: milliseconds between pings
 */
guint
shoal_node_get_heartbeat_interval (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), 0);
  return self->heartbeat_interval_ms;
}

/**
 * shoal_node_get_heartbeat_timeout:
 * @self: a #ShoalNode
 *
 * Returns: milliseconds of silence after which a peer is lost
 */
guint
shoal_node_get_heartbeat_timeout (ShoalNode *self)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), 0);
  return self->heartbeat_timeout_ms;
}
