/* bench-groups.c: a message to a group against a broadcast, per delivery
 *
 * One measuring node and eight sink processes on loopback; four sinks are
 * in the group "bench". In one run, alternating, the node sends COUNT
 * messages to the group (four deliveries each, out of eight peers) and
 * COUNT broadcasts to a node linked to four sinks only (four deliveries
 * each), until every sink says it has them all; one round of each is not
 * measured, and the order alternates. It prints one JSON object:
 * deliveries per second and the sender's CPU time per delivery for each,
 * and their ratios, group over broadcast. A group message should cost no
 * more per delivery than a broadcast: the sender filters the members and
 * encodes the name and payload once, as a broadcast encodes its payload
 * once.
 *
 *   bench-groups [--size BYTES] [--count N] [--rounds N]
 *   bench-groups --only group|broadcast [--size BYTES] [--count N] [--rounds N]
 *   bench-groups sink --count N [--group NAME]    (the helper)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gio/gio.h>

#include "shoal.h"

#define WAIT_TIMEOUT_US (60 * G_USEC_PER_SEC)
#define DONE_PAYLOAD "done"
#define GROUP "bench"
#define MEMBERS 4
#define PEERS 8

typedef struct {
  GPid   pid;
  gint   stdin_fd;
  gchar *port;  /* (owned) "127.0.0.1:PORT" */
} Child;

typedef struct {
  ShoalNode *node;       /* (owned) */
  gchar     *state_dir;  /* (owned) */
  guint      connected;
  guint      members_known;
  guint      done;
  guint      delivered;
} Sender;

static void
remove_tree (const gchar *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static ShoalNode *
new_node (const gchar  *name,
          gchar       **state_dir_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *state_dir = g_dir_make_tmp ("shoal-bench-XXXXXX", &error);
  ShoalNode *node;

  if (state_dir == NULL)
    g_error ("state directory: %s", error->message);
  node = shoal_node_new (name, 0, state_dir);
  shoal_node_set_mdns (node, FALSE);
  /* Sinks told of each other would link up among themselves: the figures
   * are for the sender's links alone. */
  shoal_node_set_peer_exchange (node, FALSE);
  shoal_node_set_listen_address (node, "127.0.0.1");
  *state_dir_out = g_steal_pointer (&state_dir);
  return node;
}

static void
wait_for (guint       *flag,
          guint        target,
          const gchar *what)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_US;

  while (*flag < target)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s (%u of %u)", what, *flag, target);
      g_main_context_iteration (NULL, TRUE);
    }
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* ---- the sink ---- */

typedef struct {
  guint64    expect;
  guint64    received;
  GMainLoop *loop;
} Sink;

static gboolean
stdin_closed_cb (gint         fd,
                 GIOCondition condition,
                 gpointer     user_data)
{
  gchar buf[64];
  gssize n = read (fd, buf, sizeof buf);

  if (n > 0 || (n < 0 && errno == EINTR))
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
sink_message_cb (ShoalNode *node,
                 ShoalPeer *peer,
                 GBytes    *payload,
                 gboolean   broadcast,
                 Sink      *sink)
{
  if (++sink->received == sink->expect)
    {
      g_autoptr(GBytes) done = g_bytes_new_static (DONE_PAYLOAD, strlen (DONE_PAYLOAD));

      sink->received = 0;
      if (shoal_node_send (node, shoal_peer_get_id (peer), done, NULL) == 0)
        g_error ("the sink could not say it is done");
    }
}

static int
cmd_sink (guint64      expect,
          const gchar *group)
{
  Sink sink = { expect, 0, g_main_loop_new (NULL, FALSE) };
  g_autofree gchar *state_dir = NULL;
  g_autoptr(ShoalNode) node = new_node ("sink", &state_dir);
  g_autoptr(GError) error = NULL;

  if (group != NULL && !shoal_node_join (node, group, &error))
    g_error ("joining %s: %s", group, error->message);
  g_signal_connect (node, "message-received", G_CALLBACK (sink_message_cb), &sink);
  if (!shoal_node_start (node, &error))
    g_error ("starting the sink: %s", error->message);
  printf ("{\"port\": %u}\n", shoal_node_get_port (node));
  fflush (stdout);

  g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, stdin_closed_cb, sink.loop);
  g_main_loop_run (sink.loop);
  shoal_node_stop (node);
  remove_tree (state_dir);
  g_main_loop_unref (sink.loop);
  return 0;
}

