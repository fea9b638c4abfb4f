/* test-outbox.c: a link's write queue, against a real socket that pushes back
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gunixoutputstream.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shoal-delivery.h"
#include "shoal-outbox.h"

typedef struct {
  int                     fds[2];
  GPollableOutputStream  *stream;  /* writes to fds[0] */
  GByteArray             *received;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  int small = 4096;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, f->fds), ==, 0);
  /* A small buffer makes the kernel take frames in pieces. */
  g_assert_cmpint (setsockopt (f->fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small), ==, 0);
  f->stream = G_POLLABLE_OUTPUT_STREAM (g_unix_output_stream_new (f->fds[0], FALSE));
  f->received = g_byte_array_new ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->stream);
  close (f->fds[0]);
  close (f->fds[1]);
  g_byte_array_unref (f->received);
}

/* Takes what the other end can read now. */
static void
drain (Fixture *f)
{
  guint8 buffer[65536];
  gssize n;

  while ((n = read (f->fds[1], buffer, sizeof buffer)) > 0)
    g_byte_array_append (f->received, buffer, n);
}

static GBytes *
pattern (gsize  size,
         guint8 seed)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (seed + i * 7);
  return g_bytes_new_take (data, size);
}

static void
test_short_writes (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ShoalOutbox) outbox = shoal_outbox_new ();
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  gsize sizes[] = { 0, 1, 64, 5000, 100000, 3, 70000, 8 };
  guint64 messages = 0, bytes = 0, total_payload = 0;
  guint blocked = 0;
  gboolean saw_mid_frame = FALSE;
  ShoalOutboxResult result;

  g_test_summary ("Frames queued in an outbox come out of a socket that takes them in "
                  "pieces byte for byte and in order, headers and all, and each message is "
                  "counted once, when its last byte is written");

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GBytes) payload = pattern (sizes[i], (guint8) i);
      guint8 header[SHOAL_FRAME_HEADER_SIZE];
      guint64 seq_be = GUINT64_TO_BE (i + 1);

      /* The header counts the sequence number in the body. */
      shoal_frame_header_write (header, i % 2 ? SHOAL_FRAME_BROADCAST : SHOAL_FRAME_UNICAST,
                                (guint32) (sizes[i] + SHOAL_FRAME_SEQ_SIZE));
      g_byte_array_append (expected, header, sizeof header);
      g_byte_array_append (expected, (const guint8 *) &seq_be, sizeof seq_be);
      g_byte_array_append (expected, g_bytes_get_data (payload, NULL), sizes[i]);
      shoal_outbox_push_data (outbox, i % 2 ? SHOAL_FRAME_BROADCAST : SHOAL_FRAME_UNICAST,
                              i + 1, payload);
      total_payload += sizes[i];

      /* A control frame in between, which is neither counted nor bounded. */
      if (i == 3)
        {
          g_autoptr(GBytes) ping = shoal_frame_encode_ping (SHOAL_FRAME_PING, 42);

          g_byte_array_append (expected, g_bytes_get_data (ping, NULL), g_bytes_get_size (ping));
          shoal_outbox_push_control (outbox, g_bytes_ref (ping));
        }
    }
  g_assert_cmpuint (shoal_outbox_get_data_bytes (outbox), ==, total_payload);

  do
    {
      g_autoptr(GError) error = NULL;
      gsize written = 0;

      result = shoal_outbox_write (outbox, f->stream, &written, &messages, &bytes, &error);
      g_assert_no_error (error);
      g_assert_cmpint (result, !=, SHOAL_OUTBOX_FAILED);
      if (result == SHOAL_OUTBOX_BLOCKED)
        {
          blocked++;
          saw_mid_frame |= shoal_outbox_in_mid_frame (outbox);
          g_assert_cmpuint (shoal_outbox_get_data_bytes (outbox), ==, total_payload - bytes);
        }
      drain (f);
    }
  while (result != SHOAL_OUTBOX_EMPTY);

  g_assert_cmpuint (blocked, >, 0);
  g_assert_true (saw_mid_frame);
  g_assert_true (shoal_outbox_is_empty (outbox));
  g_assert_false (shoal_outbox_in_mid_frame (outbox));
  g_assert_cmpuint (messages, ==, G_N_ELEMENTS (sizes));
  g_assert_cmpuint (bytes, ==, total_payload);
  g_assert_cmpuint (shoal_outbox_get_data_bytes (outbox), ==, 0);
  g_assert_cmpuint (f->received->len, ==, expected->len);
  g_assert_cmpmem (f->received->data, f->received->len, expected->data, expected->len);
}

