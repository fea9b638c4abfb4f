/* shoal-discovery-avahi.c: peers over mDNS/DNS-SD through avahi-daemon
 *
 * The client, entry group, browser and resolvers, and the table that turns
 * per-interface records into one peer per id. What a record says (its TXT
 * keys, its addresses and their order) is read in shoal-dns-sd.c, which needs
 * no daemon.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/strlst.h>
#include <avahi-glib/glib-watch.h>

#include "shoal-discovery-avahi.h"
#include "shoal-dns-sd.h"
#include "shoal-source.h"
#include "shoal-error.h"

/* How long to wait before creating a new client after a failure that is not
 * the daemon leaving the bus (the bus itself gone, a version mismatch…). */
#define RECONNECT_DELAY_SECONDS 5

/* A resolver that times out (the host went quiet mid-query) is tried again a
 * few times while the browser still lists the service. */
#define RESOLVE_ATTEMPTS 3
#define RESOLVE_RETRY_SECONDS 2

/* Avahi renames on collision as "name #2", "name #3"…; never loop forever. */
#define MAX_RENAMES 32

/**
 * ShoalDiscoveryAvahi:
 *
 * Announces the node as a `_shoal._tcp` DNS-SD service and reports every
 * other Shoal node that avahi-daemon sees, one peer per peer id, with the
 * union of its addresses over every interface and address family.
 *
 * avahi-daemon may be missing when the backend starts and may leave and come
 * back at any time: the client is created with %AVAHI_CLIENT_NO_FAIL and
 * rebuilt whenever it fails, so discovery resumes on its own.
 */

typedef struct _Peer Peer;

/* One DNS-SD service instance as the browser reports it: per interface, per
 * protocol. Several records make up one peer. */
typedef struct
{
  ShoalDiscoveryAvahi  *self;        /* (unowned) */
  gchar                *key;         /* (owned) */
  AvahiIfIndex          interface;
  AvahiProtocol         protocol;
  gchar                *name;        /* (owned) service instance name */
  gchar                *domain;      /* (owned) */
  AvahiServiceResolver *resolver;    /* (owned) (nullable) while resolving */
  GSource              *retry;       /* (owned) (nullable) */
  guint                 attempts;

  /* What the last successful resolution said */
  Peer                 *peer;        /* (unowned) (nullable) */
  gchar                *session_id;  /* (owned) (nullable) */
  GInetSocketAddress   *address;     /* (owned) (nullable) */
  guint64               resolved_seq;
} Record;

struct _Peer
{
  gchar     *id;                     /* (owned) */
  GPtrArray *records;                /* (owned) (element-type Record) records unowned */

  /* What peer-found last said, to emit again only on a change */
  gboolean   reported;
  gchar     *reported_name;          /* (owned) (nullable) */
  gchar     *reported_session_id;    /* (owned) (nullable) */
  gchar     *reported_addresses;     /* (owned) (nullable) */
};

struct _ShoalDiscoveryAvahi
{
  GObject              parent_instance;

  gboolean             running;
  gchar               *id;           /* (owned) */
  gchar               *session_id;   /* (owned) */
  gchar               *name;         /* (owned) (nullable) the name we announce, NULL: browse only */
  guint16              port;

  GMainContext        *context;      /* (owned) */
  AvahiGLibPoll       *poll;         /* (owned) */
  AvahiClient         *client;       /* (owned) (nullable) */
  AvahiEntryGroup     *group;        /* (owned) (nullable) */
  AvahiServiceBrowser *browser;      /* (owned) (nullable) */
  GSource             *reconnect;    /* (owned) (nullable) */
  GSource             *republish;    /* (owned) (nullable) */

  GHashTable          *records;      /* (owned) key → (owned) Record */
  GHashTable          *peers;        /* (owned) id → (owned) Peer */
  guint64              resolve_seq;

  /* So that the operator reads each outage once, not once per retry */
  guint                collisions;    /* in a row, since the name was last established */
  gboolean             said_waiting;
  gboolean             daemon_was_running;
};

static void shoal_discovery_avahi_iface_init (ShoalDiscoveryInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalDiscoveryAvahi, shoal_discovery_avahi, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_DISCOVERY,
                                                      shoal_discovery_avahi_iface_init))

