/* shoal-mesh-targets.c: what discovery reports, and the dials it leads to
 *
 * A target is what one discovery backend reports under one key: maybe an
 * id, some addresses. A target with an id joins that peer's entry, which
 * dials the peer when no link is there (and the trust policy lets it in);
 * a target without one, a configured address, is dialled blind until a
 * link tells whose it is. Failed dials back off.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-mesh-private.h"
#include "shoal-peer-private.h"

/* Peers known from hints alone, never linked: strangers can make up any
 * number of them, so only so many are listed. */
#define MAX_DISCOVERED 256

/* The node with the larger id waits this long for the smaller one to dial,
 * so that nodes that see each other at the same moment usually make one
 * link, not two. */
#define DIAL_GRACE_MS 100

/* After this many failed dials in a row (about 4 s of backoff), the node
 * says once that a peer cannot be reached, and why. */
#define UNREACHABLE_AFTER_FAILURES 5

/* What the dialers of peers and of configured addresses report. */
static void entry_due        (gpointer           owner);
static void entry_connected  (gpointer           owner,
                              GSocketConnection *connection);
static void entry_failed     (gpointer           owner,
                              const GError      *error);
static void target_due       (gpointer           owner);
static void target_connected (gpointer           owner,
                              GSocketConnection *connection);
static void target_failed    (gpointer           owner,
                              const GError      *error);

const ShoalDialerCallbacks shoal_mesh_entry_dialer_callbacks = {
  .due = entry_due,
  .connected = entry_connected,
  .failed = entry_failed,
};

static const ShoalDialerCallbacks target_dialer_callbacks = {
  .due = target_due,
  .connected = target_connected,
  .failed = target_failed,
};

void
shoal_mesh_target_free (Target *target)
{
  shoal_dialer_free (target->dialer);
  g_free (target->key);
  g_free (target->peer_id);
  g_free (target->name);
  g_free (target->last_error);
  g_ptr_array_unref (target->addresses);
  g_free (target);
}

/* Says once, after several failures in a row, that @what cannot be reached
 * and why; @said keeps it to once until a link comes up. */
static void
say_unreachable (ShoalDialer *dialer,
                 gboolean    *said,
                 const gchar *what,
                 const gchar *why)
{
  guint failures = shoal_dialer_get_failures (dialer);

  if (*said || failures < UNREACHABLE_AFTER_FAILURES)
    return;

  *said = TRUE;
  g_message (_("Cannot link up with %s: %u dials in a row failed, the last one because: %s"),
             what, failures, why != NULL ? why : _("no reason given"));
}

/* A dial that did not end in a live link: try again later, as long as
 * someone still vouches for the peer. */
static void
entry_dial_failed (PeerEntry   *entry,
                   const gchar *why)
{
  ShoalMesh *self = entry->mesh;

  /* A dial beside a live link (one that stalled, or crossing the peer's
   * own dial) says nothing against the peer: it is linked. Counted as a
   * failure, it would hold back the redial after a later cut by a backoff
   * (section 11.3: the first redial goes out at once). */
  if (entry->link != NULL)
    {
      g_debug ("Peer %s: a dial beside its link failed: %s", shoal_peer_get_id (entry->peer),
               why != NULL ? why : "no reason given");
      shoal_dialer_cancel (entry->dialer);
      return;
    }

  shoal_dialer_failed (entry->dialer);
  if (why != NULL)
    shoal_peer_set_last_error (entry->peer, why);
  if (!entry->said_unreachable)
    {
      const gchar *name = shoal_peer_get_name (entry->peer);
      g_autofree gchar *what = name != NULL ?
        g_strdup_printf (_("peer %s (%s)"), shoal_peer_get_id (entry->peer), name) :
        g_strdup_printf (_("peer %s"), shoal_peer_get_id (entry->peer));

      say_unreachable (entry->dialer, &entry->said_unreachable, what,
                       shoal_peer_get_last_error (entry->peer));
    }
  shoal_mesh_entry_update_state (entry);
  if (!shoal_mesh_entry_check_gone (self, entry))
    shoal_mesh_maybe_dial_entry (self, entry, 0);
}

