/* shoal-discovery-avahi-publish.c: the announcement of a ShoalDiscoveryAvahi
 *
 * Our `_shoal._tcp` service as raw records in an entry group of
 * avahi-daemon, and the addresses of our own host name in a second one:
 * added without probing (the names carry our id, see
 * shoal-dns-sd-records.c), in every state of the daemon's own host name,
 * renamed on a collision, added again after a failure, and the addresses
 * alone replaced when the machine's addresses change.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <net/if.h>

#include <glib/gi18n-lib.h>

#include <avahi-common/alternative.h>
#include <avahi-common/domain.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>

#include "shoal-discovery-avahi-private.h"
#include "shoal-dns-sd.h"
#include "shoal-interfaces.h"
#include "shoal-source.h"

/* Avahi renames on collision as "name #2", "name #3"…; never loop forever. */
#define MAX_RENAMES 32

/* Renames in a row that are each worth a line; after them one line says
 * that the name keeps colliding, and the rest go to the debug log. */
#define RENAMES_SAID 3


/* Moves the instance name and the host name on @steps alternatives:
 * "name id" → "name id #2"…, "shoal-id-s" → "shoal-id-s-2"… Both carry our id,
 * so only a machine announcing our own id (a copied state directory) or an
 * echo of our own records makes them collide. */
static void
take_alternative_names (ShoalDiscoveryAvahi *self,
                        guint                steps)
{
  g_autofree gchar *taken = g_strdup (self->instance);

  for (guint i = 0; i < steps; i++)
    {
      char *instance = avahi_alternative_service_name (self->instance);
      char *host = avahi_alternative_host_name (self->host);

      g_free (self->instance);
      self->instance = g_strdup (instance);
      g_free (self->host);
      self->host = g_strdup (host);
      avahi_free (instance);
      avahi_free (host);
    }

  /* A few renames are news; a storm of them is one piece of news. */
  if (self->collisions <= RENAMES_SAID)
    {
      g_message ("mDNS service name '%s' is taken on this network; announcing as '%s'",
                 taken, self->instance);
    }
  else if (!self->said_collisions)
    {
      self->said_collisions = TRUE;
      g_message (_("mDNS: the name of this node keeps colliding (%u renames in a row, now “%s”): "
                   "other hosts announce the same names, or the network echoes this node's own "
                   "announcements back (a loop, or two interfaces on one network)"),
                 self->collisions, self->instance);
    }
  else
    {
      g_debug ("Avahi: '%s' taken; announcing as '%s'", taken, self->instance);
    }
}

static gboolean
republish_cb (gpointer user_data)
{
  ShoalDiscoveryAvahi *self = user_data;

  g_clear_pointer (&self->republish, g_source_unref);
  if (self->group != NULL)
    avahi_entry_group_reset (self->group);
  if (self->address_group != NULL)
    avahi_entry_group_reset (self->address_group);
  g_clear_pointer (&self->published_addresses, g_free);
  if (self->client != NULL && shoal_discovery_avahi_client_connected (self->client))
    shoal_discovery_avahi_publish (self, self->client);
  return G_SOURCE_REMOVE;
}

