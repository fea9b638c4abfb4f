/* test-peer.c: the peer model, the identity file and static discovery
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "shoal-discovery-static.h"
#include "shoal-error.h"
#include "shoal-identity.h"
#include "shoal-node.h"
#include "shoal-peer-private.h"

#define ID "0123456789abcdef0123456789abcdef"

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  GHashTable *counts = user_data;
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name));

  g_hash_table_insert (counts, (gpointer) pspec->name, GUINT_TO_POINTER (count + 1));
}

static guint
notified (GHashTable  *counts,
          const gchar *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

static void
test_peer_notify (void)
{
  g_autoptr(ShoalPeer) peer = shoal_peer_new (ID);
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);

  g_test_summary ("Every property of a peer notifies when it changes, and only then; "
                  "connected follows state");

  g_signal_connect (peer, "notify", G_CALLBACK (count_notify_cb), counts);
  g_assert_cmpstr (shoal_peer_get_id (peer), ==, ID);
  g_assert_cmpint (shoal_peer_get_state (peer), ==, SHOAL_PEER_STATE_DISCOVERED);
  g_assert_false (shoal_peer_get_connected (peer));

  shoal_peer_set_name (peer, "kitchen");
  shoal_peer_set_name (peer, "kitchen");
  g_assert_cmpuint (notified (counts, "name"), ==, 1);

  shoal_peer_set_state (peer, SHOAL_PEER_STATE_CONNECTING);
  g_assert_cmpuint (notified (counts, "state"), ==, 1);
  g_assert_cmpuint (notified (counts, "connected"), ==, 0);
  shoal_peer_set_state (peer, SHOAL_PEER_STATE_CONNECTED);
  shoal_peer_set_state (peer, SHOAL_PEER_STATE_CONNECTED);
  g_assert_cmpuint (notified (counts, "state"), ==, 2);
  g_assert_cmpuint (notified (counts, "connected"), ==, 1);
  g_assert_true (shoal_peer_get_connected (peer));
  shoal_peer_set_state (peer, SHOAL_PEER_STATE_LOST);
  g_assert_cmpuint (notified (counts, "connected"), ==, 2);
  g_assert_cmpstr (shoal_peer_state_to_string (shoal_peer_get_state (peer)), ==, "lost");

  shoal_peer_set_round_trip_time (peer, 120);
  shoal_peer_set_round_trip_time (peer, 120);
  g_assert_cmpuint (notified (counts, "round-trip-time"), ==, 1);
  g_assert_cmpuint (shoal_peer_get_round_trip_time (peer), ==, 120);

  shoal_peer_set_last_seen (peer, 1234);
  g_assert_cmpuint (notified (counts, "last-seen"), ==, 1);

  shoal_peer_add_sent (peer, 3, 300);
  shoal_peer_add_sent (peer, 0, 0);
  shoal_peer_add_received (peer, 2, 20);
  g_assert_cmpuint (notified (counts, "messages-sent"), ==, 1);
  g_assert_cmpuint (notified (counts, "bytes-sent"), ==, 1);
  g_assert_cmpuint (notified (counts, "messages-received"), ==, 1);
  g_assert_cmpuint (notified (counts, "bytes-received"), ==, 1);
  g_assert_cmpuint (shoal_peer_get_messages_sent (peer), ==, 3);
  g_assert_cmpuint (shoal_peer_get_bytes_sent (peer), ==, 300);
  g_assert_cmpuint (shoal_peer_get_messages_received (peer), ==, 2);
  g_assert_cmpuint (shoal_peer_get_bytes_received (peer), ==, 20);
}

static void
check_bytes_cb (GObject    *object,
                GParamSpec *pspec,
                gpointer    user_data)
{
  guint64 *seen_bytes = user_data;

  *seen_bytes = shoal_peer_get_bytes_sent (SHOAL_PEER (object));
}

static void
test_peer_counts_agree (void)
{
  g_autoptr(ShoalPeer) peer = shoal_peer_new (ID);
  guint64 seen_bytes = 0;

  g_test_summary ("When messages-sent is notified, bytes-sent already holds the same "
                  "batch: a handler reading both never sees half an update");

  g_signal_connect (peer, "notify::messages-sent", G_CALLBACK (check_bytes_cb), &seen_bytes);
  shoal_peer_add_sent (peer, 2, 70);
  g_assert_cmpuint (seen_bytes, ==, 70);
}

static void
test_peer_addresses (void)
{
  g_autoptr(ShoalPeer) peer = shoal_peer_new (ID);
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GInetAddress) v6 = g_inet_address_new_from_string ("fe80::1");
  const gchar * const *strings;

  g_test_summary ("Addresses read as HOST:PORT, IPv6 in brackets with the interface of a "
                  "link-local address; setting the same list again does not notify");

  g_signal_connect (peer, "notify", G_CALLBACK (count_notify_cb), counts);
  g_ptr_array_add (addresses, g_inet_socket_address_new_from_string ("192.0.2.7", 4242));
  g_ptr_array_add (addresses, g_object_new (G_TYPE_INET_SOCKET_ADDRESS, "address", v6,
                                            "port", 4242, "scope-id", 1, NULL));
  shoal_peer_set_addresses (peer, addresses);
  shoal_peer_set_addresses (peer, addresses);

  strings = shoal_peer_get_addresses (peer);
  g_assert_cmpuint (g_strv_length ((gchar **) strings), ==, 2);
  g_assert_cmpstr (strings[0], ==, "192.0.2.7:4242");
  /* Interface 1 is the loopback interface on Linux. */
  g_assert_cmpstr (strings[1], ==, "[fe80::1%lo]:4242");
  g_assert_cmpuint (notified (counts, "addresses"), ==, 1);
}

