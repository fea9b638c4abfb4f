/* test-completion.c: bash completion for shoal
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Sources data/shoal-completion.bash in a bash of its own, fills COMP_WORDS
 * as bash would for a command line and calls the function that
 * `complete -p shoal` names, then reads COMPREPLY. What it must offer comes
 * from the built shoal itself (`shoal --help`, `shoal COMMAND --help`), so
 * that a command or option added to the CLI without its completion fails
 * here; peers come from real daemons on private buses.
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "shoal-test-daemon.h"
#include "shoal-test-help.h"

/* What bash does with the line; the completion itself is the script's. */
static const gchar complete_script[] =
  "set -u\n"
  ". \"$SHOAL_COMPLETION\" || exit 3\n"
  "spec=$(complete -p shoal) || exit 4\n"
  "fn=${spec#*-F }\n"
  "fn=${fn%% *}\n"
  "COMP_WORDS=(\"$@\")\n"
  "COMP_CWORD=$(($# - 1))\n"
  "COMP_LINE=\"$*\"\n"
  "COMP_POINT=${#COMP_LINE}\n"
  "COMPREPLY=()\n"
  "\"$fn\" \"$1\" \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD - 1]}\" || exit 5\n"
  "if [ ${#COMPREPLY[@]} -gt 0 ]; then printf '%s\\n' \"${COMPREPLY[@]}\"; fi\n";

typedef struct {
  const gchar *bus_address;  /* (nullable) DBUS_SESSION_BUS_ADDRESS, or none */
  const gchar *runtime_dir;  /* (nullable) XDG_RUNTIME_DIR */
} Env;

/* Completes the last of @words (the word being typed, "" for a Tab after a
 * space) with `shoal` the built one. Fails the test if bash says anything
 * on stderr or exits with an error. @elapsed_us, if given, gets how long
 * that took.
 *
 * Returns: (transfer full) (element-type utf8): COMPREPLY, in its order */
static GPtrArray *
complete_full (const Env           *env,
               const gchar * const *words,
               gint64              *elapsed_us)
{
  const gchar *srcdir = g_getenv ("SHOAL_SRCDIR");
  g_autofree gchar *script_path = NULL;
  g_autofree gchar *completion_env = NULL;
  g_autofree gchar *path_env = NULL;
  g_autofree gchar *runtime_env = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GPtrArray) reply = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *joined = NULL;
  g_auto(GStrv) lines = NULL;
  const gchar *run_env[5] = { NULL, };
  gint64 start;
  gint status;
  gsize i;

  g_assert_nonnull (srcdir);
  script_path = g_build_filename (srcdir, "data", "shoal-completion.bash", NULL);
  completion_env = g_strconcat ("SHOAL_COMPLETION=", script_path, NULL);
  path_env = g_strconcat ("PATH=", shoal_test_build_path ("src/cli"), ":", g_getenv ("PATH"), NULL);
  runtime_env = g_strconcat ("XDG_RUNTIME_DIR=",
                             env->runtime_dir != NULL ? env->runtime_dir : g_get_user_runtime_dir (),
                             NULL);
  run_env[0] = completion_env;
  run_env[1] = path_env;
  run_env[2] = runtime_env;
  run_env[3] = "BASH_ENV=";

  g_ptr_array_add (argv, (gpointer) "bash");
  g_ptr_array_add (argv, (gpointer) "--norc");
  g_ptr_array_add (argv, (gpointer) "--noprofile");
  g_ptr_array_add (argv, (gpointer) "-c");
  g_ptr_array_add (argv, (gpointer) complete_script);
  g_ptr_array_add (argv, (gpointer) "bash");
  for (i = 0; words[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) words[i]);
  g_ptr_array_add (argv, NULL);

  start = g_get_monotonic_time ();
  status = shoal_test_run ((const gchar * const *) argv->pdata, env->bus_address, run_env, NULL,
                           &out, &err);
  if (elapsed_us != NULL)
    *elapsed_us = g_get_monotonic_time () - start;

  joined = g_strjoinv ("|", (gchar **) words);
  g_test_message ("complete “%s”: exit %d, stderr “%s”, reply:\n%s", joined, status, err, out);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpint (status, ==, 0);

  lines = g_strsplit (out, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_ptr_array_add (reply, g_strdup (lines[i]));
  return g_steal_pointer (&reply);
}

/* Where no shoald can be reached: no session bus is set up at all. */
static GPtrArray *
complete_alone (const gchar * const *words)
{
  g_autofree gchar *empty_runtime = shoal_test_make_tmpdir ();
  Env env = { NULL, empty_runtime };
  GPtrArray *reply = complete_full (&env, words, NULL);

  shoal_test_remove_tree (empty_runtime);
  return reply;
}

