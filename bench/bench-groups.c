/* bench-groups.c: a message to a group against a broadcast, per delivery
 *
 * Three measuring nodes in one process, and sink processes on loopback:
 * the first node is linked to eight sinks, four of them in the group
 * "bench"; the second and the third to four sinks each. In one run, in
 * turns, the first sends COUNT messages to the group (four deliveries
 * each, out of eight peers) and the other two COUNT broadcasts (four
 * deliveries each), until every sink says it has them all; one round of
 * each is not measured, and the order turns from round to round. The third
 * is the control: a broadcast against an identical broadcast says how far
 * apart two senders that do the same measure. It prints one JSON object:
 * deliveries per second and the sender's CPU time per delivery for each,
 * and their ratios to the broadcast's. A group message should cost no
 * more per delivery than a broadcast: the sender filters the members and
 * encodes the name and payload once, as a broadcast encodes its payload
 * once.
 *
 * With --only, one kind alone, for counting instructions under valgrind:
 * one node and eight sinks, to the four in the group or broadcast to four
 * linked ones (the other four started all the same, so that as many
 * processes take turns on the CPUs); the last line names the recipients'
 * pids.
 *
 *   bench-groups [--size BYTES] [--count N] [--rounds N]
 *   bench-groups --only group|broadcast [--layout SEED] [--size BYTES] [--count N] [--rounds N]
 *   bench-groups sink --count N [--layout SEED] [--group NAME]    (the helper)
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

/* --layout: 0, or a seed for where in memory the nodes land. GLib finds
 * an instance's signal handlers in a hash table keyed by its address, and
 * the lookup behind every message's signal costs one probe or several
 * depending on it. Native runs spread over layouts from run to run;
 * valgrind places memory the same way each time, so a count of
 * instructions would be one layout's. A seeded block before each node
 * moves it, and counts with several seeds sample the layouts. */
static guint64 layout_seed;

static ShoalNode *
new_node (const gchar  *name,
          gchar       **state_dir_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *state_dir = g_dir_make_tmp ("shoal-bench-XXXXXX", &error);
  ShoalNode *node;

  if (state_dir == NULL)
    g_error ("state directory: %s", error->message);
  if (layout_seed != 0)
    {
      static guint made;
      guint64 mix = (layout_seed + made++) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);

      /* Held for the process's life: what comes after it stays moved. */
      (void) g_malloc (16 * (1 + (mix >> 56)));
    }
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

static guint sinks_spawned;

static Child *
spawn_sink (guint64      expect,
            const gchar *group)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *self = g_file_read_link ("/proc/self/exe", &error);
  g_autofree gchar *expect_str = g_strdup_printf ("%" G_GUINT64_FORMAT, expect);
  g_autofree gchar *layout_str = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                                  layout_seed != 0 ? layout_seed * 16 + ++sinks_spawned : 0);
  const gchar *argv[] = { NULL, "sink", "--count", expect_str, "--layout", layout_str,
                          group ? "--group" : NULL, group, NULL };
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
  g_autoptr(GString) recipients = NULL;
  g_autoptr(GString) others = NULL;
  Sender sender = { 0 };
  gdouble wall = 0, cpu = 0;

  memset (data, 0x5a, size);
  payload = g_bytes_new_take (data, size);
  /* Under valgrind the processes' number sets how their turns on the
   * CPUs fall, and with them how many frames each read finds: the
   * broadcast's run has the same 8 sinks, of which it links to the even
   * ones only, as the group's run sends to those only. */
  for (guint i = 0; i < PEERS; i++)
    g_ptr_array_add (sinks, spawn_sink (count, group && i % 2 == 0 ? GROUP : NULL));
  if (group)
    sender_start (&sender, sinks, MEMBERS);
  else
    {
      g_autoptr(GPtrArray) linked = g_ptr_array_new ();

      for (guint i = 0; i < sinks->len; i += 2)
        g_ptr_array_add (linked, sinks->pdata[i]);
      sender_start (&sender, linked, 0);
    }
  for (guint r = 0; r < rounds; r++)
    measure (&sender, group, payload, count, &wall, &cpu);
  /* Which sinks got the messages, by pid: a count of instructions per
   * process tells the recipients from the others, whose work grows with
   * the time a run takes, not with its messages. */
  recipients = g_string_new ("[");
  others = g_string_new ("[");
  for (guint i = 0; i < sinks->len; i++)
    {
      GString *list = i % 2 == 0 ? recipients : others;

      g_string_append_printf (list, "%s%d", list->len > 1 ? ", " : "",
                              (gint) ((Child *) sinks->pdata[i])->pid);
    }
  g_string_append_c (recipients, ']');
  g_string_append_c (others, ']');
  printf ("{\"bench\": \"shoal-groups\", \"only\": \"%s\", \"members\": %u, \"peers\": %u"
          ", \"size\": %" G_GSIZE_FORMAT ", \"count\": %" G_GUINT64_FORMAT ", \"rounds\": %u"
          ", \"recipients\": %s, \"others\": %s}\n",
          group ? "group" : "broadcast", MEMBERS, group ? PEERS : MEMBERS, size, count, rounds,
          recipients->str, others->str);
  sender_stop (&sender);
  return 0;
}

/* One measurement of each sender, the order turning from round to round
 * through all six, so that none always follows the same one. */
static const guint orders[6][3] = {
  { 0, 1, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 0, 2, 1 }, { 2, 1, 0 }, { 1, 0, 2 },
};

