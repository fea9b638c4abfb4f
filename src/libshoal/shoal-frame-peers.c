/* shoal-frame-peers.c: the PEERS frame of peer exchange
 *
 * A linked peer tells which peers it is linked to, and where they listen:
 * an a{sv} body like HELLO's, whose key "peers" holds an a(sasq) of id,
 * addresses and port. What the entries claim is checked by whoever dials
 * them (TLS proves the id); here only their shape is.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-error.h"
#include "shoal-frame.h"

#define PEERS_ENTRY_TYPE "(sasq)"
#define PEERS_LIST_TYPE "a" PEERS_ENTRY_TYPE

/**
 * shoal_peers_entry_new:
 * @peer_id: a peer id
 * @port: its listening port
 *
 * Returns: (transfer full): an entry without addresses yet
 */
ShoalPeersEntry *
shoal_peers_entry_new (const gchar *peer_id,
                       guint16      port)
{
  ShoalPeersEntry *entry = g_new0 (ShoalPeersEntry, 1);

  entry->peer_id = g_strdup (peer_id);
  entry->addresses = g_ptr_array_new_with_free_func (g_object_unref);
  entry->port = port;
  return entry;
}

void
shoal_peers_entry_free (ShoalPeersEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->peer_id);
  g_ptr_array_unref (entry->addresses);
  g_free (entry);
}

/**
 * shoal_frame_encode_peers:
 * @entries: (element-type ShoalPeersEntry): at most 64, with valid ids and
 *   at most 4 addresses each
 *
 * Encodes a whole PEERS frame, header included. Scope ids are left out:
 * they name an interface of the sender's, meaningless to the receiver.
 *
 * Returns: (transfer full): the frame
 */
GBytes *
shoal_frame_encode_peers (GPtrArray *entries)
{
  GVariantBuilder list;
  GVariantBuilder dict;
  g_autoptr(GVariant) body = NULL;
  g_autoptr(GVariant) wire = NULL;
  gsize body_length;
  guint8 *frame;

  g_return_val_if_fail (entries != NULL, NULL);
  g_return_val_if_fail (entries->len <= SHOAL_PEERS_MAX_ENTRIES, NULL);

  g_variant_builder_init (&list, G_VARIANT_TYPE (PEERS_LIST_TYPE));
  for (guint i = 0; i < entries->len; i++)
    {
      ShoalPeersEntry *entry = g_ptr_array_index (entries, i);

      g_return_val_if_fail (shoal_peer_id_is_valid (entry->peer_id), NULL);
      g_return_val_if_fail (entry->addresses->len <= SHOAL_PEERS_MAX_ADDRESSES, NULL);

      g_variant_builder_open (&list, G_VARIANT_TYPE (PEERS_ENTRY_TYPE));
      g_variant_builder_add (&list, "s", entry->peer_id);
      g_variant_builder_open (&list, G_VARIANT_TYPE_STRING_ARRAY);
      for (guint j = 0; j < entry->addresses->len; j++)
        {
          g_autofree gchar *text = g_inet_address_to_string (g_ptr_array_index (entry->addresses, j));

          g_variant_builder_add (&list, "s", text);
        }
      g_variant_builder_close (&list);
      g_variant_builder_add (&list, "q", entry->port);
      g_variant_builder_close (&list);
    }

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&dict, "{sv}", "peers", g_variant_builder_end (&list));
  body = g_variant_ref_sink (g_variant_builder_end (&dict));
#if G_BYTE_ORDER == G_BIG_ENDIAN
  wire = g_variant_byteswap (body);
#else
  wire = g_variant_ref (body);
#endif

  body_length = g_variant_get_size (wire);
  g_return_val_if_fail (body_length <= SHOAL_FRAME_MAX_PEERS_BODY, NULL);
  frame = g_malloc (SHOAL_FRAME_HEADER_SIZE + body_length);
  shoal_frame_header_write (frame, SHOAL_FRAME_PEERS, (guint32) body_length);
  g_variant_store (wire, frame + SHOAL_FRAME_HEADER_SIZE);
  return g_bytes_new_take (frame, SHOAL_FRAME_HEADER_SIZE + body_length);
}

/* An address as the frame must carry it: a numeric IPv4 or IPv6 literal,
 * without a scope or anything around it. */
static GInetAddress *
parse_address (const gchar *text)
{
  if (strchr (text, '%') != NULL || strchr (text, '[') != NULL)
    return NULL;
  return g_inet_address_new_from_string (text);
}

