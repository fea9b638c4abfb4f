/* shoal-discovery-avahi.c: peers over mDNS/DNS-SD through avahi-daemon
 *
 * The object and what shoal doctor asks of it. The client and the browser
 * are in shoal-discovery-avahi-client.c, the announcement (the entry group)
 * in shoal-discovery-avahi-publish.c; the records the browser reports, and
 * the table that turns them into one peer per id, are in
 * shoal-discovery-avahi-records.c. What a record says (its TXT keys, its
 * addresses and their order) is read in shoal-dns-sd.c, which needs no
 * daemon.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include <avahi-common/error.h>

#include "shoal-discovery-avahi-private.h"
#include "shoal-dns-sd.h"
#include "shoal-enums.h"
#include "shoal-interfaces.h"
#include "shoal-peer-private.h"
#include "shoal-source.h"
#include "shoal-error.h"

/* How long avahi-daemon may take to establish our announcement (probing
 * takes about a second) before the node says that it is stuck. */
#define STUCK_SECONDS 5

/* Sessions of other machines that announce our id, each reported once. */
#define MAX_CLONES_SAID 16
/**
 * ShoalDiscoveryAvahi:
 *
 * Announces the node as a `_shoal._tcp` DNS-SD service and reports every
 * other Shoal node that avahi-daemon sees, one peer per peer id, with the
 * union of its addresses over every interface and address family.
 *
 * avahi-daemon may be missing when the backend starts and may leave and come
 * back at any time: the client is created with %AVAHI_CLIENT_NO_FAIL and
 * rebuilt whenever it fails, so discovery resumes on its own.
 */

typedef enum {
  PROP_STATE = 1,
  PROP_SERVICE_NAME,
  PROP_SERVICES_SEEN,
  PROP_OWN_SERVICE_SEEN,
  PROP_ID_ELSEWHERE,
} ShoalDiscoveryAvahiProperty;

static GParamSpec *props[PROP_ID_ELSEWHERE + 1] = { NULL, };

static void shoal_discovery_avahi_iface_init (ShoalDiscoveryInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalDiscoveryAvahi, shoal_discovery_avahi, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_DISCOVERY,
                                                      shoal_discovery_avahi_iface_init))

static gboolean
stuck_cb (gpointer user_data)
{
  ShoalDiscoveryAvahi *self = user_data;

  g_clear_pointer (&self->stuck_timer, g_source_unref);
  if (self->said_stuck)
    return G_SOURCE_REMOVE;

  /* Our records are not probed and do not wait for the machine's host name
   * (shoal-discovery-avahi-publish.c): registering this long means
   * avahi-daemon cannot announce them at all, or keeps meeting copies. */
  self->said_stuck = TRUE;
  g_message (_("mDNS: the announcement of “%s” is not established after %u s: no peer can "
               "find this node yet. Another host may be taking the same names, or multicast "
               "is blocked on this network"),
             self->instance != NULL ? self->instance : self->name, STUCK_SECONDS);
  return G_SOURCE_REMOVE;
}

void
shoal_discovery_avahi_set_state (ShoalDiscoveryAvahi      *self,
           ShoalDiscoveryAvahiState  state)
{
  /* Registering (or colliding) for long is worth a word; each such spell
   * is timed from its start, however often it moves between the two. */
  if (state == SHOAL_DISCOVERY_AVAHI_STATE_REGISTERING ||
      state == SHOAL_DISCOVERY_AVAHI_STATE_COLLISION)
    {
      if (self->stuck_timer == NULL && self->context != NULL)
        self->stuck_timer = shoal_timeout_attach (self->context, STUCK_SECONDS * 1000, stuck_cb,
                                                  self, NULL, "[shoal] avahi stuck");
    }
  else
    {
      shoal_source_clear (&self->stuck_timer);
      if (state == SHOAL_DISCOVERY_AVAHI_STATE_RUNNING)
        {
          if (self->said_stuck)
            g_message (_("mDNS: this node is announced now"));
          self->said_stuck = FALSE;
        }
    }

  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

void
shoal_discovery_avahi_set_service_name (ShoalDiscoveryAvahi *self,
                  const gchar         *name)
{
  if (g_strcmp0 (self->service_name, name) == 0)
    return;

  g_free (self->service_name);
  self->service_name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SERVICE_NAME]);
}

