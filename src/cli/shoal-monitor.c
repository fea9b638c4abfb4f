/* shoal-monitor.c: `shoal monitor`, one line per event
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Prints peers connecting, disconnecting and asking to join (the allow-list
 * policy's pending peers, with their verification code), peers joining and
 * leaving groups, and every message received, with the group it was sent
 * to, until interrupted. With --json each event is one JSON object on
 * its own line and payloads are base64, so scripts can read the stream line
 * by line.
 */

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "shoal-monitor.h"

typedef struct {
  GMainLoop  *loop;   /* (owned) */
  GHashTable *names;  /* (owned): peer id → name */
  gboolean    json;
  gint        exit_status;
} Monitor;

static void
emit_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree gchar *line = NULL;

  json_generator_set_root (generator, root);
  line = json_generator_to_data (generator, NULL);
  g_print ("%s\n", line);
  fflush (stdout);
}

static void
emit_text (const gchar *line)
{
  g_print ("%s\n", line);
  fflush (stdout);
}

static const gchar *
name_for (Monitor     *monitor,
          const gchar *id)
{
  const gchar *name = g_hash_table_lookup (monitor->names, id);

  return name != NULL ? name : "";
}

static void
begin_event (JsonBuilder *builder,
             const gchar *event,
             const gchar *id,
             const gchar *name)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, event);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
}

static void
on_peer_connected (ShoalDbusService *service,
                   const gchar      *id,
                   const gchar      *name,
                   Monitor          *monitor)
{
  g_hash_table_replace (monitor->names, g_strdup (id), g_strdup (name));

  if (monitor->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      begin_event (builder, "peer-connected", id, name);
      json_builder_end_object (builder);
      emit_json (builder);
    }
  else
    {
      g_autofree gchar *line = g_strdup_printf (_("%s (%s) connected"), name, id);

      emit_text (line);
    }
}

static void
on_peer_pending (ShoalDbusService *service,
                 const gchar      *id,
                 const gchar      *name,
                 const gchar      *verification_code,
                 Monitor          *monitor)
{
  g_hash_table_replace (monitor->names, g_strdup (id), g_strdup (name));

  if (monitor->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      begin_event (builder, "peer-pending", id, name);
      json_builder_set_member_name (builder, "verification-code");
      json_builder_add_string_value (builder, verification_code);
      json_builder_end_object (builder);
      emit_json (builder);
    }
  else
    {
      g_autofree gchar *line =
        g_strdup_printf (_("%s (%s) asks to join, verification code %s; "
                           "if the other machine shows the same code: shoal trust %s"),
                         name, id, verification_code, id);

      emit_text (line);
    }
}

static void
on_peer_disconnected (ShoalDbusService *service,
                      const gchar      *id,
                      const gchar      *reason,
                      Monitor          *monitor)
{
  const gchar *name = name_for (monitor, id);

  if (monitor->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      begin_event (builder, "peer-disconnected", id, name);
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, reason);
      json_builder_end_object (builder);
      emit_json (builder);
    }
  else
    {
      g_autofree gchar *line = g_strdup_printf (_("%s (%s) disconnected: %s"), name, id, reason);

      emit_text (line);
    }
}

static void
group_event (Monitor     *monitor,
             const gchar *id,
             const gchar *group,
             gboolean     joined)
{
  const gchar *name = name_for (monitor, id);

  if (monitor->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      begin_event (builder, joined ? "peer-joined-group" : "peer-left-group", id, name);
      json_builder_set_member_name (builder, "group");
      json_builder_add_string_value (builder, group);
      json_builder_end_object (builder);
      emit_json (builder);
    }
  else
    {
      g_autofree gchar *line =
        joined ? g_strdup_printf (_("%s (%s) joined group %s"), name, id, group)
               : g_strdup_printf (_("%s (%s) left group %s"), name, id, group);

      emit_text (line);
    }
}

