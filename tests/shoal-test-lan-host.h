/* shoal-test-lan-host.h: shoald on the hosts of a namespace LAN, for the lan suites
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-test-lan.h"

G_BEGIN_DECLS

#define SHOAL_TEST_LAN_MAX_HOSTS 8

#define SHOAL_TEST_LAN_BUS_NAME "org.shoal.Shoal1"
#define SHOAL_TEST_LAN_OBJECT_PATH "/org/shoal/Shoal1"
#define SHOAL_TEST_LAN_INTERFACE "org.shoal.Shoal1"

/* Every wait is bounded: a test fails, it never hangs. */
#define SHOAL_TEST_LAN_COMMAND_TIMEOUT_MS 30000
#define SHOAL_TEST_LAN_CALL_TIMEOUT_MS 10000
#define SHOAL_TEST_LAN_START_TIMEOUT_MS 10000
#define SHOAL_TEST_LAN_STOP_TIMEOUT_MS 5000
#define SHOAL_TEST_LAN_MESH_TIMEOUT_MS 20000
#define SHOAL_TEST_LAN_DELIVERY_TIMEOUT_MS 20000

typedef enum
{
  SHOAL_TEST_LAN_EVENT_CONNECTED,
  SHOAL_TEST_LAN_EVENT_DISCONNECTED,
  SHOAL_TEST_LAN_EVENT_MESSAGE,
} ShoalTestLanEventKind;

/* One signal from a host's shoald, as a script on that host saw it. */
typedef struct
{
  ShoalTestLanEventKind  kind;
  gchar                 *id;         /* the peer it is about, or the sender */
  gchar                 *text;       /* PeerConnected: name; PeerDisconnected: reason;
                                        MessageReceived: sender's name */
  gchar                 *group;      /* (nullable) MessageReceived: the group it was sent to */
  GBytes                *payload;    /* (nullable) MessageReceived only */
  gboolean               broadcast;
  gint64                 time;       /* monotonic, µs */
} ShoalTestLanEvent;

typedef struct
{
  guint            index;       /* 1 for h1 */
  gchar           *name;        /* "h1" */
  gchar           *dir;         /* LAN_ROOT/h1 */
  GDBusConnection *bus;         /* (owned) the host's session bus */
  guint            subscriptions[3];  /* one per signal recorded */
  GPtrArray       *events;      /* (element-type ShoalTestLanEvent) */
  GSubprocess     *shoald;      /* (owned) (nullable) the running daemon */
  gchar           *log;         /* (owned) (nullable) its output */
  guint            starts;
  gchar           *id;          /* (owned) (nullable) its peer id, once known */
  GStrv            options;     /* (owned) (nullable) more shoald options */
} ShoalTestLanHost;

/* What a test's LAN is: passed to g_test_add() for shoal_test_lan_set_up(). */
typedef struct
{
  guint        n_hosts;
  guint16      port;         /* every shoald's --port, or 0 for shoald's own choice */
  const gchar *up_args[5];   /* more for `tools/lan up`, NULL-terminated */
} ShoalTestLanSpec;

typedef struct
{
  ShoalTestLanHost  hosts[SHOAL_TEST_LAN_MAX_HOSTS + 1];  /* 1-based: hosts[1] is h1 */
  guint             n_hosts;
  guint16           port;          /* from the spec */
  gboolean          lan_up;
  gint64            last_start;    /* monotonic µs of the last shoald spawned */
  GPtrArray        *processes;     /* (owned) (element-type GSubprocess) more that the test
                                      started in the hosts, stopped at tear-down */
} ShoalTestLanFixture;

/* What a host's ListPeers says of one id. */
typedef struct
{
  guint     count;       /* entries with this id */
  gboolean  connected;
  gchar    *name;        /* (owned) (nullable) of the last entry */
  gchar   **addresses;   /* (owned) (nullable) of the last entry */
} ShoalTestLanPeerView;

/* Some of a fixture's hosts, which should all be linked with each other. */
typedef struct
{
  ShoalTestLanFixture *fixture;
  guint                members[SHOAL_TEST_LAN_MAX_HOSTS];  /* host indices */
  guint                n_members;
} ShoalTestLanMesh;

/* The test program (shoal-test-lan-fixture.c) */
void                 shoal_test_lan_init            (int          *argc,
                                                     char       ***argv,
                                                     const gchar  *prefix_base,
                                                     const gchar  *root_base);
void                 shoal_test_lan_require_program (const gchar  *program,
                                                     const gchar  *missing);
int                  shoal_test_lan_run_tests       (void);
gboolean             shoal_test_lan_fail_if_unable  (void);
const gchar         *shoal_test_lan_path            (void);
const gchar         *shoal_test_lan_root            (void);
const gchar         *shoal_test_lan_shoald_path     (void);
const gchar         *shoal_test_lan_shoal_path      (void);
GSubprocessLauncher *shoal_test_lan_new_launcher    (GSubprocessFlags flags);
gchar               *shoal_test_lan_try             (const gchar *first_arg,
                                                     ...) G_GNUC_NULL_TERMINATED;
