/* bench-node.c: Shoal measured through the libshoal API
 *
 * Every measurement but `setup` runs between separate processes over
 * loopback: this program starts its own helpers (the "sink" command) and
 * talks to them through ShoalNode with static discovery, so what is timed
 * is the engine and the kernel, exactly as an application embedding
 * libshoal sees them.
 *
 *   throughput   one-way messages to one sink until it says it has them all;
 *                with --mode no-acks, to a sink that acknowledges nothing
 *   rtt          a ping-pong with an echoing sink; p50 and p99
 *   broadcast    shoal_node_broadcast() to K sinks; deliveries per second
 *   setup        link set-up: two nodes in this one process, a fresh pair
 *                each time, from the static peer added to the dialling
 *                node until it says peer-connected; p50 and p99
 *   sink         the helper: counts (or echoes) what arrives
 *   blast        sends messages to a running node (shoald) for the D-Bus bench
 *   peers        holds N connected nodes on a running node (memory bench)
 *   mesh         a node with mDNS discovery that logs when it sees each peer
 *                (discovery bench on the namespace LAN); with --mode probe,
 *                its service is probed before it is announced, as before
 *                issue 12 (the baseline); with --connect, two fresh nodes on
 *                loopback find each other (pair bench)
 *
 * Each measuring command prints one JSON object on stdout; helpers print one
 * JSON line when ready and exit when their stdin closes. The helpers are in
 * bench-node-helpers.c.
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
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gio/gio.h>

#include "shoal.h"
#include "shoal-discovery-avahi-private.h"
#include "shoal-node-private.h"

#include "bench-node.h"

/* How long any wait in this program may take before it gives up. */
#define WAIT_TIMEOUT_US (30 * G_USEC_PER_SEC)

typedef struct {
  GPid   pid;
  gint   stdin_fd;
  gchar *port;   /* (owned) "127.0.0.1:PORT" */
  gchar *id;     /* (owned) */
} Child;

gint64 bench_process_start_us;

static void
child_free (Child *child)
{
  if (child->stdin_fd >= 0)
    close (child->stdin_fd);
  if (child->pid > 0)
    {
      int status;

      /* The sink exits when its stdin closes; waiting keeps runs apart. */
      if (waitpid (child->pid, &status, 0) < 0)
        g_warning ("waitpid: %s", g_strerror (errno));
      g_spawn_close_pid (child->pid);
    }
  g_free (child->port);
  g_free (child->id);
  g_free (child);
}

void
bench_remove_state_dir (const gchar *path)
{
  g_autoptr(GDir) dir = NULL;
  const gchar *name;

  if (path == NULL)
    return;
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        bench_remove_state_dir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

ShoalNode *
bench_make_node (const gchar *name,
                 gboolean mdns,
                 guint16 port,
                 gchar **out_state_dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *state_dir = g_dir_make_tmp ("shoal-bench-XXXXXX", &error);
  ShoalNode *node;

  if (state_dir == NULL)
    g_error ("state directory: %s", error->message);
  node = shoal_node_new (name, port, state_dir);
  shoal_node_set_mdns (node, mdns);
  *out_state_dir = g_steal_pointer (&state_dir);
  return node;
}

void
bench_start_node (ShoalNode *node)
{
  g_autoptr(GError) error = NULL;

  if (!shoal_node_start (node, &error))
    g_error ("starting the node: %s", error->message);
}

void
bench_add_static_peer (ShoalNode *node,
                       const gchar *host_and_port)
{
  g_autoptr(ShoalDiscoveryStatic) discovery = shoal_discovery_static_new ();
  g_autoptr(GError) error = NULL;

  if (!shoal_discovery_static_add_peer (discovery, host_and_port, &error))
    g_error ("static peer %s: %s", host_and_port, error->message);
  shoal_node_add_discovery (node, SHOAL_DISCOVERY (discovery));
}

/* Iterates the default main context until *@flag reaches @target, failing
 * the whole run if that takes unreasonably long. */
void
bench_wait_for (guint *flag,
                guint target,
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

/* A timeout source that just wakes the main context, so bench_wait_for() can
 * notice its deadline even when nothing else happens. */
static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static Child *
spawn_sink (const gchar *mode,
            guint64 expect)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *self = g_file_read_link ("/proc/self/exe", &error);
  g_autofree gchar *expect_str = g_strdup_printf ("%" G_GUINT64_FORMAT, expect);
  const gchar *argv[] = { NULL, "sink", "--mode", mode, "--count", expect_str, NULL };
  Child *child = g_new0 (Child, 1);
  gint stdout_fd;
  FILE *out;
  gchar line[512];
  gchar *port, *id;

  if (self == NULL)
    g_error ("/proc/self/exe: %s", error->message);
  argv[0] = self;
  if (!g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                 NULL, NULL, &child->pid, &child->stdin_fd, &stdout_fd,
                                 NULL, &error))
    g_error ("spawning a sink: %s", error->message);

  /* The sink's first line says where it listens and who it is. */
  out = fdopen (stdout_fd, "r");
  if (out == NULL || fgets (line, sizeof line, out) == NULL)
    g_error ("the sink did not start");
  fclose (out);
  port = strstr (line, "\"port\": ");
  id = strstr (line, "\"id\": \"");
  if (port == NULL || id == NULL)
    g_error ("unexpected line from the sink: %s", line);
  child->port = g_strdup_printf ("127.0.0.1:%u", (guint) g_ascii_strtoull (port + 8, NULL, 10));
  child->id = g_strndup (id + 7, 32);
  return child;
}

