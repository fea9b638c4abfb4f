/* shoal-mesh-control.c: a person's word on which peers to link with
 *
 * Connect dials an address a person gives and reports once the peer behind
 * it is linked (TLS, then hellos) or why not. It goes the way every dial
 * goes (shoal_mesh_secure_connection()), as the owner of its connection
 * under a key of its own ("connect:N"), so the one-link rule and the trust
 * policy apply to it as to any other link.
 *
 * Disconnect drops a peer and holds it: a held peer is dialled by nobody's
 * hint (discovery, configured addresses, anything later) until Connect
 * names it again. The peer learns it from GOODBYE(disconnected) and holds
 * this node in turn. A Connect's hello says so (its `connect` key): a link
 * from a held peer whose hello says it is let up, since a person on that
 * side asked for it, and it ends the hold here too; any other link from a
 * held peer (a dial that crossed the goodbye) is refused with the same
 * goodbye. Holds are kept across restarts (shoal-holds.c).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-dial.h"
#include "shoal-error.h"
#include "shoal-mesh-private.h"
#include "shoal-peer-private.h"
#include "shoal-source.h"

#define CONNECT_KEY_PREFIX "connect:"

typedef struct {
  ShoalMesh          *mesh;         /* (unowned) the task holds a reference */
  GTask              *task;         /* (owned) */
  gchar              *key;          /* (owned) (nullable) once its connection is secured */
  gchar              *address;      /* (owned) as the caller wrote it */
  GSocketConnectable *connectable;  /* (owned) */
  GPtrArray          *found;        /* (owned) (element-type GInetSocketAddress) */
  gulong              cancelled_id;
  ShoalPeer          *peer;         /* (owned) (nullable) linked, reported from an idle */
  GSource            *report;       /* (owned) (nullable) */
} ConnectRequest;

static void
connect_request_free (ConnectRequest *request)
{
  GCancellable *cancellable = g_task_get_cancellable (request->task);

  if (request->cancelled_id != 0)
    g_signal_handler_disconnect (cancellable, request->cancelled_id);
  shoal_source_clear (&request->report);
  g_clear_object (&request->peer);
  g_clear_object (&request->connectable);
  g_clear_pointer (&request->found, g_ptr_array_unref);
  g_free (request->address);
  g_free (request->key);
  g_object_unref (request->task);
  g_free (request);
}

/* Ends a request whose connection the mesh owns: it leaves the table. */
static ConnectRequest *
take_request (ShoalMesh   *self,
              const gchar *key)
{
  gpointer request = NULL;

  if (key == NULL || self->connects == NULL ||
      !g_hash_table_steal_extended (self->connects, key, NULL, &request))
    return NULL;
  return request;
}

static void
return_error (ConnectRequest *request,
              GError         *error)
{
  g_task_return_error (request->task, error);
  connect_request_free (request);
}

/* Holds */

gboolean
shoal_mesh_is_held (ShoalMesh   *self,
                    const gchar *peer_id)
{
  return self->holds != NULL && shoal_holds_contains (self->holds, peer_id);
}

/* Takes @holds; lists every held peer, in state "disconnected". */
void
shoal_mesh_set_holds (ShoalMesh  *self,
                      ShoalHolds *holds)
{
  g_auto(GStrv) ids = NULL;

  g_return_if_fail (SHOAL_IS_MESH (self));
  g_return_if_fail (self->holds == NULL);

  self->holds = holds;
  ids = shoal_holds_list (holds);
  for (gsize i = 0; ids[i] != NULL; i++)
    {
      PeerEntry *entry = shoal_mesh_ensure_entry (self, ids[i]);

      g_free (entry->hello_name);
      entry->hello_name = g_strdup (shoal_holds_get_name (holds, ids[i]));
      shoal_mesh_entry_update_name (entry);
      shoal_mesh_entry_update_state (entry);
    }
}

/* Whether a connection's owner is a Connect: its hello says so. */
gboolean
shoal_mesh_is_connect_key (const gchar *owner_key)
{
  return owner_key != NULL && g_str_has_prefix (owner_key, CONNECT_KEY_PREFIX);
}

