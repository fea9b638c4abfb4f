#!/usr/bin/gjs
// shoal-example.js: a Shoal node inside a JavaScript program, through GJS
//
// Two programs find each other on this machine, without Avahi, and trade one
// message each. Start one; it prints where it listens:
//
//     $ ./shoal-example.js
//     listening on 127.0.0.1:41515
//
// and point another at it, in a second terminal (this one again, or its
// Python twin, shoal-example.py):
//
//     $ ./shoal-example.js --name bob --peer 127.0.0.1:41515
//     listening on 127.0.0.1:38211
//     connected to gjs
//     received from gjs: hello from GJS
//
// Each says whom it linked up with and what it received, then stops; it exits
// with 0 once it has sent its message and received one.
//
// Options: --port PORT (default 0: any free port), --peer HOST:PORT (a node
// to dial), --name NAME (default "gjs"), --message TEXT.
//
// From a build tree, before `meson install`, tell GObject Introspection where
// the typelib and the library are:
//
//     GI_TYPELIB_PATH=_build/src/libshoal LD_LIBRARY_PATH=_build/src/libshoal \
//         gjs examples/shoal-example.js
//
// Copyright 2026 The Shoal authors
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.gi.versions.Shoal = '1';
const {Gio, GLib, Shoal} = imports.gi;

const options = {port: '0', peer: null, name: 'gjs', message: 'hello from GJS'};
for (let i = 0; i < ARGV.length; i += 2) {
    const key = ARGV[i].replace(/^--/, '');
    if (!(key in options) || i + 1 >= ARGV.length) {
        printerr('usage: shoal-example.js [--port PORT] [--peer HOST:PORT] [--name NAME] [--message TEXT]');
        imports.system.exit(2);
    }
    options[key] = ARGV[i + 1];
}

// Removes the state directory and what the node wrote in it.
function removeTree(file) {
    if (file.query_file_type(Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null) === Gio.FileType.DIRECTORY) {
        for (const info of file.enumerate_children('standard::name', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null))
            removeTree(file.get_child(info.get_name()));
    }
    file.delete(null);
}

// A node keeps its key in a state directory: a fresh one makes a new identity
// for each run, and two copies of this program never share one.
const stateDir = GLib.dir_make_tmp('shoal-example-XXXXXX');

const node = Shoal.Node.new(options.name, Number(options.port), stateDir);
node.set_listen_address('127.0.0.1');
node.set_mdns(false); // no Avahi: the peer comes from --peer, or dials us
if (options.peer) {
    const discovery = Shoal.DiscoveryStatic.new();
    discovery.add_peer(options.peer);
    node.add_discovery(discovery);
}

const loop = new GLib.MainLoop(null, false);
let sent = false, received = false;

node.connect('peer-connected', (_node, peer) => {
    print(`connected to ${peer.name}`);
    // What send() returns (a boolean, or a message id in later versions) is
    // not needed here: it throws if the message cannot be queued.
    try {
        node.send(peer.id, new GLib.Bytes(new TextEncoder().encode(options.message)));
    } catch (error) {
        printerr(`cannot send: ${error.message}`);
        loop.quit();
        return;
    }
    sent = true;
    if (received)
        loop.quit();
});

node.connect('message-received', (_node, peer, payload, _broadcast) => {
    print(`received from ${peer.name}: ${new TextDecoder().decode(payload.toArray())}`);
    received = true;
    if (sent)
        loop.quit();
});

try {
    node.start();
    print(`listening on 127.0.0.1:${node.port}`);

    for (const signum of [2, 15]) { // SIGINT, SIGTERM
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, () => {
            loop.quit();
            return GLib.SOURCE_REMOVE;
        });
    }
    loop.run();

    // Say goodbye, so the peer sees us leave at once, and wait for it to go out.
    node.stop_async(null, (_node, result) => {
        node.stop_finish(result);
        loop.quit();
    });
    loop.run();
} finally {
    removeTree(Gio.File.new_for_path(stateDir));
}

imports.system.exit(sent && received ? 0 : 1);
