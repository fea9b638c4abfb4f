/* test-frame-peers.c: the PEERS frame of peer exchange
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-frame.h"

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

static GBytes *
body_of (GBytes *frame)
{
  return g_bytes_new_from_bytes (frame, SHOAL_FRAME_HEADER_SIZE,
                                 g_bytes_get_size (frame) - SHOAL_FRAME_HEADER_SIZE);
}

/* A hand-made a{sv} body, in wire order, from @value under @key. */
static GBytes *
body_from_value (const gchar *key,
                 GVariant    *value)
{
  GVariantBuilder builder;
  g_autoptr(GVariant) dict = NULL;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  if (key != NULL)
    g_variant_builder_add (&builder, "{sv}", key, value);
  dict = g_variant_ref_sink (g_variant_builder_end (&builder));
#if G_BYTE_ORDER == G_BIG_ENDIAN
  {
    g_autoptr(GVariant) swapped = g_variant_byteswap (dict);
    return g_variant_get_data_as_bytes (swapped);
  }
#else
  return g_variant_get_data_as_bytes (dict);
#endif
}

static void
test_round_trip (void)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_peers_entry_free);
  g_autoptr(GPtrArray) decoded = NULL;
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  ShoalFrameHeader header;

  g_test_summary ("A PEERS frame carries up to 64 entries of id, up to 4 numeric addresses "
                  "and a port, and decodes to the same; the worst case fits the body limit");

  for (guint i = 0; i < SHOAL_PEERS_MAX_ENTRIES; i++)
    {
      g_autofree gchar *id = g_strdup_printf ("%032x", i + 1);
      ShoalPeersEntry *entry = shoal_peers_entry_new (id, (guint16) (1000 + i));

      /* The longest textual IPv6 address there is, four times over. */
      for (guint j = 0; j < SHOAL_PEERS_MAX_ADDRESSES; j++)
        g_ptr_array_add (entry->addresses,
                         g_inet_address_new_from_string ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
      g_ptr_array_add (entries, entry);
    }

  frame = shoal_frame_encode_peers (entries);
  g_assert_nonnull (frame);
  g_test_message ("worst-case PEERS frame: %" G_GSIZE_FORMAT " bytes", g_bytes_get_size (frame));
  g_assert_true (shoal_frame_header_parse (g_bytes_get_data (frame, NULL), SHOAL_FRAME_MAX_DATA_BODY,
                                           &header, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (header.type, ==, SHOAL_FRAME_PEERS);
  g_assert_cmpuint (header.body_length, <=, SHOAL_FRAME_MAX_PEERS_BODY);

  body = body_of (frame);
  decoded = shoal_frame_decode_peers (body, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (decoded->len, ==, SHOAL_PEERS_MAX_ENTRIES);
  for (guint i = 0; i < decoded->len; i++)
    {
      ShoalPeersEntry *a = g_ptr_array_index (entries, i);
      ShoalPeersEntry *b = g_ptr_array_index (decoded, i);

      g_assert_cmpstr (a->peer_id, ==, b->peer_id);
      g_assert_cmpuint (a->port, ==, b->port);
      g_assert_cmpuint (b->addresses->len, ==, SHOAL_PEERS_MAX_ADDRESSES);
      g_assert_true (g_inet_address_equal (g_ptr_array_index (a->addresses, 0),
                                           g_ptr_array_index (b->addresses, 0)));
    }

  /* No entries at all is a valid list: a node with no other link. */
  g_ptr_array_set_size (entries, 0);
  g_clear_pointer (&frame, g_bytes_unref);
  g_clear_pointer (&body, g_bytes_unref);
  g_clear_pointer (&decoded, g_ptr_array_unref);
  frame = shoal_frame_encode_peers (entries);
  body = body_of (frame);
  decoded = shoal_frame_decode_peers (body, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (decoded->len, ==, 0);
}

static GVariant *
entry_value (const gchar *id,
             const gchar * const *addresses,
             guint16 port)
{
  return g_variant_new ("(s^asq)", id, addresses, port);
}

static void
assert_refused (GBytes      *body,
                const gchar *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) decoded = shoal_frame_decode_peers (body, &error);

  g_assert_null (decoded);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_malformed (void)
{
  const gchar *one[] = { "192.0.2.7", NULL };
  const gchar *five[] = { "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5", NULL };
  const gchar *named[] = { "example.org", NULL };
  const gchar *scoped[] = { "fe80::1%eth0", NULL };
  const gchar *bracketed[] = { "[2001:db8::1]", NULL };
  GVariantBuilder list;
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) junk = g_bytes_new_static ("\x01\x02\x03", 3);
  g_autoptr(GBytes) too_long = NULL;
  g_autoptr(GBytes) body = NULL;

  g_test_summary ("Every malformed PEERS body is a protocol error that says what was wrong: "
                  "size, not a{sv}, missing or mistyped or repeated key, over 64 entries, "
                  "a bad id, over 4 addresses, an address that is not a numeric IP");

  assert_refused (empty, "must be 1..16384");
  too_long = g_bytes_new_take (g_malloc0 (SHOAL_FRAME_MAX_PEERS_BODY + 1),
                               SHOAL_FRAME_MAX_PEERS_BODY + 1);
  assert_refused (too_long, "must be 1..16384");
  assert_refused (junk, "not a normal-form a{sv}");

  body = body_from_value ("other", g_variant_new_uint32 (1));
  assert_refused (body, "lacks the required key");
  g_clear_pointer (&body, g_bytes_unref);

  body = body_from_value ("peers", g_variant_new_string ("nobody"));
  assert_refused (body, "has type “s”");
  g_clear_pointer (&body, g_bytes_unref);

  {
    GVariantBuilder dict;
    g_autoptr(GVariant) value = NULL;

    g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&dict, "{sv}", "peers", g_variant_new_array (G_VARIANT_TYPE ("(sasq)"), NULL, 0));
    g_variant_builder_add (&dict, "{sv}", "peers", g_variant_new_array (G_VARIANT_TYPE ("(sasq)"), NULL, 0));
    value = g_variant_ref_sink (g_variant_builder_end (&dict));
    body = g_variant_get_data_as_bytes (value);
    assert_refused (body, "more than once");
    g_clear_pointer (&body, g_bytes_unref);
  }

  g_variant_builder_init (&list, G_VARIANT_TYPE ("a(sasq)"));
  for (guint i = 0; i < SHOAL_PEERS_MAX_ENTRIES + 1; i++)
    {
      g_autofree gchar *id = g_strdup_printf ("%032x", i + 1);

      g_variant_builder_add_value (&list, entry_value (id, one, 1));
    }
  body = body_from_value ("peers", g_variant_builder_end (&list));
  assert_refused (body, "65 entries");
  g_clear_pointer (&body, g_bytes_unref);

  g_variant_builder_init (&list, G_VARIANT_TYPE ("a(sasq)"));
  g_variant_builder_add_value (&list, entry_value ("0123456789ABCDEF0123456789ABCDEF", one, 1));
  body = body_from_value ("peers", g_variant_builder_end (&list));
  assert_refused (body, "is not 32 lowercase hex");
  g_clear_pointer (&body, g_bytes_unref);

  g_variant_builder_init (&list, G_VARIANT_TYPE ("a(sasq)"));
  g_variant_builder_add_value (&list, entry_value (ID_A, five, 1));
  body = body_from_value ("peers", g_variant_builder_end (&list));
  assert_refused (body, "has 5 addresses");
  g_clear_pointer (&body, g_bytes_unref);

  for (guint i = 0; i < 3; i++)
    {
      const gchar * const *bad = i == 0 ? named : i == 1 ? scoped : bracketed;

      g_variant_builder_init (&list, G_VARIANT_TYPE ("a(sasq)"));
      g_variant_builder_add_value (&list, entry_value (ID_B, bad, 1));
      body = body_from_value ("peers", g_variant_builder_end (&list));
      assert_refused (body, "is not a numeric IP address");
      g_clear_pointer (&body, g_bytes_unref);
    }
}

static void
test_lenient (void)
{
  const gchar *none[] = { NULL };
  const gchar *odd[] = { "0.0.0.0", "224.0.0.251", "127.0.0.1", NULL };
  GVariantBuilder list;
  GVariantBuilder dict;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GPtrArray) decoded = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("What is a judgement, not a shape, passes the codec: unknown keys, port 0, "
                  "an entry without addresses, addresses no one should dial; the receiver's "
                  "address rule decides about those");

  g_variant_builder_init (&list, G_VARIANT_TYPE ("a(sasq)"));
  g_variant_builder_add_value (&list, entry_value (ID_A, none, 0));
  g_variant_builder_add_value (&list, entry_value (ID_B, odd, 4242));
  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&dict, "{sv}", "later", g_variant_new_uint64 (7));
  g_variant_builder_add (&dict, "{sv}", "peers", g_variant_builder_end (&list));
  value = g_variant_ref_sink (g_variant_builder_end (&dict));
  body = g_variant_get_data_as_bytes (value);

  decoded = shoal_frame_decode_peers (body, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (decoded->len, ==, 2);
  g_assert_cmpuint (((ShoalPeersEntry *) g_ptr_array_index (decoded, 0))->port, ==, 0);
  g_assert_cmpuint (((ShoalPeersEntry *) g_ptr_array_index (decoded, 1))->addresses->len, ==, 3);
}

static void
test_hello_feature (void)
{
  gchar *features[] = { (gchar *) "later", (gchar *) SHOAL_FEATURE_PEERS, NULL };
  ShoalHello hello = {
    .version = SHOAL_PROTOCOL_VERSION_MAX,
    .min_version = SHOAL_PROTOCOL_VERSION_MIN,
    .peer_id = (gchar *) ID_A,
    .session_id = (gchar *) ID_B,
    .name = (gchar *) "kitchen",
    .port = 4242,
    .accept = TRUE,
  };
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) body = NULL;
  g_auto(ShoalHello) decoded = { 0 };
  g_auto(ShoalHello) plain = { 0 };
  g_autoptr(GError) error = NULL;

  g_test_summary ("Peer exchange is announced in HELLO's features as \"peers\"; a HELLO "
                  "without it (the empty list) does not announce it");

  hello.features = features;
  frame = shoal_frame_encode_hello (&hello);
  body = body_of (frame);
  g_assert_true (shoal_frame_decode_hello (body, &decoded, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_hello_has_feature (&decoded, SHOAL_FEATURE_PEERS));
  g_assert_true (shoal_hello_has_feature (&decoded, "later"));
  g_assert_false (shoal_hello_has_feature (&decoded, "groups"));

  hello.features = NULL;
  g_clear_pointer (&frame, g_bytes_unref);
  g_clear_pointer (&body, g_bytes_unref);
  frame = shoal_frame_encode_hello (&hello);
  body = body_of (frame);
  g_assert_true (shoal_frame_decode_hello (body, &plain, &error));
  g_assert_no_error (error);
  g_assert_false (shoal_hello_has_feature (&plain, SHOAL_FEATURE_PEERS));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/frame-peers/round-trip", test_round_trip);
  g_test_add_func ("/frame-peers/malformed", test_malformed);
  g_test_add_func ("/frame-peers/lenient", test_lenient);
  g_test_add_func ("/frame-peers/hello-feature", test_hello_feature);

  return g_test_run ();
}
