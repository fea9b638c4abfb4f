/* bench-node-helpers.c: the processes bench-node's measurements talk to
 *
 * sink counts (or echoes) what arrives, blast sends to a running shoald,
 * peers holds many connected nodes on one, mesh logs when it sees each peer.
 * Each is a node in a process of its own, started by a measurement or by
 * bench.py, that prints one JSON line when ready and runs until its stdin
 * closes; none of them measures anything itself.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gio/gio.h>

#include "shoal.h"
#include "shoal-discovery-avahi-private.h"
#include "shoal-node-private.h"

#include "bench-node.h"

/* Helpers: sink, blast, peers, mesh. They run until their stdin closes. */

typedef struct {
  ShoalNode *node;
  gboolean   echo;
  guint64    expect;
  guint64    received;
  GMainLoop *loop;
} Sink;

static gboolean
stdin_closed_cb (gint fd,
                 GIOCondition condition,
                 gpointer user_data)
{
  GMainLoop *loop = user_data;
  gchar buf[256];
  gssize n = read (fd, buf, sizeof buf);

  if (n > 0 || (n < 0 && errno == EINTR))
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
sink_message_cb (ShoalNode *node,
                 ShoalPeer *peer,
                 GBytes *payload,
                 gboolean broadcast,
                 gpointer user_data)
{
  Sink *sink = user_data;

  if (sink->echo)
    {
      bench_send_one (node, shoal_peer_get_id (peer), payload);
      return;
    }

  if (++sink->received == sink->expect)
    {
      g_autoptr(GBytes) done = g_bytes_new_static (DONE_PAYLOAD, strlen (DONE_PAYLOAD));

      sink->received = 0;
      bench_send_one (node, shoal_peer_get_id (peer), done);
    }
}

static void
print_ready (ShoalNode *node)
{
  printf ("{\"port\": %u, \"id\": \"%s\"}\n",
          shoal_node_get_port (node), shoal_node_get_id (node));
  fflush (stdout);
}

int
bench_cmd_sink (const gchar *mode,
                guint64 expect)
{
  Sink sink = { 0 };
  g_autofree gchar *state_dir = NULL;

  sink.echo = g_strcmp0 (mode, "echo") == 0;
  sink.expect = expect;
  sink.loop = g_main_loop_new (NULL, FALSE);
  sink.node = bench_make_node ("sink", FALSE, 0, &state_dir);
  shoal_node_set_acknowledging (sink.node, g_strcmp0 (mode, "count-no-acks") != 0);
  g_signal_connect (sink.node, "message-received", G_CALLBACK (sink_message_cb), &sink);
  bench_start_node (sink.node);
  print_ready (sink.node);

  g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, stdin_closed_cb, sink.loop);
  g_main_loop_run (sink.loop);

  shoal_node_stop (sink.node);
  g_clear_object (&sink.node);
  g_main_loop_unref (sink.loop);
  bench_remove_state_dir (state_dir);
  return 0;
}

/* Dials @connect, then sends @count messages of @size to the one peer there
 * as fast as the engine takes them; prints a line when everything is queued. */
int
bench_cmd_blast (const gchar *connect,
                 gsize size,
                 guint64 count)
{
  Bench bench = { 0 };
  g_autoptr(GBytes) payload = bench_make_payload (size);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(ShoalPeer) peer = NULL;
  GListModel *peers;
  guint burst = bench_burst_for (size);
  guint64 i;

  bench.node = bench_make_node ("blast", FALSE, 0, &bench.state_dir);
  bench_add_static_peer (bench.node, connect);
  g_signal_connect (bench.node, "peer-connected", G_CALLBACK (bench_peer_connected_cb), &bench);
  bench_start_node (bench.node);
  bench_wait_for (&bench.n_connected, 1, "the target to connect");
  peers = shoal_node_get_peers (bench.node);
  peer = g_list_model_get_item (peers, 0);
  printf ("{\"connected\": \"%s\"}\n", shoal_peer_get_id (peer));
  fflush (stdout);

  for (i = 0; i < count; i++)
    {
      bench_send_one (bench.node, shoal_peer_get_id (peer), payload);
      if ((i + 1) % burst == 0)
        g_main_context_iteration (NULL, FALSE);
    }
  printf ("{\"queued\": %" G_GUINT64_FORMAT "}\n", count);
  fflush (stdout);

  g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, stdin_closed_cb, loop);
  g_main_loop_run (loop);
  bench_teardown (&bench);
  return 0;
}

