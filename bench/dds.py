# dds.py: Cyclone DDS measured with its own tool, ddsperf, beside Shoal
#
# bench.py runs these between its Shoal runs, so that every Shoal ÷ DDS
# ratio is taken inside one repetition like the others. ddsperf (Debian's
# cyclonedds-tools, which tools/bench installs) prints one line a second;
# these functions read those lines and turn them into figures:
#
#   sub    "[PID] T  size S total N lost L delta N lost L rate …": samples
#          received; a rate is (total - total₀) ÷ (T - T₀) between lines
#   ping   "[PID] T  HOST:PID size S mean …us min …us 50% …us 90% …us
#          99% …us max …us cnt N": ddsperf's latencies are half a round
#          trip (it divides each by two), so they are doubled here
#
# Every participant runs on loopback alone: Cyclone is held to the `lo`
# interface, multicast is off and its one peer address is 127.0.0.1, so it
# sends nothing on the machine's real interfaces, and a domain id of its own
# keeps a run apart from any other DDS program on the machine. Data is
# reliable with a keep-all history (ddsperf's default, asked for anyway).
#
# Copyright 2026 The Shoal authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import glob
import os
import random
import re
import select
import shutil
import signal
import statistics
import subprocess
import tempfile
import time

SUB_RE = re.compile(r"^\[\d+\]\s+([\d.]+)\s+size (\d+) total (\d+) lost (\d+) delta \d+ lost \d+ rate ")
PING_RE = re.compile(r"^\[\d+\]\s+([\d.]+)\s+\S+ size (\d+) mean ([\d.]+)us min [\d.]+us "
                     r"50% ([\d.]+)us 90% [\d.]+us 99% ([\d.]+)us max [\d.]+us cnt (\d+)")
NEW_PEER_RE = re.compile(r"^\[\d+\] participant \S+: new$")
SELF_RE = re.compile(r"^\[\d+\] participant \S+: new \(self\)$")
# A match in Cyclone's discovery trace: "TIME [DOMAIN] THREAD:
# reader_add_connection(pwr GUID rd GUID)", and the writer/proxy forms.
CONNECTION_RE = re.compile(r"^(\d+\.\d+) .*\b(?:proxy_)?(?:reader|writer)_add_connection"
                           r"\(\w+ ([0-9a-f:]+) \w+ ([0-9a-f:]+)\)")

# Longest any ddsperf may live (its -D), so none outlives an interrupted bench.
LIFETIME_S = 60


class DdsError(Exception):
    """A DDS measurement could not be taken."""


def memory_kib(pid):
    """(resident, anonymous) KiB of a process: VmRSS counts every resident
    page of every library it maps, shared with other processes or not; the
    anonymous pages are those it allocated itself (heap, stacks, written
    data), whatever else runs on the machine."""
    rss = anon = None
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key == "Rss":
                rss = int(rest.split()[0])
            elif key == "Anonymous":
                anon = int(rest.split()[0])
    if rss is None or anon is None:
        raise DdsError(f"no Rss or Anonymous in /proc/{pid}/smaps_rollup")
    return rss, anon


def user_entity(guid):
    """Whether a GUID names an application's reader or writer: Cyclone's
    built-in discovery endpoints have entity kinds 0xc0 and up."""
    return (int(guid.rsplit(":", 1)[1], 16) & 0xc0) == 0


class Proc:
    """One ddsperf process; its output (stdout and stderr) read line by line."""

    def __init__(self, argv, env):
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env)
        self.buf = b""
        self.seen = []

    def line(self, regex, timeout, what):
        """The next line matching regex (its match object); `what` names it
        in the error if none comes."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self.buf:
                raw, self.buf = self.buf.split(b"\n", 1)
                text = raw.decode(errors="replace").rstrip()
                self.seen.append(text)
                m = regex.match(text)
                if m:
                    return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise DdsError(f"ddsperf printed no {what} line within {timeout:.0f} s{self.last()}")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise DdsError(f"ddsperf exited with {self.proc.wait()}{self.last()}")
                self.buf += chunk

    def last(self):
        lines = [l for l in self.seen if l.strip()]
        return f": {lines[-1]}" if lines else ""

    def stop(self):
        """Ends the run the way ddsperf expects (SIGTERM, then it cleans up);
        our own child, by its pid."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc.stdout.close()


def stop_all(procs):
    for p in procs:
        if p.proc.poll() is None:
            os.kill(p.proc.pid, signal.SIGTERM)
    for p in procs:
        p.stop()


