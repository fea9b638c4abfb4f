/* test-dns-sd.c: what a Shoal DNS-SD record says, without avahi-daemon
 *
 * The TXT record a node announces and the checks a browser applies to one it
 * resolves, the conversion of resolved addresses (with the interface as the
 * scope id of a link-local address), and the merged, ordered address list of
 * a peer seen on several records. The avahi suite checks the same through
 * real daemons, slowly; this checks every case directly.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-dns-sd.h"
#include "shoal-peer-private.h"

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

/* Interface indexes that no test machine has, so the scope id prints as a
 * number rather than as whatever name the machine gives it. */
#define IFINDEX_1 4001
#define IFINDEX_2 4002

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvahiStringList, avahi_string_list_free)

/* Helpers */

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* A TXT record of the given items in their order, which may hold NULs
 * (@lengths, or -1 for a nul-terminated item). */
static AvahiStringList *
txt_new (const gchar * const *items,
         const gssize        *lengths)
{
  AvahiStringList *txt = NULL;
  gsize i;

  for (i = 0; items[i] != NULL; i++)
    {
      gsize length = (lengths == NULL || lengths[i] < 0) ? strlen (items[i]) : (gsize) lengths[i];

      txt = avahi_string_list_add_arbitrary (txt, (const guint8 *) items[i], length);
    }
  /* Avahi adds at the head. */
  return avahi_string_list_reverse (txt);
}

static GInetSocketAddress *
address_new (const gchar  *string,
             AvahiIfIndex  interface,
             guint16       port)
{
  AvahiAddress address;

  g_assert_nonnull (avahi_address_parse (string, AVAHI_PROTO_UNSPEC, &address));
  return shoal_dns_sd_socket_address_from_avahi (&address, interface, port);
}

static gchar *
addresses_to_string (GPtrArray *addresses)
{
  g_autoptr(GString) joined = g_string_new (NULL);
  guint i;

  for (i = 0; i < addresses->len; i++)
    {
      g_autofree gchar *string = shoal_socket_address_to_string (g_ptr_array_index (addresses, i));

      if (i > 0)
        g_string_append_c (joined, ' ');
      g_string_append (joined, string);
    }
  return g_string_free (g_steal_pointer (&joined), FALSE);
}

/* TXT */

static void
test_txt_round_trip (void)
{
  g_autoptr(AvahiStringList) txt = shoal_dns_sd_txt_build (ID_A, ID_B, 4242);
  g_autofree gchar *proto = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *session_id = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  const gchar *expected[] = { "id=" ID_A, "port=04242", "proto=2", "session=" ID_B, NULL };
  AvahiStringList *item;

  g_test_summary ("The TXT record a node announces holds exactly its port, proto=2, its "
                  "id and its session, and reads back as that id and session");

  for (item = txt; item != NULL; item = avahi_string_list_get_next (item))
    g_ptr_array_add (items, g_strndup ((const gchar *) avahi_string_list_get_text (item),
                                       avahi_string_list_get_size (item)));
  g_ptr_array_sort (items, compare_strings);
  g_ptr_array_add (items, NULL);
  g_assert_cmpstrv (items->pdata, expected);

  proto = shoal_dns_sd_txt_lookup (txt, "proto");
  g_assert_cmpstr (proto, ==, "2");

  g_assert_true (shoal_dns_sd_txt_parse (txt, "kitchen", &id, &session_id));
  g_assert_cmpstr (id, ==, ID_A);
  g_assert_cmpstr (session_id, ==, ID_B);
}

/* As avahi-daemon compares rdata when it breaks a probe tie: bytes first,
 * then the shorter is earlier. */
static gint
compare_rdata (AvahiStringList *a,
               AvahiStringList *b)
{
  guint8 bytes_a[512], bytes_b[512];
  gsize size_a = avahi_string_list_serialize (a, bytes_a, sizeof bytes_a);
  gsize size_b = avahi_string_list_serialize (b, bytes_b, sizeof bytes_b);
  gint cmp = memcmp (bytes_a, bytes_b, MIN (size_a, size_b));

  if (cmp != 0)
    return cmp < 0 ? -1 : 1;
  return size_a == size_b ? 0 : (size_a < size_b ? -1 : 1);
}

