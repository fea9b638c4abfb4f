/* make-corpus.c: writes the fuzz targets' seed corpus from the codec
 *
 * A few valid inputs per target, made by the same code that makes them on
 * the wire, so that the fuzzers start from what peers really send. Run once;
 * the files are committed:
 *
 *   _build-fuzz/tests/fuzz/fuzz-make-corpus tests/fuzz/corpus
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "shoal-dns-sd.h"
#include "shoal-frame.h"

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

static const gchar *corpus_dir;

static void
write_seed (const gchar  *target,
            const gchar  *name,
            const guint8 *data,
            gsize         size)
{
  g_autofree gchar *dir = g_build_filename (corpus_dir, target, NULL);
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (dir, 0755) < 0 ||
      !g_file_set_contents (path, (const gchar *) data, (gssize) size, &error))
    {
      g_printerr ("Cannot write %s: %s\n", path, error != NULL ? error->message : g_strerror (errno));
      exit (1);
    }
  g_print ("%s (%" G_GSIZE_FORMAT " bytes)\n", path, size);
}

static void
write_seed_bytes (const gchar *target,
                  const gchar *name,
                  GBytes      *bytes)
{
  write_seed (target, name, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* A frame's body: what the body decoders' targets take. */
static void
write_seed_body (const gchar *target,
                 const gchar *name,
                 GBytes      *frame)
{
  g_autoptr(GBytes) body = g_bytes_new_from_bytes (frame, SHOAL_FRAME_HEADER_SIZE,
                                                   g_bytes_get_size (frame) -
                                                   SHOAL_FRAME_HEADER_SIZE);

  write_seed_bytes (target, name, body);
}

static GBytes *
hello_frame (gboolean accept,
             gboolean with_proof)
{
  static const guint8 proof[SHOAL_HELLO_PROOF_SIZE] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
  };
  g_auto(ShoalHello) hello = {
    .version = SHOAL_PROTOCOL_VERSION_MAX,
    .min_version = SHOAL_PROTOCOL_VERSION_MIN,
    .peer_id = g_strdup (ID_A),
    .session_id = g_strdup (ID_B),
    .name = g_strdup ("kitchen"),
    .port = 4242,
    .accept = accept,
    .proof = with_proof ? g_bytes_new_static (proof, sizeof proof) : NULL,
  };

  return shoal_frame_encode_hello (&hello);
}

/* The wire is little-endian: hand-built bodies are written in host order. */
G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN);

/* A hello as a later version might send it: keys this one does not know,
 * features, and no min-version. Built by hand: the codec writes only what
 * this version says. */
static GBytes *
hello_body_from_later_version (void)
{
  GVariantBuilder builder;
  const gchar *features[] = { "delivery", NULL };
  g_autoptr(GVariant) dict = NULL;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "version", g_variant_new_uint32 (3));
  g_variant_builder_add (&builder, "{sv}", "id", g_variant_new_string (ID_B));
  g_variant_builder_add (&builder, "{sv}", "session", g_variant_new_string (ID_A));
  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string ("salle à manger"));
  g_variant_builder_add (&builder, "{sv}", "port", g_variant_new_uint16 (0));
  g_variant_builder_add (&builder, "{sv}", "features", g_variant_new_strv (features, -1));
  g_variant_builder_add (&builder, "{sv}", "accept", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&builder, "{sv}", "groups", g_variant_new_strv (features, -1));
  dict = g_variant_ref_sink (g_variant_builder_end (&builder));

  return g_variant_get_data_as_bytes (dict);
}

static GBytes *
data_frame (ShoalFrameType type,
            const gchar   *payload)
{
  gsize length = strlen (payload);
  guint8 *frame = g_malloc (SHOAL_FRAME_HEADER_SIZE + length);

  shoal_frame_header_write (frame, type, (guint32) length);
  memcpy (frame + SHOAL_FRAME_HEADER_SIZE, payload, length);
  return g_bytes_new_take (frame, SHOAL_FRAME_HEADER_SIZE + length);
}

