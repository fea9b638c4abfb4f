/* test-hints.c: hints to dial in a mesh of nodes on loopback: peer
 * exchange, the address cache, and hints that prove false
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-discovery-static.h"
#include "shoal-frame.h"
#include "shoal-mesh-private.h"
#include "shoal-node-private.h"
#include "shoal-test-log.h"
#include "shoal-test-nodes.h"
#include "shoal-test-scratch.h"

#define MAX_NODES 5
#define TIMEOUT_MS 10000

typedef struct {
  gchar     *tmpdir;              /* (owned) */
  ShoalNode *nodes[MAX_NODES];    /* (owned) (nullable) */
  guint      n_nodes;
  guint      disconnects;         /* on every node, since counting began */
  gboolean   child_passed;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->tmpdir = shoal_test_scratch_dir ("hints");
}

static void
stop_node (ShoalNode **node)
{
  if (*node == NULL)
    return;
  g_signal_handlers_disconnect_matched (*node, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, NULL);
  shoal_node_stop (*node);
  g_clear_object (node);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gboolean parent = !g_test_subprocess ();

  for (guint i = 0; i < MAX_NODES; i++)
    stop_node (&f->nodes[i]);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  shoal_test_scratch_remove (f->tmpdir);
  g_free (f->tmpdir);
  if (parent && !f->child_passed)
    g_test_fail ();
}

static void
disconnected_cb (ShoalNode   *node,
                 ShoalPeer   *peer,
                 const gchar *reason,
                 gpointer     user_data)
{
  Fixture *f = user_data;

  g_test_message ("%s lost %s: %s", shoal_node_get_name (node), shoal_peer_get_id (peer), reason);
  f->disconnects++;
}

