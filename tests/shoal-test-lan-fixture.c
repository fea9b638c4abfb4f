/* shoal-test-lan-fixture.c: a lan suite's program, its fixture and its mesh
 *
 * Each test of the lan suites brings up its own LAN with tools/lan (hosts in
 * network namespaces on a bridge, each with its own system bus,
 * avahi-daemon and session bus), starts shoald on the hosts, and checks
 * everything through org.shoal.Shoal1 on each host's session bus
 * (shoal-test-lan-host.c). This file holds what every such program needs
 * around its tests: the prerequisites and the skip, a janitor that cleans
 * up however the program ends, tools/lan itself, the fixture, and what the
 * hosts' ListPeers say of each other.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-test-lan-host.h"

static gchar *missing_reason = NULL;
static gchar *setup_failure = NULL;  /* the current test's, if its LAN did not come up */
/* The program's bases, tagged with SHOAL_TEST_LAN_TAG if set (shoal_test_lan_name()). */
static gchar *lan_prefix = NULL;
static gchar *lan_root = NULL;
static gchar *lan_path = NULL;
static gchar *shoald_path = NULL;
static gchar *shoal_path = NULL;
static GSubprocess *janitor = NULL;
static gboolean tap = FALSE;
static gboolean own_test_tmpdir = FALSE;

/* ---- the program ---- */

/**
 * shoal_test_lan_init:
 * @argc: main()'s
 * @argv: main()'s
 * @prefix_base: the namespace prefix of the program's LANs
 * @root_base: the state directory of the program's LANs
 *
 * g_test_init(), and finds out whether this machine can run the program.
 * The bases are fixed, so that a run can clean up what a crashed run left
 * behind, and each program's are its own, so that they can run side by side.
 */
void
shoal_test_lan_init (int          *argc,
                     char       ***argv,
                     const gchar  *prefix_base,
                     const gchar  *root_base)
{
  const gchar *builddir;

  /* Unless a parent test set it, g_test_init() makes the directory it
   * names, and only g_test_run() removes it. */
  own_test_tmpdir = g_getenv ("G_TEST_TMPDIR") == NULL;
  /* g_test_init takes --tap out of argv */
  for (int i = 1; i < *argc; i++)
    tap = tap || g_str_equal ((*argv)[i], "--tap");
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  lan_path = g_test_build_filename (G_TEST_DIST, "..", "tools", "lan", NULL);
  lan_prefix = shoal_test_lan_name (prefix_base);
  lan_root = shoal_test_lan_name (root_base);
  builddir = g_getenv ("SHOAL_BUILDDIR");
  shoald_path = builddir != NULL ? g_build_filename (builddir, "src", "daemon", "shoald", NULL)
                                 : g_test_build_filename (G_TEST_BUILT, "..", "src", "daemon",
                                                          "shoald", NULL);
  shoal_path = builddir != NULL ? g_build_filename (builddir, "src", "cli", "shoal", NULL)
                                : g_test_build_filename (G_TEST_BUILT, "..", "src", "cli",
                                                         "shoal", NULL);

  missing_reason = shoal_test_lan_missing (lan_path);
  if (missing_reason == NULL && !g_file_test (shoald_path, G_FILE_TEST_IS_EXECUTABLE))
    missing_reason = g_strdup_printf ("no shoald at %s; build it first", shoald_path);
}

/**
 * shoal_test_lan_require_program:
 * @program: a program the tests run in the hosts
 * @missing: why the program cannot run without it
 *
 * After shoal_test_lan_init(): one more prerequisite.
 */
void
shoal_test_lan_require_program (const gchar *program,
                                const gchar *missing)
{
  g_autofree gchar *path = NULL;

  if (missing_reason != NULL)
    return;
  path = g_find_program_in_path (program);
  if (path == NULL)
    missing_reason = g_strdup (missing);
}

static void
in_own_session (gpointer user_data)
{
  setsid ();
}

