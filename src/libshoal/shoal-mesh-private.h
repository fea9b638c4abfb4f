/* shoal-mesh-private.h: what the mesh's three files share (private)
 *
 * The mesh is one object in several files: shoal-mesh.c holds the object,
 * its API and the peers; shoal-mesh-targets.c what discovery reports and the
 * dials it leads to; shoal-mesh-secure.c the connections, from TLS to a
 * link; shoal-mesh-links.c the links, to their end, and the one-link rule;
 * shoal-mesh-delivery.c the messages; shoal-mesh-network.c what a change of
 * the machine's network does; shoal-mesh-paths.c the interfaces links may
 * use and each link's path.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-delivery.h"
#include "shoal-dialer.h"
#include "shoal-holds.h"
#include "shoal-mesh.h"
#include "shoal-tls.h"

G_BEGIN_DECLS

/* What one discovery backend reports under one key. */
typedef struct {
  gchar     *key;        /* (owned) unique within the mesh */
  gchar     *peer_id;    /* (owned) (nullable) from discovery or learnt by handshake */
  gchar     *name;       /* (owned) (nullable) as discovery reports it */
  GPtrArray *addresses;  /* (owned) (element-type GInetSocketAddress) */
  gboolean     is_self;
  gboolean     id_learnt;  /* @peer_id is what a link proved, not what discovery said */
  ShoalMesh   *mesh;       /* (unowned) */
  ShoalDialer *dialer;     /* (owned) used while @peer_id is unknown */
  gboolean     said_unreachable;  /* logged, until a link comes up */
  gchar       *last_error;  /* (owned) (nullable) why the last dial failed, while @peer_id is unknown */
} Target;

/* Everything the mesh knows about one peer id. */
typedef struct {
  ShoalPeer          *peer;          /* (owned) */
  ShoalLink          *link;          /* (owned) (nullable) the live link */
  GPtrArray          *targets;       /* (element-type Target) (unowned) */
  GInetSocketAddress *link_address;  /* (owned) (nullable) learnt from an inbound link */
  gchar              *hello_name;    /* (owned) (nullable) from the live link's hello */
  gboolean            ever_connected;
  gboolean            pending;       /* proved its id; the allow-list keeps it out */
  gboolean            awaiting;      /* trusted here; the peer's allow-list keeps us out */
  gboolean            said_unreachable; /* logged, until a link comes up */
  gboolean            cut_without_goodbye; /* the link that just closed said nothing */
  gboolean            dial_beside;   /* the live link stalled: the next dial goes ahead */
  guint32             dial_generation; /* the dial under way replaces a stalled link of
                                          this generation - 1; 0 for any other dial */
  GSource            *relink_source; /* (owned) (nullable) the peer dropped a duplicate link */
  gchar              *relink_reason; /* (owned) (nullable) why, if no link replaces it */
  ShoalOutStream      out;           /* what it was sent and has not acknowledged */
  ShoalInStream      *in;            /* (unowned) what it sent that was handed on, kept in
                                        the mesh's @inbound, which outlives the entry */
  gint64              down_since;    /* monotonic; 0 while it has a link */
  gboolean            gave_up;       /* the delivery timeout ran out since its last link */
  GSource            *give_up_source; /* (owned) (nullable) the delivery timeout */
  ShoalMesh          *mesh;          /* (unowned) */
  ShoalDialer        *dialer;        /* (owned) */
  GHashTable         *groups;        /* (owned) (nullable) the groups the peer last said it is in */
} PeerEntry;

/* The mesh's bookkeeping for a link, alive until the link is closed. */
typedef struct {
  ShoalMesh *mesh;       /* (unowned) */
  ShoalLink *link;       /* (owned) */
  ShoalPeer *peer;       /* (owned) (nullable) set once established */
  PeerEntry *entry;      /* (unowned) (nullable) @peer's entry once looked up, for the
                            messages and acks it carries; cleared when the entry goes */
  gchar     *owner_key;  /* (owned) (nullable) the entry id or target key that dialled it */
  gboolean   owner_is_target;
  gchar     *fingerprint; /* (owned) of the key TLS proved */
  gchar     *peer_id;     /* (owned) the id TLS proved */
  guint32    generation;  /* the HELLO's generation, if we dialled it (section 11.4) */
} LinkRecord;

/* A connection whose TLS handshake is under way. It counts as a link
 * against the limit, since a stranger can open many. */
