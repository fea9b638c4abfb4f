/* shoal-dns-sd-records.c: the raw DNS-SD records a node announces
 *
 * A node announces its service as raw records (PTR, SRV, TXT and the
 * addresses of a host name of its own) rather than through
 * avahi_entry_group_add_service(), because only raw records may skip
 * probing (AVAHI_PUBLISH_NO_PROBE): the instance name and the host name
 * both carry the node's key-derived id, so they cannot collide with another
 * node's, and a newcomer is visible at once instead of after a second of
 * probing. This file builds the names and the record data; it needs no
 * daemon. doc/PROTOCOL.md (Discovery) describes the records.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-dns-sd.h"

/* A DNS label holds at most 63 bytes (RFC 1035, section 2.3.4). */
#define LABEL_MAX 63

/* A whole name in wire format, length bytes and root included. */
#define NAME_WIRE_MAX 255

/**
 * shoal_dns_sd_instance_name:
 * @name: (nullable): the node's name
 * @id: the node's peer id (32 lowercase hex)
 *
 * The DNS-SD instance name a node announces: its name, a space and its id,
 * the name cut (at a character boundary) so that the whole fits in one
 * 63-byte label. An empty name gives the id alone.
 *
 * Returns: (transfer full): the instance name
 */
gchar *
shoal_dns_sd_instance_name (const gchar *name,
                            const gchar *id)
{
  gsize room = LABEL_MAX - strlen (id) - 1;
  const gchar *end;

  if (name == NULL || *name == '\0')
    return g_strdup (id);

  /* The node's name is valid UTF-8 (the node checks it); cut before the
   * character that would not fit whole. */
  end = name + strlen (name);
  if ((gsize) (end - name) > room)
    {
      end = name + room;
      while (end > name && (((guchar) *end) & 0xc0) == 0x80)
        end--;
    }
  return g_strdup_printf ("%.*s %s", (int) (end - name), name, id);
}

/**
 * shoal_dns_sd_instance_label:
 * @instance: an instance name as browsed
 * @id: the id its TXT record gives
 *
 * The name to report for a browsed instance: the part before " @id" when
 * @instance ends so (shoal_dns_sd_instance_name()), else the whole instance
 * name. Only a hint for people: a peer's name comes from its handshake.
 *
 * Returns: (transfer full): the name to report
 */
gchar *
shoal_dns_sd_instance_label (const gchar *instance,
                             const gchar *id)
{
  gsize length = strlen (instance);
  gsize id_length = strlen (id);

  if (length > id_length + 1 &&
      strcmp (instance + length - id_length, id) == 0 &&
      instance[length - id_length - 1] == ' ')
    return g_strndup (instance, length - id_length - 1);
  return g_strdup (instance);
}

/* How much of the session id the host label carries. */
#define HOST_SESSION_CHARS 8

/**
 * shoal_dns_sd_host_label:
 * @id: the node's peer id
 * @session_id: the node's session id for this start
 *
 * The first label of the host name a node's SRV record points at, in the
 * `local` domain: `shoal-`, the id, `-` and the first 8 characters of the
 * session id. The node announces that host's addresses itself, so a peer
 * finds them whatever the machine's own host name is doing (cloned machines
 * share one and fight over it for long). The session part keeps two
 * machines that run on copies of one state directory (one id) apart, so
 * each resolves the other's addresses and can tell the copy.
 *
 * Returns: (transfer full): the label
 */
gchar *
shoal_dns_sd_host_label (const gchar *id,
                         const gchar *session_id)
{
  return g_strdup_printf ("shoal-%s-%.*s", id, HOST_SESSION_CHARS, session_id);
}

static gboolean
append_label (GByteArray  *wire,
              const gchar *label,
              gsize        length)
{
  guint8 byte = length;

  if (length == 0 || length > LABEL_MAX || wire->len + 1 + length + 1 > NAME_WIRE_MAX)
    return FALSE;
  g_byte_array_append (wire, &byte, 1);
  g_byte_array_append (wire, (const guint8 *) label, length);
  return TRUE;
}

/* Appends @first (one label, as is: it may hold dots) and then the labels of
 * the dotted @rest ("_shoal._tcp.local", no escapes), then the root. */
static gboolean
append_name (GByteArray  *wire,
             const gchar *first,
             const gchar *rest)
{
  g_auto(GStrv) labels = g_strsplit (rest, ".", -1);
  guint8 root = 0;

  if (first != NULL && !append_label (wire, first, strlen (first)))
    return FALSE;
  for (guint i = 0; labels[i] != NULL; i++)
    if (!append_label (wire, labels[i], strlen (labels[i])))
      return FALSE;
  g_byte_array_append (wire, &root, 1);
  return TRUE;
}

/**
 * shoal_dns_sd_ptr_rdata:
 * @instance: (nullable): the first label, taken as is; %NULL for none
 * @rest: the dotted name that follows, e.g. `_shoal._tcp.local`
 *
 * The data of a PTR record pointing at @instance.@rest, in DNS wire format
 * without compression (RFC 1035, section 3.3.12).
 *
 * Returns: (transfer full) (nullable): the record data, or %NULL if a label
 *   is empty or longer than 63 bytes, or the name longer than 255
 */
GBytes *
shoal_dns_sd_ptr_rdata (const gchar *instance,
                        const gchar *rest)
{
  g_autoptr(GByteArray) wire = g_byte_array_new ();

  if (!append_name (wire, instance, rest))
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&wire));
}

/**
 * shoal_dns_sd_srv_rdata:
 * @port: the port
 * @host: the first label of the target host
 * @domain: the dotted rest of the target, e.g. `local`
 *
 * The data of an SRV record (RFC 2782): priority 0, weight 0, @port, then
 * the target @host.@domain in wire format without compression.
 *
 * Returns: (transfer full) (nullable): the record data, or %NULL for a
 *   target that is not a valid name
 */
GBytes *
shoal_dns_sd_srv_rdata (guint16      port,
                        const gchar *host,
                        const gchar *domain)
{
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  guint8 head[6] = { 0, 0, 0, 0, port >> 8, port & 0xff };

  g_byte_array_append (wire, head, sizeof head);
  if (!append_name (wire, host, domain))
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&wire));
}

/**
 * shoal_dns_sd_txt_rdata:
 * @txt: a TXT record as shoal_dns_sd_txt_build() makes it
 *
 * The data of a TXT record: each string with a length byte before it, in
 * the order the strings were added.
 *
 * Returns: (transfer full): the record data
 */
GBytes *
shoal_dns_sd_txt_rdata (AvahiStringList *txt)
{
  gsize size = avahi_string_list_serialize (txt, NULL, 0);
  guint8 *data = g_malloc (MAX (size, 1));

  avahi_string_list_serialize (txt, data, size);
  return g_bytes_new_take (data, size);
}
