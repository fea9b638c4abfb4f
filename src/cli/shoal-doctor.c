/* shoal-doctor.c: `shoal doctor`, what is wrong and what to do, one line each
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Checks, in this order, what a LAN peer service needs and says for each
 * "ok: …" or "problem: … — what to do": shoald and its bus; avahi-daemon,
 * asked on the system bus; this node's mDNS announcement; the interfaces;
 * whether other Shoal services are seen at all; whether another machine
 * uses this node's id; each peer that is known but not linked, and why;
 * the listening port. shoald's own view comes from its Diagnose() method
 * and ListPeers(). With --json the same findings are one JSON object. Exit
 * status 0 when nothing is wrong, 1 otherwise.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "shoal-doctor.h"
#include "shoal-dbus-generated.h"

#define SHOAL_BUS_NAME "org.shoal.Shoal1"
#define SHOAL_OBJECT_PATH "/org/shoal/Shoal1"
#define AVAHI_BUS_NAME "org.freedesktop.Avahi"
#define CALL_TIMEOUT_MS 5000

/* avahi-daemon's server states (AvahiServerState) */
enum {
  AVAHI_STATE_REGISTERING = 1,
  AVAHI_STATE_RUNNING = 2,
  AVAHI_STATE_COLLISION = 3,
};

typedef struct {
  const gchar *check;    /* a stable name, for --json */
  gboolean     ok;
  gchar       *message;  /* (owned) */
  gchar       *advice;   /* (owned) (nullable) what to do */
  gchar       *peer_id;  /* (owned) (nullable) */
} Finding;

typedef struct {
  GPtrArray        *findings;      /* (owned) (element-type Finding) */
  GDBusConnection  *bus;           /* (owned) (nullable) where shoald runs */
  gboolean          system_bus;    /* @bus is the system bus */
  ShoalDbusService *service;       /* (owned) (nullable) */
  GVariant         *report;        /* (owned) (nullable) Diagnose() */
  GVariant         *peers;         /* (owned) (nullable) ListPeers() */
} Doctor;

static void
finding_free (Finding *finding)
{
  g_free (finding->message);
  g_free (finding->advice);
  g_free (finding->peer_id);
  g_free (finding);
}

/* Takes @message and @advice. */
static void
add (Doctor      *doctor,
     const gchar *check,
     gboolean     ok,
     gchar       *message,
     gchar       *advice)
{
  Finding *finding = g_new0 (Finding, 1);

  finding->check = check;
  finding->ok = ok;
  finding->message = message;
  finding->advice = advice;
  g_ptr_array_add (doctor->findings, finding);
}

static const gchar *
bus_label (gboolean system_bus)
{
  return system_bus ? _("the system bus") : _("the session bus");
}

static gboolean
has_owner (GDBusConnection *bus,
           const gchar     *name)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static GDBusConnection *
bus_get (gboolean   system_bus,
         GError   **error)
{
  return g_bus_get_sync (system_bus ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL, error);
}

/* A session bus that is there to ask: one that GLib would not have to
 * launch first (it may, through dbus-launch, when none is configured). */
static gboolean
session_bus_configured (void)
{
  g_autofree gchar *runtime_bus = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);

  return g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL ||
         g_file_test (runtime_bus, G_FILE_TEST_EXISTS);
}