static void
target_dial_failed (Target      *target,
                    const gchar *why)
{
  ShoalMesh *self = target->mesh;

  shoal_dialer_failed (target->dialer);
  if (why != NULL)
    {
      g_free (target->last_error);
      target->last_error = g_strdup (why);
    }
  if (!target->said_unreachable && target->addresses->len > 0)
    {
      g_autofree gchar *address =
        shoal_socket_address_to_string (g_ptr_array_index (target->addresses, 0));
      g_autofree gchar *what = g_strdup_printf (_("the configured peer at %s"), address);

      say_unreachable (target->dialer, &target->said_unreachable, what, why);
    }
  if (target->peer_id != NULL)
    {
      PeerEntry *entry = g_hash_table_lookup (self->entries, target->peer_id);

      if (entry != NULL)
        shoal_mesh_maybe_dial_entry (self, entry, 0);
    }
  else
    {
      shoal_mesh_maybe_dial_target (self, target);
    }
}

/* A link is kept by key, not pointer, since it may outlive the entry or
 * target that dialled it. */
void
shoal_mesh_owner_dial_failed (ShoalMesh   *self,
                              const gchar *owner_key,
                              gboolean     owner_is_target,
                              const gchar *why)
{
  if (owner_is_target)
    {
      Target *target = g_hash_table_lookup (self->targets, owner_key);

      if (target != NULL)
        target_dial_failed (target, why);
    }
  else
    {
      PeerEntry *entry = g_hash_table_lookup (self->entries, owner_key);

      if (entry != NULL)
        entry_dial_failed (entry, why);
      else
        shoal_mesh_connect_failed (self, owner_key, why);
    }
}

/* What a failed connect says, in words that stay the same whatever the
 * locale: shoal doctor reads the start of them. */
static gchar *
describe_dial_error (const GError *error)
{
  const gchar *what = "cannot connect";

  if (error == NULL)
    return g_strdup (what);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    what = "connection refused";
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    what = "connection timed out";
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    what = "unreachable";
  return g_strdup_printf ("%s: %s", what, error->message);
}

static void
entry_due (gpointer owner)
{
  PeerEntry *entry = owner;
  g_autoptr(GPtrArray) addresses = shoal_mesh_entry_addresses (entry);
  gboolean beside = entry->dial_beside;

  entry->dial_beside = FALSE;
  /* The peer may have dialled us while we waited. */
  if ((entry->link != NULL && !beside) || addresses->len == 0)
    return;

  /* Beside a stalled link, the new one is of the next generation, so that
   * it wins over the old at both ends (section 11.4). */
  entry->dial_generation = 0;
  if (beside && entry->link != NULL)
    {
      guint32 generation = shoal_mesh_link_generation (entry->mesh, entry->link);

      entry->dial_generation = generation < G_MAXUINT32 ? generation + 1 : generation;
    }

  g_debug ("Dialling %s (%u address(es))", shoal_peer_get_id (entry->peer), addresses->len);
  shoal_dialer_dial (entry->dialer, addresses);
  shoal_mesh_entry_update_state (entry);
}

static void
entry_connected (gpointer           owner,
                 GSocketConnection *connection)
{
  PeerEntry *entry = owner;
  const gchar *id = shoal_peer_get_id (entry->peer);

  /* We know whom we dial: a certificate for another id is refused in TLS. */
  shoal_mesh_secure_connection (entry->mesh, connection, TRUE, id, FALSE, id);
}

static void
entry_failed (gpointer      owner,
              const GError *error)
{
  g_autofree gchar *why = describe_dial_error (error);

  entry_dial_failed (owner, why);
}

static void
target_due (gpointer owner)
{
  Target *target = owner;

  if (target->peer_id != NULL || target->is_self)
    return;

  g_debug ("Dialling %s (%u address(es))", target->key, target->addresses->len);
  shoal_dialer_dial (target->dialer, target->addresses);
}

static void
target_connected (gpointer           owner,
                  GSocketConnection *connection)
{
  Target *target = owner;

  shoal_mesh_secure_connection (target->mesh, connection, TRUE, target->key, TRUE, NULL);
}

static void
target_failed (gpointer      owner,
               const GError *error)
{
  g_autofree gchar *why = describe_dial_error (error);

  target_dial_failed (owner, why);
}

