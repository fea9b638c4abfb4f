/* bench-tls.c: the raw TLS baseline Shoal's protocol 2 is measured against
 *
 * Two processes over loopback speaking TLS 1.3 through GIO, with the backend
 * Shoal uses (glib-networking on GnuTLS), and nothing of Shoal's: each side
 * makes its own self-signed ECDSA P-256 certificate at start, the server
 * requires the client's, and both accept whatever certificate the other
 * presents (pinning is the engine's business; a baseline only pays for the
 * handshake). Sockets have TCP_NODELAY and are used blocking.
 *
 *   throughput   the frames bench-raw sends (an 8-byte header, then the
 *                body), gathered into 64 KiB g_output_stream_write_all()
 *                calls; the reader reads 64 KiB at a time and cuts frames,
 *                then answers one byte once it has them all. Timed on the
 *                writer from the end of the handshake to that byte.
 *   setup        N links made one after the other: TCP connect, handshake
 *                with both certificates, 211 bytes each way standing in for
 *                HELLO; timed on the client from connect() to the reply.
 *
 * Connections carry no CA database, which would only be consulted before
 * accept-certificate anyway; --with-default-database makes them as
 * g_tls_*_connection_new() do, to show what GIO's default one costs.
 * A peer that does not end up on TLS 1.3 ends the run with an error. Each
 * run prints one JSON object on stdout, fields named as bench-raw's.
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#define FRAME_HEADER_SIZE 8
#define FRAME_HELLO 0x01
#define FRAME_UNICAST 0x10
#define FRAME_MAX_BODY (16u * 1024u * 1024u)
#define READ_CHUNK (64 * 1024)
#define WRITE_CHUNK (64 * 1024)

/* Bytes on the wire of the message each side sends once the handshake is
 * done in `setup`: the size of a protocol 2 HELLO, header included. */
#define HELLO_SIZE 211

/* --with-default-database: make connections as g_tls_*_connection_new() do. */
static gboolean with_default_database;

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static void
die (const gchar *what)
{
  fprintf (stderr, "bench-tls: %s: %s\n", what, g_strerror (errno));
  exit (1);
}

static void
die_error (const gchar *what,
           const GError *error)
{
  fprintf (stderr, "bench-tls: %s: %s\n", what, error->message);
  exit (1);
}

static void
header_write (guint8 out[FRAME_HEADER_SIZE],
              guint8 type,
              guint32 body_length)
{
  guint32 be = GUINT32_TO_BE (body_length);

  out[0] = type;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  memcpy (out + 4, &be, 4);
}

/* The listening socket is made with plain POSIX calls before fork(), so
 * that neither process inherits any of GIO's state (or threads). */
static int
listen_loopback (guint16 *out_port)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  int fd;

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die ("socket");
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    die ("bind");
  if (listen (fd, 16) < 0)
    die ("listen");
  if (getsockname (fd, (struct sockaddr *) &addr, &len) < 0)
    die ("getsockname");
  *out_port = ntohs (addr.sin_port);
  return fd;
}

static GSocket *
socket_from_fd (int fd)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket;
  int one = 1;

  if (setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
    die ("setsockopt TCP_NODELAY");
  socket = g_socket_new_from_fd (fd, &error);
  if (socket == NULL)
    die_error ("g_socket_new_from_fd", error);
  return socket;
}

static GSocket *
connect_loopback (guint16 port)
{
  struct sockaddr_in addr = { 0 };
  int fd;

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die ("socket");
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = htons (port);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    die ("connect");
  return socket_from_fd (fd);
}

static GSocket *
accept_loopback (int listen_fd)
{
  int fd = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);

  if (fd < 0)
    die ("accept");
  return socket_from_fd (fd);
}

static void
gnutls_check (int rc,
              const gchar *what)
{
  if (rc < 0)
    {
      fprintf (stderr, "bench-tls: %s: %s\n", what, gnutls_strerror (rc));
      exit (1);
    }
}

/* A fresh ECDSA P-256 key and a self-signed certificate for it, as the
 * PEM pair GIO takes: what a Shoal 2 node makes on its first start. */
