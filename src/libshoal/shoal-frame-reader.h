/* shoal-frame-reader.h: cuts protocol v2 frames out of a byte stream (private)
 *
 * A buffer the caller reads into, and whole frames popped out of it as
 * zero-copy slices, each header checked before its body is allocated. Pulled
 * in by shoal-frame.h, whose header type and limits it uses.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "shoal-frame.h"

G_BEGIN_DECLS

typedef enum {
  SHOAL_FRAME_READ_NEED_MORE,
  SHOAL_FRAME_READ_FRAME,
  SHOAL_FRAME_READ_ERROR,
} ShoalFrameReadResult;

typedef struct _ShoalFrameReader ShoalFrameReader;

ShoalFrameReader     *shoal_frame_reader_new        (gsize             max_data_body);
void                  shoal_frame_reader_free       (ShoalFrameReader *self);
guint8               *shoal_frame_reader_get_buffer (ShoalFrameReader *self,
                                                     gsize            *out_size);
void                  shoal_frame_reader_commit     (ShoalFrameReader *self,
                                                     gsize             n_bytes);
void                  shoal_frame_reader_release    (ShoalFrameReader *self);
ShoalFrameReadResult  shoal_frame_reader_pop        (ShoalFrameReader *self,
                                                     ShoalFrameHeader *out_header,
                                                     GBytes          **out_body,
                                                     GError          **error);
gsize                 shoal_frame_reader_get_pending (ShoalFrameReader *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalFrameReader, shoal_frame_reader_free)

G_END_DECLS
