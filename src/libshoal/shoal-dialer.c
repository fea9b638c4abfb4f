/* shoal-dialer.c: when to dial a peer again, and the dial in flight
 *
 * One dialer per peer (or per configured address whose peer is not known
 * yet) holds what the mesh needs to dial it well: a wait before the next try
 * that doubles after every failure, and the connect in flight. "Dialling"
 * lasts from the connect to the verdict on the link it made, which the owner
 * gives with shoal_dialer_succeeded() or shoal_dialer_failed(), so that a
 * peer is not dialled twice while its handshake is under way.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-dial.h"
#include "shoal-dialer.h"
#include "shoal-source.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 10000
/* How often a dial to a peer just lost starts another attempt (see
 * shoal-dial.c): the link is back within this long of the path. */
#define PROBE_MS 25

struct _ShoalDialer
{
  GMainContext               *context;      /* (owned) */
  GSocketClient              *client;       /* (owned) */
  const ShoalDialerCallbacks *callbacks;    /* (unowned) static */
  gpointer                    owner;        /* (unowned) */

  GSource                    *timer;        /* (owned) (nullable) a wait under way */
  GCancellable               *cancellable;  /* (owned) (nullable) the connect in flight */
  gboolean                    dialling;
  gboolean                    probe_next;   /* the next dial probes */
  guint                       backoff_ms;
  guint                       failures;     /* in a row, since the last success */
};

/**
 * shoal_dialer_new:
 * @context: the context the timer and the connect run in
 * @client: the client to connect with
 * @callbacks: (not nullable): what to tell @owner; kept, not copied
 * @owner: passed back to @callbacks
 *
 * Returns: (transfer full): an idle dialer
 */
ShoalDialer *
shoal_dialer_new (GMainContext               *context,
                  GSocketClient              *client,
                  const ShoalDialerCallbacks *callbacks,
                  gpointer                    owner)
{
  ShoalDialer *self = g_new0 (ShoalDialer, 1);

  self->context = g_main_context_ref (context);
  self->client = g_object_ref (client);
  self->callbacks = callbacks;
  self->owner = owner;
  return self;
}

void
shoal_dialer_free (ShoalDialer *self)
{
  shoal_dialer_cancel (self);
  g_main_context_unref (self->context);
  g_object_unref (self->client);
  g_free (self);
}

static gboolean
timer_cb (gpointer user_data)
{
  ShoalDialer *self = user_data;

  g_clear_pointer (&self->timer, g_source_unref);
  self->callbacks->due (self->owner);
  return G_SOURCE_REMOVE;
}

/**
 * shoal_dialer_schedule:
 * @self: a #ShoalDialer
 * @at_least_ms: the least time to wait, whatever the backoff says
 *
 * Asks for the owner's due() after the current backoff (none before the
 * first failure), unless a wait or a dial is under way already.
 */
void
shoal_dialer_schedule (ShoalDialer *self,
                       guint        at_least_ms)
{
  if (shoal_dialer_is_busy (self))
    return;

  self->timer = shoal_timeout_attach (self->context, MAX (self->backoff_ms, at_least_ms),
                                      timer_cb, self, NULL, "[shoal] dial");
}

static void
dial_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  ShoalDialer *self = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  /* A cancelled dial may come back after its dialer is gone: touch nothing. */
  connection = shoal_dial_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->cancellable);
  if (connection == NULL)
    self->callbacks->failed (self->owner, error);
  else
    self->callbacks->connected (self->owner, connection);
}

/**
 * shoal_dialer_dial:
 * @self: a #ShoalDialer
 * @addresses: (element-type GInetSocketAddress): where to try, best first
 *
 * Connects to the first of @addresses that answers; the dialer is dialling
 * until the owner's verdict.
 */
void
shoal_dialer_dial (ShoalDialer *self,
                   GPtrArray   *addresses)
{
  guint probe_ms = self->probe_next ? PROBE_MS : 0;

  shoal_dialer_cancel (self);
  self->probe_next = FALSE;
  self->dialling = TRUE;
  self->cancellable = g_cancellable_new ();
  shoal_dial_async (self->client, addresses, probe_ms, self->cancellable, dial_cb, self);
}

/**
 * shoal_dialer_probe_next:
 * @self: a #ShoalDialer
 *
 * Has the next dial probe (shoal_dial_async()): for a peer whose link was
 * just cut or has gone silent, whose path may come back at any moment. Only
 * the one dial: one that fails is the peer's absence, for the backoff.
 */
void
shoal_dialer_probe_next (ShoalDialer *self)
{
  self->probe_next = TRUE;
}

/**
 * shoal_dialer_cancel:
 * @self: a #ShoalDialer
 *
 * Stops the wait and the connect; the backoff stays.
 */
void
shoal_dialer_cancel (ShoalDialer *self)
{
  shoal_source_clear (&self->timer);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->dialling = FALSE;
}

/**
 * shoal_dialer_succeeded:
 * @self: a #ShoalDialer
 *
 * A link is up: nothing more to do, and the next loss starts afresh.
 */
void
shoal_dialer_succeeded (ShoalDialer *self)
{
  shoal_dialer_cancel (self);
  self->backoff_ms = 0;
  self->failures = 0;
}

/**
 * shoal_dialer_failed:
 * @self: a #ShoalDialer
 *
 * The dial, or the link it made, came to nothing: the next wait is longer.
 */
void
shoal_dialer_failed (ShoalDialer *self)
{
  shoal_dialer_cancel (self);
  self->probe_next = FALSE;
  self->backoff_ms = self->backoff_ms == 0 ? BACKOFF_MIN_MS
                                           : MIN (self->backoff_ms * 2, BACKOFF_MAX_MS);
  self->failures++;
}

/**
 * shoal_dialer_is_busy:
 * @self: a #ShoalDialer
 *
 * Returns: whether a wait or a dial is under way
 */
gboolean
shoal_dialer_is_busy (ShoalDialer *self)
{
  return self->timer != NULL || self->dialling;
}

/**
 * shoal_dialer_is_dialling:
 * @self: a #ShoalDialer
 *
 * Returns: whether a dial is under way, or its link is handshaking
 */
gboolean
shoal_dialer_is_dialling (ShoalDialer *self)
{
  return self->dialling;
}

/**
 * shoal_dialer_get_failures:
 * @self: a #ShoalDialer
 *
 * Returns: how many dials failed in a row since the last success
 */
guint
shoal_dialer_get_failures (ShoalDialer *self)
{
  return self->failures;
}