/* ---- the measuring node ---- */

static Child *
spawn_sink (guint64      expect,
            const gchar *group)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *self = g_file_read_link ("/proc/self/exe", &error);
  g_autofree gchar *expect_str = g_strdup_printf ("%" G_GUINT64_FORMAT, expect);
  const gchar *argv[] = { NULL, "sink", "--count", expect_str, group ? "--group" : NULL, group,
                          NULL };
  Child *child = g_new0 (Child, 1);
  gint stdout_fd;
  FILE *out;
  gchar line[256];
  gchar *port;

  if (self == NULL)
    g_error ("/proc/self/exe: %s", error->message);
  argv[0] = self;
  if (!g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                 NULL, &child->pid, &child->stdin_fd, &stdout_fd, NULL, &error))
    g_error ("spawning a sink: %s", error->message);
  out = fdopen (stdout_fd, "r");
  if (out == NULL || fgets (line, sizeof line, out) == NULL)
    g_error ("the sink did not start");
  fclose (out);
  port = strstr (line, "\"port\": ");
  if (port == NULL)
    g_error ("unexpected line from the sink: %s", line);
  child->port = g_strdup_printf ("127.0.0.1:%u", (guint) g_ascii_strtoull (port + 8, NULL, 10));
  return child;
}

static void
child_free (Child *child)
{
  int status;

  close (child->stdin_fd);
  if (waitpid (child->pid, &status, 0) < 0)
    g_warning ("waitpid: %s", g_strerror (errno));
  g_spawn_close_pid (child->pid);
  g_free (child->port);
  g_free (child);
}

static void
connected_cb (ShoalNode *node,
              ShoalPeer *peer,
              Sender    *sender)
{
  sender->connected++;
}

static void
joined_cb (ShoalNode   *node,
           ShoalPeer   *peer,
           const gchar *group,
           Sender      *sender)
{
  sender->members_known++;
}

static void
done_cb (ShoalNode *node,
         ShoalPeer *peer,
         GBytes    *payload,
         gboolean   broadcast,
         Sender    *sender)
{
  sender->done++;
}

static void
delivered_cb (ShoalNode *node,
              ShoalPeer *peer,
              guint64    id,
              Sender    *sender)
{
  sender->delivered++;
}

/* A node linked to every sink of @children, knowing the members' groups. */
static void
sender_start (Sender    *sender,
              GPtrArray *children,
              guint      members)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalDiscoveryStatic) discovery = shoal_discovery_static_new ();

  sender->node = new_node ("sender", &sender->state_dir);
  for (guint i = 0; i < children->len; i++)
    if (!shoal_discovery_static_add_peer (discovery, ((Child *) children->pdata[i])->port, &error))
      g_error ("static peer: %s", error->message);
  shoal_node_add_discovery (sender->node, SHOAL_DISCOVERY (discovery));
  g_signal_connect (sender->node, "peer-connected", G_CALLBACK (connected_cb), sender);
  g_signal_connect (sender->node, "peer-joined-group", G_CALLBACK (joined_cb), sender);
  g_signal_connect (sender->node, "message-received", G_CALLBACK (done_cb), sender);
  g_signal_connect (sender->node, "message-delivered", G_CALLBACK (delivered_cb), sender);
  if (!shoal_node_start (sender->node, &error))
    g_error ("starting the sender: %s", error->message);
  wait_for (&sender->connected, children->len, "the sinks to connect");
  wait_for (&sender->members_known, members, "the members' groups");
}

static void
sender_stop (Sender *sender)
{
  shoal_node_stop (sender->node);
  g_clear_object (&sender->node);
  remove_tree (sender->state_dir);
  g_clear_pointer (&sender->state_dir, g_free);
}

static gdouble
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* Sends @count messages, to the group or as broadcasts, each to 4 sinks,
 * until all 4 say they have them and every delivery is acknowledged;
 * returns wall seconds and sender CPU. Waiting for the acknowledgements
 * too keeps the last ones' bookkeeping (freeing the kept copies, the
 * delivered signals) out of the next measurement, which would otherwise
 * pay for the other kind of message. */
