# procs.py: the bench's helper processes, and the JSON lines they print
#
# Copyright 2026 The Shoal authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time


class BenchError(Exception):
    """A measurement could not be taken; its rows say why."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# Helpers: processes we start, and lines they print


class Helper:
    """A process that prints JSON lines and exits when its stdin closes.
    Its stderr goes to a log file, quoted when it fails."""

    def __init__(self, argv, env=None, name=None):
        self.name = name or os.path.basename(argv[0])
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, env=env)
        self.buf = b""
        self.lines = []

    def last_error(self):
        self.log.seek(0)
        lines = [l for l in self.log.read().splitlines() if l.strip()]
        return lines[-1] if lines else ""

    def read_json(self, timeout=30.0, want=None):
        """Returns the next JSON line (with key `want`, if given). Reads the
        pipe unbuffered: select() must see every byte not yet parsed."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                line = line.decode(errors="replace").strip()
                if not line.startswith("{"):
                    continue
                obj = json.loads(line)
                self.lines.append(obj)
                if want is None or want in obj:
                    return obj
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchError(f"{self.name}: no answer within {timeout:.0f} s")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise BenchError(f"{self.name}: exited with {self.proc.wait()}: {self.last_error()}")
            self.buf += chunk

    def finish(self, want, timeout=30.0):
        """Closes its stdin, as stop() does, and returns the JSON line it
        prints on its way out (with key `want`)."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        return self.read_json(want=want, timeout=timeout)

    def stop(self, timeout=10.0):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                # Our own child, by pid.
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.log):
            try:
                f.close()
            except OSError:
                pass


def run_json(argv, env=None, timeout=120.0):
    """Runs a measuring program to its end and returns its JSON result."""
    try:
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                             text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{os.path.basename(argv[0])} {argv[1]} took over {timeout:.0f} s")
    if out.returncode != 0:
        err = out.stderr.strip().splitlines()
        raise BenchError(f"{os.path.basename(argv[0])} {argv[1]} failed: "
                         f"{err[-1] if err else 'exit ' + str(out.returncode)}")
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise BenchError(f"{os.path.basename(argv[0])} {argv[1]} printed no result")
