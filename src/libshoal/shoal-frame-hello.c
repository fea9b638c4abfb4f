/* shoal-frame-hello.c: the wire codec of the hello
 *
 * The first frame on every link, and the largest body a stranger may send
 * before it is trusted: who the peer is, the versions and extensions it
 * speaks, its network key proof and its groups. Everything here checks those
 * bytes before the link believes any of them; shoal_hello_negotiate() then
 * picks the version both sides speak. doc/PROTOCOL.md is the normative
 * description and must agree with this file.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame.h"
#include "shoal-frame-private.h"

/**
 * shoal_hello_name_is_valid:
 * @name: (nullable): a node name
 *
 * Checks that @name can be sent in a hello: 1..63 bytes (a DNS-SD instance
 * label) of UTF-8 with no control characters, which would break logs and the
 * D-Bus and CLI output. shoal_frame_encode_hello() refuses any other name.
 *
 * Returns: %TRUE if @name is a valid node name
 */
gboolean
shoal_hello_name_is_valid (const gchar *name)
{
  gsize length;
  const gchar *p;

  if (name == NULL)
    return FALSE;

  length = strlen (name);
  if (length == 0 || length > SHOAL_NAME_MAX_BYTES)
    return FALSE;
  if (!g_utf8_validate (name, (gssize) length, NULL))
    return FALSE;

  for (p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_iscntrl (g_utf8_get_char (p)))
        return FALSE;
    }

  return TRUE;
}

/**
 * shoal_hello_clear:
 * @hello: a hello
 *
 * Frees the strings of @hello and zeroes it, so it can be reused.
 */
void
shoal_hello_clear (ShoalHello *hello)
{
  g_clear_pointer (&hello->peer_id, g_free);
  g_clear_pointer (&hello->session_id, g_free);
  g_clear_pointer (&hello->name, g_free);
  g_clear_pointer (&hello->proof, g_bytes_unref);
  g_clear_pointer (&hello->groups, g_strfreev);
  g_clear_pointer (&hello->features, g_strfreev);
  memset (hello, 0, sizeof (*hello));
}

/**
 * shoal_frame_encode_hello:
 * @hello: what to announce; ids and name must be valid
 *
 * Returns: (transfer full): the whole hello frame, header and body
 */
GBytes *
shoal_frame_encode_hello (const ShoalHello *hello)
{
  GVariantBuilder builder;
  g_autoptr(GVariant) dict = NULL;

  g_return_val_if_fail (hello != NULL, NULL);
  g_return_val_if_fail (shoal_peer_id_is_valid (hello->peer_id), NULL);
  g_return_val_if_fail (shoal_peer_id_is_valid (hello->session_id), NULL);
  g_return_val_if_fail (shoal_hello_name_is_valid (hello->name), NULL);
  g_return_val_if_fail (hello->proof == NULL ||
                        g_bytes_get_size (hello->proof) == SHOAL_HELLO_PROOF_SIZE, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "version",
                         g_variant_new_uint32 (hello->version));
  g_variant_builder_add (&builder, "{sv}", "min-version",
                         g_variant_new_uint32 (hello->min_version));
  g_variant_builder_add (&builder, "{sv}", "id",
                         g_variant_new_string (hello->peer_id));
  g_variant_builder_add (&builder, "{sv}", "session",
                         g_variant_new_string (hello->session_id));
  g_variant_builder_add (&builder, "{sv}", "name",
                         g_variant_new_string (hello->name));
  g_variant_builder_add (&builder, "{sv}", "port",
                         g_variant_new_uint16 (hello->port));
  /* No extensions is said explicitly, with the empty list. */
  g_variant_builder_add (&builder, "{sv}", "features",
                         hello->features != NULL ?
                         g_variant_new_strv ((const gchar * const *) hello->features, -1) :
                         g_variant_new_strv (NULL, 0));
  g_variant_builder_add (&builder, "{sv}", "accept",
                         g_variant_new_boolean (hello->accept));
  if (hello->proof != NULL)
    g_variant_builder_add (&builder, "{sv}", "proof",
                           g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, hello->proof,
                                                     TRUE));
  /* No groups, no key: a hello without groups is what it was before them. */
  if (hello->groups != NULL && hello->groups[0] != NULL)
    g_variant_builder_add (&builder, "{sv}", "groups",
                           shoal_frame_hello_groups_value ((const gchar * const *) hello->groups));
  /* Only when true: a hello without it is what every other link sends. */
  if (hello->connect)
    g_variant_builder_add (&builder, "{sv}", "connect", g_variant_new_boolean (TRUE));
  /* Likewise only beside a stalled link. */
  if (hello->generation != 0)
    g_variant_builder_add (&builder, "{sv}", "generation", g_variant_new_uint32 (hello->generation));
  dict = g_variant_ref_sink (g_variant_builder_end (&builder));

  return shoal_frame_encode_vardict (SHOAL_FRAME_HELLO, dict);
}