static GTlsCertificate *
make_certificate (const gchar *common_name)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dn = g_strdup_printf ("CN=%s", common_name);
  g_autofree gchar *pem = NULL;
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
  gnutls_datum_t key_pem, crt_pem;
  GTlsCertificate *certificate;
  guint8 serial[16];
  time_t now = time (NULL);

  gnutls_check (gnutls_x509_privkey_init (&key), "private key");
  gnutls_check (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                              GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0),
                "generating the key");
  /* PKCS #8 ("BEGIN PRIVATE KEY"), which GIO reads whatever the key type. */
  gnutls_check (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                                   GNUTLS_PKCS_PLAIN, &key_pem),
                "exporting the key");

  gnutls_check (gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial), "serial");
  serial[0] &= 0x7f;  /* a serial number is a positive integer */
  gnutls_check (gnutls_x509_crt_init (&crt), "certificate");
  gnutls_check (gnutls_x509_crt_set_version (crt, 3), "certificate version");
  gnutls_check (gnutls_x509_crt_set_key (crt, key), "certificate key");
  gnutls_check (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), "certificate serial");
  gnutls_check (gnutls_x509_crt_set_activation_time (crt, now - 3600), "certificate activation");
  gnutls_check (gnutls_x509_crt_set_expiration_time (crt, now + 24 * 3600), "certificate expiry");
  gnutls_check (gnutls_x509_crt_set_dn (crt, dn, NULL), "certificate name");
  gnutls_check (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), "signing");
  gnutls_check (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &crt_pem), "exporting");

  pem = g_strdup_printf ("%.*s%.*s", (int) crt_pem.size, (const gchar *) crt_pem.data,
                         (int) key_pem.size, (const gchar *) key_pem.data);
  gnutls_free (crt_pem.data);
  gnutls_free (key_pem.data);
  gnutls_x509_crt_deinit (crt);
  gnutls_x509_privkey_deinit (key);

  certificate = g_tls_certificate_new_from_pem (pem, -1, &error);
  if (certificate == NULL)
    die_error ("g_tls_certificate_new_from_pem", error);
  return certificate;
}

static gboolean
accept_any_cb (GTlsConnection *connection,
               GTlsCertificate *peer_cert,
               GTlsCertificateFlags errors,
               gpointer user_data)
{
  return TRUE;
}

/* Wraps @socket in TLS, shakes hands and checks that both sides showed a
 * certificate over TLS 1.3. */
static GIOStream *
tls_open (GSocket *socket,
          GTlsCertificate *certificate,
          gboolean server)
{
  g_autoptr(GSocketConnection) base = g_socket_connection_factory_create_connection (socket);
  g_autoptr(GError) error = NULL;
  GTlsBackend *backend;
  GIOStream *tls;

  backend = g_tls_backend_get_default ();
  if (!g_tls_backend_supports_tls (backend))
    {
      fprintf (stderr, "bench-tls: GIO has no TLS backend (is glib-networking installed?)\n");
      exit (1);
    }
  if (with_default_database)
    {
      /* What g_tls_*_connection_new() give: the default database is there
       * while the connection initialises, and stays. */
      if (server)
        tls = g_tls_server_connection_new (G_IO_STREAM (base), certificate, &error);
      else
        tls = g_tls_client_connection_new (G_IO_STREAM (base), NULL, &error);
      if (tls != NULL)
        {
          g_tls_connection_set_certificate (G_TLS_CONNECTION (tls), certificate);
          if (server)
            g_object_set (tls, "authentication-mode", G_TLS_AUTHENTICATION_REQUIRED, NULL);
        }
    }
  /* Otherwise the connection has no CA database from its construction on,
   * which takes the backend's types rather than g_tls_*_connection_new(): a
   * database there while it initialises makes glib-networking 2.74 load the
   * whole system trust store into the connection, about 10 ms of CPU a side
   * on a small machine, for nothing when accept-certificate judges peers. */
  else if (server)
    tls = g_initable_new (g_tls_backend_get_server_connection_type (backend), NULL, &error,
                          "base-io-stream", base,
                          "certificate", certificate,
                          "database", NULL,
                          "authentication-mode", G_TLS_AUTHENTICATION_REQUIRED,
                          NULL);
  else
    tls = g_initable_new (g_tls_backend_get_client_connection_type (backend), NULL, &error,
                          "base-io-stream", base,
                          "certificate", certificate,
                          "database", NULL,
                          NULL);
  if (tls == NULL)
    die_error (server ? "TLS server connection" : "TLS client connection", error);
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_cb), NULL);

  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error))
    die_error (server ? "server handshake" : "client handshake", error);
  if (g_tls_connection_get_protocol_version (G_TLS_CONNECTION (tls)) !=
      G_TLS_PROTOCOL_VERSION_TLS_1_3)
    {
      fprintf (stderr, "bench-tls: the %s negotiated protocol version %d, not TLS 1.3\n",
               server ? "server" : "client",
               (int) g_tls_connection_get_protocol_version (G_TLS_CONNECTION (tls)));
      exit (1);
    }
  if (g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (tls)) == NULL)
    {
      fprintf (stderr, "bench-tls: the %s saw no peer certificate\n", server ? "server" : "client");
      exit (1);
    }
  return tls;
}