/* Dials a peer unless a link, a wait or a dial is there already; waits at
 * least @at_least_ms, and the grace period when the peer is the one to dial.
 *
 * This is the one place where a hint about a known id (a record, a peer
 * exchange entry, the address cache, a lost link's address) becomes a dial:
 * a rule that a peer must not be dialled on its own goes here. */
void
shoal_mesh_maybe_dial_entry (ShoalMesh *self,
                  PeerEntry *entry,
                  guint      at_least_ms)
{
  const gchar *peer_id = shoal_peer_get_id (entry->peer);

  if (!self->open || (entry->link != NULL && !entry->dial_beside) ||
      shoal_dialer_is_busy (entry->dialer))
    return;

  if (shoal_trust_check (self->trust, peer_id) != SHOAL_TRUST_VERDICT_ACCEPT)
    return;

  /* A person disconnected it: no hint dials it until Connect names it. */
  if (shoal_mesh_is_held (self, peer_id))
    return;

  if (entry->targets->len == 0 && entry->link_address == NULL)
    return;

  /* The first dial and the first redial after a loss go out at once from
   * the smaller id; the backoff counts only failures. A dial beside a
   * stalled link goes at once from either end: it wins by its generation,
   * and crossing ones are settled like any others. */
  if (strcmp (self->local_id, peer_id) > 0 && !entry->dial_beside)
    at_least_ms = MAX (at_least_ms, DIAL_GRACE_MS);

  shoal_dialer_schedule (entry->dialer, at_least_ms);
}

void
shoal_mesh_maybe_dial_target (ShoalMesh *self,
                   Target    *target)
{
  if (!self->open || target->peer_id != NULL || target->is_self || target->addresses->len == 0)
    return;

  shoal_dialer_schedule (target->dialer, 0);
}

void
shoal_mesh_target_detach (ShoalMesh *self,
               Target    *target)
{
  PeerEntry *entry;

  if (target->peer_id == NULL)
    return;

  entry = g_hash_table_lookup (self->entries, target->peer_id);
  g_clear_pointer (&target->peer_id, g_free);
  if (entry == NULL)
    return;

  g_ptr_array_remove (entry->targets, target);
  shoal_mesh_entry_update_name (entry);
  shoal_mesh_entry_update_addresses (entry);
  shoal_mesh_entry_check_gone (self, entry);
}

/* How many peers are known from hints alone: never linked, nor waiting for
 * a person's decision. */
static guint
count_discovered (ShoalMesh *self)
{
  GHashTableIter iter;
  gpointer value;
  guint count = 0;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PeerEntry *entry = value;

      if (!entry->ever_connected && entry->link == NULL && !entry->pending && !entry->awaiting)
        count++;
    }
  return count;
}

/**
 * shoal_mesh_target_found:
 * @self: a #ShoalMesh
 * @key: the target's key, unique within the mesh
 * @peer_id: (nullable): the peer's id, if the hint gives one
 * @name: (nullable): the peer's name, if the hint gives one; shown only
 *   until the peer's own hello says its name
 * @addresses: (element-type GInetSocketAddress): where to dial it, best first
 * @from_this_host: whether the hint comes from this machine (its own
 *   configuration or memory), where a loopback address may be a node
 *
 * Reports a hint, new or changed; the mesh dials it unless a link to its
 * peer is already there. Every hint goes through here: addresses that the
 * rule of shoal_address_is_dialable() refuses, or that a dial proved to
 * belong to another id, are left out, and a hint left without an address
 * is no hint (the target is forgotten). A hint for an id never seen before
 * is ignored while 256 such peers are listed.
 */
