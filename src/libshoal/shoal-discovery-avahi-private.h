/* shoal-discovery-avahi-private.h: what the Avahi backend's files share (private)
 *
 * shoal-discovery-avahi.c holds the object, shoal-discovery-avahi-client.c
 * the client and the browser, shoal-discovery-avahi-publish.c the
 * announcement, shoal-discovery-avahi-records.c what the browser and the
 * resolvers report, turned into one peer per id,
 * shoal-discovery-avahi-interfaces.c which interfaces all that uses.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-glib/glib-watch.h>

#include "shoal-discovery-avahi.h"
#include "shoal-interfaces.h"

G_BEGIN_DECLS

/* How long to wait before creating a new client after a failure that is not
 * the daemon leaving the bus (the bus itself gone, a version mismatch…), and
 * before announcing again after the entry group failed. */
#define RECONNECT_DELAY_SECONDS 5

typedef struct _Peer Peer;

/* One DNS-SD service instance as the browser reports it: per interface, per
 * protocol. Several records make up one peer. */
typedef struct
{
  ShoalDiscoveryAvahi  *self;        /* (unowned) */
  gchar                *key;         /* (owned) */
  AvahiIfIndex          interface;
  AvahiProtocol         protocol;
  gchar                *name;        /* (owned) service instance name */
  gchar                *domain;      /* (owned) */
  AvahiServiceResolver *resolver;    /* (owned) (nullable) while resolving */
  GSource              *retry;       /* (owned) (nullable) */
  guint                 attempts;

  /* What the last successful resolution said */
  gboolean              own;         /* our own announcement */
  gboolean              clone;       /* another machine announcing our id */
  Peer                 *peer;        /* (unowned) (nullable) */
  gchar                *session_id;  /* (owned) (nullable) */
  GInetSocketAddress   *address;     /* (owned) (nullable) */
  guint64               resolved_seq;

  /* Every address of the SRV target on this interface and protocol: the
   * resolver gives one, a host with several has them all listed here. */
  gchar                *host_name;   /* (owned) (nullable) */
  guint16               port;
  AvahiRecordBrowser   *host_browser; /* (owned) (nullable) */
  GPtrArray            *host_addresses; /* (owned) (element-type GInetSocketAddress) */
} Record;

struct _Peer
{
  gchar     *id;                     /* (owned) */
  GPtrArray *records;                /* (owned) (element-type Record) records unowned */

  /* What peer-found last said, to emit again only on a change */
  gboolean   reported;
  gchar     *reported_name;          /* (owned) (nullable) */
  gchar     *reported_session_id;    /* (owned) (nullable) */
  gchar     *reported_addresses;     /* (owned) (nullable) */
};

struct _ShoalDiscoveryAvahi
{
  GObject              parent_instance;

  gboolean             running;
  gchar               *id;           /* (owned) */
  gchar               *session_id;   /* (owned) */
  gchar               *name;         /* (owned) (nullable) the name we announce, NULL: browse only */
  guint16              port;

  GMainContext        *context;      /* (owned) */
  AvahiGLibPoll       *poll;         /* (owned) */
  AvahiClient         *client;       /* (owned) (nullable) */
  AvahiEntryGroup     *group;        /* (owned) (nullable) our service's records */
  AvahiEntryGroup     *address_group; /* (owned) (nullable) our host name's addresses */
  gchar               *instance;     /* (owned) (nullable) our instance name, "name id" */
  gchar               *host;         /* (owned) (nullable) our SRV target's label, "shoal-ID-SESSION" */
  gchar               *published_addresses; /* (owned) (nullable) as list_addresses() said */
  gboolean             connected;    /* the client talks to a daemon (an S_ state) */
  gboolean             probe;        /* the bench's baseline: probe the service first */
  GHashTable          *browsers;     /* (owned) AvahiIfIndex → AvahiServiceBrowser (owned):
                                        one on every interface, or one per allowed one */
  GStrv                only_interfaces;     /* (owned) (nullable) announce and browse only there */
  GStrv                excluded_interfaces; /* (owned) (nullable) and never there */
  gchar               *announced_interfaces; /* (owned) (nullable) where our records went, as
                                              shoal_discovery_avahi_describe_indices() said */
  GSource             *reconnect;    /* (owned) (nullable) */
  GSource             *republish;    /* (owned) (nullable) */

