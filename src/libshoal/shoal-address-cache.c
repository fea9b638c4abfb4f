/* shoal-address-cache.c: addresses that worked, kept in the state directory
 *
 * Where a peer answered and proved its id (the dialled address of an
 * outbound link, the address an inbound link came from with the listening
 * port its hello gives) is remembered across restarts, so that a node on a
 * network without multicast, and with nothing configured, finds its mesh
 * again at start. The cache is bounded (64 peers, 4 addresses each), an
 * address ages out 7 days after it last worked, the file is replaced
 * atomically, and a file that cannot be read is logged and ignored: it is
 * a convenience, never a reason not to start.
 *
 * The file is a key file: one group per peer id, whose `addresses` key lists
 * `ADDRESS PORT SCOPE SEEN` (SEEN in seconds since the epoch).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "shoal-address-cache.h"
#include "shoal-error.h"

typedef struct {
  GInetSocketAddress *address;  /* (owned) */
  gint64              seen;     /* seconds since the epoch */
} CachedAddress;

typedef struct {
  gchar     *peer_id;    /* (owned) */
  GPtrArray *addresses;  /* (owned) (element-type CachedAddress) newest first */
} CachedPeer;

struct _ShoalAddressCache
{
  GObject     parent_instance;

  gchar      *path;   /* (owned) */
  GHashTable *peers;  /* (owned) id (unowned) → CachedPeer (owned) */
};

G_DEFINE_FINAL_TYPE (ShoalAddressCache, shoal_address_cache, G_TYPE_OBJECT)

static void
cached_address_free (CachedAddress *cached)
{
  g_object_unref (cached->address);
  g_free (cached);
}

static void
cached_peer_free (CachedPeer *peer)
{
  g_free (peer->peer_id);
  g_ptr_array_unref (peer->addresses);
  g_free (peer);
}

static CachedPeer *
ensure_peer (ShoalAddressCache *self,
             const gchar       *peer_id)
{
  CachedPeer *peer = g_hash_table_lookup (self->peers, peer_id);

  if (peer != NULL)
    return peer;

  peer = g_new0 (CachedPeer, 1);
  peer->peer_id = g_strdup (peer_id);
  peer->addresses = g_ptr_array_new_with_free_func ((GDestroyNotify) cached_address_free);
  g_hash_table_insert (self->peers, peer->peer_id, peer);
  return peer;
}

static gint64
peer_seen (CachedPeer *peer)
{
  gint64 seen = 0;

  for (guint i = 0; i < peer->addresses->len; i++)
    seen = MAX (seen, ((CachedAddress *) g_ptr_array_index (peer->addresses, i))->seen);
  return seen;
}

/* Only IPv6 addresses have a scope, and GLib is strict about asking. */
static guint32
scope_id (GInetSocketAddress *address)
{
  if (g_inet_address_get_family (g_inet_socket_address_get_address (address)) != G_SOCKET_FAMILY_IPV6)
    return 0;
  return g_inet_socket_address_get_scope_id (address);
}

static gboolean
same_address (GInetSocketAddress *a,
              GInetSocketAddress *b)
{
  return g_inet_socket_address_get_port (a) == g_inet_socket_address_get_port (b) &&
         scope_id (a) == scope_id (b) &&
         g_inet_address_equal (g_inet_socket_address_get_address (a),
                               g_inet_socket_address_get_address (b));
}

/* Newest first, so that the oldest is the one to go. */
static gint
compare_seen (gconstpointer a,
              gconstpointer b)
{
  const CachedAddress *x = *(CachedAddress * const *) a;
  const CachedAddress *y = *(CachedAddress * const *) b;

  return (x->seen < y->seen) - (x->seen > y->seen);
}