/* Counts the services the browser lists, by name: ours, others', and
 * where another machine announces our id. */
void
shoal_discovery_avahi_update_seen (ShoalDiscoveryAvahi *self)
{
  g_autoptr(GHashTable) others = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree gchar *elsewhere = NULL;
  gboolean own = FALSE;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Record *record = value;

      if (record->own)
        own = TRUE;
      else
        g_hash_table_add (others, record->name);
      if (record->clone && record->address != NULL && elsewhere == NULL)
        elsewhere = shoal_socket_address_to_string (record->address);
    }

  g_object_freeze_notify (G_OBJECT (self));
  if (self->services_seen != g_hash_table_size (others))
    {
      self->services_seen = g_hash_table_size (others);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SERVICES_SEEN]);
    }
  if (self->own_service_seen != own)
    {
      self->own_service_seen = own;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_OWN_SERVICE_SEEN]);
    }
  if (g_strcmp0 (self->id_elsewhere, elsewhere) != 0)
    {
      g_free (self->id_elsewhere);
      self->id_elsewhere = g_steal_pointer (&elsewhere);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ID_ELSEWHERE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* Whether a machine without this node's own id answers mDNS for it. Our
 * own record comes back with our session; one from this machine with
 * another session is a leftover, not a copy. */
gboolean
shoal_discovery_avahi_is_clone (ShoalDiscoveryAvahi *self,
          const gchar         *session_id,
          GInetSocketAddress  *address)
{
  g_autoptr(GPtrArray) interfaces = NULL;

  if (g_strcmp0 (session_id, self->session_id) == 0 || address == NULL)
    return FALSE;

  interfaces = shoal_interfaces_list ();
  return !shoal_interfaces_have_address (interfaces, g_inet_socket_address_get_address (address));
}

void
shoal_discovery_avahi_say_clone (ShoalDiscoveryAvahi *self,
           const gchar         *name,
           const gchar         *session_id,
           GInetSocketAddress  *address)
{
  g_autofree gchar *where = shoal_socket_address_to_string (address);

  if (session_id == NULL || g_hash_table_contains (self->said_clones, session_id))
    return;
  if (g_hash_table_size (self->said_clones) >= MAX_CLONES_SAID)
    g_hash_table_remove_all (self->said_clones);
  g_hash_table_add (self->said_clones, g_strdup (session_id));

  g_message (_("Another machine, at %s, announces this node's own id %s as “%s”: its state "
               "directory was copied from this one. Give that machine a state directory of its "
               "own (remove key.pem there), so that it makes its own key and id"),
             where, self->id, name);
}


static void
shoal_discovery_avahi_stop (ShoalDiscovery *discovery)
{
  ShoalDiscoveryAvahi *self = SHOAL_DISCOVERY_AVAHI (discovery);

  if (!self->running)
    return;

  self->running = FALSE;
  g_debug ("Avahi: stopping");

  shoal_source_clear (&self->reconnect);
  shoal_source_clear (&self->stuck_timer);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  /* Freeing the entry group withdraws it: avahi-daemon sends goodbyes. */
  shoal_discovery_avahi_drop_daemon_objects (self, FALSE);
  g_clear_pointer (&self->client, avahi_client_free);
  g_clear_pointer (&self->poll, avahi_glib_poll_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  shoal_discovery_avahi_set_state (self, SHOAL_DISCOVERY_AVAHI_STATE_OFF);
}

static void
shoal_discovery_avahi_start (ShoalDiscovery *discovery,
                             const gchar    *id,
                             const gchar    *session_id,
                             const gchar    *name,
                             guint16         port)
{
  ShoalDiscoveryAvahi *self = SHOAL_DISCOVERY_AVAHI (discovery);

  g_return_if_fail (shoal_peer_id_is_valid (id));
  g_return_if_fail (session_id != NULL);
  g_return_if_fail (!self->running);

  g_free (self->id);
  self->id = g_strdup (id);
  g_free (self->session_id);
  self->session_id = g_strdup (session_id);
  g_free (self->name);
  /* Port 0 has nothing to announce: browse only. */
  self->name = (name != NULL && port != 0) ? g_strdup (name) : NULL;
  self->port = port;
  /* Made from the name and id by the first announcement. */
  g_clear_pointer (&self->instance, g_free);
  g_clear_pointer (&self->host, g_free);
  self->connected = FALSE;
  self->said_host_stuck = FALSE;
  self->said_waiting = FALSE;
  self->daemon_was_running = FALSE;
  self->said_stuck = FALSE;
  self->said_collisions = FALSE;
  self->said_failure = FALSE;
  self->said_no_interface = FALSE;
  self->running = TRUE;

  self->context = g_main_context_ref_thread_default ();
  self->poll = avahi_glib_poll_new (self->context, G_PRIORITY_DEFAULT);

  /* Interfaces come and go; the kernel tells the monitor. */
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (shoal_discovery_avahi_network_changed_cb), self);

  g_debug ("Avahi: starting as %s (%s)", id, self->name != NULL ? self->name : "browse only");
  shoal_discovery_avahi_connect (self);
}

static void
shoal_discovery_avahi_dispose (GObject *object)
{
  ShoalDiscoveryAvahi *self = SHOAL_DISCOVERY_AVAHI (object);

  shoal_discovery_avahi_stop (SHOAL_DISCOVERY (self));

  G_OBJECT_CLASS (shoal_discovery_avahi_parent_class)->dispose (object);
}

static void
shoal_discovery_avahi_finalize (GObject *object)
{
  ShoalDiscoveryAvahi *self = SHOAL_DISCOVERY_AVAHI (object);

  g_hash_table_unref (self->records);
  g_hash_table_unref (self->peers);
  g_hash_table_unref (self->stale);
  g_hash_table_unref (self->said_clones);
  g_hash_table_unref (self->browsers);
  g_strfreev (self->only_interfaces);
  g_strfreev (self->excluded_interfaces);
  g_free (self->announced_interfaces);
  g_free (self->id);
  g_free (self->session_id);
  g_free (self->name);
  g_free (self->service_name);
  g_free (self->instance);
  g_free (self->host);
  g_free (self->id_elsewhere);

  G_OBJECT_CLASS (shoal_discovery_avahi_parent_class)->finalize (object);
}

static void
shoal_discovery_avahi_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  ShoalDiscoveryAvahi *self = SHOAL_DISCOVERY_AVAHI (object);

  switch ((ShoalDiscoveryAvahiProperty) prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_SERVICE_NAME:
      g_value_set_string (value, self->service_name);
      break;
    case PROP_SERVICES_SEEN:
      g_value_set_uint (value, self->services_seen);
      break;
    case PROP_OWN_SERVICE_SEEN:
      g_value_set_boolean (value, self->own_service_seen);
      break;
    case PROP_ID_ELSEWHERE:
      g_value_set_string (value, self->id_elsewhere);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_discovery_avahi_class_init (ShoalDiscoveryAvahiClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = shoal_discovery_avahi_get_property;
  object_class->dispose = shoal_discovery_avahi_dispose;
  object_class->finalize = shoal_discovery_avahi_finalize;

  /**
   * ShoalDiscoveryAvahi:state:
   *
   * Where the backend stands with avahi-daemon.
   */
  props[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, SHOAL_TYPE_DISCOVERY_AVAHI_STATE,
                       SHOAL_DISCOVERY_AVAHI_STATE_OFF, ro);

  /**
   * ShoalDiscoveryAvahi:service-name:
   *
   * The DNS-SD instance name under which our service is established; it
   * differs from the node's name after a collision. %NULL while none is
   * (and when browsing only).
   */
  props[PROP_SERVICE_NAME] = g_param_spec_string ("service-name", NULL, NULL, NULL, ro);

  /**
   * ShoalDiscoveryAvahi:services-seen:
   *
   * How many other `_shoal._tcp` services the browser lists now, by
   * instance name, whether or not they resolved. None while
   * #ShoalDiscoveryAvahi:own-service-seen holds suggests that multicast is
   * filtered on the network.
   */
  props[PROP_SERVICES_SEEN] = g_param_spec_uint ("services-seen", NULL, NULL, 0, G_MAXUINT, 0, ro);

  /**
   * ShoalDiscoveryAvahi:own-service-seen:
   *
   * Whether the browser lists our own announcement.
   */
  props[PROP_OWN_SERVICE_SEEN] = g_param_spec_boolean ("own-service-seen", NULL, NULL, FALSE, ro);

  /**
   * ShoalDiscoveryAvahi:id-elsewhere:
   *
   * Where another machine announces this node's own id, as "HOST:PORT":
   * its state directory was copied from this node's. %NULL when none does.
   */
  props[PROP_ID_ELSEWHERE] = g_param_spec_string ("id-elsewhere", NULL, NULL, NULL, ro);

  g_object_class_install_properties (object_class, G_N_ELEMENTS (props), props);
}

static void
shoal_discovery_avahi_iface_init (ShoalDiscoveryInterface *iface)
{
  iface->start = shoal_discovery_avahi_start;
  iface->stop = shoal_discovery_avahi_stop;
}

static void
shoal_discovery_avahi_init (ShoalDiscoveryAvahi *self)
{
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) shoal_discovery_avahi_record_free);
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) shoal_discovery_avahi_peer_free);
  self->stale = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->said_clones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->browsers = g_hash_table_new_full (NULL, NULL, NULL, shoal_discovery_avahi_browser_free);
}