  GHashTable          *records;      /* (owned) key → (owned) Record */
  GHashTable          *peers;        /* (owned) id → (owned) Peer */
  GHashTable          *stale;        /* (owned) ids reported before the daemon went away */
  GSource             *sweep;        /* (owned) (nullable) reports the stale ones lost */
  guint64              resolve_seq;

  /* What shoal doctor asks: the read-only properties */
  ShoalDiscoveryAvahiState state;
  gchar               *service_name;  /* (owned) (nullable) as established */
  guint                services_seen;
  gboolean             own_service_seen;
  gchar               *id_elsewhere;  /* (owned) (nullable) */

  /* So that the operator reads each outage once, not once per retry */
  guint                collisions;    /* in a row, since the name was last established */
  gboolean             said_waiting;
  gboolean             daemon_was_running;
  GSource             *stuck_timer;   /* (owned) (nullable) registering since a while */
  gboolean             said_stuck;
  gboolean             said_collisions;
  gboolean             said_failure;
  gboolean             said_no_interface;
  GSource             *host_stuck_timer; /* (owned) (nullable) the daemon's host name unsettled */
  gboolean             said_host_stuck;
  GHashTable          *said_clones;   /* (owned) session ids reported */
  GNetworkMonitor     *monitor;       /* (owned) (nullable) while running */
};

/* shoal-discovery-avahi.c */
void     shoal_discovery_avahi_set_state   (ShoalDiscoveryAvahi      *self,
                                            ShoalDiscoveryAvahiState  state);
void     shoal_discovery_avahi_set_service_name (ShoalDiscoveryAvahi *self,
                                                 const gchar         *name);
void     shoal_discovery_avahi_update_seen (ShoalDiscoveryAvahi *self);
gboolean shoal_discovery_avahi_is_clone    (ShoalDiscoveryAvahi *self,
                                            const gchar         *session_id,
                                            GInetSocketAddress  *address);
void     shoal_discovery_avahi_say_clone   (ShoalDiscoveryAvahi *self,
                                            const gchar         *name,
                                            const gchar         *session_id,
                                            GInetSocketAddress  *address);

/* shoal-discovery-avahi-client.c */
gboolean shoal_discovery_avahi_client_connected (AvahiClient    *client);
void     shoal_discovery_avahi_connect     (ShoalDiscoveryAvahi *self);
void     shoal_discovery_avahi_drop_daemon_objects (ShoalDiscoveryAvahi *self,
                                                    gboolean             keep);
void     shoal_discovery_avahi_sweep_stale_later   (ShoalDiscoveryAvahi *self);
void     shoal_discovery_avahi_network_changed_cb  (GNetworkMonitor *monitor,
                                                    gboolean         network_available,
                                                    gpointer         user_data);

/* shoal-discovery-avahi-publish.c */
void     shoal_discovery_avahi_publish     (ShoalDiscoveryAvahi *self,
                                            AvahiClient         *client);
void     shoal_discovery_avahi_addresses_changed (ShoalDiscoveryAvahi *self);
void     shoal_discovery_avahi_set_probe   (ShoalDiscoveryAvahi *self,
                                            gboolean             probe);

/* shoal-discovery-avahi-interfaces.c */
gboolean shoal_discovery_avahi_interface_is_allowed (ShoalDiscoveryAvahi  *self,
                                                     const ShoalInterface *interface);
void     shoal_discovery_avahi_browser_free         (gpointer             browser);
GArray  *shoal_discovery_avahi_interface_indices    (ShoalDiscoveryAvahi *self);
gchar   *shoal_discovery_avahi_describe_indices     (GArray              *indices);
void     shoal_discovery_avahi_browse               (ShoalDiscoveryAvahi *self,
                                                     AvahiClient         *client);

/* shoal-discovery-avahi-records.c */
void     shoal_discovery_avahi_peer_free   (Peer                *peer);
void     shoal_discovery_avahi_record_free (Record              *record);
void     shoal_discovery_avahi_browser_callback (AvahiServiceBrowser    *browser,
                                                 AvahiIfIndex            interface,
                                                 AvahiProtocol           protocol,
                                                 AvahiBrowserEvent       event,
                                                 const char             *name,
                                                 const char             *type,
                                                 const char             *domain,
                                                 AvahiLookupResultFlags  flags,
                                                 void                   *user_data);

G_END_DECLS
