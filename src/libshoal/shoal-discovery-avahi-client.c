/* shoal-discovery-avahi-client.c: a ShoalDiscoveryAvahi's client and browser
 *
 * The AvahiClient, made with AVAHI_CLIENT_NO_FAIL and made again whenever
 * it fails, what each of its states means for the announcement and the
 * browser, and what the operator is told when discovery cannot work.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include <avahi-common/error.h>

#include "shoal-discovery-avahi-private.h"
#include "shoal-dns-sd.h"
#include "shoal-interfaces.h"
#include "shoal-source.h"

/* How long the daemon's host name may stay unsettled before it is said. */
#define HOST_STUCK_SECONDS 5

/* After a new browser listed the network, how long peers seen before the
 * daemon went away have to be resolved again before they count as lost. */
#define STALE_GRACE_SECONDS 3

static void client_callback (AvahiClient      *client,
                             AvahiClientState  state,
                             void             *user_data);
static void schedule_reconnect (ShoalDiscoveryAvahi *self,
                                guint                seconds);


/* mDNS needs an interface that is up and does multicast; loopback reaches
 * no one. Said once when none is left, and once when one is back. */
static void
check_interfaces (ShoalDiscoveryAvahi *self)
{
  g_autoptr(GPtrArray) interfaces = shoal_interfaces_list ();
  gboolean usable = shoal_interfaces_any_usable (interfaces);

  if (!usable && !self->said_no_interface)
    {
      self->said_no_interface = TRUE;
      g_message (_("No network interface is up with multicast, loopback aside: mDNS can neither "
                   "announce this node nor find others. Connect to a network"));
    }
  else if (usable && self->said_no_interface)
    {
      self->said_no_interface = FALSE;
      g_message (_("A network interface with multicast is up: mDNS can reach other machines again"));
    }
}

void
shoal_discovery_avahi_network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         network_available,
                    gpointer         user_data)
{
  ShoalDiscoveryAvahi *self = user_data;

  check_interfaces (self);
  shoal_discovery_avahi_addresses_changed (self);
  /* An allowed interface that came (or went) gets its browser (or loses it). */
  if (self->client != NULL && self->connected)
    shoal_discovery_avahi_browse (self, self->client);
}

/* Whether @client talks to a daemon: in every S_ state we announce and
 * browse, whatever the daemon's own host name is doing. */
gboolean
shoal_discovery_avahi_client_connected (AvahiClient *client)
{
  AvahiClientState state = avahi_client_get_state (client);

  return state == AVAHI_CLIENT_S_RUNNING || state == AVAHI_CLIENT_S_REGISTERING ||
         state == AVAHI_CLIENT_S_COLLISION;
}

