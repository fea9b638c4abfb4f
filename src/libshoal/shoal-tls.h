/* shoal-tls.h: TLS 1.3 on a fresh connection, and what it proves (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What a completed handshake proved about the other end. */
typedef struct {
  GTlsConnection *tls;              /* (owned) */
  gchar          *peer_id;          /* (owned) derived from the peer's certificate */
  gchar          *fingerprint;      /* (owned) of the peer's public key */
  GBytes         *channel_binding;  /* (owned) the session's TLS exporter value */
} ShoalTlsPeer;

void          shoal_tls_peer_free        (ShoalTlsPeer        *peer);

void          shoal_tls_handshake_async  (GSocketConnection   *connection,
                                          gboolean             outbound,
                                          GTlsCertificate     *certificate,
                                          const gchar         *expected_id,
                                          guint                timeout_ms,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
ShoalTlsPeer *shoal_tls_handshake_finish (GAsyncResult        *result,
                                          GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalTlsPeer, shoal_tls_peer_free)

G_END_DECLS