static void
test_txt_orders_like_srv (void)
{
  /* The larger id and session go with the smaller port, so that only the
   * port can make the order come out right. */
  const guint16 ports[][2] = { { 999, 10000 }, { 4242, 4243 }, { 1, 65535 }, { 80, 8080 } };

  g_test_summary ("Two nodes' TXT records compare as their ports do, whatever their ids "
                  "and sessions, so that avahi's per-record probe tie-break picks the same "
                  "node for the TXT record as for the SRV record");

  for (gsize i = 0; i < G_N_ELEMENTS (ports); i++)
    {
      g_autoptr(AvahiStringList) low = shoal_dns_sd_txt_build (ID_B, ID_B, ports[i][0]);
      g_autoptr(AvahiStringList) high = shoal_dns_sd_txt_build (ID_A, ID_A, ports[i][1]);

      g_assert_cmpint (compare_rdata (low, high), <, 0);
      g_assert_cmpint (compare_rdata (high, low), >, 0);
    }
}

static void
test_txt_accepted (void)
{
  const gchar *cases[][6] = {
    /* A later version is still dialled: versions are negotiated in HELLO. */
    { "proto=2", "id=" ID_A, "session=" ID_B, NULL },
    { "proto=4294967295", "id=" ID_A, "session=" ID_B, NULL },
    /* Unknown keys and any order. */
    { "session=" ID_B, "groups=a,b", "id=" ID_A, "flag", "proto=1", NULL },
  };
  gsize i;

  g_test_summary ("A TXT record with a later proto, unknown keys or its keys in "
                  "another order is still a peer");

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(AvahiStringList) txt = txt_new (cases[i], NULL);
      g_autofree gchar *id = NULL;
      g_autofree gchar *session_id = NULL;

      g_test_message ("case %" G_GSIZE_FORMAT, i);
      g_assert_true (shoal_dns_sd_txt_parse (txt, "kitchen", &id, &session_id));
      g_assert_cmpstr (id, ==, ID_A);
      g_assert_cmpstr (session_id, ==, ID_B);
    }
}

static void
test_txt_refused (void)
{
  const struct {
    const gchar *items[4];
    gssize       lengths[4];
  } cases[] = {
    /* proto */
    { { "id=" ID_A, "session=" ID_B, NULL }, { -1, -1 } },
    { { "proto", "id=" ID_A, "session=" ID_B, NULL }, { -1, -1, -1 } },
    { { "proto=", "id=" ID_A, "session=" ID_B, NULL }, { -1, -1, -1 } },
    { { "proto=0", "id=" ID_A, "session=" ID_B, NULL }, { -1, -1, -1 } },
    { { "proto=-1", "id=" ID_A, "session=" ID_B, NULL }, { -1, -1, -1 } },
    { { "proto=one", "id=" ID_A, "session=" ID_B, NULL }, { -1, -1, -1 } },
    { { "proto=1x", "id=" ID_A, "session=" ID_B, NULL }, { -1, -1, -1 } },
    { { "proto= 1", "id=" ID_A, "session=" ID_B, NULL }, { -1, -1, -1 } },
    /* GLib's number parser skips a vertical tab (tests/fuzz/fuzz-dns-sd-txt). */
    { { "proto=\v1", "id=" ID_A, "session=" ID_B, NULL }, { -1, -1, -1 } },
    { { "proto=4294967296", "id=" ID_A, "session=" ID_B, NULL }, { -1, -1, -1 } },
    { { "proto=1\0" "2", "id=" ID_A, "session=" ID_B, NULL }, { 9, -1, -1 } },
    /* id */
    { { "proto=1", "session=" ID_B, NULL }, { -1, -1 } },
    { { "proto=1", "id", "session=" ID_B, NULL }, { -1, -1, -1 } },
    { { "proto=1", "id=", "session=" ID_B, NULL }, { -1, -1, -1 } },
    { { "proto=1", "id=0123456789ABCDEF0123456789ABCDEF", "session=" ID_B, NULL }, { -1, -1, -1 } },
    { { "proto=1", "id=0123456789abcdef0123456789abcde", "session=" ID_B, NULL }, { -1, -1, -1 } },
    { { "proto=1", "id=" ID_A "0", "session=" ID_B, NULL }, { -1, -1, -1 } },
    { { "proto=1", "id=0123456789abcdef0123456789abcdeg", "session=" ID_B, NULL }, { -1, -1, -1 } },
    /* An id with a NUL in it: valid up to the NUL, so only the length shows it. */
    { { "proto=1", "id=" ID_A "\0" "00", "session=" ID_B, NULL }, { -1, 38, -1 } },
    /* session */
    { { "proto=1", "id=" ID_A, NULL }, { -1, -1 } },
    { { "proto=1", "id=" ID_A, "session", NULL }, { -1, -1, -1 } },
    { { "proto=1", "id=" ID_A, "session=", NULL }, { -1, -1, -1 } },
    { { "proto=1", "id=" ID_A, "session=fedcba9876543210", NULL }, { -1, -1, -1 } },
    { { "proto=1", "id=" ID_A, "session=FEDCBA9876543210FEDCBA9876543210", NULL }, { -1, -1, -1 } },
    { { "proto=1", "id=" ID_A, "session=" ID_B "\0", NULL }, { -1, -1, 41 } },
  };
  gsize i;

  g_test_summary ("A TXT record without a decimal proto of at least 1, a valid id or a "
                  "valid session is refused, NULs included, and nothing is "
                  "returned for it");

  /* No TXT record at all. */
  {
    gchar *id = NULL;
    gchar *session_id = NULL;

    g_assert_false (shoal_dns_sd_txt_parse (NULL, "kitchen", &id, &session_id));
    g_assert_null (id);
    g_assert_null (session_id);
  }

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(AvahiStringList) txt = txt_new (cases[i].items, cases[i].lengths);
      gchar *id = NULL;
      gchar *session_id = NULL;

      g_test_message ("case %" G_GSIZE_FORMAT, i);
      g_assert_false (shoal_dns_sd_txt_parse (txt, "kitchen", &id, &session_id));
      g_assert_null (id);
      g_assert_null (session_id);
    }
}

