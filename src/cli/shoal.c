/* shoal.c: the Shoal command-line client, for people and scripts
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Talks to shoald over D-Bus through the generated proxies. Exit status: 0 on
 * success, 1 on an error (one line on stderr), 2 on a usage error.
 */

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "shoal-client.h"
#include "shoal-control.h"
#include "shoal-dbus-generated.h"
#include "shoal-doctor.h"
#include "shoal-groups.h"
#include "shoal-monitor.h"
#include "shoal-send.h"


/* A network key is 256 random bits, written as 64 lowercase hex characters. */
#define NETWORK_KEY_SIZE 32


typedef struct {
  const gchar *name;
  const gchar *parameters;
  const gchar *summary;
  gint (*run) (Client *client, gint argc, gchar **argv);
} Command;

static gboolean opt_json = FALSE;
static gboolean opt_wait = FALSE;
static gboolean opt_plain = FALSE;
static gboolean opt_all = FALSE;

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
  json_builder_set_member_name (builder, "trusted");
  json_builder_add_boolean_value (builder, shoal_dbus_peer_get_trusted (peer));
  json_builder_set_member_name (builder, "fingerprint");
  json_builder_add_string_value (builder, shoal_dbus_peer_get_fingerprint (peer));
  json_builder_set_member_name (builder, "verification-code");
  json_builder_add_string_value (builder, shoal_dbus_peer_get_verification_code (peer));
  json_builder_set_member_name (builder, "previous-id");
  json_builder_add_string_value (builder, shoal_dbus_peer_get_previous_id (peer));
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
  json_builder_set_member_name (builder, "interface");
  json_builder_add_string_value (builder, shoal_dbus_peer_get_interface (peer));
  json_builder_set_member_name (builder, "local-address");
  json_builder_add_string_value (builder, shoal_dbus_peer_get_local_address (peer));
  json_builder_set_member_name (builder, "remote-address");
  json_builder_add_string_value (builder, shoal_dbus_peer_get_remote_address (peer));
  json_builder_set_member_name (builder, "groups");
  json_builder_begin_array (builder);
  for (i = 0; shoal_dbus_peer_get_groups (peer) != NULL && shoal_dbus_peer_get_groups (peer)[i] != NULL; i++)
    json_builder_add_string_value (builder, shoal_dbus_peer_get_groups (peer)[i]);
  json_builder_end_array (builder);
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
    return shoal_cli_usage_error (_("“status” takes no arguments"));
  if (!shoal_client_connect (client))
    return EXIT_FAILURE;

  peers = shoal_client_get_peers (client, &error);
  if (peers == NULL)
    return shoal_cli_remote_error_out (error);
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

/* "-" for what is not known, as the RTT column shows it. */
static const gchar *
or_dash (const gchar *text)
{
  return text != NULL && *text != '\0' ? text : "-";
}

/* The link's path, "eth0 192.0.2.1 -> 192.0.2.2:4242": this end without
 * its port (an ephemeral one, or the listening port), "-" without a link. */
static gchar *
format_path (ShoalDbusPeer *peer)
{
  const gchar *interface = shoal_dbus_peer_get_interface (peer);
  const gchar *local = shoal_dbus_peer_get_local_address (peer);
  const gchar *remote = shoal_dbus_peer_get_remote_address (peer);
  g_autofree gchar *host = NULL;
  const gchar *colon;

  if (local == NULL || *local == '\0' || remote == NULL || *remote == '\0')
    return g_strdup ("-");
  colon = strrchr (local, ':');
  host = colon != NULL ? g_strndup (local, colon - local) : g_strdup (local);
  if (host[0] == '[' && g_str_has_suffix (host, "]"))
    {
      g_autofree gchar *bare = g_strndup (host + 1, strlen (host) - 2);

      g_free (host);
      host = g_steal_pointer (&bare);
    }
  return g_strdup_printf ("%s %s -> %s", or_dash (interface), host, remote);
}

