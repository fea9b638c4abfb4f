/* shoal-trust.c: the trust policy and the trust store
 *
 * The store is `<state-dir>/trust.ini`, a key file with one group per peer
 * id:
 *
 *   [0123456789abcdef0123456789abcdef]
 *   name=kitchen
 *   first-seen=1767225600
 *   last-seen=1767229200
 *   trusted=true
 *
 * `name`, `first-seen` and `last-seen` are trust-on-first-use bookkeeping,
 * kept for every peer that authenticated; `trusted` is a person's decision
 * and is absent until one is made. The key file in memory is the store:
 * every change is written back whole, atomically, so a crash leaves the old
 * file or the new one and never half of each. What peers prove with the
 * network key, and the verification code, are in shoal-trust-proofs.c.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "shoal-error.h"
#include "shoal-trust.h"

#define STORE_FILE_NAME "trust.ini"

#define KEY_NAME "name"
#define KEY_FIRST_SEEN "first-seen"
#define KEY_LAST_SEEN "last-seen"
#define KEY_TRUSTED "trusted"

/* A peer that only reconnects moves its last-seen; writing that every time
 * would make a busy mesh rewrite (and fsync) the store constantly, so it is
 * written only when it moved by more than this. Eviction and "most recently
 * seen" need no finer clock. */
#define LAST_SEEN_WRITE_INTERVAL_S 60

struct _ShoalTrust
{
  GObject           parent_instance;

  ShoalTrustPolicy  policy;
  gchar            *state_dir;    /* (owned) */
  gchar            *path;         /* (owned) */
  GBytes           *network_key;  /* (owned) (nullable) */
  GKeyFile         *store;        /* (owned) */
};

G_DEFINE_TYPE (ShoalTrust, shoal_trust, G_TYPE_OBJECT)

static void
shoal_trust_finalize (GObject *object)
{
  ShoalTrust *self = SHOAL_TRUST (object);

  g_free (self->state_dir);
  g_free (self->path);
  g_clear_pointer (&self->network_key, g_bytes_unref);
  g_clear_pointer (&self->store, g_key_file_unref);

  G_OBJECT_CLASS (shoal_trust_parent_class)->finalize (object);
}

static void
shoal_trust_class_init (ShoalTrustClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_trust_finalize;
}

static void
shoal_trust_init (ShoalTrust *self)
{
  self->store = g_key_file_new ();
}

/**
 * shoal_trust_new:
 * @state_dir: the node's state directory, which holds `trust.ini`
 * @policy: who may join
 *
 * Makes a trust object with an empty store. Call shoal_trust_load() before
 * anything else: a write before it would replace the file on disk with what
 * this object has seen since.
 *
 * Returns: (transfer full): a new #ShoalTrust
 */
ShoalTrust *
shoal_trust_new (const gchar      *state_dir,
                 ShoalTrustPolicy  policy)
{
  ShoalTrust *self;

  g_return_val_if_fail (state_dir != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_TRUST, NULL);
  self->policy = policy;
  self->state_dir = g_strdup (state_dir);
  self->path = g_build_filename (state_dir, STORE_FILE_NAME, NULL);
  return self;
}

/**
 * shoal_trust_load:
 * @self: a #ShoalTrust
 * @error: return location for a #GError
 *
 * Reads the store from the state directory. A missing file is an empty
 * store. Groups whose name is not a peer id are skipped with a warning, and
 * dropped from the file at the next write.
 *
 * Returns: %TRUE on success; %FALSE with %SHOAL_ERROR_STATE_DIRECTORY if the
 *   file cannot be read or does not parse, in which case the store is left
 *   as it was
 */
