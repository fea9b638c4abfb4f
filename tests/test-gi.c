/* test-gi.c: libshoal from Python and JavaScript, through GObject Introspection
 *
 * Runs the examples a newcomer reads, examples/shoal-example.py (PyGObject)
 * and examples/shoal-example.js (GJS), against each other on 127.0.0.1 with
 * the typelib of this build tree, each way round, and checks what each
 * prints: whom it linked up with and the other's message, byte for byte.
 * Then reads Shoal-1.gir: every C symbol in it comes from a header shoal.h
 * includes, and everything in it is documented.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "shoal-test-scratch.h"

/* Both interpreters start in well under a second, about three under ASan. */
#define EXCHANGE_TIMEOUT_S 60

/* Skips with @reason, or fails under CI (SHOAL_TEST_REQUIRE=all), unless
 * @condition holds. */
static gboolean
skip_unless (gboolean     condition,
             const gchar *reason)
{
  if (condition)
    return TRUE;
  if (g_strcmp0 (g_getenv ("SHOAL_TEST_REQUIRE"), "all") == 0)
    g_test_fail_printf ("required but missing: %s", reason);
  else
    g_test_skip (reason);
  return FALSE;
}

/* SHOAL_BUILDDIR and SHOAL_SRCDIR come from tests/meson.build. */
static gchar *
tree_path (const gchar *variable,
           const gchar *relative)
{
  const gchar *top = g_getenv (variable);

  g_assert_nonnull (top);
  return g_build_filename (top, relative, NULL);
}

/* The examples run through their #! lines, as a reader runs them. */
static gboolean
can_run_examples (void)
{
  g_autofree gchar *typelib = tree_path ("SHOAL_BUILDDIR", "src/libshoal/Shoal-1.typelib");
  const gchar *python_argv[] = { "/usr/bin/python3", "-c", "import gi", NULL };
  gint status = -1;

  if (!skip_unless (g_file_test (typelib, G_FILE_TEST_EXISTS),
                    "Shoal-1.typelib was not built (gobject-introspection missing, or "
                    "-Dintrospection=disabled)"))
    return FALSE;
  if (!skip_unless (g_file_test ("/usr/bin/gjs", G_FILE_TEST_IS_EXECUTABLE),
                    "gjs is not installed"))
    return FALSE;
  g_spawn_sync (NULL, (gchar **) python_argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
                G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL);
  return skip_unless (g_spawn_check_wait_status (status, NULL),
                      "python3-gi is not installed (/usr/bin/python3 cannot import gi)");
}

/* One running example, its output gathered as it comes. */

typedef struct {
  GDataInputStream *in;    /* (owned) */
  GString          *text;  /* (owned) */
  gboolean          done;
} Drain;

typedef struct {
  GSubprocess *process;  /* (owned) */
  Drain        out;
  Drain        err;
  gboolean     exited;
} Example;

static void
drain_line_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Drain *drain = user_data;
  g_autofree gchar *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (drain->in, result, NULL, NULL);
  if (line == NULL)
    {
      drain->done = TRUE;
      return;
    }
  g_string_append_printf (drain->text, "%s\n", line);
  g_data_input_stream_read_line_async (drain->in, G_PRIORITY_DEFAULT, NULL, drain_line_cb, drain);
}

static void
drain_start (Drain        *drain,
             GInputStream *pipe)
{
  drain->in = g_data_input_stream_new (pipe);
  drain->text = g_string_new (NULL);
  g_data_input_stream_read_line_async (drain->in, G_PRIORITY_DEFAULT, NULL, drain_line_cb, drain);
}

static void
exited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Example *example = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  example->exited = TRUE;
}