static void
write_frames (void)
{
  g_autoptr(GBytes) hello = hello_frame (TRUE, FALSE);
  g_autoptr(GBytes) hello_proof = hello_frame (TRUE, TRUE);
  g_autoptr(GBytes) hello_refused = hello_frame (FALSE, TRUE);
  g_autoptr(GBytes) later = hello_body_from_later_version ();
  g_autoptr(GBytes) goodbye_shutdown = shoal_frame_encode_goodbye (SHOAL_GOODBYE_SHUTDOWN, NULL);
  guint8 goodbye_empty[SHOAL_FRAME_HEADER_SIZE];
  g_autoptr(GBytes) goodbye = shoal_frame_encode_goodbye (SHOAL_GOODBYE_NOT_TRUSTED,
                                                          "not trusted by this node");
  g_autoptr(GString) long_message = g_string_new (NULL);
  g_autoptr(GBytes) goodbye_long = NULL;
  g_autoptr(GBytes) ping = shoal_frame_encode_ping (SHOAL_FRAME_PING, G_GUINT64_CONSTANT (0x0102030405060708));
  g_autoptr(GBytes) pong = shoal_frame_encode_ping (SHOAL_FRAME_PONG, G_GUINT64_CONSTANT (0x0102030405060708));
  g_autoptr(GBytes) unicast = data_frame (SHOAL_FRAME_UNICAST, "hello, kitchen");
  g_autoptr(GBytes) broadcast = data_frame (SHOAL_FRAME_BROADCAST, "");

  /* Longer than a goodbye may say, in characters of two bytes: the encoder
   * cuts it to 256 bytes without splitting one. */
  while (long_message->len < 300)
    g_string_append (long_message, "é");
  goodbye_long = shoal_frame_encode_goodbye (SHOAL_GOODBYE_PROTOCOL_ERROR, long_message->str);

  write_seed_bytes ("frame", "hello", hello);
  write_seed_bytes ("frame", "hello-proof", hello_proof);
  write_seed_bytes ("frame", "hello-not-accepted", hello_refused);
  /* An empty body is an empty a{sv}: code 0, no message. */
  shoal_frame_header_write (goodbye_empty, SHOAL_FRAME_GOODBYE, 0);
  write_seed ("frame", "goodbye-empty", goodbye_empty, sizeof goodbye_empty);
  write_seed_bytes ("frame", "goodbye-shutdown", goodbye_shutdown);
  write_seed_bytes ("frame", "goodbye", goodbye);
  write_seed_bytes ("frame", "ping", ping);
  write_seed_bytes ("frame", "pong", pong);
  write_seed_bytes ("frame", "unicast", unicast);
  write_seed_bytes ("frame", "broadcast-empty", broadcast);

  write_seed_body ("hello", "hello", hello);
  write_seed_body ("hello", "hello-proof", hello_proof);
  write_seed_body ("hello", "hello-not-accepted", hello_refused);
  write_seed_bytes ("hello", "hello-later-version", later);

  write_seed ("goodbye", "goodbye-empty", NULL, 0);
  write_seed_body ("goodbye", "goodbye-shutdown", goodbye_shutdown);
  write_seed_body ("goodbye", "goodbye", goodbye);
  write_seed_body ("goodbye", "goodbye-long", goodbye_long);
}

/* The reader's input: control byte, data limit (if asked for), chunk sizes,
 * then the stream (see fuzz-frame-reader.c). */
static void
write_stream (const gchar  *name,
              const guint8 *prefix,
              gsize         prefix_size,
              GByteArray   *stream,
              gsize         stream_size)
{
  g_autoptr(GByteArray) input = g_byte_array_new ();

  g_byte_array_append (input, prefix, (guint) prefix_size);
  g_byte_array_append (input, stream->data, (guint) MIN (stream_size, stream->len));
  write_seed ("frame-reader", name, input->data, input->len);
}

