/* shoald-config.c: shoald's settings, from the config file and the command line
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "shoal-error.h"
#include "shoal-node.h"
#include "shoald-config.h"

#define GROUP "shoal"

static const gchar * const known_keys[] = {
  "name", "port", "listen", "state-dir", "peers", "avahi",
  "heartbeat-interval", "heartbeat-timeout", NULL
};

ShoaldConfig *
shoald_config_new (void)
{
  ShoaldConfig *self = g_new0 (ShoaldConfig, 1);

  self->avahi = TRUE;
  self->heartbeat_interval_ms = SHOAL_NODE_DEFAULT_HEARTBEAT_INTERVAL_MS;
  self->heartbeat_timeout_ms = SHOAL_NODE_DEFAULT_HEARTBEAT_TIMEOUT_MS;
  return self;
}

void
shoald_config_free (ShoaldConfig *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->state_dir);
  g_strfreev (self->peers);
  g_free (self->listen);
  g_free (self);
}

/**
 * shoald_config_default_path:
 *
 * Returns: (transfer full): `$XDG_CONFIG_HOME/shoal/shoal.conf`
 */
gchar *
shoald_config_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "shoal", "shoal.conf", NULL);
}

/**
 * shoald_config_default_state_dir:
 *
 * Returns: (transfer full): `$XDG_STATE_HOME/shoal`
 */
gchar *
shoald_config_default_state_dir (void)
{
  return g_build_filename (g_get_user_state_dir (), "shoal", NULL);
}

gboolean
shoald_config_parse_port (const gchar  *text,
                          guint16      *port_out,
                          GError      **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT16, &value, NULL))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("Invalid port “%s”: expected a number from 0 to 65535"), text);
      return FALSE;
    }
  *port_out = (guint16) value;
  return TRUE;
}

gboolean
shoald_config_parse_bus (const gchar  *text,
                         ShoaldBus    *bus_out,
                         GError      **error)
{
  if (g_strcmp0 (text, "session") == 0)
    *bus_out = SHOALD_BUS_SESSION;
  else if (g_strcmp0 (text, "system") == 0)
    *bus_out = SHOALD_BUS_SYSTEM;
  else if (g_strcmp0 (text, "none") == 0)
    *bus_out = SHOALD_BUS_NONE;
  else
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("Invalid bus “%s”: expected session, system or none"), text);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_uint_key (GKeyFile     *keyfile,
              const gchar  *key,
              const gchar  *origin,
              guint64       min,
              guint64       max,
              guint64      *value_out,
              GError      **error)
{
  g_autofree gchar *text = g_key_file_get_value (keyfile, GROUP, key, NULL);

  if (text == NULL)
    return TRUE;
  g_strstrip (text);
  if (!g_ascii_string_to_unsigned (text, 10, min, max, value_out, NULL))
    {
      /* The bounds go in as text: xgettext cannot read G_GUINT64_FORMAT. */
      g_autofree gchar *min_text = g_strdup_printf ("%" G_GUINT64_FORMAT, min);
      g_autofree gchar *max_text = g_strdup_printf ("%" G_GUINT64_FORMAT, max);

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("%s: invalid value “%s” for key “%s”: expected a number from %s to %s"),
                   origin, text, key, min_text, max_text);
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_keyfile (ShoaldConfig  *self,
              GKeyFile      *keyfile,
              const gchar   *origin,
              GError       **error)
{
  g_auto(GStrv) keys = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 value;
  gsize i;

  /* A file without our group sets nothing; that is not an error. */
  if (!g_key_file_has_group (keyfile, GROUP))
    return TRUE;

  keys = g_key_file_get_keys (keyfile, GROUP, NULL, NULL);
  for (i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      if (!g_strv_contains (known_keys, keys[i]))
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                       _("%s: unknown key “%s” in group [%s]"), origin, keys[i], GROUP);
          return FALSE;
        }
    }

  if (g_key_file_has_key (keyfile, GROUP, "name", NULL))
    {
      g_free (self->name);
      self->name = g_key_file_get_string (keyfile, GROUP, "name", NULL);
    }

  if (g_key_file_has_key (keyfile, GROUP, "listen", NULL))
    {
      g_free (self->listen);
      self->listen = g_key_file_get_string (keyfile, GROUP, "listen", NULL);
    }

  if (g_key_file_has_key (keyfile, GROUP, "state-dir", NULL))
    {
      g_free (self->state_dir);
      self->state_dir = g_key_file_get_string (keyfile, GROUP, "state-dir", NULL);
    }

  if (g_key_file_has_key (keyfile, GROUP, "peers", NULL))
    {
      g_strfreev (self->peers);
      self->peers = g_key_file_get_string_list (keyfile, GROUP, "peers", NULL, NULL);
    }

  value = self->port;
  if (!get_uint_key (keyfile, "port", origin, 0, G_MAXUINT16, &value, error))
    return FALSE;
  self->port = (guint16) value;

  value = self->heartbeat_interval_ms;
  if (!get_uint_key (keyfile, "heartbeat-interval", origin, 10, 3600 * 1000, &value, error))
    return FALSE;
  self->heartbeat_interval_ms = (guint) value;

  value = self->heartbeat_timeout_ms;
  if (!get_uint_key (keyfile, "heartbeat-timeout", origin, 20, 3600 * 1000, &value, error))
    return FALSE;
  self->heartbeat_timeout_ms = (guint) value;

  if (g_key_file_has_key (keyfile, GROUP, "avahi", NULL))
    {
      gboolean avahi = g_key_file_get_boolean (keyfile, GROUP, "avahi", &local_error);

      if (local_error != NULL)
        {
          g_autofree gchar *text = g_key_file_get_value (keyfile, GROUP, "avahi", NULL);

          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                       _("%s: invalid value “%s” for key “%s”: expected true or false"),
                       origin, text, "avahi");
          return FALSE;
        }
      self->avahi = avahi;
    }

  return TRUE;
}