static void
tls_close (GIOStream *tls)
{
  g_autoptr(GError) error = NULL;

  /* The other side may have closed first: nothing to report then. */
  if (!g_io_stream_close (tls, NULL, &error))
    g_debug ("close: %s", error->message);
  g_object_unref (tls);
}

static void
write_all (GIOStream *tls,
           const guint8 *data,
           gsize len)
{
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all (g_io_stream_get_output_stream (tls), data, len, NULL, NULL,
                                  &error))
    die_error ("write", error);
}

static void
read_all (GIOStream *tls,
          guint8 *data,
          gsize len)
{
  g_autoptr(GError) error = NULL;
  gsize got = 0;

  if (!g_input_stream_read_all (g_io_stream_get_input_stream (tls), data, len, &got, NULL,
                                &error))
    die_error ("read", error);
  if (got != len)
    {
      fprintf (stderr, "bench-tls: unexpected end of stream\n");
      exit (1);
    }
}

/* Receiver: cuts frames out of 64 KiB reads, checking each header as
 * bench-raw's receiver does, and answers one byte once @count frames of
 * @size bytes have arrived. */
static void
run_receiver (int listen_fd,
              guint64 count,
              gsize size)
{
  g_autoptr(GTlsCertificate) certificate = make_certificate ("receiver");
  g_autoptr(GSocket) socket = accept_loopback (listen_fd);
  GIOStream *tls = tls_open (socket, certificate, TRUE);
  GInputStream *in = g_io_stream_get_input_stream (tls);
  g_autofree guint8 *buf = g_malloc (READ_CHUNK);
  guint8 header[FRAME_HEADER_SIZE];
  gsize header_have = 0;
  guint64 body_left = 0;
  guint64 frames = 0;
  gboolean in_body = FALSE;
  guint8 ack = 1;

  while (frames < count)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_input_stream_read (in, buf, READ_CHUNK, NULL, &error);
      gsize off = 0;

      if (n < 0)
        die_error ("read", error);
      if (n == 0)
        {
          fprintf (stderr, "bench-tls: sender went away after %" G_GUINT64_FORMAT " frames\n",
                   frames);
          exit (1);
        }

      while (off < (gsize) n)
        {
          if (in_body)
            {
              gsize take = MIN (body_left, (gsize) n - off);

              body_left -= take;
              off += take;
              if (body_left == 0)
                {
                  in_body = FALSE;
                  frames++;
                }
            }
          else
            {
              gsize take = MIN (FRAME_HEADER_SIZE - header_have, (gsize) n - off);
              guint32 be;

              memcpy (header + header_have, buf + off, take);
              header_have += take;
              off += take;
              if (header_have < FRAME_HEADER_SIZE)
                break;
              header_have = 0;
              memcpy (&be, header + 4, 4);
              body_left = GUINT32_FROM_BE (be);
              if (header[0] != FRAME_UNICAST || header[2] != 0 || header[3] != 0 ||
                  body_left > FRAME_MAX_BODY || body_left != size)
                {
                  fprintf (stderr, "bench-tls: bad frame header\n");
                  exit (1);
                }
              if (body_left == 0)
                frames++;
              else
                in_body = TRUE;
            }
        }
    }

  write_all (tls, &ack, 1);
  tls_close (tls);
}