typedef struct {
  ShoalMesh         *mesh;         /* (owned) alive until the handshake reports */
  GSocketConnection *connection;   /* (owned) */
  GCancellable      *cancellable;  /* (owned) */
  gboolean           outbound;
  gchar             *owner_key;    /* (owned) (nullable) as in LinkRecord */
  gboolean           owner_is_target;
} Securing;

struct _ShoalMesh
{
  GObject               parent_instance;

  gchar                *local_id;      /* (owned) */
  ShoalHello            hello;         /* (owned) our hello but for accept and proof */
  GTlsCertificate      *certificate;   /* (owned) ours, with the key */
  gchar                *fingerprint;   /* (owned) ours */
  ShoalTrust           *trust;         /* (owned) */
  ShoalLinkConfig       config;
  GMainContext         *context;       /* (owned) */
  GSocketClient        *client;        /* (owned) */
  gboolean              open;          /* dialling and redialling; FALSE once closing */

  GListStore           *peers;         /* (owned) (element-type ShoalPeer) shared with the node */
  GHashTable           *entries;       /* (owned) id (unowned) → PeerEntry (owned) */
  GHashTable           *targets;       /* (owned) key (unowned) → Target (owned) */
  GHashTable           *links;         /* (owned) ShoalLink (unowned) → LinkRecord (owned) */
  GHashTable           *securing;      /* (owned) set of Securing (owned) */

  ShoalMeshMessageFunc  message_func;
  gpointer              message_data;
  ShoalMeshReportFunc   report_func;
  gpointer              report_data;
  ShoalMeshGroupFunc    group_func;
  gpointer              group_data;
  GHashTable           *group_members;  /* (owned) (nullable) name (from shoal_group_name_new(), owned) →
                                           GPtrArray of PeerEntry (unowned): who is in each
                                           group; kept messages share the name */
  const gchar          *last_group;     /* (nullable) a key of @group_members, the group
                                           looked up last, and its members: a run of
                                           messages to one group looks it up once */
  GPtrArray            *last_members;

  guint64               next_message_id;
  gsize                 queued_bytes;        /* not acknowledged, every peer */
  gsize                 max_peer_bytes;
  gsize                 max_total_bytes;
  guint                 delivery_timeout_ms;
  gboolean              receive_paused;
  GHashTable           *inbound;             /* (owned) id (owned) → ShoalInStream (owned) */

  gchar                *id_elsewhere;  /* (owned) (nullable) a machine that proved our id */
  GHashTable           *said_clones;   /* (owned) addresses already reported */

  GNetworkMonitor      *monitor;       /* (owned) (nullable) until closed */
  gulong                network_changed_id;
  ShoalHolds           *holds;         /* (owned) (nullable) peers a person disconnected */
  GHashTable           *connects;      /* (owned) key (unowned) → ConnectRequest (owned) */
  guint                 next_connect;
  struct _ShoalMeshHints *hints;       /* (owned) refuted addresses, peer exchange, cache */
  struct _ShoalMeshPaths *paths;       /* (owned) (nullable) the interface settings */

  GTask                *close_task;    /* (owned) (nullable) */
  GSource              *close_timeout; /* (owned) (nullable) */
};

enum {
  SHOAL_MESH_SIGNAL_PEER_ADDED,
  SHOAL_MESH_SIGNAL_PEER_REMOVED,
  SHOAL_MESH_SIGNAL_PEER_CONNECTED,
  SHOAL_MESH_SIGNAL_PEER_DISCONNECTED,
  SHOAL_MESH_SIGNAL_PEER_PENDING,
  SHOAL_MESH_N_SIGNALS
};

extern guint shoal_mesh_signals[SHOAL_MESH_N_SIGNALS];

/* shoal-mesh-network.c: interfaces and addresses that change */
void       shoal_mesh_watch_network           (ShoalMesh          *self);
void       shoal_mesh_unwatch_network         (ShoalMesh          *self);

/* shoal-mesh-paths.c: interfaces, and the path of each peer's link */
typedef struct _ShoalMeshPaths ShoalMeshPaths;

void       shoal_mesh_paths_free              (ShoalMeshPaths     *paths);
void       shoal_mesh_paths_check_names       (ShoalMesh          *self);
void       shoal_mesh_paths_update            (PeerEntry          *entry);
gboolean   shoal_mesh_paths_refuse_inbound    (ShoalMesh          *self,
                                               GSocketConnection  *connection);