/* Ages out what is too old, and keeps the bounds. */
static void
trim (ShoalAddressCache *self,
      gint64             now_s)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CachedPeer *peer = value;

      g_ptr_array_sort (peer->addresses, compare_seen);
      for (guint i = peer->addresses->len; i > 0; i--)
        {
          CachedAddress *cached = g_ptr_array_index (peer->addresses, i - 1);

          if (i > SHOAL_ADDRESS_CACHE_MAX_ADDRESSES ||
              now_s - cached->seen > SHOAL_ADDRESS_CACHE_MAX_AGE_S)
            g_ptr_array_remove_index (peer->addresses, i - 1);
        }
      if (peer->addresses->len == 0)
        g_hash_table_iter_remove (&iter);
    }

  while (g_hash_table_size (self->peers) > SHOAL_ADDRESS_CACHE_MAX_PEERS)
    {
      CachedPeer *oldest = NULL;

      g_hash_table_iter_init (&iter, self->peers);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (oldest == NULL || peer_seen (value) < peer_seen (oldest))
          oldest = value;
      g_hash_table_remove (self->peers, oldest->peer_id);
    }
}

static gboolean
parse_item (const gchar    *item,
            CachedAddress **out)
{
  g_auto(GStrv) fields = g_strsplit (item, " ", -1);
  g_autoptr(GInetAddress) inet = NULL;
  guint64 port = 0;
  guint64 scope = 0;
  gint64 seen = 0;
  CachedAddress *cached;

  if (g_strv_length (fields) != 4 ||
      (inet = g_inet_address_new_from_string (fields[0])) == NULL ||
      !g_ascii_string_to_unsigned (fields[1], 10, 1, G_MAXUINT16, &port, NULL) ||
      !g_ascii_string_to_unsigned (fields[2], 10, 0, G_MAXUINT32, &scope, NULL) ||
      !g_ascii_string_to_signed (fields[3], 10, 0, G_MAXINT64, &seen, NULL))
    return FALSE;

  cached = g_new0 (CachedAddress, 1);
  cached->address = G_INET_SOCKET_ADDRESS (
    g_object_new (G_TYPE_INET_SOCKET_ADDRESS,
                  "address", inet,
                  "port", (guint) port,
                  "scope-id", g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ?
                              (guint) scope : 0u,
                  NULL));
  cached->seen = seen;
  *out = cached;
  return TRUE;
}

static gboolean
load (ShoalAddressCache  *self,
      GError            **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_auto(GStrv) groups = NULL;

  if (!g_key_file_load_from_file (file, self->path, G_KEY_FILE_NONE, error))
    return FALSE;

  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto(GStrv) items = NULL;
      CachedPeer *peer;

      if (!shoal_peer_id_is_valid (groups[i]))
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                       "“%s” is not a peer id", groups[i]);
          return FALSE;
        }
      items = g_key_file_get_string_list (file, groups[i], "addresses", NULL, error);
      if (items == NULL)
        return FALSE;

      peer = ensure_peer (self, groups[i]);
      for (guint j = 0; items[j] != NULL; j++)
        {
          CachedAddress *cached = NULL;

          if (!parse_item (items[j], &cached))
            {
              g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                           "“%s” is not ADDRESS PORT SCOPE SEEN", items[j]);
              return FALSE;
            }
          g_ptr_array_add (peer->addresses, cached);
        }
    }

  return TRUE;
}

static void
save (ShoalAddressCache *self)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *data = NULL;
  g_autoptr(GList) ids = NULL;
  gsize length = 0;

  g_key_file_set_comment (file, NULL, NULL,
                          " Where peers answered, kept by Shoal to find them again at start."
                          "\n Safe to delete.", NULL);

  /* Sorted, so that the same cache writes the same file. */
  ids = g_list_sort (g_hash_table_get_keys (self->peers), (GCompareFunc) strcmp);
  for (GList *l = ids; l != NULL; l = l->next)
    {
      CachedPeer *peer = g_hash_table_lookup (self->peers, l->data);
      g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);

      for (guint i = 0; i < peer->addresses->len; i++)
        {
          CachedAddress *cached = g_ptr_array_index (peer->addresses, i);
          g_autofree gchar *inet =
            g_inet_address_to_string (g_inet_socket_address_get_address (cached->address));

          g_ptr_array_add (items, g_strdup_printf ("%s %u %u %" G_GINT64_FORMAT, inet,
                                                   g_inet_socket_address_get_port (cached->address),
                                                   scope_id (cached->address),
                                                   cached->seen));
        }
      g_key_file_set_string_list (file, peer->peer_id, "addresses",
                                  (const gchar * const *) items->pdata, items->len);
    }

  data = g_key_file_to_data (file, &length, NULL);
  if (!g_file_set_contents_full (self->path, data, (gssize) length,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_message (_("Cannot keep the addresses of peers in %s: %s"), self->path, error->message);
}

static void
shoal_address_cache_finalize (GObject *object)
{
  ShoalAddressCache *self = SHOAL_ADDRESS_CACHE (object);

  g_free (self->path);
  g_hash_table_unref (self->peers);

  G_OBJECT_CLASS (shoal_address_cache_parent_class)->finalize (object);
}

static void
shoal_address_cache_class_init (ShoalAddressCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_address_cache_finalize;
}

static void
shoal_address_cache_init (ShoalAddressCache *self)
{
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) cached_peer_free);
}

