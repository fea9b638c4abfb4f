/* test-paths.c: the path each peer's link takes
 *
 * Two nodes on loopback: the path of each one's peer is set when the link
 * comes up, agrees with the other end's, is notified once per change, and
 * is cleared when the link goes; a link that comes back brings a new path.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "shoal-node.h"
#include "shoal-test-nodes.h"
#include "shoal-test-scratch.h"

#define TIMEOUT_MS 10000

typedef struct {
  gchar     *tmpdir;  /* (owned) */
  ShoalNode *alice;   /* (owned) (nullable) */
  ShoalNode *bob;     /* (owned) (nullable) */
  guint      notified[3];  /* interface, local-address, remote-address */
} Fixture;

static void
stop_node (ShoalNode **node)
{
  if (*node == NULL)
    return;
  shoal_node_stop (*node);
  g_clear_object (node);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->tmpdir = shoal_test_scratch_dir ("paths");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  stop_node (&f->alice);
  stop_node (&f->bob);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  shoal_test_scratch_remove (f->tmpdir);
  g_free (f->tmpdir);
}

static ShoalNode *
start (Fixture     *f,
       const gchar *name,
       guint16      port)
{
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, name, NULL);

  return shoal_test_node_start (name, state_dir, port);
}

typedef struct {
  ShoalNode *a;
  ShoalNode *b;
} Pair;

static gboolean
linked (gpointer data)
{
  Pair *pair = data;

  return shoal_test_node_sees (pair->a, pair->b) && shoal_test_node_sees (pair->b, pair->a);
}

static gboolean
unlinked (gpointer data)
{
  ShoalPeer *peer = data;

  return !shoal_peer_get_connected (peer);
}

static void
path_notify_cb (ShoalPeer  *peer,
                GParamSpec *pspec,
                Fixture    *f)
{
  if (g_str_equal (pspec->name, "interface"))
    f->notified[0]++;
  else if (g_str_equal (pspec->name, "local-address"))
    f->notified[1]++;
  else if (g_str_equal (pspec->name, "remote-address"))
    f->notified[2]++;
}

static void
assert_notified (Fixture *f,
                 guint    times)
{
  for (guint i = 0; i < G_N_ELEMENTS (f->notified); i++)
    g_assert_cmpuint (f->notified[i], ==, times);
}

static void
assert_no_path (ShoalPeer *peer)
{
  g_assert_cmpstr (shoal_peer_get_interface (peer), ==, "");
  g_assert_cmpstr (shoal_peer_get_local_address (peer), ==, "");
  g_assert_cmpstr (shoal_peer_get_remote_address (peer), ==, "");
}

/* Both ends of one link: each one's local address is the other's remote. */
static void
assert_paths_agree (ShoalPeer *seen_by_alice,
                    ShoalPeer *seen_by_bob,
                    guint16    bob_port)
{
  g_autofree gchar *bob_end = g_strdup_printf ("127.0.0.1:%u", bob_port);
  g_autofree gchar *interface = NULL;

  g_assert_cmpstr (shoal_peer_get_interface (seen_by_alice), ==, "lo");
  g_assert_cmpstr (shoal_peer_get_interface (seen_by_bob), ==, "lo");
  /* Alice dialled: Bob's end is his listening port, hers an ephemeral one. */
  g_assert_cmpstr (shoal_peer_get_remote_address (seen_by_alice), ==, bob_end);
  g_assert_cmpstr (shoal_peer_get_local_address (seen_by_bob), ==, bob_end);
  g_assert_cmpstr (shoal_peer_get_local_address (seen_by_alice), ==,
                   shoal_peer_get_remote_address (seen_by_bob));
  g_assert_true (g_str_has_prefix (shoal_peer_get_local_address (seen_by_alice), "127.0.0.1:"));
  g_assert_cmpstr (shoal_peer_get_local_address (seen_by_alice), !=, bob_end);

  g_object_get (seen_by_alice, "interface", &interface, NULL);
  g_assert_cmpstr (interface, ==, "lo");
}