static GPtrArray *strings (const gchar *first, ...) G_GNUC_NULL_TERMINATED;

static GPtrArray *
strings (const gchar *first,
         ...)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  const gchar *s;
  va_list args;

  va_start (args, first);
  for (s = first; s != NULL; s = va_arg (args, const gchar *))
    g_ptr_array_add (out, g_strdup (s));
  va_end (args);
  return out;
}

static GPtrArray *
long_options (GPtrArray *options)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  guint i;

  for (i = 0; i < options->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (options, i), "--"))
      g_ptr_array_add (out, g_strdup (g_ptr_array_index (options, i)));
  return out;
}

/* The first positional parameter in @command's usage ("PEER" for "send
 * PEER MESSAGE|-", "generate" for "key generate"), or %NULL for none. */
static gchar *
first_parameter (const gchar *command)
{
  g_autofree gchar *usage = shoal_test_help_usage (command);
  g_auto(GStrv) words = g_strsplit (usage, " ", -1);
  gsize i;

  g_assert_cmpstr (words[0], ==, command);
  for (i = 1; words[i] != NULL; i++)
    if (*words[i] != '\0' && *words[i] != '[')
      return g_strdup (words[i]);
  return NULL;
}

static gboolean
is_lowercase_word (const gchar *text)
{
  const gchar *p;

  for (p = text; *p != '\0'; p++)
    if (!g_ascii_islower (*p))
      return FALSE;
  return p != text;
}

/* The commands whose first argument is PEER, as shoal's usage says. */
static GPtrArray *
peer_commands (void)
{
  g_autoptr(GPtrArray) commands = shoal_test_help_commands ();
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  guint i;

  for (i = 0; i < commands->len; i++)
    {
      g_autofree gchar *first = first_parameter (g_ptr_array_index (commands, i));

      if (g_strcmp0 (first, "PEER") == 0)
        g_ptr_array_add (out, g_strdup (g_ptr_array_index (commands, i)));
    }
  g_assert_cmpuint (out->len, >, 0);
  return out;
}

static void
test_commands (void)
{
  g_autoptr(GPtrArray) commands = shoal_test_help_commands ();
  g_autoptr(GPtrArray) all_options = shoal_test_help_options ("src/cli/shoal", NULL);
  g_autoptr(GPtrArray) options = long_options (all_options);
  g_autoptr(GPtrArray) reply = NULL;
  g_autoptr(GPtrArray) status = strings ("status", NULL);

  g_test_summary ("shoal Tab offers every command of `shoal --help` and no other, also after "
                  "--system; shoal --Tab offers shoal's own options; a prefix narrows");

  reply = complete_alone ((const gchar *[]) { "shoal", "", NULL });
  g_assert_true (shoal_test_help_same (commands, reply));
  g_clear_pointer (&reply, g_ptr_array_unref);

  reply = complete_alone ((const gchar *[]) { "shoal", "--system", "", NULL });
  g_assert_true (shoal_test_help_same (commands, reply));
  g_clear_pointer (&reply, g_ptr_array_unref);

  reply = complete_alone ((const gchar *[]) { "shoal", "--", NULL });
  g_assert_true (shoal_test_help_same (options, reply));
  g_clear_pointer (&reply, g_ptr_array_unref);

  reply = complete_alone ((const gchar *[]) { "shoal", "sta", NULL });
  g_assert_true (shoal_test_help_same (status, reply));
}

static void
test_options (void)
{
  g_autoptr(GPtrArray) commands = shoal_test_help_commands ();
  guint i;

  g_test_summary ("shoal COMMAND --Tab offers exactly the long options of "
                  "`shoal COMMAND --help`, for every command");

  for (i = 0; i < commands->len; i++)
    {
      const gchar *command = g_ptr_array_index (commands, i);
      g_autoptr(GPtrArray) all_options = shoal_test_help_options ("src/cli/shoal", command);
      g_autoptr(GPtrArray) options = long_options (all_options);
      g_autoptr(GPtrArray) reply = NULL;

      reply = complete_alone ((const gchar *[]) { "shoal", command, "--", NULL });
      g_assert_true (shoal_test_help_same (options, reply));
    }
}