void
bench_peer_connected_cb (ShoalNode *node,
                         ShoalPeer *peer,
                         gpointer user_data)
{
  Bench *bench = user_data;

  bench->n_connected++;
}

static void
message_received_cb (ShoalNode *node,
                     ShoalPeer *peer,
                     GBytes *payload,
                     gboolean broadcast,
                     gpointer user_data)
{
  Bench *bench = user_data;
  gsize len;
  const gchar *data = g_bytes_get_data (payload, &len);

  if (len == strlen (DONE_PAYLOAD) && memcmp (data, DONE_PAYLOAD, len) == 0)
    {
      bench->n_done++;
      return;
    }
  g_clear_pointer (&bench->echo, g_bytes_unref);
  bench->echo = g_bytes_ref (payload);
  bench->echo_time = g_get_monotonic_time ();
  bench->n_done++;
}

/* Starts a measuring node with @n_sinks helpers of @mode, all connected. */
static void
bench_setup (Bench *bench,
             const gchar *mode,
             guint n_sinks,
             guint64 expect)
{
  guint i;

  bench->children = g_ptr_array_new_with_free_func ((GDestroyNotify) child_free);
  for (i = 0; i < n_sinks; i++)
    g_ptr_array_add (bench->children, spawn_sink (mode, expect));

  bench->node = bench_make_node ("bench", FALSE, 0, &bench->state_dir);
  for (i = 0; i < n_sinks; i++)
    bench_add_static_peer (bench->node, ((Child *) bench->children->pdata[i])->port);
  g_signal_connect (bench->node, "peer-connected", G_CALLBACK (bench_peer_connected_cb), bench);
  g_signal_connect (bench->node, "message-received", G_CALLBACK (message_received_cb), bench);
  bench_start_node (bench->node);
  bench_wait_for (&bench->n_connected, n_sinks, "the sinks to connect");
}

void
bench_teardown (Bench *bench)
{
  if (bench->node != NULL)
    shoal_node_stop (bench->node);
  g_clear_object (&bench->node);
  g_clear_pointer (&bench->children, g_ptr_array_unref);
  g_clear_pointer (&bench->echo, g_bytes_unref);
  bench_remove_state_dir (bench->state_dir);
  g_clear_pointer (&bench->state_dir, g_free);
}

GBytes *
bench_make_payload (gsize size)
{
  guint8 *data = g_malloc (MAX (size, 1));

  memset (data, 0x5a, size);
  return g_bytes_new_take (data, size);
}

/* How many messages to queue between two turns of the main context: about
 * 256 KiB, so the engine writes while the application keeps producing, as a
 * program that sends from its main loop would let it. */