/* 1. Is shoald running, and on which bus? */
static void
check_shoald (Doctor   *doctor,
              gboolean  system_bus)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GDBusConnection) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *bus_error = NULL;

  bus = bus_get (system_bus, &error);
  if (bus == NULL)
    bus_error = g_strdup (error->message);
  g_clear_error (&error);

  if (bus != NULL && has_owner (bus, SHOAL_BUS_NAME))
    {
      doctor->bus = g_steal_pointer (&bus);
      doctor->system_bus = system_bus;
    }
  else if ((!system_bus || session_bus_configured ()) &&
           (other = bus_get (!system_bus, NULL)) != NULL && has_owner (other, SHOAL_BUS_NAME))
    {
      doctor->bus = g_steal_pointer (&other);
      doctor->system_bus = !system_bus;
    }
  else if (bus_error != NULL)
    {
      add (doctor, "shoald", FALSE,
           g_strdup_printf (_("shoald cannot be asked: no connection to %s (%s)"),
                            bus_label (system_bus), bus_error),
           g_strdup (_("run shoal where shoald runs, with its bus in DBUS_SESSION_BUS_ADDRESS")));
      return;
    }
  else
    {
      add (doctor, "shoald", FALSE,
           g_strdup_printf (_("shoald is not running, neither on %s nor on %s"),
                            bus_label (system_bus), bus_label (!system_bus)),
           g_strdup (_("start it with “shoald” or “systemctl --user start shoald”")));
      return;
    }

  doctor->service = shoal_dbus_service_proxy_new_sync (doctor->bus,
                                                       G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                                       SHOAL_BUS_NAME, SHOAL_OBJECT_PATH,
                                                       NULL, &error);
  if (doctor->service != NULL &&
      !shoal_dbus_service_call_diagnose_sync (doctor->service, &doctor->report, NULL, &error))
    doctor->report = NULL;
  if (doctor->report != NULL &&
      !shoal_dbus_service_call_list_peers_sync (doctor->service, &doctor->peers, NULL, &error))
    doctor->peers = NULL;
  if (error != NULL)
    {
      g_dbus_error_strip_remote_error (error);
      add (doctor, "shoald", FALSE,
           g_strdup_printf (_("shoald runs on %s but does not answer: %s"),
                            bus_label (doctor->system_bus), error->message),
           g_strdup (_("restart it; if it still does not answer, update it to this shoal’s version")));
      g_clear_pointer (&doctor->report, g_variant_unref);
      return;
    }

  if (doctor->system_bus != system_bus)
    add (doctor, "shoald", TRUE,
         g_strdup_printf (doctor->system_bus ?
                          _("shoald %s is running on the system bus, not on the session bus, as "
                            "“%s” (id %s): the other shoal commands reach it with --system") :
                          _("shoald %s is running on the session bus, not on the system bus, as "
                            "“%s” (id %s): the other shoal commands reach it without --system"),
                          shoal_dbus_service_get_version (doctor->service),
                          shoal_dbus_service_get_name (doctor->service),
                          shoal_dbus_service_get_id (doctor->service)),
         NULL);
  else
    add (doctor, "shoald", TRUE,
         g_strdup_printf (_("shoald %s is running on %s as “%s” (id %s)"),
                          shoal_dbus_service_get_version (doctor->service),
                          bus_label (doctor->system_bus),
                          shoal_dbus_service_get_name (doctor->service),
                          shoal_dbus_service_get_id (doctor->service)),
         NULL);
}

static gboolean
report_bool (Doctor      *doctor,
             const gchar *key,
             gboolean     fallback)
{
  gboolean value = fallback;

  if (doctor->report != NULL)
    g_variant_lookup (doctor->report, key, "b", &value);
  return value;
}

static gchar *
report_string (Doctor      *doctor,
               const gchar *key)
{
  gchar *value = NULL;

  if (doctor->report == NULL || !g_variant_lookup (doctor->report, key, "s", &value))
    value = g_strdup ("");
  return value;
}

