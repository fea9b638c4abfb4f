/* test-groups.c: groups across five nodes in one process
 *
 * Five nodes on loopback in a full mesh, with overlapping groups: a message
 * to a group reaches exactly the members, byte for byte and in order; every
 * peer sees a join and a leave; a node that joins the mesh knows the others'
 * groups as soon as it is linked to them, and they know its own. The
 * program's fixture and helpers (test-groups.h) are here too;
 * test-groups-delivery.c has leaving, cut links and what a peer may say,
 * test-groups-limits.c what a node refuses.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-node-private.h"
#include "shoal-test-nodes.h"
#include "shoal-test-scratch.h"
#include "test-groups.h"

static void
received_free (Received *r)
{
  g_free (r->from);
  g_free (r->group);
  g_bytes_unref (r->payload);
  g_free (r);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->tmpdir = shoal_test_scratch_dir ("groups");
  for (guint i = 0; i < N_NODES; i++)
    {
      f->received[i] = g_ptr_array_new_with_free_func ((GDestroyNotify) received_free);
      f->events[i] = g_ptr_array_new_with_free_func (g_free);
    }
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gboolean parent = !g_test_subprocess ();

  for (guint i = 0; i < N_NODES; i++)
    {
      if (f->nodes[i] != NULL)
        {
          g_signal_handlers_disconnect_matched (f->nodes[i], G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                                                NULL, f);
          shoal_node_stop (f->nodes[i]);
          g_clear_object (&f->nodes[i]);
        }
      g_ptr_array_unref (f->received[i]);
      g_ptr_array_unref (f->events[i]);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  shoal_test_scratch_remove (f->tmpdir);
  g_free (f->tmpdir);
  if (parent && !f->child_passed)
    g_test_fail ();
}

static guint
index_of (Fixture   *f,
          ShoalNode *node)
{
  for (guint i = 0; i < N_NODES; i++)
    if (f->nodes[i] == node)
      return i;
  g_assert_not_reached ();
}

static void
message_received_cb (ShoalNode *node,
                     ShoalPeer *peer,
                     GBytes    *payload,
                     gboolean   broadcast,
                     Fixture   *f)
{
  Received *r = g_new0 (Received, 1);

  r->from = g_strdup (shoal_peer_get_id (peer));
  r->group = g_strdup (shoal_node_get_message_group (node));
  r->payload = g_bytes_ref (payload);
  r->broadcast = broadcast;
  g_ptr_array_add (f->received[index_of (f, node)], r);
}

static void
joined_cb (ShoalNode   *node,
           ShoalPeer   *peer,
           const gchar *group,
           Fixture     *f)
{
  g_assert_true (g_strv_contains (shoal_peer_get_groups (peer), group));
  g_ptr_array_add (f->events[index_of (f, node)],
                   g_strdup_printf ("+%s %s", shoal_peer_get_id (peer), group));
}

static void
left_cb (ShoalNode   *node,
         ShoalPeer   *peer,
         const gchar *group,
         Fixture     *f)
{
  g_assert_false (g_strv_contains (shoal_peer_get_groups (peer), group));
  g_ptr_array_add (f->events[index_of (f, node)],
                   g_strdup_printf ("-%s %s", shoal_peer_get_id (peer), group));
}

static void
delivered_cb (ShoalNode *node,
              ShoalPeer *peer,
              guint64    id,
              Fixture   *f)
{
  f->delivered++;
}

static void
failed_cb (ShoalNode   *node,
           ShoalPeer   *peer,
           guint64      id,
           const gchar *reason,
           Fixture     *f)
{
  f->failed++;
}

void
groups_start_node (Fixture *f,
            guint    i)
{
  g_autofree gchar *name = g_strdup_printf ("node%u", i);
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, name, NULL);

  f->nodes[i] = shoal_test_node_start (name, state_dir, 0);
  g_signal_connect (f->nodes[i], "message-received", G_CALLBACK (message_received_cb), f);
  g_signal_connect (f->nodes[i], "peer-joined-group", G_CALLBACK (joined_cb), f);
  g_signal_connect (f->nodes[i], "peer-left-group", G_CALLBACK (left_cb), f);
  g_signal_connect (f->nodes[i], "message-delivered", G_CALLBACK (delivered_cb), f);
  g_signal_connect (f->nodes[i], "message-failed", G_CALLBACK (failed_cb), f);
}

gboolean
groups_all_linked (gpointer data)
{
  Fixture *f = data;

  for (guint i = 0; i < N_NODES; i++)
    for (guint j = 0; j < N_NODES; j++)
      if (i != j && f->nodes[i] != NULL && f->nodes[j] != NULL &&
          !shoal_test_node_sees (f->nodes[i], f->nodes[j]))
        return FALSE;
  return TRUE;
}

/* Node @i dials every node before it: a full mesh, one link a pair. */
void
groups_link_node (Fixture *f,
           guint    i)
{
  for (guint j = 0; j < i; j++)
    if (f->nodes[j] != NULL)
      shoal_test_node_dial (f->nodes[i], shoal_node_get_port (f->nodes[j]));
}