/**
 * shoal_discovery_avahi_new:
 *
 * Creates an mDNS discovery backend. Nothing happens until
 * shoal_discovery_start(); a @port of 0 there browses without announcing.
 *
 * Returns: (transfer full): a new #ShoalDiscoveryAvahi
 */
ShoalDiscoveryAvahi *
shoal_discovery_avahi_new (void)
{
  return g_object_new (SHOAL_TYPE_DISCOVERY_AVAHI, NULL);
}

/**
 * shoal_discovery_avahi_get_state:
 * @self: a #ShoalDiscoveryAvahi
 *
 * Gets where the backend stands with avahi-daemon
 * (#ShoalDiscoveryAvahi:state).
 *
 * Returns: where the backend stands with avahi-daemon
 */
ShoalDiscoveryAvahiState
shoal_discovery_avahi_get_state (ShoalDiscoveryAvahi *self)
{
  g_return_val_if_fail (SHOAL_IS_DISCOVERY_AVAHI (self), SHOAL_DISCOVERY_AVAHI_STATE_OFF);

  return self->state;
}

/**
 * shoal_discovery_avahi_get_service_name:
 * @self: a #ShoalDiscoveryAvahi
 *
 * Gets the DNS-SD instance name our service is established under
 * (#ShoalDiscoveryAvahi:service-name).
 *
 * Returns: (nullable): the name our service is established under
 */
