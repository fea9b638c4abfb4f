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
} ShoalLinkConfig;

/* Called for every data frame, in order. The hot path, hence a plain
 * function rather than a signal. */
typedef void (*ShoalLinkReceiveFunc) (gpointer  user_data,
                                      GBytes   *payload,
                                      gboolean  broadcast);

#define SHOAL_TYPE_LINK (shoal_link_get_type ())
G_DECLARE_FINAL_TYPE (ShoalLink, shoal_link, SHOAL, LINK, GObject)

ShoalLink          *shoal_link_new                (GSocketConnection     *connection,
                                                   gboolean               outbound,
                                                   GBytes                *hello_frame,
                                                   const ShoalLinkConfig *config);
void                shoal_link_set_receive_func   (ShoalLink             *self,
                                                   ShoalLinkReceiveFunc   func,
                                                   gpointer               user_data);
void                shoal_link_start              (ShoalLink             *self);

gboolean            shoal_link_send               (ShoalLink             *self,
                                                   ShoalFrameType         type,
                                                   GBytes                *payload,
                                                   GError               **error);
void                shoal_link_close              (ShoalLink             *self,
                                                   ShoalGoodbyeCode       code,
                                                   const gchar           *message);
void                shoal_link_abort              (ShoalLink             *self,
                                                   ShoalGoodbyeCode       code,
                                                   const gchar           *reason);

gboolean            shoal_link_get_outbound       (ShoalLink             *self);
gboolean            shoal_link_get_established    (ShoalLink             *self);
const ShoalHello   *shoal_link_get_remote_hello   (ShoalLink             *self);
GInetSocketAddress *shoal_link_get_remote_address (ShoalLink             *self);

G_END_DECLS
