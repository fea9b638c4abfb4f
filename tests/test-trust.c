/* test-trust.c: trust verdicts, the trust store, network keys and codes
 *
 * The fixed vectors below were computed independently with Python's hmac
 * and hashlib; doc/PROTOCOL.md (Trust) has the inputs and the one-liners.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "shoal-error.h"
#include "shoal-trust.h"

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"
#define ID_C "00000000000000000000000000000001"

/* Expected warnings. The library logs structured, which
 * g_test_expect_message() does not see before GLib 2.78, so a writer swallows
 * the warnings a test expects and counts them; any other warning still goes
 * to the default writer and fails the test. */

static const gchar *expected_warning;  /* a g_pattern_match_simple() pattern */
static guint expected_warnings_seen;

static GLogWriterOutput
expecting_writer (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  if ((level & G_LOG_LEVEL_WARNING) && expected_warning != NULL)
    {
      for (gsize i = 0; i < n_fields; i++)
        if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
            g_pattern_match_simple (expected_warning, fields[i].value))
          {
            expected_warnings_seen++;
            return G_LOG_WRITER_HANDLED;
          }
    }

  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
expect_warning (const gchar *pattern)
{
  expected_warning = pattern;
  expected_warnings_seen = 0;
}

static guint
expected_warnings_done (void)
{
  expected_warning = NULL;
  return expected_warnings_seen;
}

/* Fixture: a fresh state directory per test, removed in the teardown. main()
 * makes assertions non-fatal so that a failed one marks the test failed and
 * the teardown still runs; the helpers below are NULL-safe so that a test
 * goes on to its end after a failure instead of crashing first. */

typedef struct {
  gchar *tmpdir;
  gchar *store_path;
} Fixture;

static void
remove_tree (const gchar *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("shoal-trust-XXXXXX", &error);
  g_assert_no_error (error);
  f->store_path = g_build_filename (f->tmpdir, "trust.ini", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->store_path);
}

static ShoalTrust *
new_loaded_trust (Fixture          *f,
                  ShoalTrustPolicy  policy)
{
  g_autoptr(ShoalTrust) trust = shoal_trust_new (f->tmpdir, policy);
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_trust_load (trust, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&trust);
}

/* Lowercase hex of @bytes, or NULL for NULL: compared with g_assert_cmpstr,
 * a mismatch prints both sides. */
static gchar *
bytes_to_hex (GBytes *bytes)
{
  const guint8 *data;
  gsize len = 0;
  GString *hex;

  if (bytes == NULL)
    return NULL;

  data = g_bytes_get_data (bytes, &len);
  hex = g_string_sized_new (2 * len);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", data[i]);
  return g_string_free (hex, FALSE);
}

#define assert_bytes_hex(bytes, hex) \
  G_STMT_START { \
    g_autofree gchar *_actual = bytes_to_hex (bytes); \
    g_assert_cmpstr (_actual, ==, (hex)); \
  } G_STMT_END

static const gchar *
message_of (const GError *error)
{
  return error != NULL ? error->message : "";
}

static GBytes *
bytes_counting_from (guint8 first,
                     gsize  len)
{
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) (first + i);
  return g_bytes_new_take (data, len);
}

/* A peer id from a number, so that many distinct ids are easy to make. */
static gchar *
numbered_id (guint n)
{
  return g_strdup_printf ("%032x", n);
}

/* The trust store's groups as the file on disk has them. */
static gchar **
store_groups (Fixture *f,
              gsize   *out_n)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_key_file_load_from_file (file, f->store_path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  return g_key_file_get_groups (file, out_n);
}

static guint64
store_inode (Fixture *f)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (f->store_path, &st), ==, 0);
  return (guint64) st.st_ino;
}

/* 1. Verdicts */

static void
assert_verdicts (ShoalTrust        *trust,
                 ShoalTrustVerdict  undecided,
                 ShoalTrustVerdict  trusted,
                 ShoalTrustVerdict  untrusted)
{
  g_assert_cmpint (shoal_trust_check (trust, ID_C), ==, undecided);
  g_assert_cmpint (shoal_trust_check (trust, ID_A), ==, trusted);
  g_assert_cmpint (shoal_trust_check (trust, ID_B), ==, untrusted);
  g_assert_false (shoal_trust_is_trusted (trust, ID_C));
  g_assert_true (shoal_trust_is_trusted (trust, ID_A));
  g_assert_false (shoal_trust_is_trusted (trust, ID_B));
}