void
groups_start_mesh (Fixture *f)
{
  for (guint i = 0; i < N_NODES; i++)
    groups_start_node (f, i);
  for (guint i = 0; i < N_NODES; i++)
    groups_link_node (f, i);
  g_assert_true (shoal_test_nodes_wait (groups_all_linked, f, TIMEOUT_MS));
}

void
groups_join (ShoalNode   *node,
      const gchar *group)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_node_join (node, group, &error));
  g_assert_no_error (error);
}

void
groups_leave (ShoalNode   *node,
       const gchar *group)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_node_leave (node, group, &error));
  g_assert_no_error (error);
}


gboolean
groups_known (gpointer data)
{
  Member *m = data;
  Fixture *f = m->f;
  const gchar * const *own = shoal_node_get_groups (f->nodes[m->i]);

  for (guint j = 0; j < N_NODES; j++)
    {
      ShoalPeer *peer;

      if (j == m->i || f->nodes[j] == NULL)
        continue;
      peer = shoal_node_lookup_peer (f->nodes[j], shoal_node_get_id (f->nodes[m->i]));
      if (peer == NULL || !g_strv_equal (shoal_peer_get_groups (peer), own))
        return FALSE;
    }
  return TRUE;
}

void
groups_wait_known (Fixture *f)
{
  for (guint i = 0; i < N_NODES; i++)
    {
      Member m = { f, i };

      if (f->nodes[i] != NULL)
        g_assert_true (shoal_test_nodes_wait (groups_known, &m, TIMEOUT_MS));
    }
}

/* Message @k from node @from to @group: its number and bytes that are not
 * text, of a length that varies. */
GBytes *
groups_make_payload (guint        from,
              const gchar *group,
              guint        k)
{
  GByteArray *bytes = g_byte_array_new ();
  g_autofree gchar *head = g_strdup_printf ("%u/%s/%u", from, group, k);
  guint extra = (k * 37) % 3000;

  g_byte_array_append (bytes, (const guint8 *) head, (guint) strlen (head) + 1);
  for (guint i = 0; i < extra; i++)
    {
      guint8 b = (guint8) (i * 7 + k);

      g_byte_array_append (bytes, &b, 1);
    }
  return g_byte_array_free_to_bytes (bytes);
}


gboolean
groups_counts_reached (gpointer data)
{
  Expected *e = data;

  for (guint i = 0; i < N_NODES; i++)
    if (e->f->received[i]->len < e->counts[i])
      return FALSE;
  return TRUE;
}

static gboolean
in_group (Fixture     *f,
          guint        i,
          const gchar *group)
{
  return g_strv_contains (shoal_node_get_groups (f->nodes[i]), group);
}

/* The recipients are exactly the members of @group but @from. */
void
groups_assert_recipients (Fixture     *f,
                   guint        from,
                   const gchar *group,
                   GPtrArray   *recipients)
{
  guint members = 0;

  for (guint i = 0; i < N_NODES; i++)
    {
      gboolean listed = FALSE;

      for (guint r = 0; r < recipients->len; r++)
        if (g_str_equal (shoal_peer_get_id (g_ptr_array_index (recipients, r)),
                         shoal_node_get_id (f->nodes[i])))
          listed = TRUE;
      g_assert_cmpint (listed, ==, i != from && in_group (f, i, group));
      members += listed;
    }
  g_assert_cmpuint (recipients->len, ==, members);
}

