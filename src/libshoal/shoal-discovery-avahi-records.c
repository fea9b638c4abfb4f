/* shoal-discovery-avahi-records.c: what avahi-daemon's browser reports
 *
 * Every service instance the browser lists is a record, per interface and
 * protocol; each is resolved (and resolved again when it changes), and the
 * records of one peer id make one peer, reported with the union of their
 * addresses. What a record says is read in shoal-dns-sd.c.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <avahi-common/error.h>

#include "shoal-discovery-avahi-private.h"
#include "shoal-dns-sd.h"
#include "shoal-peer-private.h"
#include "shoal-source.h"

/* A resolver that times out (the host went quiet mid-query) is tried again a
 * few times while the browser still lists the service. */
#define RESOLVE_ATTEMPTS 3
#define RESOLVE_RETRY_SECONDS 2

/* Addresses of one SRV target kept per interface and protocol: a stranger
 * can announce any number. */
#define MAX_HOST_ADDRESSES 16

static void resolve_record (Record *record);

void
shoal_discovery_avahi_peer_free (Peer *peer)
{
  g_free (peer->id);
  g_ptr_array_unref (peer->records);
  g_free (peer->reported_name);
  g_free (peer->reported_session_id);
  g_free (peer->reported_addresses);
  g_free (peer);
}

void
shoal_discovery_avahi_record_free (Record *record)
{
  g_clear_pointer (&record->resolver, avahi_service_resolver_free);
  g_clear_pointer (&record->host_browser, avahi_record_browser_free);
  g_clear_pointer (&record->host_addresses, g_ptr_array_unref);
  g_free (record->host_name);
  shoal_source_clear (&record->retry);
  g_free (record->key);
  g_free (record->name);
  g_free (record->domain);
  g_free (record->session_id);
  g_clear_object (&record->address);
  g_free (record);
}

static gchar *
record_key (AvahiIfIndex   interface,
            AvahiProtocol  protocol,
            const gchar   *name,
            const gchar   *domain)
{
  return g_strdup_printf ("%d/%d/%s/%s", interface, protocol, name, domain);
}

/* Brings what the node was told about @peer up to date with its records:
 * peer-found when it is new or changed, peer-lost when its last record went.
 * May drop @peer from the table, and emits, so callers touch nothing after. */
static void
peer_refresh (ShoalDiscoveryAvahi *self,
              Peer                *peer)
{
  g_autoptr(GPtrArray) addresses = NULL;
  g_autofree gchar *joined = NULL;
  Record *newest = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *label = NULL;
  gboolean reported;
  guint i;

  if (peer->records->len == 0)
    {
      id = g_strdup (peer->id);
      reported = peer->reported;
      g_hash_table_remove (self->peers, id);
      if (reported)
        {
          g_debug ("Avahi: peer %s: last record gone", id);
          shoal_discovery_emit_peer_lost (SHOAL_DISCOVERY (self), id);
        }
      return;
    }

  addresses = g_ptr_array_new_with_free_func (g_object_unref);
  for (i = 0; i < peer->records->len; i++)
    {
      Record *record = g_ptr_array_index (peer->records, i);

      if (newest == NULL || record->resolved_seq > newest->resolved_seq)
        newest = record;
      if (record->address != NULL)
        g_ptr_array_add (addresses, g_object_ref (record->address));
      for (guint a = 0; record->host_addresses != NULL && a < record->host_addresses->len; a++)
        g_ptr_array_add (addresses, g_object_ref (record->host_addresses->pdata[a]));
    }
  joined = shoal_dns_sd_addresses_merge (addresses);

  if (peer->reported &&
      g_strcmp0 (peer->reported_name, newest->name) == 0 &&
      g_strcmp0 (peer->reported_session_id, newest->session_id) == 0 &&
      g_strcmp0 (peer->reported_addresses, joined) == 0)
    return;

  peer->reported = TRUE;
  g_free (peer->reported_name);
  peer->reported_name = g_strdup (newest->name);
  g_free (peer->reported_session_id);
  peer->reported_session_id = g_strdup (newest->session_id);
  g_free (peer->reported_addresses);
  peer->reported_addresses = g_strdup (joined);

  g_debug ("Avahi: peer %s \"%s\" session %s at %s",
           peer->id, newest->name, newest->session_id, joined);

  id = g_strdup (peer->id);
  label = shoal_dns_sd_instance_label (newest->name, id);
  g_hash_table_remove (self->stale, id);
  shoal_discovery_emit_peer_found (SHOAL_DISCOVERY (self), id, id, label, addresses);
}

