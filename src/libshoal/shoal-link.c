/* shoal-link.c: one framed connection to a peer
 *
 * A link owns a connected stream and speaks protocol v1 on it: hello first,
 * then data, pings and finally goodbye. It knows nothing of peers or of the
 * node: it reports what happens through signals and a receive function, and
 * the node decides what a link means.
 *
 * The hot path reads in large chunks and cuts many frames out of each read
 * (ShoalFrameReader hands payloads on as slices of the read buffer), and
 * writes the queue with vectored writes. One source per link watches the
 * socket; its prepare() flushes the queue before the main loop polls, so
 * everything sent during an iteration leaves in one system call, and the
 * socket is watched for writability only while the kernel pushes back.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "shoal-error.h"
#include "shoal-link.h"
#include "shoal-outbox.h"
#include "shoal-source.h"

/* Reads per dispatch before yielding to other sources, so one busy link
 * cannot starve the others. */
#define MAX_READS_PER_DISPATCH 16

/* The least time a closing link waits for its goodbye to be flushed and for
 * the peer's goodbye to arrive. */
#define MIN_LINGER_MS 1000

typedef enum {
  LINK_STATE_NEW,
  LINK_STATE_HANDSHAKING,
  LINK_STATE_ESTABLISHED,
  LINK_STATE_CLOSING,
  LINK_STATE_CLOSED,
} LinkState;

struct _ShoalLink
{
  GObject                parent_instance;

  GSocketConnection     *connection;      /* (owned) */
  GPollableInputStream  *input;           /* (unowned) owned by @connection */
  GPollableOutputStream *output;          /* (unowned) owned by @connection */
  GInetSocketAddress    *remote_address;  /* (owned) (nullable) */
  GMainContext          *context;         /* (owned) */
  GBytes                *hello_frame;     /* (owned) */
  ShoalLinkConfig        config;
  gboolean               outbound;

  LinkState              state;
  ShoalHello             remote;
  gboolean               remote_goodbye;
  gboolean               goodbye_queued;
  gboolean               write_shut;
  gchar                 *close_reason;    /* (owned) (nullable) the first reason wins */

  ShoalFrameReader      *reader;          /* (owned) */
  ShoalOutbox           *outbox;          /* (owned) frames waiting to be written */

  GSource               *io_source;       /* (owned) (nullable) a LinkSource */
  gpointer               io_tag;
  GIOCondition           io_events;       /* what @io_source watches now */
  gboolean               write_blocked;   /* the kernel took less than offered */
  gchar                 *write_error;     /* (owned) (nullable) a failed write, for dispatch */
  gboolean               finish_pending;  /* both goodbyes through: finish in dispatch */
  guint64                sent_messages;   /* written since the last traffic signal */
  guint64                sent_bytes;
  GSource               *heartbeat_source; /* (owned) (nullable) */
  GSource               *deadline_source; /* (owned) (nullable) handshake or linger */

  gint64                 last_recv;       /* monotonic µs */
  gint64                 last_write_progress;

  ShoalLinkReceiveFunc   receive_func;
  gpointer               receive_data;
};

G_DEFINE_TYPE (ShoalLink, shoal_link, G_TYPE_OBJECT)

