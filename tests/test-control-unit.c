/* test-control-unit.c: the pure parts of Connect, Disconnect and reason codes
 *
 * Connect's address forms, HELLO's connect and generation keys, and the
 * mapping of a link's words to the reason codes that PeerDisconnected
 * carries.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-enums.h"
#include "shoal-error.h"
#include "shoal-frame.h"
#include "shoal-mesh.h"
#include "shoal-reason-private.h"

static void
test_addresses (void)
{
  static const struct {
    const gchar *text;
    guint16      port;   /* 0: refused */
  } cases[] = {
    { "example.org", 4242 },
    { "example.org:1", 1 },
    { "192.0.2.1:80", 80 },
    { "[2001:db8::1]:5000", 5000 },
    { "[fe80::1%lo]:5000", 5000 },
    { "[::1]", 4242 },
    { "", 0 },
    { ":4242", 0 },
    { "a b", 0 },
    { "host:65536", 0 },
    { "host:-1", 0 },
    { "host:0", 0 },
    { "[fe80::1%lo:5000", 0 },
  };

  g_test_summary ("Connect's address forms: HOST, HOST:PORT, V4:PORT, [V6]:PORT and "
                  "[V6%SCOPE]:PORT, with this node's port when none is given");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketConnectable) parsed = shoal_mesh_parse_address (cases[i].text, 4242,
                                                                       &error);

      g_test_message ("%s", cases[i].text);
      if (cases[i].port == 0)
        {
          g_assert_null (parsed);
          g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT);
          continue;
        }
      g_assert_no_error (error);
      g_assert_cmpuint (g_network_address_get_port (G_NETWORK_ADDRESS (parsed)), ==,
                        cases[i].port);
    }

  /* A node on a port picked at random has none to assume. */
  g_assert_null (shoal_mesh_parse_address ("example.org", 0, NULL));
}

static gboolean
holds_bytes (const gchar *data,
             gsize        size,
             const gchar *text)
{
  gsize length = strlen (text);

  for (gsize i = 0; i + length <= size; i++)
    if (memcmp (data + i, text, length) == 0)
      return TRUE;
  return FALSE;
}

static const ShoalHello sample_hello = {
  .version = 2,
  .min_version = 2,
  .peer_id = (gchar *) "0123456789abcdef0123456789abcdef",
  .session_id = (gchar *) "fedcba9876543210fedcba9876543210",
  .name = (gchar *) "kitchen",
  .port = 4242,
  .accept = TRUE,
};

/* Encodes @hello, checks whether @key is on the wire, and decodes it. */
static void
round_trip (const ShoalHello *hello,
            const gchar      *key,
            gboolean          key_expected,
            ShoalHello       *decoded)
{
  g_autoptr(GBytes) frame = shoal_frame_encode_hello (hello);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;
  const gchar *data = g_bytes_get_data (frame, &size);

  g_assert_cmpint (holds_bytes (data, size, key), ==, key_expected);
  body = g_bytes_new_from_bytes (frame, SHOAL_FRAME_HEADER_SIZE, size - SHOAL_FRAME_HEADER_SIZE);
  g_assert_true (shoal_frame_decode_hello (body, decoded, &error));
  g_assert_no_error (error);
}

/* A minimal valid HELLO body plus @key = @value, decoded: a protocol error
 * is expected. */
static void
assert_refused_with (const gchar *key,
                     GVariant    *value)
{
  g_autoptr(GVariant) dict = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  ShoalHello decoded = { 0, };
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "version", g_variant_new_uint32 (2));
  g_variant_builder_add (&builder, "{sv}", "id", g_variant_new_string (sample_hello.peer_id));
  g_variant_builder_add (&builder, "{sv}", "session", g_variant_new_string (sample_hello.session_id));
  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string ("kitchen"));
  g_variant_builder_add (&builder, "{sv}", "port", g_variant_new_uint16 (4242));
  g_variant_builder_add (&builder, "{sv}", "accept", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&builder, "{sv}", key, value);
  dict = g_variant_ref_sink (g_variant_builder_end (&builder));
  if (G_BYTE_ORDER != G_LITTLE_ENDIAN)
    {
      GVariant *swapped = g_variant_byteswap (dict);

      g_variant_unref (dict);
      dict = swapped;
    }
  body = g_variant_get_data_as_bytes (dict);
  g_assert_false (shoal_frame_decode_hello (body, &decoded, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_PROTOCOL);
}

