/* shoal-trust.h: the trust policy, the trust store and what peers prove (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-node.h"

G_BEGIN_DECLS

/* A network key is 256 bits, written as 64 lowercase hex characters. */
#define SHOAL_NETWORK_KEY_SIZE 32
/* The proof of the network key in a hello: HMAC-SHA256. */
#define SHOAL_NETWORK_KEY_PROOF_SIZE 32
/* How many peers the store remembers before it forgets the least recently
 * seen of those nobody decided on. */
#define SHOAL_TRUST_MAX_KNOWN 1024

typedef enum {
  SHOAL_TRUST_VERDICT_ACCEPT,   /* link up */
  SHOAL_TRUST_VERDICT_PENDING,  /* allow-list: not decided yet, no link */
  SHOAL_TRUST_VERDICT_REJECT,   /* untrusted by a person: no link */
} ShoalTrustVerdict;

#define SHOAL_TYPE_TRUST (shoal_trust_get_type ())
G_DECLARE_FINAL_TYPE (ShoalTrust, shoal_trust, SHOAL, TRUST, GObject)

ShoalTrust        *shoal_trust_new                  (const gchar       *state_dir,
                                                     ShoalTrustPolicy   policy);
gboolean           shoal_trust_load                 (ShoalTrust        *self,
                                                     GError           **error);
ShoalTrustPolicy   shoal_trust_get_policy           (ShoalTrust        *self);
void               shoal_trust_set_network_key      (ShoalTrust        *self,
                                                     GBytes            *key);
GBytes            *shoal_trust_get_network_key      (ShoalTrust        *self);

ShoalTrustVerdict  shoal_trust_check                (ShoalTrust        *self,
                                                     const gchar       *peer_id);
gboolean           shoal_trust_is_trusted           (ShoalTrust        *self,
                                                     const gchar       *peer_id);
gboolean           shoal_trust_set_trusted          (ShoalTrust        *self,
                                                     const gchar       *peer_id,
                                                     gboolean           trusted,
                                                     GError           **error);
gchar             *shoal_trust_remember             (ShoalTrust        *self,
                                                     const gchar       *peer_id,
                                                     const gchar       *name);

gboolean           shoal_network_key_parse          (const gchar       *text,
                                                     GBytes           **out_key,
                                                     GError           **error);
gchar             *shoal_network_key_generate       (void);
GBytes            *shoal_network_key_proof          (GBytes            *key,
                                                     GBytes            *channel_binding,
                                                     const gchar       *sender_id);
gboolean           shoal_network_key_proof_equal    (GBytes            *a,
                                                     GBytes            *b);
gchar             *shoal_verification_code          (const gchar       *fingerprint_a,
                                                     const gchar       *fingerprint_b);

G_END_DECLS
