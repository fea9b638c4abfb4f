/* bench-raw.c: the raw baselines Shoal is measured against
 *
 * Two processes on plain POSIX sockets over loopback, exchanging the same
 * frames as protocol v1 (an 8-byte big-endian header: type, flags, reserved,
 * body length; then the body), with TCP_NODELAY as Shoal sets it:
 *
 *   throughput --mode per-message   one write() per frame, what a naive
 *                                   sender does;
 *   throughput --mode batched       frames gathered into writev() calls of
 *                                   at most 64 KiB, without copying: the
 *                                   most this machine's loopback gives;
 *   pingpong                        one frame out, the same frame echoed back.
 *
 * The receiver reads 64 KiB at a time and cuts frames out of what it read,
 * as any sane reader does; only the sender's habits differ between modes.
 * Each run prints one JSON object on stdout.
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
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#define FRAME_HEADER_SIZE 8
#define FRAME_UNICAST 0x10
#define FRAME_MAX_BODY (16u * 1024u * 1024u)
#define READ_CHUNK (64 * 1024)
#define WRITE_CHUNK (64 * 1024)

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
  fprintf (stderr, "bench-raw: %s: %s\n", what, g_strerror (errno));
  exit (1);
}

static void
header_write (guint8 out[FRAME_HEADER_SIZE],
              guint32 body_length)
{
  guint32 be = GUINT32_TO_BE (body_length);

  out[0] = FRAME_UNICAST;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  memcpy (out + 4, &be, 4);
}

static void
set_nodelay (int fd)
{
  int one = 1;

  if (setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
    die ("setsockopt TCP_NODELAY");
}

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
  if (listen (fd, 4) < 0)
    die ("listen");
  if (getsockname (fd, (struct sockaddr *) &addr, &len) < 0)
    die ("getsockname");
  *out_port = ntohs (addr.sin_port);
  return fd;
}

static int
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
  set_nodelay (fd);
  return fd;
}

static void
write_all (int fd,
           const guint8 *data,
           gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          die ("write");
        }
      data += n;
      len -= (gsize) n;
    }
}

/* Writes every byte the iovecs describe, resuming after short writes. */
static void
writev_all (int fd,
            struct iovec *iov,
            int n_iov)
{
  while (n_iov > 0)
    {
      ssize_t n = writev (fd, iov, n_iov);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          die ("writev");
        }
      while (n_iov > 0 && (gsize) n >= iov->iov_len)
        {
          n -= (ssize_t) iov->iov_len;
          iov++;
          n_iov--;
        }
      if (n_iov > 0)
        {
          iov->iov_base = (guint8 *) iov->iov_base + n;
          iov->iov_len -= (gsize) n;
        }
    }
}

static void
read_all (int fd,
          guint8 *data,
          gsize len)
{
  while (len > 0)
    {
      ssize_t n = read (fd, data, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          die ("read");
        }
      if (n == 0)
        {
          fprintf (stderr, "bench-raw: unexpected end of stream\n");
          exit (1);
        }
      data += n;
      len -= (gsize) n;
    }
}

/* Receiver: cuts frames out of 64 KiB reads, checking each header as a
 * stranger's bytes deserve, and answers one byte once @count frames of
 * @size bytes have arrived. */
static void
run_receiver (int listen_fd,
              guint64 count,
              gsize size)
{
  g_autofree guint8 *buf = g_malloc (READ_CHUNK);
  guint8 header[FRAME_HEADER_SIZE];
  gsize header_have = 0;
  guint64 body_left = 0;
  guint64 frames = 0;
  gboolean in_body = FALSE;
  guint8 ack = 1;
  int fd;

  fd = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0)
    die ("accept");
  set_nodelay (fd);

  while (frames < count)
    {
      ssize_t n = read (fd, buf, READ_CHUNK);
      gsize off = 0;

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          die ("read");
        }
      if (n == 0)
        {
          fprintf (stderr, "bench-raw: sender went away after %" G_GUINT64_FORMAT " frames\n", frames);
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
                  fprintf (stderr, "bench-raw: bad frame header\n");
                  exit (1);
                }
              if (body_left == 0)
                frames++;
              else
                in_body = TRUE;
            }
        }
    }

  write_all (fd, &ack, 1);
  close (fd);
}

