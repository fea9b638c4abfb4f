/* shoal-source.h: timers in a given main context (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

GSource *shoal_timeout_attach (GMainContext   *context,
                               guint           ms,
                               GSourceFunc     func,
                               gpointer        data,
                               GDestroyNotify  notify,
                               const gchar    *name);
void     shoal_source_clear   (GSource       **source);

G_END_DECLS