/* An example must not outlive this program: its body may abort. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
example_start (Example             *example,
               const gchar         *tmpdir,
               const gchar * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree gchar *libdir = tree_path ("SHOAL_BUILDDIR", "src/libshoal");
  const gchar *asan_runtime = g_getenv ("SHOAL_TEST_ASAN_RUNTIME");
  g_autoptr(GError) error = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  /* The uninstalled typelib, and the library it names. */
  g_subprocess_launcher_setenv (launcher, "GI_TYPELIB_PATH", libdir, TRUE);
  g_subprocess_launcher_setenv (launcher, "LD_LIBRARY_PATH", libdir, TRUE);
  /* Their state directories go where this test cleans up. */
  g_subprocess_launcher_setenv (launcher, "TMPDIR", tmpdir, TRUE);
  if (asan_runtime != NULL)
    {
      /* A sanitizer build: the interpreters are not instrumented, so the ASan
       * runtime that libshoal needs must be loaded before anything else. Leak
       * checking stays off for them: LeakSanitizer crashes in GJS, and what
       * it finds in Python at exit is Python's own. Bad accesses and
       * undefined behaviour in libshoal still abort the example. */
      g_autofree gchar *options = g_strconcat (g_getenv ("ASAN_OPTIONS") ?: "",
                                               ":detect_leaks=0", NULL);

      g_assert_true (g_file_test (asan_runtime, G_FILE_TEST_EXISTS));
      g_subprocess_launcher_setenv (launcher, "LD_PRELOAD", asan_runtime, TRUE);
      g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", options, TRUE);
    }

  example->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  drain_start (&example->out, g_subprocess_get_stdout_pipe (example->process));
  drain_start (&example->err, g_subprocess_get_stderr_pipe (example->process));
  g_subprocess_wait_async (example->process, NULL, exited_cb, example);
}

static gboolean
example_finished (Example *example)
{
  return example->exited && example->out.done && example->err.done;
}

static void
example_clear (Example *example)
{
  g_clear_object (&example->process);
  g_clear_object (&example->out.in);
  g_clear_object (&example->err.in);
  if (example->out.text != NULL)
    g_string_free (example->out.text, TRUE);
  if (example->err.text != NULL)
    g_string_free (example->err.text, TRUE);
}

/* The port in the listener's first line, "listening on 127.0.0.1:PORT". */
static gchar *
listening_port (Example *example)
{
  const gchar *prefix = "listening on 127.0.0.1:";
  const gchar *end = strchr (example->out.text->str, '\n');

  if (end == NULL || !g_str_has_prefix (example->out.text->str, prefix))
    return NULL;
  return g_strndup (example->out.text->str + strlen (prefix),
                    end - example->out.text->str - strlen (prefix));
}

static gboolean
has_line (Example     *example,
          const gchar *line)
{
  g_auto(GStrv) lines = g_strsplit (example->out.text->str, "\n", -1);

  return g_strv_contains ((const gchar * const *) lines, line);
}

/* Fixture: each body runs in a subprocess while this process holds the
 * temporary directory (shoal-test-scratch.c). */

typedef struct {
  gchar    *tmpdir;  /* (owned) */
  gboolean  child_passed;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->tmpdir = shoal_test_scratch_dir ("gi");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gboolean parent = !g_test_subprocess ();

  shoal_test_scratch_remove (f->tmpdir);
  g_free (f->tmpdir);
  if (parent && !f->child_passed)
    g_test_fail ();
}

/* One side of an exchange: an example, and the name and message it is
 * given (NULL: its defaults). */
typedef struct {
  const gchar *script;   /* under examples/ */
  const gchar *name;     /* what it is given, or NULL */
  const gchar *message;  /* what it is given, or NULL */
  const gchar *default_name;
  const gchar *default_message;
} Side;

static const Side python_side = {
  "shoal-example.py", NULL, NULL, "python", "hello from Python"
};
static const Side gjs_side = {
  "shoal-example.js", NULL, NULL, "gjs", "hello from GJS"
};

static GPtrArray *
side_argv (const Side  *side,
           const gchar *peer)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_build_filename (g_getenv ("SHOAL_SRCDIR"), "examples", side->script,
                                           NULL));
  if (side->name != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--name"));
      g_ptr_array_add (argv, g_strdup (side->name));
    }
  if (side->message != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--message"));
      g_ptr_array_add (argv, g_strdup (side->message));
    }
  if (peer != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--peer"));
      g_ptr_array_add (argv, g_strdup (peer));
    }
  g_ptr_array_add (argv, NULL);
  return argv;
}

/* Iterates the main context until @example's listening line came, or it
 * ended, or the deadline passed. */
