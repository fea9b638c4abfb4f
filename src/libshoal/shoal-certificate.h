/* shoal-certificate.h: what a certificate proves (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

G_BEGIN_DECLS

gboolean          shoal_certificate_inspect          (GTlsCertificate  *certificate,
                                                      gchar           **out_id,
                                                      gchar           **out_fingerprint,
                                                      GError          **error);
gchar            *shoal_id_from_spki                 (const guint8     *spki,
                                                      gsize             length);
gchar            *shoal_fingerprint_from_spki        (const guint8     *spki,
                                                      gsize             length);
int               shoal_crt_get_spki                 (gnutls_x509_crt_t  crt,
                                                      gnutls_datum_t    *out_spki);

G_END_DECLS
