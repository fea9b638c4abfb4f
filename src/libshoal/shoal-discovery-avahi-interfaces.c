/* shoal-discovery-avahi-interfaces.c: the interfaces a ShoalDiscoveryAvahi uses
 *
 * avahi-daemon takes an interface index for each browser and each record:
 * AVAHI_IF_UNSPEC, every interface it serves, unless the `interfaces` or
 * `exclude-interfaces` settings limit the node. Then there is a browser per
 * allowed interface (and loopback, where the node finds others on this
 * machine), our records are added once per such interface, and the set is
 * worked out again whenever the machine's network changes: an allowed
 * interface that appears (a USB adapter plugged in, a VPN coming up) gets
 * its browser and records, one that goes loses them.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define G_LOG_DOMAIN "Shoal"

#include "config.h"

#include <net/if.h>

#include <avahi-common/error.h>

#include "shoal-discovery-avahi-private.h"
#include "shoal-dns-sd.h"
#include "shoal-interfaces.h"

void
shoal_discovery_avahi_browser_free (gpointer browser)
{
  avahi_service_browser_free (browser);
}

static gboolean
restricted (ShoalDiscoveryAvahi *self)
{
  return (self->only_interfaces != NULL && self->only_interfaces[0] != NULL) ||
         (self->excluded_interfaces != NULL && self->excluded_interfaces[0] != NULL);
}

/**
 * shoal_discovery_avahi_set_interfaces:
 * @self: a #ShoalDiscoveryAvahi
 * @only: (nullable) (array zero-terminated=1): if not empty, announce and
 *   browse only on these interfaces (names, or shell patterns like `eth*`)
 * @excluded: (nullable) (array zero-terminated=1): never announce or browse
 *   on these interfaces; they win over @only
 *
 * Limits mDNS to some interfaces; loopback stays in use. Takes effect at
 * the next start, or the next change of the machine's network. shoal_node_set_interfaces()
 * calls this for the node's own Avahi discovery.
 */
void
shoal_discovery_avahi_set_interfaces (ShoalDiscoveryAvahi *self,
                                      const gchar * const *only,
                                      const gchar * const *excluded)
{
  g_return_if_fail (SHOAL_IS_DISCOVERY_AVAHI (self));

  g_strfreev (self->only_interfaces);
  self->only_interfaces = g_strdupv ((gchar **) only);
  g_strfreev (self->excluded_interfaces);
  self->excluded_interfaces = g_strdupv ((gchar **) excluded);
}

/* shoal_discovery_avahi_interface_is_allowed:
 * @self: a #ShoalDiscoveryAvahi
 * @interface: an interface from shoal_interfaces_list()
 *
 * Returns: whether our addresses on @interface may be announced
 */
gboolean
shoal_discovery_avahi_interface_is_allowed (ShoalDiscoveryAvahi  *self,
                                            const ShoalInterface *interface)
{
  return interface->loopback ||
         shoal_interface_name_is_allowed (interface->name,
                                          (const gchar * const *) self->only_interfaces,
                                          (const gchar * const *) self->excluded_interfaces);
}

/* shoal_discovery_avahi_interface_indices:
 * @self: a #ShoalDiscoveryAvahi
 *
 * Returns: (transfer full) (element-type AvahiIfIndex): the interfaces to
 *   browse and announce on, ascending: AVAHI_IF_UNSPEC alone when nothing
 *   limits the node; maybe none
 */
GArray *
shoal_discovery_avahi_interface_indices (ShoalDiscoveryAvahi *self)
{
  GArray *indices = g_array_new (FALSE, FALSE, sizeof (AvahiIfIndex));
  g_autoptr(GPtrArray) interfaces = NULL;

  if (!restricted (self))
    {
      AvahiIfIndex any = AVAHI_IF_UNSPEC;

      g_array_append_val (indices, any);
      return indices;
    }

  interfaces = shoal_interfaces_list ();
  for (guint i = 0; i < interfaces->len; i++)
    {
      ShoalInterface *interface = g_ptr_array_index (interfaces, i);
      AvahiIfIndex index;

      if (!interface->multicast && !interface->loopback)
        continue;
      if (!shoal_discovery_avahi_interface_is_allowed (self, interface))
        continue;
      index = (AvahiIfIndex) if_nametoindex (interface->name);
      if (index > 0)
        g_array_append_val (indices, index);
    }
  return indices;
}

