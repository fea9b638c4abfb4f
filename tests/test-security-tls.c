/* test-security-tls.c: strangers that fail TLS, or pass it and send garbage
 *
 * Part of the security program (test-security.c): peers that speak
 * protocol 1, or no TLS at all, or stall in the handshake; certificates
 * Shoal does not take (a weak key, a chain); a stranger who passes TLS and
 * its hello and then sends a frame header over every limit.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

#include "shoal-frame.h"
#include "shoal-node-private.h"
#include "shoal-test-log.h"
#include "shoal-test-nodes.h"
#include "shoal-test-peer.h"
#include "shoal-test-scratch.h"
#include "test-security.h"

/* 4-6. Strangers that never get to TLS, or stall in it */

/* A stranger without TLS sends @bytes; the node must close the connection
 * without answering a byte, within @timeout_ms. Returns how long it took. */
static gint64
assert_closed_silently (ShoalNode    *node,
                        const guint8 *bytes,
                        gsize         length,
                        guint         timeout_ms)
{
  g_autoptr(GBytes) to_send = g_bytes_new (bytes, length);
  g_auto(Stranger) stranger = { 0, };

  security_stranger_start (&stranger, node, NULL, to_send);
  security_stranger_finish (&stranger, timeout_ms);
  g_assert_no_error (stranger.write_error);
  g_assert_cmpuint (stranger.received->len, ==, 0);
  return stranger.ended_at - stranger.connected_at;
}

void
test_v1_peer (Fixture       *f,
              gconstpointer  data)
{
  /* A protocol 1 hello frame: type 0x01, flags and reserved zero, a
   * 16-byte body. */
  static const guint8 v1_hello[] = {
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    'v', '1', ' ', 'h', 'e', 'l', 'l', 'o', ' ', 'b', 'o', 'd', 'y', '.', '.', '.',
  };
  ShoalNode *a, *b;
  Watch watch;

  g_test_summary ("A protocol 1 node, which sends its hello without TLS, has its connection "
                  "closed without a byte in answer and a log saying it speaks protocol 1, "
                  "and the node's link to another carries on");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  security_make_pair (f, &a, &b);
  security_watch_start (&watch, a, shoal_node_get_id (b));

  assert_closed_silently (a, v1_hello, sizeof v1_hello, 5000);
  g_assert_true (shoal_test_log_contains ("speaks protocol 1 without TLS"));

  security_assert_pair_carries_on (a, b, &watch);
  security_watch_stop (&watch);
}

void
test_garbage_before_tls (Fixture       *f,
                         gconstpointer  data)
{
  static const gchar http[] = "GET / HTTP/1.1\r\n\r\n";
  ShoalNode *a, *b;
  Watch watch;

  g_test_summary ("A stranger that opens with an HTTP request instead of a TLS ClientHello "
                  "has its connection closed without a byte in answer and a log saying so, "
                  "and the node's link to another carries on");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  security_make_pair (f, &a, &b);
  security_watch_start (&watch, a, shoal_node_get_id (b));

  assert_closed_silently (a, (const guint8 *) http, strlen (http), 5000);
  g_assert_true (shoal_test_log_contains ("other than a TLS ClientHello"));

  security_assert_pair_carries_on (a, b, &watch);
  security_watch_stop (&watch);
}

void
test_stalled_tls (Fixture       *f,
                  gconstpointer  data)
{
  /* The start of a TLS record header, handshake type, and then nothing. */
  static const guint8 partial[] = { 0x16, 0x03, 0x01 };
  ShoalNode *a, *b;
  Watch watch;
  gint64 took;

  g_test_summary ("A stranger that starts a TLS record and stops has its connection closed "
                  "once the 5 s handshake time is up, not before and not much later, with "
                  "a log saying so, and the node's link to another carries on");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  security_make_pair (f, &a, &b);
  security_watch_start (&watch, a, shoal_node_get_id (b));

  took = assert_closed_silently (a, partial, sizeof partial, 15000);
  g_test_message ("closed after %" G_GINT64_FORMAT " ms", took / 1000);
  g_assert_cmpint (took, >=, 4500 * 1000);
  g_assert_cmpint (took, <, 7500 * 1000);
  g_assert_true (shoal_test_log_contains ("no TLS handshake"));

  security_assert_pair_carries_on (a, b, &watch);
  security_watch_stop (&watch);
}

/* 7. Certificates Shoal does not take */

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)

