/* shoal-dial.c: connect to the first of several addresses that answers
 *
 * A peer may be known at several addresses (IPv4, IPv6, link-local on each
 * interface). They are tried one after the other in the order given, which
 * is discovery's order of preference, rather than raced: the first usually
 * answers, and a race would open links that are closed again at once.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-dial.h"
#include "shoal-peer-private.h"

typedef struct {
  GSocketClient *client;     /* (owned) */
  GPtrArray     *addresses;  /* (owned) (element-type GInetSocketAddress) */
  guint          next;
  GError        *error;      /* (owned) (nullable) the last address's failure */
} DialData;

static void
dial_data_free (DialData *data)
{
  g_object_unref (data->client);
  g_ptr_array_unref (data->addresses);
  g_clear_error (&data->error);
  g_free (data);
}

static void dial_next (GTask *task);

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
  if (connection != NULL)
    {
      /* The client's timeout was for connecting: a link keeps its own time,
       * and a socket timeout would end an idle link's reads. */
      g_socket_set_timeout (g_socket_connection_get_socket (connection), 0);
      g_task_return_pointer (task, g_steal_pointer (&connection), g_object_unref);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
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

static void
dial_next (GTask *task)
{
  DialData *data = g_task_get_task_data (task);

  if (data->next >= data->addresses->len)
    {
      if (data->error != NULL)
        g_task_return_error (task, g_steal_pointer (&data->error));
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND,
                                 "No address to dial");
      g_object_unref (task);
      return;
    }

  g_socket_client_connect_async (data->client,
                                 g_ptr_array_index (data->addresses, data->next++),
                                 g_task_get_cancellable (task), connect_cb, task);
}

/**
 * shoal_dial_async:
 * @client: the client to connect with
 * @addresses: (element-type GInetSocketAddress): where to try, best first
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the first connection made, or the last failure
 * @user_data: for @callback
 *
 * Connects to the first of @addresses that accepts.
 */
void
shoal_dial_async (GSocketClient       *client,
                  GPtrArray           *addresses,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  DialData *data = g_new0 (DialData, 1);

  g_task_set_source_tag (task, shoal_dial_async);
  data->client = g_object_ref (client);
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
