/* shoal-peer-object-private.h: the fields of a ShoalPeer, shared by its files
 *
 * shoal-peer.c holds the type and its properties, shoal-peer-link.c what
 * the peer's link says: its path, round trip and counters.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-peer.h"

G_BEGIN_DECLS

struct _ShoalPeer
{
  GObject         parent_instance;

  gchar          *id;         /* (owned) */
  gchar          *name;       /* (owned) (nullable) */
  GStrv           addresses;  /* (owned) */
  ShoalPeerState  state;
  guint64         round_trip_time;
  gint64          last_seen;
  guint64         bytes_sent;
  guint64         bytes_received;
  guint64         messages_sent;
  guint64         messages_received;
  gboolean        trusted;
  gchar          *fingerprint;        /* (owned) (nullable) */
  gchar          *verification_code;  /* (owned) (nullable) */
  gchar          *previous_id;        /* (owned) (nullable) */
  gchar          *last_error;         /* (owned) (nullable) */
  GStrv           groups;             /* (owned) sorted */
  gchar          *interface;          /* (owned) "" without a link */
  gchar          *local_address;      /* (owned) "" without a link */
  gchar          *remote_address;     /* (owned) "" without a link */
};

typedef enum {
  PROP_ID = 1,
  PROP_NAME,
  PROP_ADDRESSES,
  PROP_STATE,
  PROP_CONNECTED,
  PROP_ROUND_TRIP_TIME,
  PROP_LAST_SEEN,
  PROP_BYTES_SENT,
  PROP_BYTES_RECEIVED,
  PROP_MESSAGES_SENT,
  PROP_MESSAGES_RECEIVED,
  PROP_TRUSTED,
  PROP_FINGERPRINT,
  PROP_VERIFICATION_CODE,
  PROP_PREVIOUS_ID,
  PROP_LAST_ERROR,
  PROP_GROUPS,
  PROP_INTERFACE,
  PROP_LOCAL_ADDRESS,
  PROP_REMOTE_ADDRESS,
} ShoalPeerProperty;

extern GParamSpec *shoal_peer_props[PROP_REMOTE_ADDRESS + 1];

void shoal_peer_set_string (ShoalPeer          *self,
                            gchar             **field,
                            const gchar        *value,
                            ShoalPeerProperty   prop);

G_END_DECLS