/* The peer said GOODBYE(disconnected): a person there dropped us, and this
 * node does not dial it again on its own either. Held even if it cannot be
 * written down, for as long as this node runs. */
void
shoal_mesh_held_by_peer (ShoalMesh *self,
                         PeerEntry *entry)
{
  g_autoptr(GError) error = NULL;
  const gchar *id = shoal_peer_get_id (entry->peer);

  if (self->holds == NULL || shoal_holds_contains (self->holds, id))
    return;

  g_message (_("Peer %s (%s) disconnected from this node: it is not dialled again until "
               "“shoal connect” names it"), id, shoal_peer_get_name (entry->peer));
  if (!shoal_holds_add (self->holds, id, shoal_peer_get_name (entry->peer), TRUE, &error))
    g_warning ("%s", error->message);
  shoal_dialer_cancel (entry->dialer);
}

/* A link that never came up ended with GOODBYE(disconnected): a peer this
 * node dialled on a hint's word refused it, having dropped this node. Only
 * a peer already known counts: a stranger cannot make itself listed. */
void
shoal_mesh_refused_as_held (ShoalMesh   *self,
                            ShoalLink   *link,
                            const gchar *owner_key,
                            const gchar *peer_id)
{
  PeerEntry *entry = g_hash_table_lookup (self->entries, peer_id);
  guint32 code = 0;

  if (entry == NULL || owner_key == NULL || shoal_mesh_is_connect_key (owner_key) ||
      !shoal_link_get_remote_goodbye (link, &code) || code != SHOAL_GOODBYE_DISCONNECTED)
    return;

  shoal_mesh_held_by_peer (self, entry);
  shoal_mesh_entry_update_state (entry);
}

/* A link to @entry came up: a held peer is held no more, since only a
 * person's Connect, here or there, leads to one. */
static void
release_hold (ShoalMesh *self,
              PeerEntry *entry)
{
  g_autoptr(GError) error = NULL;
  const gchar *id = shoal_peer_get_id (entry->peer);

  if (!shoal_mesh_is_held (self, id))
    return;

  g_message ("Peer %s linked up again: no longer disconnected", id);
  if (!shoal_holds_remove (self->holds, id, &error))
    g_warning ("%s", error->message);
}

/* Whether a secured connection to @peer_id must be refused, before any
 * hello, because the peer is held: one that this node dialled on a hint's
 * word is. One the peer dialled waits for its hello. */
gboolean
shoal_mesh_refuses_held (ShoalMesh   *self,
                         gboolean     outbound,
                         const gchar *owner_key,
                         const gchar *peer_id)
{
  return outbound && shoal_mesh_is_held (self, peer_id) &&
         !shoal_mesh_is_connect_key (owner_key);
}

/* Connect */

static gboolean
report_linked_cb (gpointer user_data)
{
  ConnectRequest *request = user_data;

  g_clear_pointer (&request->report, g_source_unref);
  g_task_return_pointer (request->task, g_steal_pointer (&request->peer), g_object_unref);
  connect_request_free (request);
  return G_SOURCE_REMOVE;
}

/* The link a Connect dialled came up, or found one already up: the caller
 * hears it from an idle, once the mesh has settled the link. */
static void
connect_linked (ShoalMesh   *self,
                const gchar *owner_key,
                PeerEntry   *entry)
{
  ConnectRequest *request = take_request (self, owner_key);

  if (request == NULL)
    return;

  g_debug ("Connect %s: linked to %s", request->address, shoal_peer_get_id (entry->peer));
  request->peer = g_object_ref (entry->peer);
  request->report = shoal_timeout_attach (self->context, 0, report_linked_cb, request, NULL,
                                          "[shoal] connect linked");
}

/* Called by the links: @link came up to @entry, dialled by @owner_key.
 * Returns FALSE if it must not stay: the peer is held, and neither this
 * node's Connect dialled the link nor does the peer's hello say its
 * Connect did (a dial that crossed the goodbye, or that got past the check
 * after TLS before the hold). */