/* Takes @record out of its peer; returns the peer to refresh, if any. */
static Peer *
record_detach (Record *record)
{
  Peer *peer = record->peer;

  if (peer == NULL)
    return NULL;

  g_ptr_array_remove (peer->records, record);
  record->peer = NULL;
  return peer;
}

static Peer *
lookup_or_add_peer (ShoalDiscoveryAvahi *self,
                    const gchar         *id)
{
  Peer *peer = g_hash_table_lookup (self->peers, id);

  if (peer != NULL)
    return peer;

  peer = g_new0 (Peer, 1);
  peer->id = g_strdup (id);
  peer->records = g_ptr_array_new ();
  g_hash_table_insert (self->peers, peer->id, peer);
  return peer;
}

/* Records the resolution of @record as peer @id (NULL: not a peer we report)
 * and refreshes the peers it left and joined. */
static void
record_set_resolved (Record             *record,
                     const gchar        *id,
                     const gchar        *session_id,
                     GInetSocketAddress *address)
{
  ShoalDiscoveryAvahi *self = record->self;
  Peer *old_peer = NULL;
  Peer *new_peer = NULL;

  if (record->peer != NULL && g_strcmp0 (record->peer->id, id) != 0)
    old_peer = record_detach (record);

  g_free (record->session_id);
  record->session_id = g_strdup (session_id);
  g_set_object (&record->address, address);
  record->resolved_seq = ++self->resolve_seq;

  if (id != NULL)
    {
      new_peer = lookup_or_add_peer (self, id);
      if (record->peer == NULL)
        {
          g_ptr_array_add (new_peer->records, record);
          record->peer = new_peer;
        }
    }

  /* A peer that lost this record to another id may be gone now; refreshing it
   * may emit, so it is the new peer's id that is looked up again after. */
  if (old_peer != NULL)
    {
      g_autofree gchar *new_id = g_strdup (id);

      peer_refresh (self, old_peer);
      if (!self->running || new_id == NULL)
        return;
      new_peer = g_hash_table_lookup (self->peers, new_id);
    }

  if (new_peer != NULL)
    peer_refresh (self, new_peer);
}

static gboolean
retry_resolve_cb (gpointer user_data)
{
  Record *record = user_data;

  g_clear_pointer (&record->retry, g_source_unref);
  resolve_record (record);
  return G_SOURCE_REMOVE;
}

static void
host_browser_callback (AvahiRecordBrowser     *browser,
                       AvahiIfIndex            interface,
                       AvahiProtocol           protocol,
                       AvahiBrowserEvent       event,
                       const char             *name,
                       uint16_t                clazz,
                       uint16_t                type,
                       const void             *rdata,
                       size_t                  size,
                       AvahiLookupResultFlags  flags,
                       void                   *user_data)
{
  Record *record = user_data;
  ShoalDiscoveryAvahi *self = record->self;
  g_autoptr(GInetSocketAddress) socket_address = NULL;
  AvahiAddress address = { 0, };
  guint index;
  gboolean present = FALSE;

  if (event != AVAHI_BROWSER_NEW && event != AVAHI_BROWSER_REMOVE)
    return;
  if (type == AVAHI_DNS_TYPE_A && size == sizeof address.data.ipv4.address)
    address.proto = AVAHI_PROTO_INET;
  else if (type == AVAHI_DNS_TYPE_AAAA && size == sizeof address.data.ipv6.address)
    address.proto = AVAHI_PROTO_INET6;
  else
    return;
  memcpy (&address.data, rdata, size);
  socket_address = shoal_dns_sd_socket_address_from_avahi (&address, interface, record->port);
  if (socket_address == NULL)
    return;

  for (index = 0; index < record->host_addresses->len && !present; index++)
    present = shoal_dns_sd_compare_addresses (&record->host_addresses->pdata[index],
                                              &socket_address) == 0;
  if (event == AVAHI_BROWSER_NEW)
    {
      if (present || record->host_addresses->len >= MAX_HOST_ADDRESSES)
        return;
      g_ptr_array_add (record->host_addresses, g_steal_pointer (&socket_address));
    }
  else
    {
      if (!present)
        return;
      g_ptr_array_remove_index (record->host_addresses, index - 1);
    }

  g_debug ("Avahi: %s on interface %d has %u addresses", name, interface,
           record->host_addresses->len);
  if (record->peer != NULL)
    {
      /* May stop us (and free @record) through the node's handlers. */
      g_object_ref (self);
      peer_refresh (self, record->peer);
      g_object_unref (self);
    }
}

