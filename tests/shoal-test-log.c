/* shoal-test-log.c: what a test program's nodes said
 *
 * Messages and warnings are kept as well as printed. The nodes of a test
 * share its process, so a test tells their lines apart by what they name
 * (a peer id, an address).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-test-log.h"

static GMutex log_lock;
static GPtrArray *log_lines;

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_WARNING))
    {
      for (gsize i = 0; i < n_fields; i++)
        if (g_str_equal (fields[i].key, "MESSAGE"))
          {
            g_mutex_lock (&log_lock);
            g_ptr_array_add (log_lines, g_strdup (fields[i].value));
            g_mutex_unlock (&log_lock);
          }
    }

  return g_log_writer_default (level, fields, n_fields, user_data);
}

/**
 * shoal_test_log_capture:
 *
 * Starts keeping what is logged at message and warning level. For main(),
 * before anything logs: GLib takes one writer per process, once.
 */
void
shoal_test_log_capture (void)
{
  log_lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture_writer, NULL, NULL);
}

/**
 * shoal_test_log_count:
 * @needle: what a line must contain (case matters)
 * @also: (nullable): what it must contain too
 *
 * Returns: how many lines kept since the last shoal_test_log_clear() hold
 *   @needle, and @also if not %NULL
 */
guint
shoal_test_log_count (const gchar *needle,
                      const gchar *also)
{
  guint count = 0;

  g_mutex_lock (&log_lock);
  for (guint i = 0; i < log_lines->len; i++)
    {
      const gchar *line = g_ptr_array_index (log_lines, i);

      if (strstr (line, needle) != NULL && (also == NULL || strstr (line, also) != NULL))
        count++;
    }
  g_mutex_unlock (&log_lock);

  return count;
}

gboolean
shoal_test_log_contains (const gchar *needle)
{
  return shoal_test_log_count (needle, NULL) > 0;
}

/* For messages whose first word may be capitalised or not. */
gboolean
shoal_test_log_contains_nocase (const gchar *needle)
{
  g_autofree gchar *lower_needle = g_ascii_strdown (needle, -1);
  gboolean found = FALSE;

  g_mutex_lock (&log_lock);
  for (guint i = 0; i < log_lines->len && !found; i++)
    {
      g_autofree gchar *line = g_ascii_strdown (g_ptr_array_index (log_lines, i), -1);

      found = strstr (line, lower_needle) != NULL;
    }
  g_mutex_unlock (&log_lock);

  return found;
}

void
shoal_test_log_clear (void)
{
  g_mutex_lock (&log_lock);
  g_ptr_array_set_size (log_lines, 0);
  g_mutex_unlock (&log_lock);
}
