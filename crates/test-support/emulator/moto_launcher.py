"""Run moto server for one test process: bind 127.0.0.1 on the given port, print READY, and exit as soon as the
process that started it is gone (so a test binary never leaves an emulator behind).

Usage: python moto_launcher.py <port>
"""
import os
import sys
import time

from moto.server import ThreadedMotoServer


def main() -> None:
    port = int(sys.argv[1])
    parent = os.getppid()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    print("READY", flush=True)
    try:
        while os.getppid() == parent:
            time.sleep(0.5)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