static void
datum_clear (gnutls_datum_t *datum)
{
  gnutls_free (datum->data);
  datum->data = NULL;
  datum->size = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (gnutls_datum_t, datum_clear)

/* A key and a certificate for it, self-signed unless @issuer (with its
 * key) signs it; a CA if @ca. */
static void
make_certificate (gnutls_pk_algorithm_t   algorithm,
                  guint                   bits,
                  const gchar            *common_name,
                  gboolean                ca,
                  gnutls_x509_crt_t       issuer,
                  gnutls_x509_privkey_t   issuer_key,
                  gnutls_x509_crt_t      *out_crt,
                  gnutls_x509_privkey_t  *out_key)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  guint8 serial[8];
  guint8 key_id[64];
  gsize key_id_size = sizeof key_id;
  time_t now = time (NULL);

  for (guint i = 0; i < sizeof serial; i++)
    serial[i] = (guint8) g_random_int_range (0, 256);
  serial[0] &= 0x7f;

  g_assert_cmpint (gnutls_x509_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_generate (key, algorithm, bits, 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_version (crt, 3), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                                  common_name, strlen (common_name)), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_activation_time (crt, now - 3600), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_expiration_time (crt, now + 24 * 3600), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_key (crt, key), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_basic_constraints (crt, ca, -1), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_key_usage (crt, ca ? GNUTLS_KEY_KEY_CERT_SIGN
                                                          : GNUTLS_KEY_DIGITAL_SIGNATURE),
                   ==, 0);
  g_assert_cmpint (gnutls_x509_crt_get_key_id (crt, 0, key_id, &key_id_size), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_subject_key_id (crt, key_id, key_id_size), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_sign2 (crt, issuer != NULL ? issuer : crt,
                                          issuer_key != NULL ? issuer_key : key,
                                          GNUTLS_DIG_SHA256, 0), ==, 0);

  *out_crt = g_steal_pointer (&crt);
  *out_key = g_steal_pointer (&key);
}

static gchar *
crt_to_pem (gnutls_x509_crt_t crt)
{
  g_auto(gnutls_datum_t) pem = { NULL, 0 };

  g_assert_cmpint (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &pem), ==, 0);
  return g_strndup ((const gchar *) pem.data, pem.size);
}

static gchar *
key_to_pem (gnutls_x509_privkey_t key)
{
  g_auto(gnutls_datum_t) pem = { NULL, 0 };

  g_assert_cmpint (gnutls_x509_privkey_export2 (key, GNUTLS_X509_FMT_PEM, &pem), ==, 0);
  return g_strndup ((const gchar *) pem.data, pem.size);
}

/* A self-signed certificate with an RSA key of 1024 bits. */
static GTlsCertificate *
make_weak_certificate (void)
{
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_autofree gchar *crt_pem = NULL;
  g_autofree gchar *key_pem = NULL;
  g_autofree gchar *pem = NULL;
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;

  make_certificate (GNUTLS_PK_RSA, 1024, "shoal-weak", FALSE, NULL, NULL, &crt, &key);
  crt_pem = crt_to_pem (crt);
  key_pem = key_to_pem (key);
  pem = g_strconcat (crt_pem, key_pem, NULL);
  certificate = g_tls_certificate_new_from_pem (pem, -1, &error);
  g_assert_no_error (error);
  return certificate;
}

/* A P-256 leaf signed by a P-256 CA, presented with the CA: a chain of 2. */
static GTlsCertificate *
make_chain_certificate (void)
{
  g_auto(gnutls_x509_crt_t) ca_crt = NULL;
  g_auto(gnutls_x509_privkey_t) ca_key = NULL;
  g_auto(gnutls_x509_crt_t) leaf_crt = NULL;
  g_auto(gnutls_x509_privkey_t) leaf_key = NULL;
  g_autofree gchar *ca_pem = NULL;
  g_autofree gchar *leaf_pem = NULL;
  g_autofree gchar *key_pem = NULL;
  g_autofree gchar *pem = NULL;
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;
  const guint p256 = GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1);

  make_certificate (GNUTLS_PK_ECDSA, p256, "shoal-test-ca", TRUE, NULL, NULL, &ca_crt, &ca_key);
  make_certificate (GNUTLS_PK_ECDSA, p256, "shoal-test-leaf", FALSE, ca_crt, ca_key, &leaf_crt,
                    &leaf_key);
  leaf_pem = crt_to_pem (leaf_crt);
  ca_pem = crt_to_pem (ca_crt);
  key_pem = key_to_pem (leaf_key);
  pem = g_strconcat (leaf_pem, ca_pem, key_pem, NULL);
  certificate = g_tls_certificate_new_from_pem (pem, -1, &error);
  g_assert_no_error (error);
  /* GIO made the CA the leaf's issuer, so the chain goes on the wire. */
  g_assert_nonnull (g_tls_certificate_get_issuer (certificate));
  return certificate;
}

