/* test-security-identity.c: ids a hello claims, and keys that change
 *
 * Part of the security program (test-security.c): an impostor who claims a
 * linked peer's id, a known name back with a new key (trust on first use),
 * a record or a configured address that expects one key where another
 * answers.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-frame.h"
#include "shoal-node-private.h"
#include "shoal-test-log.h"
#include "shoal-test-nodes.h"
#include "shoal-test-peer.h"
#include "shoal-test-scratch.h"
#include "test-security.h"

/* 1. An impostor */

void
test_impostor (Fixture       *f,
               gconstpointer  data)
{
  ShoalNode *a, *b;
  g_autofree gchar *stranger_id = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GBytes) hello = NULL;
  g_autofree gchar *expected_log = NULL;
  g_auto(Stranger) stranger = { 0, };
  Watch watch;

  g_test_summary ("A stranger with its own key who connects over TLS and says in its hello "
                  "that it is a linked peer is sent a goodbye saying protocol-error, with "
                  "the mismatch logged, and the real peer stays linked both ways");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  security_make_pair (f, &a, &b);
  security_watch_start (&watch, a, shoal_node_get_id (b));

  certificate = security_load_certificate (f, "stranger", &stranger_id);
  g_assert_cmpstr (stranger_id, !=, shoal_node_get_id (b));
  hello = shoal_test_encode_hello (shoal_node_get_id (b), NULL, "bob");

  security_stranger_start (&stranger, a, certificate, hello);
  security_stranger_finish (&stranger, 10000);
  g_assert_no_error (stranger.handshake_error);
  g_assert_no_error (stranger.write_error);
  security_assert_goodbye (stranger.received, a, SHOAL_GOODBYE_PROTOCOL_ERROR);

  expected_log = g_strdup_printf ("hello claims peer id %s but the certificate proves %s",
                                  shoal_node_get_id (b), stranger_id);
  g_assert_true (shoal_test_log_contains (expected_log));
  g_assert_null (shoal_node_lookup_peer (a, stranger_id));

  security_assert_pair_carries_on (a, b, &watch);
  g_assert_cmpuint (watch.connected, ==, 0);
  security_watch_stop (&watch);
}

/* 11. Trust on first use */

typedef struct {
  ShoalNode   *node;
  const gchar *peer_id;
} PeerRef;

static gboolean
peer_ref_connected (gpointer data)
{
  PeerRef *ref = data;
  ShoalPeer *peer = shoal_node_lookup_peer (ref->node, ref->peer_id);

  return peer != NULL && shoal_peer_get_connected (peer);
}

static gboolean
peer_ref_not_connected (gpointer data)
{
  return !peer_ref_connected (data);
}

void
test_tofu (Fixture       *f,
           gconstpointer  data)
{
  ShoalNode *a, *b, *b2, *b3;
  g_autofree gchar *old_id = NULL;
  g_autofree gchar *new_id = NULL;
  g_autofree gchar *expected = NULL;
  guint16 port;
  ShoalPeer *peer;
  PeerRef ref;

  g_test_summary ("Under the open policy, a node that shows up with a name this node "
                  "remembers from another id (a new key) is logged as such and its peer "
                  "gives the old id as previous-id");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  a = security_add_open_node (f, "alice");
  b = security_add_node (f, "bob", "bob-1", 0, SHOAL_TRUST_POLICY_OPEN, NULL);
  shoal_test_node_dial (b, shoal_node_get_port (a));
  security_assert_linked_within (a, b, 5000);
  old_id = g_strdup (shoal_node_get_id (b));
  g_assert_null (shoal_peer_get_previous_id (shoal_node_lookup_peer (a, old_id)));
  g_assert_false (shoal_test_log_contains ("a name this node knows from peer"));

  shoal_node_stop (b);
  ref = (PeerRef) { a, old_id };
  g_assert_true (shoal_test_nodes_wait (peer_ref_not_connected, &ref, 5000));

  /* Another machine, or the same one reinstalled: a new key, the old name. */
  b2 = security_add_node (f, "bob", "bob-2", 0, SHOAL_TRUST_POLICY_OPEN, NULL);
  g_assert_cmpstr (shoal_node_get_id (b2), !=, old_id);
  shoal_test_node_dial (b2, shoal_node_get_port (a));
  security_assert_linked_within (a, b2, 5000);

  expected = g_strdup_printf ("a name this node knows from peer %s", old_id);
  g_assert_true (shoal_test_log_contains (expected));
  peer = shoal_node_lookup_peer (a, shoal_node_get_id (b2));
  g_assert_nonnull (peer);
  g_assert_cmpstr (shoal_peer_get_name (peer), ==, "bob");
  g_assert_cmpstr (shoal_peer_get_previous_id (peer), ==, old_id);

  /* The flag is for a person to see: it stays on the peer across a
   * reconnection. alice learns bob's address, so the peer outlives the
   * link, and bob restarts on the same port. */
  new_id = g_strdup (shoal_node_get_id (b2));
  port = shoal_node_get_port (b2);
  shoal_test_node_dial (a, port);
  shoal_test_nodes_run (1000);
  g_assert_true (shoal_node_lookup_peer (a, new_id) == peer);
  shoal_node_stop (b2);
  ref = (PeerRef) { a, new_id };
  g_assert_true (shoal_test_nodes_wait (peer_ref_not_connected, &ref, 5000));
  g_assert_true (shoal_node_lookup_peer (a, new_id) == peer);
  b3 = security_add_node (f, "bob", "bob-2", port, SHOAL_TRUST_POLICY_OPEN, NULL);
  g_assert_cmpstr (shoal_node_get_id (b3), ==, new_id);
  g_assert_true (shoal_test_nodes_wait (peer_ref_connected, &ref, 5000));
  g_assert_true (shoal_node_lookup_peer (a, new_id) == peer);
  g_test_message ("previous-id after the reconnection: %s", shoal_peer_get_previous_id (peer));
  g_assert_cmpstr (shoal_peer_get_previous_id (peer), ==, old_id);
}

