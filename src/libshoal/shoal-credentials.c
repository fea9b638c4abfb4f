/* shoal-credentials.c: the node's key pair, certificate and key-derived id
 *
 * From protocol 2 on, links run over TLS and a node is its key: the peer id
 * is the first 128 bits of SHA-256 over the public key (its DER
 * SubjectPublicKeyInfo), so a peer proves its id by completing the
 * handshake. The state directory holds
 *
 *   key.pem   the ECDSA P-256 private key, PKCS#8 PEM, mode 0600
 *   cert.pem  a self-signed certificate for that key, PEM, mode 0644
 *
 * The key is never replaced here: a new key is a new id, which every peer
 * that trusts this node would have to learn again, so a key file that is
 * unsafe, unreadable or corrupt stops the node and a person decides. The
 * certificate carries nothing of its own and is remade from the key when it
 * is lost or does not match.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shoal-certificate.h"
#include "shoal-credentials.h"
#include "shoal-error.h"
#include "shoal-gnutls-private.h"
#include "shoal-secret-file.h"

#define KEY_FILE_NAME "key.pem"
#define CERT_FILE_NAME "cert.pem"
/* Protocol 1 kept a random id here. */
#define V1_ID_FILE_NAME "peer-id"

/* A P-256 key in PEM is about 250 bytes; anything past this is not a key. */
#define KEY_FILE_MAX_SIZE (64 * 1024)
/* 9999-12-31 23:59:59 UTC: RFC 5280's "no well-defined expiration date". */
#define CERTIFICATE_NOT_AFTER ((time_t) 253402300799)
#define SERIAL_SIZE 16

struct _ShoalCredentials
{
  GObject          parent_instance;

  GTlsCertificate *certificate;  /* (owned) */
  gchar           *id;           /* (owned) */
  gchar           *fingerprint;  /* (owned) */
};

G_DEFINE_TYPE (ShoalCredentials, shoal_credentials, G_TYPE_OBJECT)

typedef enum {
  PROP_CERTIFICATE = 1,
  PROP_ID,
  PROP_FINGERPRINT,
} ShoalCredentialsProperty;

static GParamSpec *props[PROP_FINGERPRINT + 1] = { NULL, };

