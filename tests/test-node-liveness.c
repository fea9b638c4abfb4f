/* test-node-liveness.c: departures, silent and slow peers, restarts, peers out of reach
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-discovery-static.h"
#include "shoal-error.h"
#include "shoal-node-private.h"
#include "shoal-test-log.h"
#include "shoal-test-nodes.h"
#include "test-node.h"

typedef struct {
  Fixture     *f;
  const gchar *gone_id;
  guint        seen_gone;
  gchar       *reason;
} Departure;

static void
departure_cb (ShoalNode   *node,
              ShoalPeer   *peer,
              const gchar *reason,
              gpointer     user_data)
{
  Departure *departure = user_data;

  if (g_strcmp0 (shoal_peer_get_id (peer), departure->gone_id) != 0)
    return;

  departure->seen_gone++;
  g_free (departure->reason);
  departure->reason = g_strdup (reason);
}

static gboolean
departure_seen (gpointer data)
{
  Departure *departure = data;

  return departure->seen_gone == departure->f->n_nodes - 1;
}

static void
stopped_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_node_stop_finish (SHOAL_NODE (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

void
test_clean_stop (Fixture       *f,
                 gconstpointer  data)
{
  Departure departure = { .f = f, };
  gboolean stopped = FALSE;
  gint64 start;

  g_test_summary ("A node that stops cleanly is seen gone by every other node at once, "
                  "long before the heartbeat timeout, with the reason \"shutdown\"");

  /* A timeout far beyond the wait below: only the goodbye can explain it. */
  node_form_mesh (f, 3, 1000, 20000);
  departure.gone_id = shoal_node_get_id (f->nodes[2]);

  for (guint i = 0; i < 2; i++)
    g_signal_connect (f->nodes[i], "peer-disconnected", G_CALLBACK (departure_cb), &departure);

  start = g_get_monotonic_time ();
  shoal_node_stop_async (f->nodes[2], NULL, stopped_cb, &stopped);
  g_assert_true (shoal_test_nodes_wait (departure_seen, &departure, 5000));
  g_test_message ("departure seen after %" G_GINT64_FORMAT " µs", g_get_monotonic_time () - start);
  /* At once means through the goodbye exchange, not after the node gives up
   * waiting for it (a second) and certainly not after the heartbeat timeout. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 800 * 1000);
  g_assert_cmpstr (departure.reason, ==, "shutdown");
  g_assert_true (shoal_test_nodes_wait (flag_set, &stopped, 5000));

  g_assert_false (shoal_node_get_running (f->nodes[2]));
  g_assert_cmpuint (g_list_model_get_n_items (shoal_node_get_peers (f->nodes[2])), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      ShoalPeer *gone = shoal_node_lookup_peer (f->nodes[i], departure.gone_id);

      /* Known from static discovery, so kept as lost and redialled. */
      g_assert_nonnull (gone);
      g_assert_cmpint (shoal_peer_get_state (gone), !=, SHOAL_PEER_STATE_CONNECTED);
      g_signal_handlers_disconnect_by_data (f->nodes[i], &departure);
    }

  g_free (departure.reason);
}

/* A node in a thread of its own, whose main loop the test can freeze: its
 * sockets stay open, it just stops answering. */

typedef struct {
  gchar       *state_dir;
  guint16      ports[2];
  GMutex       lock;
  GCond        cond;
  gchar       *id;
  gboolean     freeze;
  gboolean     thaw;
  gboolean     done;
  GThread     *thread;
} Frozen;

static gpointer
frozen_thread (gpointer data)
{
  Frozen *frozen = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ShoalNode) node = NULL;
  g_autoptr(ShoalDiscoveryStatic) discovery = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (context);

  node = shoal_node_new ("frozen", 0, frozen->state_dir);
  shoal_node_set_listen_address (node, "127.0.0.1");
  shoal_node_set_mdns (node, FALSE);
  shoal_node_set_heartbeat (node, 100, 600);
  discovery = shoal_discovery_static_new ();
  for (guint i = 0; i < 2; i++)
    {
      g_autofree gchar *where = g_strdup_printf ("127.0.0.1:%u", frozen->ports[i]);

      g_assert_true (shoal_discovery_static_add_peer (discovery, where, NULL));
    }
  shoal_node_add_discovery (node, SHOAL_DISCOVERY (discovery));
  shoal_node_start (node, &error);
  g_assert_no_error (error);

  g_mutex_lock (&frozen->lock);
  frozen->id = g_strdup (shoal_node_get_id (node));
  g_cond_broadcast (&frozen->cond);
  while (!frozen->freeze)
    {
      g_mutex_unlock (&frozen->lock);
      g_main_context_iteration (context, FALSE);
      g_usleep (200);
      g_mutex_lock (&frozen->lock);
    }

  /* Frozen: no reads, no pings, sockets open. */
  while (!frozen->thaw)
    g_cond_wait (&frozen->cond, &frozen->lock);
  g_mutex_unlock (&frozen->lock);

  shoal_node_stop (node);
  g_clear_object (&node);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);

  return NULL;
}