/**
 * shoald_config_load_data:
 * @self: a #ShoaldConfig
 * @data: key-file text
 * @origin: what to call the text in error messages (its path)
 * @error: return location for a #ShoalError
 *
 * Applies the `[shoal]` group of @data over @self.
 *
 * Returns: %TRUE on success
 */
gboolean
shoald_config_load_data (ShoaldConfig  *self,
                         const gchar   *data,
                         const gchar   *origin,
                         GError       **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_load_from_data (keyfile, data, -1, G_KEY_FILE_NONE, &local_error))
    {
      /* Clients of shoald see only ShoalError; GKeyFile's text is kept. */
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   "%s: %s", origin, local_error->message);
      return FALSE;
    }

  return load_keyfile (self, keyfile, origin, error);
}

/**
 * shoald_config_load_file:
 * @self: a #ShoaldConfig
 * @path: the config file
 * @must_exist: whether a missing file is an error (it is not for the default path)
 * @error: return location for a #ShoalError
 *
 * Returns: %TRUE on success
 */
gboolean
shoald_config_load_file (ShoaldConfig  *self,
                         const gchar   *path,
                         gboolean       must_exist,
                         GError       **error)
{
  g_autofree gchar *data = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_file_get_contents (path, &data, NULL, &local_error))
    {
      /* A default path that cannot exist (its parent is not a directory) is as
       * missing as one that does not. */
      if (!must_exist &&
          (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
           g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR)))
        return TRUE;
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("Cannot read the config file: %s"), local_error->message);
      return FALSE;
    }

  return shoald_config_load_data (self, data, path, error);
}

/**
 * shoald_config_validate:
 * @self: a #ShoaldConfig
 * @error: return location for a #ShoalError
 *
 * Checks what can be checked before the node starts: the name and the
 * heartbeat. Static peers are checked as they are handed to the node.
 *
 * Returns: %TRUE if @self can start a node
 */
gboolean
shoald_config_validate (ShoaldConfig  *self,
                        GError       **error)
{
  if (self->name != NULL)
    {
      if (*self->name == '\0' || !g_utf8_validate (self->name, -1, NULL))
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                       _("Invalid name: it must be non-empty UTF-8 text"));
          return FALSE;
        }
      if (strlen (self->name) > SHOALD_NAME_MAX_BYTES)
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                       _("Invalid name “%s”: it is longer than %u bytes"),
                       self->name, (guint) SHOALD_NAME_MAX_BYTES);
          return FALSE;
        }
    }

  if (self->listen != NULL && !g_hostname_is_ip_address (self->listen))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("Invalid listen address “%s”: expected an IPv4 or IPv6 address"),
                   self->listen);
      return FALSE;
    }

  if (self->state_dir != NULL && *self->state_dir == '\0')
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("Invalid state directory: the path is empty"));
      return FALSE;
    }

  if (self->heartbeat_timeout_ms <= self->heartbeat_interval_ms)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("Invalid heartbeat: the timeout (%u ms) must be longer than the interval (%u ms)"),
                   self->heartbeat_timeout_ms, self->heartbeat_interval_ms);
      return FALSE;
    }

  return TRUE;
}