static void
shoal_credentials_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ShoalCredentials *self = SHOAL_CREDENTIALS (object);

  switch ((ShoalCredentialsProperty) prop_id)
    {
    case PROP_CERTIFICATE:
      g_value_set_object (value, self->certificate);
      break;
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_FINGERPRINT:
      g_value_set_string (value, self->fingerprint);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_credentials_dispose (GObject *object)
{
  ShoalCredentials *self = SHOAL_CREDENTIALS (object);

  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (shoal_credentials_parent_class)->dispose (object);
}

static void
shoal_credentials_finalize (GObject *object)
{
  ShoalCredentials *self = SHOAL_CREDENTIALS (object);

  g_free (self->id);
  g_free (self->fingerprint);

  G_OBJECT_CLASS (shoal_credentials_parent_class)->finalize (object);
}

static void
shoal_credentials_class_init (ShoalCredentialsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = shoal_credentials_get_property;
  object_class->dispose = shoal_credentials_dispose;
  object_class->finalize = shoal_credentials_finalize;

  /**
   * ShoalCredentials:certificate:
   *
   * The node's self-signed certificate with its private key, for TLS.
   */
  props[PROP_CERTIFICATE] =
    g_param_spec_object ("certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE, ro);

  /**
   * ShoalCredentials:id:
   *
   * The node's peer id, derived from its public key: 32 lowercase hex characters.
   */
  props[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, ro);

  /**
   * ShoalCredentials:fingerprint:
   *
   * SHA-256 of the node's public key, as colon-separated lowercase hex pairs,
   * for people to compare.
   */
  props[PROP_FINGERPRINT] = g_param_spec_string ("fingerprint", NULL, NULL, NULL, ro);

  g_object_class_install_properties (object_class, G_N_ELEMENTS (props), props);
}

static void
shoal_credentials_init (ShoalCredentials *self)
{
}

static int
privkey_get_spki (gnutls_x509_privkey_t  key,
                  gnutls_datum_t        *out_spki)
{
  g_auto(gnutls_privkey_t) privkey = NULL;
  g_auto(gnutls_pubkey_t) pubkey = NULL;
  int ret;

  if ((ret = gnutls_privkey_init (&privkey)) < 0 ||
      (ret = gnutls_privkey_import_x509 (privkey, key, 0)) < 0 ||
      (ret = gnutls_pubkey_init (&pubkey)) < 0 ||
      (ret = gnutls_pubkey_import_privkey (pubkey, privkey, 0, 0)) < 0)
    return ret;
  return gnutls_pubkey_export2 (pubkey, GNUTLS_X509_FMT_DER, out_spki);
}

static gboolean
datum_equal (const gnutls_datum_t *a,
             const gnutls_datum_t *b)
{
  return a->size == b->size && memcmp (a->data, b->data, a->size) == 0;
}

/* Sets *out_pem to NULL when there is no key file. */
static gboolean
read_key_file (const gchar  *path,
               gchar       **out_pem,
               GError      **error)
{
  int saved_errno = 0;
  guint mode = 0;

  switch (shoal_secret_file_read (path, KEY_FILE_MAX_SIZE, out_pem, &saved_errno, &mode))
    {
    case SHOAL_SECRET_FILE_OK:
    case SHOAL_SECRET_FILE_MISSING:
      return TRUE;

    case SHOAL_SECRET_FILE_OPEN_TO_OTHERS:
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("The key file “%s” is open to other users (mode %04o); "
                     "make it private with “chmod 600 %s”"),
                   path, mode, path);
      return FALSE;

    case SHOAL_SECRET_FILE_TOO_LARGE:
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("The key file “%s” is corrupt (%s). The node will not replace it, "
                     "because the key is its identity; move the file away to make a new "
                     "identity, which gives the node a new peer id"),
                   path, "larger than any key");
      return FALSE;

    case SHOAL_SECRET_FILE_UNREADABLE:
    default:
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("Cannot read the key file “%s”: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
}

static gboolean
parse_key (const gchar            *path,
           const gchar            *pem,
           gnutls_x509_privkey_t  *out_key,
           GError                **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  gnutls_datum_t datum = { (unsigned char *) pem, (unsigned int) strlen (pem) };
  int ret;

  if ((ret = gnutls_x509_privkey_init (&key)) >= 0 &&
           (ret = gnutls_x509_privkey_import2 (key, &datum, GNUTLS_X509_FMT_PEM, NULL, 0)) >= 0)
    ret = gnutls_x509_privkey_verify_params (key);

  if (ret < 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("The key file “%s” is corrupt (%s). The node will not replace it, "
                     "because the key is its identity; move the file away to make a new "
                     "identity, which gives the node a new peer id"),
                   path, gnutls_strerror (ret));
      return FALSE;
    }

  *out_key = g_steal_pointer (&key);
  return TRUE;
}

static void
set_crypto_error (GError      **error,
                  const gchar  *what,
                  int           ret)
{
  /* Not a person's mistake: GnuTLS failed at something it always does. */
  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_FAILED,
               _("Cannot make the node’s credentials (%s): %s"), what, gnutls_strerror (ret));
}

/* Writes a new key under @path unless a key is there already: link() fails
 * where rename() would replace, so two nodes starting on the same empty
 * directory cannot swap each other's key away. Sets *out_stored to FALSE
 * (and returns TRUE) when another process got there first. */
