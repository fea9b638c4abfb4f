/* test-credentials.c: the node's key, certificate and id, and peers' certificates
 *
 * The id is what peers pin, so the tests hold it to a vector computed with
 * OpenSSL (doc/PROTOCOL.md, Identity), check that a key file is never replaced
 * whatever state it is in, and that the certificates a peer may present are
 * limited to one strong key.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <sys/stat.h>

#include "shoal-credentials.h"
#include "shoal-error.h"
#include "shoal-test-scratch.h"

/* The test vector of doc/PROTOCOL.md (Identity): an ECDSA P-256 certificate made
 * once with certtool, its id and fingerprint computed with OpenSSL. */
static const gchar vector_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBdzCCAR2gAwIBAgIQXgocKz1OX2BxgpOktcbX6DAKBggqhkjOPQQDAjAcMRow\n"
  "GAYDVQQDExFzaG9hbC10ZXN0LXZlY3RvcjAgFw0yNjAxMDEwMDAwMDBaGA85OTk5\n"
  "MTIzMTIzNTk1OVowHDEaMBgGA1UEAxMRc2hvYWwtdGVzdC12ZWN0b3IwWTATBgcq\n"
  "hkjOPQIBBggqhkjOPQMBBwNCAAQFKT8XvtY4kkK8hiF9/Xl7S+fYjDIXa0n+9M0v\n"
  "syym2UE9FYxB8al5dBCBAflDYvYd2pQbtOfkn8Sr8EgRs0lqoz8wPTAMBgNVHRMB\n"
  "Af8EAjAAMA4GA1UdDwEB/wQEAwIHgDAdBgNVHQ4EFgQUCVDb+SWN5/RhrCSIzsvr\n"
  "DcAdDUcwCgYIKoZIzj0EAwIDSAAwRQIhAI53UMTX9fGiJJk+TeHwufMPj4NWrgIw\n"
  "gu9B/mDgLmSqAiBf/BzFgT0pogM1kE0kjUvq9lmzRoAXvMCYtx2uTXb1yA==\n"
  "-----END CERTIFICATE-----\n";
static const gchar vector_id[] = "916e6b61e6a2a3950947fc148f09156f";
static const gchar vector_fingerprint[] =
  "91:6e:6b:61:e6:a2:a3:95:09:47:fc:14:8f:09:15:6f:"
  "d0:1c:e3:83:de:d1:f7:4a:ad:3c:f9:b2:a8:da:0a:42";

/* Self-signed, RSA of 1024 bits (certtool). */
static const gchar weak_rsa_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIB+DCCAWGgAwIBAgIQHCs9Tl9gcYKTpLXG1+gKATANBgkqhkiG9w0BAQsFADAZ\n"
  "MRcwFQYDVQQDEw5zaG9hbC13ZWFrLXJzYTAgFw0yNjAxMDEwMDAwMDBaGA85OTk5\n"
  "MTIzMTIzNTk1OVowGTEXMBUGA1UEAxMOc2hvYWwtd2Vhay1yc2EwgZ8wDQYJKoZI\n"
  "hvcNAQEBBQADgY0AMIGJAoGBALxlANGn7rDIkYUPt+VmnJL61PN7JgXWN+oY3VKb\n"
  "WeqpX2HB3A+Uj/Ron3I2CSkiA433O004u4EzeqiCPx9UZO9r5dq+RsbkdTFDyhd5\n"
  "6CnF8J2r5BukPa2HaFzQymyz9I76jBJ3BP1Rl4oFjIhPyNIwV+RIit40piOmK8ie\n"
  "ZYCrAgMBAAGjPzA9MAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgeAMB0GA1Ud\n"
  "DgQWBBRMcKoV1pkqNUEZyYLiMFw58aMMljANBgkqhkiG9w0BAQsFAAOBgQCvVCUp\n"
  "xeNEoz0aqI1E3eJQXpt+BBY6N/JFFPJ2hSlRfH5KrMXvxMXR6XE+Ze70oPwQaH9A\n"
  "/ztGCtptW0QWzoStl3QjVFZYs0QMXOGBDOlFC57ciiLFCxN/UEAnV/uAlzRr673+\n"
  "0eRyUspcu3mtmNGbRA6sdEN+WjgvXvgyP/ex8A==\n"
  "-----END CERTIFICATE-----\n";

