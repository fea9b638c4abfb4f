/* test-lan-doctor.c: shoal doctor, and what shoald says by itself
 *
 * Part of the lan program (test-lan.c): shoal doctor on healthy and broken
 * hosts (avahi-daemon stopped, multicast blocked, no interface up, a
 * network key apart), and the lines shoald writes once per cause (an
 * unreachable peer, a copied state directory).
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "test-lan.h"

/* ---- helpers ---- */

/* Runs `shoal doctor [--json]` on @host as a person there would; returns
 * its exit status and its output. */
static gint
host_doctor (ShoalTestLanHost  *host,
             gboolean           json,
             gchar            **out)
{
  return shoal_test_lan_host_shoal (host, out, "doctor", json ? "--json" : NULL, NULL);
}

typedef struct
{
  ShoalTestLanHost *host;
  const gchar      *needle;
} DoctorWait;

static gboolean
doctor_says (gpointer user_data)
{
  DoctorWait *wait = user_data;
  g_autofree gchar *out = NULL;

  host_doctor (wait->host, FALSE, &out);
  return strstr (out, wait->needle) != NULL;
}

/* Waits until `shoal doctor` on @host says @needle; returns its output then. */
static gchar *
wait_doctor_says (ShoalTestLanHost *host,
                  const gchar      *needle)
{
  DoctorWait wait = { host, needle };
  gchar *out = NULL;

  if (!shoal_test_lan_wait_until (doctor_says, &wait, SHOAL_TEST_LAN_MESH_TIMEOUT_MS))
    {
      shoal_test_lan_host_dump_log (host);
      g_error ("shoal doctor on %s never said: %s", host->name, needle);
    }
  host_doctor (host, FALSE, &out);
  return out;
}

typedef struct
{
  ShoalTestLanHost *host;
  const gchar      *needle;
  guint             count;
} LogWait;

static gboolean
log_reached (gpointer user_data)
{
  LogWait *wait = user_data;

  return shoal_test_lan_host_log_count (wait->host, wait->needle) >= wait->count;
}

/* Waits until @host's log has @count lines with @needle. */
static void
wait_log_count (ShoalTestLanHost *host,
                const gchar      *needle,
                guint             count)
{
  LogWait wait = { host, needle, count };

  if (!shoal_test_lan_wait_until (log_reached, &wait, SHOAL_TEST_LAN_MESH_TIMEOUT_MS))
    {
      shoal_test_lan_host_dump_log (host);
      g_error ("shoald on %s logged “%s” %u times, not %u", host->name, needle,
               shoal_test_lan_host_log_count (host, needle), count);
    }
}

static void
wait_log_says (ShoalTestLanHost *host,
               const gchar      *needle)
{
  LogWait wait = { host, needle, 1 };

  if (!shoal_test_lan_wait_until (log_reached, &wait, SHOAL_TEST_LAN_MESH_TIMEOUT_MS))
    {
      shoal_test_lan_host_dump_log (host);
      g_error ("shoald on %s never logged: %s", host->name, needle);
    }
}

/* ---- a network key apart ---- */

/* Gives @host a network key file of its own, private as shoald wants it,
 * and the options that use it. */
