/* shoal-trust-proofs.c: what peers prove to each other, beyond TLS
 *
 * The network key (parsed, made, and the proof in a hello that a peer holds
 * it, bound to one TLS session) and the verification code two people
 * compare to be sure that they see the same two certificates. These are
 * the computations doc/PROTOCOL.md gives test vectors for; the trust store
 * (shoal-trust.c) keeps the key, and the link checks the proof.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/random.h>

#include "shoal-error.h"
#include "shoal-trust.h"

/* Domain separation: these prefixes are part of the protocol and must not
 * change without a new version suffix. The trailing 0x00 is added where they
 * are used. */
#define PROOF_CONTEXT "shoal network key proof v2"
#define VERIFICATION_CONTEXT "shoal verification code v2"

static void
fill_random (guint8 *buffer,
             gsize   size)
{
  gsize got = 0;

  while (got < size)
    {
      gssize n = getrandom (buffer + got, size - got, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("getrandom() failed: %s", g_strerror (errno));
      got += (gsize) n;
    }
}

/**
 * shoal_network_key_parse:
 * @text: a network key as a person wrote it
 * @out_key: (out) (transfer full): return location for the
 *   %SHOAL_NETWORK_KEY_SIZE bytes of the key
 * @error: return location for a #GError
 *
 * Reads a network key: exactly 64 hexadecimal characters, in either case,
 * with any whitespace around them (a newline at the end of a key file)
 * ignored.
 *
 * Returns: %TRUE on success; %FALSE with %SHOAL_ERROR_INVALID_ARGUMENT
 */
gboolean
shoal_network_key_parse (const gchar  *text,
                         GBytes      **out_key,
                         GError      **error)
{
  g_autofree gchar *stripped = NULL;
  guint8 key[SHOAL_NETWORK_KEY_SIZE];
  gboolean valid;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stripped = g_strstrip (g_strdup (text));
  valid = strlen (stripped) == 2 * SHOAL_NETWORK_KEY_SIZE;
  for (gsize i = 0; valid && i < SHOAL_NETWORK_KEY_SIZE; i++)
    {
      gint high = g_ascii_xdigit_value (stripped[2 * i]);
      gint low = g_ascii_xdigit_value (stripped[2 * i + 1]);

      if (high < 0 || low < 0)
        valid = FALSE;
      else
        key[i] = (guint8) (high << 4 | low);
    }

  if (!valid)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                           _("Invalid network key: a network key is 64 hexadecimal characters; "
                             "make one with “shoal key generate”"));
      return FALSE;
    }

  *out_key = g_bytes_new (key, sizeof key);
  memset (key, 0, sizeof key);
  return TRUE;
}

/**
 * shoal_network_key_generate:
 *
 * Makes a new network key from the kernel's random generator.
 *
 * Returns: (transfer full): 64 lowercase hexadecimal characters
 */
gchar *
shoal_network_key_generate (void)
{
  guint8 key[SHOAL_NETWORK_KEY_SIZE];
  GString *text = g_string_sized_new (2 * SHOAL_NETWORK_KEY_SIZE);

  fill_random (key, sizeof key);
  for (gsize i = 0; i < sizeof key; i++)
    g_string_append_printf (text, "%02x", key[i]);
  memset (key, 0, sizeof key);

  return g_string_free (text, FALSE);
}

/**
 * shoal_network_key_proof:
 * @key: the %SHOAL_NETWORK_KEY_SIZE bytes of the network key
 * @channel_binding: the TLS session's channel binding (an exporter value,
 *   32 bytes in practice; any length is taken)
 * @sender_id: the sender's peer id
 *
 * Computes the proof that the sender of a hello holds the network key,
 * bound to one TLS session so it cannot be replayed on another, and to the
 * sender so it cannot be reflected back:
 *
 *   proof = HMAC-SHA256 (key,
 *                        "shoal network key proof v2"  (26 ASCII bytes)
 *                        || 0x00                       (1 byte)
 *                        || channel_binding            (as given)
 *                        || sender_id)                 (32 ASCII bytes, no NUL)
 *
 * The HMAC key is the 32 raw key bytes, not their hex. The layout is the
 * protocol's; doc/PROTOCOL.md (HELLO, proof) has it with a test vector.
 *
 * Returns: (transfer full): the %SHOAL_NETWORK_KEY_PROOF_SIZE bytes of the proof
 */