static gboolean
store_new_key (const gchar  *path,
               const gchar  *pem,
               gboolean     *out_stored,
               GError      **error)
{
  g_autofree gchar *staging = g_strdup_printf ("%s.new-%d", path, (int) getpid ());
  g_autoptr(GError) local_error = NULL;
  int saved_errno;

  *out_stored = FALSE;
  if (!g_file_set_contents_full (staging, pem, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("Cannot store the node’s key: %s"), local_error->message);
      return FALSE;
    }

  if (link (staging, path) == 0)
    {
      *out_stored = TRUE;
      g_unlink (staging);
      return TRUE;
    }

  saved_errno = errno;
  g_unlink (staging);
  if (saved_errno == EEXIST)
    return TRUE;

  g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
               _("Cannot store the node’s key as “%s”: %s"), path, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
generate_key (gchar  **out_pem,
              GError **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_datum_t) pem = { NULL, 0 };
  int ret;

  if ((ret = gnutls_x509_privkey_init (&key)) < 0 ||
      (ret = gnutls_x509_privkey_generate2 (key, GNUTLS_PK_ECDSA,
                                            GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                            0, NULL, 0)) < 0 ||
      (ret = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                                GNUTLS_PKCS_PLAIN, &pem)) < 0)
    {
      set_crypto_error (error, "key", ret);
      return FALSE;
    }

  *out_pem = g_strndup ((const gchar *) pem.data, pem.size);
  return TRUE;
}

static gboolean
make_certificate (gnutls_x509_privkey_t  key,
                  const gchar           *id,
                  gnutls_x509_crt_t     *out_crt,
                  GError               **error)
{
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_autofree gchar *common_name = g_strconcat ("shoal-", id, NULL);
  guint8 serial[SERIAL_SIZE];
  int ret;

  if ((ret = gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial)) < 0)
    {
      set_crypto_error (error, "serial", ret);
      return FALSE;
    }
  /* Positive and without a leading zero byte, so the DER INTEGER is 16 bytes
   * as written and no parser reads it as negative. */
  serial[0] = (serial[0] & 0x7f) | 0x40;

  /* Peers pin the key, not the certificate: the dates only have to keep
   * strict TLS stacks from calling it not yet or no longer valid, and the day
   * of slack covers a peer whose clock is behind. The issuer DN is copied
   * from the subject when the certificate signs itself. */
  if ((ret = gnutls_x509_crt_init (&crt)) < 0 ||
      (ret = gnutls_x509_crt_set_version (crt, 3)) < 0 ||
      (ret = gnutls_x509_crt_set_serial (crt, serial, sizeof serial)) < 0 ||
      (ret = gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                            common_name, strlen (common_name))) < 0 ||
      (ret = gnutls_x509_crt_set_activation_time (crt, time (NULL) - 24 * 60 * 60)) < 0 ||
      (ret = gnutls_x509_crt_set_expiration_time (crt, CERTIFICATE_NOT_AFTER)) < 0 ||
      (ret = gnutls_x509_crt_set_basic_constraints (crt, 0, -1)) < 0 ||
      (ret = gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
      (ret = gnutls_x509_crt_set_key (crt, key)) < 0 ||
      (ret = gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
    {
      set_crypto_error (error, "certificate", ret);
      return FALSE;
    }

  *out_crt = g_steal_pointer (&crt);
  return TRUE;
}

/* Returns the stored certificate if it is one for @key_spki, or NULL with
 * *out_reason saying what is wrong with it. */
static gnutls_x509_crt_t
load_matching_certificate (const gchar           *path,
                           const gnutls_datum_t  *key_spki,
                           const gchar          **out_reason)
{
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(gnutls_datum_t) spki = { NULL, 0 };
  g_autofree gchar *pem = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;
  gnutls_datum_t datum;

  if (!g_file_get_contents (path, &pem, &length, &local_error))
    {
      *out_reason = g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                      ? "is missing" : "cannot be read";
      return NULL;
    }

  datum.data = (unsigned char *) pem;
  datum.size = (unsigned int) MIN (length, G_MAXUINT);
  if (gnutls_x509_crt_init (&crt) < 0 ||
      gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_PEM) < 0 ||
      shoal_crt_get_spki (crt, &spki) < 0)
    {
      *out_reason = "is corrupt";
      return NULL;
    }

  if (!datum_equal (&spki, key_spki))
    {
      *out_reason = "is for another key";
      return NULL;
    }

  return g_steal_pointer (&crt);
}

