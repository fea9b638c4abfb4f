/* shoal-reason-private.h: a link's words to a reason code (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "shoal-reason.h"

G_BEGIN_DECLS

ShoalDisconnectReason shoal_disconnect_reason_from_text (const gchar *text);

G_END_DECLS