static void
write_streams (void)
{
  g_autoptr(GBytes) hello = hello_frame (TRUE, TRUE);
  g_autoptr(GBytes) ping = shoal_frame_encode_ping (SHOAL_FRAME_PING, 1);
  g_autoptr(GBytes) unicast = data_frame (SHOAL_FRAME_UNICAST, "twenty bytes of data");
  g_autoptr(GBytes) pong = shoal_frame_encode_ping (SHOAL_FRAME_PONG, 1);
  g_autoptr(GBytes) broadcast = data_frame (SHOAL_FRAME_BROADCAST, "");
  g_autoptr(GBytes) goodbye = shoal_frame_encode_goodbye (SHOAL_GOODBYE_SHUTDOWN, "bye");
  GBytes *frames[] = { hello, ping, unicast, pong, broadcast, goodbye };
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  static const guint8 whole[] = { 0x00, 255 };
  static const guint8 bytes[] = { 0x00, 1 };
  static const guint8 mixed[] = { 0x03, 7, 0, 1, 200 };
  static const guint8 small_limit[] = { 0x09, 16, 3, 255 };
  static const guint8 repeated[] = { 0xf1, 255, 13 };

  for (gsize i = 0; i < G_N_ELEMENTS (frames); i++)
    g_byte_array_append (stream, g_bytes_get_data (frames[i], NULL),
                         (guint) g_bytes_get_size (frames[i]));

  write_stream ("stream-whole", whole, sizeof whole, stream, G_MAXSIZE);
  write_stream ("stream-bytes", bytes, sizeof bytes, stream, G_MAXSIZE);
  write_stream ("stream-mixed", mixed, sizeof mixed, stream, G_MAXSIZE);
  /* The unicast's 20 bytes are over this stream's limit of 16. */
  write_stream ("stream-over-limit", small_limit, sizeof small_limit, stream, G_MAXSIZE);
  /* Ends inside the unicast. */
  write_stream ("stream-truncated", mixed, sizeof mixed, stream, stream->len - 30);
  write_stream ("stream-repeated", repeated, sizeof repeated, stream, G_MAXSIZE);
}

static void
write_network_keys (void)
{
  static const gchar key[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
  static const gchar spaced[] = "  \t00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff \r\n";
  static const gchar short_key[] = "00112233445566778899aabbccddeeff\n";

  write_seed ("network-key", "key", (const guint8 *) key, strlen (key));
  write_seed ("network-key", "key-spaced", (const guint8 *) spaced, strlen (spaced));
  write_seed ("network-key", "key-short", (const guint8 *) short_key, strlen (short_key));
}

/* Instance name, then the TXT record's strings, one a line. */
static void
write_txt (const gchar     *name,
           const gchar     *service_name,
           AvahiStringList *txt)
{
  g_autoptr(GString) input = g_string_new (service_name);
  AvahiStringList *item;

  for (item = txt; item != NULL; item = avahi_string_list_get_next (item))
    {
      g_string_append_c (input, '\n');
      g_string_append_len (input, (const gchar *) avahi_string_list_get_text (item),
                           (gssize) avahi_string_list_get_size (item));
    }
  write_seed ("dns-sd-txt", name, (const guint8 *) input->str, input->len);
}

static void
write_txts (void)
{
  AvahiStringList *txt = avahi_string_list_reverse (shoal_dns_sd_txt_build (ID_A, ID_B, 4242));
  AvahiStringList *later = NULL;
  AvahiStringList *no_proto = NULL;

  write_txt ("txt", "kitchen", txt);

  later = avahi_string_list_add (later, "proto=3");
  later = avahi_string_list_add (later, "ID=" ID_B);
  later = avahi_string_list_add (later, "session=" ID_A);
  later = avahi_string_list_add (later, "groups");
  later = avahi_string_list_add (later, "id=" ID_A);
  later = avahi_string_list_reverse (later);
  write_txt ("txt-later-version", "kitchen #2", later);

  no_proto = avahi_string_list_add (no_proto, "id=" ID_A);
  no_proto = avahi_string_list_add (no_proto, "session=" ID_B);
  no_proto = avahi_string_list_reverse (no_proto);
  write_txt ("txt-no-proto", "printer", no_proto);

  avahi_string_list_free (txt);
  avahi_string_list_free (later);
  avahi_string_list_free (no_proto);
}

int
main (int   argc,
      char *argv[])
{
  if (argc != 2)
    {
      g_printerr ("Usage: %s CORPUS-DIRECTORY\n", argv[0]);
      return 2;
    }
  corpus_dir = argv[1];

  write_frames ();
  write_streams ();
  write_network_keys ();
  write_txts ();
  return 0;
}