static gint
cmd_peers (Client  *client,
           gint     argc,
           gchar  **argv)
{
  enum {
    COL_ID, COL_NAME, COL_STATE, COL_TRUSTED, COL_CODE, COL_RTT, COL_PATH, COL_ADDRESSES, N_COLS
  };
  g_autoptr(GPtrArray) peers = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GError) error = NULL;
  const gchar *headings[N_COLS] = {
    N_("ID"), N_("NAME"), N_("STATE"), N_("TRUSTED"), N_("CODE"), N_("RTT"), N_("PATH"),
    N_("ADDRESSES"),
  };
  gsize widths[N_COLS] = { 0, };
  guint i;
  gsize col;

  if (argc != 1)
    return shoal_cli_usage_error (_("“peers” takes no arguments"));
  if (opt_json && opt_plain)
    return shoal_cli_usage_error (_("“peers” takes --json or --plain, not both"));
  if (!shoal_client_connect (client))
    return EXIT_FAILURE;

  peers = shoal_client_get_peers (client, &error);
  if (peers == NULL)
    return shoal_cli_remote_error_out (error);

  /* For completion and scripts: peer names hold no control characters
   * (the engine refuses them in a handshake), so one line each is safe. */
  if (opt_plain)
    {
      for (i = 0; i < peers->len; i++)
        {
          ShoalDbusPeer *peer = g_ptr_array_index (peers, i);
          const gchar *name = shoal_dbus_peer_get_name (peer);

          g_print ("%s\t%s\n", shoal_dbus_peer_get_id (peer), name != NULL ? name : "");
        }
      return EXIT_SUCCESS;
    }

  if (opt_json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree gchar *line = NULL;

      json_builder_begin_array (builder);
      for (i = 0; i < peers->len; i++)
        add_peer_to_json (builder, g_ptr_array_index (peers, i));
      json_builder_end_array (builder);
      line = shoal_cli_json_to_line (builder);
      g_print ("%s\n", line);
      return EXIT_SUCCESS;
    }

  for (i = 0; i < peers->len; i++)
    {
      ShoalDbusPeer *peer = g_ptr_array_index (peers, i);
      gchar **row = g_new0 (gchar *, N_COLS + 1);

      row[COL_ID] = g_strdup (shoal_dbus_peer_get_id (peer));
      row[COL_NAME] = g_strdup (shoal_dbus_peer_get_name (peer));
      row[COL_STATE] = g_strdup (shoal_cli_translate_state (shoal_dbus_peer_get_state (peer)));
      row[COL_TRUSTED] = g_strdup (shoal_dbus_peer_get_trusted (peer) ? _("yes") : _("no"));
      row[COL_CODE] = g_strdup (or_dash (shoal_dbus_peer_get_verification_code (peer)));
      row[COL_RTT] = format_rtt (shoal_dbus_peer_get_round_trip_time (peer));
      row[COL_PATH] = format_path (peer);
      row[COL_ADDRESSES] = g_strjoinv (" ", (gchar **) shoal_dbus_peer_get_addresses (peer));
      g_ptr_array_add (rows, row);
    }

  /* Columns as wide as their widest cell; the last one is not padded. */
  for (col = 0; col < N_COLS; col++)
    {
      widths[col] = g_utf8_strlen (_(headings[col]), -1);
      for (i = 0; i < rows->len; i++)
        {
          const gchar *cell = ((gchar **) g_ptr_array_index (rows, i))[col];

          widths[col] = MAX (widths[col], (gsize) g_utf8_strlen (cell ? cell : "", -1));
        }
    }

  for (col = 0; col < N_COLS; col++)
    {
      if (col + 1 < N_COLS)
        {
          print_padded (_(headings[col]), widths[col]);
          g_print ("  ");
        }
      else
        g_print ("%s\n", _(headings[col]));
    }

  for (i = 0; i < rows->len; i++)
    {
      gchar **row = g_ptr_array_index (rows, i);

      for (col = 0; col + 1 < N_COLS; col++)
        {
          print_padded (row[col] ? row[col] : "", widths[col]);
          g_print ("  ");
        }
      g_print ("%s\n", row[N_COLS - 1] ? row[N_COLS - 1] : "");
    }

  /* A name that came back with another key deserves a word of its own. */
  for (i = 0; i < peers->len; i++)
    {
      ShoalDbusPeer *peer = g_ptr_array_index (peers, i);
      const gchar *previous = shoal_dbus_peer_get_previous_id (peer);

      if (previous == NULL || *previous == '\0')
        continue;
      g_print (_("Note: %s (%s) uses a name this node knew from peer %s: a replaced or cloned "
                 "machine, or one pretending to be it"),
               shoal_dbus_peer_get_name (peer), shoal_dbus_peer_get_id (peer), previous);
      g_print ("\n");
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
    return shoal_cli_usage_error (_("“resolve” takes one argument: PEER"));
  if (!shoal_client_connect (client))
    return EXIT_FAILURE;

  id = shoal_client_resolve_peer (client, argv[1], NULL);
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
    return shoal_cli_usage_error (_("“send” takes two arguments: PEER and MESSAGE (or - for stdin)"));
  if (!shoal_client_connect (client))
    return EXIT_FAILURE;

  id = shoal_client_resolve_peer (client, argv[1], NULL);
  if (id == NULL)
    return EXIT_FAILURE;
  payload = read_message (argv[2], &error);
  if (payload == NULL)
    return shoal_cli_error_out (error->message);

  if (opt_wait)
    {
      gint status = shoal_send_and_wait (client->service, id, bytes_to_variant (payload), &error);

      return status < 0 ? shoal_cli_remote_error_out (error) : status;
    }

  if (!shoal_dbus_service_call_send_sync (client->service, id, bytes_to_variant (payload),
                                          NULL, NULL, &error))
    return shoal_cli_remote_error_out (error);
  return EXIT_SUCCESS;
}