static void
decide (ShoalTrust *trust)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_trust_set_trusted (trust, ID_A, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_trust_set_trusted (trust, ID_B, FALSE, &error));
  g_assert_no_error (error);
}

static void
test_verdicts (Fixture       *f,
               gconstpointer  data)
{
  static const struct {
    ShoalTrustPolicy  policy;
    ShoalTrustVerdict undecided;
  } cases[] = {
    { SHOAL_TRUST_POLICY_OPEN, SHOAL_TRUST_VERDICT_ACCEPT },
    { SHOAL_TRUST_POLICY_NETWORK_KEY, SHOAL_TRUST_VERDICT_ACCEPT },
    { SHOAL_TRUST_POLICY_ALLOW_LIST, SHOAL_TRUST_VERDICT_PENDING },
  };

  g_test_summary ("Under every policy a trusted peer is accepted and an untrusted one "
                  "rejected; an undecided peer is accepted under the open and network-key "
                  "policies and pending under the allow list");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ShoalTrust) trust = new_loaded_trust (f, cases[i].policy);
      g_autoptr(GError) error = NULL;

      g_assert_cmpint (shoal_trust_get_policy (trust), ==, cases[i].policy);
      decide (trust);
      assert_verdicts (trust, cases[i].undecided, SHOAL_TRUST_VERDICT_ACCEPT,
                       SHOAL_TRUST_VERDICT_REJECT);

      /* A decision can be reversed either way. */
      g_assert_true (shoal_trust_set_trusted (trust, ID_A, FALSE, &error));
      g_assert_no_error (error);
      g_assert_cmpint (shoal_trust_check (trust, ID_A), ==, SHOAL_TRUST_VERDICT_REJECT);
      g_assert_true (shoal_trust_set_trusted (trust, ID_A, TRUE, &error));
      g_assert_no_error (error);
      g_assert_cmpint (shoal_trust_check (trust, ID_A), ==, SHOAL_TRUST_VERDICT_ACCEPT);

      /* Remembering a peer is no decision. */
      g_free (shoal_trust_remember (trust, ID_C, "somebody"));
      g_assert_cmpint (shoal_trust_check (trust, ID_C), ==, cases[i].undecided);

      g_unlink (f->store_path);
    }
}