enum {
  HELLO_VERSION,
  HELLO_MIN_VERSION,
  HELLO_ID,
  HELLO_SESSION,
  HELLO_NAME,
  HELLO_PORT,
  HELLO_FEATURES,
  HELLO_ACCEPT,
  HELLO_PROOF,
  HELLO_GROUPS,
  HELLO_CONNECT,
  HELLO_GENERATION,
  N_HELLO_FIELDS
};

/**
 * shoal_frame_decode_hello:
 * @body: a hello frame's body (without the header)
 * @out: (out caller-allocates): the hello; clear it with shoal_hello_clear()
 * @error: return location for a %SHOAL_ERROR_PROTOCOL error
 *
 * Checks the structure of a hello: a normal-form a{sv} with every required
 * key, each known key of its type, well-formed ids and name. It does not judge
 * the versions; shoal_hello_negotiate() does.
 *
 * Returns: %TRUE if @out was filled in
 */
gboolean
shoal_frame_decode_hello (GBytes      *body,
                          ShoalHello  *out,
                          GError     **error)
{
  g_autoptr(GVariant) dict = NULL;
  ShoalDictField fields[N_HELLO_FIELDS] = {
    [HELLO_VERSION] = { "version", G_VARIANT_TYPE_UINT32, TRUE, NULL },
    [HELLO_MIN_VERSION] = { "min-version", G_VARIANT_TYPE_UINT32, FALSE, NULL },
    [HELLO_ID] = { "id", G_VARIANT_TYPE_STRING, TRUE, NULL },
    [HELLO_SESSION] = { "session", G_VARIANT_TYPE_STRING, TRUE, NULL },
    [HELLO_NAME] = { "name", G_VARIANT_TYPE_STRING, TRUE, NULL },
    [HELLO_PORT] = { "port", G_VARIANT_TYPE_UINT16, TRUE, NULL },
    [HELLO_FEATURES] = { "features", G_VARIANT_TYPE_STRING_ARRAY, FALSE, NULL },
    [HELLO_ACCEPT] = { "accept", G_VARIANT_TYPE_BOOLEAN, TRUE, NULL },
    [HELLO_PROOF] = { "proof", G_VARIANT_TYPE_BYTESTRING, FALSE, NULL },
    [HELLO_GROUPS] = { "groups", G_VARIANT_TYPE_STRING_ARRAY, FALSE, NULL },
    [HELLO_CONNECT] = { "connect", G_VARIANT_TYPE_BOOLEAN, FALSE, NULL },
    [HELLO_GENERATION] = { "generation", G_VARIANT_TYPE_UINT32, FALSE, NULL },
  };
  g_auto(GStrv) groups = NULL;
  const gchar *peer_id;
  const gchar *session_id;
  const gchar *name;
  gboolean ok = FALSE;

  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_bytes_get_size (body) == 0)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                           "Hello body is empty");
      return FALSE;
    }

  dict = shoal_frame_decode_vardict (body, "Hello", SHOAL_FRAME_MAX_HELLO_BODY, error);
  if (dict == NULL)
    return FALSE;

  if (!shoal_frame_dict_lookup_fields (dict, "Hello", fields, N_HELLO_FIELDS, error))
    goto out;

  peer_id = g_variant_get_string (fields[HELLO_ID].value, NULL);
  session_id = g_variant_get_string (fields[HELLO_SESSION].value, NULL);
  name = g_variant_get_string (fields[HELLO_NAME].value, NULL);

  /* The offending strings are quoted escaped: they are a stranger's bytes on
   * their way into a log. */
  if (!shoal_peer_id_is_valid (peer_id))
    {
      g_autofree gchar *escaped = g_strescape (peer_id, NULL);

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Hello id “%s” is not 32 lowercase hex characters", escaped);
      goto out;
    }
  if (!shoal_peer_id_is_valid (session_id))
    {
      g_autofree gchar *escaped = g_strescape (session_id, NULL);

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Hello session “%s” is not 32 lowercase hex characters",
                   escaped);
      goto out;
    }
  if (!shoal_hello_name_is_valid (name))
    {
      g_autofree gchar *escaped = g_strescape (name, NULL);

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Hello name “%s” is not 1..%d bytes of UTF-8 without "
                   "control characters", escaped, SHOAL_NAME_MAX_BYTES);
      goto out;
    }

  if (fields[HELLO_PROOF].value != NULL &&
      g_variant_get_size (fields[HELLO_PROOF].value) != SHOAL_HELLO_PROOF_SIZE)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                   "Hello proof has %" G_GSIZE_FORMAT " bytes; it must have %u",
                   g_variant_get_size (fields[HELLO_PROOF].value), SHOAL_HELLO_PROOF_SIZE);
      goto out;
    }

  if (fields[HELLO_GROUPS].value != NULL &&
      !shoal_frame_hello_groups (fields[HELLO_GROUPS].value, &groups, error))
    goto out;

  memset (out, 0, sizeof (*out));
  out->version = g_variant_get_uint32 (fields[HELLO_VERSION].value);
  out->min_version = fields[HELLO_MIN_VERSION].value != NULL ?
                     g_variant_get_uint32 (fields[HELLO_MIN_VERSION].value) : 1;
  out->peer_id = g_strdup (peer_id);
  out->session_id = g_strdup (session_id);
  out->name = g_strdup (name);
  out->port = g_variant_get_uint16 (fields[HELLO_PORT].value);
  out->accept = g_variant_get_boolean (fields[HELLO_ACCEPT].value);
  if (fields[HELLO_PROOF].value != NULL)
    out->proof = g_variant_get_data_as_bytes (fields[HELLO_PROOF].value);
  out->groups = g_steal_pointer (&groups);
  out->connect = fields[HELLO_CONNECT].value != NULL &&
                 g_variant_get_boolean (fields[HELLO_CONNECT].value);
  if (fields[HELLO_FEATURES].value != NULL)
    out->features = g_variant_dup_strv (fields[HELLO_FEATURES].value, NULL);
  out->generation = fields[HELLO_GENERATION].value != NULL ?
                    g_variant_get_uint32 (fields[HELLO_GENERATION].value) : 0;
  ok = TRUE;