static void
test_arguments_alone (void)
{
  g_autoptr(GPtrArray) commands = shoal_test_help_commands ();
  g_autoptr(GPtrArray) none = g_ptr_array_new_with_free_func (g_free);
  guint i;

  g_test_summary ("A command's first argument, when its usage names a literal word "
                  "(key generate), is offered; other arguments, and peers where no "
                  "session bus is set up, offer nothing and print nothing");

  for (i = 0; i < commands->len; i++)
    {
      const gchar *command = g_ptr_array_index (commands, i);
      g_autofree gchar *first = first_parameter (command);
      g_autoptr(GPtrArray) reply = NULL;

      reply = complete_alone ((const gchar *[]) { "shoal", command, "", NULL });
      if (first != NULL && is_lowercase_word (first))
        {
          g_autoptr(GPtrArray) word = strings (first, NULL);

          g_assert_true (shoal_test_help_same (word, reply));
        }
      else
        g_assert_true (shoal_test_help_same (none, reply));
    }
}

static void
test_no_daemon (void)
{
  g_autoptr(GPtrArray) commands = NULL;
  g_autoptr(GPtrArray) none = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(ShoalTestBus) bus = NULL;
  g_autofree gchar *tmpdir = NULL;
  g_autofree gchar *dead = NULL;
  Env envs[2] = { { NULL, NULL }, };
  guint i, j;

  g_test_summary ("Where a session bus is set up but no shoald runs on it, or the bus itself "
                  "is gone, a PEER offers nothing, at once, and prints nothing");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed") ||
      !shoal_test_run_isolated ())
    return;

  commands = peer_commands ();
  tmpdir = shoal_test_make_tmpdir ();
  bus = shoal_test_bus_new ();
  dead = g_strdup_printf ("unix:path=%s/no-bus-here", tmpdir);
  envs[0].bus_address = bus->address;
  envs[1].bus_address = dead;

  for (i = 0; i < G_N_ELEMENTS (envs); i++)
    for (j = 0; j < commands->len; j++)
      {
        g_autoptr(GPtrArray) reply = NULL;
        gint64 elapsed = 0;

        reply = complete_full (&envs[i], (const gchar *[]) { "shoal", g_ptr_array_index (commands, j),
                                                             "", NULL },
                               &elapsed);
        g_assert_true (shoal_test_help_same (none, reply));
        /* Well under the 3 s that the script grants a shoald that hangs. */
        g_assert_cmpint (elapsed, <, 2500 * G_TIME_SPAN_MILLISECOND);
      }

  g_clear_pointer (&bus, shoal_test_bus_free);
  shoal_test_remove_tree (tmpdir);
}

static void
test_hung_daemon (void)
{
  g_autoptr(ShoalTestDaemon) daemon = NULL;
  g_autoptr(GPtrArray) reply = NULL;
  g_autoptr(GPtrArray) none = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *tmpdir = NULL;
  Env env = { NULL, NULL };
  gint64 elapsed = 0;

  g_test_summary ("A shoald that holds the bus name but does not answer (stopped) holds a "
                  "PEER's completion for a few seconds at most, not D-Bus's 25 s, and it "
                  "offers and prints nothing");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed") ||
      !shoal_test_run_isolated ())
    return;

  tmpdir = shoal_test_make_tmpdir ();
  daemon = shoal_test_daemon_start ("alice", tmpdir, NULL);
  env.bus_address = daemon->bus->address;
  g_subprocess_send_signal (daemon->process, SIGSTOP);

  reply = complete_full (&env, (const gchar *[]) { "shoal", "send", "", NULL }, &elapsed);
  g_assert_true (shoal_test_help_same (none, reply));
  g_test_message ("took %" G_GINT64_FORMAT " ms", elapsed / 1000);
  g_assert_cmpint (elapsed, <, 10 * G_TIME_SPAN_SECOND);

  g_subprocess_send_signal (daemon->process, SIGCONT);
  shoal_test_daemon_stop (daemon);
  g_clear_pointer (&daemon, shoal_test_daemon_free);
  shoal_test_remove_tree (tmpdir);
}

/* What bash makes of @word as one word on a command line. */
static gchar *
shell_word (const gchar *word)
{
  const gchar *argv[] = { "bash", "--norc", "--noprofile", "-c",
                          "eval \"set -- $1\"; printf %s \"$1\"", "bash", word, NULL };
  gchar *out = NULL;

  g_assert_cmpint (shoal_test_run (argv, NULL, NULL, NULL, &out, NULL), ==, 0);
  return out;
}