gboolean
shoal_mesh_control_link_up (ShoalMesh   *self,
                            ShoalLink   *link,
                            const gchar *owner_key,
                            PeerEntry   *entry)
{
  gboolean asked = shoal_link_get_outbound (link) ?
                   shoal_mesh_is_connect_key (owner_key) :
                   shoal_link_get_remote_hello (link)->connect;

  if (shoal_mesh_is_held (self, shoal_peer_get_id (entry->peer)) && !asked)
    {
      g_debug ("Peer %s is held: dropping a link that raced the hold",
               shoal_peer_get_id (entry->peer));
      return FALSE;
    }

  release_hold (self, entry);
  connect_linked (self, owner_key, entry);
  return TRUE;
}

/* Called after TLS: a Connect that reaches a peer already linked takes
 * that link rather than make another. Returns whether it did. */
gboolean
shoal_mesh_connect_finds_link (ShoalMesh   *self,
                               const gchar *owner_key,
                               const gchar *peer_id)
{
  PeerEntry *entry;

  if (owner_key == NULL || !g_hash_table_contains (self->connects, owner_key))
    return FALSE;
  entry = g_hash_table_lookup (self->entries, peer_id);
  if (entry == NULL || entry->link == NULL || !shoal_link_get_established (entry->link))
    return FALSE;

  release_hold (self, entry);
  shoal_mesh_entry_update_state (entry);
  connect_linked (self, owner_key, entry);
  return TRUE;
}

/* Called wherever a dial fails: if @owner_key is a Connect's, it fails
 * with @why. Returns whether it was one. */
gboolean
shoal_mesh_connect_failed (ShoalMesh   *self,
                           const gchar *owner_key,
                           const gchar *why)
{
  ConnectRequest *request = take_request (self, owner_key);

  if (request == NULL)
    return FALSE;

  /* The trust policies' refusals all say "not trusted" (shoal-link-input.c,
   * shoal-mesh-secure.c). */
  if (why != NULL && (g_str_has_prefix (why, "not trusted") || g_str_has_prefix (why, "not-trusted")))
    return_error (request, g_error_new (SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED,
                                        _("The peer at %s is not let in: %s"),
                                        request->address, why));
  else
    return_error (request, g_error_new (SHOAL_ERROR, SHOAL_ERROR_CONNECT_FAILED,
                                        _("No link with %s: %s"), request->address,
                                        why != NULL ? why : "?"));
  return TRUE;
}

/* The mesh closes: every Connect under way fails. */
void
shoal_mesh_fail_connects (ShoalMesh *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self->connects == NULL)
    return;
  g_hash_table_iter_init (&iter, self->connects);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_hash_table_iter_steal (&iter);
      return_error (value, g_error_new_literal (SHOAL_ERROR, SHOAL_ERROR_NOT_RUNNING,
                                                _("The node is stopping")));
    }
}

static void
request_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  ConnectRequest *request = user_data;
  ShoalMesh *self = request->mesh;

  /* Before the connection is secured, the dial itself is cancelled and
   * says so. After, the link goes on; only the caller stops waiting. */
  if (take_request (self, request->key) == NULL)
    return;
  return_error (request, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                              _("Operation was cancelled")));
}

static gchar *
describe_connect_error (const GError *error)
{
  const gchar *what = "cannot connect";

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    what = "connection refused";
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    what = "connection timed out";
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    what = "unreachable";
  return g_strdup_printf ("%s: %s", what, error->message);
}