/* A P-256 leaf and the P-256 CA that signed it (certtool), in that order:
 * GIO makes the certificates after the first the leaf's issuers. */
static const gchar chain_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBlTCCATygAwIBAgIQPU5fYHGCk6S1xtfoCgEcKzAKBggqhkjOPQQDAjAcMRow\n"
  "GAYDVQQDExFzaG9hbC10ZXN0LWlzc3VlcjAgFw0yNjAxMDEwMDAwMDBaGA85OTk5\n"
  "MTIzMTIzNTk1OVowGjEYMBYGA1UEAxMPc2hvYWwtdGVzdC1sZWFmMFkwEwYHKoZI\n"
  "zj0CAQYIKoZIzj0DAQcDQgAEn9T2nP778dP8kwSplrZCPGYpJGLmM/L3t06xRQny\n"
  "hl4PiadLeVmUcIRu+0GB8ZxGB/HxPKwegtucvBlPfczdgKNgMF4wDAYDVR0TAQH/\n"
  "BAIwADAOBgNVHQ8BAf8EBAMCB4AwHQYDVR0OBBYEFChkoIccQPiYNcKHKeSAs18W\n"
  "rsFbMB8GA1UdIwQYMBaAFH0j04hB7GquaXGZQDta0jynLUbxMAoGCCqGSM49BAMC\n"
  "A0cAMEQCIFt9sYRUwo3E/r4hM64OItLzniLdKMHewmtOq5hBMIosAiBnze1571ss\n"
  "Dm6zRg/ta6FsTB531Khqa20xKyRYspDT9w==\n"
  "-----END CERTIFICATE-----\n"
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBejCCASCgAwIBAgIQKz1OX2BxgpOktcbX6AoBHDAKBggqhkjOPQQDAjAcMRow\n"
  "GAYDVQQDExFzaG9hbC10ZXN0LWlzc3VlcjAgFw0yNjAxMDEwMDAwMDBaGA85OTk5\n"
  "MTIzMTIzNTk1OVowHDEaMBgGA1UEAxMRc2hvYWwtdGVzdC1pc3N1ZXIwWTATBgcq\n"
  "hkjOPQIBBggqhkjOPQMBBwNCAASuIKV57sXbMMDFT54m8L8bopJjd6LUtPdeJmyh\n"
  "YoMWpJcHaQZG0J7CoIqHZ6Xkh1/maWE9rc7eLmk5b6f5/QzEo0IwQDAPBgNVHRMB\n"
  "Af8EBTADAQH/MA4GA1UdDwEB/wQEAwICBDAdBgNVHQ4EFgQUfSPTiEHsaq5pcZlA\n"
  "O1rSPKctRvEwCgYIKoZIzj0EAwIDSAAwRQIhAP87Ac+fDHtVZGBtYJ4MlS+uTzIk\n"
  "/Xq21VHMJ6vWZkZdAiAT6EcVbddF8nJmLPMiIF8yu7Pgzrq0lew8gbuRQlDv7A==\n"
  "-----END CERTIFICATE-----\n";

static const gchar v1_id[] = "0123456789abcdef0123456789abcdef";

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_pubkey_t, gnutls_pubkey_deinit, NULL)

static void
datum_clear (gnutls_datum_t *datum)
{
  gnutls_free (datum->data);
  datum->data = NULL;
  datum->size = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (gnutls_datum_t, datum_clear)

/* Log capture: some cases must say once, in the log, what they did. */

static GPtrArray *messages;

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  if (level & G_LOG_LEVEL_MESSAGE)
    for (gsize i = 0; i < n_fields; i++)
      if (g_str_equal (fields[i].key, "MESSAGE"))
        g_ptr_array_add (messages, g_strdup (fields[i].value));

  return g_log_writer_default (level, fields, n_fields, user_data);
}