static gboolean
both_see_frozen (gpointer data)
{
  Fixture *f = data;

  return node_count_connected (f->nodes[0]) == 1 && node_count_connected (f->nodes[1]) == 1;
}

static gboolean
both_lost_frozen (gpointer data)
{
  Fixture *f = data;

  return f->timeouts == 2;
}

/* Two watching nodes in the test's context and a third in a thread of its
 * own that dials them; returns once both see it connected. */
static void
frozen_start (Fixture *f,
              Frozen  *frozen)
{
  f->n_nodes = 2;
  for (guint i = 0; i < 2; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("watcher%u", i);

      f->nodes[i] = node_new_node (f, name, 100, 600);
      node_start_node (f->nodes[i]);
      frozen->ports[i] = shoal_node_get_port (f->nodes[i]);
      g_signal_connect (f->nodes[i], "peer-disconnected", G_CALLBACK (node_count_disconnect_cb), f);
    }

  frozen->state_dir = g_build_filename (f->tmpdir, "frozen", NULL);
  g_mutex_init (&frozen->lock);
  g_cond_init (&frozen->cond);
  frozen->thread = g_thread_new ("frozen-node", frozen_thread, frozen);
  g_assert_true (shoal_test_nodes_wait (both_see_frozen, f, 5000));
}

static void
frozen_freeze (Frozen *frozen)
{
  g_mutex_lock (&frozen->lock);
  frozen->freeze = TRUE;
  g_mutex_unlock (&frozen->lock);
}

static void
frozen_finish (Fixture *f,
               Frozen  *frozen)
{
  g_mutex_lock (&frozen->lock);
  frozen->thaw = TRUE;
  g_cond_broadcast (&frozen->cond);
  g_mutex_unlock (&frozen->lock);
  g_thread_join (frozen->thread);

  for (guint i = 0; i < 2; i++)
    g_signal_handlers_disconnect_by_data (f->nodes[i], f);
  g_mutex_clear (&frozen->lock);
  g_cond_clear (&frozen->cond);
  g_free (frozen->state_dir);
  g_free (frozen->id);
}

void
test_silent_peer (Fixture       *f,
                  gconstpointer  data)
{
  Frozen frozen = { 0, };
  gint64 frozen_at, lost_after;

  g_test_summary ("A node that goes silent with its sockets still open (its main loop "
                  "frozen) is declared lost by the others within the heartbeat timeout");

  frozen_start (f, &frozen);
  frozen_freeze (&frozen);
  frozen_at = g_get_monotonic_time ();

  g_assert_true (shoal_test_nodes_wait (both_lost_frozen, f, 5000));
  lost_after = g_get_monotonic_time () - frozen_at;
  g_test_message ("silent peer lost after %" G_GINT64_FORMAT " ms", lost_after / 1000);
  /* The timeout plus one heartbeat tick, with room for a loaded machine. */
  g_assert_cmpint (lost_after, <, (600 + 100 + 900) * 1000);
  g_assert_cmpint (lost_after, >=, 400 * 1000);
  g_assert_true (shoal_test_log_contains_nocase ("timeout"));

  frozen_finish (f, &frozen);
}

void
test_slow_reader (Fixture       *f,
                  gconstpointer  data)
{
  Frozen frozen = { 0, };
  g_autoptr(GBytes) megabyte = g_bytes_new_take (g_malloc0 (1024 * 1024), 1024 * 1024);
  g_autoptr(GError) error = NULL;
  guint queued = 0;

  g_test_summary ("Sending to a peer that stops reading fills the bounded store of "
                  "unacknowledged messages and then answers QueueFull instead of growing "
                  "without limit; the peer falls silent, its link goes, and the store stays "
                  "full for its return");

  frozen_start (f, &frozen);
  frozen_freeze (&frozen);

  /* 1 MiB at a time, letting the writes go out between sends. */
  while (queued < 200)
    {
      if (!shoal_node_send (f->nodes[0], frozen.id, megabyte, &error))
        break;
      queued++;
      for (guint i = 0; i < 20; i++)
        g_main_context_iteration (NULL, FALSE);
    }
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_QUEUE_FULL);
  g_test_message ("queue full after %u MiB", queued);
  /* The 32 MiB store of what the peer has not acknowledged, each message
   * counting 64 bytes besides its payload: what the kernel took counts too. */
  g_assert_cmpuint (queued, >=, 31);
  g_assert_cmpuint (queued, <=, 32);

  /* Its link goes once it falls silent; what it was sent is kept for it, so
   * the store stays full. */
  g_assert_true (shoal_test_nodes_wait (both_lost_frozen, f, 5000));
  g_clear_error (&error);
  shoal_node_send (f->nodes[0], frozen.id, megabyte, &error);
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_QUEUE_FULL);

  frozen_finish (f, &frozen);
}

static gboolean
peer_not_connected (gpointer data)
{
  return !shoal_peer_get_connected (SHOAL_PEER (data));
}