static void
dialled_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ConnectRequest *request = user_data;
  ShoalMesh *self = request->mesh;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable = g_task_get_cancellable (request->task);

  connection = shoal_dial_finish (result, &error);
  if (connection == NULL)
    {
      g_autofree gchar *why = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          return_error (request, g_steal_pointer (&error));
          return;
        }
      why = describe_connect_error (error);
      return_error (request, g_error_new (SHOAL_ERROR, SHOAL_ERROR_CONNECT_FAILED,
                                          _("No link with %s: %s"), request->address, why));
      return;
    }

  if (!self->open)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return_error (request, g_error_new_literal (SHOAL_ERROR, SHOAL_ERROR_NOT_RUNNING,
                                                  _("The node is stopping")));
      return;
    }

  request->key = g_strdup_printf (CONNECT_KEY_PREFIX "%u", ++self->next_connect);
  g_hash_table_insert (self->connects, request->key, request);
  if (cancellable != NULL)
    request->cancelled_id = g_signal_connect (cancellable, "cancelled",
                                              G_CALLBACK (request_cancelled_cb), request);
  g_debug ("Connect %s: securing the connection (%s)", request->address, request->key);
  /* May fail at once (too many links), which ends the request. */
  shoal_mesh_secure_connection (self, connection, TRUE, request->key, FALSE, NULL);
}

static void
resolved_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GSocketAddressEnumerator *enumerator = G_SOCKET_ADDRESS_ENUMERATOR (source);
  ConnectRequest *request = user_data;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable = g_task_get_cancellable (request->task);

  address = g_socket_address_enumerator_next_finish (enumerator, result, &error);
  if (address != NULL)
    {
      if (G_IS_INET_SOCKET_ADDRESS (address))
        g_ptr_array_add (request->found, g_steal_pointer (&address));
      g_socket_address_enumerator_next_async (enumerator, cancellable, resolved_cb, request);
      return;
    }
  g_object_unref (enumerator);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      return_error (request, g_steal_pointer (&error));
      return;
    }
  if (request->found->len == 0)
    {
      return_error (request, g_error_new (SHOAL_ERROR, SHOAL_ERROR_UNKNOWN_HOST,
                                          _("Cannot resolve %s: %s"), request->address,
                                          error != NULL ? error->message : _("no address")));
      return;
    }

  g_debug ("Connect %s: %u address(es)", request->address, request->found->len);
  shoal_dial_async (request->mesh->client, request->found, 0, cancellable, dialled_cb, request);
}

/* GLib's parser takes any text before the colon; a host is an IP literal
 * (a link-local IPv6 one with its %SCOPE) or a DNS name. */
static gboolean
host_is_valid (const gchar *host)
{
  g_autofree gchar *ascii = NULL;

  if (host == NULL || *host == '\0')
    return FALSE;
  if (g_hostname_is_ip_address (host))
    return TRUE;
  if (strchr (host, '%') != NULL)
    {
      g_autoptr(GInetAddress) address = NULL;
      g_autofree gchar *literal = g_strndup (host, strchr (host, '%') - host);

      address = g_inet_address_new_from_string (literal);
      return address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6;
    }

  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL)
    return FALSE;
  for (const gchar *c = ascii; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '.' && *c != '_')
      return FALSE;
  return TRUE;
}

/**
 * shoal_mesh_parse_address:
 * @address: "HOST", "HOST:PORT", "[V6]:PORT" or "[V6%SCOPE]:PORT"
 * @default_port: the port for an address without one; 0 if there is none
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): where to dial, or %NULL with
 *   %SHOAL_ERROR_INVALID_ARGUMENT
 */
GSocketConnectable *
shoal_mesh_parse_address (const gchar  *address,
                          guint16       default_port,
                          GError      **error)
{
  g_autoptr(GSocketConnectable) parsed = NULL;
  const gchar *host;
  guint16 port;

  if (address != NULL)
    parsed = g_network_address_parse (address, 0, NULL);
  if (parsed == NULL ||
      !host_is_valid (host = g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed))))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an address: give HOST, HOST:PORT or [IPV6%%SCOPE]:PORT"),
                   address != NULL ? address : "");
      return NULL;
    }

  port = g_network_address_get_port (G_NETWORK_ADDRESS (parsed));
  if (port != 0)
    return g_steal_pointer (&parsed);

  /* "HOST:0", or no port at all: the node's own port is the default. */
  if (g_str_has_suffix (address, ":0"))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("“%s”: port 0 cannot be dialled"), address);
      return NULL;
    }
  if (default_port == 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("“%s” has no port, and this node has no fixed port to assume: "
                     "give HOST:PORT"), address);
      return NULL;
    }
  return g_network_address_new (host, default_port);
}

