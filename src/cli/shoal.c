/* shoal.c: the Shoal command-line client, for people and scripts
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Talks to shoald over D-Bus through the generated proxies. Exit status: 0 on
 * success, 1 on an error (one line on stderr), 2 on a usage error.
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "shoal-dbus-generated.h"
#include "shoal-monitor.h"

#define SHOAL_BUS_NAME "org.shoal.Shoal1"
#define SHOAL_OBJECT_PATH "/org/shoal/Shoal1"

enum {
  EXIT_USAGE = 2,
};

typedef struct {
  gboolean          system_bus;
  GDBusConnection  *connection;  /* (owned) */
  ShoalDbusService *service;     /* (owned) */
} Client;

typedef struct {
  const gchar *name;
  const gchar *parameters;
  const gchar *summary;
  gint (*run) (Client *client, gint argc, gchar **argv);
} Command;

static gboolean opt_json = FALSE;

/* Peer states as shoald names them, here only so that they are translated. */
static const gchar * const peer_states[] = {
  N_("discovered"), N_("connecting"), N_("connected"), N_("lost"),
};

static gint
usage_error (const gchar *message)
{
  g_printerr ("shoal: %s\n", message);
  return EXIT_USAGE;
}

static gint
error_out (const gchar *message)
{
  g_printerr ("shoal: %s\n", message);
  return EXIT_FAILURE;
}

static gint
remote_error_out (GError *error)
{
  g_dbus_error_strip_remote_error (error);
  return error_out (error->message);
}

static const gchar *
translate_state (const gchar *state)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (peer_states); i++)
    if (g_strcmp0 (state, peer_states[i]) == 0)
      return _(peer_states[i]);
  return state;
}

static void
client_clear (Client *client)
{
  g_clear_object (&client->service);
  g_clear_object (&client->connection);
}

/* Connects to the bus and makes sure shoald is there (starting it through
 * D-Bus activation where that is installed). Prints the error itself. */
static gboolean
client_connect (Client *client)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GBusType bus_type = client->system_bus ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION;

  client->connection = g_bus_get_sync (bus_type, NULL, &error);
  if (client->connection == NULL)
    {
      g_autofree gchar *message = NULL;

      message = g_strdup_printf (client->system_bus ? _("Cannot connect to the system bus: %s")
                                                    : _("Cannot connect to the session bus: %s"),
                                 error->message);
      error_out (message);
      return FALSE;
    }

  reply = g_dbus_connection_call_sync (client->connection, SHOAL_BUS_NAME, SHOAL_OBJECT_PATH,
                                       "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  if (reply == NULL)
    {
      if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
          g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
        error_out (_("shoald is not running. Start it with “shoald” or “systemctl --user start shoald”."));
      else
        remote_error_out (error);
      return FALSE;
    }

  client->service = shoal_dbus_service_proxy_new_sync (client->connection,
                                                       G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                                       SHOAL_BUS_NAME, SHOAL_OBJECT_PATH,
                                                       NULL, &error);
  if (client->service == NULL)
    {
      remote_error_out (error);
      return FALSE;
    }
  return TRUE;
}

static gint
compare_peers (gconstpointer a,
               gconstpointer b)
{
  ShoalDbusPeer *pa = *(ShoalDbusPeer * const *) a;
  ShoalDbusPeer *pb = *(ShoalDbusPeer * const *) b;
  gint by_name = g_utf8_collate (shoal_dbus_peer_get_name (pa) ? shoal_dbus_peer_get_name (pa) : "",
                                 shoal_dbus_peer_get_name (pb) ? shoal_dbus_peer_get_name (pb) : "");

  return by_name != 0 ? by_name : g_strcmp0 (shoal_dbus_peer_get_id (pa), shoal_dbus_peer_get_id (pb));
}

