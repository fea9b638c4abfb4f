/* shoal-node-diagnose.c: what a running node knows about why it may not find
 * or reach its peers
 *
 * shoal doctor asks shoald, and shoald asks this: the state of mDNS
 * discovery, what the browser sees, where another machine shows this
 * node's own id, where the node listens and which interfaces it uses. The
 * peers' own troubles are on each ShoalPeer (last-error).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-discovery-avahi.h"
#include "shoal-enums.h"
#include "shoal-interfaces.h"
#include "shoal-node-private.h"

static const gchar *
state_nick (ShoalDiscoveryAvahiState state)
{
  g_autoptr(GEnumClass) states = g_type_class_ref (SHOAL_TYPE_DISCOVERY_AVAHI_STATE);
  GEnumValue *value = g_enum_get_value (states, state);

  /* Nicks are static strings: they outlive the class reference. */
  return value != NULL ? value->value_nick : "off";
}

/* Whether the listener takes connections on @interface. */
static gboolean
listens_on (ShoalNode      *self,
            ShoalInterface *interface)
{
  const gchar *listen_address = shoal_node_get_listen_address (self);
  g_autoptr(GInetAddress) address = NULL;

  if (listen_address == NULL)
    return TRUE;
  address = g_inet_address_new_from_string (listen_address);
  if (address == NULL)
    return FALSE;
  if (g_inet_address_get_is_any (address))
    return TRUE;
  for (guint i = 0; i < interface->addresses->len; i++)
    if (g_inet_address_equal (g_ptr_array_index (interface->addresses, i), address))
      return TRUE;
  return FALSE;
}

static GVariant *
describe_interfaces (ShoalNode *self)
{
  g_autoptr(GPtrArray) interfaces = shoal_interfaces_list ();
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < interfaces->len; i++)
    {
      ShoalInterface *interface = g_ptr_array_index (interfaces, i);
      g_autoptr(GStrvBuilder) addresses = g_strv_builder_new ();
      g_auto(GStrv) strv = NULL;
      GVariantDict dict;

      for (guint j = 0; j < interface->addresses->len; j++)
        {
          g_autofree gchar *text = g_inet_address_to_string (g_ptr_array_index (interface->addresses, j));

          g_strv_builder_add (addresses, text);
        }
      strv = g_strv_builder_end (addresses);

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "name", "s", interface->name);
      g_variant_dict_insert_value (&dict, "addresses", g_variant_new_strv ((const gchar * const *) strv, -1));
      g_variant_dict_insert (&dict, "multicast", "b", interface->multicast);
      g_variant_dict_insert (&dict, "loopback", "b", interface->loopback);
      g_variant_dict_insert (&dict, "used", "b",
                             shoal_interface_is_usable (interface) && listens_on (self, interface) &&
                             shoal_interface_name_is_allowed (interface->name,
                                                              (const gchar * const *) self->interfaces,
                                                              (const gchar * const *) self->excluded_interfaces));
      g_variant_builder_add_value (&builder, g_variant_dict_end (&dict));
    }

  return g_variant_builder_end (&builder);
}

/**
 * shoal_node_diagnose:
 * @self: a #ShoalNode
 *
 * Gathers what the node knows about how it finds and reaches its peers, for
 * a person working out why it does not. The keys are those of shoald's
 * `Diagnose()` D-Bus method:
 *
 * - `mdns` (b): whether the node uses mDNS through avahi-daemon
 * - `discovery-state` (s): a #ShoalDiscoveryAvahiState nick ("off" when mDNS
 *   is not used)
 * - `service-name` (s): the name our service is established under, "" if none
 * - `services-seen` (u): other Shoal services the mDNS browser lists
 * - `own-service-seen` (b): whether the browser lists our own service
 * - `id-elsewhere` (as): addresses of other machines that announce or prove
 *   this node's own id (a copied state directory)
 * - `unlinked-addresses` (a(ss)): configured peer addresses whose dials
 *   failed, each with why (the peers' own are their #ShoalPeer:last-error)
 * - `port` (q) and `listen-address` (s, "" for every address)
 * - `interfaces` (aa{sv}): each interface that is up, with `name` (s),
 *   `addresses` (as), `multicast` (b), `loopback` (b) and `used` (b: up with
 *   multicast, not loopback, listened on, and not left out by
 *   shoal_node_set_interfaces())
 *
 * Returns: (transfer full): an `a{sv}` dictionary
 */
GVariant *
shoal_node_diagnose (ShoalNode *self)
{
  ShoalDiscoveryAvahi *avahi;
  ShoalMesh *mesh;
  GVariantDict dict;
  g_autoptr(GStrvBuilder) elsewhere = g_strv_builder_new ();
  g_auto(GStrv) elsewhere_strv = NULL;
  ShoalDiscoveryAvahiState state = SHOAL_DISCOVERY_AVAHI_STATE_OFF;
  const gchar *service_name = NULL;
  guint services_seen = 0;
  gboolean own_seen = FALSE;

  g_return_val_if_fail (SHOAL_IS_NODE (self), NULL);

  avahi = shoal_node_get_avahi (self);
  mesh = shoal_node_get_mesh (self);
  if (avahi != NULL)
    {
      state = shoal_discovery_avahi_get_state (avahi);
      service_name = shoal_discovery_avahi_get_service_name (avahi);
      services_seen = shoal_discovery_avahi_get_services_seen (avahi);
      own_seen = shoal_discovery_avahi_get_own_service_seen (avahi);
      if (shoal_discovery_avahi_get_id_elsewhere (avahi) != NULL)
        g_strv_builder_add (elsewhere, shoal_discovery_avahi_get_id_elsewhere (avahi));
    }
  if (mesh != NULL && shoal_mesh_get_id_elsewhere (mesh) != NULL)
    g_strv_builder_add (elsewhere, shoal_mesh_get_id_elsewhere (mesh));
  elsewhere_strv = g_strv_builder_end (elsewhere);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "mdns", "b", shoal_node_get_mdns (self));
  g_variant_dict_insert (&dict, "discovery-state", "s", state_nick (state));
  g_variant_dict_insert (&dict, "service-name", "s", service_name != NULL ? service_name : "");
  g_variant_dict_insert (&dict, "services-seen", "u", services_seen);
  g_variant_dict_insert (&dict, "own-service-seen", "b", own_seen);
  g_variant_dict_insert_value (&dict, "id-elsewhere",
                               g_variant_new_strv ((const gchar * const *) elsewhere_strv, -1));
  g_variant_dict_insert_value (&dict, "unlinked-addresses",
                               mesh != NULL ? shoal_mesh_describe_unlinked_addresses (mesh)
                                            : g_variant_new_array (G_VARIANT_TYPE ("(ss)"), NULL, 0));
  g_variant_dict_insert (&dict, "port", "q", shoal_node_get_port (self));
  g_variant_dict_insert (&dict, "listen-address", "s",
                         shoal_node_get_listen_address (self) != NULL ?
                         shoal_node_get_listen_address (self) : "");
  g_variant_dict_insert_value (&dict, "interfaces", describe_interfaces (self));

  return g_variant_ref_sink (g_variant_dict_end (&dict));
}