/**
 * shoal_mesh_connect_async:
 * @self: a #ShoalMesh
 * @address: where to dial (see shoal_mesh_parse_address())
 * @default_port: the port for an address without one
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the peer is linked, or not
 * @user_data: for @callback
 *
 * Dials @address because a person asked: the peer is linked even if it was
 * held, and its hold ends.
 */
void
shoal_mesh_connect_async (ShoalMesh           *self,
                          const gchar         *address,
                          guint16              default_port,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnectable) connectable = NULL;
  ConnectRequest *request;

  g_return_if_fail (SHOAL_IS_MESH (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_mesh_connect_async);

  if (!self->open)
    {
      g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_NOT_RUNNING,
                               _("The node is stopping"));
      return;
    }

  connectable = shoal_mesh_parse_address (address, default_port, &error);
  if (connectable == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  request = g_new0 (ConnectRequest, 1);
  request->mesh = self;
  request->task = g_steal_pointer (&task);
  request->address = g_strdup (address);
  request->connectable = g_steal_pointer (&connectable);
  request->found = g_ptr_array_new_with_free_func (g_object_unref);
  g_debug ("Connect %s: resolving", address);
  g_socket_address_enumerator_next_async (g_socket_connectable_enumerate (request->connectable),
                                          cancellable, resolved_cb, request);
}

/**
 * shoal_mesh_connect_finish:
 * @self: a #ShoalMesh
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the linked peer
 */
ShoalPeer *
shoal_mesh_connect_finish (ShoalMesh     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Disconnect */

/**
 * shoal_mesh_disconnect:
 * @self: a #ShoalMesh
 * @peer_id: a known peer
 * @error: return location for a #GError
 *
 * Holds @peer_id (written to the state directory first: a choice that
 * cannot be kept is not applied) and closes its link with
 * GOODBYE(disconnected).
 *
 * Returns: %TRUE if done; %FALSE with %SHOAL_ERROR_UNKNOWN_PEER or
 *   %SHOAL_ERROR_STATE_DIRECTORY
 */
gboolean
shoal_mesh_disconnect (ShoalMesh    *self,
                       const gchar  *peer_id,
                       GError      **error)
{
  PeerEntry *entry;
  g_autoptr(GPtrArray) links = NULL;

  g_return_val_if_fail (SHOAL_IS_MESH (self), FALSE);
  g_return_val_if_fail (self->holds != NULL, FALSE);

  entry = g_hash_table_lookup (self->entries, peer_id);
  if (entry == NULL)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_UNKNOWN_PEER, _("No peer with id %s"),
                   peer_id);
      return FALSE;
    }

  if (!shoal_holds_add (self->holds, peer_id, shoal_peer_get_name (entry->peer), FALSE, error))
    return FALSE;

  g_message ("Disconnecting from %s (%s), as asked: it is not dialled again until "
             "connect names it", peer_id, shoal_peer_get_name (entry->peer));
  shoal_dialer_cancel (entry->dialer);

  /* Links still in their hellos would come up and end the hold. */
  links = shoal_mesh_links_snapshot (self);
  for (guint i = 0; i < links->len; i++)
    {
      ShoalLink *link = g_ptr_array_index (links, i);
      LinkRecord *record = g_hash_table_lookup (self->links, link);

      if (record != NULL && record->peer == NULL && g_strcmp0 (record->peer_id, peer_id) == 0)
        shoal_link_abort (link, SHOAL_GOODBYE_DISCONNECTED, "disconnected");
    }

  if (entry->link != NULL)
    shoal_link_close (entry->link, SHOAL_GOODBYE_DISCONNECTED,
                      "a person asked to drop this peer; do not redial it");
  else
    shoal_mesh_entry_update_state (entry);
  return TRUE;
}