enum {
  SIGNAL_ESTABLISHED,
  SIGNAL_TRAFFIC,
  SIGNAL_ROUND_TRIP,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void link_finish (ShoalLink   *self,
                         const gchar *reason);

static void
set_reason (ShoalLink   *self,
            const gchar *reason)
{
  if (self->close_reason == NULL)
    self->close_reason = g_strdup (reason);
}

static void
queue_control (ShoalLink *self,
               GBytes    *frame)
{
  if (shoal_outbox_is_empty (self->outbox))
    self->last_write_progress = g_get_monotonic_time ();
  shoal_outbox_push_control (self->outbox, frame);
}

/* Writes as much of the queue as the socket takes. It runs in the source's
 * prepare(), so it emits nothing: what it has to report (a failure, both
 * goodbyes through, the count of what left) waits for dispatch. */
static void
flush (ShoalLink *self)
{
  g_autoptr(GError) error = NULL;
  ShoalOutboxResult result;
  gsize written = 0;

  if (self->write_error != NULL)
    return;

  result = shoal_outbox_write (self->outbox, self->output, &written,
                               &self->sent_messages, &self->sent_bytes, &error);
  if (written > 0)
    self->last_write_progress = g_get_monotonic_time ();
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

/* Reports what was read in this dispatch and what was written since the
 * last report: one signal per batch, never per frame. */
static void
report_traffic (ShoalLink *self,
                gboolean   heard,
                guint64    messages_in,
                guint64    bytes_in)
{
  guint64 messages_out = self->sent_messages;
  guint64 bytes_out = self->sent_bytes;

  if (self->state == LINK_STATE_CLOSED || (!heard && messages_out == 0))
    return;

  self->sent_messages = 0;
  self->sent_bytes = 0;
  g_signal_emit (self, signals[SIGNAL_TRAFFIC], 0, messages_in, bytes_in, messages_out, bytes_out,
                 heard);
}

static void
link_finish (ShoalLink   *self,
             const gchar *reason)
{
  g_autoptr(ShoalLink) hold = g_object_ref (self);

  if (self->state == LINK_STATE_CLOSED)
    return;

  set_reason (self, reason != NULL ? reason : "closed");
  report_traffic (self, FALSE, 0, 0);
  self->state = LINK_STATE_CLOSED;

  shoal_source_clear (&self->io_source);
  shoal_source_clear (&self->heartbeat_source);
  shoal_source_clear (&self->deadline_source);
  shoal_outbox_clear (self->outbox);
  g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);

  g_debug ("Link %s %s closed: %s", self->outbound ? "to" : "from",
           self->remote.peer_id != NULL ? self->remote.peer_id : "(no hello)",
           self->close_reason);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, self->close_reason);
}

static gboolean
linger_cb (gpointer user_data)
{
  ShoalLink *self = user_data;

  g_clear_pointer (&self->deadline_source, g_source_unref);
  link_finish (self, NULL);
  return G_SOURCE_REMOVE;
}

/**
 * shoal_link_close:
 * @self: a #ShoalLink
 * @code: why, as the goodbye tells the peer
 * @message: (nullable): a few words for the peer's log
 *
 * Closes the link gracefully: everything already queued is sent, then a
 * goodbye; frames the peer sent before its own goodbye are still delivered.
 * #ShoalLink::closed follows once both goodbyes are through, or after the
 * linger time.
 */
void
shoal_link_close (ShoalLink        *self,
                  ShoalGoodbyeCode  code,
                  const gchar      *message)
{
  g_return_if_fail (SHOAL_IS_LINK (self));

  if (self->state >= LINK_STATE_CLOSING)
    return;

  set_reason (self, shoal_goodbye_code_to_string (code));
  self->state = LINK_STATE_CLOSING;
  shoal_source_clear (&self->heartbeat_source);
  shoal_source_clear (&self->deadline_source);
  self->deadline_source = shoal_timeout_attach (self->context,
                                                MAX (MIN_LINGER_MS, self->config.heartbeat_timeout_ms),
                                                linger_cb, self, NULL, "[shoal] link linger");
  self->goodbye_queued = TRUE;
  queue_control (self, shoal_frame_encode_goodbye (code, message));
}

/**
 * shoal_link_abort:
 * @self: a #ShoalLink
 * @code: the goodbye code to send, if a goodbye can still be sent
 * @reason: why, for the log and #ShoalLink::closed
 *
 * Closes the link at once, dropping whatever is queued: for a link that
 * failed (a protocol error, a silent peer).
 */
void
shoal_link_abort (ShoalLink        *self,
                  ShoalGoodbyeCode  code,
                  const gchar      *reason)
{
  g_return_if_fail (SHOAL_IS_LINK (self));

  if (self->state == LINK_STATE_CLOSED)
    return;

  g_log (G_LOG_DOMAIN, code == SHOAL_GOODBYE_SHUTDOWN ? G_LOG_LEVEL_DEBUG : G_LOG_LEVEL_MESSAGE,
         "Closing link %s %s: %s", self->outbound ? "to" : "from",
         self->remote.peer_id != NULL ? self->remote.peer_id : "(no hello yet)", reason);
  set_reason (self, reason);

  /* A goodbye can follow only whole frames: if the queue's head is half
   * written, the peer could not parse what came after it. */
  if (!shoal_outbox_in_mid_frame (self->outbox) && !self->goodbye_queued && !self->write_shut)
    {
      shoal_outbox_clear (self->outbox);
      self->goodbye_queued = TRUE;
      queue_control (self, shoal_frame_encode_goodbye (code, reason));
      flush (self);
    }

  link_finish (self, NULL);
}

