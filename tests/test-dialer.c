/* test-dialer.c: when a peer is dialled again, and what a dial reports
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-dialer.h"

typedef struct {
  guint               due;
  guint               failed;
  GError             *error;        /* (owned) (nullable) the last failure's */
  GSocketConnection  *connection;
  gint64              due_at;
} Owner;

static void
owner_due (gpointer user_data)
{
  Owner *owner = user_data;

  owner->due++;
  owner->due_at = g_get_monotonic_time ();
}

static void
owner_connected (gpointer           user_data,
                 GSocketConnection *connection)
{
  Owner *owner = user_data;

  g_set_object (&owner->connection, connection);
}

static void
owner_failed (gpointer      user_data,
              const GError *error)
{
  Owner *owner = user_data;

  owner->failed++;
  g_clear_error (&owner->error);
  owner->error = error != NULL ? g_error_copy (error) : NULL;
}

static const ShoalDialerCallbacks callbacks = {
  .due = owner_due,
  .connected = owner_connected,
  .failed = owner_failed,
};

static ShoalDialer *
new_dialer (Owner *owner)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  g_socket_client_set_enable_proxy (client, FALSE);
  return shoal_dialer_new (g_main_context_default (), client, &callbacks, owner);
}

static void
iterate_until (gboolean *flag_or_null,
               guint     ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < deadline && (flag_or_null == NULL || !*flag_or_null))
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* How long a scheduled wait takes to come due, in ms. */
static gint64
time_wait (ShoalDialer *dialer,
           Owner       *owner)
{
  guint before = owner->due;
  gint64 start = g_get_monotonic_time ();

  shoal_dialer_schedule (dialer, 0);
  while (owner->due == before)
    g_main_context_iteration (NULL, TRUE);
  return (owner->due_at - start) / 1000;
}

static void
test_backoff (void)
{
  Owner owner = { 0, };
  ShoalDialer *dialer = new_dialer (&owner);
  gint64 first, second, third;

  g_test_summary ("A dialer waits nothing at first, 250 ms after a failure, twice as long "
                  "after each further failure, and nothing again after a success; it "
                  "counts the failures in a row");

  g_assert_cmpint (time_wait (dialer, &owner), <, 100);
  g_assert_cmpuint (shoal_dialer_get_failures (dialer), ==, 0);

  shoal_dialer_failed (dialer);
  first = time_wait (dialer, &owner);
  shoal_dialer_failed (dialer);
  second = time_wait (dialer, &owner);
  shoal_dialer_failed (dialer);
  third = time_wait (dialer, &owner);
  g_assert_cmpint (first, >=, 240);
  g_assert_cmpint (second, >=, 490);
  g_assert_cmpint (third, >=, 990);
  g_assert_cmpuint (shoal_dialer_get_failures (dialer), ==, 3);

  /* Busy while waiting: a second schedule does not stack a second wait. */
  shoal_dialer_schedule (dialer, 0);
  g_assert_true (shoal_dialer_is_busy (dialer));
  shoal_dialer_schedule (dialer, 0);
  shoal_dialer_cancel (dialer);
  g_assert_false (shoal_dialer_is_busy (dialer));

  shoal_dialer_succeeded (dialer);
  g_assert_cmpuint (shoal_dialer_get_failures (dialer), ==, 0);
  g_assert_cmpint (time_wait (dialer, &owner), <, 100);
  g_assert_cmpuint (owner.failed, ==, 0);

  shoal_dialer_free (dialer);
}

static GPtrArray *
listen_on_loopback (GSocketListener **out_listener)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *addresses = g_ptr_array_new_with_free_func (g_object_unref);

  g_socket_listener_add_address (listener, any, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &bound, &error);
  g_assert_no_error (error);
  g_ptr_array_add (addresses, g_steal_pointer (&bound));
  *out_listener = g_steal_pointer (&listener);
  return addresses;
}

static void
test_connect (void)
{
  Owner owner = { 0, };
  ShoalDialer *dialer = new_dialer (&owner);
  g_autoptr(GSocketListener) listener = NULL;
  g_autoptr(GPtrArray) addresses = listen_on_loopback (&listener);
  gboolean connected = FALSE;

  g_test_summary ("A dial to a listening address reports the connection and stays "
                  "dialling until the owner's verdict");

  shoal_dialer_dial (dialer, addresses);
  g_assert_true (shoal_dialer_is_dialling (dialer));
  while (!connected)
    {
      g_main_context_iteration (NULL, TRUE);
      connected = owner.connection != NULL;
    }
  g_assert_true (shoal_dialer_is_dialling (dialer));
  shoal_dialer_succeeded (dialer);
  g_assert_false (shoal_dialer_is_busy (dialer));
  g_assert_cmpuint (owner.failed, ==, 0);

  g_clear_object (&owner.connection);
  shoal_dialer_free (dialer);
}