static void
on_peer_joined_group (ShoalDbusService *service,
                      const gchar      *id,
                      const gchar      *group,
                      Monitor          *monitor)
{
  group_event (monitor, id, group, TRUE);
}

static void
on_peer_left_group (ShoalDbusService *service,
                    const gchar      *id,
                    const gchar      *group,
                    Monitor          *monitor)
{
  group_event (monitor, id, group, FALSE);
}

/* Text that prints safely on one line, as it is; anything else is shown as base64. */
static gboolean
is_printable_line (const gchar *data,
                   gsize        size)
{
  gsize i;

  if (!g_utf8_validate_len (data, size, NULL))
    return FALSE;
  for (i = 0; i < size; i++)
    if ((guchar) data[i] < 0x20 || (guchar) data[i] == 0x7f)
      return FALSE;
  return TRUE;
}

static void
on_message_received (ShoalDbusService *service,
                     const gchar      *from_id,
                     GVariant         *payload,
                     GVariant         *details,
                     Monitor          *monitor)
{
  gsize size = 0;
  const gchar *data = g_variant_get_fixed_array (payload, &size, 1);
  gboolean broadcast = FALSE;
  const gchar *name = NULL;
  const gchar *group = NULL;
  g_autofree gchar *base64 = g_base64_encode ((const guchar *) data, size);

  g_variant_lookup (details, "broadcast", "b", &broadcast);
  g_variant_lookup (details, "group", "&s", &group);
  if (!g_variant_lookup (details, "name", "&s", &name))
    name = name_for (monitor, from_id);

  if (monitor->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      begin_event (builder, "message", from_id, name);
      json_builder_set_member_name (builder, "broadcast");
      json_builder_add_boolean_value (builder, broadcast);
      if (group != NULL)
        {
          json_builder_set_member_name (builder, "group");
          json_builder_add_string_value (builder, group);
        }
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, (gint64) size);
      json_builder_set_member_name (builder, "payload");
      json_builder_add_string_value (builder, base64);
      json_builder_end_object (builder);
      emit_json (builder);
    }
  else
    {
      g_autofree gchar *text = NULL;
      g_autofree gchar *line = NULL;

      if (is_printable_line (data, size))
        text = g_strndup (data, size);
      else
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "[%u byte, base64 %s]",
                                             "[%u bytes, base64 %s]", size),
                                (guint) size, base64);

      if (group != NULL)
        line = g_strdup_printf (_("%s (%s) to group %s: %s"), name, from_id, group, text);
      else if (broadcast)
        line = g_strdup_printf (_("%s (%s) to everyone: %s"), name, from_id, text);
      else
        line = g_strdup_printf (_("%s (%s): %s"), name, from_id, text);
      emit_text (line);
    }
}

/* The fate of a message this node sent: delivered when @reason is %NULL. */
static void
message_outcome (Monitor     *monitor,
                 const gchar *peer_id,
                 guint64      message_id,
                 const gchar *reason)
{
  const gchar *name = name_for (monitor, peer_id);

  if (monitor->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      begin_event (builder, reason == NULL ? "message-delivered" : "message-failed", peer_id, name);
      json_builder_set_member_name (builder, "message-id");
      json_builder_add_int_value (builder, (gint64) message_id);
      if (reason != NULL)
        {
          json_builder_set_member_name (builder, "reason");
          json_builder_add_string_value (builder, reason);
        }
      json_builder_end_object (builder);
      emit_json (builder);
    }
  else
    {
      /* The number is formatted apart: gettext cannot see through
       * G_GUINT64_FORMAT. */
      g_autofree gchar *number = g_strdup_printf ("%" G_GUINT64_FORMAT, message_id);
      g_autofree gchar *line =
        reason == NULL ? g_strdup_printf (_("message %s delivered to %s (%s)"),
                                          number, name, peer_id)
                       : g_strdup_printf (_("message %s to %s (%s) failed: %s"),
                                          number, name, peer_id, reason);

      emit_text (line);
    }
}