static void client_callback (AvahiClient      *client,
                             AvahiClientState  state,
                             void             *user_data);
static void publish (ShoalDiscoveryAvahi *self,
                     AvahiClient         *client);
static void resolve_record (Record *record);
static void schedule_reconnect (ShoalDiscoveryAvahi *self,
                                guint                seconds);

static void
peer_free (Peer *peer)
{
  g_free (peer->id);
  g_ptr_array_unref (peer->records);
  g_free (peer->reported_name);
  g_free (peer->reported_session_id);
  g_free (peer->reported_addresses);
  g_free (peer);
}

static void
record_free (Record *record)
{
  g_clear_pointer (&record->resolver, avahi_service_resolver_free);
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
  shoal_discovery_emit_peer_found (SHOAL_DISCOVERY (self), id, id, newest->name, addresses);
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

  if (!shoal_dns_sd_txt_parse (txt, name, &id, &session_id))
    {
      g_clear_pointer (&id, g_free);
    }
  else if (g_strcmp0 (id, self->id) == 0)
    {
      /* Filtered by id, not by AVAHI_LOOKUP_RESULT_OUR_OWN: two nodes on one
       * host share a daemon, and each must still see the other. */
      g_debug ("Avahi: \"%s\" on interface %d is our own announcement", name, interface);
      g_clear_pointer (&id, g_free);
    }
  else
    {
      socket_address = shoal_dns_sd_socket_address_from_avahi (address, interface, port);
      g_debug ("Avahi: resolved \"%s\" on interface %d protocol %s: host %s, id %s",
               name, interface, avahi_proto_to_string (protocol), host_name, id);
    }

  record->attempts = 0;

  record_set_resolved (record, id, id != NULL ? session_id : NULL, socket_address);
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

static void
browser_callback (AvahiServiceBrowser    *browser,
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
      if (peer != NULL)
        {
          g_object_ref (self);
          peer_refresh (self, peer);
          g_object_unref (self);
        }
      break;

    case AVAHI_BROWSER_CACHE_EXHAUSTED:
    case AVAHI_BROWSER_ALL_FOR_NOW:
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

/* Takes Avahi's next name for ours ("name #2"), says so, and tells the node. */
/* Moves on @steps alternative names: "name" → "name #2" → "name #3"… */
static void
take_alternative_name (ShoalDiscoveryAvahi *self,
                       guint                steps)
{
  g_autofree gchar *taken = g_strdup (self->name);

  for (guint i = 0; i < steps; i++)
    {
      char *alternative = avahi_alternative_service_name (self->name);

      g_free (self->name);
      self->name = g_strdup (alternative);
      avahi_free (alternative);
    }

  g_message ("mDNS service name '%s' is taken on this network; announcing as '%s'",
             taken, self->name);
}

static gboolean
republish_cb (gpointer user_data)
{
  ShoalDiscoveryAvahi *self = user_data;

  g_clear_pointer (&self->republish, g_source_unref);
  if (self->group != NULL)
    avahi_entry_group_reset (self->group);
  if (self->client != NULL && avahi_client_get_state (self->client) == AVAHI_CLIENT_S_RUNNING)
    publish (self, self->client);
  return G_SOURCE_REMOVE;
}

static void
entry_group_callback (AvahiEntryGroup      *group,
                      AvahiEntryGroupState  state,
                      void                 *user_data)
{
  ShoalDiscoveryAvahi *self = user_data;
  g_autofree gchar *name = NULL;

  switch (state)
    {
    case AVAHI_ENTRY_GROUP_ESTABLISHED:
      g_debug ("Avahi: announced as '%s' (%s port %u)",
               self->name, SHOAL_DNS_SD_SERVICE_TYPE, self->port);
      self->collisions = 0;
      break;

    case AVAHI_ENTRY_GROUP_COLLISION:
      /* Another host announced or probed the same instance name. Two nodes
       * that probe one name at once can both lose avahi's per-record tie
       * break (the TXT record's port, see shoal_dns_sd_txt_build(), only
       * settles it when their ports differ), and both would then move on to
       * the same next name, again and again: from the second collision in a
       * row on, skip a random number of names to fall out of step. */
      self->collisions++;
      take_alternative_name (self, self->collisions >= 2 ? (guint) g_random_int_range (1, 5) : 1);
      avahi_entry_group_reset (group);
      publish (self, avahi_entry_group_get_client (group));
      name = g_strdup (self->name);
      shoal_discovery_emit_name_changed (SHOAL_DISCOVERY (self), name);
      break;

    case AVAHI_ENTRY_GROUP_FAILURE:
      g_warning ("Cannot announce '%s' over mDNS: %s; trying again in %u s",
                 self->name,
                 avahi_strerror (avahi_client_errno (avahi_entry_group_get_client (group))),
                 RECONNECT_DELAY_SECONDS);
      shoal_source_clear (&self->republish);
      self->republish = shoal_timeout_attach (self->context, RECONNECT_DELAY_SECONDS * 1000,
                                              republish_cb, self, NULL, "[shoal] avahi republish");
      break;

    case AVAHI_ENTRY_GROUP_UNCOMMITED:
    case AVAHI_ENTRY_GROUP_REGISTERING:
    default:
      break;
    }
}

/* Adds our service to the (empty) entry group and commits it. */
static void
publish (ShoalDiscoveryAvahi *self,
         AvahiClient         *client)
{
  AvahiStringList *txt;
  gboolean renamed = FALSE;
  g_autofree gchar *name = NULL;
  guint i;
  int ret = AVAHI_OK;

  if (self->name == NULL)
    return;

  if (self->group == NULL)
    {
      self->group = avahi_entry_group_new (client, entry_group_callback, self);
      if (self->group == NULL)
        {
          g_warning ("Cannot announce over mDNS: %s", avahi_strerror (avahi_client_errno (client)));
          return;
        }
    }

  if (!avahi_entry_group_is_empty (self->group))
    return;

  txt = shoal_dns_sd_txt_build (self->id, self->session_id, self->port);
  for (i = 0; i < MAX_RENAMES; i++)
    {
      ret = avahi_entry_group_add_service_strlst (self->group,
                                                  AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0,
                                                  self->name, SHOAL_DNS_SD_SERVICE_TYPE,
                                                  NULL, NULL, self->port, txt);
      /* A name already announced on this host (another node on the same
       * daemon) is refused at once rather than after probing. */
      if (ret != AVAHI_ERR_COLLISION)
        break;
      take_alternative_name (self, 1);
      renamed = TRUE;
    }
  avahi_string_list_free (txt);

  if (ret >= 0)
    ret = avahi_entry_group_commit (self->group);

  if (ret < 0)
    {
      g_warning ("Cannot announce '%s' over mDNS: %s", self->name, avahi_strerror (ret));
      avahi_entry_group_reset (self->group);
    }
  else
    {
      g_debug ("Avahi: announcing '%s' (%s port %u, id %s, session %s)",
               self->name, SHOAL_DNS_SD_SERVICE_TYPE, self->port, self->id, self->session_id);
    }

  if (renamed)
    {
      name = g_strdup (self->name);
      shoal_discovery_emit_name_changed (SHOAL_DISCOVERY (self), name);
    }
}

static void
browse (ShoalDiscoveryAvahi *self,
        AvahiClient         *client)
{
  if (self->browser != NULL)
    return;

  self->browser = avahi_service_browser_new (client,
                                             AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                             SHOAL_DNS_SD_SERVICE_TYPE, NULL, 0,
                                             browser_callback, self);
  if (self->browser == NULL)
    g_warning ("Cannot browse mDNS for %s: %s", SHOAL_DNS_SD_SERVICE_TYPE,
               avahi_strerror (avahi_client_errno (client)));
}

/* Frees every object that lives in avahi-daemon. With @report, tells the node
 * that every peer it heard of is no longer seen (a hint only: it keeps its
 * links). */
static void
drop_daemon_objects (ShoalDiscoveryAvahi *self,
                     gboolean             report)
{
  g_autoptr(GPtrArray) lost = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  Peer *peer;
  guint i;

  shoal_source_clear (&self->republish);
  g_clear_pointer (&self->browser, avahi_service_browser_free);
  g_clear_pointer (&self->group, avahi_entry_group_free);

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (peer->reported)
      g_ptr_array_add (lost, g_strdup (peer->id));

  /* Records free their resolvers. */
  g_hash_table_remove_all (self->peers);
  g_hash_table_remove_all (self->records);

  if (!report)
    return;

  for (i = 0; i < lost->len && self->running; i++)
    shoal_discovery_emit_peer_lost (SHOAL_DISCOVERY (self), g_ptr_array_index (lost, i));
}

static void
say_waiting (ShoalDiscoveryAvahi *self,
             const gchar         *why)
{
  if (self->said_waiting)
    return;

  self->said_waiting = TRUE;
  g_message ("avahi-daemon is not available (%s): mDNS discovery waits for it; static peers still work",
             why);
}

static void
connect_client (ShoalDiscoveryAvahi *self)
{
  AvahiClient *client;
  int error = AVAHI_OK;

  g_assert (self->client == NULL);

  /* The callback runs inside avahi_client_new() already (RUNNING or
   * CONNECTING), and sets self->client from its argument. */
  client = avahi_client_new (avahi_glib_poll_get (self->poll), AVAHI_CLIENT_NO_FAIL,
                             client_callback, self, &error);
  if (client == NULL)
    {
      /* With NO_FAIL this means no system bus at all: try again later. */
      say_waiting (self, avahi_strerror (error));
      g_debug ("Avahi: cannot create a client: %s; retrying in %u s",
               avahi_strerror (error), RECONNECT_DELAY_SECONDS);
      schedule_reconnect (self, RECONNECT_DELAY_SECONDS);
    }
  self->client = client;
}

static gboolean
reconnect_cb (gpointer user_data)
{
  ShoalDiscoveryAvahi *self = user_data;

  g_clear_pointer (&self->reconnect, g_source_unref);
  g_clear_pointer (&self->client, avahi_client_free);
  connect_client (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (ShoalDiscoveryAvahi *self,
                    guint                seconds)
{
  shoal_source_clear (&self->reconnect);
  if (seconds == 0)
    {
      self->reconnect = g_idle_source_new ();
      g_source_set_callback (self->reconnect, reconnect_cb, self, NULL);
      g_source_attach (self->reconnect, self->context);
    }
  else
    {
      self->reconnect = shoal_timeout_attach (self->context, seconds * 1000, reconnect_cb, self,
                                              NULL, "[shoal] avahi reconnect");
    }
}

static void
client_callback (AvahiClient      *client,
                 AvahiClientState  state,
                 void             *user_data)
{
  ShoalDiscoveryAvahi *self = user_data;
  int error;

  /* During avahi_client_new() the pointer is not returned yet. */
  if (self->client == NULL)
    self->client = client;

  switch (state)
    {
    case AVAHI_CLIENT_S_RUNNING:
      if (self->daemon_was_running)
        g_message ("avahi-daemon is back: mDNS discovery resumes");
      else if (self->said_waiting)
        g_message ("avahi-daemon is available: mDNS discovery starts");
      else
        g_debug ("Avahi: avahi-daemon is running");
      self->daemon_was_running = TRUE;
      self->said_waiting = FALSE;
      publish (self, client);
      browse (self, client);
      break;

    case AVAHI_CLIENT_S_COLLISION:
    case AVAHI_CLIENT_S_REGISTERING:
      /* The host name is being (re)probed; our service follows the host,
       * so withdraw it and add it again once the server runs. */
      g_debug ("Avahi: host name being registered; withdrawing our service until it runs");
      if (self->group != NULL)
        avahi_entry_group_reset (self->group);
      break;

    case AVAHI_CLIENT_CONNECTING:
      if (self->group != NULL || self->browser != NULL)
        {
          g_message ("avahi-daemon went away; mDNS discovery resumes when it returns");
          self->said_waiting = TRUE;
          g_object_ref (self);
          drop_daemon_objects (self, TRUE);
          g_object_unref (self);
        }
      else
        {
          say_waiting (self, "not running");
        }
      break;

    case AVAHI_CLIENT_FAILURE:
      error = avahi_client_errno (client);
      if (error == AVAHI_ERR_DISCONNECTED && self->daemon_was_running && !self->said_waiting)
        {
          g_message ("avahi-daemon went away; mDNS discovery resumes when it returns");
          self->said_waiting = TRUE;
        }
      else
        {
          say_waiting (self, avahi_strerror (error));
        }

      g_object_ref (self);
      drop_daemon_objects (self, TRUE);
      /* A client that failed stays failed: make a new one. It cannot be freed
       * inside its own callback, so that happens from the main loop. After
       * the daemon left, a new NO_FAIL client waits for it on the bus at once;
       * anything else (the bus itself gone) is retried after a pause. */
      if (self->running)
        schedule_reconnect (self, error == AVAHI_ERR_DISCONNECTED ? 0 : RECONNECT_DELAY_SECONDS);
      g_object_unref (self);
      break;

    default:
      break;
    }
}

static void
shoal_discovery_avahi_stop (ShoalDiscovery *discovery)
{
  ShoalDiscoveryAvahi *self = SHOAL_DISCOVERY_AVAHI (discovery);

  if (!self->running)
    return;

  self->running = FALSE;
  g_debug ("Avahi: stopping");

  shoal_source_clear (&self->reconnect);
  /* Freeing the entry group withdraws it: avahi-daemon sends goodbyes. */
  drop_daemon_objects (self, FALSE);
  g_clear_pointer (&self->client, avahi_client_free);
  g_clear_pointer (&self->poll, avahi_glib_poll_free);
  g_clear_pointer (&self->context, g_main_context_unref);
}

static void
shoal_discovery_avahi_start (ShoalDiscovery *discovery,
                             const gchar    *id,
                             const gchar    *session_id,
                             const gchar    *name,
                             guint16         port)
{
  ShoalDiscoveryAvahi *self = SHOAL_DISCOVERY_AVAHI (discovery);

  g_return_if_fail (shoal_peer_id_is_valid (id));
  g_return_if_fail (session_id != NULL);
  g_return_if_fail (!self->running);

  g_free (self->id);
  self->id = g_strdup (id);
  g_free (self->session_id);
  self->session_id = g_strdup (session_id);
  g_free (self->name);
  /* Port 0 has nothing to announce: browse only. */
  self->name = (name != NULL && port != 0) ? g_strdup (name) : NULL;
  self->port = port;
  self->said_waiting = FALSE;
  self->daemon_was_running = FALSE;
  self->running = TRUE;

  self->context = g_main_context_ref_thread_default ();
  self->poll = avahi_glib_poll_new (self->context, G_PRIORITY_DEFAULT);

  g_debug ("Avahi: starting as %s (%s)", id, self->name != NULL ? self->name : "browse only");
  connect_client (self);
}

static void
shoal_discovery_avahi_dispose (GObject *object)
{
  ShoalDiscoveryAvahi *self = SHOAL_DISCOVERY_AVAHI (object);

  shoal_discovery_avahi_stop (SHOAL_DISCOVERY (self));

  G_OBJECT_CLASS (shoal_discovery_avahi_parent_class)->dispose (object);
}

static void
shoal_discovery_avahi_finalize (GObject *object)
{
  ShoalDiscoveryAvahi *self = SHOAL_DISCOVERY_AVAHI (object);

  g_hash_table_unref (self->records);
  g_hash_table_unref (self->peers);
  g_free (self->id);
  g_free (self->session_id);
  g_free (self->name);

  G_OBJECT_CLASS (shoal_discovery_avahi_parent_class)->finalize (object);
}

static void
shoal_discovery_avahi_class_init (ShoalDiscoveryAvahiClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_discovery_avahi_dispose;
  object_class->finalize = shoal_discovery_avahi_finalize;
}

static void
shoal_discovery_avahi_iface_init (ShoalDiscoveryInterface *iface)
{
  iface->start = shoal_discovery_avahi_start;
  iface->stop = shoal_discovery_avahi_stop;
}

static void
shoal_discovery_avahi_init (ShoalDiscoveryAvahi *self)
{
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) record_free);
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) peer_free);
}

/**
 * shoal_discovery_avahi_new:
 *
 * Creates an mDNS discovery backend. Nothing happens until
 * shoal_discovery_start(); a @port of 0 there browses without announcing.
 *
 * Returns: (transfer full): a new #ShoalDiscoveryAvahi
 */
ShoalDiscoveryAvahi *
shoal_discovery_avahi_new (void)
{
  return g_object_new (SHOAL_TYPE_DISCOVERY_AVAHI, NULL);
}