static gchar *
avahi_call_string (GDBusConnection *bus,
                   const gchar     *method)
{
  g_autoptr(GVariant) reply = NULL;
  gchar *value = NULL;

  reply = g_dbus_connection_call_sync (bus, AVAHI_BUS_NAME, "/", "org.freedesktop.Avahi.Server",
                                       method, NULL, G_VARIANT_TYPE ("(s)"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS,
                                       NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(s)", &value);
  return value;
}

/* 2. Is avahi-daemon there, and in which state? Asked on the system bus, as
 * shoald asks it; a doctor never starts it. */
static void
check_avahi (Doctor *doctor)
{
  g_autoptr(GDBusConnection) system = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree gchar *version = NULL;
  g_autofree gchar *host = NULL;
  gboolean mdns = report_bool (doctor, "mdns", TRUE);
  gboolean ok = FALSE;
  gchar *message = NULL;
  gchar *advice = NULL;
  gint32 state = 0;

  system = doctor->system_bus && doctor->bus != NULL ? g_object_ref (doctor->bus)
                                                     : bus_get (TRUE, &error);
  if (system == NULL)
    {
      message = g_strdup_printf (_("avahi-daemon cannot be reached: there is no system bus (%s)"),
                                 error->message);
      advice = g_strdup (_("start the system bus and avahi-daemon; until then Shoal finds "
                           "peers only at the addresses given with --peer"));
    }
  else if (!has_owner (system, AVAHI_BUS_NAME))
    {
      message = g_strdup (_("avahi-daemon is not reachable: it is not on the system bus"));
      advice = g_strdup (_("install and start it (“systemctl start avahi-daemon”); until then "
                           "Shoal finds peers only at the addresses given with --peer"));
    }
  else
    {
      version = avahi_call_string (system, "GetVersionString");
      host = avahi_call_string (system, "GetHostNameFqdn");
      reply = g_dbus_connection_call_sync (system, AVAHI_BUS_NAME, "/",
                                           "org.freedesktop.Avahi.Server", "GetState", NULL,
                                           G_VARIANT_TYPE ("(i)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                           CALL_TIMEOUT_MS, NULL, NULL);
      if (reply != NULL)
        g_variant_get (reply, "(i)", &state);
      if (version == NULL)
        version = g_strdup ("");
      if (host == NULL)
        host = g_strdup ("?");

      switch (state)
        {
        case AVAHI_STATE_RUNNING:
          ok = TRUE;
          message = g_strdup_printf (_("avahi-daemon (%s) is running, as host %s"), version, host);
          break;
        case AVAHI_STATE_REGISTERING:
          message = g_strdup_printf (_("avahi-daemon (%s) is still registering its host name %s"), version, host);
          advice = g_strdup (_("wait a few seconds; if it lasts, another host may use the same "
                               "host name, or multicast is blocked on this network"));
          break;
        case AVAHI_STATE_COLLISION:
          message = g_strdup_printf (_("avahi-daemon (%s): its host name %s collides with another host’s"),
                                     version, host);
          advice = g_strdup (_("give this machine a host name of its own"));
          break;
        default:
          message = g_strdup_printf (_("avahi-daemon (%s) is in a failed state (%d)"), version, state);
          advice = g_strdup (_("restart it (“systemctl restart avahi-daemon”) and read its log"));
          break;
        }
    }

  /* Without mDNS, shoald needs no avahi-daemon: said, but no problem. */
  if (!mdns)
    {
      g_autofree gchar *said = message;

      message = g_strdup_printf (_("%s; shoald does not use it (started with --no-avahi)"), said);
      g_clear_pointer (&advice, g_free);
      ok = TRUE;
    }
  add (doctor, "avahi", ok, message, advice);
}

/* Whether Avahi renamed the service, as "NAME #2". */
static gboolean
is_renamed (const gchar *name)
{
  g_autoptr(GRegex) renamed = g_regex_new (" #[0-9]+$", 0, 0, NULL);

  return g_regex_match (renamed, name, 0, NULL);
}

/* 3. Is this node announced, and under which name? */
static void
check_service (Doctor *doctor)
{
  g_autofree gchar *state = report_string (doctor, "discovery-state");
  g_autofree gchar *name = report_string (doctor, "service-name");
  guint port = shoal_dbus_service_get_port (doctor->service);

  if (!report_bool (doctor, "mdns", TRUE))
    {
      add (doctor, "service", TRUE,
           g_strdup (_("mDNS is off in shoald (started with --no-avahi): it neither announces "
                       "this node nor looks for others, and links only with the addresses it is "
                       "given")),
           NULL);
    }
  else if (g_str_equal (state, "running") && is_renamed (name))
    {
      add (doctor, "service", TRUE,
           g_strdup_printf (_("this node is announced over mDNS as “%s” (port %u), a name "
                              "avahi-daemon chose after a conflict: another machine announces "
                              "the name it was given"),
                            name, port),
           NULL);
    }
  else if (g_str_equal (state, "running"))
    {
      add (doctor, "service", TRUE,
           g_strdup_printf (_("this node is announced over mDNS as “%s” (port %u)"), name, port),
           NULL);
    }
  else if (g_str_equal (state, "registering"))
    {
      add (doctor, "service", FALSE,
           g_strdup (_("this node is not announced yet: avahi-daemon is still registering it")),
           g_strdup (_("wait a few seconds; if it lasts, another host may be taking the same "
                       "names, or multicast is blocked on this network")));
    }
  else if (g_str_equal (state, "collision"))
    {
      add (doctor, "service", FALSE,
           g_strdup (_("this node’s mDNS names collide with another machine’s, and shoald is "
                       "moving to other names")),
           /* The names carry the node's id: only a copy of it can take them. */
           g_strdup (_("another machine runs on a copy of this node’s state directory (the same "
                       "id): give that machine a state directory of its own")));
    }
  else if (g_str_equal (state, "failure"))
    {
      add (doctor, "service", FALSE,
           g_strdup (_("avahi-daemon refused to announce this node; shoald tries again")),
           g_strdup (_("read the logs of shoald and avahi-daemon")));
    }
  else
    {
      add (doctor, "service", FALSE,
           g_strdup (_("this node is not announced: shoald cannot reach avahi-daemon")),
           g_strdup (_("start avahi-daemon; shoald announces the node as soon as it is there")));
    }
}

/* 4. Which interfaces are up with multicast, and which does Shoal use? */
static void
check_interfaces (Doctor *doctor)
{
  g_autoptr(GVariant) interfaces = g_variant_lookup_value (doctor->report, "interfaces",
                                                           G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GPtrArray) usable = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) used = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *usable_text = NULL;
  g_autofree gchar *listen_text = report_string (doctor, "listen-address");
  g_autoptr(GInetAddress) listen_address = g_inet_address_new_from_string (listen_text);
  gboolean mdns = report_bool (doctor, "mdns", TRUE);
  GVariantIter iter;
  GVariant *interface;

  if (interfaces != NULL)
    {
      g_variant_iter_init (&iter, interfaces);
      while ((interface = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_autofree const gchar **addresses = NULL;
          const gchar *name = "?";
          gboolean multicast = FALSE, loopback = FALSE, uses = FALSE;

          g_variant_lookup (interface, "name", "&s", &name);
          g_variant_lookup (interface, "multicast", "b", &multicast);
          g_variant_lookup (interface, "loopback", "b", &loopback);
          g_variant_lookup (interface, "used", "b", &uses);
          if (!g_variant_lookup (interface, "addresses", "^a&s", &addresses))
            addresses = NULL;
          if (multicast && !loopback && addresses != NULL && addresses[0] != NULL)
            {
              g_autofree gchar *joined = g_strjoinv (", ", (gchar **) addresses);

              g_ptr_array_add (usable, g_strdup_printf ("%s (%s)", name, joined));
              if (uses)
                g_ptr_array_add (used, g_strdup (name));
            }
          g_variant_unref (interface);
        }
    }

  /* Without mDNS, multicast matters not; a loopback listener is the port
   * line's problem. */
  if (usable->len == 0)
    {
      add (doctor, "interfaces", !mdns,
           g_strdup (_("no network interface is up with multicast, loopback aside")),
           mdns ? g_strdup (_("connect this machine to a network: mDNS needs an interface with "
                              "multicast"))
                : NULL);
      return;
    }

  g_ptr_array_add (usable, NULL);
  usable_text = g_strjoinv (", ", (gchar **) usable->pdata);
  if (used->len == 0 && listen_address != NULL && g_inet_address_get_is_loopback (listen_address))
    {
      add (doctor, "interfaces", TRUE,
           g_strdup_printf (_("interfaces up with multicast: %s; Shoal listens on none of them"),
                            usable_text),
           NULL);
    }
  else if (used->len == 0)
    {
      add (doctor, "interfaces", FALSE,
           g_strdup_printf (_("interfaces up with multicast: %s; Shoal uses none of them"),
                            usable_text),
           g_strdup (_("let shoald listen on every address (no --listen), or on an address of "
                       "one of them, and check the interfaces and exclude-interfaces settings")));
    }
  else
    {
      g_autofree gchar *used_text = NULL;

      g_ptr_array_add (used, NULL);
      used_text = g_strjoinv (", ", (gchar **) used->pdata);
      add (doctor, "interfaces", TRUE,
           g_strdup_printf (_("interfaces up with multicast: %s; Shoal uses %s"), usable_text,
                            used_text),
           NULL);
    }
}

/* 5. Are other Shoal services seen at all? */
static void
check_discovery (Doctor *doctor)
{
  guint32 seen = 0;
  gboolean own = report_bool (doctor, "own-service-seen", FALSE);

  if (!report_bool (doctor, "mdns", TRUE))
    return;

  g_variant_lookup (doctor->report, "services-seen", "u", &seen);
  if (seen > 0)
    add (doctor, "discovery", TRUE,
         g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u other Shoal service is seen over mDNS",
                                       "%u other Shoal services are seen over mDNS", seen),
                          seen),
         NULL);
  else if (own)
    add (doctor, "discovery", FALSE,
         g_strdup (_("no other Shoal service is seen over mDNS, while this node’s own is: "
                     "multicast is likely filtered on this network, or no other machine runs "
                     "shoald")),
         g_strdup (_("let mDNS through (UDP port 5353 to 224.0.0.251 and ff02::fb) on firewalls, "
                     "switches and Wi-Fi access points, or give peers with --peer HOST:PORT")));
  else
    add (doctor, "discovery", FALSE,
         g_strdup (_("no Shoal service is seen over mDNS, not even this node’s own")),
         g_strdup (_("mDNS does not work here yet: see the lines above about avahi-daemon and "
                     "the interfaces")));
}

/* Does another machine use this node's id (a copied state directory)? */
static void
check_identity (Doctor *doctor)
{
  g_autofree const gchar **elsewhere = NULL;
  g_autofree gchar *joined = NULL;

  if (!g_variant_lookup (doctor->report, "id-elsewhere", "^a&s", &elsewhere) ||
      elsewhere[0] == NULL)
    {
      add (doctor, "identity", TRUE, g_strdup (_("no other machine shows this node’s id")), NULL);
      return;
    }

  joined = g_strjoinv (", ", (gchar **) elsewhere);
  add (doctor, "identity", FALSE,
       g_strdup_printf (_("another machine, at %s, shows this node’s own id: its state "
                          "directory was copied from this one"),
                        joined),
       g_strdup (_("give that machine a state directory of its own (remove key.pem there) and "
                   "restart its shoald")));
}

/* What to do about a peer's LastError. The engine's words are English
 * whatever the locale, so they can be matched. */
static gchar *
advice_for (const gchar *last_error,
            const gchar *label)
{
  if (strstr (last_error, "network key") != NULL)
    return g_strdup (_("the two machines do not hold the same network key: copy the same key "
                       "file to both and restart shoald"));
  if (strstr (last_error, "not trusted by the peer") != NULL)
    return g_strdup_printf (_("%s keeps this node out: trust this node there (“shoal trust” with "
                              "this node’s id)"),
                            label);
  if (strstr (last_error, "not trusted") != NULL)
    return g_strdup (_("this node keeps it out: “shoal trust” lets it in"));
  if (strstr (last_error, "version") != NULL || strstr (last_error, "protocol 1") != NULL)
    return g_strdup (_("the two machines speak different Shoal protocols: run the same Shoal "
                       "version on both"));
  if (g_str_has_prefix (last_error, "connection refused"))
    return g_strdup (_("nothing listens at its address: is shoald running there, or does a "
                       "firewall refuse the port?"));
  if (g_str_has_prefix (last_error, "connection timed out") ||
      g_str_has_prefix (last_error, "timeout"))
    return g_strdup (_("no answer from its address: a firewall may drop the connection, or the "
                       "machine is gone"));
  if (g_str_has_prefix (last_error, "unreachable"))
    return g_strdup (_("there is no route to it: is it on this network?"));
  if (strstr (last_error, "certificate") != NULL || strstr (last_error, "TLS") != NULL)
    return g_strdup (_("the TLS handshake failed: read shoald’s log on both machines"));
  return g_strdup (_("read shoald’s log on both machines"));
}

/* 6. Peers known but not linked, and why. */
static void
check_peers (Doctor *doctor)
{
  g_autoptr(GVariant) unlinked = NULL;
  GVariantIter iter;
  GVariant *peer;
  const gchar *address, *address_error;
  guint known = 0, problems = 0;

  if (doctor->peers == NULL)
    return;

  g_variant_iter_init (&iter, doctor->peers);
  while ((peer = g_variant_iter_next_value (&iter)) != NULL)
    {
      const gchar *id = "", *name = "", *state = "", *last_error = "", *code = "";
      gboolean connected = FALSE;
      g_autofree gchar *label = NULL;
      Finding *finding;

      known++;
      g_variant_lookup (peer, "id", "&s", &id);
      g_variant_lookup (peer, "name", "&s", &name);
      g_variant_lookup (peer, "state", "&s", &state);
      g_variant_lookup (peer, "connected", "b", &connected);
      g_variant_lookup (peer, "last-error", "&s", &last_error);
      g_variant_lookup (peer, "verification-code", "&s", &code);
      label = *name != '\0' ? g_strdup_printf ("%s (%s)", name, id) : g_strdup (id);

      /* Dropped by a person (shoal disconnect): a choice, not a fault. */
      if (connected || g_str_equal (state, "disconnected"))
        {
          if (!connected)
            add (doctor, "peer", TRUE,
                 g_strdup_printf (_("peer %s was disconnected by a person, here or there; "
                                    "“shoal connect” links it again"), label), NULL);
          g_variant_unref (peer);
          continue;
        }

      problems++;
      if (g_str_equal (state, "pending"))
        add (doctor, "peer", FALSE,
             g_strdup_printf (_("peer %s asks to join and waits for a decision here "
                                "(verification code %s)"),
                              label, code),
             g_strdup_printf (_("compare the code with the one that machine shows, then "
                                "“shoal trust %s” (or “shoal untrust %s”)"),
                              id, id));
      else if (*last_error != '\0')
        add (doctor, "peer", FALSE,
             g_strdup_printf (_("peer %s is not linked: %s"), label, last_error),
             advice_for (last_error, label));
      else
        add (doctor, "peer", TRUE,
             g_strdup_printf (_("peer %s is not linked yet (%s)"), label, _(state)), NULL);

      finding = g_ptr_array_index (doctor->findings, doctor->findings->len - 1);
      finding->peer_id = g_strdup (id);
      g_variant_unref (peer);
    }

  /* Configured addresses that could not be linked: no one knows whose. */
  unlinked = g_variant_lookup_value (doctor->report, "unlinked-addresses", G_VARIANT_TYPE ("a(ss)"));
  if (unlinked != NULL)
    {
      g_variant_iter_init (&iter, unlinked);
      while (g_variant_iter_next (&iter, "(&s&s)", &address, &address_error))
        {
          problems++;
          add (doctor, "peer", FALSE,
               g_strdup_printf (_("the configured peer at %s is not linked: %s"), address,
                                address_error),
               advice_for (address_error, address));
        }
    }

  if (problems > 0)
    return;
  if (known == 0)
    add (doctor, "peers", TRUE, g_strdup (_("no peer is known yet")), NULL);
  else
    add (doctor, "peers", TRUE,
         g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "the %u known peer is linked",
                                       "all %u known peers are linked", known),
                          known),
         NULL);
}