void                 shoal_test_lan_do              (const gchar *first_arg,
                                                     ...) G_GNUC_NULL_TERMINATED;

/* The fixture (shoal-test-lan-fixture.c) */
void                 shoal_test_lan_set_up          (ShoalTestLanFixture *fixture,
                                                     gconstpointer        spec);
void                 shoal_test_lan_tear_down       (ShoalTestLanFixture *fixture,
                                                     gconstpointer        spec);
void                 shoal_test_lan_start_hosts     (ShoalTestLanFixture *fixture,
                                                     guint                first,
                                                     guint                last);
void                 shoal_test_lan_dump_logs       (ShoalTestLanFixture *fixture);

/* Peers, as ListPeers shows them (shoal-test-lan-fixture.c) */
GVariant            *shoal_test_lan_host_list_peers     (ShoalTestLanHost     *host);
void                 shoal_test_lan_peer_view           (ShoalTestLanHost     *host,
                                                         const gchar          *id,
                                                         ShoalTestLanPeerView *view);
void                 shoal_test_lan_peer_view_clear     (ShoalTestLanPeerView *view);
guint                shoal_test_lan_peer_count          (ShoalTestLanHost     *host);
gchar               *shoal_test_lan_host_describe_peers (ShoalTestLanHost     *host);
gboolean             shoal_test_lan_host_sees           (ShoalTestLanHost     *host,
                                                         ShoalTestLanHost     *other);
void                 shoal_test_lan_mesh_init           (ShoalTestLanMesh     *mesh,
                                                         ShoalTestLanFixture  *fixture,
                                                         guint                 first,
                                                         guint                 last);
gboolean             shoal_test_lan_mesh_complete       (gpointer              mesh);
void                 shoal_test_lan_mesh_describe       (ShoalTestLanMesh     *mesh);
void                 shoal_test_lan_mesh_wait           (ShoalTestLanMesh     *mesh);

/* Hosts (shoal-test-lan-host.c) */
void                 shoal_test_lan_host_init           (ShoalTestLanHost    *host,
                                                         guint                index);
void                 shoal_test_lan_host_clear          (ShoalTestLanHost    *host);
void                 shoal_test_lan_host_set_options    (ShoalTestLanHost    *host,
                                                         const gchar * const *options);
void                 shoal_test_lan_host_start          (ShoalTestLanFixture *fixture,
                                                         ShoalTestLanHost    *host);
gchar               *shoal_test_lan_host_wait_ready     (ShoalTestLanHost    *host);
void                 shoal_test_lan_host_start_and_wait (ShoalTestLanFixture *fixture,
                                                         ShoalTestLanHost    *host);
gboolean             shoal_test_lan_host_stop           (ShoalTestLanHost    *host);
GVariant            *shoal_test_lan_host_call           (ShoalTestLanHost    *host,
                                                         const gchar         *method,
                                                         GVariant            *parameters,
                                                         const gchar         *reply_type,
                                                         GError             **error);
GVariant            *shoal_test_lan_host_get            (ShoalTestLanHost    *host,
                                                         const gchar         *property);
gchar               *shoal_test_lan_host_get_id         (ShoalTestLanHost    *host);
gint                 shoal_test_lan_host_shoal          (ShoalTestLanHost    *host,
                                                         gchar              **out,
                                                         const gchar         *first_arg,
                                                         ...) G_GNUC_NULL_TERMINATED;
void                 shoal_test_lan_host_dump_log       (ShoalTestLanHost    *host);
guint                shoal_test_lan_host_log_count      (ShoalTestLanHost    *host,
                                                         const gchar         *needle);

/* Signals (shoal-test-lan-host.c) */
guint                shoal_test_lan_count_events (ShoalTestLanHost      *host,
                                                  ShoalTestLanEventKind  kind,
                                                  const gchar           *id);
ShoalTestLanEvent   *shoal_test_lan_wait_event   (ShoalTestLanHost      *host,
                                                  ShoalTestLanEventKind  kind,
                                                  const gchar           *id,
                                                  guint                  from,
                                                  guint                  timeout_ms);
GBytes              *shoal_test_lan_wait_message (ShoalTestLanHost      *host,
                                                  const gchar           *id,
                                                  guint                  from,
                                                  gboolean              *broadcast);
void                 shoal_test_lan_drain_signals (void);
GPtrArray           *shoal_test_lan_messages_from (ShoalTestLanHost *host,
                                                   const gchar      *id,
                                                   guint             from);
GPtrArray           *shoal_test_lan_wait_messages (ShoalTestLanHost *host,
                                                   const gchar      *id,
                                                   guint             from,
                                                   guint             count);
GArray              *shoal_test_lan_stream_while  (GSubprocess      *tool,
                                                   ShoalTestLanHost *from,
                                                   ShoalTestLanHost *to,
                                                   const gchar      *prefix,
                                                   guint             interval_ms);
GPtrArray           *shoal_test_lan_wait_stream   (ShoalTestLanHost *to,
                                                   ShoalTestLanHost *from,
                                                   guint             cursor,
                                                   const gchar      *prefix,
                                                   guint             count);

G_END_DECLS
