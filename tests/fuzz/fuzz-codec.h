/* fuzz-codec.h: checks shared by the codec's fuzz targets
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "shoal-frame.h"

gboolean fuzz_frame_length_allowed (guint8   type,
                                    guint32  body_length,
                                    gsize    max_data_body);
void     fuzz_check_protocol_error (GError  *error);
void     fuzz_hello_body           (GBytes  *body);
void     fuzz_goodbye_body         (GBytes  *body);
void     fuzz_data_body            (GBytes  *body);
void     fuzz_ack_body             (GBytes  *body);
void     fuzz_peers_body           (GBytes  *body);
void     fuzz_membership_body      (guint8   type,
                                    GBytes  *body);
void     fuzz_group_body           (GBytes  *body);
void     fuzz_ping_body            (guint8   type,
                                    GBytes  *body);