static void
test_invalid_id (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(ShoalTrust) trust = new_loaded_trust (f, SHOAL_TRUST_POLICY_OPEN);
  g_autoptr(GError) error = NULL;

  g_test_summary ("Deciding on a string that is not a peer id fails with "
                  "SHOAL_ERROR_INVALID_PEER_ID and writes nothing");

  g_assert_false (shoal_trust_set_trusted (trust, "0123456789ABCDEF0123456789ABCDEF", TRUE,
                                           &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_PEER_ID);
  g_assert_false (g_file_test (f->store_path, G_FILE_TEST_EXISTS));
  g_assert_false (shoal_trust_is_trusted (trust, "not an id"));
}

/* 2. Persistence */

static void
test_persistence (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ShoalTrust) first = new_loaded_trust (f, SHOAL_TRUST_POLICY_ALLOW_LIST);
  g_autoptr(ShoalTrust) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *nested = g_build_filename (f->tmpdir, "not", "yet", NULL);
  g_autoptr(ShoalTrust) third = shoal_trust_new (nested, SHOAL_TRUST_POLICY_OPEN);
  GStatBuf st;

  g_test_summary ("Decisions survive a new ShoalTrust on the same directory; the store is "
                  "mode 0600 and a missing state directory is made 0700");

  decide (first);
  g_clear_object (&first);

  g_assert_cmpint (g_stat (f->store_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  second = new_loaded_trust (f, SHOAL_TRUST_POLICY_ALLOW_LIST);
  assert_verdicts (second, SHOAL_TRUST_VERDICT_PENDING, SHOAL_TRUST_VERDICT_ACCEPT,
                   SHOAL_TRUST_VERDICT_REJECT);

  /* A missing file is an empty store; the first write makes the directory. */
  g_assert_true (shoal_trust_load (third, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_trust_set_trusted (third, ID_A, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (nested, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
}

/* 3. A damaged store */

static void
test_corrupt (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(ShoalTrust) trust = shoal_trust_new (f->tmpdir, SHOAL_TRUST_POLICY_OPEN);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;
  gsize n_groups = 0;
  const gchar *bad_group =
    "[" ID_A "]\n"
    "trusted=false\n"
    "[not-a-peer-id]\n"
    "trusted=true\n"
    "[" ID_B "]\n"
    "name=bee\n"
    "trusted=true\n";

  g_test_summary ("A trust store that does not parse fails to load with "
                  "SHOAL_ERROR_STATE_DIRECTORY naming the file; a group whose name is "
                  "not a peer id is skipped with a warning and the rest is kept");

  g_assert_true (g_file_set_contents (f->store_path, "this is [not a key file\n", -1, NULL));
  g_assert_false (shoal_trust_load (trust, &error));
  g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_STATE_DIRECTORY);
  g_assert_nonnull (strstr (message_of (error), f->store_path));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (f->store_path, bad_group, -1, NULL));
  expect_warning ("*not-a-peer-id*");
  g_assert_true (shoal_trust_load (trust, &error));
  g_assert_cmpuint (expected_warnings_done (), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_trust_check (trust, ID_A), ==, SHOAL_TRUST_VERDICT_REJECT);
  g_assert_true (shoal_trust_is_trusted (trust, ID_B));

  /* The next write drops the skipped group. */
  g_assert_true (shoal_trust_set_trusted (trust, ID_C, TRUE, &error));
  g_assert_no_error (error);
  groups = store_groups (f, &n_groups);
  g_assert_cmpuint (n_groups, ==, 3);
  g_assert_false (g_strv_contains ((const gchar * const *) groups, "not-a-peer-id"));
}

/* 4. Remembering peers */

static void
test_remember (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(ShoalTrust) trust = new_loaded_trust (f, SHOAL_TRUST_POLICY_OPEN);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *other = NULL;
  g_autofree gchar *name = NULL;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  guint64 inode;

  g_test_summary ("Remembering records name, first-seen and last-seen; a known name under a "
                  "new id returns the old id once, a known peer under its own name returns "
                  "NULL and, within a minute, writes nothing");

  g_assert_null (shoal_trust_remember (trust, ID_A, "kitchen"));

  g_key_file_load_from_file (file, f->store_path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  name = g_key_file_get_string (file, ID_A, "name", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "kitchen");
  g_assert_cmpint (g_key_file_get_int64 (file, ID_A, "first-seen", NULL), >=, before);
  g_assert_cmpint (g_key_file_get_int64 (file, ID_A, "last-seen", NULL), >=, before);
  g_assert_false (g_key_file_has_key (file, ID_A, "trusted", NULL));

  /* The same peer again: nothing to report and, this soon, nothing to
   * write (an atomic write would replace the file with a new inode). */
  inode = store_inode (f);
  g_assert_null (shoal_trust_remember (trust, ID_A, "kitchen"));
  g_assert_cmpuint (store_inode (f), ==, inode);

  /* A new id under a known name: a cloned or replaced machine. */
  other = shoal_trust_remember (trust, ID_B, "kitchen");
  g_assert_cmpstr (other, ==, ID_A);
  g_clear_pointer (&other, g_free);
  g_assert_cmpuint (store_inode (f), !=, inode);

  /* Reported when the name moves, not on every reconnect after. */
  g_assert_null (shoal_trust_remember (trust, ID_B, "kitchen"));
  g_assert_null (shoal_trust_remember (trust, ID_A, "kitchen"));

  /* A rename is written; a name nobody else had reports nothing. */
  inode = store_inode (f);
  g_assert_null (shoal_trust_remember (trust, ID_A, "cellar"));
  g_assert_cmpuint (store_inode (f), !=, inode);

  /* Renamed back while ID_B holds the name: ID_B is reported. */
  other = shoal_trust_remember (trust, ID_A, "kitchen");
  g_assert_cmpstr (other, ==, ID_B);
}

static void
test_remember_most_recent (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(ShoalTrust) trust = shoal_trust_new (f->tmpdir, SHOAL_TRUST_POLICY_OPEN);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *other = NULL;
  const gchar *contents =
    "[" ID_A "]\n"
    "name=kitchen\nfirst-seen=100\nlast-seen=200\n"
    "[" ID_B "]\n"
    "name=kitchen\nfirst-seen=100\nlast-seen=300\n";

  g_test_summary ("When several other ids had the name, the most recently seen is returned");

  g_assert_true (g_file_set_contents (f->store_path, contents, -1, NULL));
  g_assert_true (shoal_trust_load (trust, &error));
  g_assert_no_error (error);

  other = shoal_trust_remember (trust, ID_C, "kitchen");
  g_assert_cmpstr (other, ==, ID_B);
}

static void
test_remember_bound (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(ShoalTrust) trust = shoal_trust_new (f->tmpdir, SHOAL_TRUST_POLICY_ALLOW_LIST);
  g_autoptr(ShoalTrust) reloaded = NULL;
  g_autoptr(GString) contents = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;
  g_autofree gchar *last = numbered_id (SHOAL_TRUST_MAX_KNOWN + 10);
  gsize n_groups = 0;

  g_test_summary ("The store holds at most SHOAL_TRUST_MAX_KNOWN peers, forgetting "
                  "undecided ones; decided peers and the peer just seen are never forgotten");

  /* A store a few peers short of full, written at once: remembering a
   * thousand peers one by one rewrites (and syncs) the file a thousand
   * times, minutes under a sanitizer, and proves nothing more. */
  for (guint i = 1; i <= SHOAL_TRUST_MAX_KNOWN - 10; i++)
    g_string_append_printf (contents, "[%032x]\nname=peer-%u\nfirst-seen=%u\nlast-seen=%u\n",
                            i, i, 1000 + i, 1000 + i);
  g_assert_true (g_file_set_contents (f->store_path, contents->str, -1, NULL));
  g_assert_true (shoal_trust_load (trust, &error));
  g_assert_no_error (error);

  g_assert_true (shoal_trust_set_trusted (trust, ID_A, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_trust_set_trusted (trust, ID_B, FALSE, &error));
  g_assert_no_error (error);

  for (guint i = SHOAL_TRUST_MAX_KNOWN - 9; i <= SHOAL_TRUST_MAX_KNOWN + 10; i++)
    {
      g_autofree gchar *id = numbered_id (i);
      g_autofree gchar *name = g_strdup_printf ("peer-%u", i);

      g_assert_null (shoal_trust_remember (trust, id, name));
    }

  groups = store_groups (f, &n_groups);
  g_assert_cmpuint (n_groups, <=, SHOAL_TRUST_MAX_KNOWN);
  g_assert_true (g_strv_contains ((const gchar * const *) groups, ID_A));
  g_assert_true (g_strv_contains ((const gchar * const *) groups, ID_B));
  g_assert_true (g_strv_contains ((const gchar * const *) groups, last));

  reloaded = new_loaded_trust (f, SHOAL_TRUST_POLICY_ALLOW_LIST);
  g_assert_cmpint (shoal_trust_check (reloaded, ID_A), ==, SHOAL_TRUST_VERDICT_ACCEPT);
  g_assert_cmpint (shoal_trust_check (reloaded, ID_B), ==, SHOAL_TRUST_VERDICT_REJECT);
}

static void
test_remember_bound_oldest (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(ShoalTrust) trust = shoal_trust_new (f->tmpdir, SHOAL_TRUST_POLICY_OPEN);
  g_autoptr(GString) contents = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;
  gsize n_groups = 0;

  g_test_summary ("A full store forgets the least recently seen undecided peer, not a "
                  "decided one seen even longer ago");

  /* Peer 1 is the oldest but decided; peer 2 the oldest undecided. */
  for (guint i = 1; i <= SHOAL_TRUST_MAX_KNOWN; i++)
    g_string_append_printf (contents, "[%032x]\nname=p%u\nfirst-seen=%u\nlast-seen=%u\n%s",
                            i, i, 1000 + i, 1000 + i, i == 1 ? "trusted=true\n" : "");
  g_assert_true (g_file_set_contents (f->store_path, contents->str, -1, NULL));
  g_assert_true (shoal_trust_load (trust, &error));
  g_assert_no_error (error);

  g_assert_null (shoal_trust_remember (trust, ID_A, "newcomer"));

  groups = store_groups (f, &n_groups);
  g_assert_cmpuint (n_groups, ==, SHOAL_TRUST_MAX_KNOWN);
  g_assert_true (g_strv_contains ((const gchar * const *) groups,
                                  "00000000000000000000000000000001"));
  g_assert_false (g_strv_contains ((const gchar * const *) groups,
                                   "00000000000000000000000000000002"));
  g_assert_true (g_strv_contains ((const gchar * const *) groups,
                                  "00000000000000000000000000000003"));
  g_assert_true (g_strv_contains ((const gchar * const *) groups, ID_A));
}

/* 5. Network keys */

static void
test_network_key_parse (Fixture       *f,
                        gconstpointer  data)
{
  static const gchar *bad[] = {
    "",
    "   \n",
    /* 63 characters */
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",
    /* 65 characters */
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0",
    /* 64 characters, one not hex */
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",
    /* whitespace inside */
    "000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f",
  };
  g_test_summary ("A network key is exactly 64 hex characters in either case, with "
                  "surrounding whitespace ignored; anything else fails with "
                  "SHOAL_ERROR_INVALID_ARGUMENT and a message saying the expected form");

  for (gsize i = 0; i < 3; i++)
    {
      static const gchar *good[] = {
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
        "  000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
      };
      g_autoptr(GBytes) key = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_true (shoal_network_key_parse (good[i], &key, &error));
      g_assert_no_error (error);
      assert_bytes_hex (key, "000102030405060708090a0b0c0d0e0f"
                             "101112131415161718191a1b1c1d1e1f");
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GBytes) key = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_false (shoal_network_key_parse (bad[i], &key, &error));
      g_assert_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (message_of (error), "64 hexadecimal characters"));
      g_assert_nonnull (strstr (message_of (error), "shoal key generate"));
      g_assert_null (key);
    }
}

static void
test_network_key_generate (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree gchar *one = shoal_network_key_generate ();
  g_autofree gchar *two = shoal_network_key_generate ();
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A generated key is 64 lowercase hex characters that parse back to the "
                  "same bytes, and two keys differ");

  g_assert_cmpuint (strlen (one), ==, 2 * SHOAL_NETWORK_KEY_SIZE);
  for (gsize i = 0; one[i] != '\0'; i++)
    g_assert_true (g_ascii_isdigit (one[i]) || (one[i] >= 'a' && one[i] <= 'f'));
  g_assert_cmpstr (one, !=, two);

  g_assert_true (shoal_network_key_parse (one, &key, &error));
  g_assert_no_error (error);
  assert_bytes_hex (key, one);
}

/* 6. Proofs */

#define PROOF_SENDER ID_A
#define PROOF_VECTOR "ce437c6c4d4eb954d6399dd6d3df3694e70f986a24be5315ed279d32afeaf45f"

static void
test_proof (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GBytes) key = bytes_counting_from (0x00, 32);
  g_autoptr(GBytes) other_key = bytes_counting_from (0x01, 32);
  g_autoptr(GBytes) binding = bytes_counting_from (0xa0, 32);
  g_autoptr(GBytes) other_binding = bytes_counting_from (0xa1, 32);
  g_autoptr(GBytes) proof = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GBytes) by_other_sender = NULL;
  g_autoptr(GBytes) on_other_binding = NULL;
  g_autoptr(GBytes) with_other_key = NULL;
  g_autoptr(GBytes) truncated = NULL;

  g_test_summary ("The network key proof matches a vector computed independently, and "
                  "changes with the key, the channel binding and the sender; proofs compare "
                  "equal only when both exist, have the same size and the same bytes");

  proof = shoal_network_key_proof (key, binding, PROOF_SENDER);
  assert_bytes_hex (proof, PROOF_VECTOR);

  again = shoal_network_key_proof (key, binding, PROOF_SENDER);
  by_other_sender = shoal_network_key_proof (key, binding, ID_B);
  on_other_binding = shoal_network_key_proof (key, other_binding, PROOF_SENDER);
  with_other_key = shoal_network_key_proof (other_key, binding, PROOF_SENDER);

  g_assert_true (shoal_network_key_proof_equal (proof, again));
  g_assert_false (shoal_network_key_proof_equal (proof, by_other_sender));
  g_assert_false (shoal_network_key_proof_equal (proof, on_other_binding));
  g_assert_false (shoal_network_key_proof_equal (proof, with_other_key));

  truncated = g_bytes_new (g_bytes_get_data (proof, NULL), SHOAL_NETWORK_KEY_PROOF_SIZE - 1);
  g_assert_false (shoal_network_key_proof_equal (proof, truncated));
  g_assert_false (shoal_network_key_proof_equal (truncated, proof));
  g_assert_false (shoal_network_key_proof_equal (proof, NULL));
  g_assert_false (shoal_network_key_proof_equal (NULL, proof));
  g_assert_false (shoal_network_key_proof_equal (NULL, NULL));
}

static void
test_trust_network_key (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(ShoalTrust) trust = shoal_trust_new (f->tmpdir, SHOAL_TRUST_POLICY_NETWORK_KEY);
  g_autoptr(GBytes) key = bytes_counting_from (0x00, 32);

  g_test_summary ("A ShoalTrust holds the network key it is given, or none");

  g_assert_null (shoal_trust_get_network_key (trust));
  shoal_trust_set_network_key (trust, key);
  g_assert_true (shoal_trust_get_network_key (trust) == key);
  shoal_trust_set_network_key (trust, NULL);
  g_assert_null (shoal_trust_get_network_key (trust));
}

/* 7. Verification codes */

#define FINGERPRINT_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define FINGERPRINT_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define FINGERPRINT_C "000000000000000000000000000000000000000000000000000000000000000e"
/* Fingerprints as nodes pass them: colon-separated pairs. D is the key of
 * the certificate vector in doc/PROTOCOL.md (Identity). */
#define FINGERPRINT_D "91:6e:6b:61:e6:a2:a3:95:09:47:fc:14:8f:09:15:6f:" \
                      "d0:1c:e3:83:de:d1:f7:4a:ad:3c:f9:b2:a8:da:0a:42"
#define FINGERPRINT_E "00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:" \
                      "10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f"

static void
test_verification_code (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree gchar *ab = shoal_verification_code (FINGERPRINT_A, FINGERPRINT_B);
  g_autofree gchar *ba = shoal_verification_code (FINGERPRINT_B, FINGERPRINT_A);
  g_autofree gchar *ac = shoal_verification_code (FINGERPRINT_A, FINGERPRINT_C);
  g_autofree gchar *ca = shoal_verification_code (FINGERPRINT_C, FINGERPRINT_A);
  g_autofree gchar *de = shoal_verification_code (FINGERPRINT_D, FINGERPRINT_E);
  g_autofree gchar *ed = shoal_verification_code (FINGERPRINT_E, FINGERPRINT_D);

  g_test_summary ("The verification code is six digits, the same whichever side computes "
                  "it, matches vectors computed independently and keeps leading zeros");

  g_assert_cmpstr (ab, ==, ba);
  g_assert_cmpstr (ac, ==, ca);
  g_assert_cmpuint (strlen (ab), ==, 6);
  for (gsize i = 0; i < 6; i++)
    g_assert_true (g_ascii_isdigit (ab[i]));

  g_assert_cmpstr (ab, ==, "406617");
  g_assert_cmpstr (ac, ==, "058406");
  g_assert_cmpstr (de, ==, ed);
  g_assert_cmpstr (de, ==, "005728");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* A failed assertion fails its test and goes on, so the fixture teardown
   * still removes the test's directory. */
  g_test_set_nonfatal_assertions ();
  g_log_set_writer_func (expecting_writer, NULL, NULL);

  g_test_add ("/trust/verdicts", Fixture, NULL,
              fixture_setup, test_verdicts, fixture_teardown);
  g_test_add ("/trust/invalid-id", Fixture, NULL,
              fixture_setup, test_invalid_id, fixture_teardown);
  g_test_add ("/trust/persistence", Fixture, NULL,
              fixture_setup, test_persistence, fixture_teardown);
  g_test_add ("/trust/corrupt", Fixture, NULL,
              fixture_setup, test_corrupt, fixture_teardown);
  g_test_add ("/trust/remember", Fixture, NULL,
              fixture_setup, test_remember, fixture_teardown);
  g_test_add ("/trust/remember/most-recent", Fixture, NULL,
              fixture_setup, test_remember_most_recent, fixture_teardown);
  g_test_add ("/trust/remember/bound", Fixture, NULL,
              fixture_setup, test_remember_bound, fixture_teardown);
  g_test_add ("/trust/remember/bound-oldest", Fixture, NULL,
              fixture_setup, test_remember_bound_oldest, fixture_teardown);
  g_test_add ("/trust/network-key/parse", Fixture, NULL,
              fixture_setup, test_network_key_parse, fixture_teardown);
  g_test_add ("/trust/network-key/generate", Fixture, NULL,
              fixture_setup, test_network_key_generate, fixture_teardown);
  g_test_add ("/trust/network-key/held", Fixture, NULL,
              fixture_setup, test_trust_network_key, fixture_teardown);
  g_test_add ("/trust/proof", Fixture, NULL,
              fixture_setup, test_proof, fixture_teardown);
  g_test_add ("/trust/verification-code", Fixture, NULL,
              fixture_setup, test_verification_code, fixture_teardown);

  return g_test_run ();
}
