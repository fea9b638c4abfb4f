/* shoal-state-lock.h: one node at a time in a state directory (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ShoalStateLock ShoalStateLock;

ShoalStateLock *shoal_state_lock_acquire (const gchar     *state_dir,
                                          GError         **error);
void            shoal_state_lock_release (ShoalStateLock  *lock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalStateLock, shoal_state_lock_release)

G_END_DECLS
