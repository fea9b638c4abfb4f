/* test-groups-delivery.c: group messages when members leave and links break,
 * and what a peer may say of its groups
 *
 * Leaving stops delivery, and a group every member left gets nothing;
 * group messages survive cut links; a peer that joins a 257th group is a
 * protocol error on its link alone; 256 groups ride in one hello.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-mesh-private.h"
#include "shoal-node-private.h"
#include "shoal-test-nodes.h"
#include "shoal-test-scratch.h"
#include "test-groups.h"

void
test_groups_leave_stops_delivery (Fixture       *f,
                                  gconstpointer  data)
{
  Expected expected = { f, { 0, 1, 1, 0, 0 } };
  g_autoptr(GBytes) payload = g_bytes_new_static ("ping", 4);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) recipients = NULL;
  Member m = { f, 2 };

  g_test_summary ("Once a node left a group and its peers know, messages to the "
                  "group no longer reach it; once it joins again, they do; a group "
                  "every member left gets nothing until one joins again");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  groups_start_mesh (f);
  groups_join (f->nodes[1], "g");
  groups_join (f->nodes[2], "g");
  groups_wait_known (f);

  g_assert_cmpuint (shoal_node_send_to_group (f->nodes[0], "g", payload, &recipients, &error), !=, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (recipients->len, ==, 2);
  g_clear_pointer (&recipients, g_ptr_array_unref);
  g_assert_true (shoal_test_nodes_wait (groups_counts_reached, &expected, TIMEOUT_MS));

  groups_leave (f->nodes[2], "g");
  g_assert_true (shoal_test_nodes_wait (groups_known, &m, TIMEOUT_MS));
  g_assert_cmpuint (shoal_node_send_to_group (f->nodes[0], "g", payload, &recipients, &error), !=, 0);
  g_assert_no_error (error);
  groups_assert_recipients (f, 0, "g", recipients);
  g_assert_cmpuint (recipients->len, ==, 1);
  g_clear_pointer (&recipients, g_ptr_array_unref);
  expected.counts[1] = 2;
  g_assert_true (shoal_test_nodes_wait (groups_counts_reached, &expected, TIMEOUT_MS));
  shoal_test_nodes_run (300);
  g_assert_cmpuint (f->received[2]->len, ==, 1);

  groups_join (f->nodes[2], "g");
  g_assert_true (shoal_test_nodes_wait (groups_known, &m, TIMEOUT_MS));
  g_assert_cmpuint (shoal_node_send_to_group (f->nodes[0], "g", payload, &recipients, &error), !=, 0);
  g_assert_cmpuint (recipients->len, ==, 2);
  g_clear_pointer (&recipients, g_ptr_array_unref);
  expected.counts[1] = 3;
  expected.counts[2] = 2;
  g_assert_true (shoal_test_nodes_wait (groups_counts_reached, &expected, TIMEOUT_MS));

  /* Every member gone, the sender forgets the group (and the one it looked
   * up last): a message goes to nobody, and to the first to join again. */
  {
    Member one = { f, 1 };

    groups_leave (f->nodes[1], "g");
    groups_leave (f->nodes[2], "g");
    g_assert_true (shoal_test_nodes_wait (groups_known, &one, TIMEOUT_MS));
    g_assert_true (shoal_test_nodes_wait (groups_known, &m, TIMEOUT_MS));
    g_assert_cmpuint (shoal_node_send_to_group (f->nodes[0], "g", payload, &recipients, &error),
                      !=, 0);
    g_assert_no_error (error);
    g_assert_cmpuint (recipients->len, ==, 0);
    g_clear_pointer (&recipients, g_ptr_array_unref);

    groups_join (f->nodes[1], "g");
    g_assert_true (shoal_test_nodes_wait (groups_known, &one, TIMEOUT_MS));
    g_assert_cmpuint (shoal_node_send_to_group (f->nodes[0], "g", payload, &recipients, &error),
                      !=, 0);
    groups_assert_recipients (f, 0, "g", recipients);
    g_assert_cmpuint (recipients->len, ==, 1);
    expected.counts[1] = 4;
    g_assert_true (shoal_test_nodes_wait (groups_counts_reached, &expected, TIMEOUT_MS));
    shoal_test_nodes_run (300);
    g_assert_cmpuint (f->received[2]->len, ==, 2);
  }
}