static guint
count_messages (const gchar *prefix)
{
  guint count = 0;

  for (guint i = 0; i < messages->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (messages, i), prefix))
      count++;
  return count;
}

/* Fixture
 *
 * Each test body runs in a subprocess while this process holds the
 * temporary directory: a failed assertion aborts only the child, and the
 * teardown here still removes the directory before the failure is reported. */

typedef struct {
  gchar    *tmpdir;     /* (owned) */
  gchar    *state_dir;  /* (owned) not created: the code under test makes it */
  gchar    *key_path;   /* (owned) */
  gchar    *cert_path;  /* (owned) */
  gboolean  child_passed;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->tmpdir = shoal_test_scratch_dir ("credentials");

  f->state_dir = g_build_filename (f->tmpdir, "state", NULL);
  f->key_path = g_build_filename (f->state_dir, "key.pem", NULL);
  f->cert_path = g_build_filename (f->state_dir, "cert.pem", NULL);
  g_ptr_array_set_size (messages, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gboolean parent = !g_test_subprocess ();

  shoal_test_scratch_remove (f->tmpdir);

  g_free (f->tmpdir);
  g_free (f->state_dir);
  g_free (f->key_path);
  g_free (f->cert_path);

  if (parent && !f->child_passed)
    g_test_fail ();
}

/* Helpers */

static gchar *
read_file (const gchar *path)
{
  g_autoptr(GError) error = NULL;
  gchar *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static guint
file_mode (const gchar *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static ShoalCredentials *
load (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ShoalCredentials *credentials = shoal_credentials_load_or_create (f->state_dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (credentials);
  return credentials;
}

/* The id of the certificate stored in @path, by way of the public API. */
static gchar *
id_of_cert_file (const gchar *path)
{
  g_autofree gchar *pem = read_file (path);
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(gnutls_pubkey_t) pubkey = NULL;
  g_auto(gnutls_datum_t) spki = { NULL, 0 };
  gnutls_datum_t datum = { (unsigned char *) pem, (unsigned int) strlen (pem) };

  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_PEM), ==, 0);
  g_assert_cmpint (gnutls_pubkey_init (&pubkey), ==, 0);
  g_assert_cmpint (gnutls_pubkey_import_x509 (pubkey, crt, 0), ==, 0);
  g_assert_cmpint (gnutls_pubkey_export2 (pubkey, GNUTLS_X509_FMT_DER, &spki), ==, 0);
  return shoal_id_from_spki (spki.data, spki.size);
}

static GTlsCertificate *
certificate_from_pem (const gchar *pem)
{
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate = g_tls_certificate_new_from_pem (pem, -1, &error);

  g_assert_no_error (error);
  return certificate;
}

/* Tests */

static void
test_vector (void)
{
  g_autoptr(GTlsCertificate) certificate = certificate_from_pem (vector_pem);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *fingerprint = NULL;

  g_test_summary ("The id and fingerprint of a certificate are the first 128 bits and all "
                  "of SHA-256 over its SubjectPublicKeyInfo, as OpenSSL computes them "
                  "(doc/PROTOCOL.md, Identity)");

  g_assert_true (shoal_certificate_inspect (certificate, &id, &fingerprint, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, vector_id);
  g_assert_cmpstr (fingerprint, ==, vector_fingerprint);
  g_assert_cmpuint (strlen (fingerprint), ==, 95);
  g_assert_true (shoal_peer_id_is_valid (id));

  /* Both outputs are optional. */
  g_assert_true (shoal_certificate_inspect (certificate, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
test_first_start (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ShoalCredentials) first = NULL;
  g_autoptr(ShoalCredentials) second = NULL;
  g_autofree gchar *key = NULL;
  g_autofree gchar *cert = NULL;
  g_autofree gchar *cert_id = NULL;
  g_autofree gchar *own_id = NULL;
  g_autofree gchar *own_fingerprint = NULL;
  g_autofree gchar *private_key_pem = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("The first start makes the state directory (0700), a private key "
                  "(0600) and a certificate whose key gives the id; the next start "
                  "reads the same id and fingerprint back and leaves the files alone");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  first = load (f);
  g_assert_cmpuint (file_mode (f->state_dir), ==, 0700);
  g_assert_cmpuint (file_mode (f->key_path), ==, 0600);
  g_assert_cmpuint (file_mode (f->cert_path), ==, 0644);
  g_assert_true (shoal_peer_id_is_valid (shoal_credentials_get_id (first)));
  g_assert_cmpuint (strlen (shoal_credentials_get_fingerprint (first)), ==, 95);
  {
    g_auto(GStrv) pairs = g_strsplit (shoal_credentials_get_fingerprint (first), ":", -1);
    g_autofree gchar *hex = g_strjoinv ("", pairs);

    /* The id is the fingerprint's first half. */
    g_assert_cmpuint (g_strv_length (pairs), ==, 32);
    g_assert_true (g_str_has_prefix (hex, shoal_credentials_get_id (first)));
  }

  key = read_file (f->key_path);
  cert = read_file (f->cert_path);
  g_assert_true (g_str_has_prefix (key, "-----BEGIN PRIVATE KEY-----\n"));
  g_assert_true (g_str_has_prefix (cert, "-----BEGIN CERTIFICATE-----\n"));

  cert_id = id_of_cert_file (f->cert_path);
  g_assert_cmpstr (cert_id, ==, shoal_credentials_get_id (first));

  /* The TLS certificate carries the key, and is the one stored. */
  g_object_get (shoal_credentials_get_certificate (first),
                "private-key-pem", &private_key_pem, NULL);
  g_assert_nonnull (private_key_pem);
  g_assert_true (shoal_certificate_inspect (shoal_credentials_get_certificate (first),
                                            &own_id, &own_fingerprint, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (own_id, ==, shoal_credentials_get_id (first));
  g_assert_cmpstr (own_fingerprint, ==, shoal_credentials_get_fingerprint (first));

  second = load (f);
  g_assert_cmpstr (shoal_credentials_get_id (second), ==, shoal_credentials_get_id (first));
  g_assert_cmpstr (shoal_credentials_get_fingerprint (second), ==,
                   shoal_credentials_get_fingerprint (first));
  {
    g_autofree gchar *key_again = read_file (f->key_path);
    g_autofree gchar *cert_again = read_file (f->cert_path);

    g_assert_cmpstr (key_again, ==, key);
    g_assert_cmpstr (cert_again, ==, cert);
  }
  g_assert_cmpuint (count_messages (""), ==, 0);
}

static void
test_certificate_fields (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(ShoalCredentials) credentials = NULL;
  g_autofree gchar *pem = NULL;
  g_autofree gchar *expected_dn = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(gnutls_datum_t) dn = { NULL, 0 };
  gnutls_datum_t datum;
  guint8 serial[32];
  size_t serial_size = sizeof serial;
  unsigned int bits = 0;
  unsigned int key_usage = 0;
  unsigned int critical = 0;
  unsigned int ca = 1;
  unsigned int status = 1;
  int pathlen = 0;
  time_t now = time (NULL);

  g_test_summary ("The certificate is X.509 v3, self-signed with SHA-256 by a P-256 key, "
                  "named CN=shoal-<id>, with a 16-byte positive serial, valid from a day "
                  "ago until 9999, not a CA, and for digital signatures only");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  credentials = load (f);
  pem = read_file (f->cert_path);
  datum.data = (unsigned char *) pem;
  datum.size = strlen (pem);
  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_PEM), ==, 0);

  g_assert_cmpint (gnutls_x509_crt_get_version (crt), ==, 3);

  expected_dn = g_strconcat ("CN=shoal-", shoal_credentials_get_id (credentials), NULL);
  g_assert_cmpint (gnutls_x509_crt_get_dn3 (crt, &dn, 0), ==, 0);
  g_assert_cmpstr ((const gchar *) dn.data, ==, expected_dn);
  datum_clear (&dn);
  g_assert_cmpint (gnutls_x509_crt_get_issuer_dn3 (crt, &dn, 0), ==, 0);
  g_assert_cmpstr ((const gchar *) dn.data, ==, expected_dn);

  g_assert_cmpint (gnutls_x509_crt_get_serial (crt, serial, &serial_size), ==, 0);
  g_assert_cmpuint (serial_size, ==, 16);
  g_assert_cmpuint (serial[0] & 0x80, ==, 0);
  g_assert_cmpuint (serial[0], !=, 0);

  g_assert_cmpint (gnutls_x509_crt_get_activation_time (crt), <=, now - 24 * 60 * 60 + 60);
  g_assert_cmpint (gnutls_x509_crt_get_activation_time (crt), >=, now - 24 * 60 * 60 - 60);
  g_assert_cmpint (gnutls_x509_crt_get_expiration_time (crt), ==, (time_t) 253402300799);

  g_assert_cmpint (gnutls_x509_crt_get_basic_constraints (crt, &critical, &ca, &pathlen), >=, 0);
  g_assert_cmpuint (ca, ==, 0);
  g_assert_cmpint (gnutls_x509_crt_get_key_usage (crt, &key_usage, &critical), >=, 0);
  g_assert_cmpuint (key_usage, ==, GNUTLS_KEY_DIGITAL_SIGNATURE);

  g_assert_cmpint (gnutls_x509_crt_get_pk_algorithm (crt, &bits), ==, GNUTLS_PK_ECDSA);
  g_assert_cmpuint (bits, ==, 256);
  g_assert_cmpint (gnutls_x509_crt_get_signature_algorithm (crt), ==, GNUTLS_SIGN_ECDSA_SHA256);

  g_assert_cmpint (gnutls_x509_crt_verify (crt, &crt, 1, 0, &status), ==, 0);
  g_assert_cmpuint (status, ==, 0);
}

static void
test_key_permissions (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ShoalCredentials) credentials = NULL;
  g_autoptr(ShoalCredentials) refused = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;

  g_test_summary ("A key file that others may read stops the start with a message to "
                  "chmod 600 it, and stays as it was");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  credentials = load (f);
  before = read_file (f->key_path);
  g_assert_cmpint (g_chmod (f->key_path, 0644), ==, 0);

  refused = shoal_credentials_load_or_create (f->state_dir, &error);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY);
  g_assert_null (refused);
  g_assert_nonnull (strstr (error->message, f->key_path));
  g_assert_nonnull (strstr (error->message, "chmod 600"));

  after = read_file (f->key_path);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpuint (file_mode (f->key_path), ==, 0644);
}

static void
test_key_corrupt (Fixture       *f,
                  gconstpointer  data)
{
  static const guint8 garbage[] = { 0x2d, 0x2d, 0x00, 0xff, 0x13, 0x37, 'k', 'e', 'y', 0x0a };
  g_autoptr(ShoalCredentials) refused = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *after = NULL;
  gsize after_length = 0;

  g_test_summary ("A key file that is not a key stops the start, saying the node will "
                  "not replace it, and stays as it was");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  g_assert_cmpint (g_mkdir (f->state_dir, 0700), ==, 0);
  g_file_set_contents_full (f->key_path, (const gchar *) garbage, sizeof garbage,
                            G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);

  refused = shoal_credentials_load_or_create (f->state_dir, &error);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY);
  g_assert_null (refused);
  g_assert_nonnull (strstr (error->message, f->key_path));
  g_clear_error (&error);

  g_file_get_contents (f->key_path, &after, &after_length, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (after, after_length, garbage, sizeof garbage);
  g_assert_false (g_file_test (f->cert_path, G_FILE_TEST_EXISTS));
}

static void
test_key_unreadable (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(ShoalCredentials) refused = NULL;
  g_autoptr(GError) error = NULL;

  /* Not chmod 000: the tests may run as root, who reads any file. */
  g_test_summary ("A key file that cannot be read (here a directory) stops the start with "
                  "the file's name and the reason, and is left in place");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  g_assert_cmpint (g_mkdir_with_parents (f->key_path, 0700), ==, 0);

  refused = shoal_credentials_load_or_create (f->state_dir, &error);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY);
  g_assert_null (refused);
  g_assert_nonnull (strstr (error->message, f->key_path));
  g_assert_nonnull (strstr (error->message, g_strerror (EISDIR)));
  g_assert_true (g_file_test (f->key_path, G_FILE_TEST_IS_DIR));
  g_assert_false (g_file_test (f->cert_path, G_FILE_TEST_EXISTS));
}

static void
test_certificate_regenerated (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(ShoalCredentials) first = NULL;
  g_autofree gchar *key = NULL;
  const gchar *broken[] = { NULL, "not a certificate\n", vector_pem };

  g_test_summary ("A certificate that is missing, corrupt or for another key is made "
                  "again from the key, with one message each time; the id stays and the "
                  "key file is untouched");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  first = load (f);
  key = read_file (f->key_path);

  for (gsize i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autoptr(ShoalCredentials) again = NULL;
      g_autofree gchar *cert_id = NULL;
      g_autofree gchar *key_after = NULL;
      g_autoptr(GError) error = NULL;

      if (broken[i] == NULL)
        g_assert_cmpint (g_unlink (f->cert_path), ==, 0);
      else
        g_file_set_contents (f->cert_path, broken[i], -1, &error);
      g_assert_no_error (error);
      g_ptr_array_set_size (messages, 0);

      again = load (f);
      g_assert_cmpstr (shoal_credentials_get_id (again), ==, shoal_credentials_get_id (first));
      g_assert_cmpstr (shoal_credentials_get_fingerprint (again), ==,
                       shoal_credentials_get_fingerprint (first));
      cert_id = id_of_cert_file (f->cert_path);
      g_assert_cmpstr (cert_id, ==, shoal_credentials_get_id (first));
      g_assert_cmpuint (count_messages ("Certificate "), ==, 1);
      g_assert_cmpuint (messages->len, ==, 1);

      key_after = read_file (f->key_path);
      g_assert_cmpstr (key_after, ==, key);
    }
}

static void
test_v1_migration (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ShoalCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *v1_path = g_build_filename (f->state_dir, "peer-id", NULL);
  g_autofree gchar *v1_contents = g_strconcat (v1_id, "\n", NULL);
  g_autofree gchar *expected = NULL;

  g_test_summary ("A protocol 1 state directory (only peer-id) gets a new key and a new "
                  "id, loses peer-id, and the log says so in one line");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  g_assert_cmpint (g_mkdir (f->state_dir, 0700), ==, 0);
  g_file_set_contents (v1_path, v1_contents, -1, &error);
  g_assert_no_error (error);

  credentials = load (f);
  g_assert_cmpstr (shoal_credentials_get_id (credentials), !=, v1_id);
  g_assert_true (shoal_peer_id_is_valid (shoal_credentials_get_id (credentials)));
  g_assert_false (g_file_test (v1_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (file_mode (f->key_path), ==, 0600);
  g_assert_true (g_file_test (f->cert_path, G_FILE_TEST_IS_REGULAR));

  expected = g_strdup_printf ("Migrated state directory %s from protocol 1: new key, new peer "
                              "id %s (was %s)", f->state_dir,
                              shoal_credentials_get_id (credentials), v1_id);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (messages, 0), ==, expected);
}

/* A self-signed P-256 certificate with a private extension of @padding
 * bytes, to make it as large as a test needs. */
static gchar *
make_padded_certificate_pem (gsize padding)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(gnutls_datum_t) pem = { NULL, 0 };
  g_autofree guint8 *filler = g_malloc (padding + 4);
  static const guint8 serial[] = { 0x42, 0x01 };

  /* An OCTET STRING of @padding bytes. */
  g_assert_cmpuint (padding, <=, 0xffff);
  filler[0] = 0x04;
  filler[1] = 0x82;
  filler[2] = padding >> 8;
  filler[3] = padding & 0xff;
  memset (filler + 4, 'x', padding);

  g_assert_cmpint (gnutls_x509_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                                 GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                                 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_version (crt, 3), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                                  "padded", 6), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_activation_time (crt, time (NULL) - 3600), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_expiration_time (crt, time (NULL) + 3600), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_extension_by_oid (crt, "1.3.6.1.4.1.55555.1",
                                                         filler, padding + 4, 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_key (crt, key), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &pem), ==, 0);
  return g_strndup ((const gchar *) pem.data, pem.size);
}

static gsize
der_size (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_object_get (certificate, "certificate", &der, NULL);
  return der->len;
}

static void
test_inspect_refuses (void)
{
  g_autoptr(GTlsCertificate) weak = certificate_from_pem (weak_rsa_pem);
  g_autoptr(GTlsCertificate) chain = certificate_from_pem (chain_pem);
  g_autofree gchar *large_pem = make_padded_certificate_pem (SHOAL_CERTIFICATE_MAX_DER);
  g_autofree gchar *fitting_pem = make_padded_certificate_pem (1000);
  g_autoptr(GTlsCertificate) large = certificate_from_pem (large_pem);
  g_autoptr(GTlsCertificate) fitting = certificate_from_pem (fitting_pem);
  g_autoptr(GError) error = NULL;
  gchar *id = NULL;
  gchar *fingerprint = NULL;

  g_test_summary ("A peer's certificate is refused, and nothing is returned, when its key "
                  "is weak (RSA-1024), when it comes with an issuer chain or when it is "
                  "larger than SHOAL_CERTIFICATE_MAX_DER");

  g_assert_false (shoal_certificate_inspect (weak, &id, &fingerprint, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED);
  g_assert_nonnull (strstr (error->message, "weak key"));
  g_assert_nonnull (strstr (error->message, "1024"));
  g_assert_null (id);
  g_assert_null (fingerprint);
  g_clear_error (&error);

  g_assert_nonnull (g_tls_certificate_get_issuer (chain));
  g_assert_false (shoal_certificate_inspect (chain, &id, &fingerprint, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED);
  g_assert_nonnull (strstr (error->message, "chain of 2 certificates"));
  g_assert_null (id);
  g_assert_null (fingerprint);
  g_clear_error (&error);

  g_assert_cmpuint (der_size (large), >, SHOAL_CERTIFICATE_MAX_DER);
  g_assert_false (shoal_certificate_inspect (large, &id, &fingerprint, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED);
  g_assert_null (id);
  g_assert_null (fingerprint);
  g_clear_error (&error);

  /* The same certificate made smaller passes: it was the size. */
  g_assert_true (shoal_certificate_inspect (fitting, NULL, NULL, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  messages = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/credentials/vector", test_vector);
  g_test_add_func ("/credentials/inspect-refuses", test_inspect_refuses);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/credentials/first-start", test_first_start);
  ADD ("/credentials/certificate-fields", test_certificate_fields);
  ADD ("/credentials/key-permissions", test_key_permissions);
  ADD ("/credentials/key-corrupt", test_key_corrupt);
  ADD ("/credentials/key-unreadable", test_key_unreadable);
  ADD ("/credentials/certificate-regenerated", test_certificate_regenerated);
  ADD ("/credentials/v1-migration", test_v1_migration);
#undef ADD

  return g_test_run ();
}
