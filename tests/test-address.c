/* test-address.c: which addresses a hint may make a node dial, and the
 * address cache
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "shoal-address.h"
#include "shoal-address-cache.h"
#include "shoal-test-scratch.h"

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

static GInetSocketAddress *
address_new (const gchar *text,
             guint16      port)
{
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string (text, port));
}

static void
test_rule (void)
{
  const struct {
    const gchar *address;
    guint16 port;
    gboolean from_network;   /* dialable when the hint comes from another host */
    gboolean from_this_host; /* dialable when it comes from this one */
  } cases[] = {
    { "192.0.2.7", 4242, TRUE, TRUE },
    { "2001:db8::7", 4242, TRUE, TRUE },
    { "fe80::1", 4242, TRUE, TRUE },
    { "192.0.2.7", 0, FALSE, FALSE },
    { "0.0.0.0", 4242, FALSE, FALSE },
    { "0.1.2.3", 4242, FALSE, FALSE },
    { "::", 4242, FALSE, FALSE },
    { "224.0.0.251", 5353, FALSE, FALSE },
    { "239.255.255.250", 1900, FALSE, FALSE },
    { "ff02::fb", 5353, FALSE, FALSE },
    { "255.255.255.255", 4242, FALSE, FALSE },
    { "127.0.0.1", 4242, FALSE, TRUE },
    { "127.8.9.10", 4242, FALSE, TRUE },
    { "::1", 4242, FALSE, TRUE },
    { "::ffff:127.0.0.1", 4242, FALSE, TRUE },
    { "::ffff:224.0.0.251", 4242, FALSE, FALSE },
    { "::ffff:192.0.2.7", 4242, TRUE, TRUE },
  };

  g_test_summary ("A hint never makes a node dial port 0, an unspecified, multicast or "
                  "broadcast address, nor a loopback address unless the hint comes from "
                  "this host; IPv4-mapped addresses are judged as IPv4");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GInetSocketAddress) address = address_new (cases[i].address, cases[i].port);
      const gchar *why = NULL;

      g_assert_nonnull (address);
      g_assert_cmpint (shoal_address_is_dialable (address, FALSE, &why), ==, cases[i].from_network);
      g_test_message ("%s port %u from the network: %s", cases[i].address, cases[i].port,
                      why != NULL ? why : "dialable");
      g_assert_true ((why == NULL) == cases[i].from_network);
      g_assert_cmpint (shoal_address_is_dialable (address, TRUE, NULL), ==, cases[i].from_this_host);
    }
}

/* Counts the messages that say a cache file was ignored. */
static guint ignored;

static GLogWriterOutput
count_writer (GLogLevelFlags   level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") &&
        g_str_has_prefix (fields[i].value, "Ignoring the address cache"))
      ignored++;

  return g_log_writer_default (level, fields, n_fields, user_data);
}

typedef struct {
  gchar *tmpdir;  /* (owned) */
  gchar *path;    /* (owned) the cache file in it */
  gboolean child_passed;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->tmpdir = shoal_test_scratch_dir ("address");
  f->path = g_build_filename (f->tmpdir, SHOAL_ADDRESS_CACHE_FILE, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gboolean parent = !g_test_subprocess ();

  shoal_test_scratch_remove (f->tmpdir);
  g_free (f->path);
  g_free (f->tmpdir);
  if (parent && !f->child_passed)
    g_test_fail ();
}

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
test_cache_round_trip (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(ShoalAddressCache) cache = NULL;
  g_autoptr(ShoalAddressCache) again = NULL;
  g_autoptr(GPtrArray) addresses = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GInetSocketAddress) v4 = address_new ("192.0.2.7", 4242);
  g_autoptr(GInetAddress) link_local = g_inet_address_new_from_string ("fe80::7");
  g_autoptr(GInetSocketAddress) v6 = G_INET_SOCKET_ADDRESS (
    g_object_new (G_TYPE_INET_SOCKET_ADDRESS,
                  "address", link_local, "port", 4243, "scope-id", 2, NULL));
  GStatBuf st;

  g_test_summary ("Addresses that worked are kept in the state directory, private to the "
                  "user, and read back at the next start, the most recent first");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  cache = shoal_address_cache_new (f->path);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
  shoal_address_cache_add (cache, ID_A, v4, now_s () - 10);
  shoal_address_cache_add (cache, ID_A, v6, now_s ());
  shoal_address_cache_add (cache, ID_A, v4, now_s () - 20);  /* older news changes nothing */
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);

  again = shoal_address_cache_new (f->path);
  ids = shoal_address_cache_peers (again);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (ids, 0), ==, ID_A);
  addresses = shoal_address_cache_lookup (again, ID_A);
  g_assert_cmpuint (addresses->len, ==, 2);
  g_assert_cmpuint (g_inet_socket_address_get_port (g_ptr_array_index (addresses, 0)), ==, 4243);
  g_assert_cmpuint (g_inet_socket_address_get_scope_id (g_ptr_array_index (addresses, 0)), ==, 2);
  g_assert_cmpuint (g_inet_socket_address_get_port (g_ptr_array_index (addresses, 1)), ==, 4242);
  g_clear_pointer (&addresses, g_ptr_array_unref);
  addresses = shoal_address_cache_lookup (again, ID_B);
  g_assert_cmpuint (addresses->len, ==, 0);
}

