/* shoal-dial.h: connect to the first of several addresses that answers (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void               shoal_dial_async  (GSocketClient       *client,
                                      GPtrArray           *addresses,
                                      guint                probe_ms,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GSocketConnection *shoal_dial_finish (GAsyncResult        *result,
                                      GError             **error);

G_END_DECLS
