/* shoal-tls.c: TLS 1.3 on a fresh connection, and what it proves
 *
 * Every link starts with a TLS 1.3 handshake in which both ends present a
 * certificate; nothing of protocol 2 travels outside it. The certificate is
 * what makes an id: the peer id is derived from its public key, so only the
 * holder of the key can claim it. Certificates are self-signed, so there is
 * no CA to ask: the connection has no database, every peer certificate comes
 * to accept-certificate, and that handler applies our own rules instead
 * (shoal_certificate_inspect(), and the id the dialler expects).
 *
 * Before handing an inbound connection to TLS, the first bytes are peeked
 * at: a protocol 1 node or a stranger speaking something else is told apart
 * from a ClientHello and refused with a reason a person can act on, without
 * spending a handshake on it.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <sys/socket.h>

#include "shoal-credentials.h"
#include "shoal-error.h"
#include "shoal-peer-private.h"
#include "shoal-source.h"
#include "shoal-tls.h"

/* The first byte of every TLS record that opens a connection: handshake. */
#define TLS_CONTENT_HANDSHAKE 0x16
/* The first byte of a protocol 1 frame header that opens a connection: HELLO. */
#define V1_FRAME_HELLO 0x01

/* Negotiated with ALPN, so that a TLS endpoint that is not Shoal, or a later
 * incompatible Shoal, fails the handshake instead of misreading frames. */
static const gchar * const alpn_protocols[] = { "shoal/2", NULL };

typedef struct {
  GSocketConnection *connection;       /* (owned) */
  GTlsConnection    *tls;              /* (owned) (nullable) once TLS starts */
  GTlsCertificate   *certificate;      /* (owned) ours */
  gchar             *expected_id;      /* (owned) (nullable) */
  gboolean           outbound;
  gchar             *address;          /* (owned) the other end, for messages */
  guint              timeout_ms;

  gchar             *peer_id;          /* (owned) (nullable) from accept-certificate */
  gchar             *fingerprint;      /* (owned) (nullable) */
  gchar             *refusal;          /* (owned) (nullable) why accept-certificate said no */
  gboolean           wrong_id;         /* the refusal: another peer than expected */

  GCancellable      *cancellable;      /* (owned) ours: the caller's or the timer cancel it */
  GCancellable      *caller_cancellable; /* (owned) (nullable) */
  gulong             caller_handler;
  GSource           *timeout_source;   /* (owned) (nullable) */
  GSource           *peek_source;      /* (owned) (nullable) */
  gboolean           timed_out;
} Handshake;

static void
handshake_free (Handshake *hs)
{
  if (hs->caller_cancellable != NULL)
    g_cancellable_disconnect (hs->caller_cancellable, hs->caller_handler);
  g_clear_object (&hs->caller_cancellable);
  shoal_source_clear (&hs->timeout_source);
  shoal_source_clear (&hs->peek_source);
  if (hs->tls != NULL)
    g_signal_handlers_disconnect_by_data (hs->tls, hs);
  g_clear_object (&hs->tls);
  g_clear_object (&hs->connection);
  g_clear_object (&hs->certificate);
  g_clear_object (&hs->cancellable);
  g_free (hs->expected_id);
  g_free (hs->address);
  g_free (hs->peer_id);
  g_free (hs->fingerprint);
  g_free (hs->refusal);
  g_free (hs);
}

/**
 * shoal_tls_peer_free:
 * @peer: (transfer full): what a handshake proved
 */
void
shoal_tls_peer_free (ShoalTlsPeer *peer)
{
  if (peer == NULL)
    return;

  g_clear_object (&peer->tls);
  g_free (peer->peer_id);
  g_free (peer->fingerprint);
  g_clear_pointer (&peer->channel_binding, g_bytes_unref);
  g_free (peer);
}

static gchar *
describe_remote (GSocketConnection *connection)
{
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return g_strdup ("(unknown address)");
  return shoal_socket_address_to_string (G_INET_SOCKET_ADDRESS (remote));
}

/* Runs once the handshake has failed: says why in the words that matter. */
static void
return_failure (GTask  *task,
                GError *error)
{
  Handshake *hs = g_task_get_task_data (task);

  shoal_source_clear (&hs->timeout_source);
  if (hs->timed_out)
    g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                             "timeout: no TLS handshake with %s within %u ms", hs->address,
                             hs->timeout_ms);
  else if (g_cancellable_is_cancelled (hs->cancellable))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  else if (hs->refusal != NULL)
    g_task_return_new_error (task, SHOAL_ERROR,
                             hs->wrong_id ? SHOAL_ERROR_UNKNOWN_PEER : SHOAL_ERROR_NOT_TRUSTED,
                             "certificate of %s refused: %s", hs->address, hs->refusal);
  else
    g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                             "TLS handshake with %s failed: %s", hs->address,
                             error != NULL ? error->message : "unknown error");
}