static void
protocol_error (ShoalLink   *self,
                const gchar *message)
{
  g_autofree gchar *reason = g_strdup_printf ("protocol error: %s", message);

  shoal_link_abort (self, SHOAL_GOODBYE_PROTOCOL_ERROR, reason);
}

static gboolean
heartbeat_cb (gpointer user_data)
{
  ShoalLink *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 timeout = (gint64) self->config.heartbeat_timeout_ms * 1000;

  if (now - self->last_recv > timeout)
    {
      g_autofree gchar *reason = g_strdup_printf ("timeout: nothing heard for %u ms",
                                                  self->config.heartbeat_timeout_ms);

      g_clear_pointer (&self->heartbeat_source, g_source_unref);
      shoal_link_abort (self, SHOAL_GOODBYE_TIMEOUT, reason);
      return G_SOURCE_REMOVE;
    }

  /* A peer that stops reading must not pin our memory for ever. */
  if (!shoal_outbox_is_empty (self->outbox) && now - self->last_write_progress > timeout)
    {
      g_autofree gchar *reason = g_strdup_printf ("timeout: peer took nothing for %u ms",
                                                  self->config.heartbeat_timeout_ms);

      g_clear_pointer (&self->heartbeat_source, g_source_unref);
      shoal_link_abort (self, SHOAL_GOODBYE_TIMEOUT, reason);
      return G_SOURCE_REMOVE;
    }

  queue_control (self, shoal_frame_encode_ping (SHOAL_FRAME_PING, (guint64) now));
  report_traffic (self, FALSE, 0, 0);
  return G_SOURCE_CONTINUE;
}

static gboolean
handshake_timeout_cb (gpointer user_data)
{
  ShoalLink *self = user_data;
  g_autofree gchar *reason = g_strdup_printf ("timeout: no hello within %u ms",
                                              self->config.handshake_timeout_ms);

  g_clear_pointer (&self->deadline_source, g_source_unref);
  shoal_link_abort (self, SHOAL_GOODBYE_TIMEOUT, reason);
  return G_SOURCE_REMOVE;
}

static void
handle_hello (ShoalLink *self,
              GBytes    *body)
{
  g_auto(ShoalHello) hello = { 0, };
  g_autoptr(GError) error = NULL;
  guint32 version = 0;

  if (self->state != LINK_STATE_HANDSHAKING)
    {
      protocol_error (self, "a second hello");
      return;
    }

  if (!shoal_frame_decode_hello (body, &hello, &error))
    {
      protocol_error (self, error->message);
      return;
    }

  if (!shoal_hello_negotiate (&hello, &version, &error))
    {
      shoal_link_abort (self, SHOAL_GOODBYE_VERSION_MISMATCH, error->message);
      return;
    }

  self->remote = hello;
  memset (&hello, 0, sizeof hello);
  self->state = LINK_STATE_ESTABLISHED;
  shoal_source_clear (&self->deadline_source);
  self->heartbeat_source = shoal_timeout_attach (self->context, self->config.heartbeat_interval_ms,
                                                 heartbeat_cb, self, NULL, "[shoal] link heartbeat");

  g_debug ("Link %s %s (%s) established, protocol %u", self->outbound ? "to" : "from",
           self->remote.peer_id, self->remote.name, version);
  g_signal_emit (self, signals[SIGNAL_ESTABLISHED], 0);
}

static void
handle_goodbye (ShoalLink *self,
                GBytes    *body)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *message = NULL;
  guint32 code = 0;

  if (!shoal_frame_decode_goodbye (body, &code, &message, &error))
    {
      protocol_error (self, error->message);
      return;
    }

  if (message != NULL)
    g_strcanon (message, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS " .,:;-_()[]/'\"+=#%@!?", '?');
  g_debug ("Goodbye from %s: %s%s%s", self->remote.peer_id != NULL ? self->remote.peer_id : "?",
           shoal_goodbye_code_to_string (code), message != NULL ? ", " : "",
           message != NULL ? message : "");
  set_reason (self, shoal_goodbye_code_to_string (code));
  self->remote_goodbye = TRUE;

  if (self->write_shut)
    {
      link_finish (self, NULL);
      return;
    }

  if (!self->goodbye_queued)
    {
      shoal_link_close (self, code, NULL);
      return;
    }
}