static void
host_use_network_key (ShoalTestLanHost *host,
                      const gchar      *key)
{
  g_autofree gchar *path = g_strdup_printf ("%s/network-key", host->dir);
  g_autoptr(GError) error = NULL;
  const gchar *options[] = { "--trust-policy", "network-key", "--network-key-file", path, NULL };

  g_file_set_contents_full (path, key, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  shoal_test_lan_host_set_options (host, options);
}

static gboolean
fourth_says_why (gpointer user_data)
{
  ShoalTestLanFixture *fixture = user_data;

  return shoal_test_lan_host_log_count (&fixture->hosts[4], "network key") > 0;
}

void
test_lan_network_key (ShoalTestLanFixture *fixture,
                      gconstpointer        user_data)
{
  static const gchar ours[] = "5ba1d0c0ffee5ba1d0c0ffee5ba1d0c0ffee5ba1d0c0ffee5ba1d0c0ffee0001\n";
  static const gchar theirs[] = "0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de\n";
  ShoalTestLanHost *h4 = &fixture->hosts[4];
  gboolean others_say_why = FALSE;
  ShoalTestLanMesh mesh;
  guint i, j;

  g_test_summary ("Three hosts that share a network key form their mesh over TLS with no "
                  "other configuration; a fourth host with another key is found by mDNS "
                  "but never links up, both sides log why, and shoal doctor on each side "
                  "names the network key for every peer that stays out");
  if (shoal_test_lan_fail_if_unable ())
    return;

  for (i = 1; i <= 4; i++)
    host_use_network_key (&fixture->hosts[i], i < 4 ? ours : theirs);
  shoal_test_lan_start_hosts (fixture, 1, 4);
  shoal_test_lan_mesh_init (&mesh, fixture, 1, 3);
  shoal_test_lan_mesh_wait (&mesh);

  if (!shoal_test_lan_wait_until (fourth_says_why, fixture, SHOAL_TEST_LAN_MESH_TIMEOUT_MS))
    {
      shoal_test_lan_dump_logs (fixture);
      g_error ("h4 never logged why it stays out");
    }
  /* Time for any wrong link to show, and for redials to be refused too. */
  shoal_test_lan_iterate_for (2000);
  shoal_test_lan_drain_signals ();

  for (i = 1; i <= 3; i++)
    {
      ShoalTestLanHost *host = &fixture->hosts[i];
      ShoalTestLanPeerView view;

      shoal_test_lan_peer_view (host, h4->id, &view);
      g_assert_false (view.connected);
      shoal_test_lan_peer_view_clear (&view);
      g_assert_cmpuint (shoal_test_lan_count_events (host, SHOAL_TEST_LAN_EVENT_CONNECTED, h4->id),
                        ==, 0);
      others_say_why = others_say_why ||
                       shoal_test_lan_host_log_count (host, "network key") > 0;

      shoal_test_lan_peer_view (h4, host->id, &view);
      g_assert_false (view.connected);
      shoal_test_lan_peer_view_clear (&view);
    }
  g_assert_cmpuint (shoal_test_lan_count_events (h4, SHOAL_TEST_LAN_EVENT_CONNECTED, NULL), ==, 0);
  g_assert_true (others_say_why);

  /* The three are still one mesh, each with its two peers alone connected. */
  for (i = 1; i <= 3; i++)
    for (j = 1; j <= 3; j++)
      if (i != j)
        g_assert_cmpuint (shoal_test_lan_count_events (&fixture->hosts[i],
                                                       SHOAL_TEST_LAN_EVENT_DISCONNECTED,
                                                       fixture->hosts[j].id), ==, 0);
  g_assert_true (shoal_test_lan_mesh_complete (&mesh));

  /* shoal doctor names the key, for each peer that stays out. */
  for (i = 1; i <= 3; i++)
    {
      ShoalTestLanHost *host = &fixture->hosts[i];
      g_autofree gchar *h4_line = g_strdup_printf ("problem: peer h4 (%s) is not linked: not "
                                                   "trusted: the peer holds another network key "
                                                   "— the two machines do not hold the same "
                                                   "network key", h4->id);
      g_autofree gchar *host_line = g_strdup_printf ("problem: peer %s (%s) is not linked: not "
                                                     "trusted: the peer holds another network "
                                                     "key — ", host->name, host->id);
      g_autofree gchar *out = wait_doctor_says (host, h4_line);

      g_free (out);
      out = wait_doctor_says (h4, host_line);
      g_clear_pointer (&out, g_free);
      g_assert_cmpint (host_doctor (h4, FALSE, &out), ==, 1);
    }
}

/* ---- shoal doctor ---- */

void
test_lan_doctor_healthy (ShoalTestLanFixture *fixture,
                         gconstpointer        data)
{
  g_autoptr(JsonParser) parser = NULL;
  ShoalTestLanMesh mesh;
  guint i;

  g_test_summary ("On a healthy mesh of three hosts, shoal doctor on each says ok on every "
                  "line, avahi-daemon running, the node announced under its name, the two "
                  "other services seen and both peers linked, and exits 0 (--json too); no "
                  "shoald spoke of an unreachable peer or of its id elsewhere");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_start_hosts (fixture, 1, 3);
  shoal_test_lan_mesh_init (&mesh, fixture, 1, 3);
  shoal_test_lan_mesh_wait (&mesh);

  for (i = 1; i <= 3; i++)
    {
      ShoalTestLanHost *host = &fixture->hosts[i];
      g_autofree gchar *out = NULL;
      /* The instance name is the node's name and its id (PROTOCOL.md §15). */
      g_autofree gchar *announced = g_strdup_printf ("ok: this node is announced over mDNS as "
                                                     "“%s %s” (port ", host->name, host->id);
      g_auto(GStrv) lines = NULL;

      /* The mesh is up: the records of both others are in. */
      g_free (wait_doctor_says (host, "ok: 2 other Shoal services are seen over mDNS"));
      g_assert_cmpint (host_doctor (host, FALSE, &out), ==, 0);
      lines = g_strsplit (out, "\n", -1);
      for (guint j = 0; lines[j] != NULL && lines[j][0] != '\0'; j++)
        g_assert_true (g_str_has_prefix (lines[j], "ok: "));
      g_assert_true (g_str_has_prefix (lines[0], "ok: shoald "));
      g_assert_true (g_str_has_prefix (lines[1], "ok: avahi-daemon (avahi "));
      g_assert_nonnull (strstr (lines[1], ") is running, as host "));
      g_assert_true (g_str_has_prefix (lines[2], announced));
      g_assert_true (g_str_has_prefix (lines[3], "ok: interfaces up with multicast: eth0 ("));
      g_assert_nonnull (strstr (lines[3], "; Shoal uses eth0"));
      g_assert_cmpstr (lines[4], ==, "ok: 2 other Shoal services are seen over mDNS");
      g_assert_cmpstr (lines[5], ==, "ok: no other machine shows this node’s id");
      g_assert_cmpstr (lines[6], ==, "ok: all 2 known peers are linked");
      g_assert_true (g_str_has_prefix (lines[7], "ok: listening on TCP port "));
      g_assert_nonnull (strstr (lines[7], ", on every address"));
      g_assert_cmpstr (lines[8], ==, "");

      g_clear_pointer (&out, g_free);
      g_assert_cmpint (host_doctor (host, TRUE, &out), ==, 0);
      g_clear_object (&parser);
      parser = json_parser_new ();
      g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
      g_assert_true (json_object_get_boolean_member (json_node_get_object (json_parser_get_root (parser)),
                                                     "ok"));

      g_assert_cmpuint (shoal_test_lan_host_log_count (host, "Cannot link up"), ==, 0);
      g_assert_cmpuint (shoal_test_lan_host_log_count (host, "own id"), ==, 0);
    }
}

void
test_lan_doctor_avahi_stopped (ShoalTestLanFixture *fixture,
                               gconstpointer        data)
{
  static const gchar waiting[] = "avahi-daemon is not running";
  static const gchar gone[] = "avahi-daemon went away";
  ShoalTestLanHost *h1 = &fixture->hosts[1];
  g_autofree gchar *out = NULL;
  ShoalTestLanMesh mesh;

  g_test_summary ("A host whose avahi-daemon is stopped: its shoald says once that it waits "
                  "for avahi-daemon, however long it waits; shoal doctor there names "
                  "avahi-daemon and says the node is not announced, exit 1. Once avahi-daemon "
                  "is back the mesh forms and doctor exits 0; stopped again, shoald says so "
                  "once more, once");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_do ("avahi-stop", h1->name, NULL);
  shoal_test_lan_start_hosts (fixture, 1, 2);

  out = wait_doctor_says (h1, "problem: avahi-daemon is not reachable: it is not on the system "
                              "bus — install and start it");
  g_assert_nonnull (strstr (out, "problem: this node is not announced: shoald cannot reach "
                                 "avahi-daemon — "));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (host_doctor (h1, FALSE, &out), ==, 1);
  /* Longer than shoald's retry pauses: still one line. */
  shoal_test_lan_iterate_for (7000);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h1, waiting), ==, 1);

  shoal_test_lan_do ("avahi-start", h1->name, NULL);
  shoal_test_lan_mesh_init (&mesh, fixture, 1, 2);
  shoal_test_lan_mesh_wait (&mesh);
  g_clear_pointer (&out, g_free);
  g_free (wait_doctor_says (h1, "ok: 1 other Shoal service is seen over mDNS"));
  g_assert_cmpint (host_doctor (h1, FALSE, &out), ==, 0);

  shoal_test_lan_do ("avahi-stop", h1->name, NULL);
  wait_log_says (h1, gone);
  shoal_test_lan_iterate_for (7000);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h1, gone), ==, 1);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h1, waiting), ==, 1);
}

