/* shoal-dialer.h: when to dial a peer again, and the dial in flight (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What a dialer tells its owner. The owner frees the dialer before it goes,
 * which cancels the timer and the connect, so none of these comes late. */
typedef struct {
  /* The wait is over: call shoal_dialer_dial() now, or decide not to. */
  void (*due)       (gpointer           owner);
  /* A connection is made; the owner's handshake decides whether it counts. */
  void (*connected) (gpointer           owner,
                     GSocketConnection *connection);
  /* No address answered; @error is the last address's failure. */
  void (*failed)    (gpointer           owner,
                     const GError      *error);
} ShoalDialerCallbacks;

typedef struct _ShoalDialer ShoalDialer;

ShoalDialer *shoal_dialer_new          (GMainContext               *context,
                                        GSocketClient              *client,
                                        const ShoalDialerCallbacks *callbacks,
                                        gpointer                    owner);
void         shoal_dialer_free         (ShoalDialer                *self);
void         shoal_dialer_schedule     (ShoalDialer                *self,
                                        guint                       at_least_ms);
void         shoal_dialer_dial         (ShoalDialer                *self,
                                        GPtrArray                  *addresses);
void         shoal_dialer_probe_next   (ShoalDialer                *self);
void         shoal_dialer_cancel       (ShoalDialer                *self);
void         shoal_dialer_succeeded    (ShoalDialer                *self);
void         shoal_dialer_failed       (ShoalDialer                *self);
gboolean     shoal_dialer_is_busy      (ShoalDialer                *self);
gboolean     shoal_dialer_is_dialling  (ShoalDialer                *self);
guint        shoal_dialer_get_failures (ShoalDialer                *self);

G_END_DECLS