/* Every peer object under the ObjectManager, sorted by name then id. */
static GPtrArray *
client_get_peers (Client  *client,
                  GError **error)
{
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func (g_object_unref);
  GList *objects, *l;

  manager = shoal_dbus_object_manager_client_new_sync (client->connection,
                                                       G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                                       SHOAL_BUS_NAME, SHOAL_OBJECT_PATH,
                                                       NULL, error);
  if (manager == NULL)
    return NULL;

  objects = g_dbus_object_manager_get_objects (manager);
  for (l = objects; l != NULL; l = l->next)
    {
      ShoalDbusPeer *peer = shoal_dbus_object_get_peer (SHOAL_DBUS_OBJECT (l->data));

      if (peer != NULL)
        g_ptr_array_add (peers, peer);
    }
  g_list_free_full (objects, g_object_unref);

  g_ptr_array_sort (peers, compare_peers);
  return g_steal_pointer (&peers);
}

static gboolean
is_hex_prefix (const gchar *text)
{
  const gchar *p;

  for (p = text; *p != '\0'; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return FALSE;
  return p != text;
}

/* PEER is an id, a unique id prefix or a unique name. A well-formed id that no
 * peer has is passed on, so that shoald answers UnknownPeer itself. */
static gchar *
resolve_peer (Client       *client,
              const gchar  *text)
{
  g_autoptr(GPtrArray) peers = NULL;
  g_autoptr(GPtrArray) matches = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  gboolean hex = is_hex_prefix (text);
  guint i;

  peers = client_get_peers (client, &error);
  if (peers == NULL)
    {
      remote_error_out (error);
      return NULL;
    }

  for (i = 0; i < peers->len; i++)
    {
      ShoalDbusPeer *peer = g_ptr_array_index (peers, i);

      if (g_strcmp0 (shoal_dbus_peer_get_id (peer), text) == 0)
        return g_strdup (text);
    }

  if (hex && strlen (text) == 32)
    return g_strdup (text);

  for (i = 0; i < peers->len; i++)
    {
      ShoalDbusPeer *peer = g_ptr_array_index (peers, i);
      const gchar *id = shoal_dbus_peer_get_id (peer);

      if ((hex && id != NULL && g_str_has_prefix (id, text)) ||
          g_strcmp0 (shoal_dbus_peer_get_name (peer), text) == 0)
        g_ptr_array_add (matches, (gpointer) id);
    }

  if (matches->len == 1)
    return g_strdup (g_ptr_array_index (matches, 0));

  if (matches->len == 0)
    {
      g_autofree gchar *message =
        g_strdup_printf (_("No peer matches “%s”; see “shoal peers”"), text);

      error_out (message);
    }
  else
    {
      g_autofree gchar *ids = NULL;
      g_autofree gchar *message = NULL;

      g_ptr_array_add (matches, NULL);
      ids = g_strjoinv (", ", (gchar **) matches->pdata);
      message = g_strdup_printf (_("“%s” is ambiguous: it matches %s"), text, ids);
      error_out (message);
    }
  return NULL;
}

/* MESSAGE as given, or every byte of stdin for “-”. */
static GBytes *
read_message (const gchar  *arg,
              GError      **error)
{
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) out = NULL;

  if (g_strcmp0 (arg, "-") != 0)
    return g_bytes_new (arg, strlen (arg));

  in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  out = g_memory_output_stream_new_resizable ();
  if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) < 0)
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static GVariant *
bytes_to_variant (GBytes *bytes)
{
  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
}

static gchar *
format_rtt (guint64 usec)
{
  if (usec == 0)
    return g_strdup ("-");
  if (usec < 1000)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " µs", usec);
  return g_strdup_printf ("%.1f ms", usec / 1000.0);
}

static void
print_padded (const gchar *text,
              gsize        width)
{
  gsize len = g_utf8_strlen (text, -1);

  g_print ("%s", text);
  for (; len < width; len++)
    g_print (" ");
}

