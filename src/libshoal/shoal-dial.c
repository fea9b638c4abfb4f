/* shoal-dial.c: connect to the first of several addresses that answers
 *
 * A peer may be known at several addresses (IPv4, IPv6, link-local on each
 * interface). They are tried one after the other in the order given, which
 * is discovery's order of preference, rather than raced: the first usually
 * answers, and a race would open links that are closed again at once. A
 * peer just lost is probed, at every one of its addresses: see probe_cb().
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-dial.h"
#include "shoal-peer-private.h"

/* Probes to each address at most in flight at once, and rounds of them in
 * all: each lives for MAX_PROBES_IN_FLIGHT intervals, time enough for a
 * LAN's handshake, while the first attempt keeps the kernel's own retries
 * for slower paths. */
#define MAX_PROBES_IN_FLIGHT 8
#define MAX_PROBES 128

typedef struct {
  GSocketClient *client;     /* (owned) */
  GPtrArray     *addresses;  /* (owned) (element-type GInetSocketAddress) */
  guint          next;
  GError        *error;      /* (owned) (nullable) the last address's failure */
  GMainContext  *context;    /* (owned) */
  GCancellable  *outer;      /* (owned) (nullable) the caller's */
  gulong         outer_id;
  GCancellable  *first;      /* (owned) (nullable) the address's first attempt */
  guint          probe_ms;
  guint          probes_sent;  /* rounds, since the current first attempt */
  GPtrArray     *probes;     /* (owned) (element-type GCancellable) in flight, oldest first */
  GSource       *probe_timer;  /* (owned) (nullable) */
  gboolean       returned;
} DialData;

static void
stop_probes (DialData *data)
{
  if (data->probe_timer != NULL)
    {
      g_source_destroy (data->probe_timer);
      g_clear_pointer (&data->probe_timer, g_source_unref);
    }
  for (guint i = 0; i < data->probes->len; i++)
    g_cancellable_cancel (g_ptr_array_index (data->probes, i));
  g_ptr_array_set_size (data->probes, 0);
}

static void
dial_data_free (DialData *data)
{
  stop_probes (data);
  if (data->outer != NULL)
    g_cancellable_disconnect (data->outer, data->outer_id);
  g_clear_object (&data->outer);
  g_clear_object (&data->first);
  g_ptr_array_unref (data->probes);
  g_object_unref (data->client);
  g_ptr_array_unref (data->addresses);
  g_clear_error (&data->error);
  g_main_context_unref (data->context);
  g_free (data);
}

static void dial_next (GTask *task);

static void
return_connection (GTask             *task,
                   GSocketConnection *connection)
{
  DialData *data = g_task_get_task_data (task);

  /* The client's timeout was for connecting: a link keeps its own time,
   * and a socket timeout would end an idle link's reads. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 0);
  data->returned = TRUE;
  stop_probes (data);
  /* A probe may have won: the first attempt is not needed any more. */
  g_cancellable_cancel (data->first);
  g_task_return_pointer (task, connection, g_object_unref);
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  DialData *data = g_task_get_task_data (task);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  /* A probe answered first, and cancelled this attempt. */
  if (data->returned)
    return;

  if (connection != NULL)
    {
      return_connection (task, g_steal_pointer (&connection));
      return;
    }

  stop_probes (data);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      data->returned = TRUE;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  {
    g_autofree gchar *where =
      shoal_socket_address_to_string (g_ptr_array_index (data->addresses, data->next - 1));

    g_debug ("Dialling %s: %s", where, error->message);
  }
  g_clear_error (&data->error);
  data->error = g_steal_pointer (&error);
  dial_next (g_steal_pointer (&task));
}

typedef struct {
  GTask        *task;         /* (owned) */
  GCancellable *cancellable;  /* (owned) */
} Probe;

static void
probe_connect_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Probe *probe = user_data;
  g_autoptr(GTask) task = probe->task;
  g_autoptr(GCancellable) cancellable = probe->cancellable;
  DialData *data = g_task_get_task_data (task);
  g_autoptr(GSocketConnection) connection = NULL;

  g_free (probe);
  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, NULL);
  g_ptr_array_remove (data->probes, cancellable);
  /* A probe that fails says nothing the first attempt will not say. */
  if (connection != NULL && !data->returned)
    return_connection (task, g_steal_pointer (&connection));
}

