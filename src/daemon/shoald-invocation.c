/* shoald-invocation.c: what every D-Bus method handler of shoald shares
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-error.h"
#include "shoald-invocation.h"

/**
 * shoald_invocation_return_error:
 * @invocation: (transfer full): the call to answer
 * @error: what went wrong
 *
 * Answers @invocation with @error. A ShoalError keeps its code, and so its
 * `org.shoal.Shoal1.Error.*` name; anything else (a GIOError from a socket, say)
 * becomes org.shoal.Shoal1.Error.Failed with the same message, so that clients
 * only ever see Shoal's own error names.
 */
void
shoald_invocation_return_error (GDBusMethodInvocation *invocation,
                                const GError          *error)
{
  if (error->domain == SHOAL_ERROR)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_error_literal (invocation, SHOAL_ERROR,
                                                   SHOAL_ERROR_FAILED, error->message);
}