static void
test_txt_keys (void)
{
  const struct {
    const gchar *items[5];
    gssize       lengths[5];
    const gchar *id;       /* NULL: refused */
    const gchar *session;
  } cases[] = {
    /* Keys compare without regard to ASCII case. */
    { { "PROTO=1", "Id=" ID_A, "SESSION=" ID_B, NULL }, { -1, -1, -1 }, ID_A, ID_B },
    /* Only the first string with a key counts. */
    { { "proto=1", "id=" ID_A, "id=" ID_B, "session=" ID_B, NULL }, { -1, -1, -1, -1 }, ID_A, ID_B },
    { { "proto=1", "id", "id=" ID_A, "session=" ID_B, NULL }, { -1, -1, -1, -1 }, NULL, NULL },
    /* A NUL in a string's key makes it another key: it neither gives the
     * value nor hides a later string with the key. Found by
     * tests/fuzz/fuzz-dns-sd-txt: avahi_string_list_find() compares keys as
     * C strings, and all of these went the other way. */
    { { "proto=1", "id\0=" ID_A, "session=" ID_B, NULL }, { -1, 36, -1 }, NULL, NULL },
    { { "proto=1", "id\0junk=" ID_B, "id=" ID_A, "session=" ID_B, NULL }, { -1, 40, -1, -1 }, ID_A, ID_B },
    { { "proto=1", "session\0x", "id=" ID_A, "session=" ID_B, NULL }, { -1, 9, -1, -1 }, ID_A, ID_B },
  };
  gsize i;

  g_test_summary ("TXT keys are read as RFC 6763 says: without regard to case, the first "
                  "string with a key counts, and a key holding a NUL is another key");

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(AvahiStringList) txt = txt_new (cases[i].items, cases[i].lengths);
      g_autofree gchar *id = NULL;
      g_autofree gchar *session_id = NULL;

      g_test_message ("case %" G_GSIZE_FORMAT, i);
      g_assert_cmpint (shoal_dns_sd_txt_parse (txt, "kitchen", &id, &session_id), ==,
                       cases[i].id != NULL);
      g_assert_cmpstr (id, ==, cases[i].id);
      g_assert_cmpstr (session_id, ==, cases[i].session);
    }
}

static void
test_txt_lookup (void)
{
  const gchar *items[] = { "flag", "empty=", "nul=a\0b", "id=" ID_A, NULL };
  const gssize lengths[] = { -1, -1, 7, -1 };
  g_autoptr(AvahiStringList) txt = txt_new (items, lengths);
  g_autofree gchar *flag = shoal_dns_sd_txt_lookup (txt, "flag");
  g_autofree gchar *empty = shoal_dns_sd_txt_lookup (txt, "empty");
  g_autofree gchar *nul = shoal_dns_sd_txt_lookup (txt, "nul");
  g_autofree gchar *id = shoal_dns_sd_txt_lookup (txt, "id");
  g_autofree gchar *missing = shoal_dns_sd_txt_lookup (txt, "missing");
  g_autofree gchar *in_nothing = shoal_dns_sd_txt_lookup (NULL, "id");

  g_test_summary ("A TXT lookup gives the value of a key, nothing for a key "
                  "without '=', a missing key or a value holding a NUL");

  g_assert_null (flag);
  g_assert_cmpstr (empty, ==, "");
  g_assert_null (nul);
  g_assert_cmpstr (id, ==, ID_A);
  g_assert_null (missing);
  g_assert_null (in_nothing);
}