/* Packs frames into writes of exactly WRITE_CHUNK bytes, frames straddling
 * two writes. Bodies are copied into the staging buffer whatever their size:
 * GIO has no gathering write into TLS, and the copy costs little beside the
 * encryption, which copies each record again anyway. */
static void
send_bulk (GIOStream *tls,
           guint64 count,
           gsize size)
{
  g_autofree guint8 *frame = g_malloc (FRAME_HEADER_SIZE + size);
  g_autofree guint8 *stage = g_malloc (WRITE_CHUNK);
  gsize frame_len = FRAME_HEADER_SIZE + size;
  gsize staged = 0;
  guint64 i;

  header_write (frame, FRAME_UNICAST, (guint32) size);
  memset (frame + FRAME_HEADER_SIZE, 0x5a, size);
  for (i = 0; i < count; i++)
    {
      gsize off = 0;

      while (off < frame_len)
        {
          gsize take = MIN (frame_len - off, WRITE_CHUNK - staged);

          memcpy (stage + staged, frame + off, take);
          staged += take;
          off += take;
          if (staged == WRITE_CHUNK)
            {
              write_all (tls, stage, staged);
              staged = 0;
            }
        }
    }
  if (staged > 0)
    write_all (tls, stage, staged);
}

static int
wait_child (pid_t pid,
            const gchar *what)
{
  int status;

  if (waitpid (pid, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      fprintf (stderr, "bench-tls: %s failed\n", what);
      return 1;
    }
  return 0;
}

static int
cmd_throughput (gsize size,
                guint64 count)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autofree gchar *cipher = NULL;
  GIOStream *tls;
  guint16 port;
  int listen_fd;
  gint64 start, end;
  guint8 ack;
  pid_t pid;
  gdouble seconds;

  listen_fd = listen_loopback (&port);
  fflush (stdout);
  pid = fork ();
  if (pid < 0)
    die ("fork");
  if (pid == 0)
    {
      run_receiver (listen_fd, count, size);
      _exit (0);
    }
  close (listen_fd);

  certificate = make_certificate ("sender");
  socket = connect_loopback (port);
  tls = tls_open (socket, certificate, FALSE);
  cipher = g_strdup (g_tls_connection_get_ciphersuite_name (G_TLS_CONNECTION (tls)));

  start = now_ns ();
  send_bulk (tls, count, size);
  read_all (tls, &ack, 1);
  end = now_ns ();
  tls_close (tls);

  if (wait_child (pid, "receiver") != 0)
    return 1;

  seconds = (end - start) / 1e9;
  printf ("{\"bench\": \"tls-bulk\", \"size\": %" G_GSIZE_FORMAT ", \"count\": %" G_GUINT64_FORMAT
          ", \"seconds\": %.6f, \"msgs_per_s\": %.1f, \"mb_per_s\": %.3f, \"cipher\": \"%s\"}\n",
          size, count, seconds, count / seconds, count * (gdouble) size / seconds / 1e6,
          cipher != NULL ? cipher : "");
  return 0;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static void
hello_fill (guint8 hello[HELLO_SIZE])
{
  header_write (hello, FRAME_HELLO, HELLO_SIZE - FRAME_HEADER_SIZE);
  memset (hello + FRAME_HEADER_SIZE, 0x48, HELLO_SIZE - FRAME_HEADER_SIZE);
}

/* The accepting side of `setup`: @n links, one after the other, each
 * answering the client's HELLO with its own. */
static void
run_setup_server (int listen_fd,
                  guint64 n)
{
  g_autoptr(GTlsCertificate) certificate = make_certificate ("server");
  guint8 hello[HELLO_SIZE], got[HELLO_SIZE];
  guint64 i;

  hello_fill (hello);
  for (i = 0; i < n; i++)
    {
      g_autoptr(GSocket) socket = accept_loopback (listen_fd);
      GIOStream *tls = tls_open (socket, certificate, TRUE);

      read_all (tls, got, HELLO_SIZE);
      if (got[0] != FRAME_HELLO)
        {
          fprintf (stderr, "bench-tls: expected a HELLO\n");
          exit (1);
        }
      write_all (tls, hello, HELLO_SIZE);
      tls_close (tls);
    }
}

static int
cmd_setup (guint64 count,
           guint64 warmup)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree gint64 *total = g_new (gint64, count);
  g_autofree gint64 *handshake = g_new (gint64, count);
  g_autofree gchar *cipher = NULL;
  guint8 hello[HELLO_SIZE], got[HELLO_SIZE];
  guint16 port;
  int listen_fd;
  pid_t pid;
  guint64 i;

  listen_fd = listen_loopback (&port);
  fflush (stdout);
  pid = fork ();
  if (pid < 0)
    die ("fork");
  if (pid == 0)
    {
      run_setup_server (listen_fd, count + warmup);
      _exit (0);
    }
  close (listen_fd);

  /* The key is made once, before any timing, as a node makes it once. */
  certificate = make_certificate ("client");
  hello_fill (hello);
  for (i = 0; i < count + warmup; i++)
    {
      g_autoptr(GSocket) socket = NULL;
      GIOStream *tls;
      gint64 t0, t1, t2;

      t0 = now_ns ();
      socket = connect_loopback (port);
      t1 = now_ns ();
      tls = tls_open (socket, certificate, FALSE);
      t2 = now_ns ();
      write_all (tls, hello, HELLO_SIZE);
      read_all (tls, got, HELLO_SIZE);
      if (i >= warmup)
        {
          total[i - warmup] = now_ns () - t0;
          handshake[i - warmup] = t2 - t1;
        }
      if (got[0] != FRAME_HELLO)
        {
          fprintf (stderr, "bench-tls: expected a HELLO\n");
          return 1;
        }
      if (cipher == NULL)
        cipher = g_strdup (g_tls_connection_get_ciphersuite_name (G_TLS_CONNECTION (tls)));
      tls_close (tls);
    }

  if (wait_child (pid, "server") != 0)
    return 1;

  qsort (total, count, sizeof (gint64), compare_gint64);
  qsort (handshake, count, sizeof (gint64), compare_gint64);
  printf ("{\"bench\": \"tls-setup\", \"count\": %" G_GUINT64_FORMAT ", \"p50_ms\": %.3f"
          ", \"p99_ms\": %.3f, \"handshake_p50_ms\": %.3f, \"cipher\": \"%s\""
          ", \"default_database\": %s}\n",
          count, total[count / 2] / 1e6, total[(count * 99) / 100] / 1e6,
          handshake[count / 2] / 1e6, cipher != NULL ? cipher : "",
          with_default_database ? "true" : "false");
  return 0;
}