gboolean
shoal_trust_load (ShoalTrust  *self,
                  GError     **error)
{
  g_autoptr(GKeyFile) store = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (SHOAL_IS_TRUST (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Comments are kept so that notes a person wrote beside a decision
   * survive the next write. */
  if (!g_key_file_load_from_file (store, self->path, G_KEY_FILE_KEEP_COMMENTS, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_debug ("No trust store at %s yet", self->path);
          g_key_file_unref (self->store);
          self->store = g_steal_pointer (&store);
          return TRUE;
        }

      /* Not guessing at a store that does not parse: a lost `trusted=false`
       * would let in a peer a person shut out. */
      if (local_error->domain == G_KEY_FILE_ERROR)
        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                     _("The trust store “%s” is damaged (%s); fix it or remove it"),
                     self->path, local_error->message);
      else
        g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                     _("Cannot read the trust store “%s”: %s"),
                     self->path, local_error->message);
      return FALSE;
    }

  groups = g_key_file_get_groups (store, NULL);
  for (gsize i = 0; groups[i] != NULL; i++)
    {
      if (!shoal_peer_id_is_valid (groups[i]))
        {
          g_warning ("Trust store %s: skipping group “%s”, which is not a peer id",
                     self->path, groups[i]);
          g_key_file_remove_group (store, groups[i], NULL);
        }
    }

  g_key_file_unref (self->store);
  self->store = g_steal_pointer (&store);
  g_debug ("Trust store %s loaded", self->path);
  return TRUE;
}

/**
 * shoal_trust_get_policy:
 * @self: a #ShoalTrust
 *
 * Returns: the policy given at construction
 */
ShoalTrustPolicy
shoal_trust_get_policy (ShoalTrust *self)
{
  g_return_val_if_fail (SHOAL_IS_TRUST (self), SHOAL_TRUST_POLICY_ALLOW_LIST);

  return self->policy;
}

/**
 * shoal_trust_set_network_key:
 * @self: a #ShoalTrust
 * @key: (nullable): the %SHOAL_NETWORK_KEY_SIZE bytes of the network key, or
 *   %NULL for none
 *
 * Sets the key that peers prove they hold under
 * %SHOAL_TRUST_POLICY_NETWORK_KEY.
 */
void
shoal_trust_set_network_key (ShoalTrust *self,
                             GBytes     *key)
{
  g_return_if_fail (SHOAL_IS_TRUST (self));
  g_return_if_fail (key == NULL || g_bytes_get_size (key) == SHOAL_NETWORK_KEY_SIZE);

  g_clear_pointer (&self->network_key, g_bytes_unref);
  if (key != NULL)
    self->network_key = g_bytes_ref (key);
}

/**
 * shoal_trust_get_network_key:
 * @self: a #ShoalTrust
 *
 * Returns: (transfer none) (nullable): the network key, or %NULL if none is set
 */
GBytes *
shoal_trust_get_network_key (ShoalTrust *self)
{
  g_return_val_if_fail (SHOAL_IS_TRUST (self), NULL);

  return self->network_key;
}

/* The decision on @peer_id: TRUE if one was made, with the decision in
 * @out_trusted. A `trusted` that is not a boolean counts as no decision; it
 * stays in the file for the person who wrote it to fix. */
static gboolean
lookup_decision (ShoalTrust  *self,
                 const gchar *peer_id,
                 gboolean    *out_trusted)
{
  g_autoptr(GError) local_error = NULL;
  gboolean trusted;

  if (!g_key_file_has_key (self->store, peer_id, KEY_TRUSTED, NULL))
    return FALSE;

  trusted = g_key_file_get_boolean (self->store, peer_id, KEY_TRUSTED, &local_error);
  if (local_error != NULL)
    {
      g_warning ("Trust store %s: peer %s: %s", self->path, peer_id, local_error->message);
      return FALSE;
    }

  *out_trusted = trusted;
  return TRUE;
}

