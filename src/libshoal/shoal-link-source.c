/* shoal-link-source.c: when a link reads and writes
 *
 * One GSource per link watches the socket. Its prepare() flushes the queue
 * before the main loop polls, so everything sent during an iteration leaves
 * together, and the socket is watched for writability only while the kernel
 * pushes back. TLS may hold decrypted bytes the socket no longer shows, so a
 * read loop that stops before the stream says "would block" asks for another
 * dispatch instead of waiting for the socket. Dispatch is where the link
 * reports: what was read and written, a failed write, its end.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-link-private.h"
#include "shoal-outbox.h"

/* Writes as much of the queue as the socket takes. It runs in the source's
 * prepare(), so it emits nothing: what it has to report (a failure, both
 * goodbyes through, the count of what left) waits for dispatch. */
void
shoal_link_flush (ShoalLink *self)
{
  g_autoptr(GError) error = NULL;
  ShoalOutboxResult result;
  gsize written = 0;
  guint64 messages_before = self->sent_messages;

  if (self->write_error != NULL)
    return;

  result = shoal_outbox_write (self->outbox, self->output, &written,
                               &self->sent_messages, &self->sent_bytes, &error);
  if (written > 0)
    self->last_write_progress = g_get_monotonic_time ();
  if (self->sent_messages != messages_before)
    shoal_link_watch_in_flight (self);
  if (result == SHOAL_OUTBOX_BLOCKED)
    {
      self->write_blocked = TRUE;
      return;
    }
  if (result == SHOAL_OUTBOX_FAILED)
    {
      self->write_error = g_strdup_printf ("write failed: %s", error->message);
      return;
    }

  /* Our goodbye is out: nothing more will be sent, so tell the peer's
   * reader with a half-close, and finish once its goodbye has come too. */
  if (self->goodbye_queued && !self->write_shut &&
      self->state != LINK_STATE_CLOSED)
    {
      self->write_shut = TRUE;
      g_socket_shutdown (g_socket_connection_get_socket (self->connection), FALSE, TRUE, NULL);
      if (self->remote_goodbye)
        self->finish_pending = TRUE;
    }
}

/* Reports what was handed on in this dispatch and what was written since
 * the last report: one signal per batch, never per frame. Frames read in an
 * earlier dispatch and handed on in this one (the link was held, or had its
 * share) count now, though nothing new was heard. */
void
shoal_link_report_traffic (ShoalLink *self,
                           gboolean   heard,
                           guint64    messages_in,
                           guint64    bytes_in)
{
  guint64 messages_out = self->sent_messages;
  guint64 bytes_out = self->sent_bytes;

  if (self->state == LINK_STATE_CLOSED || (!heard && messages_in == 0 && messages_out == 0))
    return;

  self->sent_messages = 0;
  self->sent_bytes = 0;
  g_signal_emit (self, shoal_link_signals[SHOAL_LINK_SIGNAL_TRAFFIC], 0, messages_in, bytes_in, messages_out, bytes_out,
                 heard);
}

/* The link's source: the socket, read when readable, written from prepare()
 * and, while the kernel pushes back, when writable. */

typedef struct {
  GSource    source;
  ShoalLink *link;  /* (unowned) the link destroys its source before it goes */
} LinkSource;

static gboolean
link_wants_read (ShoalLink *self)
{
  return !self->paused && (self->read_more || self->frames_waiting);
}

static void
watch (ShoalLink    *self,
       GIOCondition  events)
{
  if (self->io_events == events)
    return;

  self->io_events = events;
  g_source_modify_unix_fd (self->io_source, self->io_tag, events);
}

static gboolean
link_source_prepare (GSource *source,
                     gint    *timeout)
{
  ShoalLink *self = ((LinkSource *) source)->link;

  *timeout = -1;
  if (!self->write_blocked && !shoal_outbox_is_empty (self->outbox))
    shoal_link_flush (self);

  watch (self, (self->paused ? 0 : G_IO_IN) | (self->write_blocked ? G_IO_OUT : 0));

  /* Reporting is dispatch's job, never prepare's: user code runs there.
   * Counts of what left wait for the next read or heartbeat rather than
   * costing a dispatch of their own. */
  return self->write_error != NULL || self->finish_pending || link_wants_read (self);
}

static gboolean
link_source_check (GSource *source)
{
  ShoalLink *self = ((LinkSource *) source)->link;

  return g_source_query_unix_fd (source, self->io_tag) != 0 || self->write_error != NULL ||
         self->finish_pending || link_wants_read (self);
}

static gboolean
link_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  ShoalLink *self = ((LinkSource *) source)->link;
  g_autoptr(ShoalLink) hold = g_object_ref (self);
  GIOCondition revents = g_source_query_unix_fd (source, self->io_tag);
  guint64 messages = 0, bytes = 0;
  gboolean heard = FALSE;

  self->turn_started = g_get_monotonic_time ();
  if (revents & G_IO_OUT)
    {
      self->write_blocked = FALSE;
      shoal_link_flush (self);
    }

  if (self->write_error == NULL && self->frames_waiting && !self->paused)
    {
      self->frames_waiting = FALSE;
      if (!shoal_link_process_frames (self, &messages, &bytes))
        self->read_more = FALSE;
    }

  /* Frames still waiting from the last read come first: reading more before
   * they are handled would only grow the buffer. */
  if (self->write_error == NULL && !self->remote_goodbye && !self->paused &&
      !self->frames_waiting && self->state != LINK_STATE_CLOSED &&
      (self->read_more || (revents & (G_IO_IN | G_IO_HUP | G_IO_ERR))))
    heard = shoal_link_read_available (self, &messages, &bytes);

  shoal_link_report_traffic (self, heard, messages, bytes);

  if (self->write_error != NULL)
    shoal_link_finish (self, self->write_error);
  else if (self->finish_pending)
    shoal_link_finish (self, NULL);

  return self->state == LINK_STATE_CLOSED ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static GSourceFuncs link_source_funcs = {
  .prepare = link_source_prepare,
  .check = link_source_check,
  .dispatch = link_source_dispatch,
};

/* The source starts with the link, watching for the peer's hello. */
void
shoal_link_source_attach (ShoalLink *self)
{
  self->io_source = g_source_new (&link_source_funcs, sizeof (LinkSource));
  ((LinkSource *) self->io_source)->link = self;
  self->io_events = G_IO_IN;
  self->io_tag = g_source_add_unix_fd (self->io_source,
                                       g_socket_get_fd (g_socket_connection_get_socket (self->connection)),
                                       self->io_events);
  g_source_set_static_name (self->io_source, "[shoal] link");
  /* GLib blocks a source that cannot recurse around each dispatch by taking
   * its fd out of the poll set and putting it back, and each change wakes
   * the context: four eventfd system calls per dispatch, per message on a
   * quiet link. The dispatch holds a reference and tolerates re-entry from a
   * nested main loop, so it can recurse. */
  g_source_set_can_recurse (self->io_source, TRUE);
  g_source_attach (self->io_source, self->context);
}
