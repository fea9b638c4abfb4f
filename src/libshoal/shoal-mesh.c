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
 * This file holds the object, its API and the peer entries; targets and
 * dialling are in shoal-mesh-targets.c, connections (TLS, trust) in
 * shoal-mesh-secure.c and links (the one-link rule) in shoal-mesh-links.c.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-error.h"
#include "shoal-mesh-private.h"
#include "shoal-peer-private.h"
#include "shoal-source.h"

/* How long a graceful close waits for goodbyes to be exchanged. */
#define CLOSE_TIMEOUT_MS 1000

G_DEFINE_FINAL_TYPE (ShoalMesh, shoal_mesh, G_TYPE_OBJECT)

guint shoal_mesh_signals[SHOAL_MESH_N_SIGNALS];

/* Peers */

static void
entry_free (PeerEntry *entry)
{
  shoal_dialer_free (entry->dialer);
  shoal_source_clear (&entry->relink_source);
  shoal_source_clear (&entry->give_up_source);
  shoal_out_stream_clear (&entry->out);
  g_free (entry->relink_reason);
  g_clear_object (&entry->link);
  g_clear_object (&entry->link_address);
  g_free (entry->hello_name);
  shoal_mesh_groups_entry_clear (entry);
  g_ptr_array_unref (entry->targets);
  g_object_unref (entry->peer);
  g_free (entry);
}

/* Only IPv6 addresses have a scope, and GLib is strict about asking. */
guint32
shoal_mesh_scope_id (GInetSocketAddress *address)
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
          shoal_mesh_scope_id (other) == shoal_mesh_scope_id (address) &&
          g_inet_address_equal (g_inet_socket_address_get_address (other),
                                g_inet_socket_address_get_address (address)))
        return TRUE;
    }

  return FALSE;
}

/* Every address the peer is known at, each once: the one its last link
 * proved first, so that a hint cannot push it aside, then the targets' (in
 * the backends' order of preference); peer exchange and cache hints only
 * if @with_hints. */
static GPtrArray *
collect_addresses (PeerEntry *entry,
                   gboolean   with_hints)
{
  GPtrArray *all = g_ptr_array_new_with_free_func (g_object_unref);

  if (entry->link_address != NULL)
    g_ptr_array_add (all, g_object_ref (entry->link_address));

  for (guint i = 0; i < entry->targets->len; i++)
    {
      Target *target = g_ptr_array_index (entry->targets, i);

      if (!with_hints && shoal_mesh_hints_is_hint (target))
        continue;
      for (guint j = 0; j < target->addresses->len; j++)
        {
          GInetSocketAddress *address = g_ptr_array_index (target->addresses, j);

          if (!address_in (all, address))
            g_ptr_array_add (all, g_object_ref (address));
        }
    }

  return all;
}

GPtrArray *
shoal_mesh_entry_addresses (PeerEntry *entry)
{
  return collect_addresses (entry, TRUE);
}

/* What the peer's addresses say: where its link comes from and what
 * discovery or configuration gives. A hint is dialled like any address but
 * listed only while nothing else is known: a peer exchange passes on the
 * address another node reaches the peer at, which may be on a network this
 * node is not on. */
void
shoal_mesh_entry_update_addresses (PeerEntry *entry)
{
  g_autoptr(GPtrArray) shown = collect_addresses (entry, FALSE);

  if (shown->len == 0)
    {
      g_ptr_array_unref (shown);
      shown = collect_addresses (entry, TRUE);
    }
  shoal_peer_set_addresses (entry->peer, shown);
}

/* A peer's name is what its authenticated hello says: a record, which
 * anyone can forge, names a peer only until its hello has been heard. */
void
shoal_mesh_entry_update_name (PeerEntry *entry)
{
  if (entry->hello_name != NULL)
    {
      shoal_peer_set_name (entry->peer, entry->hello_name);
      return;
    }

  for (guint i = 0; i < entry->targets->len; i++)
    {
      Target *target = g_ptr_array_index (entry->targets, i);

      if (target->name != NULL)
        {
          shoal_peer_set_name (entry->peer, target->name);
          return;
        }
    }
}

