"""Run moto server for one test process: bind 127.0.0.1 on the given port, print READY, and exit as soon as the
process that started it is gone (so a test binary never leaves an emulator behind).

Usage: python moto_launcher.py <port>

POST /moto-api/twin/sqs-clock?advance=<seconds> moves SQS's clock forward (visibility timeouts, delays, long
polls and retention all read it), so a test sees a message's planned 180 s visibility timeout pass without
waiting for it.
"""
import functools
import json
import os
import sys
import threading
import time
from urllib.parse import parse_qs, urlparse

import moto.sqs.models as sqs_models
from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend
from moto.dynamodb.models import DynamoDBBackend
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ecs.models import EC2ContainerServiceBackend
from moto.moto_api._internal import urls as moto_api_urls
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


# A Fargate task definition may leave container memory unset (the task's memory bounds it); moto's RunTask
# adds up the containers' memory and fails on the missing value. The sum only places EC2 tasks, so a missing one
# counts as nothing.
_requirements = EC2ContainerServiceBackend._calculate_task_resource_requirements


def _fargate_requirements(task_definition):
    for container in task_definition.container_definitions:
        if not any(k in container for k in ("memory", "memoryReservation", "Memory", "MemoryReservation")):
            container["memoryReservation"] = 0
    return _requirements(task_definition)


EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(_fargate_requirements)

# An awsvpc task's attachment names its interface's private DNS name, which moto sets only on some interfaces
# (an instance's): the others get the name EC2 gives one (`ip-10-0-1-5.<region>.compute.internal`).
def _private_dns_name(eni):
    given = eni.__dict__.get("_private_dns_name")
    if given:
        return given
    address = (eni.private_ip_address or "0.0.0.0").replace(".", "-")
    return f"ip-{address}.{eni.ec2_backend.region_name}.compute.internal"


def _set_private_dns_name(eni, value):
    eni.__dict__["_private_dns_name"] = value


NetworkInterface.private_dns_name = property(_private_dns_name, _set_private_dns_name)


# A pool created with AdminCreateUserConfig.AllowAdminCreateUserOnly refuses SignUp (as Cognito does, with
# NotAuthorizedException); moto lets anyone sign up to any pool.
_sign_up = CognitoIdpBackend.sign_up


def _admin_only_sign_up(self, client_id, username, password, attributes):
    for pool in self.user_pools.values():
        if client_id in pool.clients:
            config = pool.extended_config.get("AdminCreateUserConfig") or {}
            if config.get("AllowAdminCreateUserOnly"):
                raise NotAuthorizedError("SignUp is not permitted for this user pool")
    return _sign_up(self, client_id, username, password, attributes)


CognitoIdpBackend.sign_up = _admin_only_sign_up


# SQS's clock: the real time plus the seconds a test moved it forward.
_SQS_OFFSET = [0.0]
_unix_time = sqs_models.unix_time


def _sqs_unix_time(dt=None):
    return _unix_time(dt) + (_SQS_OFFSET[0] if dt is None else 0.0)


sqs_models.unix_time = _sqs_unix_time
sqs_models.unix_time_millis = lambda dt=None: _sqs_unix_time(dt) * 1000.0


def _sqs_clock(request, full_url, headers):
    if request.method != "POST":
        return 405, {}, json.dumps({"error": "POST /moto-api/twin/sqs-clock?advance=<seconds>"})
    values = parse_qs(urlparse(full_url).query).get("advance", [])
    try:
        seconds = float(values[0])
    except (IndexError, ValueError):
        return 400, {}, json.dumps({"error": f"advance must be a number of seconds, got {values}"})
    if not 0 <= seconds <= 14 * 86400:
        return 400, {}, json.dumps({"error": f"advance must be 0 to 1209600 seconds, got {seconds}"})
    _SQS_OFFSET[0] += seconds
    return 200, {"content-type": "application/json"}, json.dumps({"offset_seconds": _SQS_OFFSET[0]})


moto_api_urls.url_paths["{0}/moto-api/twin/sqs-clock$"] = _sqs_clock


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