static gint
cmd_broadcast (Client  *client,
               gint     argc,
               gchar  **argv)
{
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) recipients = NULL;
  guint n;

  if (argc != 2)
    return shoal_cli_usage_error (_("“broadcast” takes one argument: MESSAGE (or - for stdin)"));
  if (!shoal_client_connect (client))
    return EXIT_FAILURE;

  payload = read_message (argv[1], &error);
  if (payload == NULL)
    return shoal_cli_error_out (error->message);

  if (!shoal_dbus_service_call_broadcast_sync (client->service, bytes_to_variant (payload),
                                               NULL, &recipients, NULL, &error))
    return shoal_cli_remote_error_out (error);

  n = g_strv_length (recipients);
  g_print (g_dngettext (GETTEXT_PACKAGE, "Sent to %u peer", "Sent to %u peers", n), n);
  g_print ("\n");
  return EXIT_SUCCESS;
}

static gint
cmd_join (Client  *client,
          gint     argc,
          gchar  **argv)
{
  return shoal_groups_join (client, argc, argv);
}

static gint
cmd_leave (Client  *client,
           gint     argc,
           gchar  **argv)
{
  return shoal_groups_leave (client, argc, argv);
}

static gint
cmd_groups (Client  *client,
            gint     argc,
            gchar  **argv)
{
  return shoal_groups_list (client, argc, argv, opt_json, opt_all);
}

static gint
cmd_shout (Client  *client,
           gint     argc,
           gchar  **argv)
{
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;

  if (argc != 3)
    return shoal_cli_usage_error (_("“shout” takes two arguments: GROUP and MESSAGE (or - for stdin)"));
  if (!shoal_client_connect (client))
    return EXIT_FAILURE;

  payload = read_message (argv[2], &error);
  if (payload == NULL)
    return shoal_cli_error_out (error->message);
  return shoal_groups_shout (client, argc, argv, payload, opt_json);
}

static gint
cmd_id (Client  *client,
        gint     argc,
        gchar  **argv)
{
  const gchar *id, *name, *policy, *fingerprint;

  if (argc != 1)
    return shoal_cli_usage_error (_("“id” takes no arguments"));
  if (!shoal_client_connect (client))
    return EXIT_FAILURE;

  id = shoal_dbus_service_get_id (client->service);
  name = shoal_dbus_service_get_name (client->service);
  policy = shoal_dbus_service_get_trust_policy (client->service);
  fingerprint = shoal_dbus_service_get_fingerprint (client->service);

  if (opt_json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree gchar *line = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, name);
      json_builder_set_member_name (builder, "fingerprint");
      json_builder_add_string_value (builder, fingerprint);
      json_builder_set_member_name (builder, "trust-policy");
      json_builder_add_string_value (builder, policy);
      json_builder_end_object (builder);
      line = shoal_cli_json_to_line (builder);
      g_print ("%s\n", line);
      return EXIT_SUCCESS;
    }

  g_print ("%s %s\n", _("Id:"), id ? id : "");
  g_print ("%s %s\n", _("Name:"), name ? name : "");
  g_print ("%s %s\n", _("Fingerprint:"), fingerprint ? fingerprint : "");
  g_print ("%s %s\n", _("Trust policy:"), policy ? policy : "");
  return EXIT_SUCCESS;
}

