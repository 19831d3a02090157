#!/usr/bin/env python3
"""notify_listen.py -- the service manager's side of sd_notify(3) for the
tests: bind a unix datagram socket and print each message received as one
line, its VAR=VALUE assignments joined by ' | ', flushed at once.

usage: notify_listen.py PATH     (PATH starting with '@' = abstract name)
Prints "listening" once bound; runs until killed."""
import socket
import sys


def main():
    path = sys.argv[1]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0" + path[1:] if path.startswith("@") else path)
    print("listening", flush=True)
    while True:
        data = s.recv(4096)
        print(" | ".join(data.decode("utf-8", "replace").split("\n")), flush=True)


if __name__ == "__main__":
    main()
