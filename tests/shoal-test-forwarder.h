/* shoal-test-forwarder.h: a TCP forwarder on loopback that can go dark
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The forwarder: 127.0.0.1:port → 127.0.0.1:target, every byte, until it
 * is frozen: then it carries nothing more either way and closes nothing, as
 * a network path that went dark would. */
typedef struct {
  GSocketService *service;   /* (owned) */
  GSocketClient  *client;    /* (owned) */
  guint16         port;
  guint16         target;
  gboolean        frozen;
  guint           connections;
  guint           open;
  GPtrArray      *live;      /* (owned) Forwarding (unowned) not yet freed */
  GPtrArray      *parked;    /* (owned) Pump (unowned) stopped by the freeze */
} ShoalTestForwarder;

void shoal_test_forwarder_start (ShoalTestForwarder *forwarder,
                                 guint16             target);
void shoal_test_forwarder_stop  (ShoalTestForwarder *forwarder);

G_END_DECLS