/* Trust and untrust: the same resolution and call, and a line that says
 * which peer the decision is about, since PEER may have been a name. */
static gint
decide (Client       *client,
        gint          argc,
        gchar       **argv,
        gboolean      trust)
{
  g_autofree gchar *id = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *label = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (argc != 2)
    return shoal_cli_usage_error (trust ? _("“trust” takes one argument: PEER")
                              : _("“untrust” takes one argument: PEER"));
  if (!shoal_client_connect (client))
    return EXIT_FAILURE;

  id = shoal_client_resolve_peer (client, argv[1], &name);
  if (id == NULL)
    return EXIT_FAILURE;

  if (trust)
    ok = shoal_dbus_service_call_trust_sync (client->service, id, NULL, &error);
  else
    ok = shoal_dbus_service_call_untrust_sync (client->service, id, NULL, &error);
  if (!ok)
    return shoal_cli_remote_error_out (error);

  label = name != NULL && *name != '\0' ? g_strdup_printf ("%s (%s)", name, id) : g_strdup (id);
  g_print (trust ? _("Trusted %s") : _("Untrusted %s: its link is closed and it stays out until trusted again"), label);
  g_print ("\n");
  return EXIT_SUCCESS;
}

static gint
cmd_trust (Client  *client,
           gint     argc,
           gchar  **argv)
{
  return decide (client, argc, argv, TRUE);
}

static gint
cmd_untrust (Client  *client,
             gint     argc,
             gchar  **argv)
{
  return decide (client, argc, argv, FALSE);
}

/* Needs no shoald: a network key is only random bytes, made here from the
 * kernel's generator rather than by linking the engine for one call. */
static gint
cmd_key (Client  *client,
         gint     argc,
         gchar  **argv)
{
  guint8 key[NETWORK_KEY_SIZE];
  gsize got = 0;
  gsize i;

  if (argc != 2 || g_strcmp0 (argv[1], "generate") != 0)
    return shoal_cli_usage_error (_("“key” takes one argument: generate"));

  while (got < sizeof key)
    {
      gssize n = getrandom (key + got, sizeof key - got, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_autofree gchar *message =
            g_strdup_printf (_("Cannot make a random key: %s"), g_strerror (errno));

          return shoal_cli_error_out (message);
        }
      got += (gsize) n;
    }

  for (i = 0; i < sizeof key; i++)
    g_print ("%02x", key[i]);
  g_print ("\n");
  explicit_bzero (key, sizeof key);
  return EXIT_SUCCESS;
}

static gint
cmd_monitor (Client  *client,
             gint     argc,
             gchar  **argv)
{
  if (argc != 1)
    return shoal_cli_usage_error (_("“monitor” takes no arguments"));
  if (!shoal_client_connect (client))
    return EXIT_FAILURE;

  return shoal_monitor_run (client->connection, client->service, opt_json);
}

/* Asks for itself: shoald not running is one of its findings. */
static gint
cmd_doctor (Client  *client,
            gint     argc,
            gchar  **argv)
{
  if (argc != 1)
    return shoal_cli_usage_error (_("“doctor” takes no arguments"));

  return shoal_doctor_run (client->system_bus, opt_json);
}

