/* shoal-frame.h: the protocol v2 wire codec (private)
 *
 * Pure functions over bytes, no I/O: what goes on the wire and how it is
 * taken apart again, with every check a stranger's bytes need. The normative
 * description is doc/PROTOCOL.md; this file must agree with it. The stream
 * reader (shoal-frame-reader.h) is included at the end.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The protocol versions this build speaks. */
#define SHOAL_PROTOCOL_VERSION_MIN 2
#define SHOAL_PROTOCOL_VERSION_MAX 2

/* Every frame: type (u8), flags (u8), reserved (u16, zero), body length (u32),
 * all big-endian, then the body. */
#define SHOAL_FRAME_HEADER_SIZE 8

/* A data frame's body: the message's sequence number (u64), then the message. */
#define SHOAL_FRAME_SEQ_SIZE 8u

/* The largest message, and so the largest body of a data frame. */
#define SHOAL_FRAME_MAX_MESSAGE (16u * 1024u * 1024u)
#define SHOAL_FRAME_MAX_DATA_BODY (SHOAL_FRAME_MAX_MESSAGE + SHOAL_FRAME_SEQ_SIZE)

/* The largest body of a control frame (goodbye). */
#define SHOAL_FRAME_MAX_CONTROL_BODY 4096u

/* The largest hello body: a control frame's, plus room for the most groups
 * a node may be in (shoal-frame-groups.c), each of the longest name. */
#define SHOAL_FRAME_MAX_HELLO_BODY (72u * 1024u)

/* Ping and pong bodies are exactly this long: one u64 stamp; so are acks:
 * one u64 sequence number. */
#define SHOAL_FRAME_PING_BODY_SIZE 8u
#define SHOAL_FRAME_ACK_BODY_SIZE 8u

/* Names are DNS-SD instance labels, so at most 63 bytes of UTF-8. */
#define SHOAL_NAME_MAX_BYTES 63

typedef enum {
  SHOAL_FRAME_HELLO = 0x01,
  SHOAL_FRAME_GOODBYE = 0x02,
  SHOAL_FRAME_PING = 0x03,
  SHOAL_FRAME_PONG = 0x04,
  SHOAL_FRAME_PEERS = 0x05,
  SHOAL_FRAME_ACK = 0x20,
  SHOAL_FRAME_UNICAST = 0x10,
  SHOAL_FRAME_BROADCAST = 0x11,
  SHOAL_FRAME_GROUP = 0x12,
  SHOAL_FRAME_JOIN = 0x30,
  SHOAL_FRAME_LEAVE = 0x31,
} ShoalFrameType;

typedef enum {
  SHOAL_GOODBYE_SHUTDOWN = 0,
  SHOAL_GOODBYE_DUPLICATE = 1,
  SHOAL_GOODBYE_PROTOCOL_ERROR = 2,
  SHOAL_GOODBYE_VERSION_MISMATCH = 3,
  SHOAL_GOODBYE_REPLACED = 4,
  SHOAL_GOODBYE_SELF = 5,
  SHOAL_GOODBYE_TIMEOUT = 6,
  SHOAL_GOODBYE_OVERLOADED = 7,
  SHOAL_GOODBYE_NOT_TRUSTED = 8,
  SHOAL_GOODBYE_DISCONNECTED = 9,
} ShoalGoodbyeCode;

/* The network key proof in a hello: HMAC-SHA256. */
#define SHOAL_HELLO_PROOF_SIZE 32

typedef struct {
  guint8  type;
  guint8  flags;
  guint32 body_length;
} ShoalFrameHeader;

/* Header */

void         shoal_frame_header_write  (guint8            out[SHOAL_FRAME_HEADER_SIZE],
                                        ShoalFrameType    type,
                                        guint32           body_length);
gboolean     shoal_frame_header_parse  (const guint8      data[SHOAL_FRAME_HEADER_SIZE],
                                        gsize             max_data_body,
                                        ShoalFrameHeader *out,
                                        GError          **error);
const gchar *shoal_frame_type_to_string (guint8 type);

/* Hello */

typedef struct {
  guint32  version;      /* highest version the sender speaks */
  guint32  min_version;  /* lowest version the sender speaks */
  gchar   *peer_id;      /* 32 lowercase hex */
  gchar   *session_id;   /* 32 lowercase hex, random per start */
  gchar   *name;         /* 1..63 bytes of UTF-8 */
  guint16  port;         /* the sender's listening port, 0 if none */
  gboolean accept;       /* whether the sender lets the receiver in */
  GBytes  *proof;        /* (nullable) the sender's network key proof */
  GStrv    groups;       /* (nullable) the groups the sender is in, sorted */
  gboolean connect;      /* the sender dialled because a person asked (Connect) */
  guint32  generation;   /* 0, or the generation of the stalled link the sender dialled beside, + 1 */
  gchar  **features;     /* (nullable) the extensions the sender supports */
} ShoalHello;

gboolean     shoal_hello_name_is_valid (const gchar      *name);
void         shoal_hello_clear         (ShoalHello       *hello);
GBytes      *shoal_frame_encode_hello  (const ShoalHello *hello);
gboolean     shoal_frame_decode_hello  (GBytes           *body,
                                        ShoalHello       *out,
                                        GError          **error);
gboolean     shoal_hello_has_feature   (const ShoalHello *hello,
                                        const gchar      *feature);
gboolean     shoal_hello_negotiate     (const ShoalHello *remote,
                                        guint32          *out_version,
                                        GError          **error);

/* Goodbye */

GBytes      *shoal_frame_encode_goodbye (ShoalGoodbyeCode  code,
                                         const gchar      *message);
gboolean     shoal_frame_decode_goodbye (GBytes           *body,
                                         guint32          *out_code,
                                         gchar           **out_message,
                                         GError          **error);
const gchar *shoal_goodbye_code_to_string (guint32 code);

/* Ping and pong */

GBytes      *shoal_frame_encode_ping   (ShoalFrameType    type,
                                        guint64           stamp);
GBytes      *shoal_frame_encode_ack    (guint64           seq);
gboolean     shoal_frame_decode_ack    (GBytes           *body,
                                        guint64          *out_seq,
                                        GError          **error);
void         shoal_frame_data_prefix   (guint8            out[SHOAL_FRAME_HEADER_SIZE + SHOAL_FRAME_SEQ_SIZE],
                                        ShoalFrameType    type,
                                        guint64           seq,
                                        gsize             payload_size);
gboolean     shoal_frame_decode_data   (GBytes           *body,
                                        guint64          *out_seq,
                                        GBytes          **out_payload,
                                        GError          **error);
gboolean     shoal_frame_decode_ping   (GBytes           *body,
                                        guint64          *out_stamp,
                                        GError          **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ShoalHello, shoal_hello_clear)

G_END_DECLS

/* Group frames (JOIN, LEAVE, GROUP) and group names have their own file. */
#include "shoal-frame-groups.h"
/* The peer exchange codec (PEERS) lives in its own file pair. */
#include "shoal-frame-peers.h"

/* The stream reader is built on the header checks above and lives in its own
 * file pair; it comes with the codec, so users of frames need one include. */
#include "shoal-frame-reader.h"