static int
cmd_compare (gsize   size,
             guint64 count,
             guint   rounds)
{
  /* 0: to the group, 1: broadcast, 2: the same broadcast again, from a
   * node of its own to sinks of their own: what two identical senders
   * differ by in one run, which is what the timings can resolve. */
  enum { GROUP_KIND, BROADCAST_KIND, CONTROL_KIND, KINDS };
  GPtrArray *sinks[KINDS];
  GArray *rate[KINDS];
  GArray *cpu[KINDS];
  g_autoptr(GArray) ratios = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) cpu_ratios = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) control_ratios = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) control_cpu_ratios = g_array_new (FALSE, FALSE, sizeof (gdouble));
  guint8 *data = g_malloc (MAX (size, 1));
  g_autoptr(GBytes) payload = NULL;
  Sender senders[KINDS] = { { 0 } };

  memset (data, 0x5a, size);
  payload = g_bytes_new_take (data, size);

  /* 8 peers, 4 in the group; 4 peers for the broadcast, and 4 for its
   * control. */
  for (guint k = 0; k < KINDS; k++)
    {
      sinks[k] = g_ptr_array_new_with_free_func ((GDestroyNotify) child_free);
      rate[k] = g_array_new (FALSE, FALSE, sizeof (gdouble));
      cpu[k] = g_array_new (FALSE, FALSE, sizeof (gdouble));
      for (guint i = 0; i < (k == GROUP_KIND ? PEERS : MEMBERS); i++)
        g_ptr_array_add (sinks[k], spawn_sink (count, k == GROUP_KIND && i % 2 == 0 ? GROUP : NULL));
    }
  for (guint k = 0; k < KINDS; k++)
    sender_start (&senders[k], sinks[k], k == GROUP_KIND ? MEMBERS : 0);

  /* Whichever went first would also pay for warming up: the senders'
   * stores, the sinks' buffers, TCP's windows. One unmeasured round of
   * each first. */
  for (guint k = 0; k < KINDS; k++)
    {
      gdouble wall, used;

      measure (&senders[k], k == GROUP_KIND, payload, count, &wall, &used);
    }
  for (guint r = 0; r < rounds; r++)
    {
      gdouble wall[KINDS], used[KINDS], v;

      for (guint i = 0; i < KINDS; i++)
        {
          guint k = orders[r % G_N_ELEMENTS (orders)][i];

          measure (&senders[k], k == GROUP_KIND, payload, count, &wall[k], &used[k]);
        }
      for (guint k = 0; k < KINDS; k++)
        {
          v = count * (gdouble) MEMBERS / wall[k];
          g_array_append_val (rate[k], v);
          v = used[k] * 1e6 / (count * (gdouble) MEMBERS);
          g_array_append_val (cpu[k], v);
        }
      /* Rates over the broadcast's, CPU per delivery over the broadcast's. */
      v = wall[BROADCAST_KIND] / wall[GROUP_KIND];
      g_array_append_val (ratios, v);
      v = used[GROUP_KIND] / used[BROADCAST_KIND];
      g_array_append_val (cpu_ratios, v);
      v = wall[BROADCAST_KIND] / wall[CONTROL_KIND];
      g_array_append_val (control_ratios, v);
      v = used[CONTROL_KIND] / used[BROADCAST_KIND];
      g_array_append_val (control_cpu_ratios, v);
    }

  printf ("{\"bench\": \"shoal-groups\", \"members\": %u, \"peers\": %u, \"size\": %" G_GSIZE_FORMAT
          ", \"count\": %" G_GUINT64_FORMAT ", \"rounds\": %u"
          ", \"group_deliveries_per_s\": %.1f, \"broadcast_deliveries_per_s\": %.1f"
          ", \"control_deliveries_per_s\": %.1f"
          ", \"group_cpu_us_per_delivery\": %.3f, \"broadcast_cpu_us_per_delivery\": %.3f"
          ", \"control_cpu_us_per_delivery\": %.3f"
          ", \"ratio\": %.3f, \"cpu_ratio\": %.3f"
          ", \"control_ratio\": %.3f, \"control_cpu_ratio\": %.3f}\n",
          MEMBERS, PEERS, size, count, rounds, median (rate[GROUP_KIND]), median (rate[BROADCAST_KIND]),
          median (rate[CONTROL_KIND]), median (cpu[GROUP_KIND]), median (cpu[BROADCAST_KIND]),
          median (cpu[CONTROL_KIND]), median (ratios), median (cpu_ratios), median (control_ratios),
          median (control_cpu_ratios));
  for (guint k = 0; k < KINDS; k++)
    {
      sender_stop (&senders[k]);
      g_ptr_array_unref (sinks[k]);
      g_array_unref (rate[k]);
      g_array_unref (cpu[k]);
    }
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
  gint64 size = 64, count = 50000, rounds = 3, layout = 0;
  const GOptionEntry entries[] = {
    { "size", 0, 0, G_OPTION_ARG_INT64, &size, "Payload bytes per message", "BYTES" },
    { "count", 0, 0, G_OPTION_ARG_INT64, &count, "Messages per measurement", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT64, &rounds, "Measurements of each, in turns", "N" },
    { "group", 0, 0, G_OPTION_ARG_STRING, &group, "The group a sink joins (sink)", "NAME" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Measure one kind alone, ROUNDS times", "group|broadcast" },
    { "layout", 0, 0, G_OPTION_ARG_INT64, &layout, "Move the nodes in memory by a seeded amount", "SEED" },
    { NULL }
  };

  context = g_option_context_new ("[sink]");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-groups: %s\n", error->message);
      return 2;
    }
  if (argc > 2 || size < 0 || size > 16 * 1024 * 1024 || count < 1 || rounds < 1 || rounds > 100 ||
      layout < 0)
    {
      fprintf (stderr, "usage: bench-groups [sink] [OPTIONS]; see --help\n");
      return 2;
    }
  layout_seed = (guint64) layout;
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