/* Addresses */

static void
test_address_from_avahi (void)
{
  const struct {
    const gchar  *address;
    AvahiIfIndex  interface;
    GSocketFamily family;
    guint32       scope_id;
  } cases[] = {
    { "192.0.2.1", IFINDEX_1, G_SOCKET_FAMILY_IPV4, 0 },
    { "2001:db8::1", IFINDEX_1, G_SOCKET_FAMILY_IPV6, 0 },
    { "fe80::1", IFINDEX_1, G_SOCKET_FAMILY_IPV6, IFINDEX_1 },
    { "fe80::1", IFINDEX_2, G_SOCKET_FAMILY_IPV6, IFINDEX_2 },
    { "febf::1", IFINDEX_1, G_SOCKET_FAMILY_IPV6, IFINDEX_1 },   /* still fe80::/10 */
    { "fec0::1", IFINDEX_1, G_SOCKET_FAMILY_IPV6, 0 },
    { "fe80::1", AVAHI_IF_UNSPEC, G_SOCKET_FAMILY_IPV6, 0 },
  };
  AvahiAddress unspec = { .proto = AVAHI_PROTO_UNSPEC };
  gsize i;

  g_test_summary ("A resolved address keeps its family and port; a link-local "
                  "IPv6 address gets the interface it was seen on as its scope "
                  "id, and no other address does");

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GInetSocketAddress) address = address_new (cases[i].address, cases[i].interface, 4242);
      g_autofree gchar *host = NULL;

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, cases[i].address);
      g_assert_nonnull (address);
      host = g_inet_address_to_string (g_inet_socket_address_get_address (address));
      g_assert_cmpstr (host, ==, cases[i].address);
      g_assert_cmpint (g_inet_address_get_family (g_inet_socket_address_get_address (address)), ==,
                       cases[i].family);
      g_assert_cmpuint (g_inet_socket_address_get_port (address), ==, 4242);
      if (cases[i].family == G_SOCKET_FAMILY_IPV6)
        g_assert_cmpuint (g_inet_socket_address_get_scope_id (address), ==, cases[i].scope_id);
    }

  g_assert_null (shoal_dns_sd_socket_address_from_avahi (&unspec, IFINDEX_1, 4242));
}

static void
test_address_rank (void)
{
  g_autoptr(GInetSocketAddress) ipv4 = address_new ("192.0.2.1", IFINDEX_1, 1);
  g_autoptr(GInetSocketAddress) global = address_new ("2001:db8::1", IFINDEX_1, 1);
  g_autoptr(GInetSocketAddress) link_local = address_new ("fe80::1", IFINDEX_1, 1);

  g_test_summary ("IPv4 ranks before global IPv6, which ranks before link-local IPv6");

  g_assert_cmpint (shoal_dns_sd_address_rank (ipv4), ==, 0);
  g_assert_cmpint (shoal_dns_sd_address_rank (global), ==, 1);
  g_assert_cmpint (shoal_dns_sd_address_rank (link_local), ==, 2);
  g_assert_cmpint (shoal_dns_sd_compare_addresses (&ipv4, &global), <, 0);
  g_assert_cmpint (shoal_dns_sd_compare_addresses (&global, &link_local), <, 0);
  g_assert_cmpint (shoal_dns_sd_compare_addresses (&link_local, &ipv4), >, 0);
  g_assert_cmpint (shoal_dns_sd_compare_addresses (&global, &global), ==, 0);
}

