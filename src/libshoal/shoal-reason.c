/* shoal-reason.c: why a peer's link went away, as scripts can match it
 *
 * A link ends with a few words for the log ("timeout: nothing heard for
 * 2500 ms", "read failed: Connection reset by peer", a goodbye code's name).
 * Scripts need a fixed set instead: ShoalDisconnectReason. The words come
 * from this library alone (a peer's goodbye counts by its code, never by its
 * message), so the mapping below knows every one of them.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-reason-private.h"

/* Indexed by ShoalDisconnectReason; the same strings as the enum's nicks,
 * which test-control checks. */
static const gchar * const reason_names[] = {
  "goodbye", "shutdown", "timeout", "reset", "replaced", "duplicate",
  "protocol-error", "overloaded", "not-trusted", "disconnected",
};

G_STATIC_ASSERT (G_N_ELEMENTS (reason_names) == SHOAL_DISCONNECT_REASON_DISCONNECTED + 1);

/**
 * shoal_disconnect_reason_to_string:
 * @reason: a #ShoalDisconnectReason
 *
 * Names a reason as #ShoalNode::peer-disconnected, shoald's
 * `PeerDisconnected` signal and `shoal monitor` give it.
 *
 * Returns: the reason's name, for example "timeout", or "goodbye" for a
 *   value this version does not know
 */
const gchar *
shoal_disconnect_reason_to_string (ShoalDisconnectReason reason)
{
  if ((guint) reason >= G_N_ELEMENTS (reason_names))
    return reason_names[SHOAL_DISCONNECT_REASON_GOODBYE];
  return reason_names[reason];
}

static gboolean
has_prefix_word (const gchar *text,
                 const gchar *word)
{
  gsize length = strlen (word);

  return strncmp (text, word, length) == 0 &&
         (text[length] == '\0' || text[length] == ':' || text[length] == ',' ||
          text[length] == ' ');
}

/* What a link's end, in the words ShoalLink::closed gives, means. */
ShoalDisconnectReason
shoal_disconnect_reason_from_text (const gchar *text)
{
  /* The goodbye codes' names (shoal_goodbye_code_to_string()), which a link
   * gives when it or its peer closed it with a goodbye. */
  static const struct {
    const gchar           *word;
    ShoalDisconnectReason  reason;
  } words[] = {
    { "shutdown", SHOAL_DISCONNECT_REASON_SHUTDOWN },
    { "duplicate", SHOAL_DISCONNECT_REASON_DUPLICATE },
    { "protocol-error", SHOAL_DISCONNECT_REASON_PROTOCOL_ERROR },
    { "protocol error", SHOAL_DISCONNECT_REASON_PROTOCOL_ERROR },
    { "replaced", SHOAL_DISCONNECT_REASON_REPLACED },
    { "timeout", SHOAL_DISCONNECT_REASON_TIMEOUT },
    { "overloaded", SHOAL_DISCONNECT_REASON_OVERLOADED },
    { "not-trusted", SHOAL_DISCONNECT_REASON_NOT_TRUSTED },
    { "not trusted", SHOAL_DISCONNECT_REASON_NOT_TRUSTED },
    { "untrusted", SHOAL_DISCONNECT_REASON_NOT_TRUSTED },
    { "disconnected", SHOAL_DISCONNECT_REASON_DISCONNECTED },
    /* A goodbye whose code has no reason of its own. */
    { "version-mismatch", SHOAL_DISCONNECT_REASON_GOODBYE },
    { "self", SHOAL_DISCONNECT_REASON_GOODBYE },
    { "unknown", SHOAL_DISCONNECT_REASON_GOODBYE },
  };

  if (text == NULL)
    return SHOAL_DISCONNECT_REASON_RESET;

  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    if (has_prefix_word (text, words[i].word))
      return words[i].reason;

  /* "connection closed", "read failed: …", "write failed: …", "severed",
   * "closed": the connection ended without a goodbye. */
  return SHOAL_DISCONNECT_REASON_RESET;
}