guint
bench_burst_for (gsize size)
{
  return MAX (1, (256 * 1024) / MAX (size, 1));
}

/* Sends @payload, letting the main context drain the queue whenever the
 * engine says it is full. */
void
bench_send_one (ShoalNode *node,
                const gchar *peer_id,
                GBytes *payload)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;

      if (shoal_node_send (node, peer_id, payload, &error))
        return;
      if (!g_error_matches (error, SHOAL_ERROR, SHOAL_ERROR_QUEUE_FULL))
        g_error ("send: %s", error->message);
      g_main_context_iteration (NULL, TRUE);
    }
}

static int
cmd_throughput (gsize size,
                guint64 count,
                gboolean acks)
{
  Bench bench = { 0 };
  g_autoptr(GBytes) payload = bench_make_payload (size);
  const gchar *peer_id;
  guint burst = bench_burst_for (size);
  gint64 start, end;
  guint64 i;
  gdouble seconds;

  bench_setup (&bench, acks ? "count" : "count-no-acks", 1, count);
  peer_id = ((Child *) bench.children->pdata[0])->id;
  /* Without acks nothing leaves the store: it must hold the whole run. */
  if (!acks)
    g_object_set (bench.node, "max-queue-bytes", (guint64) G_MAXUINT32,
                  "max-total-queue-bytes", (guint64) G_MAXUINT32, NULL);

  start = g_get_monotonic_time ();
  for (i = 0; i < count; i++)
    {
      bench_send_one (bench.node, peer_id, payload);
      if ((i + 1) % burst == 0)
        g_main_context_iteration (NULL, FALSE);
    }
  bench_wait_for (&bench.n_done, 1, "the sink to receive everything");
  end = g_get_monotonic_time ();

  seconds = (end - start) / 1e6;
  printf ("{\"bench\": \"shoal-throughput\", \"acks\": %s, \"size\": %" G_GSIZE_FORMAT
          ", \"count\": %" G_GUINT64_FORMAT
          ", \"seconds\": %.6f, \"msgs_per_s\": %.1f, \"mb_per_s\": %.3f}\n",
          acks ? "true" : "false", size, count, seconds, count / seconds,
          count * (gdouble) size / seconds / 1e6);
  bench_teardown (&bench);
  return 0;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static int
cmd_rtt (gsize size,
         guint64 count,
         guint64 warmup)
{
  Bench bench = { 0 };
  g_autoptr(GBytes) payload = bench_make_payload (size);
  g_autofree gint64 *rtt = g_new (gint64, count);
  const gchar *peer_id;
  guint64 i;

  bench_setup (&bench, "echo", 1, 0);
  peer_id = ((Child *) bench.children->pdata[0])->id;

  for (i = 0; i < count + warmup; i++)
    {
      gint64 t0 = g_get_monotonic_time ();

      bench.n_done = 0;
      bench_send_one (bench.node, peer_id, payload);
      while (bench.n_done == 0)
        g_main_context_iteration (NULL, TRUE);
      if (g_bytes_get_size (bench.echo) != size)
        g_error ("the echo has %" G_GSIZE_FORMAT " bytes, not %" G_GSIZE_FORMAT,
                 g_bytes_get_size (bench.echo), size);
      if (i >= warmup)
        rtt[i - warmup] = bench.echo_time - t0;
    }

  qsort (rtt, count, sizeof (gint64), compare_gint64);
  printf ("{\"bench\": \"shoal-rtt\", \"size\": %" G_GSIZE_FORMAT ", \"count\": %" G_GUINT64_FORMAT
          ", \"p50_us\": %.2f, \"p99_us\": %.2f}\n",
          size, count, (gdouble) rtt[count / 2], (gdouble) rtt[(count * 99) / 100]);
  bench_teardown (&bench);
  return 0;
}

static int
cmd_broadcast (guint n_peers,
               gsize size,
               guint64 count)
{
  Bench bench = { 0 };
  g_autoptr(GBytes) payload = bench_make_payload (size);
  guint burst = bench_burst_for (size);
  gint64 start, end;
  guint64 i;
  gdouble seconds;

  bench_setup (&bench, "count", n_peers, count);

  start = g_get_monotonic_time ();
  for (i = 0; i < count; i++)
    {
      g_autoptr(GPtrArray) recipients = NULL;
      guint queued = shoal_node_broadcast (bench.node, payload, &recipients) != 0 ? recipients->len : 0;

      /* A broadcast skips a peer whose queue is full; a sink that missed a
       * message would never finish, so that ends the run loudly. */
      if (queued != n_peers)
        g_error ("broadcast %" G_GUINT64_FORMAT " reached %u of %u peers", i, queued, n_peers);
      if ((i + 1) % burst == 0)
        g_main_context_iteration (NULL, FALSE);
    }
  bench_wait_for (&bench.n_done, n_peers, "every sink to receive everything");
  end = g_get_monotonic_time ();

  seconds = (end - start) / 1e6;
  printf ("{\"bench\": \"shoal-broadcast\", \"peers\": %u, \"size\": %" G_GSIZE_FORMAT
          ", \"count\": %" G_GUINT64_FORMAT ", \"seconds\": %.6f, \"deliveries_per_s\": %.1f}\n",
          n_peers, size, count, seconds, count * (gdouble) n_peers / seconds);
  bench_teardown (&bench);
  return 0;
}

static void
setup_connected_cb (ShoalNode *node,
                    ShoalPeer *peer,
                    gpointer user_data)
{
  gint64 *when = user_data;

  if (*when == 0)
    *when = g_get_monotonic_time ();
}

/* Iterates the default main context until *@when is set. */
static void
wait_for_time (gint64 *when,
               const gchar *what)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_US;

  while (*when == 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, TRUE);
    }
}