/* A stranger presenting @certificate gets no application byte: the
 * handshake fails or the connection closes, well before the 5 s a stranger
 * who passed TLS would have to send its hello. */
static void
assert_certificate_refused (ShoalNode       *node,
                            GTlsCertificate *certificate)
{
  g_auto(Stranger) stranger = { 0, };

  security_stranger_start (&stranger, node, certificate, NULL);
  security_stranger_finish (&stranger, 15000);
  if (stranger.handshake_error != NULL)
    g_test_message ("handshake failed: %s", stranger.handshake_error->message);
  g_assert_cmpuint (stranger.received->len, ==, 0);
  g_assert_cmpint (stranger.ended_at - stranger.connected_at, <, 4000 * 1000);
}

void
test_weak_key (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GTlsCertificate) weak = make_weak_certificate ();
  ShoalNode *a, *b;
  Watch watch;

  g_test_summary ("A TLS client presenting a self-signed certificate with an RSA key of "
                  "1024 bits is refused in the handshake with a log saying weak key, and "
                  "the node's link to another carries on");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  security_make_pair (f, &a, &b);
  security_watch_start (&watch, a, shoal_node_get_id (b));

  assert_certificate_refused (a, weak);
  g_assert_true (shoal_test_log_contains ("weak key"));

  security_assert_pair_carries_on (a, b, &watch);
  security_watch_stop (&watch);
}

void
test_chain (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GTlsCertificate) chain = make_chain_certificate ();
  ShoalNode *a, *b;
  Watch watch;

  g_test_summary ("A TLS client presenting a leaf certificate with its issuer, a chain of "
                  "two, is refused in the handshake with a log saying chain, and the node's "
                  "link to another carries on");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  security_make_pair (f, &a, &b);
  security_watch_start (&watch, a, shoal_node_get_id (b));

  assert_certificate_refused (a, chain);
  g_assert_true (shoal_test_log_contains ("chain"));

  security_assert_pair_carries_on (a, b, &watch);
  security_watch_stop (&watch);
}

/* 8. A stranger who passes TLS and the hello, then sends garbage */

void
test_malformed_after_tls (Fixture       *f,
                          gconstpointer  data)
{
  /* A unicast header claiming 4 GiB - 1 of body. */
  static const guint8 oversize[] = { 0x10, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
  ShoalNode *a, *b;
  g_autofree gchar *stranger_id = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GBytes) hello = NULL;
  g_autoptr(GByteArray) to_send = g_byte_array_new ();
  g_autoptr(GBytes) to_send_bytes = NULL;
  g_auto(Stranger) stranger = { 0, };
  Watch watch, stranger_watch;
  gsize size = 0;
  const guint8 *hello_data;

  g_test_summary ("A stranger who passes TLS with its own key and sends a true hello, then "
                  "a frame header claiming 4 GiB, is sent a goodbye saying protocol-error "
                  "and dropped, and the node's link to another carries on");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  security_make_pair (f, &a, &b);
  security_watch_start (&watch, a, shoal_node_get_id (b));

  certificate = security_load_certificate (f, "stranger", &stranger_id);
  security_watch_start (&stranger_watch, a, stranger_id);
  hello = shoal_test_encode_hello (stranger_id, NULL, "stranger");
  hello_data = g_bytes_get_data (hello, &size);
  g_byte_array_append (to_send, hello_data, size);
  g_byte_array_append (to_send, oversize, sizeof oversize);
  to_send_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&to_send));

  security_stranger_start (&stranger, a, certificate, to_send_bytes);
  security_stranger_finish (&stranger, 10000);
  g_assert_no_error (stranger.handshake_error);
  g_assert_no_error (stranger.write_error);
  security_assert_goodbye (stranger.received, a, SHOAL_GOODBYE_PROTOCOL_ERROR);
  g_assert_true (shoal_test_log_contains ("protocol error"));

  /* It was let in by its hello, then dropped for the garbage. */
  g_assert_true (shoal_test_nodes_wait (security_watch_saw_disconnect, &stranger_watch, 5000));
  g_test_message ("stranger dropped: %s", stranger_watch.last_reason);
  g_assert_cmpstr (stranger_watch.last_reason, ==, "protocol-error");
  security_watch_stop (&stranger_watch);

  security_assert_pair_carries_on (a, b, &watch);
  security_watch_stop (&watch);
}