static void
test_addresses_merge (void)
{
  /* What one peer's records may resolve to: in any order, the IPv4 address
   * seen on both protocols' records, the same link-local address on two
   * interfaces, and an address on another port. */
  const struct {
    const gchar  *address;
    AvahiIfIndex  interface;
    guint16       port;
  } input[] = {
    { "fe80::1", IFINDEX_2, 4000 },
    { "2001:db8::2", IFINDEX_1, 4000 },
    { "192.0.2.2", IFINDEX_1, 4000 },
    { "fe80::1", IFINDEX_1, 4000 },
    { "192.0.2.1", IFINDEX_1, 4000 },
    { "2001:db8::1", IFINDEX_2, 4000 },
    { "192.0.2.1", IFINDEX_2, 4000 },
    { "fe80::1", IFINDEX_1, 4000 },
    { "192.0.2.1", IFINDEX_1, 4001 },
    { "2001:db8::2", IFINDEX_2, 4000 },
  };
  const gchar *expected =
    "192.0.2.1:4000 192.0.2.1:4001 192.0.2.2:4000 "
    "[2001:db8::1]:4000 [2001:db8::2]:4000 "
    "[fe80::1%4001]:4000 [fe80::1%4002]:4000";
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260102);
  guint round, i;

  g_test_summary ("A peer's addresses from all its records merge into one list: "
                  "IPv4, then global IPv6, then link-local IPv6 by interface, "
                  "repeats collapsed, the same list whatever the input order");

  for (round = 0; round < 50; round++)
    {
      g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_object_unref);
      g_autofree gchar *joined = NULL;
      g_autofree gchar *listed = NULL;
      g_autofree gchar *again = NULL;

      for (i = 0; i < G_N_ELEMENTS (input); i++)
        g_ptr_array_add (addresses, address_new (input[i].address, input[i].interface, input[i].port));
      /* Round 0 takes the order above; the others shuffle it. */
      for (i = addresses->len - 1; round > 0 && i > 0; i--)
        {
          guint j = (guint) g_rand_int_range (rand, 0, (gint32) i + 1);
          gpointer swap = addresses->pdata[i];

          addresses->pdata[i] = addresses->pdata[j];
          addresses->pdata[j] = swap;
        }

      joined = shoal_dns_sd_addresses_merge (addresses);
      g_assert_cmpstr (joined, ==, expected);
      g_assert_cmpuint (addresses->len, ==, 7);
      listed = addresses_to_string (addresses);
      g_assert_cmpstr (listed, ==, expected);

      /* Merging a merged list changes nothing, so an unchanged peer stays quiet. */
      again = shoal_dns_sd_addresses_merge (addresses);
      g_assert_cmpstr (again, ==, expected);
      g_assert_cmpuint (addresses->len, ==, 7);
    }

  /* A peer whose records have no address yet. */
  {
    g_autoptr(GPtrArray) none = g_ptr_array_new_with_free_func (g_object_unref);
    g_autofree gchar *joined = shoal_dns_sd_addresses_merge (none);

    g_assert_cmpstr (joined, ==, "");
    g_assert_cmpuint (none->len, ==, 0);
  }
}

/* Raw records */

static void
test_instance_name (void)
{
  /* 30 bytes of name fit beside a space and the id in one 63-byte label. */
  const gchar *long_name = "abcdefghijklmnopqrstuvwxyz0123456789";
  g_autofree gchar *plain = shoal_dns_sd_instance_name ("kitchen", ID_A);
  g_autofree gchar *cut = shoal_dns_sd_instance_name (long_name, ID_A);
  g_autofree gchar *utf8 = shoal_dns_sd_instance_name ("ééééééééééééééééééééé", ID_A);
  g_autofree gchar *empty = shoal_dns_sd_instance_name ("", ID_A);
  g_autofree gchar *none = shoal_dns_sd_instance_name (NULL, ID_A);

  g_test_summary ("The instance name is the node's name, a space and its id, within one "
                  "63-byte DNS label, the name cut at a character boundary");

  g_assert_cmpstr (plain, ==, "kitchen " ID_A);
  g_assert_cmpuint (strlen (cut), ==, 63);
  g_assert_cmpstr (cut, ==, "abcdefghijklmnopqrstuvwxyz0123 " ID_A);
  /* 21 two-byte characters are 42 bytes: 15 of them (30 bytes) fit. */
  g_assert_true (g_utf8_validate (utf8, -1, NULL));
  g_assert_cmpuint (strlen (utf8), ==, 30 + 1 + 32);
  g_assert_cmpstr (empty, ==, ID_A);
  g_assert_cmpstr (none, ==, ID_A);
}

