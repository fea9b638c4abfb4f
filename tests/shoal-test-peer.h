/* shoal-test-peer.h: a peer played by hand, for tests that script the wire
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  guint8  type;
  GBytes *body;  /* (owned) */
} ShoalTestFrame;

GTlsConnection    *shoal_test_tls_wrap               (GIOStream        *base,
                                                      gboolean          server,
                                                      GTlsCertificate  *certificate,
                                                      GError          **error);
GSocketConnection *shoal_test_connect_loopback       (guint16           port,
                                                      GCancellable     *cancellable,
                                                      GError          **error);
GTlsCertificate   *shoal_test_load_certificate       (const gchar      *state_dir,
                                                      gchar           **out_id);
GPtrArray         *shoal_test_parse_frames           (GByteArray       *bytes);
gchar             *shoal_test_random_hex_id          (void);
GBytes            *shoal_test_encode_hello           (const gchar      *id,
                                                      const gchar      *session_id,
                                                      const gchar      *name);

G_END_DECLS
