/* test-security-trust.c: the network-key and allow-list policies
 *
 * Part of the security program (test-security.c): nodes with the same or
 * different network keys, and nodes that must trust each other by hand
 * before anything flows, and keep to an untrust across a restart.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-node-private.h"
#include "shoal-test-log.h"
#include "shoal-test-nodes.h"
#include "shoal-test-scratch.h"
#include "test-security.h"

/* 2. The network key */

typedef struct {
  ShoalNode *a;
  ShoalNode *b;
  guint      connections;
} KeyCase;

static void
count_connection_cb (ShoalNode *node,
                     ShoalPeer *peer,
                     gpointer   user_data)
{
  ((KeyCase *) user_data)->connections++;
}

/* Two nodes, b dialling a, each with its policy and key. */
static void
key_case_start (Fixture     *f,
                KeyCase     *kc,
                const gchar *suffix,
                const gchar *key_a,
                const gchar *key_b)
{
  g_autofree gchar *name_a = g_strdup_printf ("alice-%s", suffix);
  g_autofree gchar *name_b = g_strdup_printf ("bob-%s", suffix);

  shoal_test_log_clear ();
  kc->connections = 0;
  kc->a = security_add_node (f, name_a, NULL, 0,
                             key_a != NULL ? SHOAL_TRUST_POLICY_NETWORK_KEY
                                           : SHOAL_TRUST_POLICY_OPEN,
                             key_a);
  kc->b = security_add_node (f, name_b, NULL, 0,
                             key_b != NULL ? SHOAL_TRUST_POLICY_NETWORK_KEY
                                           : SHOAL_TRUST_POLICY_OPEN,
                             key_b);
  g_signal_connect (kc->a, "peer-connected", G_CALLBACK (count_connection_cb), kc);
  g_signal_connect (kc->b, "peer-connected", G_CALLBACK (count_connection_cb), kc);
  shoal_test_node_dial (kc->b, shoal_node_get_port (kc->a));
}

static void
key_case_stop (KeyCase *kc)
{
  g_signal_handlers_disconnect_by_data (kc->a, kc);
  g_signal_handlers_disconnect_by_data (kc->b, kc);
  shoal_node_stop (kc->a);
  shoal_node_stop (kc->b);
}

/* Neither node links up within 3 s, and each closed a link itself saying
 * why: "Closing link to|from <the other's id>: not trusted: <why>". A line
 * about the other's goodbye would not do, since it names the other's reason. */
static void
assert_key_refused (KeyCase     *kc,
                    const gchar *a_says,
                    const gchar *b_says)
{
  g_autofree gchar *a_line = g_strdup_printf ("%s: not trusted: %s", shoal_node_get_id (kc->b),
                                              a_says);
  g_autofree gchar *b_line = g_strdup_printf ("%s: not trusted: %s", shoal_node_get_id (kc->a),
                                              b_says);

  shoal_test_nodes_run (3000);
  g_assert_cmpuint (kc->connections, ==, 0);
  g_assert_false (shoal_test_node_sees (kc->a, kc->b));
  g_assert_false (shoal_test_node_sees (kc->b, kc->a));

  g_assert_cmpuint (shoal_test_log_count ("Closing link", a_line), >, 0);
  g_assert_cmpuint (shoal_test_log_count ("Closing link", b_line), >, 0);
  g_assert_nonnull (strstr (a_line, "network key"));
  g_assert_nonnull (strstr (b_line, "network key"));
}

void
test_network_key (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree gchar *key = shoal_network_key_generate ();
  g_autofree gchar *other_key = shoal_network_key_generate ();
  KeyCase kc = { 0, };

  g_test_summary ("Under the network-key policy, two nodes with the same key link up and "
                  "carry messages; with different keys, or when only one of them has a key, "
                  "neither links up within 3 s and both logs say it was the network key");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  g_assert_cmpstr (key, !=, other_key);

  /* The same key. */
  key_case_start (f, &kc, "same", key, key);
  security_assert_linked_within (kc.a, kc.b, 5000);
  security_assert_messages_flow (kc.a, kc.b);
  key_case_stop (&kc);

  /* Different keys. */
  key_case_start (f, &kc, "different", key, other_key);
  assert_key_refused (&kc, "the peer holds another network key",
                      "the peer holds another network key");
  key_case_stop (&kc);

  /* A key on a's side, none on b's (under the open policy). */
  key_case_start (f, &kc, "one-sided", key, NULL);
  assert_key_refused (&kc, "the peer has no network key",
                      "the peer proves a network key and this node has none");
  key_case_stop (&kc);
}