/* shoal-mesh.c: peers */
guint32    shoal_mesh_scope_id                (GInetSocketAddress *address);
PeerEntry *shoal_mesh_ensure_entry            (ShoalMesh          *self,
                                               const gchar        *peer_id);
GPtrArray *shoal_mesh_entry_addresses         (PeerEntry          *entry);
void       shoal_mesh_entry_update_addresses  (PeerEntry          *entry);
void       shoal_mesh_entry_update_name       (PeerEntry          *entry);
void       shoal_mesh_entry_update_state      (PeerEntry          *entry);
gboolean   shoal_mesh_entry_check_gone        (ShoalMesh          *self,
                                               PeerEntry          *entry);
void       shoal_mesh_check_close_done        (ShoalMesh          *self);

/* shoal-mesh-targets.c: discovery and dialling */
extern const ShoalDialerCallbacks shoal_mesh_entry_dialer_callbacks;

void       shoal_mesh_target_free             (Target             *target);
void       shoal_mesh_owner_dial_failed       (ShoalMesh          *self,
                                               const gchar        *owner_key,
                                               gboolean            owner_is_target,
                                               const gchar        *why);
void       shoal_mesh_maybe_dial_entry        (ShoalMesh          *self,
                                               PeerEntry          *entry,
                                               guint               at_least_ms);
void       shoal_mesh_maybe_dial_target       (ShoalMesh          *self,
                                               Target             *target);
void       shoal_mesh_target_detach           (ShoalMesh          *self,
                                               Target             *target);
void       shoal_mesh_cancel_dialers          (ShoalMesh          *self);

/* shoal-mesh-hints.c: refuted addresses, peer exchange, the address cache */
typedef struct _ShoalMeshHints ShoalMeshHints;

void       shoal_mesh_hints_init              (ShoalMesh          *self);
void       shoal_mesh_hints_stop              (ShoalMesh          *self);
void       shoal_mesh_hints_free              (ShoalMesh          *self);
GPtrArray *shoal_mesh_hints_filter            (ShoalMesh          *self,
                                               const gchar        *peer_id,
                                               GPtrArray          *addresses,
                                               gboolean            from_this_host);
void       shoal_mesh_hints_refute            (ShoalMesh          *self,
                                               const gchar        *peer_id,
                                               GSocketConnection  *connection);
gboolean   shoal_mesh_hints_is_hint           (const Target       *target);
void       shoal_mesh_hints_links_changed     (ShoalMesh          *self);
void       shoal_mesh_hints_link_adopted      (ShoalMesh          *self,
                                               PeerEntry          *entry,
                                               ShoalLink          *link);
void       shoal_mesh_hints_peer_lost         (ShoalMesh          *self,
                                               const gchar        *peer_id);
void       shoal_mesh_hints_received          (ShoalMesh          *self,
                                               LinkRecord         *record,
                                               GBytes             *body);

/* shoal-mesh-secure.c: connections, up to a link */
void       shoal_mesh_secure_connection       (ShoalMesh          *self,
                                               GSocketConnection  *connection,
                                               gboolean            outbound,
                                               const gchar        *owner_key,
                                               gboolean            owner_is_target,
                                               const gchar        *expected_id);
void       shoal_mesh_cancel_handshakes       (ShoalMesh          *self);
GBytes    *shoal_mesh_encode_hello            (ShoalMesh          *self,
                                               GBytes             *channel_binding,
                                               gboolean            accept,
                                               gboolean            connect,
                                               guint32             generation);
void       shoal_mesh_target_learn_id         (ShoalMesh          *self,
                                               Target             *target,
                                               const gchar        *peer_id,
                                               const gchar        *fingerprint);

/* shoal-mesh-links.c: links */
void       shoal_mesh_add_link                (ShoalMesh          *self,
                                               Securing           *securing,
                                               ShoalTlsPeer       *peer,
                                               gboolean            accept);
void       shoal_mesh_entry_set_identity      (ShoalMesh          *self,
                                               PeerEntry          *entry,
                                               const gchar        *fingerprint);
GPtrArray *shoal_mesh_links_snapshot          (ShoalMesh          *self);
guint32    shoal_mesh_link_generation         (ShoalMesh          *self,
                                               ShoalLink          *link);
