/* shoald-config.c: shoald's settings, from the config file and the command line
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "shoal-enums.h"
#include "shoal-error.h"
#include "shoal-node.h"
#include "shoald-config.h"

#define GROUP "shoal"

static const gchar * const known_keys[] = {
  "name", "port", "listen", "state-dir", "peers", "avahi", "peer-exchange",
  "heartbeat-interval", "heartbeat-timeout",
  "delivery-timeout", "max-queue-bytes", "max-total-queue-bytes",
  "trust-policy", "network-key", "network-key-file", "groups",
  "interfaces", "exclude-interfaces", NULL
};

/**
 * shoald_config_get_known_keys:
 *
 * Every key of the `[shoal]` group that shoald reads; any other key in a
 * config file is refused. tests/test-docs.c checks that shoal.conf(5) and
 * the example config describe each one.
 *
 * Returns: (transfer none) (array zero-terminated=1): the keys
 */
const gchar * const *
shoald_config_get_known_keys (void)
{
  return known_keys;
}

static void
clear_network_key (ShoaldConfig *self)
{
  /* A secret: not left behind in freed memory. */
  if (self->network_key != NULL)
    explicit_bzero (self->network_key, strlen (self->network_key));
  g_clear_pointer (&self->network_key, g_free);
}

/* A true/false key, left as it is when absent. */
static gboolean
get_boolean_key (GKeyFile     *keyfile,
                 const gchar  *key,
                 const gchar  *origin,
                 gboolean     *value,
                 GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean parsed;

  if (!g_key_file_has_key (keyfile, GROUP, key, NULL))
    return TRUE;

  parsed = g_key_file_get_boolean (keyfile, GROUP, key, &local_error);
  if (local_error != NULL)
    {
      g_autofree gchar *text = g_key_file_get_value (keyfile, GROUP, key, NULL);

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("%s: invalid value “%s” for key “%s”: expected true or false"),
                   origin, text, key);
      return FALSE;
    }
  *value = parsed;
  return TRUE;
}

ShoaldConfig *
shoald_config_new (void)
{
  ShoaldConfig *self = g_new0 (ShoaldConfig, 1);

  self->avahi = TRUE;
  self->peer_exchange = TRUE;
  self->heartbeat_interval_ms = SHOAL_NODE_DEFAULT_HEARTBEAT_INTERVAL_MS;
  self->heartbeat_timeout_ms = SHOAL_NODE_DEFAULT_HEARTBEAT_TIMEOUT_MS;
  self->delivery_timeout_s = SHOAL_NODE_DEFAULT_DELIVERY_TIMEOUT_MS / 1000;
  self->max_queue_bytes = SHOAL_NODE_DEFAULT_MAX_QUEUE_BYTES;
  self->max_total_queue_bytes = SHOAL_NODE_DEFAULT_MAX_TOTAL_QUEUE_BYTES;
  self->trust_policy = SHOAL_TRUST_POLICY_OPEN;
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
  g_strfreev (self->groups);
  g_strfreev (self->interfaces);
  g_strfreev (self->exclude_interfaces);
  g_free (self->listen);
  clear_network_key (self);
  g_free (self->network_key_file);
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
shoald_config_parse_delivery_timeout (const gchar  *text,
                                      guint        *seconds_out,
                                      GError      **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, SHOALD_MAX_DELIVERY_TIMEOUT_S, &value, NULL))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("Invalid delivery timeout “%s”: expected seconds, from 1 to %u"), text,
                   SHOALD_MAX_DELIVERY_TIMEOUT_S);
      return FALSE;
    }
  *seconds_out = (guint) value;
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

gboolean
shoald_config_parse_trust_policy (const gchar       *text,
                                  ShoalTrustPolicy  *policy_out,
                                  GError           **error)
{
  g_autoptr(GEnumClass) policies = g_type_class_ref (SHOAL_TYPE_TRUST_POLICY);
  /* The names are the enum's nicks, as the TrustPolicy D-Bus property shows them. */
  GEnumValue *value = text != NULL ? g_enum_get_value_by_nick (policies, text) : NULL;

  if (value == NULL)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("Invalid trust policy “%s”: expected open, network-key or allow-list"),
                   text != NULL ? text : "");
      return FALSE;
    }
  *policy_out = (ShoalTrustPolicy) value->value;
  return TRUE;
}

/**
 * shoald_config_set_network_key_file:
 * @self: a #ShoaldConfig
 * @path: the file that holds the network key
 *
 * Takes the network key from @path, instead of any key or key file set
 * before: the command line's --network-key-file wins over the config file.
 */
void
shoald_config_set_network_key_file (ShoaldConfig *self,
                                    const gchar  *path)
{
  clear_network_key (self);
  g_free (self->network_key_file);
  self->network_key_file = g_strdup (path);
}

/* 64 hexadecimal characters, whitespace around them allowed, as the
 * engine reads a network key. Checked here so that a bad key is refused
 * with where it came from, before the bus is touched. */
