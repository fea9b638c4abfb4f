/* fuzz-common.h: what every libFuzzer target of Shoal shares
 *
 * The entry points libFuzzer calls, and a log writer that makes a GLib
 * warning or critical (a g_return_if_fail() that a stranger's bytes reached,
 * say) a crash the fuzzer reports, while formatting and dropping every other
 * message, so that the engine's logging of untrusted strings runs too without
 * filling the fuzzer's output.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  g_autofree gchar *line = g_log_writer_format_fields (log_level, fields, n_fields, FALSE);

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      fprintf (stderr, "%s\n", line);
      abort ();
    }

  return G_LOG_WRITER_HANDLED;
}

static inline void
fuzz_init (void)
{
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
}
