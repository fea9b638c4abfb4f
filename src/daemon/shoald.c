/* shoald.c: the Shoal daemon — a ShoalNode on the GLib main loop, on D-Bus
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Startup order matters: the bus name is owned before the node starts, so a
 * second shoald on the same bus gives up before it dials anybody. (One on
 * another bus and the same state directory is stopped by the engine's lock.)
 * Losing the bus is a failure: shoald says goodbye to its peers and exits
 * with status 1, for the service manager to restart it.
 */

#include "config.h"

#include <locale.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "shoal.h"
#include "shoald-config.h"
#include "shoald-groups.h"
#include "shoald-service.h"

typedef struct {
  GMainLoop       *loop;        /* (owned) */
  ShoalNode       *node;        /* (owned) */
  ShoaldService   *service;     /* (owned) */
  GDBusConnection *connection;  /* (owned) (nullable) */
  guint            owner_id;
  gboolean         name_owned;
  gboolean         stopping;
  gint             exit_status;
} Shoald;

static void
fail (Shoald      *shoald,
      const gchar *message)
{
  g_printerr ("shoald: %s\n", message);
  shoald->exit_status = EXIT_FAILURE;
  g_main_loop_quit (shoald->loop);
}

static gboolean
start_node (Shoald *shoald)
{
  g_autoptr(GError) error = NULL;

  if (!shoal_node_start (shoald->node, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        {
          g_autofree gchar *message =
            g_strdup_printf (_("Port %u is already in use"), (guint) shoal_node_get_port (shoald->node));

          fail (shoald, message);
        }
      else
        fail (shoald, error->message);
      return FALSE;
    }

  shoald_service_refresh (shoald->service);
  /* The engine itself logs the port it listens on. */
  g_debug ("Node %s started", shoal_node_get_id (shoald->node));
  return TRUE;
}

static void
finish_stop (Shoald *shoald)
{
  if (shoald->owner_id != 0 && g_dbus_connection_is_closed (shoald->connection))
    shoald->owner_id = 0;  /* the bus went away: nothing left to release */
  else if (shoald->owner_id != 0)
    {
      /* Releases the name at once, so clients see shoald leave. */
      g_clear_handle_id (&shoald->owner_id, g_bus_unown_name);
      shoald->name_owned = FALSE;
    }
  shoald_service_unexport (shoald->service);
  if (shoald->connection != NULL)
    g_dbus_connection_flush_sync (shoald->connection, NULL, NULL);
  g_main_loop_quit (shoald->loop);
}

static void
node_stopped_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Shoald *shoald = user_data;
  g_autoptr(GError) error = NULL;

  if (!shoal_node_stop_finish (SHOAL_NODE (source), result, &error))
    g_warning (_("Stopping the node failed: %s"), error->message);
  else
    g_message (_("Stopped"));
  finish_stop (shoald);
}

static void
stop (Shoald *shoald)
{
  if (shoald->stopping)
    return;
  shoald->stopping = TRUE;

  if (shoal_node_get_running (shoald->node))
    shoal_node_stop_async (shoald->node, NULL, node_stopped_cb, shoald);
  else
    finish_stop (shoald);
}

static gboolean
on_stop_signal (gpointer user_data)
{
  Shoald *shoald = user_data;

  /* Ctrl-C under tools/run comes twice: from the terminal and from tools/run. */
  if (!shoald->stopping)
    g_message (_("Saying goodbye to every peer and stopping"));
  stop (shoald);
  return G_SOURCE_CONTINUE;
}

static void
on_bus_closed (GDBusConnection *connection,
               gboolean         remote_peer_vanished,
               GError          *error,
               gpointer         user_data)
{
  Shoald *shoald = user_data;

  /* Instead of GDBus's exit-on-close (a SIGTERM to ourselves): the same
   * goodbye to every peer, without trying to release a name on a dead bus.
   * Without its bus shoald is no use to anyone: a failure, so that
   * systemd's Restart=on-failure brings it back on the next bus. */
  g_warning (_("The bus connection closed; saying goodbye to every peer and exiting "
               "with an error"));
  shoald->exit_status = EXIT_FAILURE;
  stop (shoald);
}