static gboolean
decode_entry (GVariant         *child,
              guint             index,
              ShoalPeersEntry **out,
              GError          **error)
{
  g_autoptr(ShoalPeersEntry) entry = NULL;
  g_autoptr(GVariant) addresses = NULL;
  const gchar *peer_id;
  guint16 port;
  gsize n_addresses;

  g_variant_get (child, "(&s@asq)", &peer_id, &addresses, &port);
  if (!shoal_peer_id_is_valid (peer_id))
    {
      g_autofree gchar *escaped = g_strescape (peer_id, NULL);

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Peers entry %u: id “%s” is not 32 lowercase hex characters", index, escaped);
      return FALSE;
    }

  n_addresses = g_variant_n_children (addresses);
  if (n_addresses > SHOAL_PEERS_MAX_ADDRESSES)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Peers entry %u has %" G_GSIZE_FORMAT " addresses; at most %u are allowed",
                   index, n_addresses, SHOAL_PEERS_MAX_ADDRESSES);
      return FALSE;
    }

  entry = shoal_peers_entry_new (peer_id, port);
  for (gsize j = 0; j < n_addresses; j++)
    {
      const gchar *text;
      GInetAddress *address;

      g_variant_get_child (addresses, j, "&s", &text);
      address = parse_address (text);
      if (address == NULL)
        {
          g_autofree gchar *escaped = g_strescape (text, NULL);

          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                       "Peers entry %u: “%s” is not a numeric IP address", index, escaped);
          return FALSE;
        }
      g_ptr_array_add (entry->addresses, address);
    }

  *out = g_steal_pointer (&entry);
  return TRUE;
}

/**
 * shoal_frame_decode_peers:
 * @body: a PEERS frame's body (without the header)
 * @error: return location for a %SHOAL_ERROR_PROTOCOL error
 *
 * Checks a PEERS body's shape: a normal-form a{sv} with "peers" of type
 * a(sasq) once, at most 64 entries of valid ids, each with at most 4
 * numeric addresses. Whether an address is worth dialling (port 0, a
 * multicast address…) is the receiver's judgement, not the codec's.
 *
 * Returns: (transfer full) (element-type ShoalPeersEntry) (nullable): the
 *   entries, in the frame's order
 */
GPtrArray *
shoal_frame_decode_peers (GBytes  *body,
                          GError **error)
{
  g_autoptr(GVariant) wire = NULL;
  g_autoptr(GVariant) dict = NULL;
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  GVariantIter iter;
  const gchar *key;
  GVariant *value;
  gsize n_entries;

  g_return_val_if_fail (body != NULL, NULL);

  if (g_bytes_get_size (body) == 0 || g_bytes_get_size (body) > SHOAL_FRAME_MAX_PEERS_BODY)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Peers body of %" G_GSIZE_FORMAT " bytes; it must be 1..%u",
                   g_bytes_get_size (body), SHOAL_FRAME_MAX_PEERS_BODY);
      return NULL;
    }

  wire = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, body, FALSE));
  if (!g_variant_is_normal_form (wire))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Peers body (%" G_GSIZE_FORMAT " bytes) is not a normal-form a{sv} GVariant",
                   g_bytes_get_size (body));
      return NULL;
    }
#if G_BYTE_ORDER == G_BIG_ENDIAN
  dict = g_variant_byteswap (wire);
#else
  dict = g_steal_pointer (&wire);
#endif

  /* Unknown keys are skipped, so a later version can add some. */
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;

      if (strcmp (key, "peers") != 0)
        continue;
      if (!g_variant_is_of_type (owned, G_VARIANT_TYPE (PEERS_LIST_TYPE)))
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                       "Peers key “peers” has type “%s”; expected “%s”",
                       g_variant_get_type_string (owned), PEERS_LIST_TYPE);
          return NULL;
        }
      if (list != NULL)
        {
          g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                               "Peers key “peers” appears more than once");
          return NULL;
        }
      list = g_steal_pointer (&owned);
    }
  if (list == NULL)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                           "Peers lacks the required key “peers”");
      return NULL;
    }

  n_entries = g_variant_n_children (list);
  if (n_entries > SHOAL_PEERS_MAX_ENTRIES)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Peers lists %" G_GSIZE_FORMAT " entries; at most %u are allowed",
                   n_entries, SHOAL_PEERS_MAX_ENTRIES);
      return NULL;
    }

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_peers_entry_free);
  for (gsize i = 0; i < n_entries; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (list, i);
      ShoalPeersEntry *entry = NULL;

      if (!decode_entry (child, (guint) i, &entry, error))
        return NULL;
      g_ptr_array_add (entries, entry);
    }

  return g_steal_pointer (&entries);
}