class Ddsperf:
    def __init__(self):
        self.exe = shutil.which("ddsperf")
        self.version = None
        if self.exe:
            out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "cyclonedds-tools"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if out.returncode == 0 and out.stdout:
                self.version = out.stdout.split("-")[0]
        # Cyclone's ports are 7400 + 250 × domain and up: below 100 they stay
        # clear of the kernel's ephemeral range.
        self.domain = random.randrange(1, 100)

    @property
    def label(self):
        return "Cyclone DDS" + (f" {self.version}" if self.version else "") + " (ddsperf)"

    def unavailable(self):
        if self.exe is None:
            return "ddsperf is not installed (cyclonedds-tools; tools/bench installs it as root)"
        return None

    def env(self, trace_dir=None):
        trace = ""
        if trace_dir:
            trace = ("<Tracing><Category>discovery</Category><OutputFile>"
                     + os.path.join(trace_dir, "trace-${CYCLONEDDS_PID}.log")
                     + "</OutputFile></Tracing>")
        uri = ('<CycloneDDS><Domain id="any"><General><Interfaces>'
               '<NetworkInterface name="lo" multicast="false"/></Interfaces>'
               '<AllowMulticast>false</AllowMulticast></General>'
               # Unicast discovery: participants take indices (and ports) of
               # their own and look for each other at 127.0.0.1 on those of
               # the first 20, enough for the five of the fan-out.
               '<Discovery><ParticipantIndex>auto</ParticipantIndex>'
               '<MaxAutoParticipantIndex>20</MaxAutoParticipantIndex>'
               '<Peers><Peer address="127.0.0.1"/></Peers></Discovery>'
               + trace + '</Domain></CycloneDDS>')
        return dict(os.environ, CYCLONEDDS_URI=uri)

    def start(self, *mode, env=None, opts=()):
        return Proc([self.exe, "-i", str(self.domain), "-k", "all", "-D", str(LIFETIME_S),
                     *opts, *mode], env or self.env())

    @staticmethod
    def sub_rate(sub, intervals):
        """Samples a second that sub received over `intervals` of its
        one-second lines, from the first line that had data (the first
        second holds discovery and the start)."""
        first = sub.line(SUB_RE, 15, "sub statistics")
        while int(first.group(3)) == 0:
            first = sub.line(SUB_RE, 15, "sub statistics")
        last = first
        for _ in range(intervals):
            last = sub.line(SUB_RE, 15, "sub statistics")
        dt = float(last.group(1)) - float(first.group(1))
        n = int(last.group(3)) - int(first.group(3))
        if n <= 0 or dt <= 0:
            raise DdsError(f"ddsperf sub received nothing{sub.last()}")
        return n / dt, int(last.group(4))

    def throughput(self, size, intervals, subs=1):
        """One publisher as fast as it can, `subs` subscribers: samples a
        second (summed over the subscribers: deliveries)."""
        # -1: a line every second even without data, so the lines keep time.
        readers = [self.start("sub", opts=("-1",)) for _ in range(subs)]
        procs = list(readers)
        try:
            procs.append(self.start("pub", "size", str(size)))
            rates, lost = [], 0
            for r in readers:
                rate, l = self.sub_rate(r, intervals)
                rates.append(rate)
                lost += l
        finally:
            stop_all(procs)
        if lost:
            raise DdsError(f"ddsperf lost {lost} samples on a reliable keep-all topic")
        total = sum(rates)
        return {"bench": "ddsperf-throughput" if subs == 1 else "ddsperf-fanout",
                "size": size, "subscribers": subs, "intervals": intervals,
                "msgs_per_s": total, "mb_per_s": total * size / 1e6,
                "per_subscriber": rates}

    def rtt(self, size, intervals):
        """ping ⇄ pong: the round trip, p50 and p99, from `intervals` of
        ping's one-second lines after the first."""
        pong = self.start("pong")
        ping = None
        try:
            ping = self.start("ping", "size", str(size))
            ping.line(PING_RE, 15, "ping latency")  # the first second: discovery, warm-up
            lines = [ping.line(PING_RE, 15, "ping latency") for _ in range(intervals)]
        finally:
            stop_all([p for p in (ping, pong) if p])
        return {"bench": "ddsperf-rtt", "size": size, "intervals": intervals,
                "p50_us": 2 * statistics.median(float(m.group(4)) for m in lines),
                "p99_us": 2 * statistics.median(float(m.group(5)) for m in lines),
                "round_trips": sum(int(m.group(6)) for m in lines)}

    def idle_rss(self, settle):
        """Resident set of one ddsperf participant with nothing to do (pong
        mode, no peer), `settle` seconds after it has come up."""
        proc = self.start("pong")
        try:
            proc.line(SELF_RE, 15, "participant (self)")
            time.sleep(settle)
            rss, anon = memory_kib(proc.proc.pid)
        finally:
            proc.stop()
        return {"bench": "ddsperf-idle-rss", "rss_kib": rss, "anon_kib": anon}

    def match(self):
        """Two fresh ddsperf processes started together: milliseconds from
        starting the first until both have matched all the other's readers
        and writers, the last such match read from Cyclone's discovery trace
        (wall-clock stamps, like time.time())."""
        trace_dir = tempfile.mkdtemp(prefix="shoal-bench-dds-")
        procs = []
        try:
            env = self.env(trace_dir)
            t0 = time.time()
            procs = [self.start("sub", env=env) for _ in range(2)]
            for p in procs:
                p.line(NEW_PEER_RE, 15, "new participant")
            # Endpoints match right after the participant is seen; leave them
            # time to, then stop (a clean exit flushes the trace).
            time.sleep(0.3)
            stop_all(procs)
            ends = []
            for p in procs:
                last = None
                for path in glob.glob(os.path.join(trace_dir, f"trace-{p.proc.pid}.log")):
                    with open(path, errors="replace") as f:
                        for line in f:
                            m = CONNECTION_RE.match(line)
                            if m and (user_entity(m.group(2)) or user_entity(m.group(3))):
                                last = float(m.group(1))
                if last is None:
                    raise DdsError("no endpoint match in Cyclone's discovery trace")
                ends.append(last)
        finally:
            stop_all(procs)
            shutil.rmtree(trace_dir, ignore_errors=True)
        return {"bench": "ddsperf-match", "ms": (max(ends) - t0) * 1000}