static gboolean
accept_certificate_cb (GTlsConnection       *tls,
                       GTlsCertificate      *peer_certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  Handshake *hs = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *fingerprint = NULL;

  /* Self-signed by design: @errors says there is no CA, which is no news.
   * The certificate's worth is the key it carries. */
  if (!shoal_certificate_inspect (peer_certificate, &id, &fingerprint, &error))
    {
      g_free (hs->refusal);
      hs->refusal = g_strdup (error->message);
      return FALSE;
    }

  if (hs->expected_id != NULL && !g_str_equal (id, hs->expected_id))
    {
      g_free (hs->refusal);
      hs->refusal = g_strdup_printf ("it proves peer id %s where %s was expected", id,
                                     hs->expected_id);
      hs->wrong_id = TRUE;
      return FALSE;
    }

  g_free (hs->peer_id);
  hs->peer_id = g_steal_pointer (&id);
  g_free (hs->fingerprint);
  hs->fingerprint = g_steal_pointer (&fingerprint);
  return TRUE;
}

static void
handshake_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Handshake *hs = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) binding = NULL;
  g_autoptr(ShoalTlsPeer) peer = NULL;
  const gchar *alpn;

  shoal_source_clear (&hs->timeout_source);

  if (!g_tls_connection_handshake_finish (hs->tls, result, &error))
    {
      return_failure (task, error);
      return;
    }

  /* Nothing older than 1.3 is spoken: no renegotiation, no static RSA, an
   * encrypted certificate exchange, and the exporter the network key binds to. */
  if (g_tls_connection_get_protocol_version (hs->tls) != G_TLS_PROTOCOL_VERSION_TLS_1_3)
    {
      g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                               "%s negotiated a TLS version older than 1.3", hs->address);
      return;
    }

  alpn = g_tls_connection_get_negotiated_protocol (hs->tls);
  if (g_strcmp0 (alpn, alpn_protocols[0]) != 0)
    {
      g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                               "%s does not speak %s over TLS (ALPN: %s)", hs->address,
                               alpn_protocols[0], alpn != NULL ? alpn : "none");
      return;
    }

  /* accept-certificate runs only when verification has complaints, which a
   * self-signed certificate always has; never trust that it ran. */
  if (hs->peer_id == NULL)
    {
      GTlsCertificate *certificate = g_tls_connection_get_peer_certificate (hs->tls);

      if (certificate == NULL ||
          !accept_certificate_cb (hs->tls, certificate, 0, hs))
        {
          g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_NOT_TRUSTED,
                                   "certificate of %s refused: %s", hs->address,
                                   hs->refusal != NULL ? hs->refusal : "none presented");
          return;
        }
    }

  binding = g_byte_array_new ();
  if (!g_tls_connection_get_channel_binding_data (hs->tls, G_TLS_CHANNEL_BINDING_TLS_EXPORTER,
                                                  binding, &error))
    {
      g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                               "no TLS exporter for the link with %s: %s", hs->address,
                               error->message);
      return;
    }

  peer = g_new0 (ShoalTlsPeer, 1);
  peer->tls = g_steal_pointer (&hs->tls);
  g_signal_handlers_disconnect_by_data (peer->tls, hs);
  peer->peer_id = g_steal_pointer (&hs->peer_id);
  peer->fingerprint = g_steal_pointer (&hs->fingerprint);
  peer->channel_binding = g_byte_array_free_to_bytes (g_steal_pointer (&binding));

  g_task_return_pointer (task, g_steal_pointer (&peer), (GDestroyNotify) shoal_tls_peer_free);
}

/* Takes over the reference on @task. */
static void
start_tls (GTask *task)
{
  Handshake *hs = g_task_get_task_data (task);
  GTlsBackend *backend = g_tls_backend_get_default ();
  g_autoptr(GError) error = NULL;
  gpointer tls;

  /* Built through GInitable so that "database" is NULL from the start: the
   * convenience constructors load the system's whole CA store into every
   * connection first, about 10 ms of CPU per link, for certificates that
   * are all self-signed anyway. */
  if (hs->outbound)
    tls = g_initable_new (g_tls_backend_get_client_connection_type (backend), NULL, &error,
                          "base-io-stream", hs->connection,
                          "certificate", hs->certificate,
                          "database", NULL,
                          NULL);
  else
    tls = g_initable_new (g_tls_backend_get_server_connection_type (backend), NULL, &error,
                          "base-io-stream", hs->connection,
                          "certificate", hs->certificate,
                          "database", NULL,
                          "authentication-mode", G_TLS_AUTHENTICATION_REQUIRED,
                          NULL);

  if (tls == NULL)
    {
      return_failure (task, error);
      g_object_unref (task);
      return;
    }

  /* No CA: every certificate is judged by accept_certificate_cb. */
  hs->tls = G_TLS_CONNECTION (tls);
  /* A link ends with our own GOODBYE frame and a TCP half-close, never a
   * close_notify: EOF is not an attack on a protocol that says goodbye. */
  g_tls_connection_set_require_close_notify (hs->tls, FALSE);
  g_tls_connection_set_advertised_protocols (hs->tls, alpn_protocols);
  g_signal_connect (hs->tls, "accept-certificate", G_CALLBACK (accept_certificate_cb), hs);

  g_tls_connection_handshake_async (hs->tls, G_PRIORITY_DEFAULT, hs->cancellable,
                                    handshake_done_cb, task);
}