void
test_groups_across_cuts (Fixture       *f,
                         gconstpointer  data)
{
  const guint count = 300;
  Expected expected = { f, { 0, count, 0, 0, 0 } };

  g_test_summary ("Group messages keep the delivery guarantees across links cut "
                  "without a goodbye: each arrives once, in order, byte for byte, "
                  "and each is reported delivered once");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  groups_start_node (f, 0);
  groups_start_node (f, 1);
  groups_link_node (f, 1);
  g_assert_true (shoal_test_nodes_wait (groups_all_linked, f, TIMEOUT_MS));
  groups_join (f->nodes[1], "g");
  {
    Member m = { f, 1 };

    g_assert_true (shoal_test_nodes_wait (groups_known, &m, TIMEOUT_MS));
  }

  for (guint k = 0; k < count; k++)
    {
      g_autoptr(GBytes) payload = groups_make_payload (0, "g", k);
      g_autoptr(GPtrArray) recipients = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_cmpuint (shoal_node_send_to_group (f->nodes[0], "g", payload, &recipients, &error),
                        !=, 0);
      g_assert_no_error (error);
      g_assert_cmpuint (recipients->len, ==, 1);
      if (k % 100 == 50)
        {
          /* As a broken network would: no goodbye, what was sent is sent again. */
          shoal_node_sever_links (k % 200 == 50 ? f->nodes[0] : f->nodes[1]);
          shoal_test_nodes_run (5);
        }
      if (k % 20 == 0)
        shoal_test_nodes_run (1);
    }

  g_assert_true (shoal_test_nodes_wait (groups_counts_reached, &expected, TIMEOUT_MS));
  while (f->delivered < count && g_main_context_iteration (NULL, TRUE))
    ;
  shoal_test_nodes_run (300);
  g_assert_cmpuint (f->received[1]->len, ==, count);
  for (guint k = 0; k < count; k++)
    {
      Received *got = g_ptr_array_index (f->received[1], k);
      g_autoptr(GBytes) want = groups_make_payload (0, "g", k);

      g_assert_cmpstr (got->group, ==, "g");
      g_assert_true (g_bytes_equal (got->payload, want));
    }
  g_assert_cmpuint (f->delivered, ==, count);
  g_assert_cmpuint (f->failed, ==, 0);
}

static void
disconnected_cb (ShoalNode   *node,
                 ShoalPeer   *peer,
                 const gchar *reason,
                 GPtrArray   *reasons)
{
  g_ptr_array_add (reasons, g_strdup (reason));
}

static gboolean
has_reason (gpointer data)
{
  return ((GPtrArray *) data)->len > 0;
}

void
test_groups_join_beyond_limit (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GPtrArray) reasons = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) links = NULL;
  ShoalLink *link = NULL;

  g_test_summary ("A peer that joins a 257th group is a protocol error on its link, and "
                  "on no other: the receiver closes that link, its other peers stay");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  groups_start_node (f, 0);
  groups_start_node (f, 1);
  groups_start_node (f, 2);
  groups_link_node (f, 1);
  groups_link_node (f, 2);
  g_assert_true (shoal_test_nodes_wait (groups_all_linked, f, TIMEOUT_MS));
  g_signal_connect (f->nodes[1], "peer-disconnected", G_CALLBACK (disconnected_cb), reasons);

  /* Node 0 says more than a node may: its API would refuse, its link not. */
  links = shoal_mesh_links_snapshot (shoal_node_get_mesh (f->nodes[0]));
  for (guint i = 0; i < links->len; i++)
    {
      const ShoalHello *hello = shoal_link_get_remote_hello (g_ptr_array_index (links, i));

      if (hello != NULL && g_strcmp0 (hello->peer_id, shoal_node_get_id (f->nodes[1])) == 0)
        link = g_ptr_array_index (links, i);
    }
  g_assert_nonnull (link);
  for (guint i = 0; i <= 256; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("g%03u", i);

      g_assert_true (shoal_link_send_membership (link, SHOAL_FRAME_JOIN, name));
    }

  g_assert_true (shoal_test_nodes_wait (has_reason, reasons, TIMEOUT_MS));
  g_test_message ("node 1 says: %s", (const gchar *) g_ptr_array_index (reasons, 0));
  /* The words ("beyond the limit of 256") go to the log; scripts get the code. */
  g_assert_cmpstr (g_ptr_array_index (reasons, 0), ==, "protocol-error");
  /* The other link carries on. */
  g_assert_true (shoal_test_node_sees (f->nodes[1], f->nodes[2]));
  g_assert_true (shoal_test_node_sees (f->nodes[2], f->nodes[1]));
  g_assert_true (shoal_test_node_sees (f->nodes[2], f->nodes[0]));
}

void
test_groups_over_limit_hello (Fixture       *f,
                              gconstpointer  data)
{
  g_test_summary ("A peer in 256 groups links up and all 256 are known; its groups "
                  "ride in one hello");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  groups_start_node (f, 0);
  for (guint i = 0; i < 256; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("%03u%s", i, "-a-long-group-name-to-fill-the-hello");

      groups_join (f->nodes[0], name);
    }
  groups_start_node (f, 1);
  groups_link_node (f, 1);
  g_assert_true (shoal_test_nodes_wait (groups_all_linked, f, TIMEOUT_MS));
  {
    Member m = { f, 0 };

    g_assert_true (groups_known (&m));
  }
  g_assert_cmpuint (f->events[1]->len, ==, 256);
}
