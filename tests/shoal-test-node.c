/* shoal-test-node.c: a Shoal node (or a bare mDNS watcher) for the LAN tests
 *
 * Runs inside one host of tools/lan and prints one line per event on stdout,
 * so a test can follow it from outside:
 *
 *   shoal-test-node --state-dir DIR [--name NAME] [--port PORT]
 *     ready <id> <name> <port>
 *     connected <peer-id> <peer-name>
 *     disconnected <peer-id>
 *     peer-name <peer-id> <peer-name>   (a known peer's name changed)
 *     name <new-name>                   (this node's own name changed)
 *
 *   shoal-test-node --watch [--name NAME --port PORT]
 *     ready <id> <name> <port>      (only when announcing)
 *     found <id> <name> <address>…
 *     lost <id>
 *     name <new-name>
 *
 * --watch runs a bare ShoalDiscoveryAvahi under a random id of its own; with
 * --port it also announces itself under NAME on PORT (nothing listens there).
 * The program runs until SIGTERM or SIGINT.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib-unix.h>
#include <stdio.h>

#include "shoal.h"

static void
emit_line (const gchar *format,
           ...) G_GNUC_PRINTF (1, 2);

static void
emit_line (const gchar *format,
           ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

static gchar *
random_hex (void)
{
  GString *hex = g_string_sized_new (32);
  guint i;

  for (i = 0; i < 4; i++)
    g_string_append_printf (hex, "%08x", g_random_int ());
  return g_string_free (hex, FALSE);
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

/* --watch */

static void
watch_found_cb (ShoalDiscovery *discovery,
                const gchar    *key,
                const gchar    *peer_id,
                const gchar    *name,
                GPtrArray      *addresses,
                gpointer        user_data)
{
  g_autoptr(GString) line = g_string_new (NULL);
  guint i;

  g_string_append_printf (line, "found %s %s", peer_id, name);
  for (i = 0; i < addresses->len; i++)
    {
      g_autofree gchar *address = g_socket_connectable_to_string (g_ptr_array_index (addresses, i));

      g_string_append_printf (line, " %s", address);
    }
  emit_line ("%s", line->str);
}

static void
watch_lost_cb (ShoalDiscovery *discovery,
               const gchar    *key,
               gpointer        user_data)
{
  emit_line ("lost %s", key);
}

static void
name_changed_cb (ShoalDiscovery *discovery,
                 const gchar    *name,
                 gpointer        user_data)
{
  emit_line ("name %s", name);
}

static int
run_watcher (GMainLoop   *loop,
             const gchar *name,
             guint16      port)
{
  g_autoptr(ShoalDiscoveryAvahi) discovery = shoal_discovery_avahi_new ();
  g_autofree gchar *id = random_hex ();
  g_autofree gchar *session_id = random_hex ();

  g_signal_connect (discovery, "peer-found", G_CALLBACK (watch_found_cb), NULL);
  g_signal_connect (discovery, "peer-lost", G_CALLBACK (watch_lost_cb), NULL);
  g_signal_connect (discovery, "name-changed", G_CALLBACK (name_changed_cb), NULL);

  shoal_discovery_start (SHOAL_DISCOVERY (discovery), id, session_id, name, port);
  if (port != 0)
    emit_line ("ready %s %s %u", id, name, port);
  else
    emit_line ("watching %s", id);

  g_main_loop_run (loop);

  shoal_discovery_stop (SHOAL_DISCOVERY (discovery));
  return 0;
}

/* node mode */

static void
peer_name_cb (ShoalPeer  *peer,
              GParamSpec *pspec,
              gpointer    user_data)
{
  emit_line ("peer-name %s %s", shoal_peer_get_id (peer), shoal_peer_get_name (peer));
}

static void
peer_added_cb (ShoalNode *node,
               ShoalPeer *peer,
               gpointer   user_data)
{
  g_signal_connect_object (peer, "notify::name", G_CALLBACK (peer_name_cb), node, 0);
}

static void
peer_connected_cb (ShoalNode *node,
                   ShoalPeer *peer,
                   gpointer   user_data)
{
  emit_line ("connected %s %s", shoal_peer_get_id (peer), shoal_peer_get_name (peer));
}

static void
peer_disconnected_cb (ShoalNode   *node,
                      ShoalPeer   *peer,
                      const gchar *reason,
                      gpointer     user_data)
{
  emit_line ("disconnected %s", shoal_peer_get_id (peer));
}

static void
node_name_cb (ShoalNode  *node,
              GParamSpec *pspec,
              gpointer    user_data)
{
  emit_line ("name %s", shoal_node_get_name (node));
}

static int
run_node (GMainLoop          *loop,
          const gchar        *name,
          guint16             port,
          const gchar        *state_dir,
          gboolean            mdns,
          const gchar * const *peers)
{
  g_autoptr(ShoalNode) node = shoal_node_new (name, port, state_dir);
  g_autoptr(GError) error = NULL;

  shoal_node_set_mdns (node, mdns);
  if (peers != NULL && peers[0] != NULL)
    {
      g_autoptr(ShoalDiscoveryStatic) discovery = shoal_discovery_static_new ();

      for (gsize i = 0; peers[i] != NULL; i++)
        if (!shoal_discovery_static_add_peer (discovery, peers[i], &error))
          {
            g_printerr ("%s\n", error->message);
            return 2;
          }
      shoal_node_add_discovery (node, SHOAL_DISCOVERY (discovery));
    }
  g_signal_connect (node, "peer-added", G_CALLBACK (peer_added_cb), NULL);
  g_signal_connect (node, "peer-connected", G_CALLBACK (peer_connected_cb), NULL);
  g_signal_connect (node, "peer-disconnected", G_CALLBACK (peer_disconnected_cb), NULL);

  if (!shoal_node_start (node, &error))
    {
      g_printerr ("cannot start the node: %s\n", error->message);
      return 1;
    }
  /* After start: a collision found while starting is reported as a change. */
  g_signal_connect (node, "notify::name", G_CALLBACK (node_name_cb), NULL);
  emit_line ("ready %s %s %u", shoal_node_get_id (node), shoal_node_get_name (node),
             shoal_node_get_port (node));

  g_main_loop_run (loop);

  shoal_node_stop (node);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *state_dir = NULL;
  gboolean watch = FALSE;
  gboolean no_mdns = FALSE;
  g_auto(GStrv) peers = NULL;
  gint port = 0;
  const GOptionEntry entries[] = {
    { "watch", 0, 0, G_OPTION_ARG_NONE, &watch, "Run a bare mDNS watcher, not a node", NULL },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Name to announce", "NAME" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port to listen on (--watch: to announce)", "PORT" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "Where the node keeps its identity", "DIR" },
    { "peer", 0, 0, G_OPTION_ARG_STRING_ARRAY, &peers, "A static peer to dial (repeatable)", "HOST:PORT" },
    { "no-mdns", 0, 0, G_OPTION_ARG_NONE, &no_mdns, "Neither announce nor browse", NULL },
    { NULL }
  };

  context = g_option_context_new ("— a Shoal node for the LAN tests");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (port < 0 || port > G_MAXUINT16)
    {
      g_printerr ("--port must be 0…65535\n");
      return 2;
    }

  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);

  if (name == NULL)
    name = g_strdup (g_get_host_name ());

  if (watch)
    return run_watcher (loop, name, (guint16) port);

  if (state_dir == NULL)
    {
      g_printerr ("--state-dir is needed to run a node\n");
      return 2;
    }
  return run_node (loop, name, (guint16) port, state_dir, !no_mdns,
                   (const gchar * const *) peers);
}