static const Command commands[] = {
  { "status", "", N_("Show this node: id, name, port, version and peer count"), cmd_status },
  { "peers", "[--json|--plain]", N_("List the known peers"), cmd_peers },
  { "send", N_("[--wait] PEER MESSAGE|-"), N_("Send a message to one peer (- reads it from stdin); --wait: until it is delivered"), cmd_send },
  { "broadcast", N_("MESSAGE|-"), N_("Send a message to every connected peer (- reads it from stdin)"), cmd_broadcast },
  { "shout", N_("[--json] GROUP MESSAGE|-"), N_("Send a message to the peers in a group (- reads it from stdin)"), cmd_shout },
  { "join", N_("GROUP"), N_("Join a group, across restarts: peers send it their messages to it"), cmd_join },
  { "leave", N_("GROUP"), N_("Leave a group, across restarts"), cmd_leave },
  { "groups", "[--all] [--json]", N_("List this node’s groups; --all: every group with its members"), cmd_groups },
  { "monitor", "[--json]", N_("Print peers joining, leaving or asking to join, messages received, and the fate of messages sent, one line each"), cmd_monitor },
  { "resolve", N_("PEER"), N_("Print the full id of a peer given by id prefix or name"), cmd_resolve },
  { "id", "[--json]", N_("Show this node’s id, name, key fingerprint and trust policy"), cmd_id },
  { "connect", N_("ADDRESS"), N_("Link up with the peer at an address (HOST, HOST:PORT or [IPV6]:PORT) and say who it is"), shoal_control_connect },
  { "disconnect", N_("PEER"), N_("Drop a peer: neither side links again, across restarts, until “connect” names it"), shoal_control_disconnect },
  { "trust", N_("PEER"), N_("Trust a peer, across restarts; a pending peer links up"), cmd_trust },
  { "untrust", N_("PEER"), N_("Refuse a peer, across restarts: its link closes"), cmd_untrust },
  { "key", "generate", N_("Print a new random network key, for the network-key policy"), cmd_key },
  { "doctor", "[--json]", N_("Check shoald, avahi-daemon, the network and the peers, and say what to do"), cmd_doctor },
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
  const GOptionEntry wait_entries[] = {
    { "wait", 0, 0, G_OPTION_ARG_NONE, &opt_wait,
      N_("Wait until the peer has the message: exit 0 once delivered, 1 with the reason if it failed"), NULL },
    G_OPTION_ENTRY_NULL
  };
  const GOptionEntry json_entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
      N_("Print JSON instead of text"), NULL },
    G_OPTION_ENTRY_NULL
  };
  const GOptionEntry all_entries[] = {
    { "all", 0, 0, G_OPTION_ARG_NONE, &opt_all,
      N_("Every group any peer is in, with its members, besides this node’s"), NULL },
    G_OPTION_ENTRY_NULL
  };
  const GOptionEntry plain_entries[] = {
    { "plain", 0, 0, G_OPTION_ARG_NONE, &opt_plain,
      N_("Print each peer’s id and name, tab-separated, one peer a line; do not start shoald"),
      NULL },
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
    return shoal_cli_usage_error (error->message);

  if (opt_version)
    {
      g_print ("shoal %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (argc < 2)
    return shoal_cli_usage_error (_("No command given; see “shoal --help”"));

  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (argv[1], commands[i].name) == 0)
      command = &commands[i];
  if (command == NULL)
    {
      g_autofree gchar *message =
        g_strdup_printf (_("Unknown command “%s”; see “shoal --help”"), argv[1]);

      return shoal_cli_usage_error (message);
    }

  parameter_string = g_strconcat (command->name, " ",
                                  *command->parameters ? _(command->parameters) : "", NULL);
  command_context = g_option_context_new (parameter_string);
  g_option_context_set_translation_domain (command_context, GETTEXT_PACKAGE);
  g_option_context_set_summary (command_context, _(command->summary));
  if (command->run == cmd_peers || command->run == cmd_monitor || command->run == cmd_id ||
      command->run == cmd_doctor || command->run == cmd_groups || command->run == cmd_shout)
    g_option_context_add_main_entries (command_context, json_entries, GETTEXT_PACKAGE);
  if (command->run == cmd_send)
    g_option_context_add_main_entries (command_context, wait_entries, GETTEXT_PACKAGE);
  if (command->run == cmd_peers)
    g_option_context_add_main_entries (command_context, plain_entries, GETTEXT_PACKAGE);
  if (command->run == cmd_groups)
    g_option_context_add_main_entries (command_context, all_entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (command_context, &argc, &argv, &error))
    return shoal_cli_usage_error (error->message);

  /* GOption leaves a "--" in place; drop it so that `send PEER -- -x` sends "-x". */
  for (i = 2; i < (gsize) argc; i++)
    {
      if (g_strcmp0 (argv[i], "--") == 0)
        {
          memmove (&argv[i], &argv[i + 1], (argc - i) * sizeof (gchar *));
          argc--;
          break;
        }
    }

  /* argv[0] is the program, argv[1] the command: hand the command its own argv. */
  client.system_bus = opt_system;
  /* Completion asks for the peers on every Tab: that must not start a daemon. */
  client.no_auto_start = opt_plain;
  status = command->run (&client, argc - 1, argv + 1);
  shoal_client_clear (&client);
  return status;
}