static gboolean
has_index (GArray       *indices,
           AvahiIfIndex  index)
{
  for (guint i = 0; i < indices->len; i++)
    if (g_array_index (indices, AvahiIfIndex, i) == index)
      return TRUE;
  return FALSE;
}

typedef struct {
  AvahiProtocol  protocol;
  gchar         *name;    /* (owned) */
  gchar         *domain;  /* (owned) */
} Listed;

static void
listed_clear (Listed *listed)
{
  g_free (listed->name);
  g_free (listed->domain);
}

/* The records a dropped browser listed on @index: gone from here, as if
 * the browser had said so (a dropped browser says nothing more). */
static void
forget_interface (ShoalDiscoveryAvahi *self,
                  AvahiIfIndex         index)
{
  g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (Listed));
  GHashTableIter iter;
  Record *record;

  g_array_set_clear_func (gone, (GDestroyNotify) listed_clear);
  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &record))
    if (record->interface == index)
      {
        Listed listed = { record->protocol, g_strdup (record->name), g_strdup (record->domain) };

        g_array_append_val (gone, listed);
      }
  for (guint i = 0; i < gone->len; i++)
    {
      Listed *listed = &g_array_index (gone, Listed, i);

      shoal_discovery_avahi_browser_callback (NULL, index, listed->protocol, AVAHI_BROWSER_REMOVE,
                                              listed->name, SHOAL_DNS_SD_SERVICE_TYPE,
                                              listed->domain, 0, self);
    }
}

/* shoal_discovery_avahi_browse:
 * @self: a #ShoalDiscoveryAvahi
 * @client: a client that talks to a daemon
 *
 * Browses on every interface shoal_discovery_avahi_interface_indices()
 * names, and no other: browsers are added and dropped to match.
 */
void
shoal_discovery_avahi_browse (ShoalDiscoveryAvahi *self,
                              AvahiClient         *client)
{
  g_autoptr(GArray) indices = shoal_discovery_avahi_interface_indices (self);
  g_autoptr(GList) browsed = g_hash_table_get_keys (self->browsers);

  for (GList *l = browsed; l != NULL; l = l->next)
    {
      AvahiIfIndex index = GPOINTER_TO_INT (l->data);

      if (has_index (indices, index))
        continue;
      g_debug ("Avahi: no longer browsing on interface %d", index);
      g_hash_table_remove (self->browsers, l->data);
      forget_interface (self, index);
    }

  for (guint i = 0; i < indices->len; i++)
    {
      AvahiIfIndex index = g_array_index (indices, AvahiIfIndex, i);
      AvahiServiceBrowser *browser;

      if (g_hash_table_contains (self->browsers, GINT_TO_POINTER (index)))
        continue;
      browser = avahi_service_browser_new (client, index, AVAHI_PROTO_UNSPEC,
                                           SHOAL_DNS_SD_SERVICE_TYPE, NULL, 0,
                                           shoal_discovery_avahi_browser_callback, self);
      if (browser == NULL)
        {
          g_warning ("Cannot browse mDNS for %s: %s", SHOAL_DNS_SD_SERVICE_TYPE,
                     avahi_strerror (avahi_client_errno (client)));
          continue;
        }
      if (index != AVAHI_IF_UNSPEC)
        g_debug ("Avahi: browsing on interface %d", index);
      g_hash_table_insert (self->browsers, GINT_TO_POINTER (index), browser);
    }
}

/* shoal_discovery_avahi_describe_indices:
 * @indices: (element-type AvahiIfIndex): from
 *   shoal_discovery_avahi_interface_indices()
 *
 * Returns: (transfer full): @indices as text, to see whether they changed
 */
gchar *
shoal_discovery_avahi_describe_indices (GArray *indices)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < indices->len; i++)
    g_string_append_printf (text, "%d ", g_array_index (indices, AvahiIfIndex, i));
  return g_string_free (text, FALSE);
}