static gboolean
is_network_key (const gchar *text)
{
  gsize start, end, i;

  for (start = 0; g_ascii_isspace (text[start]); start++)
    ;
  for (end = strlen (text); end > start && g_ascii_isspace (text[end - 1]); end--)
    ;
  if (end - start != 64)
    return FALSE;
  for (i = start; i < end; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
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

/* A list of names, each without the white space around it ("eth0; wlan0"),
 * empty entries left out. The node judges the names themselves. */
static GStrv
get_name_list (GKeyFile    *keyfile,
               const gchar *key)
{
  g_auto(GStrv) items = g_key_file_get_string_list (keyfile, GROUP, key, NULL, NULL);
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();

  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    if (*g_strstrip (items[i]) != '\0')
      g_strv_builder_add (names, items[i]);
  return g_strv_builder_end (names);
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

  if (g_key_file_has_key (keyfile, GROUP, "groups", NULL))
    {
      g_strfreev (self->groups);
      self->groups = g_key_file_get_string_list (keyfile, GROUP, "groups", NULL, NULL);
    }

  if (g_key_file_has_key (keyfile, GROUP, "interfaces", NULL))
    {
      g_strfreev (self->interfaces);
      self->interfaces = get_name_list (keyfile, "interfaces");
    }

  if (g_key_file_has_key (keyfile, GROUP, "exclude-interfaces", NULL))
    {
      g_strfreev (self->exclude_interfaces);
      self->exclude_interfaces = get_name_list (keyfile, "exclude-interfaces");
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

  value = self->delivery_timeout_s;
  if (!get_uint_key (keyfile, "delivery-timeout", origin, 1, SHOALD_MAX_DELIVERY_TIMEOUT_S,
                     &value, error))
    return FALSE;
  self->delivery_timeout_s = (guint) value;

  value = self->max_queue_bytes;
  if (!get_uint_key (keyfile, "max-queue-bytes", origin, 1024, G_MAXUINT32, &value, error))
    return FALSE;
  self->max_queue_bytes = value;

  value = self->max_total_queue_bytes;
  if (!get_uint_key (keyfile, "max-total-queue-bytes", origin, 1024, G_MAXUINT32, &value, error))
    return FALSE;
  self->max_total_queue_bytes = value;

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

  if (!get_boolean_key (keyfile, "peer-exchange", origin, &self->peer_exchange, error))
    return FALSE;

  if (g_key_file_has_key (keyfile, GROUP, "trust-policy", NULL))
    {
      g_autofree gchar *text = g_key_file_get_string (keyfile, GROUP, "trust-policy", NULL);

      if (text != NULL)
        g_strstrip (text);
      if (!shoald_config_parse_trust_policy (text, &self->trust_policy, NULL))
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                       _("%s: invalid value “%s” for key “%s”: expected open, network-key or allow-list"),
                       origin, text != NULL ? text : "", "trust-policy");
          return FALSE;
        }
    }

  if (g_key_file_has_key (keyfile, GROUP, "network-key", NULL) &&
      g_key_file_has_key (keyfile, GROUP, "network-key-file", NULL))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("%s: set either “%s” or “%s”, not both"),
                   origin, "network-key", "network-key-file");
      return FALSE;
    }

  if (g_key_file_has_key (keyfile, GROUP, "network-key", NULL))
    {
      g_autofree gchar *key = g_key_file_get_string (keyfile, GROUP, "network-key", NULL);

      /* The value is a secret: the message does not repeat it. */
      if (key == NULL || !is_network_key (key))
        {
          if (key != NULL)
            explicit_bzero (key, strlen (key));
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                       _("%s: invalid value for key “%s”: expected 64 hexadecimal characters; "
                         "make a key with “shoal key generate”"),
                       origin, "network-key");
          return FALSE;
        }
      shoald_config_set_network_key_file (self, NULL);
      self->network_key = g_strstrip (g_steal_pointer (&key));
    }

  if (g_key_file_has_key (keyfile, GROUP, "network-key-file", NULL))
    {
      g_autofree gchar *path = g_key_file_get_string (keyfile, GROUP, "network-key-file", NULL);

      shoald_config_set_network_key_file (self, path != NULL ? path : "");
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
 * Checks what can be checked before the node starts: the name, the
 * heartbeat, and that the trust policy has the network key it needs, and
 * only then; reads the network key file. Static peers are checked as they
 * are handed to the node.
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

  for (guint i = 0; self->groups != NULL && self->groups[i] != NULL; i++)
    {
      if (!shoal_group_name_is_valid (self->groups[i]))
        {
          g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                       _("Invalid group “%s”: a group name is 1 to 255 bytes of UTF-8"),
                       self->groups[i]);
          return FALSE;
        }
      if (i >= 256)
        {
          g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                               _("Too many groups: a node may be in at most 256"));
          return FALSE;
        }
    }

  if (self->heartbeat_timeout_ms <= self->heartbeat_interval_ms)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("Invalid heartbeat: the timeout (%u ms) must be longer than the interval (%u ms)"),
                   self->heartbeat_timeout_ms, self->heartbeat_interval_ms);
      return FALSE;
    }

  if (self->trust_policy != SHOAL_TRUST_POLICY_NETWORK_KEY &&
      (self->network_key != NULL || self->network_key_file != NULL))
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                           _("A network key is set but the trust policy is not network-key; "
                             "set trust-policy=network-key or pass --trust-policy network-key"));
      return FALSE;
    }

  /* The node reads the file itself (shoal_node_set_network_key_file()). */
  if (self->network_key_file != NULL && *self->network_key_file == '\0')
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("Invalid network key file: the path is empty"));
      return FALSE;
    }

  if (self->trust_policy == SHOAL_TRUST_POLICY_NETWORK_KEY && self->network_key == NULL &&
      self->network_key_file == NULL)
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                           _("The network-key trust policy needs a network key: set network-key-file "
                             "in the config file or pass --network-key-file; make a key with "
                             "“shoal key generate”"));
      return FALSE;
    }

  return TRUE;
}
