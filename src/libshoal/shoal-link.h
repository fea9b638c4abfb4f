/* shoal-link.h: one framed connection to a peer (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-frame.h"

G_BEGIN_DECLS

typedef struct {
  guint heartbeat_interval_ms;
  guint heartbeat_timeout_ms;
  guint handshake_timeout_ms;
  gsize max_queue_bytes;
  gsize max_data_body;
  GBytes *network_key;  /* (nullable) peers must prove they hold it */
  gboolean no_acks;     /* acknowledge nothing: only to measure what acks cost */
} ShoalLinkConfig;

/* Who refused a link that carried hellos but never came up. */
typedef enum {
  SHOAL_LINK_REFUSAL_NONE,
  SHOAL_LINK_REFUSAL_BY_US,    /* our trust policy or store said no */
  SHOAL_LINK_REFUSAL_BY_PEER,  /* the peer's hello said it does not let us in */
  SHOAL_LINK_REFUSAL_KEY,      /* the network key proofs did not agree */
} ShoalLinkRefusal;

/* Called for every data frame, in order, and for every change of the
 * peer's groups (JOIN and LEAVE: @seq 0, @payload %NULL). @group is the
 * group a GROUP frame was sent to, or the group joined or left; %NULL for
 * UNICAST and BROADCAST. The hot path, hence a plain function rather than
 * a signal. */
typedef void (*ShoalLinkReceiveFunc) (gpointer        user_data,
                                      ShoalFrameType  type,
                                      guint64         seq,
                                      GBytes         *payload,
                                      const gchar    *group);

/* Called with the body of each PEERS frame of an established link. */
typedef void (*ShoalLinkPeersFunc) (gpointer  user_data,
                                    GBytes   *body);

#define SHOAL_TYPE_LINK (shoal_link_get_type ())
G_DECLARE_FINAL_TYPE (ShoalLink, shoal_link, SHOAL, LINK, GObject)

void                shoal_link_tune_socket        (GSocket               *socket);
void                shoal_link_check_path         (ShoalLink             *self);

ShoalLink          *shoal_link_new                (GIOStream             *stream,
                                                   GSocketConnection     *connection,
                                                   gboolean               outbound,
                                                   const gchar           *proven_id,
                                                   GBytes                *channel_binding,
                                                   gboolean               accept,
                                                   GBytes                *hello_frame,
                                                   const ShoalLinkConfig *config);
void                shoal_link_set_receive_func   (ShoalLink             *self,
                                                   ShoalLinkReceiveFunc   func,
                                                   gpointer               user_data);
void                shoal_link_set_peers_func     (ShoalLink             *self,
                                                   ShoalLinkPeersFunc     func,
                                                   gpointer               user_data);
void                shoal_link_send_control       (ShoalLink             *self,
                                                   GBytes                *frame);
void                shoal_link_start              (ShoalLink             *self);

gboolean            shoal_link_send               (ShoalLink             *self,
                                                   ShoalFrameType         type,
                                                   guint64                seq,
                                                   GBytes                *payload,
                                                   GError               **error);
gboolean            shoal_link_send_group         (ShoalLink             *self,
                                                   guint64                seq,
                                                   const gchar           *group,
                                                   GBytes                *payload,
                                                   GError               **error);
gboolean            shoal_link_send_membership    (ShoalLink             *self,
                                                   ShoalFrameType         type,
                                                   const gchar           *group);
void                shoal_link_ack_later          (ShoalLink             *self,
                                                   guint64                seq);
void                shoal_link_set_paused         (ShoalLink             *self,
                                                   gboolean               paused);
void                shoal_link_close              (ShoalLink             *self,
                                                   ShoalGoodbyeCode       code,
                                                   const gchar           *message);
void                shoal_link_sever              (ShoalLink             *self);
void                shoal_link_abort              (ShoalLink             *self,
                                                   ShoalGoodbyeCode       code,
                                                   const gchar           *reason);

gboolean            shoal_link_get_outbound       (ShoalLink             *self);
gboolean            shoal_link_get_established    (ShoalLink             *self);
guint               shoal_link_get_silence_ms     (ShoalLink             *self);
const ShoalHello   *shoal_link_get_remote_hello   (ShoalLink             *self);
ShoalLinkRefusal    shoal_link_get_refusal        (ShoalLink             *self);
gboolean            shoal_link_get_remote_goodbye (ShoalLink             *self,
                                                   guint32               *code);
GInetSocketAddress *shoal_link_get_remote_address (ShoalLink             *self);
GSocketAddress     *shoal_link_get_local_address  (ShoalLink             *self);

G_END_DECLS