static ShoalNode *
setup_node (const gchar *name,
            const gchar *state_dir,
            gint64 *connected_at)
{
  ShoalNode *node = shoal_node_new (name, 0, state_dir);

  shoal_node_set_mdns (node, FALSE);
  shoal_node_set_listen_address (node, "127.0.0.1");
  g_signal_connect (node, "peer-connected", G_CALLBACK (setup_connected_cb), connected_at);
  bench_start_node (node);
  return node;
}

/* Link set-up as an application sees it: two running nodes, one told the
 * other's address, timed until it reports the peer connected (TCP connect,
 * the handshake, HELLO both ways). Each link has a fresh pair of nodes, so
 * that nothing is redialled or remembered in between; their state
 * directories are kept across pairs, as a restarted node keeps its own. */
static int
cmd_setup (guint64 count,
           guint64 warmup)
{
  g_autoptr(GError) error = NULL;
  g_autofree gint64 *setup = g_new (gint64, count);
  g_autofree gchar *dir_dialler = g_dir_make_tmp ("shoal-bench-XXXXXX", &error);
  g_autofree gchar *dir_listener = NULL;
  guint64 i;

  if (dir_dialler == NULL || (dir_listener = g_dir_make_tmp ("shoal-bench-XXXXXX", &error)) == NULL)
    g_error ("state directory: %s", error->message);

  for (i = 0; i < count + warmup; i++)
    {
      g_autoptr(ShoalDiscoveryStatic) discovery = shoal_discovery_static_new ();
      g_autoptr(ShoalNode) listener = NULL;
      g_autoptr(ShoalNode) dialler = NULL;
      g_autofree gchar *target = NULL;
      gint64 dialler_connected = 0, listener_connected = 0;
      gint64 t0;

      listener = setup_node ("setup-listener", dir_listener, &listener_connected);
      dialler = setup_node ("setup-dialler", dir_dialler, &dialler_connected);
      target = g_strdup_printf ("127.0.0.1:%u", shoal_node_get_port (listener));

      t0 = g_get_monotonic_time ();
      if (!shoal_discovery_static_add_peer (discovery, target, &error))
        g_error ("static peer %s: %s", target, error->message);
      shoal_node_add_discovery (dialler, SHOAL_DISCOVERY (discovery));
      wait_for_time (&dialler_connected, "the dialling node to connect");
      if (i >= warmup)
        setup[i - warmup] = dialler_connected - t0;

      /* Both ends up before either goes, so no half-made link is torn. */
      wait_for_time (&listener_connected, "the listening node to connect");
      shoal_node_stop (dialler);
      shoal_node_stop (listener);
    }

  bench_remove_state_dir (dir_dialler);
  bench_remove_state_dir (dir_listener);

  qsort (setup, count, sizeof (gint64), compare_gint64);
  printf ("{\"bench\": \"shoal-setup\", \"count\": %" G_GUINT64_FORMAT
          ", \"p50_ms\": %.3f, \"p99_ms\": %.3f}\n",
          count, setup[count / 2] / 1e3, setup[(count * 99) / 100] / 1e3);
  return 0;
}

