/* shoal-discovery-static.c: peers from a configured list of HOST:PORT
 *
 * For networks without multicast, and for tests: each configured address is
 * resolved once at start and reported as an instance whose id is learnt from
 * the handshake. Names that do not resolve are retried, since a host that is
 * not up yet is an ordinary situation for a daemon started at boot.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-discovery-static.h"
#include "shoal-error.h"
#include "shoal-source.h"

#define RESOLVE_RETRY_SECONDS 5

typedef struct {
  ShoalDiscoveryStatic *self;   /* (unowned) */
  gchar                *key;    /* (owned) "static:HOST:PORT" */
  GSocketConnectable   *target; /* (owned) */
  GPtrArray            *found;  /* (owned) (element-type GInetSocketAddress) */
  GSource              *retry;  /* (owned) (nullable) */
} StaticEntry;

/**
 * ShoalDiscoveryStatic:
 *
 * A discovery backend for networks without multicast, and for nodes on one
 * machine: it reports each `HOST:PORT` given to
 * shoal_discovery_static_add_peer() as a peer to dial, and the peer's id
 * comes from the handshake. Names that do not resolve yet are tried again.
 */
struct _ShoalDiscoveryStatic
{
  GObject       parent_instance;

  GPtrArray    *entries;      /* (owned) (element-type StaticEntry) */
  GCancellable *cancellable;  /* (owned) (nullable) while started */
};

static void shoal_discovery_static_iface_init (ShoalDiscoveryInterface *iface);

G_DEFINE_TYPE_WITH_CODE (ShoalDiscoveryStatic, shoal_discovery_static, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (SHOAL_TYPE_DISCOVERY,
                                                shoal_discovery_static_iface_init))

static void
static_entry_free (StaticEntry *entry)
{
  shoal_source_clear (&entry->retry);
  g_free (entry->key);
  g_clear_object (&entry->target);
  g_clear_pointer (&entry->found, g_ptr_array_unref);
  g_free (entry);
}

static void resolve_entry (StaticEntry *entry);

static gboolean
retry_cb (gpointer user_data)
{
  StaticEntry *entry = user_data;

  g_clear_pointer (&entry->retry, g_source_unref);
  resolve_entry (entry);
  return G_SOURCE_REMOVE;
}

static void
next_address_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GSocketAddressEnumerator *enumerator = G_SOCKET_ADDRESS_ENUMERATOR (source);
  StaticEntry *entry = user_data;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;

  address = g_socket_address_enumerator_next_finish (enumerator, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (enumerator);
      return;
    }

  if (address != NULL)
    {
      if (G_IS_INET_SOCKET_ADDRESS (address))
        g_ptr_array_add (entry->found, g_steal_pointer (&address));
      g_socket_address_enumerator_next_async (enumerator, entry->self->cancellable,
                                              next_address_cb, entry);
      return;
    }

  g_object_unref (enumerator);

  if (entry->found->len == 0)
    {
      g_message ("Static peer %s: %s; retrying in %d s", entry->key + strlen ("static:"),
                 error != NULL ? error->message : "no address", RESOLVE_RETRY_SECONDS);
      /* In the caller's context, which is the node's, not always the default. */
      entry->retry = shoal_timeout_attach (g_main_context_get_thread_default (),
                                           RESOLVE_RETRY_SECONDS * 1000, retry_cb, entry, NULL,
                                           "[shoal] static resolve");
      return;
    }

  g_debug ("Static peer %s: %u address(es)", entry->key, entry->found->len);
  shoal_discovery_emit_peer_found (SHOAL_DISCOVERY (entry->self), entry->key, NULL, NULL,
                                   entry->found);
}

static void
resolve_entry (StaticEntry *entry)
{
  GSocketAddressEnumerator *enumerator;

  g_ptr_array_set_size (entry->found, 0);
  enumerator = g_socket_connectable_enumerate (entry->target);
  g_socket_address_enumerator_next_async (enumerator, entry->self->cancellable,
                                          next_address_cb, entry);
}

static void
shoal_discovery_static_start (ShoalDiscovery *discovery,
                              const gchar    *id,
                              const gchar    *session_id,
                              const gchar    *name,
                              guint16         port)
{
  ShoalDiscoveryStatic *self = SHOAL_DISCOVERY_STATIC (discovery);

  g_return_if_fail (self->cancellable == NULL);

  self->cancellable = g_cancellable_new ();
  for (guint i = 0; i < self->entries->len; i++)
    resolve_entry (g_ptr_array_index (self->entries, i));
}