void
shoal_mesh_entry_update_state (PeerEntry *entry)
{
  ShoalPeerState state;

  shoal_mesh_paths_update (entry);
  if (entry->link != NULL || entry->relink_source != NULL)
    state = SHOAL_PEER_STATE_CONNECTED;
  else if (shoal_mesh_is_held (entry->mesh, shoal_peer_get_id (entry->peer)))
    state = SHOAL_PEER_STATE_DISCONNECTED;
  else if (entry->pending)
    state = SHOAL_PEER_STATE_PENDING;
  else if (shoal_dialer_is_dialling (entry->dialer))
    state = SHOAL_PEER_STATE_CONNECTING;
  else if (entry->ever_connected)
    state = SHOAL_PEER_STATE_LOST;
  else
    state = SHOAL_PEER_STATE_DISCOVERED;

  shoal_peer_set_state (entry->peer, state);
}

PeerEntry *
shoal_mesh_ensure_entry (ShoalMesh   *self,
              const gchar *peer_id)
{
  PeerEntry *entry = g_hash_table_lookup (self->entries, peer_id);

  if (entry != NULL)
    return entry;

  entry = g_new0 (PeerEntry, 1);
  entry->mesh = self;
  entry->dialer = shoal_dialer_new (self->context, self->client, &shoal_mesh_entry_dialer_callbacks, entry);
  entry->peer = shoal_peer_new (peer_id);
  entry->targets = g_ptr_array_new ();
  shoal_out_stream_init (&entry->out);
  entry->in = shoal_mesh_in_stream (self, peer_id);
  /* Not reached yet: a message to it fails if it never is. */
  entry->down_since = g_get_monotonic_time ();
  /* Keyed by the peer's own copy of its id, which lives as long as the entry. */
  g_hash_table_insert (self->entries, (gpointer) shoal_peer_get_id (entry->peer), entry);
  g_list_store_append (self->peers, entry->peer);

  g_debug ("Peer %s added", peer_id);
  g_signal_emit (self, shoal_mesh_signals[SHOAL_MESH_SIGNAL_PEER_ADDED], 0, entry->peer);
  return entry;
}

static void
remove_entry (ShoalMesh *self,
              PeerEntry *entry)
{
  g_autoptr(ShoalPeer) peer = g_object_ref (entry->peer);
  GHashTableIter iter;
  gpointer value;
  guint position;

  shoal_mesh_delivery_fail_all (self, entry, "peer forgotten");
  g_hash_table_steal (self->entries, shoal_peer_get_id (peer));
  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      LinkRecord *record = value;

      if (record->entry == entry)
        record->entry = NULL;
    }
  if (g_list_store_find (self->peers, peer, &position))
    g_list_store_remove (self->peers, position);

  /* Targets that learnt this id forget it, so they are dialled afresh. */
  for (guint i = 0; i < entry->targets->len; i++)
    {
      Target *target = g_ptr_array_index (entry->targets, i);

      g_clear_pointer (&target->peer_id, g_free);
    }

  /* A peer never linked sent nothing: its empty stream is not worth
   * remembering, and strangers' hints must cost nothing once gone. */
  if (!entry->ever_connected)
    g_hash_table_remove (self->inbound, shoal_peer_get_id (peer));

  entry_free (entry);

  g_debug ("Peer %s removed", shoal_peer_get_id (peer));
  g_signal_emit (self, shoal_mesh_signals[SHOAL_MESH_SIGNAL_PEER_REMOVED], 0, peer);
}

/* A peer stays while a link or a discovery record vouches for it, or while
 * it waits for a person's decision, here or on its side, or a person
 * disconnected it (it is listed as such). */
static gboolean
entry_is_vouched_for (PeerEntry *entry)
{
  return entry->link != NULL || entry->relink_source != NULL || entry->targets->len > 0 ||
         !shoal_out_stream_is_empty (&entry->out) || entry->pending || entry->awaiting ||
         shoal_dialer_is_dialling (entry->dialer) ||
         shoal_mesh_is_held (entry->mesh, shoal_peer_get_id (entry->peer));
}

gboolean
shoal_mesh_entry_check_gone (ShoalMesh *self,
                             PeerEntry *entry)
{
  if (entry_is_vouched_for (entry))
    return FALSE;

  remove_entry (self, entry);
  return TRUE;
}

/* Closing */

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

void
shoal_mesh_check_close_done (ShoalMesh *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->close_task == NULL || g_hash_table_size (self->links) > 0 ||
      g_hash_table_size (self->securing) > 0)
    return;

  shoal_source_clear (&self->close_timeout);
  task = g_steal_pointer (&self->close_task);
  /* Every link has ended, with the acks peers sent before their goodbyes:
   * what is left never arrived. */
  shoal_mesh_fail_everything (self, "node stopped");
  forget_everything (self);
  g_task_return_boolean (task, TRUE);
}