/* Lists every address of @host_name on the record's interface and protocol,
 * not only the one the resolver picked: a peer's host may have several. */
static void
browse_host (Record      *record,
             const gchar *host_name,
             guint16      port)
{
  ShoalDiscoveryAvahi *self = record->self;

  if (record->host_browser != NULL && record->port == port &&
      g_strcmp0 (record->host_name, host_name) == 0)
    return;

  g_clear_pointer (&record->host_browser, avahi_record_browser_free);
  g_clear_pointer (&record->host_addresses, g_ptr_array_unref);
  g_free (record->host_name);
  record->host_name = g_strdup (host_name);
  record->port = port;
  record->host_addresses = g_ptr_array_new_with_free_func (g_object_unref);
  record->host_browser = avahi_record_browser_new (self->client, record->interface,
                                                   record->protocol, host_name,
                                                   AVAHI_DNS_CLASS_IN,
                                                   record->protocol == AVAHI_PROTO_INET6
                                                     ? AVAHI_DNS_TYPE_AAAA : AVAHI_DNS_TYPE_A,
                                                   0, host_browser_callback, record);
  if (record->host_browser == NULL)
    g_debug ("Avahi: cannot list the addresses of %s: %s", host_name,
             avahi_strerror (avahi_client_errno (self->client)));
}

static void
resolver_callback (AvahiServiceResolver   *resolver,
                   AvahiIfIndex            interface,
                   AvahiProtocol           protocol,
                   AvahiResolverEvent      event,
                   const char             *name,
                   const char             *type,
                   const char             *domain,
                   const char             *host_name,
                   const AvahiAddress     *address,
                   uint16_t                port,
                   AvahiStringList        *txt,
                   AvahiLookupResultFlags  flags,
                   void                   *user_data)
{
  Record *record = user_data;
  ShoalDiscoveryAvahi *self = g_object_ref (record->self);
  g_autofree gchar *id = NULL;
  g_autofree gchar *session_id = NULL;
  g_autoptr(GInetSocketAddress) socket_address = NULL;

  /* The resolver stays while the browser lists the record: it answers again
   * when the SRV or TXT behind an unchanged service name change, as when a
   * node restarts under the same name with a new id and port before its old
   * records expired. Only a failure ends it, and the retry makes a new one. */
  if (event == AVAHI_RESOLVER_FAILURE)
    {
      g_debug ("Avahi: cannot resolve \"%s\" on interface %d: %s",
               name, interface,
               avahi_strerror (avahi_client_errno (avahi_service_resolver_get_client (resolver))));
      g_clear_pointer (&record->resolver, avahi_service_resolver_free);
      if (record->attempts < RESOLVE_ATTEMPTS)
        record->retry = shoal_timeout_attach (self->context, RESOLVE_RETRY_SECONDS * 1000,
                                              retry_resolve_cb, record, NULL,
                                              "[shoal] avahi resolve");
      g_object_unref (self);
      return;
    }

  record->own = FALSE;
  record->clone = FALSE;
  if (!shoal_dns_sd_txt_parse (txt, name, &id, &session_id))
    {
      g_clear_pointer (&id, g_free);
    }
  else if (g_strcmp0 (id, self->id) == 0)
    {
      /* Filtered by id, not by AVAHI_LOOKUP_RESULT_OUR_OWN: two nodes on one
       * host share a daemon, and each must still see the other. Our id from
       * another machine is never a peer either, but it is worth a word. */
      socket_address = shoal_dns_sd_socket_address_from_avahi (address, interface, port);
      record->own = g_strcmp0 (session_id, self->session_id) == 0;
      record->clone = shoal_discovery_avahi_is_clone (self, session_id, socket_address);
      if (record->clone)
        shoal_discovery_avahi_say_clone (self, name, session_id, socket_address);
      else
        g_debug ("Avahi: \"%s\" on interface %d is %s", name, interface,
                 record->own ? "our own announcement" : "our id from an earlier start");
      g_clear_pointer (&id, g_free);
    }
  else
    {
      socket_address = shoal_dns_sd_socket_address_from_avahi (address, interface, port);
      g_debug ("Avahi: resolved \"%s\" on interface %d protocol %s: host %s, id %s",
               name, interface, avahi_proto_to_string (protocol), host_name, id);
      browse_host (record, host_name, port);
    }

  record->attempts = 0;

  /* May stop us (and free @record) through the node's handlers. */
  record_set_resolved (record, id, id != NULL ? session_id : NULL, socket_address);
  if (self->running)
    shoal_discovery_avahi_update_seen (self);
  g_object_unref (self);
}

