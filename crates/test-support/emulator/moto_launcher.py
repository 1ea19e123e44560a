"""Run moto server for one test process: bind 127.0.0.1 on the given port, print READY, and exit as soon as the
process that started it is gone (so a test binary never leaves an emulator behind).

Usage: python moto_launcher.py <port>
"""
import functools
import os
import sys
import threading
import time

from moto.dynamodb.models import DynamoDBBackend
from moto.server import ThreadedMotoServer

# DynamoDB applies a conditional write atomically; moto's threaded server checks the condition and writes in two
# steps, so two racing conditional writes could both succeed. One lock around moto's item writes makes each
# write atomic again, as the service's contract (one winner of a race) needs.
_WRITES = threading.RLock()


def _atomic(write):
    @functools.wraps(write)
    def locked(*args, **kwargs):
        with _WRITES:
            return write(*args, **kwargs)

    return locked


for _name in ("put_item", "update_item", "delete_item", "transact_write_items"):
    setattr(DynamoDBBackend, _name, _atomic(getattr(DynamoDBBackend, _name)))


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