static void
test_clear (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(ShoalOutbox) outbox = shoal_outbox_new ();
  g_autoptr(GBytes) big = pattern (200000, 3);
  g_autoptr(GError) error = NULL;
  guint64 messages = 0, bytes = 0;
  gsize written = 0;

  g_test_summary ("Clearing an outbox stopped inside a frame drops everything, but it "
                  "still says a write was cut short (TLS may hold part of a record) until "
                  "the next write goes through");

  shoal_outbox_push_data (outbox, SHOAL_FRAME_UNICAST, 1, big);
  g_assert_cmpint (shoal_outbox_write (outbox, f->stream, &written, &messages, &bytes, &error),
                   ==, SHOAL_OUTBOX_BLOCKED);
  g_assert_true (shoal_outbox_in_mid_frame (outbox));
  g_assert_cmpuint (messages, ==, 0);

  shoal_outbox_clear (outbox);
  g_assert_true (shoal_outbox_is_empty (outbox));
  g_assert_true (shoal_outbox_in_mid_frame (outbox));
  g_assert_cmpuint (shoal_outbox_get_data_bytes (outbox), ==, 0);

  drain (f);
  shoal_outbox_push_control (outbox, shoal_frame_encode_ping (SHOAL_FRAME_PING, 1));
  g_assert_cmpint (shoal_outbox_write (outbox, f->stream, &written, &messages, &bytes, &error),
                   ==, SHOAL_OUTBOX_EMPTY);
  g_assert_false (shoal_outbox_in_mid_frame (outbox));
}

/* A GROUP frame as section 9a.3 lays it out, its name left out for NULL. */
static void
append_group_frame (GByteArray  *out,
                    guint64      seq,
                    const gchar *group,
                    GBytes      *payload)
{
  guint8 prefix[SHOAL_FRAME_GROUP_MAX_HEADER];
  gsize length = shoal_frame_group_prefix (prefix, seq, group, group != NULL ? strlen (group) : 0,
                                           g_bytes_get_size (payload));

  g_byte_array_append (out, prefix, length);
  g_byte_array_append (out, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
}

/* Writes everything queued, and checks that the stream carried @expected. */
static void
assert_wrote (Fixture     *f,
              ShoalOutbox *outbox,
              GByteArray  *expected)
{
  g_autoptr(GError) error = NULL;
  guint64 messages = 0, bytes = 0;
  gsize written = 0;

  g_assert_cmpint (shoal_outbox_write (outbox, f->stream, &written, &messages, &bytes, &error),
                   ==, SHOAL_OUTBOX_EMPTY);
  g_assert_no_error (error);
  drain (f);
  g_assert_cmpmem (f->received->data, f->received->len, expected->data, expected->len);
}

static void
test_group_names (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ShoalOutbox) outbox = shoal_outbox_new ();
  g_autoptr(GBytes) payload = pattern (5, 1);
  g_autoptr(GBytes) ping = shoal_frame_encode_ping (SHOAL_FRAME_PING, 7);
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  gchar *kitchen = shoal_group_name_new ("kitchen");
  gchar *kitchen_again = shoal_group_name_new ("kitchen");
  gchar *garden = shoal_group_name_new ("garden");

  g_test_summary ("A GROUP frame leaves its name out when the GROUP frame queued before "
                  "it named the same group, whatever other frames came between and "
                  "whichever copy of the name it is given; it names its group after a "
                  "frame to another group, and after the outbox was cleared");

  shoal_outbox_push_group (outbox, 1, kitchen, payload);
  append_group_frame (expected, 1, "kitchen", payload);
  shoal_outbox_push_group (outbox, 2, kitchen, payload);
  append_group_frame (expected, 2, NULL, payload);
  shoal_outbox_push_control (outbox, g_bytes_ref (ping));
  g_byte_array_append (expected, g_bytes_get_data (ping, NULL), g_bytes_get_size (ping));
  shoal_outbox_push_data (outbox, SHOAL_FRAME_UNICAST, 3, payload);
  {
    guint8 header[SHOAL_FRAME_HEADER_SIZE];
    guint64 seq_be = GUINT64_TO_BE (3);

    shoal_frame_header_write (header, SHOAL_FRAME_UNICAST,
                              (guint32) (g_bytes_get_size (payload) + SHOAL_FRAME_SEQ_SIZE));
    g_byte_array_append (expected, header, sizeof header);
    g_byte_array_append (expected, (const guint8 *) &seq_be, sizeof seq_be);
    g_byte_array_append (expected, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  }
  shoal_outbox_push_group (outbox, 4, kitchen_again, payload);
  append_group_frame (expected, 4, NULL, payload);
  shoal_outbox_push_group (outbox, 5, garden, payload);
  append_group_frame (expected, 5, "garden", payload);
  shoal_outbox_push_group (outbox, 6, kitchen, payload);
  append_group_frame (expected, 6, "kitchen", payload);

  assert_wrote (f, outbox, expected);

  /* What follows a clear cannot lean on frames that may never have left. */
  shoal_outbox_push_group (outbox, 7, kitchen, payload);
  shoal_outbox_clear (outbox);
  shoal_outbox_push_group (outbox, 7, kitchen, payload);
  append_group_frame (expected, 7, "kitchen", payload);
  assert_wrote (f, outbox, expected);

  g_clear_pointer (&outbox, shoal_outbox_free);
  shoal_group_name_release (kitchen);
  shoal_group_name_release (kitchen_again);
  shoal_group_name_release (garden);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/outbox/short-writes", Fixture, NULL, fixture_setup, test_short_writes,
              fixture_teardown);
  g_test_add ("/outbox/clear", Fixture, NULL, fixture_setup, test_clear, fixture_teardown);
  g_test_add ("/outbox/group-names", Fixture, NULL, fixture_setup, test_group_names,
              fixture_teardown);

  return g_test_run ();
}