static void
entry_group_callback (AvahiEntryGroup      *group,
                      AvahiEntryGroupState  state,
                      void                 *user_data)
{
  ShoalDiscoveryAvahi *self = user_data;

  switch (state)
    {
    case AVAHI_ENTRY_GROUP_ESTABLISHED:
      if (group != self->group)
        break;
      g_debug ("Avahi: announced as '%s' (%s port %u)",
               self->instance, SHOAL_DNS_SD_SERVICE_TYPE, self->port);
      self->collisions = 0;
      self->said_collisions = FALSE;
      self->said_failure = FALSE;
      shoal_discovery_avahi_set_service_name (self, self->instance);
      shoal_discovery_avahi_set_state (self, SHOAL_DISCOVERY_AVAHI_STATE_RUNNING);
      break;

    case AVAHI_ENTRY_GROUP_COLLISION:
      /* Another machine announces our instance name or host name: one that
       * holds our id (its state directory was copied from ours), or our own
       * records echoed back. Both groups move on to other names; from the
       * second collision in a row on, a random number of names, so that two
       * copies fall out of step. */
      self->collisions++;
      shoal_discovery_avahi_set_service_name (self, NULL);
      shoal_discovery_avahi_set_state (self, SHOAL_DISCOVERY_AVAHI_STATE_COLLISION);
      take_alternative_names (self, self->collisions >= 2 ? (guint) g_random_int_range (1, 5) : 1);
      if (self->group != NULL)
        avahi_entry_group_reset (self->group);
      if (self->address_group != NULL)
        avahi_entry_group_reset (self->address_group);
      g_clear_pointer (&self->published_addresses, g_free);
      shoal_discovery_avahi_publish (self, avahi_entry_group_get_client (group));
      break;

    case AVAHI_ENTRY_GROUP_FAILURE:
      /* Retried every few seconds: said once until the name is established. */
      g_log (G_LOG_DOMAIN, self->said_failure ? G_LOG_LEVEL_DEBUG : G_LOG_LEVEL_WARNING,
             "Cannot announce '%s' over mDNS: %s; trying again in %u s",
             self->instance,
             avahi_strerror (avahi_client_errno (avahi_entry_group_get_client (group))),
             RECONNECT_DELAY_SECONDS);
      self->said_failure = TRUE;
      shoal_discovery_avahi_set_service_name (self, NULL);
      shoal_discovery_avahi_set_state (self, SHOAL_DISCOVERY_AVAHI_STATE_FAILURE);
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

/* One record, on each interface of @indices. */
static int
add_raw (AvahiEntryGroup   *group,
         GArray            *indices,
         AvahiPublishFlags  flags,
         const gchar       *name,
         guint16            type,
         guint32            ttl,
         GBytes            *rdata)
{
  gsize size;
  gconstpointer data;
  int ret = AVAHI_OK;

  if (rdata == NULL)
    return AVAHI_ERR_INVALID_RECORD;
  data = g_bytes_get_data (rdata, &size);
  for (guint i = 0; i < indices->len && ret >= 0; i++)
    ret = avahi_entry_group_add_record (group, g_array_index (indices, AvahiIfIndex, i),
                                        AVAHI_PROTO_UNSPEC, flags, name, AVAHI_DNS_CLASS_IN,
                                        type, ttl, data, size);
  return ret;
}

/* The service: what avahi_entry_group_add_service() would add, without the
 * probing that function cannot skip. SRV and TXT are unique to us (the
 * cache-flush bit makes peers drop what an earlier start of ours left);
 * the PTR records are shared. */
static int
add_service_records (ShoalDiscoveryAvahi *self,
                     GArray              *indices)
{
  g_autofree gchar *service_ptr = g_strconcat (SHOAL_DNS_SD_SERVICE_TYPE, ".local", NULL);
  g_autoptr(GBytes) enumeration = shoal_dns_sd_ptr_rdata (NULL, service_ptr);
  g_autoptr(GBytes) ptr = shoal_dns_sd_ptr_rdata (self->instance, service_ptr);
  g_autoptr(GBytes) srv = shoal_dns_sd_srv_rdata (self->port, self->host, "local");
  g_autoptr(GBytes) txt = NULL;
  AvahiStringList *strings;
  char full[AVAHI_DOMAIN_NAME_MAX];
  const AvahiPublishFlags unique = AVAHI_PUBLISH_UNIQUE | AVAHI_PUBLISH_NO_PROBE;
  int ret;

  ret = avahi_service_name_join (full, sizeof full, self->instance, SHOAL_DNS_SD_SERVICE_TYPE,
                                 "local");
  if (ret < 0)
    return ret;

  strings = shoal_dns_sd_txt_build (self->id, self->session_id, self->port);
  if (self->probe)
    {
      g_autofree gchar *host_domain = g_strconcat (self->host, ".local", NULL);

      for (guint i = 0; i < indices->len && ret >= 0; i++)
        ret = avahi_entry_group_add_service_strlst (self->group,
                                                    g_array_index (indices, AvahiIfIndex, i),
                                                    AVAHI_PROTO_UNSPEC, 0, self->instance,
                                                    SHOAL_DNS_SD_SERVICE_TYPE, NULL, host_domain,
                                                    self->port, strings);
      avahi_string_list_free (strings);
      return ret;
    }
  txt = shoal_dns_sd_txt_rdata (strings);
  avahi_string_list_free (strings);

  ret = add_raw (self->group, indices, unique, full, AVAHI_DNS_TYPE_SRV,
                 AVAHI_DEFAULT_TTL_HOST_NAME, srv);
  if (ret >= 0)
    ret = add_raw (self->group, indices, unique, full, AVAHI_DNS_TYPE_TXT, AVAHI_DEFAULT_TTL, txt);
  if (ret >= 0)
    ret = add_raw (self->group, indices, 0, service_ptr, AVAHI_DNS_TYPE_PTR, AVAHI_DEFAULT_TTL, ptr);
  if (ret >= 0)
    ret = add_raw (self->group, indices, 0, "_services._dns-sd._udp.local", AVAHI_DNS_TYPE_PTR,
                   AVAHI_DEFAULT_TTL, enumeration);
  return ret;
}

/* Whether @interface has an address of @family wider than link-local. */
static gboolean
has_wider (ShoalInterface *interface,
           GSocketFamily   family)
{
  for (guint a = 0; a < interface->addresses->len; a++)
    {
      GInetAddress *address = g_ptr_array_index (interface->addresses, a);

      if (g_inet_address_get_family (address) == family &&
          !g_inet_address_get_is_link_local (address))
        return TRUE;
    }
  return FALSE;
}

/* Each address of each interface that can carry mDNS (loopback included),
 * as "index address" lines, link-local ones only where the family has no
 * other (as avahi-daemon does for the machine's host name: a wider one is
 * the better one to dial): what the address group announces, and how a
 * change is noticed. */
static gchar *
list_addresses (ShoalDiscoveryAvahi *self)
{
  g_autoptr(GPtrArray) interfaces = shoal_interfaces_list ();
  g_autoptr(GString) list = g_string_new (NULL);

  for (guint i = 0; i < interfaces->len; i++)
    {
      ShoalInterface *interface = g_ptr_array_index (interfaces, i);
      guint index;

      /* Loopback too, where avahi-daemon uses it: our own records, browsed
       * there, must resolve (and another node on this machine finds us there,
       * as it finds the machine's own host name). */
      if (!shoal_interface_is_usable (interface) &&
          !(interface->loopback && interface->addresses->len > 0))
        continue;
      if (!shoal_discovery_avahi_interface_is_allowed (self, interface))
        continue;
      index = if_nametoindex (interface->name);
      if (index == 0)
        continue;
      for (guint a = 0; a < interface->addresses->len; a++)
        {
          GInetAddress *address = g_ptr_array_index (interface->addresses, a);
          g_autofree gchar *text = NULL;

          if (g_inet_address_get_is_link_local (address) &&
              has_wider (interface, g_inet_address_get_family (address)))
            continue;
          text = g_inet_address_to_string (address);
          g_string_append_printf (list, "%u %s\n", index, text);
        }
    }
  return g_string_free (g_steal_pointer (&list), FALSE);
}

/* Our host name's addresses, each on its own interface only: a peer on
 * that link resolves our SRV target to the address it can reach. */
static void
publish_addresses (ShoalDiscoveryAvahi *self,
                   AvahiClient         *client)
{
  g_autofree gchar *list = list_addresses (self);
  g_autofree gchar *host_domain = g_strconcat (self->host, ".local", NULL);
  g_auto(GStrv) lines = NULL;
  guint added = 0;
  int ret = AVAHI_OK;

  if (g_strcmp0 (list, self->published_addresses) == 0)
    return;

  if (self->address_group == NULL)
    self->address_group = avahi_entry_group_new (client, entry_group_callback, self);
  if (self->address_group == NULL)
    {
      g_warning ("Cannot announce over mDNS: %s", avahi_strerror (avahi_client_errno (client)));
      return;
    }
  /* Replacing the addresses sends goodbyes for the old ones only: the
   * service records, in the other group, stay. */
  avahi_entry_group_reset (self->address_group);
  g_free (self->published_addresses);
  self->published_addresses = g_strdup (list);

  lines = g_strsplit (list, "\n", -1);
  for (guint i = 0; lines[i] != NULL && ret >= 0; i++)
    {
      g_auto(GStrv) words = g_strsplit (lines[i], " ", 2);
      AvahiAddress address;

      if (g_strv_length (words) != 2 ||
          avahi_address_parse (words[1], AVAHI_PROTO_UNSPEC, &address) == NULL)
        continue;
      ret = avahi_entry_group_add_address (self->address_group,
                                           (AvahiIfIndex) g_ascii_strtoull (words[0], NULL, 10),
                                           AVAHI_PROTO_UNSPEC,
                                           AVAHI_PUBLISH_NO_PROBE | AVAHI_PUBLISH_NO_REVERSE,
                                           host_domain, &address);
      if (ret >= 0)
        added++;
    }

  if (ret >= 0 && added > 0)
    ret = avahi_entry_group_commit (self->address_group);
  if (ret < 0)
    {
      g_debug ("Avahi: cannot announce the addresses of %s: %s", host_domain, avahi_strerror (ret));
      avahi_entry_group_reset (self->address_group);
      g_clear_pointer (&self->published_addresses, g_free);
    }
  else
    {
      g_debug ("Avahi: %s has %u addresses", host_domain, added);
    }
}

/**
 * shoal_discovery_avahi_addresses_changed:
 * @self: a #ShoalDiscoveryAvahi
 *
 * Announces the machine's addresses again if they changed since they were
 * last announced.
 */
void
shoal_discovery_avahi_addresses_changed (ShoalDiscoveryAvahi *self)
{
  g_autoptr(GArray) indices = NULL;
  g_autofree gchar *announced = NULL;

  if (self->name == NULL || self->client == NULL || self->group == NULL ||
      !shoal_discovery_avahi_client_connected (self->client))
    return;

  /* An allowed interface came or went: the records go again, there and
   * only there. */
  indices = shoal_discovery_avahi_interface_indices (self);
  announced = shoal_discovery_avahi_describe_indices (indices);
  if (g_strcmp0 (announced, self->announced_interfaces) != 0)
    {
      g_debug ("Avahi: the interfaces to announce on changed: %s", announced);
      avahi_entry_group_reset (self->group);
      if (self->address_group != NULL)
        avahi_entry_group_reset (self->address_group);
      g_clear_pointer (&self->published_addresses, g_free);
      shoal_discovery_avahi_publish (self, self->client);
      return;
    }
  publish_addresses (self, self->client);
}

/* Adds our records to the (empty) entry groups and commits them. The
 * daemon's own host name plays no part, so this works in every state of
 * the client but CONNECTING and FAILURE. */
void
shoal_discovery_avahi_publish (ShoalDiscoveryAvahi *self,
                               AvahiClient         *client)
{
  g_autoptr(GArray) indices = NULL;
  guint i;
  int ret = AVAHI_OK;

  if (self->name == NULL)
    return;

  if (self->instance == NULL)
    self->instance = shoal_dns_sd_instance_name (self->name, self->id);
  if (self->host == NULL)
    self->host = shoal_dns_sd_host_label (self->id, self->session_id);

  if (self->group == NULL)
    {
      self->group = avahi_entry_group_new (client, entry_group_callback, self);
      if (self->group == NULL)
        {
          g_warning ("Cannot announce over mDNS: %s", avahi_strerror (avahi_client_errno (client)));
          return;
        }
    }

  publish_addresses (self, client);

  if (!avahi_entry_group_is_empty (self->group))
    return;

  indices = shoal_discovery_avahi_interface_indices (self);
  g_free (self->announced_interfaces);
  self->announced_interfaces = shoal_discovery_avahi_describe_indices (indices);
  if (indices->len == 0)
    {
      g_debug ("Avahi: no allowed interface to announce on, for now");
      return;
    }

  for (i = 0; i < MAX_RENAMES; i++)
    {
      ret = add_service_records (self, indices);
      /* Names already announced through this daemon (an earlier start of
       * ours that the daemon still holds) are refused at once. */
      if (ret != AVAHI_ERR_COLLISION)
        break;
      avahi_entry_group_reset (self->group);
      take_alternative_names (self, 1);
      if (self->address_group != NULL)
        avahi_entry_group_reset (self->address_group);
      g_clear_pointer (&self->published_addresses, g_free);
      publish_addresses (self, client);
    }

  if (ret >= 0)
    ret = avahi_entry_group_commit (self->group);

  if (ret < 0)
    {
      g_warning ("Cannot announce '%s' over mDNS: %s", self->instance, avahi_strerror (ret));
      avahi_entry_group_reset (self->group);
      shoal_discovery_avahi_set_state (self, SHOAL_DISCOVERY_AVAHI_STATE_FAILURE);
    }
  else
    {
      g_debug ("Avahi: announcing '%s' (%s port %u on %s.local, id %s, session %s)",
               self->instance, SHOAL_DNS_SD_SERVICE_TYPE, self->port, self->host, self->id,
               self->session_id);
      /* A collision stays the state until a name is established. */
      if (self->state != SHOAL_DISCOVERY_AVAHI_STATE_COLLISION)
        shoal_discovery_avahi_set_state (self, SHOAL_DISCOVERY_AVAHI_STATE_REGISTERING);
    }
}

/**
 * shoal_discovery_avahi_set_probe:
 * @self: a #ShoalDiscoveryAvahi
 * @probe: whether to probe
 *
 * Announces the service through avahi_entry_group_add_service(), which
 * probes its names for about a second before anyone sees them, as Shoal
 * did before it announced raw records: the bench's baseline for joins.
 * Takes effect at the next announcement.
 */
void
shoal_discovery_avahi_set_probe (ShoalDiscoveryAvahi *self,
                                 gboolean             probe)
{
  self->probe = probe;
}