static gboolean
store_certificate (const gchar        *path,
                   gnutls_x509_crt_t   crt,
                   GError            **error)
{
  g_auto(gnutls_datum_t) pem = { NULL, 0 };
  g_autoptr(GError) local_error = NULL;
  int ret;

  if ((ret = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &pem)) < 0)
    {
      set_crypto_error (error, "certificate", ret);
      return FALSE;
    }

  if (!g_file_set_contents_full (path, (const gchar *) pem.data, pem.size,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, &local_error))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("Cannot store the node’s certificate: %s"), local_error->message);
      return FALSE;
    }

  return TRUE;
}

/* The protocol 1 id, for the migration message; NULL if there is none. */
static gchar *
read_v1_id (const gchar *path)
{
  g_autofree gchar *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  g_strchomp (contents);
  if (!shoal_peer_id_is_valid (contents))
    return g_strdup ("?");
  return g_steal_pointer (&contents);
}

static GTlsCertificate *
make_tls_certificate (gnutls_x509_crt_t       crt,
                      gnutls_x509_privkey_t   key,
                      GError                **error)
{
  g_auto(gnutls_datum_t) crt_pem = { NULL, 0 };
  g_auto(gnutls_datum_t) key_pem = { NULL, 0 };
  g_autofree gchar *pem = NULL;
  g_autoptr(GError) local_error = NULL;
  GTlsCertificate *certificate;
  int ret;

  /* The key is written out again rather than passed on as read: GIO reads
   * PKCS#8, which a key file from elsewhere need not be. */
  if ((ret = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &crt_pem)) < 0 ||
      (ret = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                                GNUTLS_PKCS_PLAIN, &key_pem)) < 0)
    {
      set_crypto_error (error, "certificate", ret);
      return NULL;
    }

  pem = g_strdup_printf ("%.*s%.*s", (int) crt_pem.size, crt_pem.data,
                         (int) key_pem.size, key_pem.data);
  certificate = g_tls_certificate_new_from_pem (pem, -1, &local_error);
  if (certificate == NULL)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_FAILED,
                   _("Cannot use the node’s certificate for TLS: %s"), local_error->message);
      return NULL;
    }

  return certificate;
}

/**
 * shoal_credentials_load_or_create:
 * @state_dir: the node's state directory
 * @error: return location for a #GError
 *
 * Loads the node's key and certificate from @state_dir. On first start it
 * creates the directory, a new key and its certificate; a protocol 1 state
 * directory (a `peer-id` file and no key) is migrated the same way and its
 * old id removed. A certificate that is missing, corrupt or for another key
 * is made again from the key. An existing key file is never replaced.
 *
 * Returns: (transfer full): the credentials, or %NULL with
 *   %SHOAL_ERROR_STATE_DIRECTORY if the key cannot be read, is open to other
 *   users or is corrupt, or the directory cannot hold the files
 */