/* A failed assertion aborts the program before any teardown, and a test
 * that runs over its time is killed. The janitor waits on a pipe that only
 * this process holds open: whenever this process ends, however it ends, the
 * janitor runs `tools/lan down`, which stops every process in our hosts by
 * pid and removes the namespaces. It lives in a session of its own so that
 * a signal to our process group spares it. */
static void
start_janitor (const gchar *own_tmpdir)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;

  launcher = shoal_test_lan_new_launcher (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  /* The janitor also removes the temporary directory that g_test_init()
   * made for this program, which only a g_test_run() that returns would. */
  g_subprocess_launcher_set_child_setup (launcher, in_own_session, NULL, NULL);
  janitor = g_subprocess_launcher_spawn (launcher, &error, "sh", "-c",
                                         "cat > /dev/null; \"$0\" down; "
                                         "if [ -n \"$1\" ]; then rm -rf -- \"$1\"; fi",
                                         lan_path, own_tmpdir != NULL ? own_tmpdir : "", NULL);
  g_assert_no_error (error);
}

/* After a normal run: the janitor's last `down` finds nothing left, and
 * the program ends after it. */
static void
stop_janitor (void)
{
  if (janitor == NULL)
    return;
  g_output_stream_close (g_subprocess_get_stdin_pipe (janitor), NULL, NULL);
  shoal_test_wait_exit (janitor, SHOAL_TEST_LAN_COMMAND_TIMEOUT_MS);
  g_clear_object (&janitor);
}

static void
program_clear (void)
{
  g_clear_pointer (&lan_path, g_free);
  g_clear_pointer (&lan_prefix, g_free);
  g_clear_pointer (&lan_root, g_free);
  g_clear_pointer (&shoald_path, g_free);
  g_clear_pointer (&shoal_path, g_free);
  g_clear_pointer (&missing_reason, g_free);
}

/**
 * shoal_test_lan_run_tests:
 *
 * Runs the tests added, with a janitor; or, where the machine cannot run
 * them, skips the whole program with the reason, unless
 * SHOAL_TEST_REQUIRE=all asks for each test to fail instead.
 *
 * Returns: what main() returns
 */
int
shoal_test_lan_run_tests (void)
{
  int status;

  if (missing_reason != NULL && g_strcmp0 (g_getenv ("SHOAL_TEST_REQUIRE"), "all") != 0)
    {
      /* Skipping without g_test_run(): leave nothing behind. */
      if (own_test_tmpdir && g_getenv ("G_TEST_TMPDIR") != NULL)
        g_rmdir (g_getenv ("G_TEST_TMPDIR"));
      /* The whole program skips, with its reason: in TAP, an empty plan
       * (meson counts a TAP program's non-zero exit as an error); otherwise
       * the automake convention, exit 77. */
      if (tap)
        {
          g_print ("1..0 # SKIP %s\n", missing_reason);
          status = 0;
        }
      else
        {
          g_printerr ("SKIP: %s\n", missing_reason);
          status = 77;
        }
      program_clear ();
      return status;
    }
  if (missing_reason == NULL)
    start_janitor (own_test_tmpdir ? g_getenv ("G_TEST_TMPDIR") : NULL);

  status = g_test_run ();
  stop_janitor ();
  program_clear ();
  return status;
}

/**
 * shoal_test_lan_fail_if_unable:
 *
 * At the start of each test: only reached where the program did not skip.
 *
 * Returns: %TRUE, having failed the test with the reason, if the machine
 *   cannot run it (under SHOAL_TEST_REQUIRE=all) or its LAN did not come up
 */
gboolean
shoal_test_lan_fail_if_unable (void)
{
  if (setup_failure != NULL)
    {
      g_test_fail_printf ("the LAN could not be set up: %s", setup_failure);
      return TRUE;
    }
  if (missing_reason == NULL)
    return FALSE;
  g_test_fail_printf ("SHOAL_TEST_REQUIRE=all but the lan suite cannot run: %s", missing_reason);
  return TRUE;
}