/* Returns FALSE when reading must stop: the link failed or the peer said
 * goodbye. */
static gboolean
process_frames (ShoalLink *self,
                guint64   *messages,
                guint64   *bytes)
{
  for (;;)
    {
      ShoalFrameHeader header;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) error = NULL;
      ShoalFrameReadResult result;

      result = shoal_frame_reader_pop (self->reader, &header, &body, &error);
      if (result == SHOAL_FRAME_READ_NEED_MORE)
        return TRUE;
      if (result == SHOAL_FRAME_READ_ERROR)
        {
          protocol_error (self, error->message);
          return FALSE;
        }

      /* A goodbye may come first: a refusal, such as an overloaded node's. */
      if (self->state == LINK_STATE_HANDSHAKING && header.type != SHOAL_FRAME_HELLO &&
          header.type != SHOAL_FRAME_GOODBYE)
        {
          g_autofree gchar *message =
            g_strdup_printf ("expected hello, got %s", shoal_frame_type_to_string (header.type));

          protocol_error (self, message);
          return FALSE;
        }

      switch (header.type)
        {
        case SHOAL_FRAME_UNICAST:
        case SHOAL_FRAME_BROADCAST:
          *messages += 1;
          *bytes += header.body_length;
          if (self->receive_func != NULL)
            self->receive_func (self->receive_data, body,
                                header.type == SHOAL_FRAME_BROADCAST);
          break;

        case SHOAL_FRAME_PING:
          {
            guint64 stamp = 0;

            if (!shoal_frame_decode_ping (body, &stamp, &error))
              {
                protocol_error (self, error->message);
                return FALSE;
              }
            if (self->state == LINK_STATE_ESTABLISHED)
              queue_control (self, shoal_frame_encode_ping (SHOAL_FRAME_PONG, stamp));
          }
          break;

        case SHOAL_FRAME_PONG:
          {
            guint64 stamp = 0;
            gint64 now = g_get_monotonic_time ();

            if (!shoal_frame_decode_ping (body, &stamp, &error))
              {
                protocol_error (self, error->message);
                return FALSE;
              }
            /* The stamp is ours, echoed: anything in the future is a lie. */
            if (stamp <= (guint64) now)
              g_signal_emit (self, signals[SIGNAL_ROUND_TRIP], 0, (guint64) now - stamp);
          }
          break;

        case SHOAL_FRAME_HELLO:
          handle_hello (self, body);
          break;

        case SHOAL_FRAME_GOODBYE:
          handle_goodbye (self, body);
          return FALSE;

        default:
          /* The reader refuses unknown types before they get here. */
          g_assert_not_reached ();
        }

      if (self->state == LINK_STATE_CLOSED)
        return FALSE;
    }
}

/* Reads what the socket has, a bounded number of times so one busy link
 * cannot starve the others, and handles every whole frame. Returns whether
 * anything was heard. */
static gboolean
read_available (ShoalLink *self,
                guint64   *messages,
                guint64   *bytes)
{
  gboolean heard = FALSE;

  for (guint round = 0; round < MAX_READS_PER_DISPATCH; round++)
    {
      g_autoptr(GError) error = NULL;
      gsize size = 0;
      guint8 *buffer = shoal_frame_reader_get_buffer (self->reader, &size);
      gssize n;

      n = g_pollable_input_stream_read_nonblocking (self->input, buffer, size, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;

      if (n < 0)
        {
          g_autofree gchar *reason = g_strdup_printf ("read failed: %s", error->message);

          link_finish (self, reason);
          break;
        }

      if (n == 0)
        {
          if (shoal_frame_reader_get_pending (self->reader) > 0)
            g_message ("Link %s %s: stream ended inside a frame",
                       self->outbound ? "to" : "from",
                       self->remote.peer_id != NULL ? self->remote.peer_id : "(no hello yet)");
          link_finish (self, self->state == LINK_STATE_CLOSING ? NULL : "connection closed");
          break;
        }

      heard = TRUE;
      self->last_recv = g_get_monotonic_time ();
      shoal_frame_reader_commit (self->reader, (gsize) n);
      if (!process_frames (self, messages, bytes) || self->remote_goodbye)
        break;

      /* A short read drained the socket: asking again would only say so. */
      if ((gsize) n < size)
        break;
    }

  return heard;
}

/* The link's source: the socket, read when readable, written from prepare()
 * and, while the kernel pushes back, when writable. */

typedef struct {
  GSource    source;
  ShoalLink *link;  /* (unowned) the link destroys its source before it goes */
} LinkSource;

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
    flush (self);

  watch (self, G_IO_IN | (self->write_blocked ? G_IO_OUT : 0));

  /* Reporting is dispatch's job, never prepare's: user code runs there.
   * Counts of what left wait for the next read or heartbeat rather than
   * costing a dispatch of their own. */
  return self->write_error != NULL || self->finish_pending;
}