static gboolean
sweep_stale_cb (gpointer user_data)
{
  ShoalDiscoveryAvahi *self = user_data;
  g_autoptr(GPtrArray) lost = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer id;

  g_clear_pointer (&self->sweep, g_source_unref);
  g_hash_table_iter_init (&iter, self->stale);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    if (!g_hash_table_contains (self->peers, id))
      g_ptr_array_add (lost, g_strdup (id));
  g_hash_table_remove_all (self->stale);

  g_object_ref (self);
  for (guint i = 0; i < lost->len && self->running; i++)
    {
      g_debug ("Avahi: peer %s not seen again since avahi-daemon returned", (gchar *) lost->pdata[i]);
      shoal_discovery_emit_peer_lost (SHOAL_DISCOVERY (self), lost->pdata[i]);
    }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

/**
 * shoal_discovery_avahi_sweep_stale_later:
 * @self: a #ShoalDiscoveryAvahi
 *
 * Called when a new browser has listed what the network holds for now:
 * peers seen before avahi-daemon went away and not resolved again within
 * STALE_GRACE_SECONDS are reported lost then.
 */
void
shoal_discovery_avahi_sweep_stale_later (ShoalDiscoveryAvahi *self)
{
  if (g_hash_table_size (self->stale) == 0 || self->sweep != NULL)
    return;
  self->sweep = shoal_timeout_attach (self->context, STALE_GRACE_SECONDS * 1000, sweep_stale_cb,
                                      self, NULL, "[shoal] avahi stale peers");
}

static gboolean
host_stuck_cb (gpointer user_data)
{
  ShoalDiscoveryAvahi *self = user_data;

  g_clear_pointer (&self->host_stuck_timer, g_source_unref);
  self->said_host_stuck = TRUE;
  g_message (_("avahi-daemon has not established this machine's host name after %u s: another "
               "machine on the network probably has the same one (a cloned image). Shoal still "
               "announces this node under a name of its own and finds its peers; give each "
               "machine its own host name"),
             HOST_STUCK_SECONDS);
  return G_SOURCE_REMOVE;
}

/* The daemon's host name: unsettled for long is worth one word, though
 * discovery does not wait for it. */
static void
host_name_state (ShoalDiscoveryAvahi *self,
                 AvahiClientState     state)
{
  if (state == AVAHI_CLIENT_S_REGISTERING || state == AVAHI_CLIENT_S_COLLISION)
    {
      if (self->host_stuck_timer == NULL && !self->said_host_stuck)
        self->host_stuck_timer = shoal_timeout_attach (self->context, HOST_STUCK_SECONDS * 1000,
                                                       host_stuck_cb, self, NULL,
                                                       "[shoal] avahi host name");
      return;
    }

  shoal_source_clear (&self->host_stuck_timer);
  if (state == AVAHI_CLIENT_S_RUNNING && self->said_host_stuck)
    {
      self->said_host_stuck = FALSE;
      g_message (_("avahi-daemon has established this machine's host name now"));
    }
}


/* Frees every object that lives in avahi-daemon. With @keep, the peers
 * reported so far are kept as stale rather than reported lost: the daemon
 * went away, not they. Once a new browser has listed the network again,
 * those it did not find are reported lost (sweep_stale_cb()). */
void
shoal_discovery_avahi_drop_daemon_objects (ShoalDiscoveryAvahi *self,
                                           gboolean             keep)
{
  GHashTableIter iter;
  Peer *peer;

  shoal_source_clear (&self->republish);
  shoal_source_clear (&self->sweep);
  shoal_source_clear (&self->host_stuck_timer);
  g_hash_table_remove_all (self->browsers);
  g_clear_pointer (&self->group, avahi_entry_group_free);
  g_clear_pointer (&self->address_group, avahi_entry_group_free);
  g_clear_pointer (&self->published_addresses, g_free);
  self->connected = FALSE;

  g_hash_table_iter_init (&iter, self->peers);
  while (keep && g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (peer->reported)
      g_hash_table_add (self->stale, g_strdup (peer->id));
  if (!keep)
    g_hash_table_remove_all (self->stale);

  /* Records free their resolvers. */
  g_hash_table_remove_all (self->peers);
  g_hash_table_remove_all (self->records);
  shoal_discovery_avahi_set_service_name (self, NULL);
  shoal_discovery_avahi_update_seen (self);
}

static void
say_waiting (ShoalDiscoveryAvahi *self,
             const gchar         *why)
{
  if (self->said_waiting)
    return;

  self->said_waiting = TRUE;
  g_message (_("avahi-daemon is not running (%s): peers will not be discovered over mDNS until it "
               "starts. Start avahi-daemon, or name peers by address (shoald --peer HOST:PORT)"),
             why);
}

void
shoal_discovery_avahi_connect (ShoalDiscoveryAvahi *self)
{
  AvahiClient *client;
  int error = AVAHI_OK;

  g_assert (self->client == NULL);

  /* The callback runs inside avahi_client_new() already (RUNNING or
   * CONNECTING), and sets self->client from its argument. */
  client = avahi_client_new (avahi_glib_poll_get (self->poll), AVAHI_CLIENT_NO_FAIL,
                             client_callback, self, &error);
  if (client == NULL)
    {
      /* With NO_FAIL this means no system bus at all: try again later. */
      say_waiting (self, avahi_strerror (error));
      shoal_discovery_avahi_set_state (self, SHOAL_DISCOVERY_AVAHI_STATE_ABSENT);
      g_debug ("Avahi: cannot create a client: %s; retrying in %u s",
               avahi_strerror (error), RECONNECT_DELAY_SECONDS);
      schedule_reconnect (self, RECONNECT_DELAY_SECONDS);
    }
  self->client = client;
}

static gboolean
reconnect_cb (gpointer user_data)
{
  ShoalDiscoveryAvahi *self = user_data;

  g_clear_pointer (&self->reconnect, g_source_unref);
  g_clear_pointer (&self->client, avahi_client_free);
  shoal_discovery_avahi_connect (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (ShoalDiscoveryAvahi *self,
                    guint                seconds)
{
  shoal_source_clear (&self->reconnect);
  if (seconds == 0)
    {
      self->reconnect = g_idle_source_new ();
      g_source_set_callback (self->reconnect, reconnect_cb, self, NULL);
      g_source_attach (self->reconnect, self->context);
    }
  else
    {
      self->reconnect = shoal_timeout_attach (self->context, seconds * 1000, reconnect_cb, self,
                                              NULL, "[shoal] avahi reconnect");
    }
}

static void
client_callback (AvahiClient      *client,
                 AvahiClientState  state,
                 void             *user_data)
{
  ShoalDiscoveryAvahi *self = user_data;
  int error;

  /* During avahi_client_new() the pointer is not returned yet. */
  if (self->client == NULL)
    self->client = client;

  switch (state)
    {
    case AVAHI_CLIENT_S_RUNNING:
    case AVAHI_CLIENT_S_COLLISION:
    case AVAHI_CLIENT_S_REGISTERING:
      /* Browse, resolve and announce in every state the daemon answers in.
       * REGISTERING and COLLISION are about the machine's host name, which
       * our records do not use (their SRV target is a host name of our own),
       * so nothing is withdrawn or waits for it: cloned machines fight over
       * one host name for a long time. The browser lives as long as the
       * client does. */
      if (!self->connected)
        {
          if (self->daemon_was_running)
            g_message (_("avahi-daemon is back: mDNS discovery resumes"));
          else if (self->said_waiting)
            g_message (_("avahi-daemon is available: mDNS discovery starts"));
          else
            g_debug ("Avahi: avahi-daemon is running");
        }
      if (state != AVAHI_CLIENT_S_RUNNING)
        g_debug ("Avahi: the host name is %s; announcing and browsing all the same",
                 state == AVAHI_CLIENT_S_COLLISION ? "in conflict" : "being registered");
      host_name_state (self, state);
      self->connected = TRUE;
      self->daemon_was_running = TRUE;
      self->said_waiting = FALSE;
      if (self->name == NULL)
        shoal_discovery_avahi_set_state (self, SHOAL_DISCOVERY_AVAHI_STATE_RUNNING);
      check_interfaces (self);
      shoal_discovery_avahi_publish (self, client);
      shoal_discovery_avahi_browse (self, client);
      break;

    case AVAHI_CLIENT_CONNECTING:
      shoal_discovery_avahi_set_state (self, SHOAL_DISCOVERY_AVAHI_STATE_ABSENT);
      if (self->group != NULL || g_hash_table_size (self->browsers) > 0)
        {
          g_message (_("avahi-daemon went away; mDNS discovery resumes when it returns"));
          self->said_waiting = TRUE;
          g_object_ref (self);
          shoal_discovery_avahi_drop_daemon_objects (self, TRUE);
          g_object_unref (self);
        }
      else
        {
          say_waiting (self, "not running");
        }
      break;

    case AVAHI_CLIENT_FAILURE:
      shoal_discovery_avahi_set_state (self, SHOAL_DISCOVERY_AVAHI_STATE_ABSENT);
      error = avahi_client_errno (client);
      if (error == AVAHI_ERR_DISCONNECTED && self->daemon_was_running && !self->said_waiting)
        {
          g_message (_("avahi-daemon went away; mDNS discovery resumes when it returns"));
          self->said_waiting = TRUE;
        }
      else
        {
          say_waiting (self, avahi_strerror (error));
        }

      g_object_ref (self);
      shoal_discovery_avahi_drop_daemon_objects (self, TRUE);
      /* A client that failed stays failed: make a new one. It cannot be freed
       * inside its own callback, so that happens from the main loop. After
       * the daemon left, a new NO_FAIL client waits for it on the bus at once;
       * anything else (the bus itself gone) is retried after a pause. */
      if (self->running)
        schedule_reconnect (self, error == AVAHI_ERR_DISCONNECTED ? 0 : RECONNECT_DELAY_SECONDS);
      g_object_unref (self);
      break;

    default:
      break;
    }
}