/**
 * shoal_test_lan_path:
 *
 * Returns: tools/lan
 */
const gchar *
shoal_test_lan_path (void)
{
  return lan_path;
}

/**
 * shoal_test_lan_root:
 *
 * Returns: the state directory of the program's LANs, where h1's is h1/
 */
const gchar *
shoal_test_lan_root (void)
{
  return lan_root;
}

/**
 * shoal_test_lan_shoald_path:
 *
 * Returns: the shoald of this build
 */
const gchar *
shoal_test_lan_shoald_path (void)
{
  return shoald_path;
}

/**
 * shoal_test_lan_shoal_path:
 *
 * Returns: the shoal of this build
 */
const gchar *
shoal_test_lan_shoal_path (void)
{
  return shoal_path;
}

/**
 * shoal_test_lan_new_launcher:
 * @flags: for the launcher
 *
 * Returns: (transfer full): a launcher for tools/lan and what it runs in the
 *   program's LAN (shoal_test_lan_launcher())
 */
GSubprocessLauncher *
shoal_test_lan_new_launcher (GSubprocessFlags flags)
{
  return shoal_test_lan_launcher (flags, lan_prefix, lan_root);
}

/* Runs `tools/lan @args…`; returns what went wrong, or NULL. */
static gchar *
lan_try_v (const gchar *first_arg,
           va_list      args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const gchar *arg;

  launcher = shoal_test_lan_new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                          G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_ptr_array_add (argv, lan_path);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);

  if (!shoal_test_lan_run (launcher, (const gchar * const *) argv->pdata,
                           SHOAL_TEST_LAN_COMMAND_TIMEOUT_MS, &error))
    return g_strdup (error->message);
  return NULL;
}

/**
 * shoal_test_lan_try:
 * @first_arg: the first argument to tools/lan
 * @...: more, then %NULL
 *
 * Runs `tools/lan ARGS…` on the program's LAN, for set-up and for what may
 * fail: the main context keeps running, so no signal from a host is held up.
 *
 * Returns: (transfer full) (nullable): what went wrong, or %NULL
 */
gchar *
shoal_test_lan_try (const gchar *first_arg,
                    ...)
{
  gchar *failure;
  va_list args;

  va_start (args, first_arg);
  failure = lan_try_v (first_arg, args);
  va_end (args);
  return failure;
}

/**
 * shoal_test_lan_do:
 * @first_arg: the first argument to tools/lan
 * @...: more, then %NULL
 *
 * As shoal_test_lan_try(), in a test's body: a failure ends the program.
 */
void
shoal_test_lan_do (const gchar *first_arg,
                   ...)
{
  g_autofree gchar *failure = NULL;
  va_list args;

  va_start (args, first_arg);
  failure = lan_try_v (first_arg, args);
  va_end (args);
  if (failure != NULL)
    g_error ("%s", failure);
}

/* ---- the fixture ---- */

/**
 * shoal_test_lan_set_up:
 * @fixture: to fill in
 * @spec: (type ShoalTestLanSpec): the LAN
 *
 * Brings up the LAN that @spec describes and connects to each host's bus;
 * no shoald runs yet. A LAN that cannot come up fails the test with the
 * reason (shoal_test_lan_fail_if_unable()).
 */