/* While the first attempt's SYN may be lost in an outage that has just
 * ended, and the kernel would send it again only a second later, a fresh
 * attempt every @probe_ms gets through within that long of the path coming
 * back. Every address of the peer gets one: a multihomed peer whose first
 * path is out may be reachable over another all along, which the first
 * attempt would try only after its connect timeout. */
static gboolean
probe_cb (gpointer user_data)
{
  GTask *task = user_data;
  DialData *data = g_task_get_task_data (task);

  if (data->returned || data->probes_sent >= MAX_PROBES)
    {
      g_clear_pointer (&data->probe_timer, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  data->probes_sent++;
  for (guint i = 0; i < data->addresses->len; i++)
    {
      Probe *probe;

      if (data->probes->len >= MAX_PROBES_IN_FLIGHT * data->addresses->len)
        {
          g_cancellable_cancel (g_ptr_array_index (data->probes, 0));
          g_ptr_array_remove_index (data->probes, 0);
        }

      probe = g_new0 (Probe, 1);
      probe->task = g_object_ref (task);
      probe->cancellable = g_cancellable_new ();
      g_ptr_array_add (data->probes, g_object_ref (probe->cancellable));
      g_socket_client_connect_async (data->client, g_ptr_array_index (data->addresses, i),
                                     probe->cancellable, probe_connect_cb, probe);
    }
  return G_SOURCE_CONTINUE;
}

static void
dial_next (GTask *task)
{
  DialData *data = g_task_get_task_data (task);

  if (data->next >= data->addresses->len)
    {
      data->returned = TRUE;
      if (data->error != NULL)
        g_task_return_error (task, g_steal_pointer (&data->error));
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND,
                                 "No address to dial");
      g_object_unref (task);
      return;
    }

  /* Its own cancellable, so that a probe that wins can end it; the
   * caller's cancels it too (outer_cancelled_cb()). */
  g_clear_object (&data->first);
  data->first = g_cancellable_new ();
  if (data->outer != NULL && g_cancellable_is_cancelled (data->outer))
    g_cancellable_cancel (data->first);
  g_socket_client_connect_async (data->client,
                                 g_ptr_array_index (data->addresses, data->next++),
                                 data->first, connect_cb, task);
  if (data->probe_ms > 0)
    {
      data->probes_sent = 0;
      data->probe_timer = g_timeout_source_new (data->probe_ms);
      g_source_set_callback (data->probe_timer, probe_cb, g_object_ref (task), g_object_unref);
      g_source_set_static_name (data->probe_timer, "[shoal] dial probe");
      g_source_attach (data->probe_timer, data->context);
    }
}

static void
outer_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  DialData *data = user_data;

  if (data->first != NULL)
    g_cancellable_cancel (data->first);
}

/**
 * shoal_dial_async:
 * @client: the client to connect with
 * @addresses: (element-type GInetSocketAddress): where to try, best first
 * @probe_ms: 0, or how often to start another attempt at each address
 *   while the first attempt has no answer: for a peer just lost, whose path
 *   may come back any moment, or be there over another of its addresses
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the first connection made, or the last failure
 * @user_data: for @callback
 *
 * Connects to the first of @addresses that accepts.
 */
void
shoal_dial_async (GSocketClient       *client,
                  GPtrArray           *addresses,
                  guint                probe_ms,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  DialData *data = g_new0 (DialData, 1);

  g_task_set_source_tag (task, shoal_dial_async);
  data->client = g_object_ref (client);
  data->context = g_main_context_ref_thread_default ();
  data->probe_ms = probe_ms;
  data->probes = g_ptr_array_new_with_free_func (g_object_unref);
  if (cancellable != NULL)
    {
      data->outer = g_object_ref (cancellable);
      data->outer_id = g_cancellable_connect (cancellable, G_CALLBACK (outer_cancelled_cb),
                                              data, NULL);
    }
  /* A copy: the caller's list may change while we dial. */
  data->addresses = g_ptr_array_new_full (addresses->len, g_object_unref);
  for (guint i = 0; i < addresses->len; i++)
    g_ptr_array_add (data->addresses, g_object_ref (g_ptr_array_index (addresses, i)));
  g_task_set_task_data (task, data, (GDestroyNotify) dial_data_free);

  dial_next (g_steal_pointer (&task));
}

/**
 * shoal_dial_finish:
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the connection, or %NULL with the last
 *   address's error (%G_IO_ERROR_CANCELLED if cancelled)
 */
GSocketConnection *
shoal_dial_finish (GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == shoal_dial_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
