/* shoal-send.c: `shoal send --wait`, which waits for the message's fate
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "shoal-send.h"

typedef struct {
  GMainLoop   *loop;
  const gchar *peer_id;
  guint64      id;          /* 0 until Send() answered */
  GHashTable  *outcomes;    /* (owned) id → (owned) NULL if delivered, else the reason */
  gint         exit_status;
  gboolean     done;
} Waiter;

/* Reports may come before Send()'s answer is read: each is kept until the
 * id is known. */
static void
check (Waiter *waiter)
{
  gpointer reason = NULL;

  if (waiter->done || waiter->id == 0 ||
      !g_hash_table_lookup_extended (waiter->outcomes, &waiter->id, NULL, &reason))
    return;

  waiter->done = TRUE;
  if (reason != NULL)
    {
      g_printerr ("shoal: %s\n", (const gchar *) reason);
      waiter->exit_status = EXIT_FAILURE;
    }
  else
    {
      waiter->exit_status = EXIT_SUCCESS;
    }
  g_main_loop_quit (waiter->loop);
}

static void
record (Waiter      *waiter,
        const gchar *peer_id,
        guint64      id,
        const gchar *reason)
{
  g_autofree gchar *number = g_strdup_printf ("%" G_GUINT64_FORMAT, id);

  if (g_strcmp0 (peer_id, waiter->peer_id) != 0)
    return;
  g_hash_table_replace (waiter->outcomes, g_memdup2 (&id, sizeof id),
                        reason != NULL ? g_strdup_printf (_("Message %s failed: %s"), number, reason)
                                       : NULL);
  check (waiter);
}

static void
on_delivered (ShoalDbusService *service,
              const gchar      *peer_id,
              guint64           id,
              Waiter           *waiter)
{
  record (waiter, peer_id, id, NULL);
}

static void
on_failed (ShoalDbusService *service,
           const gchar      *peer_id,
           guint64           id,
           const gchar      *reason,
           Waiter           *waiter)
{
  record (waiter, peer_id, id, reason);
}

static void
on_name_owner (GObject    *object,
               GParamSpec *pspec,
               Waiter     *waiter)
{
  g_autofree gchar *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (object));

  if (owner != NULL || waiter->done)
    return;
  g_printerr ("shoal: %s\n", _("shoald stopped before the message was delivered"));
  waiter->done = TRUE;
  waiter->exit_status = EXIT_FAILURE;
  g_main_loop_quit (waiter->loop);
}

static gboolean
on_signal (gpointer user_data)
{
  Waiter *waiter = user_data;

  g_printerr ("shoal: %s\n", _("Interrupted before the message was delivered"));
  waiter->done = TRUE;
  waiter->exit_status = EXIT_FAILURE;
  g_main_loop_quit (waiter->loop);
  return G_SOURCE_CONTINUE;
}

/**
 * shoal_send_and_wait:
 * @service: the proxy of shoald's root object
 * @peer_id: the full id of the recipient
 * @payload: (transfer floating): the message, as an `ay`
 * @error: return location for the error of Send() itself
 *
 * Sends, then waits for MessageDelivered (exit 0) or MessageFailed (its
 * reason on stderr, exit 1); also exits 1 if shoald leaves the bus or on
 * SIGINT/SIGTERM.
 *
 * Returns: the exit status, or -1 with @error set if Send() failed
 */
gint
shoal_send_and_wait (ShoalDbusService *service,
                     const gchar      *peer_id,
                     GVariant         *payload,
                     GError          **error)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GHashTable) outcomes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  Waiter waiter = { loop, peer_id, 0, outcomes, EXIT_FAILURE, FALSE };
  guint sigint_id, sigterm_id;
  guint64 id = 0;

  /* The proxy listens to shoald's signals already: connected before the
   * call, nothing is missed. */
  g_signal_connect (service, "message-delivered", G_CALLBACK (on_delivered), &waiter);
  g_signal_connect (service, "message-failed", G_CALLBACK (on_failed), &waiter);
  g_signal_connect (service, "notify::g-name-owner", G_CALLBACK (on_name_owner), &waiter);

  if (!shoal_dbus_service_call_send_sync (service, peer_id, payload, &id, NULL, error))
    {
      g_signal_handlers_disconnect_by_data (service, &waiter);
      return -1;
    }

  waiter.id = id;
  check (&waiter);
  sigint_id = g_unix_signal_add (SIGINT, on_signal, &waiter);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, &waiter);
  if (!waiter.done)
    g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_signal_handlers_disconnect_by_data (service, &waiter);
  return waiter.exit_status;
}