/* 7. Where does shoald listen? */
static void
check_port (Doctor *doctor)
{
  g_autofree gchar *listen_address = report_string (doctor, "listen-address");
  guint16 port = 0;
  g_autoptr(GInetAddress) address = NULL;

  g_variant_lookup (doctor->report, "port", "q", &port);
  if (*listen_address == '\0')
    {
      add (doctor, "port", TRUE,
           g_strdup_printf (_("listening on TCP port %u, on every address"), (guint) port), NULL);
      return;
    }

  address = g_inet_address_new_from_string (listen_address);
  if (address != NULL && g_inet_address_get_is_loopback (address))
    add (doctor, "port", FALSE,
         g_strdup_printf (_("listening on TCP port %u on %s only, which other machines cannot "
                            "reach"),
                          (guint) port, listen_address),
         g_strdup (_("let shoald listen on every address (no --listen), or on one that other "
                     "machines reach")));
  else
    add (doctor, "port", TRUE,
         g_strdup_printf (_("listening on TCP port %u, on %s only"), (guint) port, listen_address),
         NULL);
}

static void
print_text (Doctor *doctor)
{
  for (guint i = 0; i < doctor->findings->len; i++)
    {
      Finding *finding = g_ptr_array_index (doctor->findings, i);

      if (finding->ok)
        g_print (_("ok: %s"), finding->message);
      else if (finding->advice != NULL)
        g_print (_("problem: %s — %s"), finding->message, finding->advice);
      else
        g_print (_("problem: %s"), finding->message);
      g_print ("\n");
    }
}