ShoalCredentials *
shoal_credentials_load_or_create (const gchar  *state_dir,
                                  GError      **error)
{
  g_autoptr(ShoalCredentials) self = NULL;
  g_autofree gchar *key_path = g_build_filename (state_dir, KEY_FILE_NAME, NULL);
  g_autofree gchar *cert_path = g_build_filename (state_dir, CERT_FILE_NAME, NULL);
  g_autofree gchar *v1_path = g_build_filename (state_dir, V1_ID_FILE_NAME, NULL);
  g_autofree gchar *key_pem = NULL;
  g_autofree gchar *v1_id = NULL;
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(gnutls_datum_t) spki = { NULL, 0 };
  const gchar *reason = NULL;
  gboolean created = FALSE;
  int ret;

  g_return_val_if_fail (state_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_mkdir_with_parents (state_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("Cannot create state directory “%s”: %s"), state_dir,
                   g_strerror (saved_errno));
      return NULL;
    }

  if (!read_key_file (key_path, &key_pem, error))
    return NULL;

  if (key_pem == NULL)
    {
      v1_id = read_v1_id (v1_path);
      if (!generate_key (&key_pem, error) ||
          !store_new_key (key_path, key_pem, &created, error))
        return NULL;

      /* Another process stored its key first: that one is the node's key. */
      if (!created)
        {
          g_clear_pointer (&key_pem, g_free);
          g_clear_pointer (&v1_id, g_free);
          if (!read_key_file (key_path, &key_pem, error))
            return NULL;
          if (key_pem == NULL)
            {
              g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                           _("Cannot read the key file “%s”: %s"), key_path,
                           g_strerror (ENOENT));
              return NULL;
            }
        }
    }

  if (!parse_key (key_path, key_pem, &key, error))
    return NULL;

  if ((ret = privkey_get_spki (key, &spki)) < 0)
    {
      set_crypto_error (error, "public key", ret);
      return NULL;
    }

  self = g_object_new (SHOAL_TYPE_CREDENTIALS, NULL);
  self->id = shoal_id_from_spki (spki.data, spki.size);
  self->fingerprint = shoal_fingerprint_from_spki (spki.data, spki.size);

  if (!created)
    crt = load_matching_certificate (cert_path, &spki, &reason);
  if (crt == NULL)
    {
      if (!make_certificate (key, self->id, &crt, error) ||
          !store_certificate (cert_path, crt, error))
        return NULL;
      if (!created)
        g_message ("Certificate %s %s; made a new one for the same key (peer id %s)",
                   cert_path, reason, self->id);
    }

  self->certificate = make_tls_certificate (crt, key, error);
  if (self->certificate == NULL)
    return NULL;

  if (created && v1_id != NULL)
    {
      /* Only now: until the new key and certificate are stored, a failed
       * start leaves the protocol 1 state as it was. */
      if (g_unlink (v1_path) != 0 && errno != ENOENT)
        g_warning ("Cannot remove the protocol 1 id file %s: %s", v1_path, g_strerror (errno));
      g_message ("Migrated state directory %s from protocol 1: new key, new peer id %s (was %s)",
                 state_dir, self->id, v1_id);
    }
  else if (created)
    {
      g_debug ("New key and certificate in %s: peer id %s", state_dir, self->id);
    }

  return g_steal_pointer (&self);
}

/**
 * shoal_credentials_get_certificate:
 * @self: a #ShoalCredentials
 *
 * Returns: (transfer none): the node's certificate, with its private key
 */
GTlsCertificate *
shoal_credentials_get_certificate (ShoalCredentials *self)
{
  g_return_val_if_fail (SHOAL_IS_CREDENTIALS (self), NULL);

  return self->certificate;
}

/**
 * shoal_credentials_get_id:
 * @self: a #ShoalCredentials
 *
 * Returns: the node's peer id: 32 lowercase hex characters
 */
const gchar *
shoal_credentials_get_id (ShoalCredentials *self)
{
  g_return_val_if_fail (SHOAL_IS_CREDENTIALS (self), NULL);

  return self->id;
}

/**
 * shoal_credentials_get_fingerprint:
 * @self: a #ShoalCredentials
 *
 * Returns: SHA-256 of the node's public key, as 32 colon-separated hex pairs
 */
const gchar *
shoal_credentials_get_fingerprint (ShoalCredentials *self)
{
  g_return_val_if_fail (SHOAL_IS_CREDENTIALS (self), NULL);

  return self->fingerprint;
}

