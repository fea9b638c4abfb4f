/* shoal-dns-sd.c: what a Shoal DNS-SD record says
 *
 * Pure functions, kept apart from shoal-discovery-avahi.c so that the TXT
 * checks and the address order can be tested without avahi-daemon: building
 * and reading the TXT record (`port`, `proto`, `id`, `session`), turning a resolved
 * Avahi address into a socket address, and merging the addresses of one
 * peer's records into the deduplicated list the node dials in order.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-dns-sd.h"
#include "shoal-error.h"
#include "shoal-peer-private.h"

/* TXT record */

/**
 * shoal_dns_sd_txt_build:
 * @id: the node's peer id
 * @session_id: the node's session id
 * @port: the node's listening port, as in its SRV record
 *
 * Returns: (transfer full): the TXT record a node announces; free it with
 *   avahi_string_list_free()
 */
AvahiStringList *
shoal_dns_sd_txt_build (const gchar *id,
                        const gchar *session_id,
                        guint16      port)
{
  AvahiStringList *txt = NULL;

  /* Strings go on the wire in the order they are added. When two nodes
   * probe the same name at once, avahi-daemon breaks the tie record by
   * record, and a node that loses on either its SRV or its TXT record
   * renames. The SRV comparison turns on the port, so the TXT record begins
   * with the port, zero-padded so that bytes compare as numbers: both
   * comparisons then pick the same node, and only the other one renames.
   * Left to the random session id, the two could each lose one record, both
   * rename to the same next name, and do so again for ever. */
  txt = avahi_string_list_add_printf (txt, "port=%05u", port);
  txt = avahi_string_list_add_printf (txt, "session=%s", session_id);
  txt = avahi_string_list_add_printf (txt, "id=%s", id);
  txt = avahi_string_list_add_printf (txt, "proto=%u", SHOAL_TXT_PROTO_VERSION);
  return txt;
}

/**
 * shoal_dns_sd_txt_lookup:
 * @txt: (nullable): a TXT record
 * @key: the key to look for
 *
 * Reads the record as RFC 6763 (section 6.4) says: a string's key is all that
 * comes before its first '=' (the whole string when there is none), keys
 * compare without regard to ASCII case, and only the first string with a key
 * counts. avahi_string_list_find() is not used: it compares keys as C
 * strings, so a string whose key holds a NUL ("id\0junk=…") would pass for
 * another key.
 *
 * Returns: (transfer full) (nullable): the value of @key in @txt, if present,
 *   with a value, and free of NULs
 */
gchar *
shoal_dns_sd_txt_lookup (AvahiStringList *txt,
                         const gchar     *key)
{
  gsize key_length = strlen (key);
  AvahiStringList *item;

  for (item = txt; item != NULL; item = avahi_string_list_get_next (item))
    {
      const gchar *text = (const gchar *) avahi_string_list_get_text (item);
      gsize size = avahi_string_list_get_size (item);
      const gchar *equals = memchr (text, '=', size);
      gsize item_key_length = equals != NULL ? (gsize) (equals - text) : size;
      const gchar *value;
      gsize value_length;

      /* g_ascii_strncasecmp() stops at a NUL in the string's key, which
       * @key does not hold: such a key never matches. */
      if (item_key_length != key_length ||
          g_ascii_strncasecmp (text, key, key_length) != 0)
        continue;

      if (equals == NULL)
        return NULL;
      value = equals + 1;
      value_length = size - key_length - 1;
      if (memchr (value, '\0', value_length) != NULL)
        return NULL;
      return g_strndup (value, value_length);
    }

  return NULL;
}

/**
 * shoal_dns_sd_txt_parse:
 * @txt: (nullable): a resolved service's TXT record
 * @service_name: the service instance name, for the debug log
 * @out_id: (out) (transfer full): the peer id
 * @out_session_id: (out) (transfer full): the session id
 *
 * Reads a Shoal TXT record. Returns %FALSE (and says why in the debug log) for
 * anything that is not a node this one can talk to.
 *
 * Returns: %TRUE if @txt has a `proto` ≥ 1, a valid `id` and a valid `session`
 */
gboolean
shoal_dns_sd_txt_parse (AvahiStringList  *txt,
                        const gchar      *service_name,
                        gchar           **out_id,
                        gchar           **out_session_id)
{
  g_autofree gchar *proto = shoal_dns_sd_txt_lookup (txt, "proto");
  g_autofree gchar *id = shoal_dns_sd_txt_lookup (txt, "id");
  g_autofree gchar *session_id = shoal_dns_sd_txt_lookup (txt, "session");
  guint64 version = 0;

  /* The first digit is checked here: g_ascii_string_to_unsigned() refuses a
   * leading space but lets a vertical tab through (its check for white space
   * and its parser disagree about "\v"). */
  if (proto == NULL || !g_ascii_isdigit (proto[0]) ||
      !g_ascii_string_to_unsigned (proto, 10, 1, G_MAXUINT32, &version, NULL))
    {
      g_debug ("Avahi: ignoring \"%s\": TXT proto=%s is not a version ≥ 1",
               service_name, proto != NULL ? proto : "(missing)");
      return FALSE;
    }

  if (!shoal_peer_id_is_valid (id))
    {
      g_debug ("Avahi: ignoring \"%s\": TXT has no valid id", service_name);
      return FALSE;
    }

  if (!shoal_peer_id_is_valid (session_id))
    {
      g_debug ("Avahi: ignoring \"%s\": TXT has no valid session", service_name);
      return FALSE;
    }

  *out_id = g_steal_pointer (&id);
  *out_session_id = g_steal_pointer (&session_id);
  return TRUE;
}