void
shoal_test_lan_set_up (ShoalTestLanFixture *fixture,
                       gconstpointer        spec)
{
  const ShoalTestLanSpec *lan = spec;
  g_autofree gchar *n = g_strdup_printf ("%u", lan->n_hosts);

  memset (fixture, 0, sizeof *fixture);
  fixture->processes = g_ptr_array_new_with_free_func (g_object_unref);
  if (missing_reason != NULL)
    return;

  /* Whatever a crashed run left under our prefix goes first. */
  setup_failure = shoal_test_lan_try ("down", NULL);
  if (setup_failure == NULL)
    setup_failure = shoal_test_lan_try ("up", n, lan->up_args[0], lan->up_args[1],
                                        lan->up_args[2], lan->up_args[3], NULL);
  if (setup_failure != NULL)
    return;
  fixture->lan_up = TRUE;

  g_assert_cmpuint (lan->n_hosts, <=, SHOAL_TEST_LAN_MAX_HOSTS);
  fixture->n_hosts = lan->n_hosts;
  fixture->port = lan->port;
  for (guint i = 1; i <= fixture->n_hosts; i++)
    shoal_test_lan_host_init (&fixture->hosts[i], i);
}

/**
 * shoal_test_lan_dump_logs:
 * @fixture: a fixture
 *
 * Prints the end of every host's shoald log.
 */
void
shoal_test_lan_dump_logs (ShoalTestLanFixture *fixture)
{
  for (guint i = 1; i <= fixture->n_hosts; i++)
    shoal_test_lan_host_dump_log (&fixture->hosts[i]);
}

/**
 * shoal_test_lan_tear_down:
 * @fixture: a fixture
 * @spec: (type ShoalTestLanSpec): the LAN
 *
 * Stops what runs in the hosts, each shoald cleanly or the test fails, and
 * takes the LAN down.
 */
void
shoal_test_lan_tear_down (ShoalTestLanFixture *fixture,
                          gconstpointer        spec)
{
  for (guint i = 0; i < fixture->processes->len; i++)
    {
      GSubprocess *process = g_ptr_array_index (fixture->processes, i);

      if (g_subprocess_get_identifier (process) != NULL)
        g_subprocess_send_signal (process, SIGTERM);
      shoal_test_wait_exit (process, SHOAL_TEST_LAN_STOP_TIMEOUT_MS);
    }
  g_clear_pointer (&fixture->processes, g_ptr_array_unref);
  if (g_test_failed ())
    shoal_test_lan_dump_logs (fixture);
  for (guint i = 1; i <= fixture->n_hosts; i++)
    shoal_test_lan_host_clear (&fixture->hosts[i]);
  if (fixture->lan_up)
    shoal_test_lan_do ("down", NULL);
  g_clear_pointer (&setup_failure, g_free);
}

/**
 * shoal_test_lan_start_hosts:
 * @fixture: a fixture
 * @first: the first host
 * @last: the last host
 *
 * Starts shoald on h@first..h@last one after the other, without waiting,
 * then waits until each answers.
 */
void
shoal_test_lan_start_hosts (ShoalTestLanFixture *fixture,
                            guint                first,
                            guint                last)
{
  for (guint i = first; i <= last; i++)
    shoal_test_lan_host_start (fixture, &fixture->hosts[i]);
  for (guint i = first; i <= last; i++)
    {
      ShoalTestLanHost *host = &fixture->hosts[i];

      g_assert_null (host->id);
      host->id = shoal_test_lan_host_wait_ready (host);
    }
}

/* ---- peers as ListPeers shows them ---- */

/**
 * shoal_test_lan_host_list_peers:
 * @host: a host
 *
 * Returns: (transfer full): what ListPeers on @host returns, aa{sv}
 */
GVariant *
shoal_test_lan_host_list_peers (ShoalTestLanHost *host)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = shoal_test_lan_host_call (host, "ListPeers", NULL, "(aa{sv})", &error);
  if (error != NULL)
    {
      /* A shoald gone from its bus: how it ended, and what it said last. */
      if (host->shoald != NULL && shoal_test_wait_exit (host->shoald, 2000))
        g_test_message ("%s: shoald %s %d", host->name,
                        g_subprocess_get_if_signaled (host->shoald) ? "died of signal" :
                        "exited with status",
                        g_subprocess_get_if_signaled (host->shoald) ?
                        g_subprocess_get_term_sig (host->shoald) :
                        g_subprocess_get_exit_status (host->shoald));
      shoal_test_lan_host_dump_log (host);
    }
  g_assert_no_error (error);
  return g_variant_get_child_value (reply, 0);
}