static void
shoal_discovery_static_stop (ShoalDiscovery *discovery)
{
  ShoalDiscoveryStatic *self = SHOAL_DISCOVERY_STATIC (discovery);

  if (self->cancellable == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  for (guint i = 0; i < self->entries->len; i++)
    {
      StaticEntry *entry = g_ptr_array_index (self->entries, i);

      shoal_source_clear (&entry->retry);
    }
}

static void
shoal_discovery_static_iface_init (ShoalDiscoveryInterface *iface)
{
  iface->start = shoal_discovery_static_start;
  iface->stop = shoal_discovery_static_stop;
}

static void
shoal_discovery_static_dispose (GObject *object)
{
  ShoalDiscoveryStatic *self = SHOAL_DISCOVERY_STATIC (object);

  shoal_discovery_static_stop (SHOAL_DISCOVERY (self));

  G_OBJECT_CLASS (shoal_discovery_static_parent_class)->dispose (object);
}

static void
shoal_discovery_static_finalize (GObject *object)
{
  ShoalDiscoveryStatic *self = SHOAL_DISCOVERY_STATIC (object);

  g_ptr_array_unref (self->entries);

  G_OBJECT_CLASS (shoal_discovery_static_parent_class)->finalize (object);
}

static void
shoal_discovery_static_class_init (ShoalDiscoveryStaticClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_discovery_static_dispose;
  object_class->finalize = shoal_discovery_static_finalize;
}

static void
shoal_discovery_static_init (ShoalDiscoveryStatic *self)
{
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) static_entry_free);
}

/* GLib's parser takes any text before the colon; a host is an IP literal or
 * a DNS name (international names are fine: they have an ASCII form). */
static gboolean
host_is_valid (const gchar *host)
{
  g_autofree gchar *ascii = NULL;

  if (host == NULL || *host == '\0')
    return FALSE;
  if (g_hostname_is_ip_address (host))
    return TRUE;

  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL)
    return FALSE;
  for (const gchar *c = ascii; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '.' && *c != '_')
      return FALSE;

  return TRUE;
}

/**
 * shoal_discovery_static_new:
 *
 * Creates a discovery backend that reports a fixed list of peers.
 *
 * Returns: (transfer full): a new #ShoalDiscoveryStatic
 */
ShoalDiscoveryStatic *
shoal_discovery_static_new (void)
{
  return g_object_new (SHOAL_TYPE_DISCOVERY_STATIC, NULL);
}

/**
 * shoal_discovery_static_add_peer:
 * @self: a #ShoalDiscoveryStatic
 * @host_and_port: `HOST:PORT`, with IPv6 literals in brackets (`[::1]:4242`)
 * @error: return location for a #GError
 *
 * Adds a peer to dial. Call before the node starts.
 *
 * Returns: %TRUE if @host_and_port is well-formed; %FALSE with
 *   %SHOAL_ERROR_INVALID_ARGUMENT otherwise
 */
gboolean
shoal_discovery_static_add_peer (ShoalDiscoveryStatic *self,
                                 const gchar          *host_and_port,
                                 GError              **error)
{
  g_autoptr(GSocketConnectable) target = NULL;
  g_autoptr(GError) local_error = NULL;
  StaticEntry *entry;

  g_return_val_if_fail (SHOAL_IS_DISCOVERY_STATIC (self), FALSE);
  g_return_val_if_fail (host_and_port != NULL, FALSE);
  g_return_val_if_fail (self->cancellable == NULL, FALSE);

  target = g_network_address_parse (host_and_port, 0, &local_error);
  if (target == NULL || g_network_address_get_port (G_NETWORK_ADDRESS (target)) == 0 ||
      !host_is_valid (g_network_address_get_hostname (G_NETWORK_ADDRESS (target))))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not HOST:PORT with a port between 1 and 65535"), host_and_port);
      return FALSE;
    }

  entry = g_new0 (StaticEntry, 1);
  entry->self = self;
  entry->key = g_strconcat ("static:", host_and_port, NULL);
  entry->target = g_steal_pointer (&target);
  entry->found = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->entries, entry);

  return TRUE;
}