static void
on_name_acquired (GDBusConnection *connection,
                  const gchar     *name,
                  gpointer         user_data)
{
  Shoald *shoald = user_data;

  g_debug ("Owning %s", name);
  shoald->name_owned = TRUE;
  if (!shoald->stopping && !shoal_node_get_running (shoald->node))
    start_node (shoald);
}

static void
on_name_lost (GDBusConnection *connection,
              const gchar     *name,
              gpointer         user_data)
{
  Shoald *shoald = user_data;

  if (shoald->stopping)
    return;

  if (!shoald->name_owned)
    {
      g_autofree gchar *message =
        g_strdup_printf (_("The bus name %s is already owned: another shoald runs on this bus"), name);

      /* The node has not started yet: nothing to say goodbye to. The request
       * is left alone rather than unowned, which would try to release a name
       * we never had and warn about it; exiting drops it. */
      shoald->owner_id = 0;
      fail (shoald, message);
      return;
    }

  /* Only a closed connection takes a name nobody may replace. */
  g_warning (_("Lost the bus name %s; stopping"), name);
  shoald->exit_status = EXIT_FAILURE;
  stop (shoald);
}

static const gchar *
localedir (void)
{
  /* Lets the tests find the catalogues in the build tree. */
  const gchar *dir = g_getenv ("SHOAL_LOCALEDIR");

  return (dir != NULL && *dir != '\0') ? dir : LOCALEDIR;
}

