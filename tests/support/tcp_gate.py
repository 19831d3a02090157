#!/usr/bin/env python3
"""tcp_gate.py -- a TCP forwarder that can make its upstream unreachable,
for the outage tests (a peer that must keep its state, like dynalite, which
keeps its tables in memory, cannot simply be stopped and started again).

  tcp_gate.py --upstream PORT

Listens on an ephemeral port of 127.0.0.1 and prints "port N". Each
connection is forwarded to 127.0.0.1:PORT. SIGUSR1 closes the gate: every
open connection is cut and new ones are closed as soon as they are
accepted, as when the service is unreachable; SIGUSR2 opens it again.
Leaves when its parent does.
"""
import argparse
import os
import signal
import socket
import sys
import threading
import time

OPEN = True
LOCK = threading.Lock()
CONNS = set()


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client, upstream):
    if not OPEN:
        client.close()
        return
    try:
        up = socket.create_connection(("127.0.0.1", upstream))
    except OSError:
        client.close()
        return
    with LOCK:
        CONNS.update((client, up))
    t = threading.Thread(target=pipe, args=(up, client), daemon=True)
    t.start()
    pipe(client, up)
    t.join()
    with LOCK:
        CONNS.difference_update((client, up))
    client.close()
    up.close()


def close_gate(*_):
    global OPEN
    OPEN = False
    with LOCK:
        for s in list(CONNS):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def open_gate(*_):
    global OPEN
    OPEN = True


def watch_parent(parent):
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", type=int, required=True)
    args = p.parse_args()
    signal.signal(signal.SIGUSR1, close_gate)
    signal.signal(signal.SIGUSR2, open_gate)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    print("port %d" % srv.getsockname()[1], flush=True)
    while True:
        client, _ = srv.accept()
        threading.Thread(target=serve, args=(client, args.upstream), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