static gboolean
close_timeout_cb (gpointer user_data)
{
  ShoalMesh *self = SHOAL_MESH (user_data);

  g_clear_pointer (&self->close_timeout, g_source_unref);
  shoal_mesh_abort_all_links (self);
  shoal_mesh_check_close_done (self);
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
  shoal_mesh_unwatch_network (self);
  shoal_mesh_fail_connects (self);
  shoal_mesh_hints_stop (self);
  shoal_mesh_cancel_dialers (self);
  shoal_mesh_cancel_handshakes (self);
  shoal_mesh_end_replacements (self);
  self->close_task = g_steal_pointer (&task);

  links = shoal_mesh_links_snapshot (self);
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
  shoal_mesh_check_close_done (self);
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
  shoal_mesh_unwatch_network (self);
  shoal_mesh_fail_connects (self);
  shoal_mesh_cancel_dialers (self);
  shoal_mesh_end_replacements (self);
  had_task = self->close_task != NULL;
  shoal_mesh_abort_all_links (self);
  if (had_task)
    {
      shoal_mesh_check_close_done (self);
    }
  else
    {
      shoal_mesh_fail_everything (self, "node stopped");
      forget_everything (self);
    }
}

/* GObject */

static void
shoal_mesh_dispose (GObject *object)
{
  ShoalMesh *self = SHOAL_MESH (object);

  if (self->links != NULL)
    shoal_mesh_close (self);
  shoal_mesh_unwatch_network (self);
  g_clear_pointer (&self->links, g_hash_table_unref);
  g_clear_pointer (&self->securing, g_hash_table_unref);
  g_clear_pointer (&self->targets, g_hash_table_unref);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  /* After the entries, which leave their groups as they go. */
  self->last_group = NULL;
  self->last_members = NULL;
  g_clear_pointer (&self->group_members, g_hash_table_unref);
  g_clear_pointer (&self->connects, g_hash_table_unref);
  g_clear_pointer (&self->holds, shoal_holds_free);
  shoal_mesh_hints_free (self);
  g_clear_object (&self->peers);
  g_clear_object (&self->client);
  g_clear_object (&self->certificate);
  g_clear_object (&self->trust);

  G_OBJECT_CLASS (shoal_mesh_parent_class)->dispose (object);
}

static void
shoal_mesh_finalize (GObject *object)
{
  ShoalMesh *self = SHOAL_MESH (object);

  g_free (self->local_id);
  g_free (self->fingerprint);
  g_free (self->id_elsewhere);
  g_hash_table_unref (self->said_clones);
  g_clear_pointer (&self->paths, shoal_mesh_paths_free);
  g_hash_table_unref (self->inbound);
  shoal_hello_clear (&self->hello);
  g_clear_pointer (&self->config.network_key, g_bytes_unref);
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
  shoal_mesh_signals[SHOAL_MESH_SIGNAL_PEER_ADDED] =
    g_signal_new ("peer-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);
  shoal_mesh_signals[SHOAL_MESH_SIGNAL_PEER_REMOVED] =
    g_signal_new ("peer-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);
  shoal_mesh_signals[SHOAL_MESH_SIGNAL_PEER_CONNECTED] =
    g_signal_new ("peer-connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);
  shoal_mesh_signals[SHOAL_MESH_SIGNAL_PEER_DISCONNECTED] =
    g_signal_new ("peer-disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, SHOAL_TYPE_PEER, G_TYPE_STRING);
  shoal_mesh_signals[SHOAL_MESH_SIGNAL_PEER_PENDING] =
    g_signal_new ("peer-pending", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_PEER);
}

static void
shoal_mesh_init (ShoalMesh *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) entry_free);
  self->targets = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) shoal_mesh_target_free);
  self->links = g_hash_table_new (NULL, NULL);
  self->securing = g_hash_table_new_full (NULL, NULL, NULL, NULL);
  self->said_clones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* Requests free themselves as they end; the table only finds them. */
  self->connects = g_hash_table_new (g_str_hash, g_str_equal);
  self->open = TRUE;
  shoal_mesh_hints_init (self);
  self->next_message_id = 1;
  self->inbound = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) shoal_in_stream_free);
  self->delivery_timeout_ms = 60000;
  self->max_peer_bytes = G_MAXSIZE;
  self->max_total_bytes = G_MAXSIZE;
}