/* Inbound only: what is the stranger's first word? */
static gboolean
peek_cb (GSocket      *socket,
         GIOCondition  condition,
         gpointer      user_data)
{
  GTask *task = user_data;
  Handshake *hs = g_task_get_task_data (task);
  guint8 first[4] = { 0, };
  gssize n;

  if (g_cancellable_is_cancelled (hs->cancellable))
    {
      g_clear_pointer (&hs->peek_source, g_source_unref);
      return_failure (task, NULL);
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }

  n = recv (g_socket_get_fd (socket), first, sizeof first, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&hs->peek_source, g_source_unref);
  if (n > 0 && first[0] == TLS_CONTENT_HANDSHAKE)
    {
      start_tls (task);
      return G_SOURCE_REMOVE;
    }

  shoal_source_clear (&hs->timeout_source);
  if (n <= 0)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                             "peer at %s closed the connection before TLS", hs->address);
  else if (first[0] == V1_FRAME_HELLO && (n < 4 || (first[1] == 0 && first[2] == 0 && first[3] == 0)))
    g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_VERSION_MISMATCH,
                             "peer at %s speaks protocol 1 without TLS", hs->address);
  else
    g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL,
                             "peer at %s sent something other than a TLS ClientHello "
                             "(first byte 0x%02x)", hs->address, first[0]);

  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Handshake *hs = g_task_get_task_data (task);

  g_clear_pointer (&hs->timeout_source, g_source_unref);
  hs->timed_out = TRUE;

  /* Still peeking: no handshake to cancel, so answer here. */
  if (hs->peek_source != NULL)
    {
      shoal_source_clear (&hs->peek_source);
      return_failure (task, NULL);
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }

  g_cancellable_cancel (hs->cancellable);
  return G_SOURCE_REMOVE;
}

static void
caller_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  g_cancellable_cancel (user_data);
}

/**
 * shoal_tls_handshake_async:
 * @connection: a fresh TCP connection
 * @outbound: whether this node dialled it (then it is the TLS client)
 * @certificate: this node's certificate, with its private key
 * @expected_id: (nullable): the peer id the other end must prove, if known
 * @timeout_ms: how long the whole handshake may take
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the outcome
 * @user_data: for @callback
 *
 * Runs a TLS 1.3 handshake in which both ends present a certificate, and
 * finds which peer id the other end has proved. Nothing has been sent or
 * read on @connection yet.
 */
void
shoal_tls_handshake_async (GSocketConnection   *connection,
                           gboolean             outbound,
                           GTlsCertificate     *certificate,
                           const gchar         *expected_id,
                           guint                timeout_ms,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Handshake *hs;
  GMainContext *context = g_main_context_ref_thread_default ();

  g_return_if_fail (G_IS_SOCKET_CONNECTION (connection));
  g_return_if_fail (G_IS_TLS_CERTIFICATE (certificate));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_tls_handshake_async);

  hs = g_new0 (Handshake, 1);
  hs->connection = g_object_ref (connection);
  hs->certificate = g_object_ref (certificate);
  hs->expected_id = g_strdup (expected_id);
  hs->outbound = outbound;
  hs->address = describe_remote (connection);
  hs->timeout_ms = timeout_ms;
  hs->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, hs, (GDestroyNotify) handshake_free);

  if (cancellable != NULL)
    {
      hs->caller_cancellable = g_object_ref (cancellable);
      hs->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                  g_object_ref (hs->cancellable), g_object_unref);
    }

  /* The timer holds no reference: the task outlives it, since it is cleared
   * before the task returns, whichever way. */
  hs->timeout_source = shoal_timeout_attach (context, timeout_ms, timeout_cb, task, NULL,
                                             "[shoal] TLS handshake");

  if (outbound)
    {
      start_tls (g_steal_pointer (&task));
    }
  else
    {
      GSocket *socket = g_socket_connection_get_socket (connection);

      hs->peek_source = g_socket_create_source (socket, G_IO_IN, hs->cancellable);
      g_source_set_callback (hs->peek_source, G_SOURCE_FUNC (peek_cb), g_steal_pointer (&task),
                             NULL);
      g_source_set_static_name (hs->peek_source, "[shoal] TLS peek");
      g_source_attach (hs->peek_source, context);
    }

  g_main_context_unref (context);
}

/**
 * shoal_tls_handshake_finish:
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: (transfer full): what the handshake proved, or %NULL with a
 *   %SHOAL_ERROR whose message says what went wrong, for the log:
 *   %SHOAL_ERROR_UNKNOWN_PEER when another peer than the expected one
 *   answered, %SHOAL_ERROR_NOT_TRUSTED for a certificate the rules refuse,
 *   %SHOAL_ERROR_VERSION_MISMATCH for a protocol 1 node, and
 *   %SHOAL_ERROR_PROTOCOL for the rest
 */
ShoalTlsPeer *
shoal_tls_handshake_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == shoal_tls_handshake_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