static gchar *
json_to_line (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
add_peer_to_json (JsonBuilder   *builder,
                  ShoalDbusPeer *peer)
{
  const gchar * const *addresses = shoal_dbus_peer_get_addresses (peer);
  gsize i;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, shoal_dbus_peer_get_id (peer));
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, shoal_dbus_peer_get_name (peer));
  json_builder_set_member_name (builder, "addresses");
  json_builder_begin_array (builder);
  for (i = 0; addresses != NULL && addresses[i] != NULL; i++)
    json_builder_add_string_value (builder, addresses[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, shoal_dbus_peer_get_state (peer));
  json_builder_set_member_name (builder, "connected");
  json_builder_add_boolean_value (builder, shoal_dbus_peer_get_connected (peer));
  json_builder_set_member_name (builder, "rtt-usec");
  json_builder_add_int_value (builder, (gint64) shoal_dbus_peer_get_round_trip_time (peer));
  json_builder_set_member_name (builder, "last-seen-usec");
  json_builder_add_int_value (builder, (gint64) shoal_dbus_peer_get_last_seen (peer));
  json_builder_set_member_name (builder, "bytes-sent");
  json_builder_add_int_value (builder, (gint64) shoal_dbus_peer_get_bytes_sent (peer));
  json_builder_set_member_name (builder, "bytes-received");
  json_builder_add_int_value (builder, (gint64) shoal_dbus_peer_get_bytes_received (peer));
  json_builder_set_member_name (builder, "messages-sent");
  json_builder_add_int_value (builder, (gint64) shoal_dbus_peer_get_messages_sent (peer));
  json_builder_set_member_name (builder, "messages-received");
  json_builder_add_int_value (builder, (gint64) shoal_dbus_peer_get_messages_received (peer));
  json_builder_end_object (builder);
}

static gint
cmd_status (Client  *client,
            gint     argc,
            gchar  **argv)
{
  g_autoptr(GPtrArray) peers = NULL;
  g_autoptr(GError) error = NULL;
  guint i, connected = 0;

  if (argc != 1)
    return usage_error (_("“status” takes no arguments"));
  if (!client_connect (client))
    return EXIT_FAILURE;

  peers = client_get_peers (client, &error);
  if (peers == NULL)
    return remote_error_out (error);
  for (i = 0; i < peers->len; i++)
    if (shoal_dbus_peer_get_connected (g_ptr_array_index (peers, i)))
      connected++;

  g_print ("%s %s\n", _("Id:"), shoal_dbus_service_get_id (client->service));
  g_print ("%s %s\n", _("Name:"), shoal_dbus_service_get_name (client->service));
  g_print ("%s %u\n", _("Port:"), (guint) shoal_dbus_service_get_port (client->service));
  g_print ("%s %s\n", _("Version:"), shoal_dbus_service_get_version (client->service));
  g_print ("%s ", _("Peers:"));
  g_print (_("%u connected, %u known"), connected, peers->len);
  g_print ("\n");
  return EXIT_SUCCESS;
}

