#!/usr/bin/python3
# shoal-example.py: a Shoal node inside a Python program, through PyGObject
#
# Two programs find each other on this machine, without Avahi, and trade one
# message each. Start one; it prints where it listens:
#
#     $ ./shoal-example.py
#     listening on 127.0.0.1:41515
#
# and point another at it, in a second terminal (this one again, or its GJS
# twin, shoal-example.js):
#
#     $ ./shoal-example.py --name bob --peer 127.0.0.1:41515
#     listening on 127.0.0.1:38211
#     connected to python
#     received from python: hello from Python
#
# Each says whom it linked up with and what it received, then stops; it exits
# with 0 once it has sent its message and received one.
#
# Options: --port PORT (default 0: any free port), --peer HOST:PORT (a node
# to dial), --name NAME (default "python"), --message TEXT.
#
# From a build tree, before `meson install`, tell GObject Introspection where
# the typelib and the library are:
#
#     GI_TYPELIB_PATH=_build/src/libshoal LD_LIBRARY_PATH=_build/src/libshoal \
#         examples/shoal-example.py
#
# Copyright 2026 The Shoal authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import shutil
import signal
import sys
import tempfile

import gi

gi.require_version("Shoal", "1")
from gi.repository import GLib, Shoal  # noqa: E402

parser = argparse.ArgumentParser(description="Trade a message with another Shoal node.")
parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any)")
parser.add_argument("--peer", metavar="HOST:PORT", help="a node to dial")
parser.add_argument("--name", default="python", help="the name peers see")
parser.add_argument("--message", default="hello from Python", help="what to send")
args = parser.parse_args()

# A node keeps its key in a state directory: a fresh one makes a new identity
# for each run, and two copies of this program never share one.
state_dir = tempfile.mkdtemp(prefix="shoal-example-")

node = Shoal.Node.new(args.name, args.port, state_dir)
node.set_listen_address("127.0.0.1")
node.set_mdns(False)  # no Avahi: the peer comes from --peer, or dials us
if args.peer:
    discovery = Shoal.DiscoveryStatic.new()
    discovery.add_peer(args.peer)
    node.add_discovery(discovery)

loop = GLib.MainLoop()
sent = received = False


def on_peer_connected(node, peer):
    global sent
    print(f"connected to {peer.props.name}", flush=True)
    # What send() returns (a boolean, or a message id in later versions) is
    # not needed here: it raises GLib.Error if the message cannot be queued.
    try:
        node.send(peer.props.id, GLib.Bytes.new(args.message.encode()))
    except GLib.Error as error:
        print(f"cannot send: {error.message}", file=sys.stderr)
        loop.quit()
        return
    sent = True
    if received:
        loop.quit()


def on_message_received(node, peer, payload, broadcast):
    global received
    text = payload.get_data().decode(errors="replace")
    print(f"received from {peer.props.name}: {text}", flush=True)
    received = True
    if sent:
        loop.quit()


def on_stopped(node, result):
    node.stop_finish(result)
    loop.quit()


node.connect("peer-connected", on_peer_connected)
node.connect("message-received", on_message_received)

try:
    node.start()
    print(f"listening on 127.0.0.1:{node.props.port}", flush=True)

    for signum in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    loop.run()

    # Say goodbye, so the peer sees us leave at once, and wait for it to go out.
    node.stop_async(None, on_stopped)
    loop.run()
finally:
    shutil.rmtree(state_dir)

raise SystemExit(0 if sent and received else 1)
