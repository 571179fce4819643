"""``serverless-patterns local``: run an app on the local cloud and talk to it.

``up`` runs in the foreground: it synthesizes the app when given an app folder (its ``cdk.json``
``app`` command), deploys, serves, and writes a state file (default
``.serverless-patterns-local.json`` in the current folder) with moto's endpoint, the API URLs and
the deployed resources. ``invoke``, ``send``, ``put-events``, ``start-execution`` and ``logs``
read that file and act on the running instance through moto's endpoint. Ctrl-C stops ``up``
cleanly and removes the state file.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from typing import Any

from serverless_patterns.local.errors import LocalCloudError

STATE_FILE = ".serverless-patterns-local.json"
"""Default state file of a running ``up``, in the current folder."""


def register(subparsers: Any) -> None:
    """Add ``local`` and its subcommands to the ``serverless-patterns`` parser.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> register(parser.add_subparsers())
    >>> parser.parse_args(["local", "logs", "Orders"]).function
    'Orders'
    """
    local = subparsers.add_parser("local", help="deploy a synthesized app offline and run it")
    commands = local.add_subparsers(dest="command", required=True, metavar="<subcommand>")

    def state_option(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--state", default=os.environ.get("SERVERLESS_PATTERNS_LOCAL_STATE", STATE_FILE), help="state file"
        )

    up = commands.add_parser("up", help="synthesize if needed, deploy, serve until Ctrl-C")
    up.add_argument("app", help="an app folder with cdk.json, or a cdk.out folder")
    up.add_argument("--api-port", type=int, default=0, help="port of the local API Gateway (default: a free one)")
    up.add_argument("--no-synth", action="store_true", help="use the app's existing cdk.out")
    up.add_argument(
        "-c",
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="context for the synthesis, as `cdk synth -c` (repeatable)",
    )
    up.add_argument(
        "--schedule-speedup",
        type=float,
        default=1.0,
        metavar="N",
        help="run scheduled rules N times faster than real time (default: 1)",
    )
    up.add_argument(
        "--no-enforce-iam",
        action="store_true",
        help="let every call through (IAM is enforced as AWS does by default; see docs/local.md)",
    )
    state_option(up)
    up.set_defaults(handler=_up)

    invoke = commands.add_parser("invoke", help="invoke a function and print its result")
    invoke.add_argument("function", help="construct path, logical id or name")
    invoke.add_argument("--payload", default="{}", help="JSON event (default: {})")
    state_option(invoke)
    invoke.set_defaults(handler=_invoke)

    send = commands.add_parser("send", help="send a message to a queue")
    send.add_argument("queue", help="construct path, logical id or name")
    send.add_argument("body", help="message body")
    state_option(send)
    send.set_defaults(handler=_send)

    put = commands.add_parser("put-events", help="put one event on a bus")
    put.add_argument("--source", required=True)
    put.add_argument("--detail-type", required=True)
    put.add_argument("--detail", default="{}", help="JSON detail (default: {})")
    put.add_argument(
        "--bus",
        default=None,
        help="bus construct path, name or 'default' (default: the app's custom bus when it has exactly one)",
    )
    state_option(put)
    put.set_defaults(handler=_put_events)

    start = commands.add_parser("start-execution", help="start a state machine execution and wait for it")
    start.add_argument("state_machine", help="construct path, logical id or name")
    start.add_argument("--input", default="{}", help="JSON input (default: {})")
    start.add_argument("--no-wait", action="store_true", help="print the execution ARN and return")
    state_option(start)
    start.set_defaults(handler=_start_execution)

    logs = commands.add_parser("logs", help="print a function's log lines")
    logs.add_argument("function", help="construct path, logical id or name")
    state_option(logs)
    logs.set_defaults(handler=_logs)

    request = commands.add_parser("request", help="send a SigV4-signed HTTP request to a local REST API")
    request.add_argument("method", help="GET, POST, ...")
    request.add_argument("path", help="path below the stage, e.g. users/42")
    request.add_argument("--body", default=None, help="JSON body")
    request.add_argument("--api", default=None, help="REST API construct path (default: the only one)")
    request.add_argument("--unsigned", action="store_true", help="send it unsigned (an AWS_IAM method answers 403)")
    state_option(request)
    request.set_defaults(handler=_request)

    alarm = commands.add_parser("set-alarm-state", help="set an alarm's state and run its actions")
    alarm.add_argument("alarm", help="alarm name, construct path or logical id")
    alarm.add_argument("state", choices=["ALARM", "OK", "INSUFFICIENT_DATA"])
    alarm.add_argument("--reason", default="set from the command line")
    state_option(alarm)
    alarm.set_defaults(handler=_set_alarm_state)

    denials = commands.add_parser("denials", help="print the requests and deliveries refused as AWS would")
    state_option(denials)
    denials.set_defaults(handler=_denials)


# -- up ----------------------------------------------------------------------------------------
def synthesize(app_dir: Path, progress: Any = print, context: dict[str, Any] | None = None) -> Path:
    """Run the ``app`` command of ``app_dir/cdk.json`` as ``cdk synth`` does; return the assembly folder.

    The app gets the context ``cdk synth`` gives it, in the CLI's order (a later source wins):
    ``cdk.json``'s ``context``, ``cdk.context.json`` (cached lookups), then ``context`` (``-c``),
    through ``CDK_CONTEXT_JSON``, and ``CDK_OUTDIR`` (https://docs.aws.amazon.com/cdk/v2/guide/context.html).
    Lookups the app could not make (no AWS account here) are reported after the synthesis.

    Examples
    --------
    >>> try:
    ...     synthesize(Path("/no/such/app"))
    ... except LocalCloudError as error:
    ...     print(error)
    /no/such/app/cdk.json not found
    """
    app_dir = app_dir.resolve()  # the app runs in app_dir: a relative CDK_OUTDIR would nest
    cdk_json = app_dir / "cdk.json"
    if not cdk_json.is_file():
        raise LocalCloudError(f"{cdk_json} not found")
    try:
        command = json.loads(cdk_json.read_text())["app"]
    except (ValueError, KeyError) as error:
        raise LocalCloudError(f"{cdk_json} has no app command") from error
    settings = json.loads(cdk_json.read_text())
    out_dir = app_dir / (settings.get("output") or "cdk.out")
    merged: dict[str, Any] = dict(settings.get("context") or {})
    cached = app_dir / "cdk.context.json"
    if cached.is_file():
        try:
            merged.update(json.loads(cached.read_text()))
        except ValueError as error:
            raise LocalCloudError(f"{cached} is not valid JSON: {error}") from error
    merged.update(context or {})
    env = dict(os.environ)
    env["CDK_OUTDIR"] = str(out_dir)
    env["CDK_CONTEXT_JSON"] = json.dumps(merged)
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    # The app runs with this interpreter's environment first on PATH ("python" is this venv's).
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    progress(f"synthesizing: {command}")
    started = time.perf_counter()
    result = subprocess.run(  # the app command of cdk.json, run as the CDK CLI runs it
        command, shell=True, cwd=app_dir, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()
        detail = last[-1] if last else f"exit status {result.returncode}"
        raise LocalCloudError(f"synthesis failed ({command}): {detail}")
    progress(f"synthesized in {time.perf_counter() - started:.1f} s")
    for line in missing_context(out_dir):
        progress(line)
    return out_dir


def missing_context(assembly: Path) -> list[str]:
    """Lines naming each context lookup the synthesized app could not make (the manifest's ``missing``).

    Examples
    --------
    >>> missing_context(Path("/no/such/cdk.out"))
    []
    """
    try:
        manifest = json.loads((assembly / "manifest.json").read_text())
    except (OSError, ValueError):
        return []
    return [
        f"context lookup not made: {item.get('key')} ({item.get('provider')}); the app used dummy values: put the "
        f"value in cdk.context.json (a `cdk synth` with AWS credentials writes it) or pass -c {item.get('key')}=..."
        for item in manifest.get("missing") or []
    ]


def _up(arguments: argparse.Namespace) -> int:
    from serverless_patterns.local.cloud import LocalCloud, find_assembly

    target = Path(arguments.app)
    if not target.exists():
        raise LocalCloudError(f"{target} does not exist")
    if (target / "cdk.json").is_file() and not arguments.no_synth:
        assembly = synthesize(target, context=_context_options(arguments.context))
    else:
        assembly = find_assembly(target)
    # moto's request log and its interpreter's error log of failed executions would drown the output.
    for name in ("werkzeug", "moto"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", message="Tried to parse", category=UserWarning)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    state_path = Path(arguments.state)
    cloud = LocalCloud(
        api_port=arguments.api_port,
        enforce_iam=not arguments.no_enforce_iam,
        schedule_speedup=arguments.schedule_speedup,
    )
    try:
        cloud.start()
        print(f"moto server: {cloud.endpoint_url}", flush=True)
        deployment = cloud.deploy(assembly, warm=True, progress=lambda line: print(line, flush=True))
        for line in deployment.summary():
            print(line)
        state = {
            "pid": os.getpid(),
            "endpoint_url": cloud.endpoint_url,
            "region": cloud.region,
            "api_urls": deployment.api_urls,
            "log_groups": dict(cloud.runtime.log_groups) if cloud.runtime else {},
            "alarms": {alarm.name: alarm.path for alarm in cloud.alarms.all()},
            "outputs": deployment.outputs,
            "resources": [vars(resource) for resource in deployment.resources()],
        }
        state_path.write_text(json.dumps(state, indent=2))
        print(f"state: {state_path}   (Ctrl-C to stop)", flush=True)
        while not stop.wait(0.5):
            pass
        print("stopping", flush=True)
    finally:
        cloud.close()
        if state_path.is_file():
            try:
                if json.loads(state_path.read_text()).get("pid") == os.getpid():
                    state_path.unlink()
            except ValueError:
                pass
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


# -- the other subcommands -----------------------------------------------------------------
class _Running:
    """A running ``up`` instance, from its state file."""

    def __init__(self, state_file: str) -> None:
        from serverless_patterns.local.deployment import DeployedStack, Deployment
        from serverless_patterns.local.resolve import DeployedResource

        path = Path(state_file)
        if not path.is_file():
            raise LocalCloudError(
                f"no local cloud is running (no state file {path}): start one with `serverless-patterns local up <app>`"
            )
        state = json.loads(path.read_text())
        self.endpoint_url: str = state["endpoint_url"]
        self.region: str = state.get("region", "us-east-1")
        self.log_groups: dict[str, str] = state.get("log_groups", {})
        try:
            urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=5).close()
        except (urllib.error.URLError, OSError) as error:
            raise LocalCloudError(
                f"the local cloud in {path} does not answer at {self.endpoint_url}: is `local up` still running?"
            ) from error
        self.state: dict[str, Any] = state
        resources = [DeployedResource(**item) for item in state.get("resources", [])]
        stacks: dict[str, dict[str, DeployedResource]] = {}
        for resource in resources:
            stacks.setdefault(resource.stack, {})[resource.logical_id] = resource
        self.deployment = Deployment(
            [DeployedStack(name, state.get("outputs", {}), items, []) for name, items in stacks.items()],
            api_urls=state.get("api_urls", {}),
        )

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def _context_options(options: list[str]) -> dict[str, Any]:
    """``-c key=value`` options as the CDK CLI reads them: each value a string, as the CDK documents."""
    context: dict[str, Any] = {}
    for option in options:
        key, separator, value = option.partition("=")
        if not separator or not key:
            raise LocalCloudError(f"-c takes KEY=VALUE, got {option!r}")
        context[key] = value
    return context


def _json_argument(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise LocalCloudError(f"{name} is not valid JSON: {error}") from error


def _invoke(arguments: argparse.Namespace) -> int:
    payload = _json_argument("--payload", arguments.payload)
    running = _Running(arguments.state)
    name = running.deployment.function_name(arguments.function)
    response = running.client("lambda").invoke(FunctionName=name, Payload=json.dumps(payload))
    print(response["Payload"].read().decode())
    return 1 if response.get("FunctionError") else 0


def _send(arguments: argparse.Namespace) -> int:
    running = _Running(arguments.state)
    url = running.deployment.queue_url(arguments.queue)
    response = running.client("sqs").send_message(QueueUrl=url, MessageBody=arguments.body)
    print(response["MessageId"])
    return 0


def _put_events(arguments: argparse.Namespace) -> int:
    from serverless_patterns.local.put_events import put_event

    detail = _json_argument("--detail", arguments.detail)
    running = _Running(arguments.state)
    result = put_event(
        running.client("events"),
        running.deployment,
        arguments.source,
        arguments.detail_type,
        detail,
        bus=arguments.bus,
    )
    print(json.dumps([{"EventId": result.event_id}]))
    print(result.message())
    return 0


def _start_execution(arguments: argparse.Namespace) -> int:
    payload = _json_argument("--input", arguments.input)
    running = _Running(arguments.state)
    arn = running.deployment.state_machine_arn(arguments.state_machine)
    sfn = running.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=arn, name=f"cli-{time.time_ns()}", input=json.dumps(payload))
    if arguments.no_wait:
        print(execution["executionArn"])
        return 0
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING":
            result = {key: described.get(key) for key in ("status", "output", "error", "cause") if described.get(key)}
            print(json.dumps(result))
            return 0 if described["status"] == "SUCCEEDED" else 1
        time.sleep(0.1)
    raise LocalCloudError("the execution did not finish within 15 minutes")


def _logs(arguments: argparse.Namespace) -> int:
    running = _Running(arguments.state)
    name = running.deployment.function_name(arguments.function)
    group = running.log_groups.get(name, f"/aws/lambda/{name}")
    logs = running.client("logs")
    try:
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group)
        for page in pages:
            for event in page["events"]:
                print(event["message"])
    except logs.exceptions.ResourceNotFoundException:
        print(f"(no logs yet in {group})", file=sys.stderr)
    return 0


def _request(arguments: argparse.Namespace) -> int:
    from serverless_patterns.local.api_auth import sign_headers
    from serverless_patterns.local.authorization import ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY

    running = _Running(arguments.state)
    url = running.deployment.api_url(arguments.api) + arguments.path.lstrip("/")
    body = b"" if arguments.body is None else json.dumps(_json_argument("--body", arguments.body)).encode()
    headers = {"Content-Type": "application/json"}
    if not arguments.unsigned:
        region = running.region
        headers.update(
            sign_headers(
                arguments.method.upper(),
                url,
                headers,
                body,
                access_key_id=ADMIN_ACCESS_KEY,
                secret_access_key=ADMIN_SECRET_KEY,
                region=region,
            )
        )
    request = urllib.request.Request(url, data=body or None, method=arguments.method.upper(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    print(status)
    print(payload.decode("utf-8", errors="replace"))
    return 0 if status < 400 else 1


def _set_alarm_state(arguments: argparse.Namespace) -> int:
    running = _Running(arguments.state)
    alarms: dict[str, str] = running.state.get("alarms", {})
    names = [name for name, path in alarms.items() if arguments.alarm in {name, path} or path.endswith(arguments.alarm)]
    if len(names) != 1:
        known = ", ".join(sorted(alarms)) or "none"
        raise LocalCloudError(f"{arguments.alarm!r} names {len(names)} alarms (deployed: {known})")
    # The running instance answers CloudWatch's SetAlarmState itself and runs the alarm's actions.
    running.client("cloudwatch").set_alarm_state(
        AlarmName=names[0], StateValue=arguments.state, StateReason=arguments.reason
    )
    print(f"{names[0]}: {arguments.state}")
    return 0


def _denials(arguments: argparse.Namespace) -> int:
    from serverless_patterns.local.cloud import DENIALS_LOG_GROUP

    running = _Running(arguments.state)
    logs = running.client("logs")
    try:
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=DENIALS_LOG_GROUP):
            for event in page["events"]:
                print(event["message"])
    except logs.exceptions.ResourceNotFoundException:
        print("(no denials)", file=sys.stderr)
    return 0