void
test_lan_doctor_multicast_blocked (ShoalTestLanFixture *fixture,
                                   gconstpointer        data)
{
  static const gchar filtered[] = "problem: no other Shoal service is seen over mDNS, while this "
                                  "node’s own is: multicast is likely filtered on this network";
  guint i;

  g_test_summary ("When the switch passes no multicast, each host's avahi-daemon still runs and "
                  "announces its node, but no other Shoal service is ever seen: shoal doctor "
                  "says multicast is likely filtered, exit 1, and no link comes up");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_do ("multicast-off", "all", NULL);
  shoal_test_lan_start_hosts (fixture, 1, 3);

  for (i = 1; i <= 3; i++)
    g_free (wait_doctor_says (&fixture->hosts[i], "ok: this node is announced over mDNS as "));
  /* On an open network the others' services are seen within a second or
   * two of their announcement: give them more. */
  shoal_test_lan_iterate_for (4000);

  for (i = 1; i <= 3; i++)
    {
      ShoalTestLanHost *host = &fixture->hosts[i];
      g_autofree gchar *out = NULL;

      g_assert_cmpint (host_doctor (host, FALSE, &out), ==, 1);
      g_assert_nonnull (strstr (out, filtered));
      g_assert_nonnull (strstr (out, "ok: avahi-daemon (avahi "));
      g_assert_nonnull (strstr (out, " — let mDNS through (UDP port 5353"));
    }
  shoal_test_lan_drain_signals ();
  for (i = 1; i <= 3; i++)
    g_assert_cmpuint (shoal_test_lan_count_events (&fixture->hosts[i],
                                                   SHOAL_TEST_LAN_EVENT_CONNECTED, NULL), ==, 0);
}