/**
 * shoal_address_cache_new:
 * @path: (type filename): the cache's file
 *
 * Reads the cache from @path. A missing file is an empty cache; a file
 * that cannot be read or parsed is logged and ignored, and replaced at the
 * next change.
 *
 * Returns: (transfer full): the cache
 */
ShoalAddressCache *
shoal_address_cache_new (const gchar *path)
{
  ShoalAddressCache *self = g_object_new (SHOAL_TYPE_ADDRESS_CACHE, NULL);
  g_autoptr(GError) error = NULL;

  self->path = g_strdup (path);
  if (!load (self, &error))
    {
      g_hash_table_remove_all (self->peers);
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_message (_("Ignoring the address cache %s, which cannot be read: %s"), path,
                   error->message);
    }
  trim (self, g_get_real_time () / G_USEC_PER_SEC);
  return self;
}

/**
 * shoal_address_cache_add:
 * @self: a #ShoalAddressCache
 * @peer_id: the peer that proved its id at @address
 * @address: where it answered, with its listening port
 * @now_s: the time, in seconds since the epoch
 *
 * Remembers that @address worked for @peer_id, and writes the file.
 */
void
shoal_address_cache_add (ShoalAddressCache  *self,
                         const gchar        *peer_id,
                         GInetSocketAddress *address,
                         gint64              now_s)
{
  CachedPeer *peer;
  CachedAddress *cached = NULL;

  g_return_if_fail (SHOAL_IS_ADDRESS_CACHE (self));
  g_return_if_fail (shoal_peer_id_is_valid (peer_id));

  if (g_inet_socket_address_get_port (address) == 0)
    return;

  peer = ensure_peer (self, peer_id);
  for (guint i = 0; i < peer->addresses->len && cached == NULL; i++)
    if (same_address (((CachedAddress *) g_ptr_array_index (peer->addresses, i))->address,
                      address))
      cached = g_ptr_array_index (peer->addresses, i);

  if (cached == NULL)
    {
      cached = g_new0 (CachedAddress, 1);
      cached->address = g_object_ref (address);
      g_ptr_array_add (peer->addresses, cached);
    }
  cached->seen = now_s;

  trim (self, now_s);
  save (self);
}

/**
 * shoal_address_cache_peers:
 * @self: a #ShoalAddressCache
 *
 * Returns: (transfer full) (element-type utf8): the ids of the cached peers
 */
GPtrArray *
shoal_address_cache_peers (ShoalAddressCache *self)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (ids, g_strdup (key));
  return ids;
}

/**
 * shoal_address_cache_lookup:
 * @self: a #ShoalAddressCache
 * @peer_id: a peer id
 *
 * Returns: (transfer full) (element-type GInetSocketAddress): where @peer_id
 *   answered, the most recent first; empty if nowhere
 */
GPtrArray *
shoal_address_cache_lookup (ShoalAddressCache *self,
                            const gchar       *peer_id)
{
  GPtrArray *addresses = g_ptr_array_new_with_free_func (g_object_unref);
  CachedPeer *peer = g_hash_table_lookup (self->peers, peer_id);

  if (peer == NULL)
    return addresses;
  for (guint i = 0; i < peer->addresses->len; i++)
    g_ptr_array_add (addresses,
                     g_object_ref (((CachedAddress *) g_ptr_array_index (peer->addresses, i))->address));
  return addresses;
}