/* Node @i, in a state directory of its own, on @port of 127.0.0.1. */
static ShoalNode *
start_node (Fixture  *f,
            guint     i,
            guint16   port,
            gboolean  peer_exchange)
{
  g_autofree gchar *name = g_strdup_printf ("node%u", i);
  g_autofree gchar *dir = g_build_filename (f->tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;
  ShoalNode *node = shoal_node_new (name, port, dir);

  g_assert_null (f->nodes[i]);
  shoal_node_set_listen_address (node, "127.0.0.1");
  shoal_node_set_mdns (node, FALSE);
  shoal_node_set_peer_exchange (node, peer_exchange);
  shoal_node_start (node, &error);
  g_assert_no_error (error);
  g_signal_connect (node, "peer-disconnected", G_CALLBACK (disconnected_cb), f);
  f->nodes[i] = node;
  f->n_nodes = MAX (f->n_nodes, i + 1);
  return node;
}

/* Nodes 0..@n-1, each configured with the previous one only: a chain. */
static void
start_chain (Fixture  *f,
             guint     n,
             gboolean  peer_exchange)
{
  for (guint i = 0; i < n; i++)
    {
      ShoalNode *node = start_node (f, i, 0, peer_exchange);

      if (i > 0)
        shoal_test_node_dial (node, shoal_node_get_port (f->nodes[i - 1]));
    }
}

static guint
count_links (Fixture *f)
{
  guint links = 0;

  for (guint i = 0; i < f->n_nodes; i++)
    for (guint j = 0; j < f->n_nodes; j++)
      if (i != j && f->nodes[i] != NULL && f->nodes[j] != NULL &&
          shoal_test_node_sees (f->nodes[i], f->nodes[j]))
        links++;
  return links;
}

static gboolean
full_mesh (gpointer data)
{
  Fixture *f = data;

  return count_links (f) == f->n_nodes * (f->n_nodes - 1);
}

static gboolean
chain_linked (gpointer data)
{
  Fixture *f = data;

  for (guint i = 1; i < f->n_nodes; i++)
    if (!shoal_test_node_sees (f->nodes[i], f->nodes[i - 1]) ||
        !shoal_test_node_sees (f->nodes[i - 1], f->nodes[i]))
      return FALSE;
  return TRUE;
}

static void
test_exchange_mesh (Fixture       *f,
                    gconstpointer  data)
{
  gint64 start;

  g_test_summary ("Peer exchange: five nodes configured as a chain (each knows only the "
                  "previous one, no discovery) form a full mesh, every link of it "
                  "authenticated, and keep it");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  start = g_get_monotonic_time ();
  start_chain (f, MAX_NODES, TRUE);
  g_assert_true (shoal_test_nodes_wait (full_mesh, f, TIMEOUT_MS));
  g_test_message ("full mesh of %u nodes after %" G_GINT64_FORMAT " ms", f->n_nodes,
                  (g_get_monotonic_time () - start) / 1000);

  /* A full mesh stays one: nothing is lost or redialled once it stands. */
  f->disconnects = 0;
  shoal_test_nodes_run (1500);
  g_assert_true (full_mesh (f));
  g_assert_cmpuint (f->disconnects, ==, 0);
  for (guint i = 0; i < f->n_nodes; i++)
    g_assert_cmpuint (shoal_node_count_links (f->nodes[i], TRUE), ==, f->n_nodes - 1);
}

static void
test_exchange_off (Fixture       *f,
                   gconstpointer  data)
{
  g_test_summary ("With peer exchange turned off, a chain of five configured nodes stays "
                  "a chain: no node learns of the others from its neighbours");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  start_chain (f, MAX_NODES, FALSE);
  g_assert_true (shoal_test_nodes_wait (chain_linked, f, TIMEOUT_MS));
  shoal_test_nodes_run (2000);
  g_assert_true (chain_linked (f));
  g_assert_cmpuint (count_links (f), ==, 2 * (f->n_nodes - 1));
  for (guint i = 0; i < f->n_nodes; i++)
    g_assert_cmpuint (g_list_model_get_n_items (shoal_node_get_peers (f->nodes[i])), <=, 2);
}

/* Node @from's live link to node @to. */
static ShoalLink *
link_between (ShoalNode *from,
              ShoalNode *to)
{
  ShoalMesh *mesh = shoal_node_get_mesh (from);
  PeerEntry *entry = g_hash_table_lookup (mesh->entries, shoal_node_get_id (to));

  g_assert_nonnull (entry);
  g_assert_nonnull (entry->link);
  return entry->link;
}

/* What a lying peer would send: one entry, @id at @port of 127.0.0.1. */
static GBytes *
forged_peers (const gchar *id,
              guint16      port)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_peers_entry_free);
  ShoalPeersEntry *entry = shoal_peers_entry_new (id, port);

  g_ptr_array_add (entry->addresses, g_inet_address_new_from_string ("127.0.0.1"));
  g_ptr_array_add (entries, entry);
  return shoal_frame_encode_peers (entries);
}

static gboolean
no_dials (gpointer data)
{
  return shoal_node_count_dials (data) == 0;
}

static gboolean
refusal_logged (gpointer data)
{
  return shoal_test_log_count (data, NULL) > 0;
}

static void
test_exchange_false_id (Fixture       *f,
                        gconstpointer  data)
{
  const gchar *fake = "00112233445566778899aabbccddeeff";
  g_autoptr(GBytes) frame = NULL;
  g_autofree gchar *refusal = g_strdup_printf ("where %s was expected", fake);
  ShoalNode *a, *b, *c;

  g_test_summary ("A peer exchange entry with a false id (a made-up id at a real node's "
                  "address) is dialled once, refused in TLS, and dropped: not listed, not "
                  "dialled again when told again, and the node that answered keeps its link");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  start_chain (f, 3, TRUE);
  a = f->nodes[0];
  b = f->nodes[1];
  c = f->nodes[2];
  g_assert_true (shoal_test_nodes_wait (full_mesh, f, TIMEOUT_MS));
  g_assert_true (shoal_test_nodes_wait (no_dials, a, TIMEOUT_MS));
  f->disconnects = 0;

  /* b tells a that the made-up id listens where c does. */
  frame = forged_peers (fake, shoal_node_get_port (c));
  shoal_link_send_control (link_between (b, a), frame);
  g_assert_true (shoal_test_nodes_wait (refusal_logged, refusal, TIMEOUT_MS));
  g_assert_true (shoal_test_nodes_wait (no_dials, a, TIMEOUT_MS));
  g_assert_null (shoal_node_lookup_peer (a, fake));

  /* Told again, and again: not dialled again. */
  for (guint i = 0; i < 3; i++)
    {
      shoal_link_send_control (link_between (b, a), frame);
      shoal_test_nodes_run (700);
    }
  g_assert_cmpuint (shoal_test_log_count (refusal, NULL), ==, 1);
  g_assert_null (shoal_node_lookup_peer (a, fake));
  g_assert_cmpuint (shoal_node_count_dials (a), ==, 0);

  /* Nobody's link was touched, the one a has to c least of all. */
  g_assert_true (full_mesh (f));
  g_assert_cmpuint (f->disconnects, ==, 0);
}

