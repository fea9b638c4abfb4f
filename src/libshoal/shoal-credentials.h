/* shoal-credentials.h: the node's key pair, certificate and key-derived id (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-certificate.h"

G_BEGIN_DECLS

/* The largest certificate (DER) a peer may present. Ours are about 400 bytes. */
#define SHOAL_CERTIFICATE_MAX_DER 8192

#define SHOAL_TYPE_CREDENTIALS (shoal_credentials_get_type ())
G_DECLARE_FINAL_TYPE (ShoalCredentials, shoal_credentials, SHOAL, CREDENTIALS, GObject)

ShoalCredentials *shoal_credentials_load_or_create   (const gchar      *state_dir,
                                                      GError          **error);
GTlsCertificate  *shoal_credentials_get_certificate  (ShoalCredentials *self);
const gchar      *shoal_credentials_get_id           (ShoalCredentials *self);
const gchar      *shoal_credentials_get_fingerprint  (ShoalCredentials *self);

G_END_DECLS
