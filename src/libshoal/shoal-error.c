/* shoal-error.c: the libshoal error domain and its D-Bus names
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gio.h>

#include "shoal-error.h"

static const GDBusErrorEntry shoal_error_entries[] = {
  { SHOAL_ERROR_FAILED, "org.shoal.Shoal1.Error.Failed" },
  { SHOAL_ERROR_UNKNOWN_PEER, "org.shoal.Shoal1.Error.UnknownPeer" },
  { SHOAL_ERROR_NOT_CONNECTED, "org.shoal.Shoal1.Error.NotConnected" },
  { SHOAL_ERROR_MESSAGE_TOO_LARGE, "org.shoal.Shoal1.Error.MessageTooLarge" },
  { SHOAL_ERROR_QUEUE_FULL, "org.shoal.Shoal1.Error.QueueFull" },
  { SHOAL_ERROR_INVALID_PEER_ID, "org.shoal.Shoal1.Error.InvalidPeerId" },
  { SHOAL_ERROR_PROTOCOL, "org.shoal.Shoal1.Error.Protocol" },
  { SHOAL_ERROR_VERSION_MISMATCH, "org.shoal.Shoal1.Error.VersionMismatch" },
  { SHOAL_ERROR_STATE_DIRECTORY, "org.shoal.Shoal1.Error.StateDirectory" },
  { SHOAL_ERROR_INVALID_ARGUMENT, "org.shoal.Shoal1.Error.InvalidArgument" },
  { SHOAL_ERROR_NOT_RUNNING, "org.shoal.Shoal1.Error.NotRunning" },
  { SHOAL_ERROR_NOT_TRUSTED, "org.shoal.Shoal1.Error.NotTrusted" },
  { SHOAL_ERROR_UNKNOWN_HOST, "org.shoal.Shoal1.Error.UnknownHost" },
  { SHOAL_ERROR_CONNECT_FAILED, "org.shoal.Shoal1.Error.ConnectFailed" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (shoal_error_entries) == SHOAL_ERROR_LAST + 1);

/**
 * shoal_error_quark:
 *
 * The domain of #ShoalError. Registering it with D-Bus here rather than in
 * the daemon means any program that embeds libshoal and talks D-Bus gets the
 * same error names on both ends.
 *
 * Returns: the #GQuark of the libshoal error domain
 */
GQuark
shoal_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("shoal-error-quark",
                                      &quark,
                                      shoal_error_entries,
                                      G_N_ELEMENTS (shoal_error_entries));
  return (GQuark) quark;
}

/**
 * shoal_peer_id_is_valid:
 * @peer_id: (nullable): a string
 *
 * Checks that @peer_id has the shape of a peer id: exactly 32 lowercase
 * hexadecimal characters.
 *
 * Returns: %TRUE if @peer_id is a well-formed peer id
 */
gboolean
shoal_peer_id_is_valid (const gchar *peer_id)
{
  gsize i;

  if (peer_id == NULL)
    return FALSE;

  for (i = 0; i < 32; i++)
    {
      gchar c = peer_id[i];

      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
        return FALSE;
    }

  return peer_id[32] == '\0';
}