static gboolean
disconnected_once (gpointer data)
{
  return ((Fixture *) data)->disconnects > 0;
}

static void
test_exchange_unannounced (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GBytes) frame = NULL;
  ShoalNode *a, *b;

  g_test_summary ("A PEERS frame on a link where the receiver did not announce the peers "
                  "feature is a protocol error that closes that link, and is not acted on");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  a = start_node (f, 0, 0, FALSE);
  b = start_node (f, 1, 0, TRUE);
  shoal_test_node_dial (b, shoal_node_get_port (a));
  g_assert_true (shoal_test_nodes_wait (full_mesh, f, TIMEOUT_MS));
  f->disconnects = 0;

  frame = forged_peers ("00112233445566778899aabbccddeeff", 9);
  shoal_link_send_control (link_between (b, a), frame);
  g_assert_true (shoal_test_nodes_wait (disconnected_once, f, TIMEOUT_MS));
  g_assert_cmpuint (shoal_test_log_count ("peers frame without the peers feature", NULL), >, 0);
  g_assert_null (shoal_node_lookup_peer (a, "00112233445566778899aabbccddeeff"));
}

static void
test_forged_record (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) odd = g_ptr_array_new_with_free_func (g_object_unref);
  ShoalNode *a, *b;
  ShoalPeer *peer;
  ShoalMesh *mesh;

  g_test_summary ("A record naming a connected peer's id cannot rename or disturb it: its "
                  "name is the one its hello gave, its link stays; a record left without an "
                  "address to dial (port 0, multicast, broadcast, unspecified, a loopback "
                  "address from the network) adds no peer");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  start_chain (f, 2, TRUE);
  a = f->nodes[0];
  b = f->nodes[1];
  g_assert_true (shoal_test_nodes_wait (full_mesh, f, TIMEOUT_MS));
  f->disconnects = 0;
  mesh = shoal_node_get_mesh (a);
  peer = shoal_node_lookup_peer (a, shoal_node_get_id (b));
  g_assert_cmpstr (shoal_peer_get_name (peer), ==, "node1");

  /* What a forged mDNS record says: b's id, another name, another address. */
  g_ptr_array_add (addresses, g_inet_socket_address_new_from_string ("192.0.2.66", 4242));
  shoal_mesh_target_found (mesh, "forged", shoal_node_get_id (b), "impostor", addresses, FALSE);
  shoal_test_nodes_run (500);
  g_assert_cmpstr (shoal_peer_get_name (peer), ==, "node1");
  g_assert_true (shoal_peer_get_connected (peer));
  g_assert_cmpuint (f->disconnects, ==, 0);

  /* Records with nothing worth dialling. */
  g_ptr_array_add (odd, g_inet_socket_address_new_from_string ("192.0.2.66", 0));
  g_ptr_array_add (odd, g_inet_socket_address_new_from_string ("224.0.0.251", 4242));
  g_ptr_array_add (odd, g_inet_socket_address_new_from_string ("255.255.255.255", 4242));
  g_ptr_array_add (odd, g_inet_socket_address_new_from_string ("0.0.0.0", 4242));
  g_ptr_array_add (odd, g_inet_socket_address_new_from_string ("127.0.0.1",
                                                               shoal_node_get_port (b)));
  shoal_mesh_target_found (mesh, "odd", "00112233445566778899aabbccddeeff", "odd", odd, FALSE);
  shoal_mesh_target_found (mesh, "odd-no-id", NULL, NULL, odd, FALSE);
  g_assert_null (shoal_node_lookup_peer (a, "00112233445566778899aabbccddeeff"));
  g_assert_cmpuint (g_list_model_get_n_items (shoal_node_get_peers (a)), ==, 1);
  g_assert_cmpuint (shoal_node_count_dials (a), ==, 0);
  shoal_test_nodes_run (300);
  g_assert_cmpuint (shoal_node_count_links (a, FALSE), ==, 1);
  g_assert_cmpuint (f->disconnects, ==, 0);
}