static void
count_connected_cb (ShoalNode *node,
                    ShoalPeer *peer,
                    gpointer user_data)
{
  guint *connected = user_data;

  (*connected)++;
}

/* Holds @n nodes in this one process, each connected to @connect. */
int
bench_cmd_peers (const gchar *connect,
                 guint n)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  guint connected = 0;
  guint i;

  for (i = 0; i < n; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("peer%u", i);
      gchar *dir;
      ShoalNode *node = bench_make_node (name, FALSE, 0, &dir);

      g_ptr_array_add (dirs, dir);
      g_ptr_array_add (nodes, node);
      bench_add_static_peer (node, connect);
      g_signal_connect (node, "peer-connected", G_CALLBACK (count_connected_cb), &connected);
      bench_start_node (node);
    }
  bench_wait_for (&connected, n, "every node to connect");
  printf ("{\"connected\": %u}\n", n);
  fflush (stdout);

  g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, stdin_closed_cb, loop);
  g_main_loop_run (loop);
  for (i = 0; i < nodes->len; i++)
    shoal_node_stop (nodes->pdata[i]);
  g_ptr_array_set_size (nodes, 0);
  for (i = 0; i < dirs->len; i++)
    bench_remove_state_dir (dirs->pdata[i]);
  return 0;
}

typedef struct {
  guint expect;
  guint connected;
  gboolean full;
} Mesh;

static void
mesh_peer_connected_cb (ShoalNode *node,
                        ShoalPeer *peer,
                        gpointer user_data)
{
  Mesh *mesh = user_data;
  gint64 now = g_get_monotonic_time ();

  mesh->connected++;
  printf ("{\"event\": \"connected\", \"peer\": \"%s\", \"t_us\": %" G_GINT64_FORMAT "}\n",
          shoal_peer_get_id (peer), now);
  if (!mesh->full && mesh->connected >= mesh->expect)
    {
      mesh->full = TRUE;
      printf ("{\"event\": \"full\", \"t_us\": %" G_GINT64_FORMAT "}\n", now);
    }
  fflush (stdout);
}

/* A node with mDNS discovery; logs, on the monotonic clock every namespace
 * shares, when it started and when it saw each peer connected. Given
 * @connect, it listens on 127.0.0.1:@port and dials that static address
 * instead: the caller hands each of two nodes the other's port. */
int
bench_cmd_mesh (const gchar *name,
                guint expect,
                const gchar *connect,
                guint16 port,
                gboolean probe)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree gchar *state_dir = NULL;
  g_autoptr(ShoalNode) node = NULL;
  Mesh mesh = { expect, 0, FALSE };

  node = bench_make_node (name, connect == NULL && !probe, port, &state_dir);
  if (connect != NULL)
    {
      shoal_node_set_listen_address (node, "127.0.0.1");
      bench_add_static_peer (node, connect);
    }
  else if (probe)
    {
      g_autoptr(ShoalDiscoveryAvahi) avahi = shoal_discovery_avahi_new ();

      shoal_discovery_avahi_set_probe (avahi, TRUE);
      shoal_node_add_discovery (node, SHOAL_DISCOVERY (avahi));
    }
  g_signal_connect (node, "peer-connected", G_CALLBACK (mesh_peer_connected_cb), &mesh);
  bench_start_node (node);
  printf ("{\"event\": \"start\", \"id\": \"%s\", \"t_us\": %" G_GINT64_FORMAT "}\n",
          shoal_node_get_id (node), bench_process_start_us);
  fflush (stdout);

  g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, stdin_closed_cb, loop);
  g_main_loop_run (loop);
  shoal_node_stop (node);
  bench_remove_state_dir (state_dir);
  return 0;
}