static void
test_peers (void)
{
  /* A name from the network must come back quoted for the shell. */
  const gchar *bob_name = "bob's $HOME laptop";
  g_autoptr(ShoalTestDaemon) alice = NULL;
  g_autoptr(ShoalTestDaemon) bob = NULL;
  g_autoptr(GPtrArray) commands = NULL;
  g_autoptr(GPtrArray) reply = NULL;
  g_autoptr(GPtrArray) none = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *tmpdir = NULL;
  g_autofree gchar *peer = NULL;
  g_autofree gchar *quoted = NULL;
  g_autofree gchar *id_prefix = NULL;
  g_autoptr(GPtrArray) bob_only = NULL;
  g_autoptr(GPtrArray) bob_both = NULL;
  g_autoptr(GPtrArray) bob_id = NULL;
  const gchar *args[] = { "--peer", NULL, NULL };
  Env env = { NULL, NULL };
  guint i;

  g_test_summary ("shoal peers --plain prints one ID<TAB>NAME line per peer (and refuses "
                  "--json beside it); for each command whose usage starts with PEER, Tab offers "
                  "the running shoald's peers, by id and by name, the name quoted for the "
                  "shell; a prefix of either narrows it; other arguments offer no peers");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed") ||
      !shoal_test_run_isolated ())
    return;

  commands = peer_commands ();
  tmpdir = shoal_test_make_tmpdir ();
  alice = shoal_test_daemon_start ("alice", tmpdir, NULL);
  peer = g_strdup_printf ("127.0.0.1:%u", (guint) alice->port);
  args[1] = peer;
  bob = shoal_test_daemon_start (bob_name, tmpdir, args);
  shoal_test_connect_pair (alice, bob);
  env.bus_address = alice->bus->address;

  /* What the completion reads: one "ID<TAB>NAME" line per peer, nothing else. */
  {
    const gchar *plain[] = { shoal_test_build_path ("src/cli/shoal"), "peers", "--plain", NULL };
    const gchar *both[] = { shoal_test_build_path ("src/cli/shoal"), "peers", "--plain", "--json",
                            NULL };
    g_autofree gchar *out = NULL;
    g_autofree gchar *err = NULL;
    g_autofree gchar *expected = g_strdup_printf ("%s\t%s\n", bob->id, bob_name);

    g_assert_cmpint (shoal_test_run (plain, env.bus_address, NULL, NULL, &out, &err), ==, 0);
    g_assert_cmpstr (out, ==, expected);
    g_assert_cmpstr (err, ==, "");
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (shoal_test_run (both, env.bus_address, NULL, NULL, &out, &err), ==, 2);
    g_assert_cmpstr (out, ==, "");
  }

  reply = complete_full (&env, (const gchar *[]) { "shoal", "send", "", NULL }, NULL);
  g_assert_cmpuint (reply->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (reply, 0), ==, bob->id);
  quoted = g_strdup (g_ptr_array_index (reply, 1));
  g_assert_cmpstr (quoted, !=, bob_name);
  {
    g_autofree gchar *unquoted = shell_word (quoted);

    g_assert_cmpstr (unquoted, ==, bob_name);
  }
  g_clear_pointer (&reply, g_ptr_array_unref);

  bob_both = strings (bob->id, quoted, NULL);
  bob_only = strings (quoted, NULL);
  bob_id = strings (bob->id, NULL);
  id_prefix = g_strndup (bob->id, 5);

  for (i = 0; i < commands->len; i++)
    {
      const gchar *command = g_ptr_array_index (commands, i);

      reply = complete_full (&env, (const gchar *[]) { "shoal", command, "", NULL }, NULL);
      g_assert_true (shoal_test_help_same (bob_both, reply));
      g_clear_pointer (&reply, g_ptr_array_unref);

      /* "bo": no id starts with it, since ids are hexadecimal. */
      reply = complete_full (&env, (const gchar *[]) { "shoal", command, "bo", NULL }, NULL);
      g_assert_true (shoal_test_help_same (bob_only, reply));
      g_clear_pointer (&reply, g_ptr_array_unref);

      reply = complete_full (&env, (const gchar *[]) { "shoal", command, id_prefix, NULL }, NULL);
      g_assert_true (shoal_test_help_same (bob_id, reply));
      g_clear_pointer (&reply, g_ptr_array_unref);
    }

  /* MESSAGE, and a command without PEER, offer no peers. */
  reply = complete_full (&env, (const gchar *[]) { "shoal", "send", quoted, "", NULL }, NULL);
  g_assert_true (shoal_test_help_same (none, reply));
  g_clear_pointer (&reply, g_ptr_array_unref);
  reply = complete_full (&env, (const gchar *[]) { "shoal", "broadcast", "", NULL }, NULL);
  g_assert_true (shoal_test_help_same (none, reply));
  g_clear_pointer (&reply, g_ptr_array_unref);

  shoal_test_daemon_stop (bob);
  shoal_test_daemon_stop (alice);
  g_clear_pointer (&bob, shoal_test_daemon_free);
  g_clear_pointer (&alice, shoal_test_daemon_free);
  shoal_test_remove_tree (tmpdir);
}