static void
measure (Sender  *sender,
         gboolean group,
         GBytes  *payload,
         guint64  count,
         gdouble *wall_out,
         gdouble *cpu_out)
{
  guint burst = MAX (1, (256 * 1024) / MAX (g_bytes_get_size (payload), 1));
  gint64 start = g_get_monotonic_time ();
  gdouble cpu = cpu_seconds ();

  sender->done = 0;
  sender->delivered = 0;
  for (guint64 i = 0; i < count; i++)
    {
      g_autoptr(GPtrArray) recipients = NULL;
      g_autoptr(GError) error = NULL;
      guint64 id = group ? shoal_node_send_to_group (sender->node, GROUP, payload, &recipients, &error)
                         : shoal_node_broadcast (sender->node, payload, &recipients);

      /* A recipient skipped (its store full) would never finish: say so. */
      if (id == 0 || recipients->len != MEMBERS)
        g_error ("message %" G_GUINT64_FORMAT " reached %u of %u peers", i,
                 recipients != NULL ? recipients->len : 0, MEMBERS);
      if ((i + 1) % burst == 0)
        g_main_context_iteration (NULL, FALSE);
    }
  wait_for (&sender->done, MEMBERS, "every member to receive everything");
  wait_for (&sender->delivered, count * MEMBERS, "every delivery to be acknowledged");
  *wall_out = (g_get_monotonic_time () - start) / 1e6;
  *cpu_out = cpu_seconds () - cpu;
}

static gint
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

static gdouble
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, gdouble, values->len / 2);
}

/* One kind alone, with only its own sender and sinks: for counting
 * instructions under valgrind, where every process's count is the kind's. */
static int
cmd_only (gboolean group,
          gsize    size,
          guint64  count,
          guint    rounds)
{
  g_autoptr(GPtrArray) sinks = g_ptr_array_new_with_free_func ((GDestroyNotify) child_free);
  g_autoptr(GBytes) payload = NULL;
  guint8 *data = g_malloc (MAX (size, 1));
  Sender sender = { 0 };
  gdouble wall = 0, cpu = 0;

  memset (data, 0x5a, size);
  payload = g_bytes_new_take (data, size);
  for (guint i = 0; i < (group ? PEERS : MEMBERS); i++)
    g_ptr_array_add (sinks, spawn_sink (count, group && i % 2 == 0 ? GROUP : NULL));
  sender_start (&sender, sinks, group ? MEMBERS : 0);
  for (guint r = 0; r < rounds; r++)
    measure (&sender, group, payload, count, &wall, &cpu);
  printf ("{\"bench\": \"shoal-groups\", \"only\": \"%s\", \"members\": %u, \"peers\": %u"
          ", \"size\": %" G_GSIZE_FORMAT ", \"count\": %" G_GUINT64_FORMAT ", \"rounds\": %u}\n",
          group ? "group" : "broadcast", MEMBERS, group ? PEERS : MEMBERS, size, count, rounds);
  sender_stop (&sender);
  return 0;
}

