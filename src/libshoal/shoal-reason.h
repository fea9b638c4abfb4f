/* shoal-reason.h: why a peer's link went away, as scripts can match it
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ShoalDisconnectReason:
 * @SHOAL_DISCONNECT_REASON_GOODBYE: the peer ended the link with a goodbye
 *   that names no more specific reason (a code this version does not know)
 * @SHOAL_DISCONNECT_REASON_SHUTDOWN: the peer is stopping, or this node is
 * @SHOAL_DISCONNECT_REASON_TIMEOUT: the link fell silent, or its output
 *   stalled, for the heartbeat timeout
 * @SHOAL_DISCONNECT_REASON_RESET: the connection broke without a goodbye
 *   (reset, end of stream, a read or write error)
 * @SHOAL_DISCONNECT_REASON_REPLACED: the peer restarted and its new session
 *   took over, and that new link did not stay
 * @SHOAL_DISCONNECT_REASON_DUPLICATE: the peer dropped this link as a
 *   duplicate and the link it kept never came up
 * @SHOAL_DISCONNECT_REASON_PROTOCOL_ERROR: one side received something the
 *   protocol does not allow
 * @SHOAL_DISCONNECT_REASON_OVERLOADED: the peer has no room for the link
 * @SHOAL_DISCONNECT_REASON_NOT_TRUSTED: this node or the peer untrusted the
 *   other
 * @SHOAL_DISCONNECT_REASON_DISCONNECTED: a person asked, on this node or on
 *   the peer, to drop the peer (shoal_node_disconnect()); neither side
 *   redials it on its own
 *
 * Why the live link to a peer went away, as #ShoalNode::peer-disconnected
 * names it: the nick of each value ("goodbye", "shutdown", "timeout",
 * "reset", "replaced", "duplicate", "protocol-error", "overloaded",
 * "not-trusted", "disconnected") is the string the signal carries, and what
 * shoald's `PeerDisconnected` and `shoal monitor --json` say. The words that
 * explain a particular case go to the log.
 */
typedef enum {
  SHOAL_DISCONNECT_REASON_GOODBYE,
  SHOAL_DISCONNECT_REASON_SHUTDOWN,
  SHOAL_DISCONNECT_REASON_TIMEOUT,
  SHOAL_DISCONNECT_REASON_RESET,
  SHOAL_DISCONNECT_REASON_REPLACED,
  SHOAL_DISCONNECT_REASON_DUPLICATE,
  SHOAL_DISCONNECT_REASON_PROTOCOL_ERROR,
  SHOAL_DISCONNECT_REASON_OVERLOADED,
  SHOAL_DISCONNECT_REASON_NOT_TRUSTED,
  SHOAL_DISCONNECT_REASON_DISCONNECTED,
} ShoalDisconnectReason;

const gchar *shoal_disconnect_reason_to_string (ShoalDisconnectReason reason);

G_END_DECLS