static void
send_per_message (int fd,
                  guint64 count,
                  gsize size)
{
  g_autofree guint8 *frame = g_malloc0 (FRAME_HEADER_SIZE + size);
  guint64 i;

  header_write (frame, (guint32) size);
  memset (frame + FRAME_HEADER_SIZE, 0x5a, size);
  for (i = 0; i < count; i++)
    write_all (fd, frame, FRAME_HEADER_SIZE + size);
}

/* Packs frames into writes of exactly WRITE_CHUNK bytes (frames may straddle
 * two writes). Small frames are copied into one staging buffer, since an
 * iovec per 72-byte frame would hit IOV_MAX long before 64 KiB; large bodies
 * are pointed at, not copied, as Shoal's own vectored writes promise. */
static void
send_batched (int fd,
              guint64 count,
              gsize size)
{
  g_autofree guint8 *payload = g_malloc (MAX (size, 1));
  g_autofree guint8 *stage = g_malloc (WRITE_CHUNK);
  guint8 header[FRAME_HEADER_SIZE];
  struct iovec iov[64];
  int n_iov = 0;
  gsize pending = 0, staged = 0;
  guint64 i;

  header_write (header, (guint32) size);
  memset (payload, 0x5a, size);

  if (size <= 4096)
    {
      g_autofree guint8 *frame = g_malloc (FRAME_HEADER_SIZE + size);
      gsize frame_len = FRAME_HEADER_SIZE + size;

      memcpy (frame, header, FRAME_HEADER_SIZE);
      memcpy (frame + FRAME_HEADER_SIZE, payload, size);
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
                  write_all (fd, stage, staged);
                  staged = 0;
                }
            }
        }
      if (staged > 0)
        write_all (fd, stage, staged);
      return;
    }

  for (i = 0; i < count; i++)
    {
      gsize off = 0;

      /* A header never straddles two writes here: flush a little early. */
      if (pending + FRAME_HEADER_SIZE > WRITE_CHUNK)
        {
          writev_all (fd, iov, n_iov);
          n_iov = 0;
          pending = 0;
        }
      iov[n_iov].iov_base = header;
      iov[n_iov].iov_len = FRAME_HEADER_SIZE;
      n_iov++;
      pending += FRAME_HEADER_SIZE;
      while (off < size)
        {
          gsize take = MIN (size - off, WRITE_CHUNK - pending);

          iov[n_iov].iov_base = payload + off;
          iov[n_iov].iov_len = take;
          n_iov++;
          pending += take;
          off += take;
          if (pending == WRITE_CHUNK || n_iov == (int) G_N_ELEMENTS (iov) - 1)
            {
              writev_all (fd, iov, n_iov);
              n_iov = 0;
              pending = 0;
            }
        }
    }
  if (n_iov > 0)
    writev_all (fd, iov, n_iov);
}

