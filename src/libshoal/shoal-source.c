/* shoal-source.c: timers in a given main context
 *
 * The engine runs in the context it was created in, which need not be the
 * global default one that g_timeout_add() and g_source_remove() use. Its
 * objects therefore keep their sources as owned pointers, attached to their
 * own context, and destroy them through the pointer.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-source.h"

/**
 * shoal_timeout_attach:
 * @context: the context to run @func in
 * @ms: milliseconds from now
 * @func: the callback
 * @data: for @func
 * @notify: (nullable): frees @data when the source goes
 * @name: a static name for debuggers and profilers
 *
 * Returns: (transfer full): the attached source; keep it to destroy it with
 *   shoal_source_clear()
 */
GSource *
shoal_timeout_attach (GMainContext   *context,
                      guint           ms,
                      GSourceFunc     func,
                      gpointer        data,
                      GDestroyNotify  notify,
                      const gchar    *name)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, name);
  g_source_attach (source, context);
  return source;
}

/**
 * shoal_source_clear:
 * @source: (inout) (nullable): a source kept by its owner
 *
 * Destroys *@source, drops the owner's reference and sets it to %NULL.
 */
void
shoal_source_clear (GSource **source)
{
  if (*source == NULL)
    return;

  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}