static void
test_paths_follow_links (Fixture       *f,
                         gconstpointer  data)
{
  Pair pair;
  ShoalPeer *bob_seen;
  ShoalPeer *alice_seen;
  g_autofree gchar *first_local = NULL;
  g_autofree gchar *cache = NULL;
  guint16 bob_port;

  g_test_summary ("A peer's interface, local-address and remote-address are the two ends of "
                  "its link, as the other node sees them swapped; set once when the link comes "
                  "up (one notify each), cleared when it goes, set anew when a link comes back");

  f->bob = start (f, "bob", 0);
  bob_port = shoal_node_get_port (f->bob);
  f->alice = start (f, "alice", 0);
  shoal_test_node_dial (f->alice, bob_port);
  pair = (Pair) { f->alice, f->bob };
  g_assert_true (shoal_test_nodes_wait (linked, &pair, TIMEOUT_MS));

  bob_seen = g_object_ref (shoal_node_lookup_peer (f->alice, shoal_node_get_id (f->bob)));
  alice_seen = shoal_node_lookup_peer (f->bob, shoal_node_get_id (f->alice));
  assert_paths_agree (bob_seen, alice_seen, bob_port);
  first_local = g_strdup (shoal_peer_get_local_address (bob_seen));

  g_signal_connect (bob_seen, "notify", G_CALLBACK (path_notify_cb), f);
  /* Heartbeats and counters move; the path does not. */
  shoal_test_nodes_run (300);
  assert_notified (f, 0);

  /* Bob leaves: the peer has no link, and no path. */
  stop_node (&f->bob);
  g_assert_true (shoal_test_nodes_wait (unlinked, bob_seen, TIMEOUT_MS));
  assert_no_path (bob_seen);
  assert_notified (f, 1);

  /* Back on the same port: Alice dials again, over a new connection. Bob
   * forgets where Alice answered, so that he does not dial her too and
   * make the link that survives a matter of timing. */
  cache = g_build_filename (f->tmpdir, "bob", "addresses", NULL);
  g_unlink (cache);
  f->bob = start (f, "bob", bob_port);
  pair = (Pair) { f->alice, f->bob };
  g_assert_true (shoal_test_nodes_wait (linked, &pair, TIMEOUT_MS));
  g_assert_true (shoal_node_lookup_peer (f->alice, shoal_node_get_id (f->bob)) == bob_seen);
  alice_seen = shoal_node_lookup_peer (f->bob, shoal_node_get_id (f->alice));
  assert_paths_agree (bob_seen, alice_seen, bob_port);
  g_assert_cmpstr (shoal_peer_get_local_address (bob_seen), !=, first_local);
  assert_notified (f, 2);

  g_signal_handlers_disconnect_by_data (bob_seen, f);
  g_object_unref (bob_seen);
}

static void
test_paths_unlinked (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(ShoalPeer) peer = NULL;
  g_autofree gchar *interface = NULL;
  g_autofree gchar *local = NULL;
  g_autofree gchar *remote = NULL;

  g_test_summary ("A peer that never linked up has an empty path, never NULL");

  peer = g_object_new (SHOAL_TYPE_PEER, "id", "0123456789abcdef0123456789abcdef", NULL);
  assert_no_path (peer);
  g_object_get (peer, "interface", &interface, "local-address", &local,
                "remote-address", &remote, NULL);
  g_assert_cmpstr (interface, ==, "");
  g_assert_cmpstr (local, ==, "");
  g_assert_cmpstr (remote, ==, "");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/paths/follow-links", Fixture, NULL, fixture_setup, test_paths_follow_links,
              fixture_teardown);
  g_test_add ("/paths/unlinked", Fixture, NULL, fixture_setup, test_paths_unlinked,
              fixture_teardown);

  return g_test_run ();
}
