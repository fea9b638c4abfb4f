/* shoal-certificate.c: what a certificate proves: an id, a fingerprint
 *
 * Any certificate, ours or a peer's: the id and fingerprint its public key
 * derives (PROTOCOL.md section 3), and whether its key is one a peer may hold
 * (section 2.2). The node's own key and certificate are shoal-credentials.c's.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

#include "shoal-certificate.h"
#include "shoal-credentials.h"
#include "shoal-error.h"
#include "shoal-gnutls-private.h"

#define ID_BYTES 16

static void
sha256 (const guint8 *data,
        gsize         length,
        guint8        digest[32])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize digest_len = 32;

  g_checksum_update (checksum, data, length);
  g_checksum_get_digest (checksum, digest, &digest_len);
  g_assert (digest_len == 32);
}

/**
 * shoal_id_from_spki:
 * @spki: (array length=length): a DER SubjectPublicKeyInfo
 * @length: its size
 *
 * Derives a peer id from a public key: the first 128 bits of its SHA-256.
 *
 * Returns: (transfer full): 32 lowercase hex characters
 */
gchar *
shoal_id_from_spki (const guint8 *spki,
                    gsize         length)
{
  guint8 digest[32];
  GString *id = g_string_sized_new (ID_BYTES * 2);
  gsize i;

  sha256 (spki, length, digest);
  for (i = 0; i < ID_BYTES; i++)
    g_string_append_printf (id, "%02x", digest[i]);
  return g_string_free (id, FALSE);
}

/**
 * shoal_fingerprint_from_spki:
 * @spki: (array length=length): a DER SubjectPublicKeyInfo
 * @length: its size
 *
 * The whole SHA-256 of a public key, in the "ab:cd:…" shape people know from
 * other tools, for comparing keys out of band.
 *
 * Returns: (transfer full): 95 characters: 32 lowercase hex pairs joined by colons
 */
gchar *
shoal_fingerprint_from_spki (const guint8 *spki,
                             gsize         length)
{
  guint8 digest[32];
  GString *fingerprint = g_string_sized_new (sizeof digest * 3);
  gsize i;

  sha256 (spki, length, digest);
  for (i = 0; i < sizeof digest; i++)
    g_string_append_printf (fingerprint, i == 0 ? "%02x" : ":%02x", digest[i]);
  return g_string_free (fingerprint, FALSE);
}

/**
 * shoal_crt_get_spki:
 * @crt: a certificate
 * @out_spki: (out): its SubjectPublicKeyInfo, DER, to free with gnutls_free()
 *
 * The SubjectPublicKeyInfo as GnuTLS writes it again from the parsed key;
 * for the key types a peer may use that is the DER the certificate holds.
 *
 * Returns: 0, or a negative GnuTLS error code
 */
int
shoal_crt_get_spki (gnutls_x509_crt_t  crt,
                    gnutls_datum_t    *out_spki)
{
  g_auto(gnutls_pubkey_t) pubkey = NULL;
  int ret;

  if ((ret = gnutls_pubkey_init (&pubkey)) < 0 ||
      (ret = gnutls_pubkey_import_x509 (pubkey, crt, 0)) < 0)
    return ret;
  return gnutls_pubkey_export2 (pubkey, GNUTLS_X509_FMT_DER, out_spki);
}

/* Which keys a peer may hold: those TLS 1.3 signs with and that are strong
 * today. DSA and small RSA are refused outright rather than left to the TLS
 * library's defaults, which vary between systems. */