static void
test_cache_bounds (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ShoalAddressCache) cache = NULL;
  g_autoptr(ShoalAddressCache) again = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) addresses = NULL;
  g_autofree gchar *old = NULL;
  gint64 now = now_s ();

  g_test_summary ("The cache keeps 64 peers with 4 addresses each, the most recent ones, "
                  "and forgets an address 7 days after it last worked");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  cache = shoal_address_cache_new (f->path);
  for (guint i = 0; i < SHOAL_ADDRESS_CACHE_MAX_PEERS + 6; i++)
    {
      g_autofree gchar *id = g_strdup_printf ("%032x", i + 1);
      g_autoptr(GInetSocketAddress) address = address_new ("192.0.2.1", (guint16) (1000 + i));

      shoal_address_cache_add (cache, id, address, now - 1000 + i);
    }
  for (guint i = 0; i < SHOAL_ADDRESS_CACHE_MAX_ADDRESSES + 3; i++)
    {
      g_autoptr(GInetSocketAddress) address = address_new ("192.0.2.2", (guint16) (2000 + i));

      shoal_address_cache_add (cache, ID_A, address, now + i);
    }

  again = shoal_address_cache_new (f->path);
  ids = shoal_address_cache_peers (again);
  g_assert_cmpuint (ids->len, ==, SHOAL_ADDRESS_CACHE_MAX_PEERS);
  addresses = shoal_address_cache_lookup (again, ID_A);
  g_assert_cmpuint (addresses->len, ==, SHOAL_ADDRESS_CACHE_MAX_ADDRESSES);
  g_assert_cmpuint (g_inet_socket_address_get_port (g_ptr_array_index (addresses, 0)), ==,
                    2000 + SHOAL_ADDRESS_CACHE_MAX_ADDRESSES + 2);
  g_clear_pointer (&addresses, g_ptr_array_unref);
  /* The oldest peers made room. */
  addresses = shoal_address_cache_lookup (again, "00000000000000000000000000000001");
  g_assert_cmpuint (addresses->len, ==, 0);
  g_clear_pointer (&addresses, g_ptr_array_unref);

  /* Aged out: an address that last worked 8 days ago is not read back. */
  old = g_strdup_printf ("[%s]\naddresses=192.0.2.9 4242 0 %" G_GINT64_FORMAT
                         ";192.0.2.10 4242 0 %" G_GINT64_FORMAT ";\n"
                         "[%s]\naddresses=192.0.2.11 4242 0 %" G_GINT64_FORMAT ";\n",
                         ID_A, now - 8 * 24 * 3600, now - 3600, ID_B, now - 8 * 24 * 3600);
  g_assert_true (g_file_set_contents (f->path, old, -1, NULL));
  g_clear_object (&again);
  again = shoal_address_cache_new (f->path);
  addresses = shoal_address_cache_lookup (again, ID_A);
  g_assert_cmpuint (addresses->len, ==, 1);
  g_clear_pointer (&addresses, g_ptr_array_unref);
  addresses = shoal_address_cache_lookup (again, ID_B);
  g_assert_cmpuint (addresses->len, ==, 0);
}

static void
test_cache_corrupt (Fixture       *f,
                    gconstpointer  data)
{
  const gchar *corrupt[] = {
    "\xff\xfe not a key file",
    "[not-an-id]\naddresses=192.0.2.9 4242 0 1;\n",
    "[" ID_A "]\naddresses=example.org 4242 0 1;\n",
    "[" ID_A "]\naddresses=192.0.2.9 0 0 1;\n",
    "[" ID_A "]\naddresses=192.0.2.9 4242 0;\n",
    "[" ID_A "]\nother=1\n",
  };

  g_test_summary ("A cache file that cannot be read is logged and ignored, never fatal, and "
                  "replaced by the next change");
  if (!shoal_test_scratch_in_child (&f->child_passed))
    return;

  for (gsize i = 0; i < G_N_ELEMENTS (corrupt); i++)
    {
      g_autoptr(ShoalAddressCache) cache = NULL;
      g_autoptr(ShoalAddressCache) again = NULL;
      g_autoptr(GPtrArray) ids = NULL;
      g_autoptr(GPtrArray) addresses = NULL;
      g_autoptr(GInetSocketAddress) address = address_new ("192.0.2.8", 4242);

      g_assert_true (g_file_set_contents (f->path, corrupt[i], -1, NULL));
      ignored = 0;
      cache = shoal_address_cache_new (f->path);
      g_assert_cmpuint (ignored, ==, 1);
      ids = shoal_address_cache_peers (cache);
      g_assert_cmpuint (ids->len, ==, 0);

      shoal_address_cache_add (cache, ID_B, address, now_s ());
      again = shoal_address_cache_new (f->path);
      addresses = shoal_address_cache_lookup (again, ID_B);
      g_assert_cmpuint (addresses->len, ==, 1);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_writer_func (count_writer, NULL, NULL);

  g_test_add_func ("/address/rule", test_rule);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/address/cache/round-trip", test_cache_round_trip);
  ADD ("/address/cache/bounds", test_cache_bounds);
  ADD ("/address/cache/corrupt", test_cache_corrupt);
#undef ADD

  return g_test_run ();
}