out:
  shoal_frame_dict_fields_clear (fields, N_HELLO_FIELDS);
  return ok;
}

/**
 * shoal_hello_has_feature:
 * @hello: a hello
 * @feature: an extension's name
 *
 * Returns: whether @hello announces @feature
 */
gboolean
shoal_hello_has_feature (const ShoalHello *hello,
                         const gchar      *feature)
{
  return hello->features != NULL &&
         g_strv_contains ((const gchar * const *) hello->features, feature);
}

/**
 * shoal_hello_negotiate:
 * @remote: the peer's hello
 * @out_version: (out) (optional): the agreed protocol version
 * @error: return location for a %SHOAL_ERROR_VERSION_MISMATCH error
 *
 * Agrees on the highest version both sides speak: the smaller of the two
 * highest versions, provided it is at least both lowest versions (and at
 * least 1).
 *
 * Returns: %TRUE if a version was agreed
 */
gboolean
shoal_hello_negotiate (const ShoalHello  *remote,
                       guint32           *out_version,
                       GError           **error)
{
  guint32 agreed;
  guint32 floor;

  g_return_val_if_fail (remote != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  agreed = MIN ((guint32) SHOAL_PROTOCOL_VERSION_MAX, remote->version);
  floor = MAX ((guint32) SHOAL_PROTOCOL_VERSION_MIN, remote->min_version);
  floor = MAX (floor, 1u);

  if (agreed < floor)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_VERSION_MISMATCH,
                   "Peer speaks protocol versions %" G_GUINT32_FORMAT "..%"
                   G_GUINT32_FORMAT "; this node speaks %u..%u",
                   remote->min_version, remote->version,
                   SHOAL_PROTOCOL_VERSION_MIN, SHOAL_PROTOCOL_VERSION_MAX);
      return FALSE;
    }

  if (out_version != NULL)
    *out_version = agreed;
  return TRUE;
}