/**
 * shoal_trust_check:
 * @self: a #ShoalTrust
 * @peer_id: the id a peer's certificate proved
 *
 * Decides whether a peer whose id is proven may link up. A peer a person
 * untrusted is refused under every policy. Under
 * %SHOAL_TRUST_POLICY_NETWORK_KEY this accepts: the proof of the key is
 * checked by the caller, against the hello.
 *
 * Returns: the verdict
 */
ShoalTrustVerdict
shoal_trust_check (ShoalTrust  *self,
                   const gchar *peer_id)
{
  gboolean trusted = FALSE;
  gboolean decided;

  g_return_val_if_fail (SHOAL_IS_TRUST (self), SHOAL_TRUST_VERDICT_REJECT);
  g_return_val_if_fail (shoal_peer_id_is_valid (peer_id), SHOAL_TRUST_VERDICT_REJECT);

  decided = lookup_decision (self, peer_id, &trusted);
  if (decided && !trusted)
    return SHOAL_TRUST_VERDICT_REJECT;

  switch (self->policy)
    {
    case SHOAL_TRUST_POLICY_OPEN:
    case SHOAL_TRUST_POLICY_NETWORK_KEY:
      return SHOAL_TRUST_VERDICT_ACCEPT;
    case SHOAL_TRUST_POLICY_ALLOW_LIST:
      return decided ? SHOAL_TRUST_VERDICT_ACCEPT : SHOAL_TRUST_VERDICT_PENDING;
    default:
      /* An unknown policy lets nobody in. */
      return SHOAL_TRUST_VERDICT_REJECT;
    }
}

/**
 * shoal_trust_is_trusted:
 * @self: a #ShoalTrust
 * @peer_id: a peer id
 *
 * Returns: %TRUE if a person trusted @peer_id
 */
gboolean
shoal_trust_is_trusted (ShoalTrust  *self,
                        const gchar *peer_id)
{
  gboolean trusted = FALSE;

  g_return_val_if_fail (SHOAL_IS_TRUST (self), FALSE);

  if (!shoal_peer_id_is_valid (peer_id))
    return FALSE;

  return lookup_decision (self, peer_id, &trusted) && trusted;
}

static gint64
get_last_seen (GKeyFile    *store,
               const gchar *peer_id)
{
  /* A group made by a decision alone has no last-seen: never seen. */
  return g_key_file_get_int64 (store, peer_id, KEY_LAST_SEEN, NULL);
}

typedef struct {
  const gchar *peer_id;
  gint64       last_seen;
} Candidate;

static gint
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const Candidate *ca = a;
  const Candidate *cb = b;

  if (ca->last_seen != cb->last_seen)
    return ca->last_seen < cb->last_seen ? -1 : 1;
  /* Ties (peers seen in the same second) broken by id, so that which one
   * goes does not depend on the order in the file. */
  return strcmp (ca->peer_id, cb->peer_id);
}

/* Keeps the store within SHOAL_TRUST_MAX_KNOWN groups by forgetting the least
 * recently seen peers that nobody decided on; @keep_id (just added or
 * touched) is never the one to go.
 *
 * Decided peers are never forgotten here, even if that leaves the store
 * above the bound: forgetting `trusted=false` would let an untrusted peer
 * back in under the open and network-key policies, and forgetting
 * `trusted=true` would silently cut an allowed peer off under the allow
 * list. Decisions are made one at a time by people, so their number stays
 * small; the bound is against the undecided peers a large or hostile LAN
 * can make up without limit. */