static void
test_hello_connect (void)
{
  ShoalHello hello = sample_hello;

  g_test_summary ("HELLO carries connect (b) only when true; a HELLO without it decodes "
                  "as false, and one with another type is a protocol error");

  for (gint connect = 0; connect <= 1; connect++)
    {
      ShoalHello decoded = { 0, };

      hello.connect = connect;
      round_trip (&hello, "connect", connect, &decoded);
      g_assert_cmpint (decoded.connect, ==, connect);
      shoal_hello_clear (&decoded);
    }

  assert_refused_with ("connect", g_variant_new_string ("yes"));
}

static void
test_hello_generation (void)
{
  ShoalHello hello = sample_hello;
  const guint32 generations[] = { 0, 1, 2, G_MAXUINT32 };

  g_test_summary ("HELLO carries generation (u) only when not 0; a HELLO without it "
                  "decodes as 0, and one with another type is a protocol error");

  for (guint i = 0; i < G_N_ELEMENTS (generations); i++)
    {
      ShoalHello decoded = { 0, };

      hello.generation = generations[i];
      round_trip (&hello, "generation", generations[i] != 0, &decoded);
      g_assert_cmpuint (decoded.generation, ==, generations[i]);
      shoal_hello_clear (&decoded);
    }

  assert_refused_with ("generation", g_variant_new_uint64 (1));
  assert_refused_with ("generation", g_variant_new_int32 (1));
  assert_refused_with ("generation", g_variant_new_string ("1"));
}

static void
test_reasons (void)
{
  g_autoptr(GEnumClass) enums = g_type_class_ref (SHOAL_TYPE_DISCONNECT_REASON);
  static const struct {
    const gchar *words;
    const gchar *code;
  } cases[] = {
    { "shutdown", "shutdown" },
    { "timeout: nothing heard for 2500 ms", "timeout" },
    { "timeout: peer took nothing for 30000 ms", "timeout" },
    { "protocol error: ack for message 3, never sent", "protocol-error" },
    { "protocol-error", "protocol-error" },
    { "replaced", "replaced" },
    { "duplicate, and the link it kept never came up", "duplicate" },
    { "overloaded", "overloaded" },
    { "not-trusted", "not-trusted" },
    { "disconnected", "disconnected" },
    { "version-mismatch", "goodbye" },
    { "unknown", "goodbye" },
    { "connection closed", "reset" },
    { "read failed: Connection reset by peer", "reset" },
    { "write failed: Broken pipe", "reset" },
    { "severed", "reset" },
    { "closed", "reset" },
    { "shutdowns", "reset" },
  };

  g_test_summary ("Every reason a link gives maps to one of the documented codes, and the "
                  "codes are the nicks of ShoalDisconnectReason");

  g_assert_cmpuint (enums->n_values, ==, 10);
  for (guint i = 0; i < enums->n_values; i++)
    g_assert_cmpstr (enums->values[i].value_nick, ==,
                     shoal_disconnect_reason_to_string (enums->values[i].value));

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (shoal_disconnect_reason_to_string (
                       shoal_disconnect_reason_from_text (cases[i].words)), ==, cases[i].code);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/control/addresses", test_addresses);
  g_test_add_func ("/control/hello-connect", test_hello_connect);
  g_test_add_func ("/control/hello-generation", test_hello_generation);
  g_test_add_func ("/control/reasons", test_reasons);

  return g_test_run ();
}