static void
on_message_delivered (ShoalDbusService *service,
                      const gchar      *peer_id,
                      guint64           message_id,
                      Monitor          *monitor)
{
  message_outcome (monitor, peer_id, message_id, NULL);
}

static void
on_message_failed (ShoalDbusService *service,
                   const gchar      *peer_id,
                   guint64           message_id,
                   const gchar      *reason,
                   Monitor          *monitor)
{
  message_outcome (monitor, peer_id, message_id, reason);
}

static void
on_name_owner (GObject    *object,
               GParamSpec *pspec,
               Monitor    *monitor)
{
  g_autofree gchar *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (object));

  if (owner == NULL)
    {
      g_printerr ("shoal: %s\n", _("shoald stopped"));
      monitor->exit_status = EXIT_FAILURE;
      g_main_loop_quit (monitor->loop);
    }
}

static gboolean
on_signal (gpointer user_data)
{
  Monitor *monitor = user_data;

  g_main_loop_quit (monitor->loop);
  return G_SOURCE_CONTINUE;
}

static void
learn_names (Monitor          *monitor,
             ShoalDbusService *service)
{
  g_autoptr(GVariant) peers = NULL;
  GVariantIter iter;
  GVariant *peer;

  if (!shoal_dbus_service_call_list_peers_sync (service, &peers, NULL, NULL))
    return;

  g_variant_iter_init (&iter, peers);
  while ((peer = g_variant_iter_next_value (&iter)) != NULL)
    {
      const gchar *id = NULL, *name = NULL;

      if (g_variant_lookup (peer, "id", "&s", &id) && g_variant_lookup (peer, "name", "&s", &name))
        g_hash_table_replace (monitor->names, g_strdup (id), g_strdup (name));
      g_variant_unref (peer);
    }
}

/**
 * shoal_monitor_run:
 * @connection: the bus
 * @service: the proxy of shoald's root object
 * @json: one JSON object per line instead of text
 *
 * Runs until SIGINT or SIGTERM (exit 0) or until shoald leaves the bus (exit 1).
 *
 * Returns: the exit status
 */
gint
shoal_monitor_run (GDBusConnection  *connection,
                   ShoalDbusService *service,
                   gboolean          json)
{
  Monitor monitor = { 0, };
  guint sigint_id, sigterm_id;

  monitor.loop = g_main_loop_new (NULL, FALSE);
  monitor.names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  monitor.json = json;

  g_signal_connect (service, "peer-connected", G_CALLBACK (on_peer_connected), &monitor);
  g_signal_connect (service, "peer-disconnected", G_CALLBACK (on_peer_disconnected), &monitor);
  g_signal_connect (service, "peer-pending", G_CALLBACK (on_peer_pending), &monitor);
  g_signal_connect (service, "message-received", G_CALLBACK (on_message_received), &monitor);
  g_signal_connect (service, "peer-joined-group", G_CALLBACK (on_peer_joined_group), &monitor);
  g_signal_connect (service, "peer-left-group", G_CALLBACK (on_peer_left_group), &monitor);
  g_signal_connect (service, "message-delivered", G_CALLBACK (on_message_delivered), &monitor);
  g_signal_connect (service, "message-failed", G_CALLBACK (on_message_failed), &monitor);
  g_signal_connect (service, "notify::g-name-owner", G_CALLBACK (on_name_owner), &monitor);
  sigint_id = g_unix_signal_add (SIGINT, on_signal, &monitor);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, &monitor);

  /* The proxy subscribed to the signals when it was made; names learnt now
   * label disconnections of peers that connected before we started. */
  learn_names (&monitor, service);

  g_main_loop_run (monitor.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_signal_handlers_disconnect_by_data (service, &monitor);
  g_hash_table_unref (monitor.names);
  g_main_loop_unref (monitor.loop);
  return monitor.exit_status;
}