static gboolean
link_source_check (GSource *source)
{
  ShoalLink *self = ((LinkSource *) source)->link;

  return g_source_query_unix_fd (source, self->io_tag) != 0 || self->write_error != NULL ||
         self->finish_pending;
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

  if (revents & G_IO_OUT)
    {
      self->write_blocked = FALSE;
      flush (self);
    }

  if (self->write_error == NULL && !self->remote_goodbye &&
      (revents & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
    heard = read_available (self, &messages, &bytes);

  report_traffic (self, heard, messages, bytes);

  if (self->write_error != NULL)
    link_finish (self, self->write_error);
  else if (self->finish_pending)
    link_finish (self, NULL);

  return self->state == LINK_STATE_CLOSED ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static GSourceFuncs link_source_funcs = {
  .prepare = link_source_prepare,
  .check = link_source_check,
  .dispatch = link_source_dispatch,
};

static void
shoal_link_dispose (GObject *object)
{
  ShoalLink *self = SHOAL_LINK (object);

  shoal_source_clear (&self->io_source);
  shoal_source_clear (&self->heartbeat_source);
  shoal_source_clear (&self->deadline_source);
  shoal_outbox_clear (self->outbox);
  if (self->connection != NULL)
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_clear_object (&self->connection);
  g_clear_object (&self->remote_address);

  G_OBJECT_CLASS (shoal_link_parent_class)->dispose (object);
}

static void
shoal_link_finalize (GObject *object)
{
  ShoalLink *self = SHOAL_LINK (object);

  shoal_hello_clear (&self->remote);
  g_free (self->close_reason);
  g_free (self->write_error);
  g_clear_pointer (&self->reader, shoal_frame_reader_free);
  g_clear_pointer (&self->outbox, shoal_outbox_free);
  g_clear_pointer (&self->hello_frame, g_bytes_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (shoal_link_parent_class)->finalize (object);
}

static void
shoal_link_class_init (ShoalLinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_link_dispose;
  object_class->finalize = shoal_link_finalize;

  /**
   * ShoalLink::established:
   *
   * The peer's hello arrived and was accepted; its fields are in
   * shoal_link_get_remote_hello(). Data may flow from now on.
   */
  signals[SIGNAL_ESTABLISHED] =
    g_signal_new ("established", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * ShoalLink::traffic:
   * @messages_in: data frames received since the last emission
   * @bytes_in: their payload bytes
   * @messages_out: data frames written since the last emission
   * @bytes_out: their payload bytes
   * @heard: whether anything at all (a ping too) arrived
   *
   * Emitted once per batch of reads and writes, never per frame, so that the
   * node can keep counters and "last seen" current.
   */
  signals[SIGNAL_TRAFFIC] =
    g_signal_new ("traffic", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 5,
                  G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_BOOLEAN);

  /**
   * ShoalLink::round-trip:
   * @usec: the round trip of the last heartbeat, in microseconds
   */
  signals[SIGNAL_ROUND_TRIP] =
    g_signal_new ("round-trip", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);

  /**
   * ShoalLink::closed:
   * @reason: why, in a few words ("shutdown", "timeout: …", "protocol error: …")
   *
   * The link is finished; it emits nothing more.
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
shoal_link_init (ShoalLink *self)
{
  self->outbox = shoal_outbox_new ();
}

/**
 * shoal_link_new:
 * @connection: a connected socket connection
 * @outbound: whether this node dialled it
 * @hello_frame: this node's encoded hello
 * @config: limits and timings
 *
 * Wraps @connection; nothing happens until shoal_link_start().
 *
 * Returns: (transfer full): a new #ShoalLink
 */
ShoalLink *
shoal_link_new (GSocketConnection     *connection,
                gboolean               outbound,
                GBytes                *hello_frame,
                const ShoalLinkConfig *config)
{
  ShoalLink *self = g_object_new (SHOAL_TYPE_LINK, NULL);
  GSocket *socket = g_socket_connection_get_socket (connection);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  self->connection = g_object_ref (connection);
  self->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  self->output = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (G_IO_STREAM (connection)));
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    self->remote_address = G_INET_SOCKET_ADDRESS (g_steal_pointer (&remote));
  self->outbound = outbound;
  self->hello_frame = g_bytes_ref (hello_frame);
  self->config = *config;
  self->reader = shoal_frame_reader_new (config->max_data_body);
  self->context = g_main_context_ref_thread_default ();

  /* Batching is ours: the queue already coalesces small frames. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  return self;
}

/**
 * shoal_link_set_receive_func:
 * @self: a #ShoalLink
 * @func: called with each data frame's payload
 * @user_data: for @func
 */
void
shoal_link_set_receive_func (ShoalLink            *self,
                             ShoalLinkReceiveFunc  func,
                             gpointer              user_data)
{
  g_return_if_fail (SHOAL_IS_LINK (self));

  self->receive_func = func;
  self->receive_data = user_data;
}

/**
 * shoal_link_start:
 * @self: a #ShoalLink
 *
 * Sends this node's hello and starts reading, in the thread-default main
 * context of the caller of shoal_link_new().
 */
void
shoal_link_start (ShoalLink *self)
{
  g_return_if_fail (SHOAL_IS_LINK (self));
  g_return_if_fail (self->state == LINK_STATE_NEW);

  self->state = LINK_STATE_HANDSHAKING;
  self->last_recv = g_get_monotonic_time ();

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

  self->deadline_source = shoal_timeout_attach (self->context, self->config.handshake_timeout_ms,
                                                handshake_timeout_cb, self, NULL,
                                                "[shoal] link handshake");
  queue_control (self, g_bytes_ref (self->hello_frame));
}

/**
 * shoal_link_send:
 * @self: a #ShoalLink
 * @type: %SHOAL_FRAME_UNICAST or %SHOAL_FRAME_BROADCAST
 * @payload: the message; its bytes are shared, not copied
 * @error: return location for a #GError
 *
 * Queues a message. It leaves with the next write batch.
 *
 * Returns: %TRUE if queued; %FALSE with %SHOAL_ERROR_NOT_CONNECTED before the
 *   handshake or once closing, or %SHOAL_ERROR_QUEUE_FULL
 */
gboolean
shoal_link_send (ShoalLink       *self,
                 ShoalFrameType   type,
                 GBytes          *payload,
                 GError         **error)
{
  gsize size = g_bytes_get_size (payload);
  gsize queued = shoal_outbox_get_data_bytes (self->outbox);

  if (self->state != LINK_STATE_ESTABLISHED)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_NOT_CONNECTED,
                           "The link is not established");
      return FALSE;
    }

  /* An empty queue takes any message the protocol allows, so a message
   * bigger than the bound can still go out on its own. */
  if (queued > 0 && queued + size > self->config.max_queue_bytes)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_QUEUE_FULL,
                   "%" G_GSIZE_FORMAT " bytes are waiting to be sent", queued);
      return FALSE;
    }

  if (shoal_outbox_is_empty (self->outbox))
    self->last_write_progress = g_get_monotonic_time ();
  shoal_outbox_push_data (self->outbox, type, payload);

  return TRUE;
}

gboolean
shoal_link_get_outbound (ShoalLink *self)
{
  return self->outbound;
}

gboolean
shoal_link_get_established (ShoalLink *self)
{
  return self->state == LINK_STATE_ESTABLISHED;
}

/**
 * shoal_link_get_remote_hello:
 * @self: a #ShoalLink
 *
 * Returns: (nullable): the peer's hello, once established
 */
const ShoalHello *
shoal_link_get_remote_hello (ShoalLink *self)
{
  return self->remote.peer_id != NULL ? &self->remote : NULL;
}

/**
 * shoal_link_get_remote_address:
 * @self: a #ShoalLink
 *
 * Returns: (nullable) (transfer none): the address the connection comes from
 */
GInetSocketAddress *
shoal_link_get_remote_address (ShoalLink *self)
{
  return self->remote_address;
}