void
shoal_mesh_target_found (ShoalMesh   *self,
                         const gchar *key,
                         const gchar *peer_id,
                         const gchar *name,
                         GPtrArray   *addresses,
                         gboolean     from_this_host)
{
  g_autoptr(GPtrArray) usable = NULL;
  Target *target;

  if (!self->open)
    return;

  /* Our own advertisement, seen through mDNS. */
  if (peer_id != NULL && g_strcmp0 (peer_id, self->local_id) == 0)
    return;

  usable = shoal_mesh_hints_filter (self, peer_id, addresses, from_this_host);
  if (usable->len == 0)
    {
      g_debug ("Hint %s gives no address to dial", key);
      shoal_mesh_target_lost (self, key);
      return;
    }

  target = g_hash_table_lookup (self->targets, key);
  if (target == NULL && peer_id != NULL && g_hash_table_lookup (self->entries, peer_id) == NULL &&
      count_discovered (self) >= MAX_DISCOVERED)
    {
      g_debug ("Ignoring hint %s: %u peers known from hints alone already", key, MAX_DISCOVERED);
      return;
    }

  if (target == NULL)
    {
      target = g_new0 (Target, 1);
      target->mesh = self;
      target->dialer = shoal_dialer_new (self->context, self->client, &target_dialer_callbacks,
                                         target);
      target->key = g_strdup (key);
      target->addresses = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_insert (self->targets, target->key, target);
    }

  g_free (target->name);
  target->name = g_strdup (name);
  g_ptr_array_set_size (target->addresses, 0);
  for (guint i = 0; i < usable->len; i++)
    g_ptr_array_add (target->addresses, g_object_ref (g_ptr_array_index (usable, i)));

  if (peer_id != NULL && g_strcmp0 (target->peer_id, peer_id) != 0)
    {
      shoal_mesh_target_detach (self, target);
      target->peer_id = g_strdup (peer_id);
      target->id_learnt = FALSE;
      shoal_dialer_cancel (target->dialer);
    }

  if (target->peer_id != NULL)
    {
      PeerEntry *entry = shoal_mesh_ensure_entry (self, target->peer_id);

      if (!g_ptr_array_find (entry->targets, target, NULL))
        g_ptr_array_add (entry->targets, target);
      shoal_mesh_entry_update_name (entry);
      shoal_mesh_entry_update_addresses (entry);
      shoal_mesh_maybe_dial_entry (self, entry, 0);
    }
  else
    {
      shoal_mesh_maybe_dial_target (self, target);
    }
}

/**
 * shoal_mesh_target_lost:
 * @self: a #ShoalMesh
 * @key: the key the target was found under
 *
 * Forgets a target. Its peer stays while a link vouches for it.
 */
void
shoal_mesh_target_lost (ShoalMesh   *self,
                        const gchar *key)
{
  Target *target = g_hash_table_lookup (self->targets, key);

  if (target == NULL)
    return;

  g_hash_table_steal (self->targets, key);
  shoal_mesh_target_detach (self, target);
  shoal_mesh_target_free (target);
}

/**
 * shoal_mesh_count_dials:
 * @self: a #ShoalMesh
 *
 * For tests that wait until nothing more will dial: a link yet to come
 * could still change what the one-link rule decided.
 *
 * Returns: how many peers and configured addresses have a dial waiting or
 *   under way (its link's handshake included)
 */
guint
shoal_mesh_count_dials (ShoalMesh *self)
{
  GHashTableIter iter;
  gpointer value;
  guint count = 0;

  g_hash_table_iter_init (&iter, self->targets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (shoal_dialer_is_busy (((Target *) value)->dialer))
      count++;
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (shoal_dialer_is_busy (((PeerEntry *) value)->dialer))
      count++;

  return count;
}

/**
 * shoal_mesh_describe_unlinked_addresses:
 * @self: a #ShoalMesh
 *
 * Configured addresses (targets without an id) whose dials failed, each
 * with why: a peer list cannot show them, since no one knows who is there.
 *
 * Returns: (transfer floating): an `a(ss)` of address and last error
 */
GVariant *
shoal_mesh_describe_unlinked_addresses (ShoalMesh *self)
{
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer value;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  g_hash_table_iter_init (&iter, self->targets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Target *target = value;
      g_autofree gchar *address = NULL;

      if (target->peer_id != NULL || target->is_self || target->last_error == NULL ||
          target->addresses->len == 0)
        continue;
      address = shoal_socket_address_to_string (g_ptr_array_index (target->addresses, 0));
      g_variant_builder_add (&builder, "(ss)", address, target->last_error);
    }
  return g_variant_builder_end (&builder);
}

void
shoal_mesh_cancel_dialers (ShoalMesh *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->targets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    shoal_dialer_cancel (((Target *) value)->dialer);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    shoal_dialer_cancel (((PeerEntry *) value)->dialer);
}