/* `shoal-test-node --watch` on @host announcing a node on a port where
 * nothing listens; returns its id. */
static GSubprocess *
start_ghost (ShoalTestLanHost  *host,
             gchar            **id)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree gchar *test_node_path = g_test_build_filename (G_TEST_BUILT, "shoal-test-node", NULL);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *line = NULL;
  g_auto(GStrv) words = NULL;
  GSubprocess *ghost;

  launcher = shoal_test_lan_new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  ghost = g_subprocess_launcher_spawn (launcher, &error, shoal_test_lan_path (), "run", host->name,
                                       test_node_path, "--watch", "--name", "ghost",
                                       "--port", "9", NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (ghost));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  words = g_strsplit (line, " ", -1);
  g_assert_cmpstr (words[0], ==, "ready");
  *id = g_strdup (words[1]);
  return ghost;
}

static guint16
host_get_port (ShoalTestLanHost *host)
{
  g_autoptr(GVariant) port = shoal_test_lan_host_get (host, "Port");

  g_assert_nonnull (port);
  return g_variant_get_uint16 (port);
}

void
test_lan_speak_up (ShoalTestLanFixture *fixture,
                   gconstpointer        data)
{
  ShoalTestLanHost *h1 = &fixture->hosts[1];
  ShoalTestLanHost *h2 = &fixture->hosts[2];
  ShoalTestLanHost *h3 = &fixture->hosts[3];
  g_autoptr(GSubprocess) ghost = NULL;
  g_autofree gchar *ghost_id = NULL;
  g_autofree gchar *unreachable = NULL;
  g_autofree gchar *not_linked = NULL;
  g_autofree gchar *copy = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *dialling = NULL;
  g_autofree gchar *h1_address = NULL;
  static const gchar elsewhere[] = "announces this node's own id";

  g_test_summary ("shoald speaks up, once per cause: h2 runs on a copy of h1's state directory, "
                  "and each says that another machine announces its own id and what to do, "
                  "and again once when h2 dials h1 and TLS proves the same id at both ends; a "
                  "node announced on a port where nothing listens cannot be reached, and both say "
                  "so once after five failed dials, with the reason, however often they dial "
                  "again; shoal doctor on h1 names both problems");
  if (shoal_test_lan_fail_if_unable ())
    return;

  ghost = start_ghost (h3, &ghost_id);
  shoal_test_lan_host_start_and_wait (fixture, h1);
  copy = g_strdup_printf ("cp -a %s/state %s/state", h1->dir, h2->dir);
  g_assert_true (g_spawn_command_line_sync (copy, NULL, NULL, NULL, NULL));
  /* h2 also dials h1's address: TLS proves the same id at both ends. */
  h1_address = g_strdup_printf ("192.0.2.1:%u", host_get_port (h1));
  h2->options = g_strdupv ((gchar *[]) { "--peer", h1_address, NULL });
  shoal_test_lan_host_start_and_wait (fixture, h2);
  g_assert_cmpstr (h2->id, ==, h1->id);

  unreachable = g_strdup_printf ("Cannot link up with peer %s (ghost): ", ghost_id);
  wait_log_says (h1, unreachable);
  wait_log_says (h2, unreachable);
  wait_log_says (h1, elsewhere);
  wait_log_says (h2, elsewhere);
  wait_log_says (h1, "A machine at 192.0.2.2 proves this node's own id");
  wait_log_says (h2, "A machine at 192.0.2.1 proves this node's own id");

  not_linked = g_strdup_printf ("problem: peer ghost (%s) is not linked: connection refused: ",
                                ghost_id);
  out = wait_doctor_says (h1, not_linked);
  g_assert_nonnull (strstr (out, " — nothing listens at its address"));
  g_assert_nonnull (strstr (out, "problem: another machine, at "));
  g_assert_nonnull (strstr (out, "shows this node’s own id: its state directory was copied "
                                 "from this one — give that machine a state directory of its own"));
  g_assert_nonnull (strstr (out, "ok: 2 other Shoal services are seen over mDNS"));

  /* The sixth failed dial comes about 8 s after the fifth. */
  dialling = g_strdup_printf ("Dialling %s ", ghost_id);
  wait_log_count (h1, dialling, 6);
  wait_log_count (h2, dialling, 6);
  shoal_test_lan_iterate_for (1000);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h1, unreachable), ==, 1);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h2, unreachable), ==, 1);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h1, "dials in a row failed, the last one "
                                                   "because: connection refused"), ==, 1);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h1, elsewhere), ==, 1);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h2, elsewhere), ==, 1);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h1, "proves this node's own id"), ==, 1);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h2, "proves this node's own id"), ==, 1);

  g_subprocess_send_signal (ghost, SIGTERM);
  shoal_test_wait_exit (ghost, SHOAL_TEST_LAN_STOP_TIMEOUT_MS);
}

