/* shoal-identity.c: random ids
 *
 * A node's peer id comes from its key (shoal-credentials.c); what is left
 * random is the session id, drawn anew at every start, in the same shape.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <sys/random.h>

#include "shoal-identity.h"

/**
 * shoal_identity_new_random_id:
 *
 * Makes 128 random bits from the kernel's generator, as an id string. Ids
 * must not collide between machines, which g_random (seeded from the clock
 * on some systems) cannot promise.
 *
 * Returns: (transfer full): 32 lowercase hex characters
 */
gchar *
shoal_identity_new_random_id (void)
{
  guint8 bits[16];
  gsize got = 0;

  while (got < sizeof bits)
    {
      gssize n = getrandom (bits + got, sizeof bits - got, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("getrandom() failed: %s", g_strerror (errno));
      got += (gsize) n;
    }

  return g_strdup_printf ("%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x",
                          bits[0], bits[1], bits[2], bits[3], bits[4], bits[5], bits[6], bits[7],
                          bits[8], bits[9], bits[10], bits[11], bits[12], bits[13], bits[14],
                          bits[15]);
}
