/* shoal-test-peer.c: a peer played by hand, for tests that script the wire
 *
 * What a test needs to be a Shoal peer without a node: TLS as Shoal speaks
 * it, a key of its own, hellos saying what the test wants, and the frames a
 * node sent, cut apart. Blocking I/O, for threads of the test's own.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-credentials.h"
#include "shoal-frame.h"
#include "shoal-frame-reader.h"
#include "shoal-test-peer.h"

/* What every Shoal TLS endpoint negotiates; a peer that wants to get as far
 * as the hello says it too. */
static const gchar * const shoal_alpn[] = { "shoal/2", NULL };

static gboolean
accept_any_certificate (GTlsConnection       *tls,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

/**
 * shoal_test_tls_wrap:
 * @base: the connection
 * @server: whether this end is the TLS server
 * @certificate: (nullable): this end's certificate
 * @error: return location for a #GError
 *
 * TLS over @base as Shoal speaks it (ALPN, a certificate, no CA), but
 * accepting whatever certificate the other end has.
 *
 * Returns: (transfer full) (nullable): the TLS connection, not yet handshaken
 */
GTlsConnection *
shoal_test_tls_wrap (GIOStream        *base,
                     gboolean          server,
                     GTlsCertificate  *certificate,
                     GError          **error)
{
  GTlsBackend *backend = g_tls_backend_get_default ();
  GTlsConnection *tls;

  if (server)
    tls = g_initable_new (g_tls_backend_get_server_connection_type (backend), NULL, error,
                          "base-io-stream", base,
                          "certificate", certificate,
                          "database", NULL,
                          "authentication-mode", G_TLS_AUTHENTICATION_REQUIRED,
                          NULL);
  else
    tls = g_initable_new (g_tls_backend_get_client_connection_type (backend), NULL, error,
                          "base-io-stream", base,
                          "certificate", certificate,
                          "database", NULL,
                          NULL);
  if (tls == NULL)
    return NULL;

  g_tls_connection_set_require_close_notify (tls, FALSE);
  g_tls_connection_set_advertised_protocols (tls, shoal_alpn);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  return tls;
}

/**
 * shoal_test_connect_loopback:
 * @port: a port on 127.0.0.1
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): a TCP connection to 127.0.0.1:@port
 */
GSocketConnection *
shoal_test_connect_loopback (guint16        port,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);

  /* With isolated directories the proxy resolver would abort on missing
   * GSettings schemas; and nothing here goes through a proxy anyway. */
  g_socket_client_set_enable_proxy (client, FALSE);
  return g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), cancellable, error);
}

/**
 * shoal_test_load_certificate:
 * @state_dir: a state directory, made if missing
 * @out_id: (out) (optional): the id the key proves
 *
 * Returns: (transfer full): the certificate of the key in @state_dir, a new
 *   one if there was none
 */
GTlsCertificate *
shoal_test_load_certificate (const gchar  *state_dir,
                             gchar       **out_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalCredentials) credentials = shoal_credentials_load_or_create (state_dir, &error);

  g_assert_no_error (error);
  if (out_id != NULL)
    *out_id = g_strdup (shoal_credentials_get_id (credentials));
  return g_object_ref (shoal_credentials_get_certificate (credentials));
}

static void
frame_free (gpointer data)
{
  ShoalTestFrame *frame = data;

  g_bytes_unref (frame->body);
  g_free (frame);
}

/**
 * shoal_test_parse_frames:
 * @bytes: what a node sent, from its first byte
 *
 * Cuts @bytes into frames; they must be whole and well-formed.
 *
 * Returns: (transfer full) (element-type ShoalTestFrame): the frames
 */
GPtrArray *
shoal_test_parse_frames (GByteArray *bytes)
{
  g_autoptr(ShoalFrameReader) reader = shoal_frame_reader_new (SHOAL_FRAME_MAX_DATA_BODY);
  GPtrArray *frames = g_ptr_array_new_with_free_func (frame_free);
  gsize offset = 0;

  while (offset < bytes->len)
    {
      gsize size = 0;
      guint8 *buffer = shoal_frame_reader_get_buffer (reader, &size);
      gsize n = MIN (size, bytes->len - offset);

      memcpy (buffer, bytes->data + offset, n);
      shoal_frame_reader_commit (reader, n);
      offset += n;

      for (;;)
        {
          g_autoptr(GError) error = NULL;
          ShoalFrameHeader header;
          GBytes *body = NULL;
          ShoalFrameReadResult result = shoal_frame_reader_pop (reader, &header, &body, &error);
          ShoalTestFrame *frame;

          g_assert_no_error (error);
          if (result == SHOAL_FRAME_READ_NEED_MORE)
            break;
          g_assert_cmpint (result, ==, SHOAL_FRAME_READ_FRAME);
          frame = g_new0 (ShoalTestFrame, 1);
          frame->type = header.type;
          frame->body = body;
          g_ptr_array_add (frames, frame);
        }
    }

  g_assert_cmpuint (shoal_frame_reader_get_pending (reader), ==, 0);
  return frames;
}

/**
 * shoal_test_random_hex_id:
 *
 * Returns: (transfer full): 32 random lowercase hex digits, the shape of an
 *   id or a session
 */
gchar *
shoal_test_random_hex_id (void)
{
  GString *hex = g_string_sized_new (32);

  for (guint i = 0; i < 16; i++)
    g_string_append_printf (hex, "%02x", (guint) g_random_int_range (0, 256));
  return g_string_free (hex, FALSE);
}

/**
 * shoal_test_encode_hello:
 * @id: the id to claim
 * @session_id: (nullable): the session, a new one if %NULL
 * @name: the name to give
 *
 * Returns: (transfer full): a HELLO frame that accepts the other end, with
 *   no proof and no port
 */
GBytes *
shoal_test_encode_hello (const gchar *id,
                         const gchar *session_id,
                         const gchar *name)
{
  g_autofree gchar *new_session = session_id == NULL ? shoal_test_random_hex_id () : NULL;
  ShoalHello hello = {
    .version = SHOAL_PROTOCOL_VERSION_MAX,
    .min_version = SHOAL_PROTOCOL_VERSION_MIN,
    .peer_id = (gchar *) id,
    .session_id = (gchar *) (session_id != NULL ? session_id : new_session),
    .name = (gchar *) name,
    .port = 0,
    .accept = TRUE,
    .proof = NULL,
  };

  return shoal_frame_encode_hello (&hello);
}