static void
test_instance_label (void)
{
  const struct { const gchar *instance; const gchar *id; const gchar *label; } cases[] = {
    { "kitchen " ID_A, ID_A, "kitchen" },
    { "two words " ID_A, ID_A, "two words" },
    /* Another id, a rename or a foreign instance: reported whole. */
    { "kitchen " ID_A, ID_B, "kitchen " ID_A },
    { "kitchen " ID_A " #2", ID_A, "kitchen " ID_A " #2" },
    { "kitchen", ID_A, "kitchen" },
    { ID_A, ID_A, ID_A },
    { " " ID_A, ID_A, " " ID_A },
  };

  g_test_summary ("A browsed instance is reported by the name before its id");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *label = shoal_dns_sd_instance_label (cases[i].instance, cases[i].id);

      g_assert_cmpstr (label, ==, cases[i].label);
    }
}

static void
test_host_label (void)
{
  g_autofree gchar *label = shoal_dns_sd_host_label (ID_A, ID_B);

  g_test_summary ("The SRV target's label is shoal-, the id, - and 8 characters of the "
                  "session id: one DNS label, unique to one start of one node");
  g_assert_cmpstr (label, ==, "shoal-" ID_A "-fedcba98");
  g_assert_cmpuint (strlen (label), <=, 63);
}

static void
test_rdata (void)
{
  static const guint8 ptr_expected[] = {
    3, 'a', '.', 'b', 6, '_', 's', 'h', 'o', 'a', 'l', 4, '_', 't', 'c', 'p',
    5, 'l', 'o', 'c', 'a', 'l', 0,
  };
  static const guint8 srv_expected[] = {
    0, 0, 0, 0, 0x10, 0x92, 3, 'h', 'o', 's', 5, 'l', 'o', 'c', 'a', 'l', 0,
  };
  g_autoptr(GBytes) ptr = shoal_dns_sd_ptr_rdata ("a.b", "_shoal._tcp.local");
  g_autoptr(GBytes) srv = shoal_dns_sd_srv_rdata (4242, "hos", "local");
  g_autoptr(GBytes) enumeration = shoal_dns_sd_ptr_rdata (NULL, "_shoal._tcp.local");
  g_autoptr(AvahiStringList) strings = shoal_dns_sd_txt_build (ID_A, ID_B, 4242);
  g_autoptr(GBytes) txt = shoal_dns_sd_txt_rdata (strings);
  g_autofree gchar *too_long = g_strnfill (64, 'x');
  g_autoptr(GBytes) refused = shoal_dns_sd_ptr_rdata (too_long, "local");
  g_autoptr(GBytes) empty_label = shoal_dns_sd_srv_rdata (1, "h", "local..");
  const guint8 *data;
  gsize size;

  g_test_summary ("PTR, SRV and TXT record data in DNS wire format: an instance label "
                  "keeps its dots, SRV has priority and weight 0, TXT keeps its order, "
                  "labels over 63 bytes or empty are refused");

  data = g_bytes_get_data (ptr, &size);
  g_assert_cmpmem (data, size, ptr_expected, sizeof ptr_expected);
  data = g_bytes_get_data (enumeration, &size);
  g_assert_cmpmem (data, size, ptr_expected + 4, sizeof ptr_expected - 4);
  data = g_bytes_get_data (srv, &size);
  g_assert_cmpmem (data, size, srv_expected, sizeof srv_expected);

  /* "port=04242" leads, as shoal_dns_sd_txt_build() added it. */
  data = g_bytes_get_data (txt, &size);
  g_assert_cmpuint (size, >, 11);
  g_assert_cmpuint (data[0], ==, strlen ("port=04242"));
  g_assert_cmpmem (data + 1, 10, "port=04242", 10);

  g_assert_null (refused);
  g_assert_null (empty_label);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/dns-sd/txt/round-trip", test_txt_round_trip);
  g_test_add_func ("/dns-sd/txt/orders-like-srv", test_txt_orders_like_srv);
  g_test_add_func ("/dns-sd/txt/accepted", test_txt_accepted);
  g_test_add_func ("/dns-sd/txt/refused", test_txt_refused);
  g_test_add_func ("/dns-sd/txt/keys", test_txt_keys);
  g_test_add_func ("/dns-sd/txt/lookup", test_txt_lookup);
  g_test_add_func ("/dns-sd/address/from-avahi", test_address_from_avahi);
  g_test_add_func ("/dns-sd/address/rank", test_address_rank);
  g_test_add_func ("/dns-sd/address/merge", test_addresses_merge);
  g_test_add_func ("/dns-sd/records/instance-name", test_instance_name);
  g_test_add_func ("/dns-sd/records/instance-label", test_instance_label);
  g_test_add_func ("/dns-sd/records/host-label", test_host_label);
  g_test_add_func ("/dns-sd/records/rdata", test_rdata);

  return g_test_run ();
}