void
test_restart (Fixture       *f,
              gconstpointer  data)
{
  g_autofree gchar *old_id = NULL;
  g_autofree gchar *old_session = NULL;
  ShoalPeer *peer;

  g_test_summary ("A node restarted on the same state directory comes back with the same "
                  "id and a new session, and its static peer reconnects to it");

  node_form_mesh (f, 2, 0, 0);
  old_id = g_strdup (shoal_node_get_id (f->nodes[0]));
  old_session = g_strdup (shoal_node_get_session_id (f->nodes[0]));
  peer = shoal_node_lookup_peer (f->nodes[1], old_id);
  g_assert_nonnull (peer);

  /* Restart node 0 on the same port and state, knowing nobody: node 1 redials it. */
  {
    guint16 port = shoal_node_get_port (f->nodes[0]);
    g_autofree gchar *state_dir = g_build_filename (f->tmpdir, "node0", NULL);

    shoal_node_stop (f->nodes[0]);
    g_clear_object (&f->nodes[0]);
    g_assert_true (shoal_test_nodes_wait (peer_not_connected, peer, 5000));

    f->nodes[0] = shoal_test_node_start ("node0", state_dir, port);
  }

  g_assert_cmpstr (shoal_node_get_id (f->nodes[0]), ==, old_id);
  g_assert_cmpstr (shoal_node_get_session_id (f->nodes[0]), !=, old_session);
  g_assert_true (shoal_test_nodes_wait (node_mesh_complete, f, 10000));
  g_assert_true (shoal_node_lookup_peer (f->nodes[1], old_id) == peer);
}

typedef struct {
  ShoalPeer   *peer;
  guint        dials;    /* times the peer went to "connecting" */
  const gchar *line;
  guint        lines;    /* log lines wanted */
} Unreachable;

static void
count_dials_cb (ShoalPeer  *peer,
                GParamSpec *pspec,
                gpointer    user_data)
{
  Unreachable *u = user_data;

  if (shoal_peer_get_state (peer) == SHOAL_PEER_STATE_CONNECTING)
    u->dials++;
}

static gboolean
unreachable_said (gpointer data)
{
  Unreachable *u = data;

  return shoal_test_log_count (u->line, NULL) >= u->lines;
}

/* @lines dials made, and the last one over. */
static gboolean
dialled_at_least (gpointer data)
{
  Unreachable *u = data;

  return u->dials >= u->lines && shoal_peer_get_state (u->peer) != SHOAL_PEER_STATE_CONNECTING;
}

static gboolean
peer_connected (gpointer data)
{
  return shoal_peer_get_connected (SHOAL_PEER (data));
}

void
test_unreachable (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree gchar *state_dir = g_build_filename (f->tmpdir, "node0", NULL);
  g_autofree gchar *line = NULL;
  Unreachable u = { 0, };
  guint16 port;

  g_test_summary ("A peer that cannot be reached has a last error saying why (connection "
                  "refused); after five failed dials in a row the node logs once that it "
                  "cannot link up with it and why, however often it dials again; a link "
                  "clears the error, and a second outage is logged again");

  node_form_mesh (f, 2, 0, 0);
  port = shoal_node_get_port (f->nodes[0]);
  u.peer = g_object_ref (shoal_node_lookup_peer (f->nodes[1], shoal_node_get_id (f->nodes[0])));
  g_assert_null (shoal_peer_get_last_error (u.peer));
  line = g_strdup_printf ("Cannot link up with peer %s (node0): ", shoal_node_get_id (f->nodes[0]));
  u.line = line;
  g_signal_connect (u.peer, "notify::state", G_CALLBACK (count_dials_cb), &u);

  shoal_node_stop (f->nodes[0]);
  g_clear_object (&f->nodes[0]);

  /* Logged once after the fifth failure (about 4 s of backoff), still once
   * after a sixth dial failed too. */
  u.lines = 1;
  g_assert_true (shoal_test_nodes_wait (unreachable_said, &u, 10000));
  g_assert_true (g_str_has_prefix (shoal_peer_get_last_error (u.peer), "connection refused: "));
  g_assert_true (shoal_test_log_contains_nocase (
                   "dials in a row failed, the last one because: connection refused"));
  u.lines = u.dials + 1;
  g_assert_true (shoal_test_nodes_wait (dialled_at_least, &u, 15000));
  g_assert_cmpuint (shoal_test_log_count (line, NULL), ==, 1);

  /* Back: the link clears the error. */
  f->nodes[0] = shoal_test_node_start ("node0", state_dir, port);
  g_assert_true (shoal_test_nodes_wait (peer_connected, u.peer, 15000));
  g_assert_null (shoal_peer_get_last_error (u.peer));

  /* Gone again: said again. */
  shoal_node_stop (f->nodes[0]);
  u.lines = 2;
  g_assert_true (shoal_test_nodes_wait (unreachable_said, &u, 10000));
  g_assert_cmpuint (shoal_test_log_count (line, NULL), ==, 2);

  g_signal_handlers_disconnect_by_data (u.peer, &u);
  g_clear_object (&u.peer);
}