void       shoal_mesh_close_links_of          (ShoalMesh          *self,
                                               const gchar        *peer_id,
                                               ShoalGoodbyeCode    code,
                                               const gchar        *message);
void       shoal_mesh_abort_all_links         (ShoalMesh          *self);
void       shoal_mesh_end_replacements        (ShoalMesh          *self);

/* shoal-mesh-control.c: Connect, Disconnect and held peers */
gboolean   shoal_mesh_is_held                 (ShoalMesh          *self,
                                               const gchar        *peer_id);
gboolean   shoal_mesh_is_connect_key          (const gchar        *owner_key);
gboolean   shoal_mesh_refuses_held            (ShoalMesh          *self,
                                               gboolean            outbound,
                                               const gchar        *owner_key,
                                               const gchar        *peer_id);
void       shoal_mesh_held_by_peer            (ShoalMesh          *self,
                                               PeerEntry          *entry);
gboolean   shoal_mesh_control_link_up         (ShoalMesh          *self,
                                               ShoalLink          *link,
                                               const gchar        *owner_key,
                                               PeerEntry          *entry);
void       shoal_mesh_refused_as_held         (ShoalMesh          *self,
                                               ShoalLink          *link,
                                               const gchar        *owner_key,
                                               const gchar        *peer_id);
gboolean   shoal_mesh_connect_finds_link      (ShoalMesh          *self,
                                               const gchar        *owner_key,
                                               const gchar        *peer_id);
gboolean   shoal_mesh_connect_failed          (ShoalMesh          *self,
                                               const gchar        *owner_key,
                                               const gchar        *why);
void       shoal_mesh_fail_connects           (ShoalMesh          *self);

/* shoal-mesh-delivery.c: messages */
ShoalInStream *shoal_mesh_in_stream           (ShoalMesh          *self,
                                               const gchar        *peer_id);
void       shoal_mesh_delivery_fail_all       (ShoalMesh          *self,
                                               PeerEntry          *entry,
                                               const gchar        *reason);
void       shoal_mesh_delivery_link_adopted   (ShoalMesh          *self,
                                               PeerEntry          *entry);
void       shoal_mesh_delivery_link_lost      (ShoalMesh          *self,
                                               PeerEntry          *entry);
void       shoal_mesh_delivery_receive        (ShoalMesh          *self,
                                               LinkRecord         *record,
                                               ShoalFrameType      type,
                                               guint64             seq,
                                               GBytes             *payload,
                                               const gchar        *group);
gboolean   shoal_mesh_delivery_check_room     (ShoalMesh          *self,
                                               PeerEntry          *entry,
                                               gsize               payload_size,
                                               GError            **error);
void       shoal_mesh_delivery_enqueue        (ShoalMesh          *self,
                                               PeerEntry          *entry,
                                               guint64             id,
                                               GBytes             *payload,
                                               ShoalFrameType      type,
                                               const gchar        *group);
gboolean   shoal_mesh_delivery_acked          (ShoalMesh          *self,
                                               LinkRecord         *record,
                                               guint64             seq);

/* Whether the peer has a link, or will have one back at once (a relink
 * is pending). Inline: broadcasts and group messages ask it of every
 * recipient of every message. */
static inline gboolean
shoal_mesh_entry_is_reachable (PeerEntry *entry)
{
  return entry->link != NULL || entry->relink_source != NULL;
}

/* Whether a message for @entry is kept, as shoal_mesh_send() keeps it: the
 * peer is let in on both sides and is connected, or out of reach for less
 * than the delivery timeout. */
static inline gboolean
shoal_mesh_entry_takes_messages (ShoalMesh *self,
                                 PeerEntry *entry)
{
  if (entry->pending || entry->awaiting)
    return FALSE;
  if (shoal_mesh_entry_is_reachable (entry))
    return TRUE;
  return !entry->gave_up &&
         (entry->down_since == 0 ||
          g_get_monotonic_time () - entry->down_since < (gint64) self->delivery_timeout_ms * 1000);
}

/* shoal-mesh-groups.c: this node's groups and its peers' */
void       shoal_mesh_groups_link_adopted     (ShoalMesh          *self,
                                               PeerEntry          *entry);
void       shoal_mesh_groups_changed          (ShoalMesh          *self,
                                               LinkRecord         *record,
                                               gboolean            joined,
                                               const gchar        *group);
void       shoal_mesh_groups_entry_clear      (PeerEntry          *entry);

G_END_DECLS