static void
prune (ShoalTrust  *self,
       const gchar *keep_id)
{
  g_auto(GStrv) groups = NULL;
  g_autoptr(GArray) candidates = NULL;
  gsize n_groups = 0;
  gsize excess;

  groups = g_key_file_get_groups (self->store, &n_groups);
  if (n_groups <= SHOAL_TRUST_MAX_KNOWN)
    return;

  candidates = g_array_sized_new (FALSE, FALSE, sizeof (Candidate), n_groups);
  for (gsize i = 0; i < n_groups; i++)
    {
      Candidate c = { groups[i], 0 };

      if (g_str_equal (groups[i], keep_id) ||
          g_key_file_has_key (self->store, groups[i], KEY_TRUSTED, NULL))
        continue;
      c.last_seen = get_last_seen (self->store, groups[i]);
      g_array_append_val (candidates, c);
    }
  g_array_sort (candidates, compare_candidates);

  excess = MIN (n_groups - SHOAL_TRUST_MAX_KNOWN, candidates->len);
  for (gsize i = 0; i < excess; i++)
    {
      const Candidate *c = &g_array_index (candidates, Candidate, i);

      g_debug ("Trust store full: forgetting peer %s, last seen %" G_GINT64_FORMAT,
               c->peer_id, c->last_seen);
      g_key_file_remove_group (self->store, c->peer_id, NULL);
    }
}

/* A person's decision is written @durable: it must survive a crash. What
 * trust on first use notes as links come up is not, since an fsync on the
 * main loop for every new peer would slow a mesh forming, and losing the
 * last few sightings costs nothing. */
static gboolean
write_store (ShoalTrust  *self,
             gboolean     durable,
             GError     **error)
{
  g_autofree gchar *data = NULL;
  gsize length = 0;
  g_autoptr(GError) local_error = NULL;

  if (g_mkdir_with_parents (self->state_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("Cannot create state directory “%s”: %s"), self->state_dir,
                   g_strerror (saved_errno));
      return FALSE;
    }

  data = g_key_file_to_data (self->store, &length, NULL);
  /* 0600: the store says who this node lets in, which is nobody else's
   * business on a shared machine. */
  if (!g_file_set_contents_full (self->path, data, (gssize) length,
                                 G_FILE_SET_CONTENTS_CONSISTENT |
                                 (durable ? G_FILE_SET_CONTENTS_DURABLE : 0),
                                 0600, &local_error))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY,
                   _("Cannot write the trust store “%s”: %s"), self->path,
                   local_error->message);
      return FALSE;
    }

  return TRUE;
}

/**
 * shoal_trust_set_trusted:
 * @self: a #ShoalTrust
 * @peer_id: a peer id, seen or not
 * @trusted: the decision
 * @error: return location for a #GError
 *
 * Records a person's decision on @peer_id and writes the store.
 *
 * Returns: %TRUE on success; %FALSE with %SHOAL_ERROR_INVALID_PEER_ID, or
 *   with %SHOAL_ERROR_STATE_DIRECTORY if the store cannot be written, in
 *   which case the decision is not recorded
 */
gboolean
shoal_trust_set_trusted (ShoalTrust   *self,
                         const gchar  *peer_id,
                         gboolean      trusted,
                         GError      **error)
{
  gboolean had_group;
  gboolean had_decision;
  gboolean old_trusted = FALSE;

  g_return_val_if_fail (SHOAL_IS_TRUST (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!shoal_peer_id_is_valid (peer_id))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_PEER_ID,
                   _("“%s” is not a peer id (32 lowercase hex characters)"),
                   peer_id != NULL ? peer_id : "");
      return FALSE;
    }

  had_group = g_key_file_has_group (self->store, peer_id);
  had_decision = had_group && g_key_file_has_key (self->store, peer_id, KEY_TRUSTED, NULL);
  if (had_decision)
    old_trusted = g_key_file_get_boolean (self->store, peer_id, KEY_TRUSTED, NULL);

  g_key_file_set_boolean (self->store, peer_id, KEY_TRUSTED, trusted);
  prune (self, peer_id);

  if (!write_store (self, TRUE, error))
    {
      /* Undo, so that what this node enforces is what the file says. What
       * prune() forgot stays forgotten: it was undecided bookkeeping. */
      if (!had_group)
        g_key_file_remove_group (self->store, peer_id, NULL);
      else if (had_decision)
        g_key_file_set_boolean (self->store, peer_id, KEY_TRUSTED, old_trusted);
      else
        g_key_file_remove_key (self->store, peer_id, KEY_TRUSTED, NULL);
      return FALSE;
    }

  g_debug ("Peer %s %s", peer_id, trusted ? "trusted" : "untrusted");
  return TRUE;
}