static void
test_peer_id_shape (void)
{
  g_test_summary ("A peer id is exactly 32 lowercase hex characters");

  g_assert_true (shoal_peer_id_is_valid (ID));
  g_assert_false (shoal_peer_id_is_valid (NULL));
  g_assert_false (shoal_peer_id_is_valid (""));
  g_assert_false (shoal_peer_id_is_valid ("0123456789ABCDEF0123456789abcdef"));
  g_assert_false (shoal_peer_id_is_valid ("0123456789abcdef0123456789abcde"));
  g_assert_false (shoal_peer_id_is_valid ("0123456789abcdef0123456789abcdef0"));
  g_assert_false (shoal_peer_id_is_valid ("0123456789abcdef0123456789abcdeg"));
}

static void
test_identity_unusable (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *tmp = g_dir_make_tmp ("shoal-peer-XXXXXX", &error);
  g_autofree gchar *file = g_build_filename (tmp, "a-file", NULL);
  g_autofree gchar *under_file = g_build_filename (file, "state", NULL);
  g_autoptr(ShoalNode) node = NULL;

  g_test_summary ("A state directory that cannot be made is a StateDirectory error naming "
                  "the path, at start, not a crash");

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (file, "", 0, NULL));

  node = shoal_node_new ("x", 0, under_file);
  shoal_node_set_mdns (node, FALSE);
  shoal_node_set_listen_address (node, "127.0.0.1");
  g_assert_false (shoal_node_start (node, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY);
  g_assert_nonnull (strstr (error->message, under_file));
  g_assert_false (shoal_node_get_running (node));

  g_unlink (file);
  g_rmdir (tmp);
}

static void
test_random_ids (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_test_summary ("Random ids have the peer-id shape and do not repeat");

  for (guint i = 0; i < 1000; i++)
    {
      gchar *id = shoal_identity_new_random_id ();

      g_assert_true (shoal_peer_id_is_valid (id));
      g_assert_true (g_hash_table_add (seen, id));
    }
}

typedef struct {
  guint      found;
  GPtrArray *addresses;
  gchar     *key;
} Found;

static void
found_cb (ShoalDiscovery *discovery,
          const gchar    *key,
          const gchar    *peer_id,
          const gchar    *name,
          GPtrArray      *addresses,
          gpointer        user_data)
{
  Found *found = user_data;

  g_assert_null (peer_id);
  found->found++;
  g_clear_pointer (&found->addresses, g_ptr_array_unref);
  found->addresses = g_ptr_array_ref (addresses);
  g_free (found->key);
  found->key = g_strdup (key);
}

static void
test_static_discovery (void)
{
  g_autoptr(ShoalDiscoveryStatic) discovery = shoal_discovery_static_new ();
  g_autoptr(GError) error = NULL;
  const gchar *bad[] = { "", "host", "host:", "host:0", "host:65536", "[::1]", ":80", "a b:1" };
  Found found = { 0, };
  gint64 deadline;

  g_test_summary ("Static peers take HOST:PORT with IPv6 in brackets, refuse anything "
                  "else with InvalidArgument, and report each address once started");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (shoal_discovery_static_add_peer (discovery, bad[i], &error));
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }

  g_assert_true (shoal_discovery_static_add_peer (discovery, "127.0.0.1:4242", &error));
  g_assert_true (shoal_discovery_static_add_peer (discovery, "[::1]:4243", &error));
  g_assert_no_error (error);

  g_signal_connect (discovery, "peer-found", G_CALLBACK (found_cb), &found);
  shoal_discovery_start (SHOAL_DISCOVERY (discovery), ID, ID, "me", 1);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (found.found < 2 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  shoal_discovery_stop (SHOAL_DISCOVERY (discovery));

  g_assert_cmpuint (found.found, ==, 2);
  g_assert_cmpuint (found.addresses->len, ==, 1);
  g_assert_cmpuint (g_inet_socket_address_get_port (g_ptr_array_index (found.addresses, 0)), ==,
                    4243);
  g_assert_cmpstr (found.key, ==, "static:[::1]:4243");
  g_ptr_array_unref (found.addresses);
  g_free (found.key);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/peer/notify", test_peer_notify);
  g_test_add_func ("/peer/counts-agree", test_peer_counts_agree);
  g_test_add_func ("/peer/addresses", test_peer_addresses);
  g_test_add_func ("/peer/id-shape", test_peer_id_shape);
  g_test_add_func ("/identity/unusable", test_identity_unusable);
  g_test_add_func ("/identity/random", test_random_ids);
  g_test_add_func ("/discovery/static", test_static_discovery);

  return g_test_run ();
}