int
main (int argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gint64 size = 64, count = 100000, warmup = 3;
  const GOptionEntry entries[] = {
    { "size", 0, 0, G_OPTION_ARG_INT64, &size, "Payload bytes per message (throughput)", "BYTES" },
    { "count", 0, 0, G_OPTION_ARG_INT64, &count, "Messages (throughput) or links (setup) to measure", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT64, &warmup, "Links made before measuring (setup)", "N" },
    { "with-default-database", 0, 0, G_OPTION_ARG_NONE, &with_default_database,
      "Give connections GIO's default CA database while they initialise", NULL },
    { NULL }
  };

  context = g_option_context_new ("throughput|setup");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-tls: %s\n", error->message);
      return 2;
    }
  if (argc != 2 || size < 0 || size > (gint64) FRAME_MAX_BODY || count < 1 || warmup < 0)
    {
      fprintf (stderr, "usage: bench-tls throughput|setup [--size B] [--count N] [--warmup N]\n");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);

  if (g_str_equal (argv[1], "throughput"))
    return cmd_throughput ((gsize) size, (guint64) count);
  if (g_str_equal (argv[1], "setup"))
    return cmd_setup ((guint64) count, (guint64) warmup);

  fprintf (stderr, "bench-tls: unknown command %s\n", argv[1]);
  return 2;
}
