/* shoal-outbox.h: a link's queue of frames waiting to be written (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-frame.h"

G_BEGIN_DECLS

typedef enum {
  SHOAL_OUTBOX_EMPTY,    /* everything queued was written */
  SHOAL_OUTBOX_BLOCKED,  /* the stream took less than offered: wait for it */
  SHOAL_OUTBOX_FAILED,   /* the stream failed */
} ShoalOutboxResult;

typedef struct _ShoalOutbox ShoalOutbox;

ShoalOutbox       *shoal_outbox_new              (void);
void               shoal_outbox_free             (ShoalOutbox           *self);
void               shoal_outbox_push_data        (ShoalOutbox           *self,
                                                  ShoalFrameType         type,
                                                  guint64                seq,
                                                  GBytes                *payload);
void               shoal_outbox_push_group       (ShoalOutbox           *self,
                                                  guint64                seq,
                                                  const gchar           *group,
                                                  GBytes                *payload);
void               shoal_outbox_push_control     (ShoalOutbox           *self,
                                                  GBytes                *frame);
void               shoal_outbox_clear            (ShoalOutbox           *self);
gboolean           shoal_outbox_is_empty         (ShoalOutbox           *self);
gboolean           shoal_outbox_in_mid_frame     (ShoalOutbox           *self);
gsize              shoal_outbox_get_data_bytes   (ShoalOutbox           *self);
ShoalOutboxResult  shoal_outbox_write            (ShoalOutbox           *self,
                                                  GPollableOutputStream *stream,
                                                  gsize                 *out_written,
                                                  guint64               *out_messages,
                                                  guint64               *out_bytes,
                                                  GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalOutbox, shoal_outbox_free)

G_END_DECLS