void
test_lan_no_interface (ShoalTestLanFixture *fixture,
                       gconstpointer        data)
{
  static const gchar none[] = "No network interface is up with multicast";
  static const gchar back[] = "A network interface with multicast is up";
  ShoalTestLanHost *h1 = &fixture->hosts[1];
  g_autofree gchar *out = NULL;

  g_test_summary ("A host whose only network interface is down: shoald says once that mDNS "
                  "can reach no one, and shoal doctor says no interface is up with multicast, "
                  "exit 1; when the interface comes up, shoald says so and doctor is content "
                  "with the interfaces");
  if (shoal_test_lan_fail_if_unable ())
    return;

  shoal_test_lan_do ("run", h1->name, "ip", "link", "set", "eth0", "down", NULL);
  shoal_test_lan_host_start_and_wait (fixture, h1);
  wait_log_says (h1, none);
  out = wait_doctor_says (h1, "problem: no network interface is up with multicast, loopback "
                              "aside — connect this machine to a network");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (host_doctor (h1, FALSE, &out), ==, 1);

  shoal_test_lan_do ("run", h1->name, "ip", "link", "set", "eth0", "up", NULL);
  wait_log_says (h1, back);
  g_clear_pointer (&out, g_free);
  out = wait_doctor_says (h1, "ok: interfaces up with multicast: eth0 (");
  g_assert_cmpuint (shoal_test_lan_host_log_count (h1, none), ==, 1);
  g_assert_cmpuint (shoal_test_lan_host_log_count (h1, back), ==, 1);
}