static void
wait_for_port (Example *example,
               gint64   deadline)
{
  while (!example_finished (example) && strchr (example->out.text->str, '\n') == NULL &&
         g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

/* Starts @listener, then @dialer pointed at it; waits for both to finish
 * (stopping them at the deadline); checks what each printed. */
static void
exchange (Fixture    *f,
          const Side *listener_side,
          const Side *dialer_side)
{
  Example listener = { 0, }, dialer = { 0, };
  gint64 deadline = g_get_monotonic_time () + EXCHANGE_TIMEOUT_S * G_USEC_PER_SEC;
  g_autoptr(GPtrArray) listener_argv = side_argv (listener_side, NULL);
  g_autoptr(GPtrArray) dialer_argv = NULL;
  g_autofree gchar *port = NULL;
  g_autofree gchar *peer = NULL;
  struct { Example *example; const Side *self, *other; } checks[] = {
    { &listener, listener_side, dialer_side },
    { &dialer, dialer_side, listener_side },
  };

  example_start (&listener, f->tmpdir, (const gchar * const *) listener_argv->pdata);
  wait_for_port (&listener, deadline);
  port = listening_port (&listener);
  if (port != NULL)
    {
      peer = g_strdup_printf ("127.0.0.1:%s", port);
      dialer_argv = side_argv (dialer_side, peer);
      example_start (&dialer, f->tmpdir, (const gchar * const *) dialer_argv->pdata);
    }

  /* Both are reaped before any assertion: none may be left running. */
  while ((!example_finished (&listener) ||
          (dialer.process != NULL && !example_finished (&dialer))) &&
         g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (checks); i++)
    {
      Example *example = checks[i].example;

      if (example->process == NULL)
        continue;
      if (!example_finished (example))
        {
          g_printerr ("%s did not finish in %d s: stopping it\n",
                      checks[i].self->script, EXCHANGE_TIMEOUT_S);
          g_subprocess_force_exit (example->process);
          while (!example_finished (example))
            g_main_context_iteration (NULL, TRUE);
        }
      /* On stderr: this body runs in a subprocess whose stdout, and so
       * g_test_message(), is lost when an assertion below fails. */
      g_printerr ("%s (wait status %d) printed:\n%s-- and on stderr:\n%s\n",
                  checks[i].self->script, g_subprocess_get_status (example->process),
                  example->out.text->str, example->err.text->str);
    }

  g_assert_nonnull (port);
  for (gsize i = 0; i < G_N_ELEMENTS (checks); i++)
    {
      Example *example = checks[i].example;
      const Side *other = checks[i].other;
      const gchar *other_name = other->name ?: other->default_name;
      g_autofree gchar *connected = g_strdup_printf ("connected to %s", other_name);
      g_autofree gchar *received = g_strdup_printf ("received from %s: %s", other_name,
                                                    other->message ?: other->default_message);

      g_assert_true (g_str_has_prefix (example->out.text->str, "listening on 127.0.0.1:"));
      g_assert_true (has_line (example, connected));
      g_assert_true (has_line (example, received));
      g_assert_true (g_subprocess_get_if_exited (example->process));
      g_assert_cmpint (g_subprocess_get_exit_status (example->process), ==, 0);
    }

  example_clear (&listener);
  example_clear (&dialer);
}

/* Shoal-1.gir, read with GMarkup: the C symbols it names and the elements
 * that lack documentation. */

typedef struct {
  gchar    *path;       /* (owned) for messages: "class Node/method send" */
  gboolean  needs_doc;
  gboolean  has_doc;
} GirElement;

typedef struct {
  GPtrArray *open;          /* (owned) (element-type GirElement) */
  GPtrArray *undocumented;  /* (owned) (element-type utf8) */
  GPtrArray *symbols;       /* (owned) (element-type utf8) */
} GirScan;

/* What a reader of the API looks up; a return value only if not void. */
static const gchar * const documented_kinds[] = {
  "class", "interface", "enumeration", "bitfield", "constant", "function", "method",
  "constructor", "virtual-method", "property", "glib:signal", "member", "parameter",
  "instance-parameter", "return-value", NULL
};

static void
gir_element_free (gpointer data)
{
  GirElement *element = data;

  g_free (element->path);
  g_free (element);
}

static void
gir_start (GMarkupParseContext  *context,
           const gchar          *name,
           const gchar         **attribute_names,
           const gchar         **attribute_values,
           gpointer              user_data,
           GError              **error)
{
  GirScan *scan = user_data;
  GirElement *parent = NULL;
  GirElement *element = g_new0 (GirElement, 1);
  const gchar *element_name = NULL;
  gboolean moved = FALSE;

  if (scan->open->len > 0)
    parent = g_ptr_array_index (scan->open, scan->open->len - 1);
  for (gsize i = 0; attribute_names[i] != NULL; i++)
    {
      const gchar *value = attribute_values[i];

      if (g_str_equal (attribute_names[i], "name"))
        element_name = value;
      else if (g_str_equal (attribute_names[i], "moved-to"))
        moved = TRUE;
      else if (g_str_equal (attribute_names[i], "c:identifier") ||
               g_str_equal (attribute_names[i], "glib:get-type"))
        g_ptr_array_add (scan->symbols, g_strdup (value));
      else if (g_str_equal (attribute_names[i], "c:type"))
        {
          const gchar *unqualified = g_str_has_prefix (value, "const ") ? value + 6 : value;
          g_autofree gchar *type = g_strdup (unqualified);

          g_strdelimit (type, "*", ' ');
          g_strstrip (type);
          if (g_str_has_prefix (type, "Shoal"))
            g_ptr_array_add (scan->symbols, g_steal_pointer (&type));
        }
    }

  element->path = g_strdup_printf ("%s/%s%s%s", parent != NULL ? parent->path : "", name,
                                   element_name != NULL ? " " : "", element_name ?: "");
  /* A function moved to a type is documented there (peer_state_to_string). */
  element->needs_doc = g_strv_contains (documented_kinds, name) && !moved;
  if (parent != NULL && g_str_equal (name, "doc"))
    parent->has_doc = TRUE;
  /* Under a return value: nothing to say about void. */
  if (parent != NULL && g_str_equal (name, "type") && g_str_equal (element_name ?: "", "none") &&
      g_str_has_suffix (parent->path, "/return-value"))
    parent->needs_doc = FALSE;
  g_ptr_array_add (scan->open, element);
}

static void
gir_end (GMarkupParseContext  *context,
         const gchar          *name,
         gpointer              user_data,
         GError              **error)
{
  GirScan *scan = user_data;
  GirElement *element = g_ptr_array_index (scan->open, scan->open->len - 1);

  if (element->needs_doc && !element->has_doc)
    g_ptr_array_add (scan->undocumented, g_strdup (element->path));
  g_ptr_array_remove_index (scan->open, scan->open->len - 1);
}

static gboolean
read_gir (GirScan *scan)
{
  static const GMarkupParser parser = { gir_start, gir_end, NULL, NULL, NULL };
  g_autofree gchar *gir = tree_path ("SHOAL_BUILDDIR", "src/libshoal/Shoal-1.gir");
  g_autofree gchar *text = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;

  if (!skip_unless (g_file_test (gir, G_FILE_TEST_EXISTS),
                    "Shoal-1.gir was not built (gobject-introspection missing, or "
                    "-Dintrospection=disabled)"))
    return FALSE;

  scan->open = g_ptr_array_new_with_free_func (gir_element_free);
  scan->undocumented = g_ptr_array_new_with_free_func (g_free);
  scan->symbols = g_ptr_array_new_with_free_func (g_free);
  g_file_get_contents (gir, &text, NULL, &error);
  g_assert_no_error (error);
  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, scan, NULL);
  g_markup_parse_context_parse (context, text, -1, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);
  return TRUE;
}

static void
gir_scan_clear (GirScan *scan)
{
  g_clear_pointer (&scan->open, g_ptr_array_unref);
  g_clear_pointer (&scan->undocumented, g_ptr_array_unref);
  g_clear_pointer (&scan->symbols, g_ptr_array_unref);
}

/* shoal.h and the headers it includes, one after the other; shoal-enums.h
 * is generated into the build tree. */
static gchar *
public_headers_text (void)
{
  g_autofree gchar *umbrella = tree_path ("SHOAL_SRCDIR", "src/libshoal/shoal.h");
  g_autofree gchar *umbrella_text = NULL;
  g_autoptr(GString) all = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (umbrella, &umbrella_text, NULL, &error);
  g_assert_no_error (error);
  g_string_append (all, umbrella_text);
  lines = g_strsplit (umbrella_text, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_autofree gchar *relative = NULL;
      g_autofree gchar *in_src = NULL;
      g_autofree gchar *in_build = NULL;
      g_autofree gchar *header_text = NULL;

      if (!g_str_has_prefix (lines[i], "#include \"") || !g_str_has_suffix (lines[i], "\""))
        continue;
      relative = g_strndup (lines[i] + 10, strlen (lines[i]) - 11);
      in_src = g_build_filename (g_getenv ("SHOAL_SRCDIR"), "src/libshoal", relative, NULL);
      in_build = g_build_filename (g_getenv ("SHOAL_BUILDDIR"), "src/libshoal", relative, NULL);
      g_file_get_contents (g_file_test (in_src, G_FILE_TEST_EXISTS) ? in_src : in_build,
                           &header_text, NULL, &error);
      g_assert_no_error (error);
      g_string_append (all, header_text);
    }

  return g_string_free (g_steal_pointer (&all), FALSE);
}

/* Whether @word occurs in @text as a whole C identifier. */
static gboolean
has_word (const gchar *text,
          const gchar *word)
{
  gsize length = strlen (word);

  for (const gchar *at = strstr (text, word); at != NULL; at = strstr (at + 1, word))
    {
      gboolean starts = at == text || !(g_ascii_isalnum (at[-1]) || at[-1] == '_');
      gboolean ends = !(g_ascii_isalnum (at[length]) || at[length] == '_');

      if (starts && ends)
        return TRUE;
    }
  return FALSE;
}

static void
test_gir_public_only (void)
{
  GirScan scan = { NULL, };
  g_autofree gchar *headers = NULL;
  g_autoptr(GString) private = g_string_new (NULL);

  g_test_summary ("Every C symbol and Shoal type Shoal-1.gir names is declared in a header "
                  "that shoal.h includes: nothing internal is API in another language");

  if (!read_gir (&scan))
    return;

  headers = public_headers_text ();
  /* Not vacuous: the GIR holds the API, send among it. */
  g_assert_cmpuint (scan.symbols->len, >, 100);
  g_assert_true (g_ptr_array_find_with_equal_func (scan.symbols, "shoal_node_send",
                                                   g_str_equal, NULL));
  for (guint i = 0; i < scan.symbols->len; i++)
    {
      const gchar *symbol = g_ptr_array_index (scan.symbols, i);
      /* G_DECLARE_FINAL_TYPE (ShoalNode, …) declares ShoalNodeClass unseen. */
      g_autofree gchar *instance = g_str_has_suffix (symbol, "Class") ?
                                   g_strndup (symbol, strlen (symbol) - 5) : NULL;

      if (!has_word (headers, symbol) && (instance == NULL || !has_word (headers, instance)))
        g_string_append_printf (private, " %s", symbol);
    }
  g_assert_cmpstr (private->str, ==, "");

  gir_scan_clear (&scan);
}

static void
test_gir_documented (void)
{
  GirScan scan = { NULL, };

  g_test_summary ("Every class, interface, enum and member, function, method, property, "
                  "signal, parameter and non-void return value in Shoal-1.gir is documented");

  if (!read_gir (&scan))
    return;

  for (guint i = 0; i < scan.undocumented->len; i++)
    g_test_message ("undocumented: %s", (gchar *) g_ptr_array_index (scan.undocumented, i));
  g_assert_cmpuint (scan.undocumented->len, ==, 0);

  gir_scan_clear (&scan);
}

static void
test_python_listens (Fixture       *f,
                     gconstpointer  data)
{
  g_test_summary ("The Python example listens and the GJS example dials it: each links up "
                  "with the other and prints the other's message, with their defaults");

  f->child_passed = TRUE;  /* unless the body runs, and fails */
  if (!can_run_examples () || !shoal_test_scratch_in_child (&f->child_passed))
    return;

  exchange (f, &python_side, &gjs_side);
}

static void
test_gjs_listens (Fixture       *f,
                  gconstpointer  data)
{
  /* Names and messages of the test's own, not only the defaults; UTF-8 and
   * a space cross as they are. */
  const Side python_dialer = {
    "shoal-example.py", "snake", "grüße aus Python ✓", NULL, NULL
  };
  const Side gjs_listener = {
    "shoal-example.js", "gecko", "saludos desde GJS ✓", NULL, NULL
  };

  g_test_summary ("The GJS example listens and the Python example dials it, each with a name "
                  "and a message given on its command line: both arrive byte for byte");

  f->child_passed = TRUE;  /* unless the body runs, and fails */
  if (!can_run_examples () || !shoal_test_scratch_in_child (&f->child_passed))
    return;

  exchange (f, &gjs_listener, &python_dialer);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/gi/python-listens-gjs-dials", Fixture, NULL,
              fixture_setup, test_python_listens, fixture_teardown);
  g_test_add ("/gi/gjs-listens-python-dials", Fixture, NULL,
              fixture_setup, test_gjs_listens, fixture_teardown);

  g_test_add_func ("/gi/gir-public-only", test_gir_public_only);
  g_test_add_func ("/gi/gir-documented", test_gir_documented);

  return g_test_run ();
}
