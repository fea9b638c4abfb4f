/* shoal-secret-file.h: reading a file that must stay private (private)
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  SHOAL_SECRET_FILE_OK,
  SHOAL_SECRET_FILE_MISSING,         /* no such file */
  SHOAL_SECRET_FILE_UNREADABLE,      /* *out_errno says why */
  SHOAL_SECRET_FILE_OPEN_TO_OTHERS,  /* *out_mode has group or other bits */
  SHOAL_SECRET_FILE_TOO_LARGE,       /* larger than the caller's limit */
} ShoalSecretFileResult;

ShoalSecretFileResult shoal_secret_file_read (const gchar  *path,
                                              gsize         max_size,
                                              gchar       **out_contents,
                                              int          *out_errno,
                                              guint        *out_mode);
void                  shoal_secret_free      (gchar        *secret);

G_END_DECLS
