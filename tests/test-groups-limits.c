/* test-groups-limits.c: what a node refuses about groups
 *
 * Names that are not 1 to 255 bytes of UTF-8 are refused by join, leave
 * and send with InvalidArgument; a 257th group is refused; sending needs a
 * running node and a message of at most 16 MiB. test-groups.c has groups
 * across nodes.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-node.h"
#include "shoal-test-scratch.h"

static void
join (ShoalNode   *node,
      const gchar *group)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_node_join (node, group, &error));
  g_assert_no_error (error);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_errors (void)
{
  g_autofree gchar *too_long = g_strnfill (256, 'g');
  g_autofree gchar *longest = g_strnfill (255, 'g');
  const gchar *bad[] = { "", too_long, "caf\xc3", "\xff" };
  g_autofree gchar *tmpdir = shoal_test_scratch_dir ("groups-limits");
  g_autofree gchar *state_dir = g_build_filename (tmpdir, "alone", NULL);
  g_autoptr(ShoalNode) node = NULL;
  gboolean child_passed = FALSE;
  g_autoptr(GBytes) payload = g_bytes_new_static ("x", 1);
  g_autoptr(GBytes) huge = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) recipients = NULL;
  guint notifies = 0;

  g_test_summary ("Bad names are refused by join, leave and send with InvalidArgument; "
                  "a 257th group is refused; sending needs a running node and a "
                  "message of at most 16 MiB; the node's groups stay sorted");

  if (!shoal_test_scratch_in_child (&child_passed))
    {
      shoal_test_scratch_remove (tmpdir);
      if (!child_passed)
        g_test_fail ();
      return;
    }
  node = shoal_node_new ("alone", 0, state_dir);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (shoal_group_name_is_valid (bad[i]));
      g_assert_false (shoal_node_join (node, bad[i], &error));
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (shoal_node_leave (node, bad[i], &error));
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_cmpuint (shoal_node_send_to_group (node, bad[i], payload, NULL, &error), ==, 0);
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  g_assert_false (shoal_group_name_is_valid (NULL));
  g_assert_true (shoal_group_name_is_valid (longest));

  /* Not running: joins are kept, sends refused. */
  g_assert_cmpuint (shoal_node_send_to_group (node, "g", payload, &recipients, &error), ==, 0);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_RUNNING);
  g_assert_null (recipients);
  g_clear_error (&error);

  g_signal_connect (node, "notify::groups", G_CALLBACK (count_notify), &notifies);
  for (guint i = 0; i < 256; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("%03u", 255 - i);

      join (node, name);
    }
  g_assert_cmpuint (notifies, ==, 256);
  g_assert_cmpuint (g_strv_length ((GStrv) shoal_node_get_groups (node)), ==, 256);
  g_assert_cmpstr (shoal_node_get_groups (node)[0], ==, "000");
  g_assert_cmpstr (shoal_node_get_groups (node)[255], ==, "255");
  g_assert_false (shoal_node_join (node, "one too many", &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* One it is in already is no new group. */
  join (node, "007");
  g_assert_cmpuint (notifies, ==, 256);

  /* Running, with all 256 in its hello: a message to a group with no member
   * reachable goes to nobody, and is no error. */
  shoal_node_set_listen_address (node, "127.0.0.1");
  shoal_node_set_mdns (node, FALSE);
  g_assert_true (shoal_node_start (node, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_node_send_to_group (node, "007", payload, &recipients, &error), !=, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (recipients->len, ==, 0);

  huge = g_bytes_new_take (g_malloc0 (SHOAL_NODE_MAX_MESSAGE_SIZE + 1),
                           SHOAL_NODE_MAX_MESSAGE_SIZE + 1);
  g_assert_cmpuint (shoal_node_send_to_group (node, "007", huge, NULL, &error), ==, 0);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_MESSAGE_TOO_LARGE);
  g_clear_error (&error);
  shoal_node_stop (node);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/groups-limits/errors", test_errors);

  return g_test_run ();
}
