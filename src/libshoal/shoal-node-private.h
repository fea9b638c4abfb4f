/* shoal-node-private.h: what tests may ask a node that users need not
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-credentials.h"
#include "shoal-discovery-avahi.h"
#include "shoal-state-lock.h"
#include "shoal-mesh.h"
#include "shoal-node.h"
#include "shoal-trust.h"

G_BEGIN_DECLS

guint       shoal_node_count_links          (ShoalNode        *self,
                                             gboolean          established_only);
guint       shoal_node_count_dials          (ShoalNode        *self);
void        shoal_node_sever_links          (ShoalNode        *self);
void        shoal_node_stall_links          (ShoalNode        *self);
void        shoal_node_set_acknowledging    (ShoalNode        *self,
                                             gboolean          acknowledging);

/* Between shoal-node.c and shoal-node-trust.c. */
ShoalTrust *shoal_node_get_trust            (ShoalNode        *self);
ShoalMesh  *shoal_node_get_mesh             (ShoalNode        *self);
ShoalDiscoveryAvahi *shoal_node_get_avahi   (ShoalNode        *self);
void        shoal_node_store_network_key    (ShoalNode        *self,
                                             GBytes           *network_key);

/* shoal-node-interfaces.c: hands the interface settings on at start. */
void        shoal_node_apply_interfaces     (ShoalNode        *self);

/* Between shoal-node.c and shoal-node-messages.c. */
gboolean    shoal_node_is_running           (ShoalNode        *self);
guint      *shoal_node_get_receive_holds    (ShoalNode        *self);

/* Between the files of the node: shoal-node.c (the type),
 * shoal-node-start.c (start and stop),
 * shoal-node-wiring.c (mesh, discovery, listener), shoal-node-settings.c,
 * shoal-node-messages.c and shoal-node-trust.c. */
struct _ShoalNode
{
  GObject          parent_instance;

  gchar           *name;            /* (owned) */
  guint16          port;
  gchar           *state_dir;       /* (owned) */
  gchar           *listen_address;  /* (owned) (nullable) */
  gboolean         mdns;
  guint            heartbeat_interval_ms;
  guint            heartbeat_timeout_ms;
  guint            delivery_timeout_ms;
  gsize            max_queue_bytes;
  gsize            max_total_queue_bytes;
  guint            receive_holds;
  gboolean         no_acks;
  gboolean         peer_exchange;
  ShoalTrustPolicy trust_policy;
  GBytes          *network_key;     /* (owned) (nullable) */
  GStrv            interfaces;      /* (owned) (nullable) only these, if not empty */
  GStrv            excluded_interfaces; /* (owned) (nullable) never these */

  ShoalStateLock  *state_lock;      /* (owned) (nullable) while running */
  ShoalCredentials *credentials;    /* (owned) (nullable) until started */
  ShoalTrust      *trust;           /* (owned) (nullable) until started */
  gchar           *id;              /* (owned) (nullable) until started */
  gchar           *session_id;      /* (owned) (nullable) until started */
  gboolean         running;
  GCancellable    *cancellable;     /* (owned) (nullable) while running */
  GSocketListener *listener;        /* (owned) (nullable) while running */
  GSocketClient   *client;          /* (owned) */
  GListStore      *peers;           /* (owned) (element-type ShoalPeer) */
  GPtrArray       *discoveries;     /* (owned) (element-type ShoalDiscovery) */
  ShoalDiscovery  *avahi;           /* (unowned) (nullable) one of @discoveries */
  ShoalMesh       *mesh;            /* (owned) (nullable) from start until stopped */
  GStrv            groups;          /* (owned) this node's groups, sorted */
  const gchar     *message_group;   /* (unowned) (nullable) while message-received runs */
};

typedef enum {
  SHOAL_NODE_PROP_ID = 1,
  SHOAL_NODE_PROP_SESSION_ID,
  SHOAL_NODE_PROP_NAME,
  SHOAL_NODE_PROP_PORT,
  SHOAL_NODE_PROP_STATE_DIR,
  SHOAL_NODE_PROP_LISTEN_ADDRESS,
  SHOAL_NODE_PROP_MDNS,
  SHOAL_NODE_PROP_HEARTBEAT_INTERVAL,
  SHOAL_NODE_PROP_HEARTBEAT_TIMEOUT,
  SHOAL_NODE_PROP_DELIVERY_TIMEOUT,
  SHOAL_NODE_PROP_MAX_QUEUE_BYTES,
  SHOAL_NODE_PROP_MAX_TOTAL_QUEUE_BYTES,
  SHOAL_NODE_PROP_RUNNING,
  SHOAL_NODE_PROP_PEERS,
  SHOAL_NODE_PROP_TRUST_POLICY,
  SHOAL_NODE_PROP_FINGERPRINT,
  SHOAL_NODE_PROP_GROUPS,
  SHOAL_NODE_PROP_PEER_EXCHANGE,
  SHOAL_NODE_N_PROPS
} ShoalNodeProperty;

extern GParamSpec *shoal_node_props[SHOAL_NODE_N_PROPS];

enum {
  SHOAL_NODE_SIGNAL_PEER_ADDED,
  SHOAL_NODE_SIGNAL_PEER_REMOVED,
  SHOAL_NODE_SIGNAL_PEER_CONNECTED,
  SHOAL_NODE_SIGNAL_PEER_DISCONNECTED,
  SHOAL_NODE_SIGNAL_MESSAGE_RECEIVED,
  SHOAL_NODE_SIGNAL_PEER_PENDING,
  SHOAL_NODE_SIGNAL_MESSAGE_DELIVERED,
  SHOAL_NODE_SIGNAL_MESSAGE_FAILED,
  SHOAL_NODE_SIGNAL_PEER_JOINED_GROUP,
  SHOAL_NODE_SIGNAL_PEER_LEFT_GROUP,
  SHOAL_NODE_N_SIGNALS
};

extern guint shoal_node_signals[SHOAL_NODE_N_SIGNALS];

void        shoal_node_create_mesh          (ShoalNode        *self);
void        shoal_node_clear_mesh           (ShoalNode        *self);
gboolean    shoal_node_listen               (ShoalNode        *self,
                                             GError          **error);
void        shoal_node_accept_next          (ShoalNode        *self);
void        shoal_node_watch_discovery      (ShoalNode        *self,
                                             ShoalDiscovery   *discovery);

/* shoal-node-groups.c */
void        shoal_node_groups_class_init    (ShoalNodeClass   *klass);
/* shoal-node-control.c */
void        shoal_node_load_holds           (ShoalNode        *self);

G_END_DECLS