/* Addresses */

/**
 * shoal_dns_sd_socket_address_from_avahi:
 * @address: a resolved address
 * @interface: the interface it was resolved on, or %AVAHI_IF_UNSPEC
 * @port: the service's port
 *
 * Returns: (transfer full) (nullable): the socket address to dial, with
 *   @interface as the scope id of a link-local IPv6 address; %NULL for an
 *   address family other than IPv4 and IPv6
 */
GInetSocketAddress *
shoal_dns_sd_socket_address_from_avahi (const AvahiAddress *address,
                                        AvahiIfIndex        interface,
                                        guint16             port)
{
  g_autoptr(GInetAddress) inet = NULL;
  guint scope_id = 0;

  switch (address->proto)
    {
    case AVAHI_PROTO_INET:
      inet = g_inet_address_new_from_bytes ((const guint8 *) &address->data.ipv4.address,
                                            G_SOCKET_FAMILY_IPV4);
      break;
    case AVAHI_PROTO_INET6:
      inet = g_inet_address_new_from_bytes (address->data.ipv6.address,
                                            G_SOCKET_FAMILY_IPV6);
      /* fe80::/10 means nothing without the interface it was seen on. */
      if (g_inet_address_get_is_link_local (inet) && interface > 0)
        scope_id = (guint) interface;
      break;
    default:
      return NULL;
    }

  return g_object_new (G_TYPE_INET_SOCKET_ADDRESS,
                       "address", inet,
                       "port", (guint) port,
                       "scope-id", scope_id,
                       NULL);
}

/**
 * shoal_dns_sd_address_rank:
 * @address: a socket address
 *
 * Returns: 0 for IPv4, 1 for global IPv6, 2 for link-local IPv6: the order
 *   the node dials in
 */
gint
shoal_dns_sd_address_rank (GInetSocketAddress *address)
{
  GInetAddress *inet = g_inet_socket_address_get_address (address);

  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV4)
    return 0;
  if (g_inet_address_get_is_link_local (inet))
    return 2;
  return 1;
}

/**
 * shoal_dns_sd_compare_addresses:
 * @a: a pointer to a #GInetSocketAddress pointer
 * @b: a pointer to a #GInetSocketAddress pointer
 *
 * A #GCompareFunc for g_ptr_array_sort(): by rank, then by the address's
 * string form (which includes the port and the scope id).
 *
 * Returns: negative, zero or positive as @a sorts before, with or after @b
 */
gint
shoal_dns_sd_compare_addresses (gconstpointer a,
                                gconstpointer b)
{
  GInetSocketAddress *address_a = *(GInetSocketAddress **) a;
  GInetSocketAddress *address_b = *(GInetSocketAddress **) b;
  gint rank_a = shoal_dns_sd_address_rank (address_a);
  gint rank_b = shoal_dns_sd_address_rank (address_b);
  g_autofree gchar *string_a = NULL;
  g_autofree gchar *string_b = NULL;

  if (rank_a != rank_b)
    return rank_a - rank_b;

  /* A stable order within a class keeps peer-found quiet when nothing changed. */
  string_a = shoal_socket_address_to_string (address_a);
  string_b = shoal_socket_address_to_string (address_b);
  return strcmp (string_a, string_b);
}

/**
 * shoal_dns_sd_addresses_merge:
 * @addresses: (element-type GInetSocketAddress): the addresses of every
 *   record of one peer, in any order, possibly repeated
 *
 * Sorts @addresses in place into the order the node dials them and drops
 * repeats, so that one peer seen on several interfaces and address families
 * has one list.
 *
 * Returns: (transfer full): the merged list as one space-separated string, to
 *   tell whether it changed and for the debug log
 */
gchar *
shoal_dns_sd_addresses_merge (GPtrArray *addresses)
{
  g_autoptr(GString) joined = g_string_new (NULL);
  guint i;

  g_ptr_array_sort (addresses, shoal_dns_sd_compare_addresses);

  /* The same address reached over two records (IPv4 answers seen on both
   * protocols) is one address. */
  for (i = 0; i < addresses->len;)
    {
      g_autofree gchar *string = shoal_socket_address_to_string (g_ptr_array_index (addresses, i));

      if (i > 0 && shoal_dns_sd_compare_addresses (&addresses->pdata[i - 1], &addresses->pdata[i]) == 0)
        {
          g_ptr_array_remove_index (addresses, i);
          continue;
        }
      if (joined->len > 0)
        g_string_append_c (joined, ' ');
      g_string_append (joined, string);
      i++;
    }

  return g_string_free (g_steal_pointer (&joined), FALSE);
}