static gboolean
check_public_key (gnutls_pubkey_t   pubkey,
                  GError          **error)
{
  unsigned int bits = 0;
  int algorithm = gnutls_pubkey_get_pk_algorithm (pubkey, &bits);

  switch (algorithm)
    {
    case GNUTLS_PK_RSA:
      if (bits < 2048)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED,
                       "weak key: RSA of %u bits, at least 2048 needed", bits);
          return FALSE;
        }
      return TRUE;

    case GNUTLS_PK_ECDSA:
      {
        g_auto(gnutls_datum_t) x = { NULL, 0 };
        g_auto(gnutls_datum_t) y = { NULL, 0 };
        gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;

        if (gnutls_pubkey_export_ecc_raw2 (pubkey, &curve, &x, &y, 0) < 0)
          {
            g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED,
                                 "unreadable ECDSA key");
            return FALSE;
          }
        if (curve != GNUTLS_ECC_CURVE_SECP256R1 && curve != GNUTLS_ECC_CURVE_SECP384R1 &&
            curve != GNUTLS_ECC_CURVE_SECP521R1)
          {
            const gchar *name = gnutls_ecc_curve_get_name (curve);

            g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED,
                         "weak or unknown key: ECDSA on curve %s; P-256, P-384 or P-521 needed",
                         name != NULL ? name : "(unknown)");
            return FALSE;
          }
        return TRUE;
      }

    case GNUTLS_PK_EDDSA_ED25519:
    case GNUTLS_PK_EDDSA_ED448:
      return TRUE;

    case GNUTLS_PK_DSA:
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED,
                           "weak key: DSA is not accepted");
      return FALSE;

    default:
      {
        const gchar *name = algorithm > 0 ? gnutls_pk_get_name ((gnutls_pk_algorithm_t) algorithm) : NULL;

        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED,
                     "key algorithm %s is not accepted; RSA, ECDSA, Ed25519 or Ed448 needed",
                     name != NULL ? name : "(unknown)");
        return FALSE;
      }
    }
}

/**
 * shoal_certificate_inspect:
 * @certificate: the certificate a peer presented in the TLS handshake
 * @out_id: (out) (optional) (transfer full): return location for the peer id
 *   its key gives
 * @out_fingerprint: (out) (optional) (transfer full): return location for the
 *   fingerprint of its key
 * @error: return location for a #GError
 *
 * Checks that a peer's certificate is one Shoal accepts at all: a single
 * certificate of at most %SHOAL_CERTIFICATE_MAX_DER bytes with a strong key.
 * Whether the peer is trusted is for the trust store to say, by the id.
 *
 * The messages of the errors are for logs and are not translated.
 *
 * Returns: %TRUE if the certificate is acceptable, or %FALSE with
 *   %SHOAL_ERROR_NOT_TRUSTED
 */
gboolean
shoal_certificate_inspect (GTlsCertificate  *certificate,
                           gchar           **out_id,
                           gchar           **out_fingerprint,
                           GError          **error)
{
  g_autoptr(GByteArray) der = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(gnutls_pubkey_t) pubkey = NULL;
  g_auto(gnutls_datum_t) spki = { NULL, 0 };
  GTlsCertificate *issuer;
  gnutls_datum_t datum;
  guint chain_length = 1;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL || der->len == 0)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED,
                           "no certificate data");
      return FALSE;
    }
  if (der->len > SHOAL_CERTIFICATE_MAX_DER)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED,
                   "certificate of %u bytes; at most %u accepted",
                   der->len, (guint) SHOAL_CERTIFICATE_MAX_DER);
      return FALSE;
    }

  /* A peer is its key. A chain would only say who vouches for it, which
   * Shoal does not ask, and would give a peer more to make us parse. */
  for (issuer = g_tls_certificate_get_issuer (certificate); issuer != NULL;
       issuer = g_tls_certificate_get_issuer (issuer))
    chain_length++;
  if (chain_length > 1)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED,
                   "certificate chain of %u certificates; a single self-signed "
                   "certificate is expected", chain_length);
      return FALSE;
    }

  datum.data = der->data;
  datum.size = der->len;
  if (gnutls_x509_crt_init (&crt) < 0 ||
      gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_DER) < 0 ||
      gnutls_pubkey_init (&pubkey) < 0 ||
      gnutls_pubkey_import_x509 (pubkey, crt, 0) < 0)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED,
                           "the certificate cannot be parsed");
      return FALSE;
    }

  if (!check_public_key (pubkey, error))
    return FALSE;

  if (gnutls_pubkey_export2 (pubkey, GNUTLS_X509_FMT_DER, &spki) < 0)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED,
                           "the certificate's public key cannot be read");
      return FALSE;
    }

  if (out_id != NULL)
    *out_id = shoal_id_from_spki (spki.data, spki.size);
  if (out_fingerprint != NULL)
    *out_fingerprint = shoal_fingerprint_from_spki (spki.data, spki.size);
  return TRUE;
}
