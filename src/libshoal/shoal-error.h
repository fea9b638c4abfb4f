/* shoal-error.h: the libshoal error domain
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ShoalError:
 * @SHOAL_ERROR_FAILED: a failure with no more specific code
 * @SHOAL_ERROR_UNKNOWN_PEER: no peer with that id is known
 * @SHOAL_ERROR_NOT_CONNECTED: the peer is known but has no live link
 * @SHOAL_ERROR_MESSAGE_TOO_LARGE: the payload exceeds the protocol's frame limit
 * @SHOAL_ERROR_QUEUE_FULL: the peer's send queue is full; try again once it drains
 * @SHOAL_ERROR_INVALID_PEER_ID: the string is not a peer id (32 lowercase hex characters)
 * @SHOAL_ERROR_PROTOCOL: a peer sent something the protocol does not allow
 * @SHOAL_ERROR_VERSION_MISMATCH: a peer speaks a protocol version this node cannot
 * @SHOAL_ERROR_STATE_DIRECTORY: the state directory cannot hold the node's identity
 * @SHOAL_ERROR_INVALID_ARGUMENT: an argument is out of range or malformed
 * @SHOAL_ERROR_NOT_RUNNING: the node has not been started, or has been stopped
 * @SHOAL_ERROR_NOT_TRUSTED: the trust policy or the trust store refuses the peer,
 *   or a peer refused this node
 * @SHOAL_ERROR_UNKNOWN_HOST: a host name given to shoal_node_connect_async()
 *   does not resolve
 * @SHOAL_ERROR_CONNECT_FAILED: no link came up at an address given to
 *   shoal_node_connect_async(); the message says why (connection refused,
 *   timed out, TLS failure, not a Shoal node, …)
 *
 * Errors from libshoal. Each code maps to a D-Bus error named
 * `org.shoal.Shoal1.Error.<Name>`, so clients of shoald see the same codes.
 */
typedef enum {
  SHOAL_ERROR_FAILED,
  SHOAL_ERROR_UNKNOWN_PEER,
  SHOAL_ERROR_NOT_CONNECTED,
  SHOAL_ERROR_MESSAGE_TOO_LARGE,
  SHOAL_ERROR_QUEUE_FULL,
  SHOAL_ERROR_INVALID_PEER_ID,
  SHOAL_ERROR_PROTOCOL,
  SHOAL_ERROR_VERSION_MISMATCH,
  SHOAL_ERROR_STATE_DIRECTORY,
  SHOAL_ERROR_INVALID_ARGUMENT,
  SHOAL_ERROR_NOT_RUNNING,
  SHOAL_ERROR_NOT_TRUSTED,
  SHOAL_ERROR_UNKNOWN_HOST,
  SHOAL_ERROR_CONNECT_FAILED,
} ShoalError;

#define SHOAL_ERROR_LAST SHOAL_ERROR_CONNECT_FAILED

#define SHOAL_ERROR (shoal_error_quark ())
GQuark shoal_error_quark (void);

gboolean shoal_peer_id_is_valid (const gchar *peer_id);

G_END_DECLS