static void
print_json (Doctor   *doctor,
            gboolean  all_ok)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree gchar *line = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, all_ok);
  json_builder_set_member_name (builder, "checks");
  json_builder_begin_array (builder);
  for (guint i = 0; i < doctor->findings->len; i++)
    {
      Finding *finding = g_ptr_array_index (doctor->findings, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "check");
      json_builder_add_string_value (builder, finding->check);
      json_builder_set_member_name (builder, "ok");
      json_builder_add_boolean_value (builder, finding->ok);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, finding->message);
      json_builder_set_member_name (builder, "advice");
      if (finding->advice != NULL)
        json_builder_add_string_value (builder, finding->advice);
      else
        json_builder_add_null_value (builder);
      if (finding->peer_id != NULL)
        {
          json_builder_set_member_name (builder, "peer");
          json_builder_add_string_value (builder, finding->peer_id);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  line = json_generator_to_data (generator, NULL);
  g_print ("%s\n", line);
}

/**
 * shoal_doctor_run:
 * @system_bus: look for shoald on the system bus first
 * @json: print one JSON object instead of lines
 *
 * Returns: the exit status: 0 when no check found a problem, 1 otherwise
 */
gint
shoal_doctor_run (gboolean system_bus,
                  gboolean json)
{
  Doctor doctor = { 0, };
  gboolean all_ok = TRUE;

  doctor.findings = g_ptr_array_new_with_free_func ((GDestroyNotify) finding_free);

  check_shoald (&doctor, system_bus);
  check_avahi (&doctor);
  if (doctor.report != NULL)
    {
      check_service (&doctor);
      check_interfaces (&doctor);
      check_discovery (&doctor);
      check_identity (&doctor);
      check_peers (&doctor);
      check_port (&doctor);
    }

  for (guint i = 0; i < doctor.findings->len; i++)
    all_ok = all_ok && ((Finding *) g_ptr_array_index (doctor.findings, i))->ok;

  if (json)
    print_json (&doctor, all_ok);
  else
    print_text (&doctor);

  g_ptr_array_unref (doctor.findings);
  g_clear_pointer (&doctor.report, g_variant_unref);
  g_clear_pointer (&doctor.peers, g_variant_unref);
  g_clear_object (&doctor.service);
  g_clear_object (&doctor.bus);
  return all_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