static void
resolve_record (Record *record)
{
  ShoalDiscoveryAvahi *self = record->self;

  g_clear_pointer (&record->resolver, avahi_service_resolver_free);
  shoal_source_clear (&record->retry);
  record->attempts++;

  /* One address per record, of the record's own family: the union over the
   * IPv4 and IPv6 records gives every family the peer is reachable on. */
  record->resolver = avahi_service_resolver_new (self->client,
                                                 record->interface,
                                                 record->protocol,
                                                 record->name,
                                                 SHOAL_DNS_SD_SERVICE_TYPE,
                                                 record->domain,
                                                 record->protocol,
                                                 0,
                                                 resolver_callback,
                                                 record);
  if (record->resolver == NULL)
    g_debug ("Avahi: cannot resolve \"%s\": %s", record->name,
             avahi_strerror (avahi_client_errno (self->client)));
}

void
shoal_discovery_avahi_browser_callback (AvahiServiceBrowser    *browser,
                  AvahiIfIndex            interface,
                  AvahiProtocol           protocol,
                  AvahiBrowserEvent       event,
                  const char             *name,
                  const char             *type,
                  const char             *domain,
                  AvahiLookupResultFlags  flags,
                  void                   *user_data)
{
  ShoalDiscoveryAvahi *self = user_data;
  g_autofree gchar *key = NULL;
  Record *record;
  Peer *peer;

  switch (event)
    {
    case AVAHI_BROWSER_NEW:
      key = record_key (interface, protocol, name, domain);
      record = g_hash_table_lookup (self->records, key);
      g_debug ("Avahi: new \"%s\" on interface %d protocol %s",
               name, interface, avahi_proto_to_string (protocol));
      if (record == NULL)
        {
          record = g_new0 (Record, 1);
          record->self = self;
          record->key = g_steal_pointer (&key);
          record->interface = interface;
          record->protocol = protocol;
          record->name = g_strdup (name);
          record->domain = g_strdup (domain);
          g_hash_table_insert (self->records, record->key, record);
        }
      record->attempts = 0;
      resolve_record (record);
      shoal_discovery_avahi_update_seen (self);
      break;

    case AVAHI_BROWSER_REMOVE:
      key = record_key (interface, protocol, name, domain);
      record = g_hash_table_lookup (self->records, key);
      g_debug ("Avahi: \"%s\" gone from interface %d protocol %s",
               name, interface, avahi_proto_to_string (protocol));
      if (record == NULL)
        break;
      peer = record_detach (record);
      g_hash_table_remove (self->records, key);
      g_object_ref (self);
      if (peer != NULL)
        peer_refresh (self, peer);
      if (self->running)
        shoal_discovery_avahi_update_seen (self);
      g_object_unref (self);
      break;

    case AVAHI_BROWSER_ALL_FOR_NOW:
      /* The network has answered: peers from before the daemon went away
       * that it did not list are gone (after a grace for resolving). */
      shoal_discovery_avahi_sweep_stale_later (self);
      break;

    case AVAHI_BROWSER_CACHE_EXHAUSTED:
      break;

    case AVAHI_BROWSER_FAILURE:
      /* Only the daemon going away fails a browser; the client callback
       * rebuilds everything then. */
      g_debug ("Avahi: browser failed: %s",
               avahi_strerror (avahi_client_errno (avahi_service_browser_get_client (browser))));
      break;

    default:
      break;
    }
}