int
main (int argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *mode = NULL;
  g_autofree gchar *connect = NULL;
  g_autofree gchar *name = NULL;
  /* A negative warmup stands for the command's own default. */
  gint64 size = 64, count = 100000, warmup = -1, peers = 4, port = 0;
  const GOptionEntry entries[] = {
    { "size", 0, 0, G_OPTION_ARG_INT64, &size, "Payload bytes per message", "BYTES" },
    { "count", 0, 0, G_OPTION_ARG_INT64, &count, "Messages (or round trips) to measure", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT64, &warmup, "Round trips (rtt, 1000) or links (setup, 3) before measuring", "N" },
    { "peers", 0, 0, G_OPTION_ARG_INT64, &peers, "Sinks (broadcast), nodes (peers), others expected (mesh)", "N" },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, "count, count-no-acks or echo (sink); no-acks (throughput); probe (mesh)", "MODE" },
    { "connect", 0, 0, G_OPTION_ARG_STRING, &connect, "HOST:PORT to dial (blast, peers, mesh)", "ADDR" },
    { "port", 0, 0, G_OPTION_ARG_INT64, &port, "Port to listen on (mesh with --connect)", "PORT" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Node name (mesh)", "NAME" },
    { NULL }
  };

  bench_process_start_us = g_get_monotonic_time ();
  context = g_option_context_new ("throughput|rtt|broadcast|setup|sink|blast|peers|mesh");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-node: %s\n", error->message);
      return 2;
    }
  if (argc != 2 || size < 0 || size > 16 * 1024 * 1024 || count < 0 || warmup < -1 ||
      peers < 1 || peers > 256 || port < 0 || port > G_MAXUINT16)
    {
      fprintf (stderr, "usage: bench-node COMMAND [OPTIONS]; see --help\n");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  /* Keep a main-context wakeup around so every wait notices its deadline. */
  g_timeout_add_seconds (1, tick_cb, NULL);

  if (g_str_equal (argv[1], "throughput") && count > 0)
    return cmd_throughput ((gsize) size, (guint64) count, g_strcmp0 (mode, "no-acks") != 0);
  if (g_str_equal (argv[1], "rtt") && count > 0)
    return cmd_rtt ((gsize) size, (guint64) count, warmup < 0 ? 1000 : (guint64) warmup);
  if (g_str_equal (argv[1], "broadcast") && count > 0)
    return cmd_broadcast ((guint) peers, (gsize) size, (guint64) count);
  if (g_str_equal (argv[1], "setup") && count > 0)
    return cmd_setup ((guint64) count, warmup < 0 ? 3 : (guint64) warmup);
  if (g_str_equal (argv[1], "sink"))
    return bench_cmd_sink (mode, (guint64) count);
  if (g_str_equal (argv[1], "blast") && connect != NULL)
    return bench_cmd_blast (connect, (gsize) size, (guint64) count);
  if (g_str_equal (argv[1], "peers") && connect != NULL)
    return bench_cmd_peers (connect, (guint) peers);
  if (g_str_equal (argv[1], "mesh") && name != NULL)
    return bench_cmd_mesh (name, (guint) peers, connect, (guint16) port,
                     g_strcmp0 (mode, "probe") == 0);

  fprintf (stderr, "bench-node: unknown command or missing option: %s\n", argv[1]);
  return 2;
}