static void
test_fan_out (Fixture       *f,
              gconstpointer  data)
{
  /* Who sends what: node 4 is in no group it sends to; node 2 is in both. */
  const struct {
    guint from;
    const gchar *group;
  } streams[] = {
    { 4, "red" },
    { 4, "blue" },
    { 0, "red" },
    { 3, "blue" },
    { 1, "nobody" },
  };
  const guint per_stream = 60;
  Expected expected = { f, { 0, } };
  guint sent_to = 0;

  g_test_summary ("Five nodes, overlapping groups: each group message reaches exactly "
                  "the members but its sender, byte for byte, in order, with its group, "
                  "and each recipient reports it delivered");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  groups_start_mesh (f);
  groups_join (f->nodes[0], "red");
  groups_join (f->nodes[1], "red");
  groups_join (f->nodes[2], "red");
  groups_join (f->nodes[2], "blue");
  groups_join (f->nodes[3], "blue");
  groups_join (f->nodes[4], "green");
  groups_wait_known (f);

  for (guint k = 0; k < per_stream; k++)
    for (gsize s = 0; s < G_N_ELEMENTS (streams); s++)
      {
        g_autoptr(GBytes) payload = groups_make_payload (streams[s].from, streams[s].group, k);
        g_autoptr(GPtrArray) recipients = NULL;
        g_autoptr(GError) error = NULL;
        guint64 id;

        id = shoal_node_send_to_group (f->nodes[streams[s].from], streams[s].group, payload,
                                       &recipients, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (id, !=, 0);
        groups_assert_recipients (f, streams[s].from, streams[s].group, recipients);
        sent_to += recipients->len;
        for (guint i = 0; i < N_NODES; i++)
          if (i != streams[s].from && in_group (f, i, streams[s].group))
            expected.counts[i]++;
      }

  g_assert_true (shoal_test_nodes_wait (groups_counts_reached, &expected, TIMEOUT_MS));
  /* Anything that was sent to a non-member would have arrived by now. */
  shoal_test_nodes_run (300);

  for (guint i = 0; i < N_NODES; i++)
    {
      guint next[G_N_ELEMENTS (streams)] = { 0, };

      g_assert_cmpuint (f->received[i]->len, ==, expected.counts[i]);
      for (guint r = 0; r < f->received[i]->len; r++)
        {
          Received *got = g_ptr_array_index (f->received[i], r);
          gsize s;
          g_autoptr(GBytes) want = NULL;

          g_assert_nonnull (got->group);
          g_assert_false (got->broadcast);
          g_assert_true (in_group (f, i, got->group));
          for (s = 0; s < G_N_ELEMENTS (streams); s++)
            if (g_str_equal (got->from, shoal_node_get_id (f->nodes[streams[s].from])) &&
                g_str_equal (got->group, streams[s].group))
              break;
          g_assert_cmpuint (s, <, G_N_ELEMENTS (streams));
          /* In order: the next of its stream, byte for byte. */
          want = groups_make_payload (streams[s].from, streams[s].group, next[s]++);
          g_assert_cmpmem (g_bytes_get_data (got->payload, NULL), g_bytes_get_size (got->payload),
                           g_bytes_get_data (want, NULL), g_bytes_get_size (want));
        }
    }

  /* Node 4, in no group it sent to, received nothing; "nobody" reached nobody. */
  g_assert_cmpuint (f->received[4]->len, ==, 0);
  g_assert_cmpuint (expected.counts[0], ==, per_stream);
  g_assert_cmpuint (expected.counts[2], ==, 4 * per_stream);

  {
    Fixture *ff = f;

    while (ff->delivered < sent_to && g_main_context_iteration (NULL, TRUE))
      ;
  }
  g_assert_cmpuint (f->delivered, ==, sent_to);
  g_assert_cmpuint (f->failed, ==, 0);
}

static gboolean
events_reached (gpointer data)
{
  Expected *e = data;

  for (guint i = 0; i < N_NODES; i++)
    if (e->f->events[i]->len < e->counts[i])
      return FALSE;
  return TRUE;
}

static void
assert_event_everywhere (Fixture     *f,
                         guint        who,
                         gboolean     joined,
                         const gchar *group)
{
  g_autofree gchar *event = g_strdup_printf ("%c%s %s", joined ? '+' : '-',
                                             shoal_node_get_id (f->nodes[who]), group);

  for (guint i = 0; i < N_NODES; i++)
    {
      if (i == who)
        {
          g_assert_cmpuint (f->events[i]->len, ==, 0);
          continue;
        }
      g_assert_cmpuint (f->events[i]->len, ==, 1);
      g_assert_cmpstr (g_ptr_array_index (f->events[i], 0), ==, event);
      g_ptr_array_set_size (f->events[i], 0);
    }
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_join_leave_seen (Fixture       *f,
                      gconstpointer  data)
{
  Expected expected = { f, { 1, 0, 1, 1, 1 } };
  guint own_notifies = 0;
  guint peer_notifies = 0;
  ShoalPeer *seen;

  g_test_summary ("A join and a leave are seen by every peer at once: "
                  "peer-joined-group, peer-left-group and notify::groups on the "
                  "peer, and notify::groups on the node itself");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  groups_start_mesh (f);
  seen = shoal_node_lookup_peer (f->nodes[0], shoal_node_get_id (f->nodes[1]));
  g_signal_connect (seen, "notify::groups", G_CALLBACK (count_notify), &peer_notifies);
  g_signal_connect (f->nodes[1], "notify::groups", G_CALLBACK (count_notify), &own_notifies);

  groups_join (f->nodes[1], "players");
  g_assert_cmpuint (own_notifies, ==, 1);
  g_assert_true (g_strv_equal (shoal_node_get_groups (f->nodes[1]),
                               (const gchar *[]) { "players", NULL }));
  g_assert_true (shoal_test_nodes_wait (events_reached, &expected, TIMEOUT_MS));
  assert_event_everywhere (f, 1, TRUE, "players");
  g_assert_cmpuint (peer_notifies, ==, 1);

  /* Joining again changes nothing and tells nobody. */
  groups_join (f->nodes[1], "players");
  g_assert_cmpuint (own_notifies, ==, 1);

  groups_leave (f->nodes[1], "players");
  g_assert_cmpuint (own_notifies, ==, 2);
  g_assert_true (shoal_test_nodes_wait (events_reached, &expected, TIMEOUT_MS));
  assert_event_everywhere (f, 1, FALSE, "players");
  g_assert_cmpuint (peer_notifies, ==, 2);
  g_assert_cmpuint (g_strv_length ((GStrv) shoal_peer_get_groups (seen)), ==, 0);

  /* Leaving what it is not in is no change either. */
  groups_leave (f->nodes[1], "players");
  shoal_test_nodes_run (200);
  for (guint i = 0; i < N_NODES; i++)
    g_assert_cmpuint (f->events[i]->len, ==, 0);
  g_assert_cmpuint (own_notifies, ==, 2);
}

static void
connected_check_cb (ShoalNode *node,
                    ShoalPeer *peer,
                    Fixture   *f)
{
  /* At the moment the link is up, the peer's groups are known already. */
  for (guint i = 0; i < N_NODES; i++)
    if (f->nodes[i] != NULL && g_str_equal (shoal_node_get_id (f->nodes[i]), shoal_peer_get_id (peer)))
      g_assert_true (g_strv_equal (shoal_peer_get_groups (peer), shoal_node_get_groups (f->nodes[i])));
}

static void
test_newcomer (Fixture       *f,
               gconstpointer  data)
{
  g_test_summary ("A node that joins the mesh knows every peer's groups the moment "
                  "its link to the peer is up, and the peers know its groups, joined "
                  "before it started, as soon");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;
  for (guint i = 0; i < N_NODES - 1; i++)
    groups_start_node (f, i);
  for (guint i = 0; i < N_NODES - 1; i++)
    groups_link_node (f, i);
  g_assert_true (shoal_test_nodes_wait (groups_all_linked, f, TIMEOUT_MS));
  groups_join (f->nodes[0], "red");
  groups_join (f->nodes[1], "red");
  groups_join (f->nodes[1], "blue");
  groups_join (f->nodes[3], "Küche ✓");
  groups_wait_known (f);

  /* The newcomer joins before it starts: its first hellos say so. */
  {
    g_autofree gchar *state_dir = g_build_filename (f->tmpdir, "node4", NULL);
    ShoalNode *node = shoal_node_new ("node4", 0, state_dir);
    g_autoptr(GError) error = NULL;

    groups_join (node, "blue");
    groups_join (node, "green");
    shoal_node_set_listen_address (node, "127.0.0.1");
    shoal_node_set_mdns (node, FALSE);
    f->nodes[4] = node;
    g_signal_connect (node, "peer-connected", G_CALLBACK (connected_check_cb), f);
    for (guint i = 0; i < N_NODES - 1; i++)
      g_signal_connect (f->nodes[i], "peer-connected", G_CALLBACK (connected_check_cb), f);
    g_signal_connect (node, "peer-joined-group", G_CALLBACK (joined_cb), f);
    g_assert_true (shoal_node_start (node, &error));
    g_assert_no_error (error);
    groups_link_node (f, 4);
  }
  g_assert_true (shoal_test_nodes_wait (groups_all_linked, f, TIMEOUT_MS));

  /* Right when linked: no waiting for the groups to follow. */
  for (guint i = 0; i < N_NODES; i++)
    {
      Member m = { f, i };

      g_assert_true (groups_known (&m));
    }
  /* And the newcomer heard of each group of each peer once. */
  g_assert_cmpuint (f->events[4]->len, ==, 4);
  for (guint i = 0; i < N_NODES - 1; i++)
    g_assert_cmpuint (f->events[i]->len, >=, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/groups/fan-out", test_fan_out);
  ADD ("/groups/join-leave-seen", test_join_leave_seen);
  ADD ("/groups/newcomer", test_newcomer);
  ADD ("/groups/leave-stops-delivery", test_groups_leave_stops_delivery);
  ADD ("/groups/across-cuts", test_groups_across_cuts);
  ADD ("/groups/join-beyond-limit", test_groups_join_beyond_limit);
  ADD ("/groups/largest-hello", test_groups_over_limit_hello);
#undef ADD

  return g_test_run ();
}