static int
cmd_throughput (const gchar *mode,
                gsize size,
                guint64 count)
{
  gboolean batched;
  guint16 port;
  int listen_fd, fd, status;
  gint64 start, end;
  guint8 ack;
  pid_t pid;
  gdouble seconds;

  if (g_strcmp0 (mode, "per-message") == 0)
    batched = FALSE;
  else if (g_strcmp0 (mode, "batched") == 0)
    batched = TRUE;
  else
    {
      fprintf (stderr, "bench-raw: --mode is per-message or batched\n");
      return 2;
    }

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

  fd = connect_loopback (port);
  start = now_ns ();
  if (batched)
    send_batched (fd, count, size);
  else
    send_per_message (fd, count, size);
  read_all (fd, &ack, 1);
  end = now_ns ();
  close (fd);

  if (waitpid (pid, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      fprintf (stderr, "bench-raw: receiver failed\n");
      return 1;
    }

  seconds = (end - start) / 1e9;
  printf ("{\"bench\": \"raw-%s\", \"size\": %" G_GSIZE_FORMAT ", \"count\": %" G_GUINT64_FORMAT
          ", \"seconds\": %.6f, \"msgs_per_s\": %.1f, \"mb_per_s\": %.3f}\n",
          mode, size, count, seconds, count / seconds, count * (gdouble) size / seconds / 1e6);
  return 0;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static int
cmd_pingpong (gsize size,
              guint64 count,
              guint64 warmup)
{
  g_autofree guint8 *frame = g_malloc0 (FRAME_HEADER_SIZE + size);
  g_autofree guint8 *reply = g_malloc0 (FRAME_HEADER_SIZE + size);
  g_autofree gint64 *rtt = g_new (gint64, count);
  guint16 port;
  int listen_fd, fd, status;
  pid_t pid;
  guint64 i;

  listen_fd = listen_loopback (&port);
  fflush (stdout);
  pid = fork ();
  if (pid < 0)
    die ("fork");
  if (pid == 0)
    {
      /* The echo side: read one whole frame, write it back in one write. */
      int cfd = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);

      if (cfd < 0)
        die ("accept");
      set_nodelay (cfd);
      for (i = 0; i < count + warmup; i++)
        {
          guint32 be;

          read_all (cfd, reply, FRAME_HEADER_SIZE);
          memcpy (&be, reply + 4, 4);
          if (reply[0] != FRAME_UNICAST || GUINT32_FROM_BE (be) != size)
            {
              fprintf (stderr, "bench-raw: bad frame header\n");
              _exit (1);
            }
          read_all (cfd, reply + FRAME_HEADER_SIZE, size);
          write_all (cfd, reply, FRAME_HEADER_SIZE + size);
        }
      close (cfd);
      _exit (0);
    }
  close (listen_fd);

  fd = connect_loopback (port);
  header_write (frame, (guint32) size);
  memset (frame + FRAME_HEADER_SIZE, 0x5a, size);
  for (i = 0; i < count + warmup; i++)
    {
      gint64 t0 = now_ns ();

      write_all (fd, frame, FRAME_HEADER_SIZE + size);
      read_all (fd, reply, FRAME_HEADER_SIZE + size);
      if (i >= warmup)
        rtt[i - warmup] = now_ns () - t0;
    }
  close (fd);

  if (waitpid (pid, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      fprintf (stderr, "bench-raw: echo side failed\n");
      return 1;
    }

  qsort (rtt, count, sizeof (gint64), compare_gint64);
  printf ("{\"bench\": \"raw-pingpong\", \"size\": %" G_GSIZE_FORMAT ", \"count\": %" G_GUINT64_FORMAT
          ", \"p50_us\": %.2f, \"p99_us\": %.2f}\n",
          size, count, rtt[count / 2] / 1e3, rtt[(count * 99) / 100] / 1e3);
  return 0;
}

int
main (int argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *mode = NULL;
  gint64 size = 64, count = 100000, warmup = 1000;
  const GOptionEntry entries[] = {
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, "per-message or batched (throughput)", "MODE" },
    { "size", 0, 0, G_OPTION_ARG_INT64, &size, "Payload bytes per message", "BYTES" },
    { "count", 0, 0, G_OPTION_ARG_INT64, &count, "Messages (or round trips) to measure", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT64, &warmup, "Round trips before measuring (pingpong)", "N" },
    { NULL }
  };

  context = g_option_context_new ("throughput|pingpong");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-raw: %s\n", error->message);
      return 2;
    }
  if (argc != 2 || size < 0 || size > (gint64) FRAME_MAX_BODY || count < 1 || warmup < 0)
    {
      fprintf (stderr, "usage: bench-raw throughput|pingpong [--mode M] [--size B] [--count N]\n");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);

  if (g_str_equal (argv[1], "throughput"))
    return cmd_throughput (mode, (gsize) size, (guint64) count);
  if (g_str_equal (argv[1], "pingpong"))
    return cmd_pingpong ((gsize) size, (guint64) count, (guint64) warmup);

  fprintf (stderr, "bench-raw: unknown command %s\n", argv[1]);
  return 2;
}