/* 3. The allow-list */

static void
assert_send_fails (ShoalNode *from,
                   ShoalNode *to)
{
  g_autoptr(GBytes) payload = g_bytes_new_static ("let me in", 9);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (shoal_node_send (from, shoal_node_get_id (to), payload, &error), ==, 0);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_NOT_CONNECTED);
}

static void
assert_pending (ShoalNode *node,
                ShoalNode *other)
{
  ShoalPeer *peer = shoal_node_lookup_peer (node, shoal_node_get_id (other));

  g_assert_nonnull (peer);
  g_assert_cmpint (shoal_peer_get_state (peer), ==, SHOAL_PEER_STATE_PENDING);
  g_assert_false (shoal_peer_get_connected (peer));
  g_assert_false (shoal_peer_get_trusted (peer));
}

static gboolean
is_six_digits (const gchar *code)
{
  if (code == NULL || strlen (code) != 6)
    return FALSE;
  for (guint i = 0; i < 6; i++)
    if (!g_ascii_isdigit (code[i]))
      return FALSE;
  return TRUE;
}

void
test_allow_list (Fixture       *f,
                 gconstpointer  data)
{
  ShoalNode *a, *b, *a2;
  ShoalPeer *a_sees_b, *b_sees_a;
  Watch a_watch, b_watch;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *connected_line = NULL;
  g_autofree gchar *redial_line = NULL;
  g_autofree gchar *trust_path = NULL;
  g_autoptr(GKeyFile) store = g_key_file_new ();
  guint connected_lines;
  guint redials;
  guint16 a_port;

  g_test_summary ("Under the allow-list policy two nodes that dial each other are pending on "
                  "both sides with the same 6-digit verification code and carry nothing; "
                  "they link up only once both trust each other; untrusting closes the link "
                  "with not-trusted for good, also across a restart, and the node that "
                  "untrusted stops dialling the other");

  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  a = security_add_node (f, "alice", NULL, 0, SHOAL_TRUST_POLICY_ALLOW_LIST, NULL);
  b = security_add_node (f, "bob", NULL, 0, SHOAL_TRUST_POLICY_ALLOW_LIST, NULL);
  a_port = shoal_node_get_port (a);
  security_watch_start (&a_watch, a, shoal_node_get_id (b));
  security_watch_start (&b_watch, b, shoal_node_get_id (a));
  shoal_test_node_dial (a, shoal_node_get_port (b));
  shoal_test_node_dial (b, a_port);

  /* Both pend, with the same code, and nothing flows. */
  g_assert_true (shoal_test_nodes_wait (security_watch_saw_pending, &a_watch, 5000));
  g_assert_true (shoal_test_nodes_wait (security_watch_saw_pending, &b_watch, 5000));
  assert_pending (a, b);
  assert_pending (b, a);
  a_sees_b = shoal_node_lookup_peer (a, shoal_node_get_id (b));
  b_sees_a = shoal_node_lookup_peer (b, shoal_node_get_id (a));
  g_assert_true (is_six_digits (shoal_peer_get_verification_code (a_sees_b)));
  g_assert_cmpstr (shoal_peer_get_verification_code (a_sees_b), ==,
                   shoal_peer_get_verification_code (b_sees_a));
  g_assert_cmpstr (shoal_peer_get_fingerprint (a_sees_b), ==, shoal_node_get_fingerprint (b));
  g_assert_cmpstr (shoal_peer_get_fingerprint (b_sees_a), ==, shoal_node_get_fingerprint (a));
  assert_send_fails (a, b);
  assert_send_fails (b, a);
  g_assert_cmpuint (a_watch.connected + b_watch.connected, ==, 0);

  /* One side's trust is not enough: b still pends a, and a keeps b listed,
   * trusted, while it waits for b's decision. */
  shoal_node_trust (a, shoal_node_get_id (b), &error);
  g_assert_no_error (error);
  shoal_test_nodes_run (1000);
  g_assert_false (shoal_test_node_sees (a, b));
  g_assert_false (shoal_test_node_sees (b, a));
  g_assert_cmpuint (a_watch.connected + b_watch.connected, ==, 0);
  assert_pending (b, a);
  a_sees_b = shoal_node_lookup_peer (a, shoal_node_get_id (b));
  g_assert_nonnull (a_sees_b);
  g_assert_true (shoal_peer_get_trusted (a_sees_b));
  g_assert_cmpint (shoal_peer_get_state (a_sees_b), !=, SHOAL_PEER_STATE_PENDING);
  assert_send_fails (a, b);

  /* Both sides' is. */
  shoal_node_trust (b, shoal_node_get_id (a), &error);
  g_assert_no_error (error);
  security_assert_linked_within (a, b, 5000);
  g_assert_true (shoal_peer_get_trusted (shoal_node_lookup_peer (a, shoal_node_get_id (b))));
  g_assert_true (shoal_peer_get_trusted (shoal_node_lookup_peer (b, shoal_node_get_id (a))));
  security_assert_messages_flow (a, b);

  /* Untrusting closes the link, and a does not link up again, nor dial b
   * again: a static address whose id a has not learnt may take one more
   * dial to find out who is there, and no more. a refusing its own dial
   * says "Closing link to <b>: not trusted: untrusted on this node". */
  connected_line = g_strdup_printf ("Connected to %s", shoal_node_get_id (b));
  connected_lines = shoal_test_log_count (connected_line, NULL);
  redial_line = g_strdup_printf ("Closing link to %s: not trusted: untrusted on this node",
                                 shoal_node_get_id (b));
  g_assert_cmpuint (connected_lines, >, 0);
  shoal_node_untrust (a, shoal_node_get_id (b), &error);
  g_assert_no_error (error);
  g_assert_true (shoal_test_nodes_wait (security_watch_saw_disconnect, &a_watch, 5000));
  g_assert_true (shoal_test_nodes_wait (security_watch_saw_disconnect, &b_watch, 5000));
  g_test_message ("a's reason: %s; b's reason: %s", a_watch.last_reason, b_watch.last_reason);
  g_assert_cmpstr (a_watch.last_reason, ==, "not-trusted");
  g_assert_cmpstr (b_watch.last_reason, ==, "not-trusted");
  shoal_test_nodes_run (2000);
  g_assert_false (shoal_test_node_sees (a, b));
  g_assert_false (shoal_test_node_sees (b, a));
  g_assert_cmpuint (shoal_test_log_count (connected_line, NULL), ==, connected_lines);
  g_test_message ("a dialled b %u time(s) after untrusting it",
                  shoal_test_log_count (redial_line, NULL));
  g_assert_cmpuint (shoal_test_log_count (redial_line, NULL), <=, 1);
  security_watch_stop (&a_watch);
  security_watch_stop (&b_watch);

  /* The decision is on disk, and a restarted a keeps to it. */
  trust_path = g_build_filename (shoal_node_get_state_dir (a), "trust.ini", NULL);
  g_key_file_load_from_file (store, trust_path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (g_key_file_has_key (store, shoal_node_get_id (b), "trusted", NULL));
  g_assert_false (g_key_file_get_boolean (store, shoal_node_get_id (b), "trusted", &error));
  g_assert_no_error (error);

  shoal_node_stop (a);
  a2 = security_add_node (f, "alice", "alice", a_port, SHOAL_TRUST_POLICY_ALLOW_LIST, NULL);
  g_assert_cmpstr (shoal_node_get_id (a2), ==, shoal_node_get_id (a));
  shoal_test_node_dial (a2, shoal_node_get_port (b));
  security_watch_start (&a_watch, a2, shoal_node_get_id (b));
  security_watch_start (&b_watch, b, shoal_node_get_id (a2));
  redials = shoal_test_log_count (redial_line, NULL);
  shoal_test_nodes_run (2000);
  g_assert_cmpuint (a_watch.connected + b_watch.connected, ==, 0);
  g_assert_false (shoal_test_node_sees (a2, b));
  g_assert_false (shoal_test_node_sees (b, a2));
  g_assert_cmpuint (shoal_test_log_count (connected_line, NULL), ==, connected_lines);
  /* Once to learn that b is behind its static address, then no more. */
  g_test_message ("the restarted a dialled b %u time(s)",
                  shoal_test_log_count (redial_line, NULL) - redials);
  g_assert_cmpuint (shoal_test_log_count (redial_line, NULL) - redials, <=, 1);
  security_watch_stop (&a_watch);
  security_watch_stop (&b_watch);
}