/**
 * shoal_mesh_new:
 * @credentials: this node's key, certificate and id
 * @hello: this node's hello; the mesh sets accept and proof for each link
 * @trust: the trust policy and store
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
shoal_mesh_new (ShoalCredentials      *credentials,
                const ShoalHello      *hello,
                ShoalTrust            *trust,
                const ShoalLinkConfig *config,
                GSocketClient         *client,
                GListStore            *peers)
{
  ShoalMesh *self = g_object_new (SHOAL_TYPE_MESH, NULL);

  self->local_id = g_strdup (shoal_credentials_get_id (credentials));
  self->certificate = g_object_ref (shoal_credentials_get_certificate (credentials));
  self->fingerprint = g_strdup (shoal_credentials_get_fingerprint (credentials));
  self->trust = g_object_ref (trust);
  self->hello = *hello;
  self->hello.peer_id = g_strdup (hello->peer_id);
  self->hello.session_id = g_strdup (hello->session_id);
  self->hello.name = g_strdup (hello->name);
  self->hello.proof = NULL;
  self->hello.groups = g_strdupv (hello->groups);
  self->hello.features = g_strdupv (hello->features);
  self->config = *config;
  if (config->network_key != NULL)
    g_bytes_ref (config->network_key);
  self->client = g_object_ref (client);
  self->peers = g_object_ref (peers);
  shoal_mesh_watch_network (self);

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
 * shoal_mesh_set_name:
 * @self: a #ShoalMesh
 * @name: the name hellos give from now on (after a rename)
 */
void
shoal_mesh_set_name (ShoalMesh   *self,
                     const gchar *name)
{
  g_return_if_fail (SHOAL_IS_MESH (self));

  g_free (self->hello.name);
  self->hello.name = g_strdup (name);
}

/**
 * shoal_mesh_trust_changed:
 * @self: a #ShoalMesh
 * @peer_id: a peer whose trust decision changed
 *
 * Applies a decision the trust store now holds: a peer let in is dialled,
 * one shut out loses its link and is not dialled again.
 */
void
shoal_mesh_trust_changed (ShoalMesh   *self,
                          const gchar *peer_id)
{
  PeerEntry *entry;

  g_return_if_fail (SHOAL_IS_MESH (self));

  entry = g_hash_table_lookup (self->entries, peer_id);
  if (entry == NULL)
    return;

  shoal_peer_set_trusted (entry->peer, shoal_trust_is_trusted (self->trust, peer_id));
  switch (shoal_trust_check (self->trust, peer_id))
    {
    case SHOAL_TRUST_VERDICT_ACCEPT:
      entry->pending = FALSE;
      /* A person's decision starts afresh: no backoff left over from the
       * refusals that came before it. */
      if (entry->link == NULL)
        shoal_dialer_succeeded (entry->dialer);
      shoal_mesh_entry_update_state (entry);
      shoal_mesh_maybe_dial_entry (self, entry, 0);
      break;

    case SHOAL_TRUST_VERDICT_REJECT:
      entry->pending = FALSE;
      entry->awaiting = FALSE;
      shoal_dialer_cancel (entry->dialer);
      shoal_mesh_entry_update_state (entry);
      shoal_mesh_close_links_of (self, peer_id, SHOAL_GOODBYE_NOT_TRUSTED, "untrusted");
      if (entry->link == NULL)
        shoal_mesh_entry_check_gone (self, entry);  /* may free @entry */
      break;

    case SHOAL_TRUST_VERDICT_PENDING:
    default:
      break;
    }
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

  if (shoal_mesh_paths_refuse_inbound (self, connection))
    return;
  shoal_mesh_secure_connection (self, connection, FALSE, NULL, FALSE, NULL);
}

/**
 * shoal_mesh_set_report_func:
 * @self: a #ShoalMesh
 * @func: (nullable): called once for each message and recipient, when the
 *   message is delivered or has failed
 * @user_data: for @func
 */
void
shoal_mesh_set_report_func (ShoalMesh           *self,
                            ShoalMeshReportFunc  func,
                            gpointer             user_data)
{
  self->report_func = func;
  self->report_data = user_data;
}

/**
 * shoal_mesh_set_delivery:
 * @self: a #ShoalMesh
 * @timeout_ms: how long a peer may be out of reach before what it was sent fails
 * @max_peer_bytes: payload bytes one peer may have unacknowledged
 * @max_total_bytes: payload bytes every peer together may have unacknowledged
 */
void
shoal_mesh_set_delivery (ShoalMesh *self,
                         guint      timeout_ms,
                         gsize      max_peer_bytes,
                         gsize      max_total_bytes)
{
  self->delivery_timeout_ms = timeout_ms;
  self->max_peer_bytes = max_peer_bytes;
  self->max_total_bytes = max_total_bytes;
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
