/* shoal-node-trust.c: the half of ShoalNode's API that decides who may join
 *
 * The network key is a setting like any other, read at start. Trusting and
 * untrusting a peer change the trust store (ShoalTrust, in the state
 * directory) first and the mesh second, which links up or drops the peer
 * at once: a decision that could not be stored is not applied.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-error.h"
#include "shoal-node-private.h"
#include "shoal-secret-file.h"

/**
 * shoal_node_set_network_key:
 * @self: a #ShoalNode
 * @key: (nullable): 64 hexadecimal characters, as `shoal key generate`
 *   prints them; %NULL for none
 * @error: return location for a #GError
 *
 * Sets the secret that the network-key policy asks every peer to prove it
 * holds. It takes effect at shoal_node_start().
 *
 * Returns: %TRUE if set; %FALSE with %SHOAL_ERROR_INVALID_ARGUMENT if @key
 *   is not a network key
 */
gboolean
shoal_node_set_network_key (ShoalNode    *self,
                            const gchar  *key,
                            GError      **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  g_return_val_if_fail (!shoal_node_get_running (self), FALSE);

  if (key != NULL && !shoal_network_key_parse (key, &bytes, error))
    return FALSE;

  shoal_node_store_network_key (self, bytes);
  return TRUE;
}

/* A network key file holds 64 hex characters and a newline; anything much
 * longer is not one. */
#define NETWORK_KEY_FILE_MAX_SIZE 4096

/**
 * shoal_node_set_network_key_file:
 * @self: a #ShoalNode
 * @path: (type filename): a file holding the network key, as `shoal key
 *   generate` writes it
 * @error: return location for a #GError
 *
 * Reads the network key from @path, as ssh reads a private key: a file that
 * group or others may read is refused. It takes effect at
 * shoal_node_start().
 *
 * Returns: %TRUE if set; %FALSE with %SHOAL_ERROR_INVALID_ARGUMENT if the
 *   file cannot be read, is open to other users or holds no network key
 */
gboolean
shoal_node_set_network_key_file (ShoalNode    *self,
                                 const gchar  *path,
                                 GError      **error)
{
  g_autoptr(GBytes) bytes = NULL;
  gchar *text = NULL;
  int saved_errno = 0;
  guint mode = 0;

  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (!shoal_node_get_running (self), FALSE);

  switch (shoal_secret_file_read (path, NETWORK_KEY_FILE_MAX_SIZE, &text, &saved_errno, &mode))
    {
    case SHOAL_SECRET_FILE_OK:
      break;

    case SHOAL_SECRET_FILE_OPEN_TO_OTHERS:
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("The network key file “%s” is open to other users (mode %04o); "
                     "make it private with “chmod 600 %s”"),
                   path, mode, path);
      return FALSE;

    case SHOAL_SECRET_FILE_MISSING:
    case SHOAL_SECRET_FILE_UNREADABLE:
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("Cannot read the network key file “%s”: %s"), path,
                   g_strerror (saved_errno));
      return FALSE;

    case SHOAL_SECRET_FILE_TOO_LARGE:
    default:
      break;
    }

  /* The message never repeats what the file holds: it may be a secret. */
  if (text == NULL || !shoal_network_key_parse (text, &bytes, NULL))
    {
      shoal_secret_free (text);
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT,
                   _("The network key file “%s” does not hold a network key (64 hexadecimal "
                     "characters); make one with “shoal key generate”"),
                   path);
      return FALSE;
    }

  shoal_secret_free (text);
  shoal_node_store_network_key (self, bytes);
  return TRUE;
}

static gboolean
decide (ShoalNode    *self,
        const gchar  *peer_id,
        gboolean      trusted,
        GError      **error)
{
  if (!shoal_peer_id_is_valid (peer_id))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_PEER_ID,
                   _("“%s” is not a peer id (32 lowercase hex characters)"),
                   peer_id != NULL ? peer_id : "");
      return FALSE;
    }

  if (!shoal_node_get_running (self))
    {
      g_set_error_literal (error, SHOAL_ERROR, SHOAL_ERROR_NOT_RUNNING,
                           _("The node is not running"));
      return FALSE;
    }

  if (!shoal_trust_set_trusted (shoal_node_get_trust (self), peer_id, trusted, error))
    return FALSE;

  g_message ("Peer %s is now %s", peer_id, trusted ? "trusted" : "untrusted");
  shoal_mesh_trust_changed (shoal_node_get_mesh (self), peer_id);
  return TRUE;
}

/**
 * shoal_node_trust:
 * @self: a #ShoalNode
 * @peer_id: the peer to let in
 * @error: return location for a #GError
 *
 * Adds @peer_id to the trust store, in the state directory, so that it
 * stays trusted across restarts. Under the allow-list policy the peer may
 * now link up: a pending peer is dialled at once. Undoes
 * shoal_node_untrust().
 *
 * Returns: %TRUE if stored; %FALSE with %SHOAL_ERROR_INVALID_PEER_ID,
 *   %SHOAL_ERROR_NOT_RUNNING or %SHOAL_ERROR_STATE_DIRECTORY
 */
gboolean
shoal_node_trust (ShoalNode    *self,
                  const gchar  *peer_id,
                  GError      **error)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);

  return decide (self, peer_id, TRUE, error);
}

/**
 * shoal_node_untrust:
 * @self: a #ShoalNode
 * @peer_id: the peer to shut out
 * @error: return location for a #GError
 *
 * Marks @peer_id as refused in the trust store, under every policy and
 * across restarts: its link, if any, is closed with a goodbye saying
 * `not-trusted`, and this node neither dials it nor accepts it until
 * shoal_node_trust().
 *
 * Returns: %TRUE if stored; %FALSE with %SHOAL_ERROR_INVALID_PEER_ID,
 *   %SHOAL_ERROR_NOT_RUNNING or %SHOAL_ERROR_STATE_DIRECTORY
 */
gboolean
shoal_node_untrust (ShoalNode    *self,
                    const gchar  *peer_id,
                    GError      **error)
{
  g_return_val_if_fail (SHOAL_IS_NODE (self), FALSE);

  return decide (self, peer_id, FALSE, error);
}