const gchar *
shoal_discovery_avahi_get_service_name (ShoalDiscoveryAvahi *self)
{
  g_return_val_if_fail (SHOAL_IS_DISCOVERY_AVAHI (self), NULL);

  return self->service_name;
}

/**
 * shoal_discovery_avahi_get_services_seen:
 * @self: a #ShoalDiscoveryAvahi
 *
 * Gets how many other Shoal services the browser lists
 * (#ShoalDiscoveryAvahi:services-seen).
 *
 * Returns: how many other Shoal services the browser lists
 */
guint
shoal_discovery_avahi_get_services_seen (ShoalDiscoveryAvahi *self)
{
  g_return_val_if_fail (SHOAL_IS_DISCOVERY_AVAHI (self), 0);

  return self->services_seen;
}

/**
 * shoal_discovery_avahi_get_own_service_seen:
 * @self: a #ShoalDiscoveryAvahi
 *
 * Gets whether the browser lists our own announcement
 * (#ShoalDiscoveryAvahi:own-service-seen).
 *
 * Returns: whether the browser lists our own announcement
 */
gboolean
shoal_discovery_avahi_get_own_service_seen (ShoalDiscoveryAvahi *self)
{
  g_return_val_if_fail (SHOAL_IS_DISCOVERY_AVAHI (self), FALSE);

  return self->own_service_seen;
}

/**
 * shoal_discovery_avahi_get_id_elsewhere:
 * @self: a #ShoalDiscoveryAvahi
 *
 * Gets where another machine announces this node's own id
 * (#ShoalDiscoveryAvahi:id-elsewhere).
 *
 * Returns: (nullable): where another machine announces this node's id
 */
const gchar *
shoal_discovery_avahi_get_id_elsewhere (ShoalDiscoveryAvahi *self)
{
  g_return_val_if_fail (SHOAL_IS_DISCOVERY_AVAHI (self), NULL);

  return self->id_elsewhere;
}