static int
cmd_compare (gsize   size,
             guint64 count,
             guint   rounds)
{
  g_autoptr(GPtrArray) group_sinks = g_ptr_array_new_with_free_func ((GDestroyNotify) child_free);
  g_autoptr(GPtrArray) broadcast_sinks = g_ptr_array_new_with_free_func ((GDestroyNotify) child_free);
  g_autoptr(GArray) group_rate = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) broadcast_rate = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) group_cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) broadcast_cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) ratios = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) cpu_ratios = g_array_new (FALSE, FALSE, sizeof (gdouble));
  guint8 *data = g_malloc (MAX (size, 1));
  g_autoptr(GBytes) payload = NULL;
  Sender group_sender = { 0 }, broadcast_sender = { 0 };

  memset (data, 0x5a, size);
  payload = g_bytes_new_take (data, size);

  /* 8 peers, 4 in the group; and 4 peers for the broadcast. */
  for (guint i = 0; i < PEERS; i++)
    g_ptr_array_add (group_sinks, spawn_sink (count, i % 2 == 0 ? GROUP : NULL));
  for (guint i = 0; i < MEMBERS; i++)
    g_ptr_array_add (broadcast_sinks, spawn_sink (count, NULL));
  sender_start (&group_sender, group_sinks, MEMBERS);
  sender_start (&broadcast_sender, broadcast_sinks, 0);

  /* Whichever went first would also pay for warming up: the senders'
   * stores, the sinks' buffers, TCP's windows. One unmeasured round of
   * each first, then the order alternates from round to round. */
  {
    gdouble wall, cpu;

    measure (&group_sender, TRUE, payload, count, &wall, &cpu);
    measure (&broadcast_sender, FALSE, payload, count, &wall, &cpu);
  }
  for (guint r = 0; r < rounds; r++)
    {
      gdouble gw, gc, bw, bc, v;

      if (r % 2 == 0)
        {
          measure (&broadcast_sender, FALSE, payload, count, &bw, &bc);
          measure (&group_sender, TRUE, payload, count, &gw, &gc);
        }
      else
        {
          measure (&group_sender, TRUE, payload, count, &gw, &gc);
          measure (&broadcast_sender, FALSE, payload, count, &bw, &bc);
        }
      v = count * (gdouble) MEMBERS / gw;
      g_array_append_val (group_rate, v);
      v = count * (gdouble) MEMBERS / bw;
      g_array_append_val (broadcast_rate, v);
      v = gc * 1e6 / (count * (gdouble) MEMBERS);
      g_array_append_val (group_cpu, v);
      v = bc * 1e6 / (count * (gdouble) MEMBERS);
      g_array_append_val (broadcast_cpu, v);
      v = bw / gw;  /* group deliveries/s over broadcast deliveries/s */
      g_array_append_val (ratios, v);
      v = gc / bc;  /* group CPU per delivery over broadcast CPU per delivery */
      g_array_append_val (cpu_ratios, v);
    }

  printf ("{\"bench\": \"shoal-groups\", \"members\": %u, \"peers\": %u, \"size\": %" G_GSIZE_FORMAT
          ", \"count\": %" G_GUINT64_FORMAT ", \"rounds\": %u"
          ", \"group_deliveries_per_s\": %.1f, \"broadcast_deliveries_per_s\": %.1f"
          ", \"group_cpu_us_per_delivery\": %.3f, \"broadcast_cpu_us_per_delivery\": %.3f"
          ", \"ratio\": %.3f, \"cpu_ratio\": %.3f}\n",
          MEMBERS, PEERS, size, count, rounds, median (group_rate), median (broadcast_rate),
          median (group_cpu), median (broadcast_cpu), median (ratios), median (cpu_ratios));
  sender_stop (&group_sender);
  sender_stop (&broadcast_sender);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *group = NULL;
  g_autofree gchar *only = NULL;
  gint64 size = 64, count = 50000, rounds = 3;
  const GOptionEntry entries[] = {
    { "size", 0, 0, G_OPTION_ARG_INT64, &size, "Payload bytes per message", "BYTES" },
    { "count", 0, 0, G_OPTION_ARG_INT64, &count, "Messages per measurement", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT64, &rounds, "Measurements of each, alternating", "N" },
    { "group", 0, 0, G_OPTION_ARG_STRING, &group, "The group a sink joins (sink)", "NAME" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Measure one kind alone, ROUNDS times", "group|broadcast" },
    { NULL }
  };

  context = g_option_context_new ("[sink]");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-groups: %s\n", error->message);
      return 2;
    }
  if (argc > 2 || size < 0 || size > 16 * 1024 * 1024 || count < 1 || rounds < 1 || rounds > 100)
    {
      fprintf (stderr, "usage: bench-groups [sink] [OPTIONS]; see --help\n");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  g_timeout_add_seconds (1, tick_cb, NULL);

  if (argc == 2 && g_str_equal (argv[1], "sink"))
    return cmd_sink ((guint64) count, group);
  if (argc == 1 && only != NULL)
    {
      if (!g_str_equal (only, "group") && !g_str_equal (only, "broadcast"))
        {
          fprintf (stderr, "bench-groups: --only takes group or broadcast, not %s\n", only);
          return 2;
        }
      return cmd_only (g_str_equal (only, "group"), (gsize) size, (guint64) count, (guint) rounds);
    }
  if (argc == 1)
    return cmd_compare ((gsize) size, (guint64) count, (guint) rounds);
  fprintf (stderr, "bench-groups: unknown command %s\n", argv[1]);
  return 2;
}