int
main (int    argc,
      char **argv)
{
  g_autofree gchar *opt_name = NULL;
  g_autofree gchar *opt_port = NULL;
  g_autofree gchar *opt_listen = NULL;
  g_autofree gchar *opt_state_dir = NULL;
  g_auto(GStrv) opt_peers = NULL;
  g_auto(GStrv) opt_interfaces = NULL;
  g_auto(GStrv) opt_exclude_interfaces = NULL;
  gboolean opt_no_avahi = FALSE;
  g_autofree gchar *opt_bus = NULL;
  g_autofree gchar *opt_config = NULL;
  g_autofree gchar *opt_trust_policy = NULL;
  g_autofree gchar *opt_network_key_file = NULL;
  g_autofree gchar *opt_delivery_timeout = NULL;
  gboolean opt_verbose = FALSE;
  gboolean opt_version = FALSE;
  const GOptionEntry entries[] = {
    { "name", 'n', 0, G_OPTION_ARG_STRING, &opt_name,
      N_("The name other peers see (default: the host name)"), N_("NAME") },
    { "port", 'p', 0, G_OPTION_ARG_STRING, &opt_port,
      N_("The TCP port to listen on; 0 picks a free one (default: 0)"), N_("PORT") },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &opt_listen,
      N_("The IP address to listen on (default: every address)"), N_("ADDRESS") },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_state_dir,
      N_("Where to keep the node’s identity (default: $XDG_STATE_HOME/shoal)"), N_("DIR") },
    { "peer", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_peers,
      N_("Connect to this peer without mDNS; may be repeated"), N_("HOST:PORT") },
    { "no-avahi", 0, 0, G_OPTION_ARG_NONE, &opt_no_avahi,
      N_("Do not advertise or browse over mDNS"), NULL },
    { "bus", 0, 0, G_OPTION_ARG_STRING, &opt_bus,
      N_("The bus to offer the D-Bus API on: session, system or none (default: session)"), N_("BUS") },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
      N_("Read this config file (default: $XDG_CONFIG_HOME/shoal/shoal.conf)"), N_("FILE") },
    { "trust-policy", 0, 0, G_OPTION_ARG_STRING, &opt_trust_policy,
      N_("Who may join: open, network-key or allow-list (default: open)"), N_("POLICY") },
    { "network-key-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_network_key_file,
      N_("Read the network key of the network-key policy from this file, private to its owner"),
      N_("FILE") },
    { "interface", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_interfaces,
      N_("Use only this network interface (a name, or a pattern such as eth*); may be repeated "
         "(default: every interface)"), N_("NAME") },
    { "exclude-interface", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_exclude_interfaces,
      N_("Never use this network interface (a name or a pattern); may be repeated"), N_("NAME") },
    { "delivery-timeout", 0, 0, G_OPTION_ARG_STRING, &opt_delivery_timeout,
      N_("Seconds a peer may be out of reach before the messages it was sent fail (default: 60)"),
      N_("SECONDS") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
      N_("Print debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version,
      N_("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoaldConfig) config = NULL;
  g_autofree gchar *config_path = NULL;
  g_autofree gchar *state_dir = NULL;
  ShoaldBus bus = SHOALD_BUS_SESSION;
  Shoald shoald = { 0, };

  /* GIO runs each TLS handshake on a worker thread, and glibc gives each
   * thread an arena of its own, which keeps what a handshake freed: about
   * 60 KiB per peer of a daemon's resident memory (measured with 16 peers).
   * One arena is plenty for a main-loop daemon. */
  mallopt (M_ARENA_MAX, 1);

  /* GLib logs messages to stdout: where that is a file (a service manager
   * without a journal, a test), whole blocks would otherwise wait, and the
   * last lines before a daemon is stopped or stuck were missing. */
  setvbuf (stdout, NULL, _IOLBF, 0);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Run a Shoal node: find the other Shoal peers on the LAN, keep a link "
                                  "to each, and offer them to programs over D-Bus as org.shoal.Shoal1."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("shoald: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (argc > 1)
    {
      g_printerr ("shoald: %s\n", _("Unexpected argument; see shoald --help"));
      return EXIT_FAILURE;
    }
  if (opt_version)
    {
      g_print ("shoald %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (opt_verbose)
    g_log_set_debug_enabled (TRUE);

  /* The config file first, then the options over it. */
  config = shoald_config_new ();
  config_path = opt_config != NULL ? g_strdup (opt_config) : shoald_config_default_path ();
  if (!shoald_config_load_file (config, config_path, opt_config != NULL, &error))
    {
      g_printerr ("shoald: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (opt_name != NULL)
    {
      g_free (config->name);
      config->name = g_steal_pointer (&opt_name);
    }
  if (opt_port != NULL && !shoald_config_parse_port (opt_port, &config->port, &error))
    {
      g_printerr ("shoald: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (opt_listen != NULL)
    {
      g_free (config->listen);
      config->listen = g_steal_pointer (&opt_listen);
    }
  if (opt_state_dir != NULL)
    {
      g_free (config->state_dir);
      config->state_dir = g_steal_pointer (&opt_state_dir);
    }
  if (opt_peers != NULL)
    {
      g_strfreev (config->peers);
      config->peers = g_steal_pointer (&opt_peers);
    }
  if (opt_no_avahi)
    config->avahi = FALSE;
  if (opt_interfaces != NULL)
    {
      g_strfreev (config->interfaces);
      config->interfaces = g_steal_pointer (&opt_interfaces);
    }
  if (opt_exclude_interfaces != NULL)
    {
      g_strfreev (config->exclude_interfaces);
      config->exclude_interfaces = g_steal_pointer (&opt_exclude_interfaces);
    }
  if (opt_trust_policy != NULL &&
      !shoald_config_parse_trust_policy (opt_trust_policy, &config->trust_policy, &error))
    {
      g_printerr ("shoald: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (opt_network_key_file != NULL)
    shoald_config_set_network_key_file (config, opt_network_key_file);
  if (opt_delivery_timeout != NULL &&
      !shoald_config_parse_delivery_timeout (opt_delivery_timeout, &config->delivery_timeout_s,
                                             &error))
    {
      g_printerr ("shoald: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (opt_bus != NULL && !shoald_config_parse_bus (opt_bus, &bus, &error))
    {
      g_printerr ("shoald: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (!shoald_config_validate (config, &error))
    {
      g_printerr ("shoald: %s\n", error->message);
      return EXIT_FAILURE;
    }

  state_dir = config->state_dir != NULL ? g_strdup (config->state_dir)
                                        : shoald_config_default_state_dir ();
  shoald.node = shoal_node_new (config->name, config->port, state_dir);
  shoal_node_set_mdns (shoald.node, config->avahi);
  shoal_node_set_peer_exchange (shoald.node, config->peer_exchange);
  shoal_node_set_listen_address (shoald.node, config->listen);
  shoal_node_set_heartbeat (shoald.node, config->heartbeat_interval_ms, config->heartbeat_timeout_ms);
  shoal_node_set_trust_policy (shoald.node, config->trust_policy);
  g_object_set (shoald.node,
                "delivery-timeout", config->delivery_timeout_s * 1000,
                "max-queue-bytes", config->max_queue_bytes,
                "max-total-queue-bytes", config->max_total_queue_bytes,
                NULL);
  if (!shoal_node_set_interfaces (shoald.node, (const gchar * const *) config->interfaces,
                                  (const gchar * const *) config->exclude_interfaces, &error))
    {
      g_printerr ("shoald: %s\n", error->message);
      g_clear_object (&shoald.node);
      return EXIT_FAILURE;
    }
  if (config->network_key_file != NULL
      ? !shoal_node_set_network_key_file (shoald.node, config->network_key_file, &error)
      : !shoal_node_set_network_key (shoald.node, config->network_key, &error))
    {
      g_printerr ("shoald: %s\n", error->message);
      g_clear_object (&shoald.node);
      return EXIT_FAILURE;
    }
  /* Before the start, so that the first hellos carry them. */
  if (!shoald_groups_restore (shoald.node, (const gchar * const *) config->groups, &error))
    {
      g_printerr ("shoald: %s\n", error->message);
      g_clear_object (&shoald.node);
      return EXIT_FAILURE;
    }
  if (config->peers != NULL && config->peers[0] != NULL)
    {
      g_autoptr(ShoalDiscoveryStatic) discovery = shoal_discovery_static_new ();
      gsize i;

      for (i = 0; config->peers[i] != NULL; i++)
        {
          if (!shoal_discovery_static_add_peer (discovery, config->peers[i], &error))
            {
              g_printerr ("shoald: %s\n", error->message);
              g_clear_object (&shoald.node);
              return EXIT_FAILURE;
            }
        }
      shoal_node_add_discovery (shoald.node, SHOAL_DISCOVERY (discovery));
    }

  shoald.loop = g_main_loop_new (NULL, FALSE);
  shoald.service = shoald_service_new (shoald.node);
  g_unix_signal_add (SIGINT, on_stop_signal, &shoald);
  g_unix_signal_add (SIGTERM, on_stop_signal, &shoald);

  if (bus == SHOALD_BUS_NONE)
    {
      if (start_node (&shoald))
        g_main_loop_run (shoald.loop);
    }
  else
    {
      shoald.connection = g_bus_get_sync (bus == SHOALD_BUS_SYSTEM ? G_BUS_TYPE_SYSTEM
                                                                   : G_BUS_TYPE_SESSION,
                                          NULL, &error);
      if (shoald.connection == NULL)
        {
          g_printerr ("shoald: ");
          g_printerr (bus == SHOALD_BUS_SYSTEM ? _("Cannot connect to the system bus: %s")
                                               : _("Cannot connect to the session bus: %s"),
                      error->message);
          g_printerr ("\n");
          shoald.exit_status = EXIT_FAILURE;
        }
      else
        {
          g_dbus_connection_set_exit_on_close (shoald.connection, FALSE);
          g_signal_connect (shoald.connection, "closed", G_CALLBACK (on_bus_closed), &shoald);

          if (!shoald_service_export (shoald.service, shoald.connection, &error))
            {
              g_printerr ("shoald: ");
              g_printerr (_("Cannot export the D-Bus objects: %s"), error->message);
              g_printerr ("\n");
              shoald.exit_status = EXIT_FAILURE;
            }
          else
            {
              /* DO_NOT_QUEUE: a name held by another shoald is an error, not a wait. */
              shoald.owner_id = g_bus_own_name_on_connection (shoald.connection, SHOALD_BUS_NAME,
                                                              G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                              on_name_acquired, on_name_lost,
                                                              &shoald, NULL);
              g_main_loop_run (shoald.loop);
            }
        }
    }

  g_clear_handle_id (&shoald.owner_id, g_bus_unown_name);
  if (shoal_node_get_running (shoald.node))
    shoal_node_stop (shoald.node);
  shoald_service_unexport (shoald.service);
  g_clear_object (&shoald.service);
  g_clear_object (&shoald.node);
  g_clear_object (&shoald.connection);
  g_clear_pointer (&shoald.loop, g_main_loop_unref);

  return shoald.exit_status;
}
