/* test-interfaces.c: the machine's interfaces, as mDNS and the clone check see them
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-interfaces.h"

static GInetAddress *
address (const gchar *text)
{
  GInetAddress *parsed = g_inet_address_new_from_string (text);

  g_assert_nonnull (parsed);
  return parsed;
}

static void
test_list (void)
{
  g_autoptr(GPtrArray) interfaces = shoal_interfaces_list ();
  gboolean loopback_seen = FALSE;

  g_test_summary ("The interfaces that are up are listed once each, with their addresses; "
                  "loopback is never usable for mDNS, and an interface without multicast "
                  "or without an address is not either");

  for (guint i = 0; i < interfaces->len; i++)
    {
      ShoalInterface *interface = g_ptr_array_index (interfaces, i);

      for (guint j = i + 1; j < interfaces->len; j++)
        g_assert_cmpstr (interface->name, !=,
                         ((ShoalInterface *) g_ptr_array_index (interfaces, j))->name);
      if (interface->loopback)
        {
          g_autoptr(GInetAddress) localhost = address ("127.0.0.1");
          gboolean has_localhost = FALSE;

          loopback_seen = TRUE;
          g_assert_false (shoal_interface_is_usable (interface));
          for (guint j = 0; j < interface->addresses->len; j++)
            has_localhost = has_localhost ||
                            g_inet_address_equal (g_ptr_array_index (interface->addresses, j),
                                                  localhost);
          g_assert_true (has_localhost);
        }
      if (shoal_interface_is_usable (interface))
        {
          g_assert_true (interface->multicast);
          g_assert_cmpuint (interface->addresses->len, >, 0);
        }
    }

  if (!loopback_seen)
    g_test_incomplete ("no loopback interface is up here");
}

static void
test_have_address (void)
{
  g_autoptr(GPtrArray) interfaces = shoal_interfaces_list ();
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  const gchar * const local[] = { "127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1" };
  g_autoptr(GInetAddress) stranger = address ("203.0.113.77");
  g_autoptr(GInetAddress) mapped_stranger = address ("::ffff:203.0.113.77");

  g_test_summary ("Loopback addresses, IPv4-mapped ones too, are this machine's, whatever the "
                  "interfaces; an address from TEST-NET-3 is not");

  for (gsize i = 0; i < G_N_ELEMENTS (local); i++)
    {
      g_autoptr(GInetAddress) candidate = address (local[i]);

      g_assert_true (shoal_interfaces_have_address (interfaces, candidate));
      g_assert_true (shoal_interfaces_have_address (none, candidate));
    }
  g_assert_false (shoal_interfaces_have_address (interfaces, stranger));
  g_assert_false (shoal_interfaces_have_address (interfaces, mapped_stranger));
}

static void
test_unmap (void)
{
  g_autoptr(GInetAddress) mapped = address ("::ffff:192.0.2.1");
  g_autoptr(GInetAddress) plain = address ("2001:db8::1");
  g_autoptr(GInetAddress) unmapped = shoal_inet_address_unmap (mapped);
  g_autoptr(GInetAddress) unchanged = shoal_inet_address_unmap (plain);
  g_autofree gchar *text = g_inet_address_to_string (unmapped);

  g_test_summary ("An IPv4-mapped IPv6 address (how a dual-stack socket shows an IPv4 peer) "
                  "becomes the IPv4 address; any other is kept");

  g_assert_cmpint (g_inet_address_get_family (unmapped), ==, G_SOCKET_FAMILY_IPV4);
  g_assert_cmpstr (text, ==, "192.0.2.1");
  g_assert_true (g_inet_address_equal (unchanged, plain));
}

static void
test_patterns (void)
{
  const gchar * const valid[] = { "eth0", "wlp3s0", "veth*", "en?s1", "br-1f2e.100", "a",
                                  "fifteen-bytes-x" };
  const gchar * const invalid[] = { "", "sixteen-bytes-xx", "eth 0", "eth0/1", "eth0:1",
                                    ".", "..", "tab\there", "new\nline" };

  g_test_summary ("An interface setting names an interface as Linux allows it (1 to 15 "
                  "bytes, no slash, colon or white space, not . or ..), wildcards allowed; "
                  "anything else is refused");

  for (gsize i = 0; i < G_N_ELEMENTS (valid); i++)
    g_assert_true (shoal_interface_pattern_is_valid (valid[i]));
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    g_assert_false (shoal_interface_pattern_is_valid (invalid[i]));
  g_assert_false (shoal_interface_pattern_is_valid (NULL));
}

static void
test_allowed (void)
{
  const gchar * const only[] = { "eth*", "wlan0", NULL };
  const gchar * const excluded[] = { "eth1", "docker*", NULL };
  const gchar * const empty[] = { NULL };

  g_test_summary ("With no setting every interface is allowed; interfaces= allows only what "
                  "it matches, exclude-interfaces= never what it matches, and wins over "
                  "interfaces=");

  g_assert_true (shoal_interface_name_is_allowed ("eth0", NULL, NULL));
  g_assert_true (shoal_interface_name_is_allowed ("eth0", empty, empty));
  g_assert_true (shoal_interface_name_is_allowed ("eth0", only, NULL));
  g_assert_true (shoal_interface_name_is_allowed ("wlan0", only, NULL));
  g_assert_false (shoal_interface_name_is_allowed ("wlan1", only, NULL));
  g_assert_false (shoal_interface_name_is_allowed ("eth1", NULL, excluded));
  g_assert_false (shoal_interface_name_is_allowed ("docker0", NULL, excluded));
  g_assert_true (shoal_interface_name_is_allowed ("eth0", NULL, excluded));
  g_assert_false (shoal_interface_name_is_allowed ("eth1", only, excluded));
  g_assert_true (shoal_interface_name_is_allowed ("eth2", only, excluded));
}

static void
test_find_address (void)
{
  g_autoptr(GPtrArray) interfaces = shoal_interfaces_list ();
  g_autoptr(GInetAddress) localhost = address ("127.0.0.1");
  g_autoptr(GInetAddress) mapped = address ("::ffff:127.0.0.1");
  g_autoptr(GInetAddress) stranger = address ("203.0.113.77");
  const ShoalInterface *interface = shoal_interfaces_find_address (interfaces, localhost);

  g_test_summary ("The interface of one of this machine's addresses is found, through an "
                  "IPv4-mapped address too; an address of no interface has none");

  if (interface == NULL)
    {
      g_test_skip ("no interface has 127.0.0.1 here");
      return;
    }
  g_assert_true (interface->loopback);
  g_assert_true (shoal_interfaces_find_address (interfaces, mapped) == interface);
  g_assert_null (shoal_interfaces_find_address (interfaces, stranger));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/interfaces/list", test_list);
  g_test_add_func ("/interfaces/have-address", test_have_address);
  g_test_add_func ("/interfaces/unmap", test_unmap);
  g_test_add_func ("/interfaces/patterns", test_patterns);
  g_test_add_func ("/interfaces/allowed", test_allowed);
  g_test_add_func ("/interfaces/find-address", test_find_address);

  return g_test_run ();
}