/* The most recently seen peer other than @peer_id remembered under @name. */
static gchar *
find_other_with_name (ShoalTrust  *self,
                      const gchar *peer_id,
                      const gchar *name)
{
  g_auto(GStrv) groups = g_key_file_get_groups (self->store, NULL);
  const gchar *best = NULL;
  gint64 best_last_seen = G_MININT64;

  for (gsize i = 0; groups[i] != NULL; i++)
    {
      g_autofree gchar *other_name = NULL;
      gint64 last_seen;

      if (g_str_equal (groups[i], peer_id))
        continue;
      other_name = g_key_file_get_string (self->store, groups[i], KEY_NAME, NULL);
      if (other_name == NULL || !g_str_equal (other_name, name))
        continue;
      last_seen = get_last_seen (self->store, groups[i]);
      if (best == NULL || last_seen > best_last_seen)
        {
          best = groups[i];
          best_last_seen = last_seen;
        }
    }

  return g_strdup (best);
}

/**
 * shoal_trust_remember:
 * @self: a #ShoalTrust
 * @peer_id: the id a peer's certificate proved
 * @name: the name the peer gave
 *
 * Trust-on-first-use bookkeeping, for when a peer authenticates: records
 * its name and when it was seen, and writes the store if that changed
 * anything but last-seen, or moved last-seen by more than a minute. A
 * failed write is logged; the bookkeeping stays in memory.
 *
 * When @peer_id is new, or comes with a name it did not have before, and
 * another id was already remembered under @name, that other id is returned:
 * a cloned or replaced machine, or one pretending to be it. It is returned
 * when the name moves to @peer_id, not on every later reconnect, so that a
 * replaced machine is flagged once rather than for as long as the old id is
 * remembered; the caller is the one to keep or show the flag.
 *
 * Returns: (transfer full) (nullable): the most recently seen other id known
 *   under @name, or %NULL
 */
gchar *
shoal_trust_remember (ShoalTrust  *self,
                      const gchar *peer_id,
                      const gchar *name)
{
  g_autofree gchar *old_name = NULL;
  g_autofree gchar *other = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean known;
  gboolean name_changed;
  gint64 now;

  g_return_val_if_fail (SHOAL_IS_TRUST (self), NULL);
  g_return_val_if_fail (shoal_peer_id_is_valid (peer_id), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  now = g_get_real_time () / G_USEC_PER_SEC;
  known = g_key_file_has_key (self->store, peer_id, KEY_FIRST_SEEN, NULL);
  old_name = g_key_file_get_string (self->store, peer_id, KEY_NAME, NULL);
  name_changed = old_name == NULL || !g_str_equal (old_name, name);

  if (known && !name_changed)
    {
      gint64 last_seen = get_last_seen (self->store, peer_id);

      /* Either way round: a clock set back also deserves a write. */
      if (ABS (now - last_seen) <= LAST_SEEN_WRITE_INTERVAL_S)
        return NULL;
    }

  if (name_changed)
    other = find_other_with_name (self, peer_id, name);

  if (!known)
    g_key_file_set_int64 (self->store, peer_id, KEY_FIRST_SEEN, now);
  g_key_file_set_string (self->store, peer_id, KEY_NAME, name);
  g_key_file_set_int64 (self->store, peer_id, KEY_LAST_SEEN, now);
  prune (self, peer_id);

  if (!write_store (self, FALSE, &local_error))
    g_warning ("%s", local_error->message);

  if (other != NULL)
    g_debug ("Peer %s calls itself “%s”, a name peer %s had", peer_id, name, other);
  return g_steal_pointer (&other);
}