/**
 * shoal_test_lan_peer_view:
 * @host: a host
 * @id: a peer id
 * @view: (out caller-allocates): what @host's ListPeers says about @id; free
 *   with shoal_test_lan_peer_view_clear()
 */
void
shoal_test_lan_peer_view (ShoalTestLanHost     *host,
                          const gchar          *id,
                          ShoalTestLanPeerView *view)
{
  g_autoptr(GVariant) peers = shoal_test_lan_host_list_peers (host);
  GVariantIter iter;
  GVariant *entry;

  memset (view, 0, sizeof *view);
  g_variant_iter_init (&iter, peers);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      GVariantDict dict;
      const gchar *entry_id = NULL;

      g_variant_dict_init (&dict, entry);
      if (g_variant_dict_lookup (&dict, "id", "&s", &entry_id) && g_strcmp0 (entry_id, id) == 0)
        {
          view->count++;
          if (!g_variant_dict_lookup (&dict, "connected", "b", &view->connected))
            view->connected = FALSE;
          g_clear_pointer (&view->name, g_free);
          if (!g_variant_dict_lookup (&dict, "name", "s", &view->name))
            view->name = NULL;
          g_clear_pointer (&view->addresses, g_strfreev);
          if (!g_variant_dict_lookup (&dict, "addresses", "^as", &view->addresses))
            view->addresses = NULL;
        }
      g_variant_dict_clear (&dict);
      g_variant_unref (entry);
    }
}

/**
 * shoal_test_lan_peer_view_clear:
 * @view: from shoal_test_lan_peer_view()
 */
void
shoal_test_lan_peer_view_clear (ShoalTestLanPeerView *view)
{
  g_clear_pointer (&view->name, g_free);
  g_clear_pointer (&view->addresses, g_strfreev);
}

/**
 * shoal_test_lan_peer_count:
 * @host: a host
 *
 * Returns: how many entries @host's ListPeers has
 */
guint
shoal_test_lan_peer_count (ShoalTestLanHost *host)
{
  g_autoptr(GVariant) peers = shoal_test_lan_host_list_peers (host);

  return (guint) g_variant_n_children (peers);
}

/**
 * shoal_test_lan_host_describe_peers:
 * @host: a host
 *
 * Returns: (transfer full): the peers @host lists, as "ID NAME
 *   connected|not" lines sorted, so that two moments can be compared
 */
gchar *
shoal_test_lan_host_describe_peers (ShoalTestLanHost *host)
{
  g_autoptr(GVariant) peers = shoal_test_lan_host_list_peers (host);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  GVariant *entry;

  g_variant_iter_init (&iter, peers);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      GVariantDict dict;
      const gchar *id = "?";
      const gchar *name = "?";
      gboolean connected = FALSE;

      g_variant_dict_init (&dict, entry);
      g_variant_dict_lookup (&dict, "id", "&s", &id);
      g_variant_dict_lookup (&dict, "name", "&s", &name);
      g_variant_dict_lookup (&dict, "connected", "b", &connected);
      g_ptr_array_add (lines, g_strdup_printf ("%s %s %s", id, name,
                                               connected ? "connected" : "not"));
      g_variant_dict_clear (&dict);
      g_variant_unref (entry);
    }
  g_ptr_array_sort (lines, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (gchar **) lines->pdata);
}

/**
 * shoal_test_lan_host_sees:
 * @host: a host
 * @other: another
 *
 * Returns: whether @host lists @other connected, by its id and name
 */