static void
test_discovered_bound (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_object_unref);
  ShoalNode *a;
  ShoalMesh *mesh;

  g_test_summary ("Peers known from hints alone are bounded (256), and forgotten when "
                  "their hints go");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  a = start_node (f, 0, 0, TRUE);
  mesh = shoal_node_get_mesh (a);
  g_ptr_array_add (addresses, g_inet_socket_address_new_from_string ("192.0.2.1", 9));

  for (guint i = 0; i < 500; i++)
    {
      g_autofree gchar *key = g_strdup_printf ("fake%u", i);
      g_autofree gchar *id = g_strdup_printf ("%032x", i + 1);

      shoal_mesh_target_found (mesh, key, id, key, addresses, FALSE);
    }
  g_assert_cmpuint (g_list_model_get_n_items (shoal_node_get_peers (a)), ==, 256);

  for (guint i = 0; i < 500; i++)
    {
      g_autofree gchar *key = g_strdup_printf ("fake%u", i);

      shoal_mesh_target_lost (mesh, key);
    }
  shoal_test_nodes_run (100);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_node_get_peers (a)), ==, 0);
  /* Nothing of them is kept: they never sent anything to remember. */
  g_assert_cmpuint (g_hash_table_size (mesh->inbound), ==, 0);
}

static void
test_cache_rejoin (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree gchar *cache = NULL;
  g_autofree gchar *id_b = NULL;
  ShoalNode *a, *b;
  ShoalPeer *peer;
  guint16 port_a, port_b;

  g_test_summary ("The address cache: a node that restarts with no configured peer and no "
                  "discovery links up again with the peers it had, from the addresses that "
                  "worked, kept in its state directory");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  /* No peer exchange either: the cache alone must do it. */
  a = start_node (f, 0, 0, FALSE);
  port_a = shoal_node_get_port (a);
  b = start_node (f, 1, 0, FALSE);
  port_b = shoal_node_get_port (b);
  shoal_test_node_dial (b, port_a);
  g_assert_true (shoal_test_nodes_wait (full_mesh, f, TIMEOUT_MS));
  cache = g_build_filename (f->tmpdir, "node1", SHOAL_ADDRESS_CACHE_FILE, NULL);
  g_assert_true (g_file_test (cache, G_FILE_TEST_IS_REGULAR));

  id_b = g_strdup (shoal_node_get_id (b));
  stop_node (&f->nodes[1]);
  shoal_test_nodes_run (300);
  peer = shoal_node_lookup_peer (a, id_b);
  g_assert_true (peer == NULL || !shoal_peer_get_connected (peer));

  /* Back on its port, with nothing configured. */
  b = start_node (f, 1, port_b, FALSE);
  g_assert_true (shoal_test_nodes_wait (full_mesh, f, TIMEOUT_MS));

  /* And both restart: a comes back to its port, b finds it there. */
  stop_node (&f->nodes[1]);
  stop_node (&f->nodes[0]);
  a = start_node (f, 0, port_a, FALSE);
  b = start_node (f, 1, port_b, FALSE);
  g_assert_true (shoal_test_nodes_wait (full_mesh, f, TIMEOUT_MS));
  g_assert_true (shoal_test_node_sees (b, a));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  shoal_test_log_capture ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/hints/exchange/mesh", test_exchange_mesh);
  ADD ("/hints/exchange/off", test_exchange_off);
  ADD ("/hints/exchange/false-id", test_exchange_false_id);
  ADD ("/hints/exchange/unannounced", test_exchange_unannounced);
  ADD ("/hints/forged-record", test_forged_record);
  ADD ("/hints/discovered-bound", test_discovered_bound);
  ADD ("/hints/cache/rejoin", test_cache_rejoin);
#undef ADD

  return g_test_run ();
}