static void
test_refused (void)
{
  Owner owner = { 0, };
  ShoalDialer *dialer = new_dialer (&owner);
  g_autoptr(GSocketListener) listener = NULL;
  g_autoptr(GPtrArray) addresses = listen_on_loopback (&listener);

  g_test_summary ("A dial that no address answers reports a failure, with the error of "
                  "the last address");

  /* The port was ours a moment ago; nobody listens on it now. */
  g_socket_listener_close (listener);
  shoal_dialer_dial (dialer, addresses);
  while (owner.failed == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (owner.connection);
  g_assert_error (owner.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&owner.error);

  shoal_dialer_free (dialer);
}

static void
test_cancel (void)
{
  Owner owner = { 0, };
  ShoalDialer *dialer = new_dialer (&owner);
  g_autoptr(GSocketListener) listener = NULL;
  g_autoptr(GPtrArray) addresses = listen_on_loopback (&listener);

  g_test_summary ("A cancelled dial, and a dialer freed mid-dial, report nothing");

  shoal_dialer_dial (dialer, addresses);
  shoal_dialer_cancel (dialer);
  g_assert_false (shoal_dialer_is_busy (dialer));
  iterate_until (NULL, 200);

  shoal_dialer_dial (dialer, addresses);
  shoal_dialer_free (dialer);
  iterate_until (NULL, 200);

  g_assert_null (owner.connection);
  g_assert_cmpuint (owner.failed, ==, 0);
  g_assert_cmpuint (owner.due, ==, 0);
}

/* A listener whose accept queue is full: the kernel drops every SYN that
 * comes, as a network in an outage does, until the queue is drained. */
static GSocket *
listen_full (GPtrArray **out_addresses,
             GPtrArray  *fillers)
{
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GError) error = NULL;
  GPtrArray *addresses = g_ptr_array_new_with_free_func (g_object_unref);

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (listener, any, TRUE, &error));
  g_socket_set_listen_backlog (listener, 1);
  g_assert_true (g_socket_listen (listener, &error));
  g_ptr_array_add (addresses, g_socket_get_local_address (listener, &error));
  g_assert_no_error (error);

  /* Connect until one connect is not answered: the queue is full. */
  for (guint i = 0; i < 16; i++)
    {
      g_autoptr(GSocket) filler = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, &error);
      gboolean answered;

      g_assert_no_error (error);
      g_socket_set_blocking (filler, FALSE);
      if (!g_socket_connect (filler, g_ptr_array_index (addresses, 0), NULL, &error))
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
          g_clear_error (&error);
        }
      answered = g_socket_condition_timed_wait (filler, G_IO_OUT, 200 * 1000, NULL, NULL);
      g_ptr_array_add (fillers, g_steal_pointer (&filler));
      if (!answered)
        break;
    }

  *out_addresses = addresses;
  return g_steal_pointer (&listener);
}

static void
test_probe (void)
{
  Owner owner = { 0, };
  ShoalDialer *dialer = new_dialer (&owner);
  g_autoptr(GPtrArray) fillers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) addresses = NULL;
  g_autoptr(GSocket) listener = listen_full (&addresses, fillers);
  gint64 drained;
  guint accepted = 0;

  g_test_summary ("A probing dial starts another attempt every 50 ms while the first has "
                  "no answer, so it connects within moments of the path coming back, not "
                  "at the kernel's next SYN a second later; the spare attempts, the first "
                  "included, go");

  shoal_dialer_probe_next (dialer);
  shoal_dialer_dial (dialer, addresses);
  iterate_until (NULL, 150);
  g_assert_null (owner.connection);

  /* The path is back. */
  g_socket_set_blocking (listener, FALSE);
  for (;;)
    {
      g_autoptr(GSocket) peer = g_socket_accept (listener, NULL, NULL);

      if (peer == NULL)
        break;
      accepted++;
    }
  g_assert_cmpuint (accepted, >, 0);
  g_ptr_array_set_size (fillers, 0);
  drained = g_get_monotonic_time ();

  while (owner.connection == NULL && owner.failed == 0 &&
         g_get_monotonic_time () - drained < 3 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (owner.connection);
  g_test_message ("connected %.0f ms after the queue was drained",
                  (g_get_monotonic_time () - drained) / 1000.0);
  g_assert_cmpint (g_get_monotonic_time () - drained, <, 400 * 1000);

  shoal_dialer_succeeded (dialer);
  g_assert_false (shoal_dialer_is_busy (dialer));

  /* The winner is the only connection that ever arrives: the first attempt
   * and the other probes were ended, not left to the kernel's next SYN. */
  iterate_until (NULL, 1500);
  accepted = 0;
  for (;;)
    {
      g_autoptr(GSocket) peer = g_socket_accept (listener, NULL, NULL);

      if (peer == NULL)
        break;
      accepted++;
    }
  g_assert_cmpuint (accepted, ==, 1);

  g_clear_object (&owner.connection);
  shoal_dialer_free (dialer);
  iterate_until (NULL, 100);
  g_assert_cmpuint (owner.failed, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/dialer/backoff", test_backoff);
  g_test_add_func ("/dialer/connect", test_connect);
  g_test_add_func ("/dialer/refused", test_refused);
  g_test_add_func ("/dialer/cancel", test_cancel);
  g_test_add_func ("/dialer/probe", test_probe);

  return g_test_run ();
}