GBytes *
shoal_network_key_proof (GBytes      *key,
                         GBytes      *channel_binding,
                         const gchar *sender_id)
{
  g_autoptr(GHmac) hmac = NULL;
  guint8 digest[SHOAL_NETWORK_KEY_PROOF_SIZE];
  gsize digest_len = sizeof digest;
  const guint8 *key_data;
  gsize key_len = 0;
  const guint8 *binding_data;
  gsize binding_len = 0;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (g_bytes_get_size (key) == SHOAL_NETWORK_KEY_SIZE, NULL);
  g_return_val_if_fail (channel_binding != NULL, NULL);
  g_return_val_if_fail (shoal_peer_id_is_valid (sender_id), NULL);

  key_data = g_bytes_get_data (key, &key_len);
  binding_data = g_bytes_get_data (channel_binding, &binding_len);

  hmac = g_hmac_new (G_CHECKSUM_SHA256, key_data, key_len);
  /* sizeof includes the string's NUL: that is the 0x00 separator. */
  g_hmac_update (hmac, (const guchar *) PROOF_CONTEXT, sizeof PROOF_CONTEXT);
  if (binding_len > 0)
    g_hmac_update (hmac, binding_data, binding_len);
  g_hmac_update (hmac, (const guchar *) sender_id, strlen (sender_id));
  g_hmac_get_digest (hmac, digest, &digest_len);

  return g_bytes_new (digest, digest_len);
}

/**
 * shoal_network_key_proof_equal:
 * @a: (nullable): a proof
 * @b: (nullable): another proof
 *
 * Compares two proofs in time that does not depend on where they differ, so
 * that a peer guessing a proof learns nothing from how fast it is refused.
 *
 * Returns: %TRUE if both are non-%NULL, of the same size and equal
 */
gboolean
shoal_network_key_proof_equal (GBytes *a,
                               GBytes *b)
{
  const guint8 *da;
  const guint8 *db;
  gsize la = 0;
  gsize lb = 0;
  guint8 diff = 0;

  if (a == NULL || b == NULL)
    return FALSE;

  da = g_bytes_get_data (a, &la);
  db = g_bytes_get_data (b, &lb);
  /* The size is no secret: every proof has the same one. */
  if (la != lb)
    return FALSE;

  for (gsize i = 0; i < la; i++)
    diff |= da[i] ^ db[i];

  return diff == 0;
}

/**
 * shoal_verification_code:
 * @fingerprint_a: one side's certificate fingerprint
 * @fingerprint_b: the other side's
 *
 * Makes the code two people compare to check that each node sees the
 * other's real certificate, with no one in between. Both sides get the same
 * code whichever order they pass the fingerprints in:
 *
 *   (lo, hi) = the two fingerprints, sorted with strcmp()
 *   digest   = SHA-256 ("shoal verification code v2" || 0x00 || lo || 0x00 || hi)
 *   code     = (first 4 bytes of digest as a big-endian uint32) mod 1000000,
 *              as 6 decimal digits with leading zeros
 *
 * Returns: (transfer full): a 6-digit code
 */
gchar *
shoal_verification_code (const gchar *fingerprint_a,
                         const gchar *fingerprint_b)
{
  g_autoptr(GChecksum) checksum = NULL;
  const gchar *lo;
  const gchar *hi;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  const guint8 zero = 0;
  guint32 value;

  g_return_val_if_fail (fingerprint_a != NULL, NULL);
  g_return_val_if_fail (fingerprint_b != NULL, NULL);

  if (strcmp (fingerprint_a, fingerprint_b) <= 0)
    {
      lo = fingerprint_a;
      hi = fingerprint_b;
    }
  else
    {
      lo = fingerprint_b;
      hi = fingerprint_a;
    }

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  /* sizeof includes the string's NUL: that is the first 0x00. */
  g_checksum_update (checksum, (const guchar *) VERIFICATION_CONTEXT,
                     sizeof VERIFICATION_CONTEXT);
  g_checksum_update (checksum, (const guchar *) lo, strlen (lo));
  g_checksum_update (checksum, &zero, 1);
  g_checksum_update (checksum, (const guchar *) hi, strlen (hi));
  g_checksum_get_digest (checksum, digest, &digest_len);

  value = (guint32) digest[0] << 24 | (guint32) digest[1] << 16 | (guint32) digest[2] << 8 |
          (guint32) digest[3];
  return g_strdup_printf ("%06u", value % 1000000);
}