/* A session bus whose D-Bus activation "starts shoald" by creating
 * @marker: whoever asks it to start shoald leaves the file behind. The
 * stand-in then fails, which the bus reports at once (one that exited with
 * 0 would leave the caller waiting for the name). */
static GSubprocess *
activating_bus_new (const gchar  *dir,
                    const gchar  *marker,
                    gchar       **address_out)
{
  g_autofree gchar *services = g_build_filename (dir, "services", NULL);
  g_autofree gchar *service_path = g_build_filename (services, "org.shoal.Shoal1.service", NULL);
  g_autofree gchar *config_path = g_build_filename (dir, "bus.conf", NULL);
  g_autofree gchar *sh = g_find_program_in_path ("sh");
  g_autofree gchar *service = NULL;
  g_autofree gchar *config = NULL;
  g_autofree gchar *config_arg = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) reader = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_assert_nonnull (sh);
  g_assert_cmpint (g_mkdir (services, 0700), ==, 0);
  service = g_strdup_printf ("[D-BUS Service]\nName=org.shoal.Shoal1\n"
                             "Exec=%s -c \"touch '%s'; exit 1\"\n", sh, marker);
  g_file_set_contents (service_path, service, -1, &error);
  g_assert_no_error (error);
  config = g_strdup_printf ("<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus "
                            "Configuration 1.0//EN\" "
                            "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                            "<busconfig>\n"
                            "  <type>session</type>\n"
                            "  <listen>unix:dir=%s</listen>\n"
                            "  <auth>EXTERNAL</auth>\n"
                            "  <servicedir>%s</servicedir>\n"
                            "  <policy context=\"default\">\n"
                            "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                            "    <allow eavesdrop=\"true\"/>\n"
                            "    <allow own=\"*\"/>\n"
                            "  </policy>\n"
                            "</busconfig>\n", dir, services);
  g_file_set_contents (config_path, config, -1, &error);
  g_assert_no_error (error);

  config_arg = g_strconcat ("--config-file=", config_path, NULL);
  launcher = shoal_test_launcher_new (NULL, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  process = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", config_arg, "--nofork",
                                         "--print-address=1", NULL);
  g_assert_no_error (error);
  reader = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  *address_out = g_data_input_stream_read_line (reader, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*address_out);
  return process;
}

static void
test_no_auto_start (void)
{
  g_autoptr(GSubprocess) bus = NULL;
  g_autoptr(GPtrArray) reply = NULL;
  g_autoptr(GPtrArray) none = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *tmpdir = NULL;
  g_autofree gchar *marker = NULL;
  g_autofree gchar *address = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  const gchar *plain[] = { shoal_test_build_path ("src/cli/shoal"), "peers", "--plain", NULL };
  const gchar *status[] = { shoal_test_build_path ("src/cli/shoal"), "status", NULL };
  Env env = { NULL, NULL };

  g_test_summary ("Where shoald is not running but D-Bus activation would start it, neither "
                  "`shoal peers --plain` nor a PEER's completion starts it; "
                  "`shoal status` does");
  if (!shoal_test_skip_unless (shoal_test_have_program ("dbus-daemon"),
                               "dbus-daemon is not installed") ||
      !shoal_test_run_isolated ())
    return;

  tmpdir = shoal_test_make_tmpdir ();
  marker = g_build_filename (tmpdir, "shoald-was-started", NULL);
  bus = activating_bus_new (tmpdir, marker, &address);
  env.bus_address = address;

  g_assert_cmpint (shoal_test_run (plain, address, NULL, NULL, &out, &err), ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "shoald is not running"));
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));

  reply = complete_full (&env, (const gchar *[]) { "shoal", "send", "", NULL }, NULL);
  g_assert_true (shoal_test_help_same (none, reply));
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));

  /* The bus does activate: this is what the two above kept from happening. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (shoal_test_run (status, address, NULL, NULL, &out, &err), ==, 1);
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));

  g_subprocess_force_exit (bus);
  g_subprocess_wait (bus, NULL, NULL);
  shoal_test_remove_tree (tmpdir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/completion/commands", test_commands);
  g_test_add_func ("/completion/options", test_options);
  g_test_add_func ("/completion/arguments", test_arguments_alone);
  g_test_add_func ("/completion/no-daemon", test_no_daemon);
  g_test_add_func ("/completion/hung-daemon", test_hung_daemon);
  g_test_add_func ("/completion/peers", test_peers);
  g_test_add_func ("/completion/no-auto-start", test_no_auto_start);

  return g_test_run ();
}