/* 12. Whom the dialler expects */

static gboolean
log_names (gpointer data)
{
  return shoal_test_log_contains (data);
}

void
test_expected_id (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree gchar *claimed = shoal_test_random_hex_id ();
  g_autofree gchar *expected = NULL;
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_object_unref);
  ShoalNode *a, *c;

  g_test_summary ("A record that names an id at an address where another key answers is "
                  "refused inside TLS, before any hello: the dialler never links up with the "
                  "key it did not expect, and says why");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  a = security_add_open_node (f, "alice");
  c = security_add_open_node (f, "carol");

  /* What a forged DNS-SD record would say: the made-up id at carol's address. */
  g_ptr_array_add (addresses, g_inet_socket_address_new_from_string ("127.0.0.1",
                                                                     shoal_node_get_port (c)));
  shoal_mesh_target_found (shoal_node_get_mesh (a), "forged", claimed, "forged", addresses, TRUE);

  expected = g_strdup_printf ("where %s was expected", claimed);
  g_assert_true (shoal_test_nodes_wait (log_names, expected, 5000));
  shoal_test_nodes_run (1000);
  g_assert_null (shoal_node_lookup_peer (a, shoal_node_get_id (c)));
  g_assert_false (shoal_test_node_sees (c, a));
  /* Known from that record alone, the made-up id is forgotten with it. */
  g_assert_null (shoal_node_lookup_peer (a, claimed));
}

void
test_static_new_key (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree gchar *old_id = NULL;
  g_autofree gchar *expected = NULL;
  ShoalNode *a, *b, *c;
  guint16 port;
  PeerRef ref;

  g_test_summary ("A configured address names a place, not a key: when the machine there "
                  "comes back with a new key, the dial that expects the old id is refused, "
                  "and the address is dialled afresh and links up with the new key");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  a = security_add_open_node (f, "alice");
  b = security_add_open_node (f, "bob");
  port = shoal_node_get_port (b);
  shoal_test_node_dial (a, port);
  security_assert_linked_within (a, b, 5000);
  old_id = g_strdup (shoal_node_get_id (b));

  shoal_node_stop (b);
  ref = (PeerRef) { a, old_id };
  g_assert_true (shoal_test_nodes_wait (peer_ref_not_connected, &ref, 5000));

  /* Reinstalled: a new key (a new state directory) at the same address. */
  c = security_add_node (f, "bob", "bob-reinstalled", port, SHOAL_TRUST_POLICY_OPEN, NULL);
  g_assert_cmpstr (shoal_node_get_id (c), !=, old_id);
  security_assert_linked_within (a, c, 10000);

  expected = g_strdup_printf ("where %s was expected", old_id);
  g_assert_true (shoal_test_log_contains (expected));
  g_assert_false (peer_ref_connected (&ref));
  security_assert_messages_flow (a, c);
}