static gint
cmd_peers (Client  *client,
           gint     argc,
           gchar  **argv)
{
  g_autoptr(GPtrArray) peers = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *headings[] = { N_("ID"), N_("NAME"), N_("STATE"), N_("RTT"), N_("ADDRESSES") };
  gsize widths[G_N_ELEMENTS (headings)] = { 0, };
  guint i;
  gsize col;

  if (argc != 1)
    return usage_error (_("“peers” takes no arguments"));
  if (!client_connect (client))
    return EXIT_FAILURE;

  peers = client_get_peers (client, &error);
  if (peers == NULL)
    return remote_error_out (error);

  if (opt_json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree gchar *line = NULL;

      json_builder_begin_array (builder);
      for (i = 0; i < peers->len; i++)
        add_peer_to_json (builder, g_ptr_array_index (peers, i));
      json_builder_end_array (builder);
      line = json_to_line (builder);
      g_print ("%s\n", line);
      return EXIT_SUCCESS;
    }

  /* Columns as wide as their widest cell; the last one is not padded. */
  for (col = 0; col < G_N_ELEMENTS (headings); col++)
    widths[col] = g_utf8_strlen (_(headings[col]), -1);
  for (i = 0; i < peers->len; i++)
    {
      ShoalDbusPeer *peer = g_ptr_array_index (peers, i);
      g_autofree gchar *rtt = format_rtt (shoal_dbus_peer_get_round_trip_time (peer));

      widths[0] = MAX (widths[0], (gsize) g_utf8_strlen (shoal_dbus_peer_get_id (peer), -1));
      widths[1] = MAX (widths[1], (gsize) g_utf8_strlen (shoal_dbus_peer_get_name (peer), -1));
      widths[2] = MAX (widths[2], (gsize) g_utf8_strlen (translate_state (shoal_dbus_peer_get_state (peer)), -1));
      widths[3] = MAX (widths[3], (gsize) g_utf8_strlen (rtt, -1));
    }

  for (col = 0; col < G_N_ELEMENTS (headings); col++)
    {
      if (col + 1 < G_N_ELEMENTS (headings))
        {
          print_padded (_(headings[col]), widths[col]);
          g_print ("  ");
        }
      else
        g_print ("%s\n", _(headings[col]));
    }

  for (i = 0; i < peers->len; i++)
    {
      ShoalDbusPeer *peer = g_ptr_array_index (peers, i);
      g_autofree gchar *rtt = format_rtt (shoal_dbus_peer_get_round_trip_time (peer));
      g_autofree gchar *addresses = NULL;

      addresses = g_strjoinv (" ", (gchar **) shoal_dbus_peer_get_addresses (peer));
      print_padded (shoal_dbus_peer_get_id (peer), widths[0]);
      g_print ("  ");
      print_padded (shoal_dbus_peer_get_name (peer), widths[1]);
      g_print ("  ");
      print_padded (translate_state (shoal_dbus_peer_get_state (peer)), widths[2]);
      g_print ("  ");
      print_padded (rtt, widths[3]);
      g_print ("  %s\n", addresses ? addresses : "");
    }
  return EXIT_SUCCESS;
}

static gint
cmd_resolve (Client  *client,
             gint     argc,
             gchar  **argv)
{
  g_autofree gchar *id = NULL;

  if (argc != 2)
    return usage_error (_("“resolve” takes one argument: PEER"));
  if (!client_connect (client))
    return EXIT_FAILURE;

  id = resolve_peer (client, argv[1]);
  if (id == NULL)
    return EXIT_FAILURE;
  g_print ("%s\n", id);
  return EXIT_SUCCESS;
}

static gint
cmd_send (Client  *client,
          gint     argc,
          gchar  **argv)
{
  g_autofree gchar *id = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;

  if (argc != 3)
    return usage_error (_("“send” takes two arguments: PEER and MESSAGE (or - for stdin)"));
  if (!client_connect (client))
    return EXIT_FAILURE;

  id = resolve_peer (client, argv[1]);
  if (id == NULL)
    return EXIT_FAILURE;
  payload = read_message (argv[2], &error);
  if (payload == NULL)
    return error_out (error->message);

  if (!shoal_dbus_service_call_send_sync (client->service, id, bytes_to_variant (payload),
                                          NULL, &error))
    return remote_error_out (error);
  return EXIT_SUCCESS;
}

static gint
cmd_broadcast (Client  *client,
               gint     argc,
               gchar  **argv)
{
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;
  guint recipients = 0;

  if (argc != 2)
    return usage_error (_("“broadcast” takes one argument: MESSAGE (or - for stdin)"));
  if (!client_connect (client))
    return EXIT_FAILURE;

  payload = read_message (argv[1], &error);
  if (payload == NULL)
    return error_out (error->message);

  if (!shoal_dbus_service_call_broadcast_sync (client->service, bytes_to_variant (payload),
                                               &recipients, NULL, &error))
    return remote_error_out (error);

  g_print (g_dngettext (GETTEXT_PACKAGE, "Sent to %u peer", "Sent to %u peers", recipients),
           recipients);
  g_print ("\n");
  return EXIT_SUCCESS;
}

static gint
cmd_monitor (Client  *client,
             gint     argc,
             gchar  **argv)
{
  if (argc != 1)
    return usage_error (_("“monitor” takes no arguments"));
  if (!client_connect (client))
    return EXIT_FAILURE;

  return shoal_monitor_run (client->connection, client->service, opt_json);
}