gboolean
shoal_test_lan_host_sees (ShoalTestLanHost *host,
                          ShoalTestLanHost *other)
{
  g_autofree gchar *peers = shoal_test_lan_host_describe_peers (host);
  g_autofree gchar *line = g_strdup_printf ("%s %s connected", other->id, other->name);

  return strstr (peers, line) != NULL;
}

/* ---- the mesh ---- */

/**
 * shoal_test_lan_mesh_init:
 * @mesh: to fill in
 * @fixture: a fixture
 * @first: the first member
 * @last: the last member
 *
 * h@first..h@last of @fixture, as one mesh.
 */
void
shoal_test_lan_mesh_init (ShoalTestLanMesh    *mesh,
                          ShoalTestLanFixture *fixture,
                          guint                first,
                          guint                last)
{
  memset (mesh, 0, sizeof *mesh);
  mesh->fixture = fixture;
  for (guint i = first; i <= last; i++)
    mesh->members[mesh->n_members++] = i;
}

/**
 * shoal_test_lan_mesh_complete:
 * @mesh: (type ShoalTestLanMesh): a mesh
 *
 * A #ShoalTestLanCondition.
 *
 * Returns: whether every member lists every other member once, connected,
 *   under its name
 */
gboolean
shoal_test_lan_mesh_complete (gpointer mesh)
{
  ShoalTestLanMesh *self = mesh;

  for (guint a = 0; a < self->n_members; a++)
    for (guint b = 0; b < self->n_members; b++)
      {
        ShoalTestLanHost *host = &self->fixture->hosts[self->members[a]];
        ShoalTestLanHost *peer = &self->fixture->hosts[self->members[b]];
        ShoalTestLanPeerView view;
        gboolean ok;

        if (a == b)
          continue;
        shoal_test_lan_peer_view (host, peer->id, &view);
        ok = view.count == 1 && view.connected && g_strcmp0 (view.name, peer->name) == 0;
        shoal_test_lan_peer_view_clear (&view);
        if (!ok)
          return FALSE;
      }
  return TRUE;
}

/**
 * shoal_test_lan_mesh_describe:
 * @mesh: a mesh
 *
 * Prints what each member lists of each other.
 */
void
shoal_test_lan_mesh_describe (ShoalTestLanMesh *mesh)
{
  for (guint a = 0; a < mesh->n_members; a++)
    for (guint b = 0; b < mesh->n_members; b++)
      {
        ShoalTestLanHost *host = &mesh->fixture->hosts[mesh->members[a]];
        ShoalTestLanHost *peer = &mesh->fixture->hosts[mesh->members[b]];
        g_autofree gchar *addresses = NULL;
        ShoalTestLanPeerView view;

        if (a == b)
          continue;
        shoal_test_lan_peer_view (host, peer->id, &view);
        addresses = view.addresses != NULL ? g_strjoinv (" ", view.addresses) : g_strdup ("");
        g_test_message ("%s sees %s: %u entries, %s, as %s, %s", host->name, peer->name,
                        view.count, view.connected ? "connected" : "not connected",
                        view.name != NULL ? view.name : "?", addresses);
        shoal_test_lan_peer_view_clear (&view);
      }
}

/**
 * shoal_test_lan_mesh_wait:
 * @mesh: a mesh
 *
 * Waits until the mesh is complete, or ends the program. Its last check
 * called ListPeers on every member, so the signals that announced the mesh
 * are all in on return.
 */
void
shoal_test_lan_mesh_wait (ShoalTestLanMesh *mesh)
{
  if (!shoal_test_lan_wait_until (shoal_test_lan_mesh_complete, mesh,
                                  SHOAL_TEST_LAN_MESH_TIMEOUT_MS))
    {
      shoal_test_lan_mesh_describe (mesh);
      shoal_test_lan_dump_logs (mesh->fixture);
      g_error ("the mesh did not form within %d ms", SHOAL_TEST_LAN_MESH_TIMEOUT_MS);
    }
  shoal_test_lan_drain_signals ();
}