static const Command commands[] = {
  { "status", "", N_("Show this node: id, name, port, version and peer count"), cmd_status },
  { "peers", "[--json]", N_("List the known peers"), cmd_peers },
  { "send", N_("PEER MESSAGE|-"), N_("Send a message to one peer (- reads it from stdin)"), cmd_send },
  { "broadcast", N_("MESSAGE|-"), N_("Send a message to every connected peer (- reads it from stdin)"), cmd_broadcast },
  { "monitor", "[--json]", N_("Print peers joining and leaving and messages received, one line each"), cmd_monitor },
  { "resolve", N_("PEER"), N_("Print the full id of a peer given by id prefix or name"), cmd_resolve },
};

static const gchar *
localedir (void)
{
  /* Lets the tests find the catalogues in the build tree. */
  const gchar *dir = g_getenv ("SHOAL_LOCALEDIR");

  return (dir != NULL && *dir != '\0') ? dir : LOCALEDIR;
}

static gchar *
commands_description (void)
{
  GString *text = g_string_new (_("Commands:"));
  gsize i;

  g_string_append_c (text, '\n');
  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree gchar *usage = g_strconcat (commands[i].name, " ",
                                             *commands[i].parameters ? _(commands[i].parameters) : "",
                                             NULL);

      glong pad;

      /* Pad by characters, not bytes: translated parameters need not be ASCII. */
      g_string_append_printf (text, "  %s ", usage);
      for (pad = g_utf8_strlen (usage, -1); pad < 24; pad++)
        g_string_append_c (text, ' ');
      g_string_append_printf (text, "%s\n", _(commands[i].summary));
    }
  g_string_append (text, _("\nPEER is a peer id, a unique prefix of one, or a unique peer name.\n"
                           "Exit status: 0 on success, 1 on an error, 2 on a usage error."));
  return g_string_free (text, FALSE);
}

int
main (int    argc,
      char **argv)
{
  gboolean opt_system = FALSE;
  gboolean opt_version = FALSE;
  const GOptionEntry main_entries[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &opt_system,
      N_("Talk to the shoald on the system bus instead of the session bus"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version,
      N_("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };
  const GOptionEntry json_entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
      N_("Print JSON instead of text"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GOptionContext) command_context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *description = NULL;
  g_autofree gchar *parameter_string = NULL;
  const Command *command = NULL;
  Client client = { 0, };
  gint status;
  gsize i;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Options up to the command are shoal's own; the rest belong to the command. */
  context = g_option_context_new (_("COMMAND [ARGUMENTS…]"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_strict_posix (context, TRUE);
  g_option_context_set_summary (context, _("Use the Shoal peers on this LAN through shoald."));
  description = commands_description ();
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, main_entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (error->message);

  if (opt_version)
    {
      g_print ("shoal %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (argc < 2)
    return usage_error (_("No command given; see “shoal --help”"));

  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (argv[1], commands[i].name) == 0)
      command = &commands[i];
  if (command == NULL)
    {
      g_autofree gchar *message =
        g_strdup_printf (_("Unknown command “%s”; see “shoal --help”"), argv[1]);

      return usage_error (message);
    }

  parameter_string = g_strconcat (command->name, " ",
                                  *command->parameters ? _(command->parameters) : "", NULL);
  command_context = g_option_context_new (parameter_string);
  g_option_context_set_translation_domain (command_context, GETTEXT_PACKAGE);
  g_option_context_set_summary (command_context, _(command->summary));
  if (command->run == cmd_peers || command->run == cmd_monitor)
    g_option_context_add_main_entries (command_context, json_entries, GETTEXT_PACKAGE);
  /* "shoal send PEER -" must keep its "-"; so must messages that look like options
   * after a "--". */
  if (!g_option_context_parse (command_context, &argc, &argv, &error))
    return usage_error (error->message);

  /* argv[0] is the program, argv[1] the command: hand the command its own argv. */
  client.system_bus = opt_system;
  status = command->run (&client, argc - 1, argv + 1);
  client_clear (&client);
  return status;
}
