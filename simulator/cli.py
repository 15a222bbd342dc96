"""Command line: ``serve`` the simulator, ``check`` config/scenario files, ``sign`` requests for curl,
send realistic ``traffic``, ``export`` a run."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from .config import Config, load_config, resolve_scenario
from .core.scenarios import load_scenario
from .core.sqlite import DatabaseError
from .core.yamlfile import FileError
from .gcpolicy import GcPolicy

SCENARIO_KEYS = {"rules", "defaults", "reviews", "description", "latency"}
ADMIN_TOKEN_ENV = "SMS_SIMULATOR_ADMIN_TOKEN"
# serve options also read from the environment (a CI service container has no command line to edit);
# the command line wins over the environment, the environment over the config file
SERVE_ENV = {
    "host": "SMS_SIMULATOR_HOST",
    "port": "SMS_SIMULATOR_PORT",
    "config": "SMS_SIMULATOR_CONFIG",
    "scenario": "SMS_SIMULATOR_SCENARIO",
    "seed": "SMS_SIMULATOR_SEED",
    "db": "SMS_SIMULATOR_DB",
    "redis": "SMS_SIMULATOR_REDIS",
    "workers": "SMS_SIMULATOR_WORKERS",
}


def _state_where(config: Config) -> str:
    if config.store.redis:
        return f"in Redis {config.store.redis} (prefix {config.store.redis_prefix!r}, process {os.getpid()})"
    return f"in {config.store.db}" if config.store.db else "in memory"


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _from_environment(args: argparse.Namespace) -> str | None:
    """Fill the serve options not given on the command line from ``SERVE_ENV``; a problem, else None."""
    for name, var in SERVE_ENV.items():
        value = os.environ.get(var, "").strip()
        if getattr(args, name) is not None or not value:
            continue
        if name in ("port", "seed", "workers"):
            try:
                setattr(args, name, int(value))
            except ValueError:
                return f"{var}={value!r}: not a whole number"
        else:
            setattr(args, name, value)
    return None


def _serve(args: argparse.Namespace) -> int:

    problem = _from_environment(args)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    try:
        config = load_config(args.config)
        if args.scenario:
            config.scenario = args.scenario
        if args.seed is not None:
            config.seed = args.seed
        if args.host:
            config.host = args.host
        if args.port is not None:
            config.port = args.port
        if args.log_requests:
            config.log_requests = True
        token = args.admin_token or os.environ.get(ADMIN_TOKEN_ENV) or None
        if token:
            config.admin_token = token
        if args.https_port is not None:
            config.https_port = args.https_port
        config.extra_ports += args.extra_port
        if args.db:
            config.store.db = args.db
        if args.redis:
            config.store.redis = args.redis
        workers = args.workers if args.workers is not None else 1
        if workers < 1:
            print("--workers must be at least 1", file=sys.stderr)
            return 2
        if workers > 1 and not config.store.redis:
            print(
                "--workers above 1 needs a shared store: add --redis URL (each process would otherwise keep "
                "its own messages, balances and queues)",
                file=sys.stderr,
            )
            return 2
        if args.max_messages is not None:
            if args.max_messages < 1:
                print("--max-messages must be at least 1", file=sys.stderr)
                return 2
            config.store.max_messages = args.max_messages
        scenario = load_scenario(resolve_scenario(config.scenario)) if config.scenario else None
    except FileError as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if config.log_requests:  # asked for explicitly: shown even at the default warning level
        logging.getLogger("simulator.requests").setLevel(min(logging.INFO, logging.getLogger().level))
    if workers > 1:
        return _serve_workers(config, scenario, workers)
    return _serve_one(config, scenario)


def _serve_one(config: Config, scenario: Any, reuse_port: bool = False) -> int:
    from .app import build_sim, create_app

    try:
        sim = build_sim(config, scenario)
    except DatabaseError as e:
        print(f"--{'redis' if config.store.redis else 'db'}: {e}", file=sys.stderr)
        return 2
    app = create_app(config, sim)
    from .server import run

    return run(_run(app, config, reuse_port))


def _serve_workers(config: Config, scenario: Any, workers: int) -> int:
    """N processes on one port (SO_REUSEPORT: the kernel spreads connections), sharing --redis."""
    if config.port == 0:  # one free port for all of them
        with socket.socket() as s:
            s.bind((config.host, 0))
            config.port = s.getsockname()[1]
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                code = _serve_one(config, scenario, reuse_port=True)
            finally:
                os._exit(code)
        children.append(pid)

    def forward(signum: int, _frame: Any) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    code = 0
    for pid in children:
        _, status = os.waitpid(pid, 0)
        code = max(code, os.waitstatus_to_exitcode(status) if status else 0)
        forward(signal.SIGTERM, None)  # one worker gone: stop the others too
    return code


async def _run(app: web.Application, config: Config, reuse_port: bool = False) -> int:
    from .app import SIM_KEY
    from .server import Limits, guard, quiet_exceptions

    sc = config.server
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=sc.keepalive_timeout)
    await runner.setup()
    guard(runner, Limits(sc.header_timeout, sc.max_connections))
    quiet_exceptions(asyncio.get_running_loop())
    listeners: list[tuple[int, Any]] = [(config.port, None), *((p, None) for p in config.extra_ports)]
    cert_path = None
    if config.https_port is not None:
        from .tls import server_context

        ctx, cert_path = server_context(config.tls_cert, config.tls_key, config.host)
        listeners.append((config.https_port, ctx))
    urls = []
    for port, ctx in listeners:
        site = web.TCPSite(
            runner, config.host, port, reuse_address=True, reuse_port=reuse_port or None, ssl_context=ctx
        )
        try:
            await site.start()
        except OSError as e:
            print(f"cannot listen on {config.host}:{port}: {e.strerror or e}", file=sys.stderr)
            await runner.cleanup()
            return 1
        server = site._server  # the only way aiohttp exposes the bound sockets
        if server is not None and getattr(server, "sockets", None):
            port = server.sockets[0].getsockname()[1]
        urls.append(f"{'https' if ctx else 'http'}://{config.host}:{port}")
    sim = app[SIM_KEY]
    # one write, newline included: --workers processes share stdout, and print() writes the text and
    # its newline apart (two workers' lines came out interleaved)
    sys.stdout.write(
        f"sms-simulator listening on {urls[0]} "
        f"(scenario {sim.scenario.name!r}, scenario seed {sim.engine.runner.seed}, "
        f"ids {'from --seed ' + str(sim.seed) if sim.seed is not None else 'random'}, "
        f"state {_state_where(config)}, admin API at /_sim/)\n"
    )
    sys.stdout.flush()
    for url in urls[1:]:
        tls = f" (certificate: {cert_path})" if url.startswith("https") else ""
        print(f"also listening on {url}{tls}", flush=True)
    if not config.admin_token and not loopback(config.host):
        print(
            f"WARNING: listening on {config.host} with no admin token: anyone who can reach this port can "
            f"reset the simulator, change accounts and read every request.  Set --admin-token or "
            f"{ADMIN_TOKEN_ENV} (docs/security.md).",
            file=sys.stderr,
            flush=True,
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    collector = GcPolicy()  # young collections of a few ms, no scans of the store (gcpolicy.py)
    collector.install()
    collector.start()
    await stop.wait()
    collector.uninstall()
    await runner.cleanup()
    return 0


def _check(args: argparse.Namespace) -> int:
    status = 0
    for name in args.files:
        path = Path(name)
        try:
            kind = args.kind
            if kind == "auto":
                try:
                    data = yaml.safe_load(path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError, yaml.YAMLError):
                    data = None
                kind = "scenario" if isinstance(data, dict) and SCENARIO_KEYS & set(data) else "config"
            if kind == "scenario":
                sc = load_scenario(path)
                print(f"{path}: OK (scenario {sc.name!r}, {len(sc.rules)} rules, {len(sc.reviews)} reviews)")
            else:
                cfg = load_config(path)
                if cfg.scenario:
                    load_scenario(resolve_scenario(cfg.scenario))
                print(f"{path}: OK (config, {len(cfg.all_accounts())} accounts)")
        except FileError as e:
            status = 1
            for p in e.problems:
                print(p, file=sys.stderr)
    return status


def _sign(args: argparse.Namespace) -> int:
    """Print what a client sends to authenticate, ready to paste into curl."""
    from urllib.parse import urlencode

    from .signing import auth, example_send

    try:
        config = load_config(args.config)
    except FileError as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        return 2
    accounts = [a for a in config.all_accounts() if a.vendor == args.vendor]
    account = next((a for a in accounts if args.id in (None, a.id)), None)
    if account is None and (args.id is None or args.secret is None):
        print(
            f"sign: no {args.vendor} account {args.id or ''} in the config; give --id and --secret",
            file=sys.stderr,
        )
        return 2
    aid = args.id or account.id
    secret = args.secret or account.secret
    options = account.options if account is not None else {}
    bad = next((p for p in args.param if "=" not in p), None)
    if bad is not None:
        print(f"sign: --param takes KEY=VALUE, got {bad!r}", file=sys.stderr)
        return 2
    params = dict(p.split("=", 1) for p in args.param)
    if args.curl:
        if args.param or args.ts:
            print("sign: --curl signs a whole send itself; leave out --param and --ts", file=sys.stderr)
            return 2
        example = example_send(args.vendor, aid, secret, options, args.url, args.mobile)
        if example["curl"] is None:
            print(f"sign: {example['note']}", file=sys.stderr)
            return 2
        print(example["curl"])
        return 0
    try:
        query, headers = auth(args.vendor, aid, secret, options, params, args.ts)
    except Exception as e:  # a value the vendor's signing cannot take: one line, not a traceback
        print(f"sign: cannot sign for {args.vendor}: {e}", file=sys.stderr)
        return 2
    if headers:  # huawei: X-WSSE
        for k, v in headers.items():
            print(f"-H '{k}: {v}'")
    else:
        print(urlencode(query))
    return 0


def _traffic(args: argparse.Namespace) -> int:
    """Send realistic traffic through each vendor's wire protocol; exit 0 when something was accepted."""
    import json

    from .traffic import OptionError, Traffic, parse_options, pick_credentials, planner_for
    from .traffic.runner import run_with_progress

    def fail(message: str, status: int = 2) -> int:
        print(f"sms-simulator traffic: {message}", file=sys.stderr)
        return status

    data = {
        k: getattr(args, k)
        for k in ("url", "vendor", "rate", "duration", "count", "seed", "reply_share", "magic_share")
    }
    data["concurrency"], data["wait"] = args.concurrency, args.wait
    try:
        data["accounts"] = dict(a.split("=", 1) for a in args.account) if args.account else None
    except ValueError:
        return fail("--account takes VENDOR=ID, e.g. --account kx=100001")
    try:
        config = load_config(args.config)
        options = parse_options(data)
        creds = pick_credentials(config.all_accounts(), options)
    except FileError as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        return 2
    except OptionError as e:
        return fail(str(e))
    if args.dry_run:
        planner = planner_for(options, creds)
        total = options.count if options.count is not None else round(options.rate * (options.duration or 0))
        for _ in range(total):
            print(json.dumps(next(planner).plan(), ensure_ascii=False))
        return 0
    tty = sys.stderr.isatty()

    def write(text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()

    def note(line: str) -> None:
        write(f"\r\x1b[K{line}\n" if tty else f"{line}\n")

    token = args.admin_token or os.environ.get(ADMIN_TOKEN_ENV) or None
    traffic = Traffic(options, creds, verify_tls=not args.insecure, note=note, admin_token=token)
    try:
        asyncio.run(run_with_progress(traffic, write, tty))
    except KeyboardInterrupt:  # Ctrl-C: the counts so far still make a summary
        pass
    if traffic.answered:
        print(traffic.summary(), flush=True)
    if traffic.error is not None:
        return fail(traffic.error)
    if traffic.accepted == 0:
        return fail("nothing was accepted", 1)
    return 0


def _export_from_url(url: str, token: str | None) -> dict[str, Any]:
    """The run document a running simulator answers at ``GET /_sim/export``."""
    import json
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url.rstrip("/") + "/_sim/export", headers={"Accept": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            doc = json.loads(r.read())
    except urllib.error.HTTPError as e:
        raise ExportError(f"{url}: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise ExportError(f"{url}: cannot reach the simulator: {reason}") from None
    except ValueError:
        raise ExportError(f"{url}: the answer is not a run export (not JSON)") from None
    if not isinstance(doc, dict) or not str(doc.get("format", "")).startswith("sms-simulator-run/"):
        raise ExportError(f"{url}: the answer is not a run export")
    return doc


def _export_from_db(path: str, config_path: str | None) -> dict[str, Any]:
    """The run kept in a ``--db`` file, read from a consistent copy (SQLite's backup): the file is never
    written, and a server may be running on it."""
    import sqlite3
    import tempfile

    from .admin.routes import export_run
    from .app import build_sim

    if not Path(path).is_file():
        raise ExportError(f"--db {path}: no such file")
    config = load_config(config_path)
    with tempfile.TemporaryDirectory(prefix="sms-simulator-export-") as tmp:
        copy = Path(tmp) / "run.db"
        try:
            src = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
            try:
                dst = sqlite3.connect(copy)
                with dst:
                    src.backup(dst)
                dst.close()
            finally:
                src.close()
        except sqlite3.DatabaseError as e:
            raise ExportError(f"--db {path}: not a simulator database ({e})") from None
        config.store.db = str(copy)
        try:
            sim = build_sim(config)
        except DatabaseError as e:
            raise ExportError(f"--db {path}: {e}") from None
        try:
            return export_run(sim)
        finally:
            sim.store.close()


class ExportError(Exception):
    pass


def _export(args: argparse.Namespace) -> int:
    """Write a run as JSON and/or one self-contained HTML page (the same as ``GET /_sim/export``)."""
    import json

    from .admin import export_html

    if bool(args.url) == bool(args.db):
        print("sms-simulator export: give --url (a running simulator) or --db (its file)", file=sys.stderr)
        return 2
    token = args.admin_token or os.environ.get(ADMIN_TOKEN_ENV) or None
    try:
        doc = _export_from_db(args.db, args.config) if args.db else _export_from_url(args.url, token)
    except FileError as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        return 2
    except ExportError as e:
        print(f"sms-simulator export: {e}", file=sys.stderr)
        return 2
    formats = ["json", "html"] if args.format == "both" else [args.format]
    written = []
    for fmt in formats:
        out = Path(f"{args.output}.{fmt}")
        text = json.dumps(doc, ensure_ascii=False, indent=1) if fmt == "json" else export_html.render(doc)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
        except OSError as e:
            print(f"sms-simulator export: cannot write {out}: {e.strerror or e}", file=sys.stderr)
            return 2
        written.append(str(out))
    n = len(doc.get("messages", []))
    print(f"{', '.join(written)}: {n} message{'s' if n != 1 else ''}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from . import __version__

    p = argparse.ArgumentParser(prog="sms-simulator", description=__doc__)
    p.add_argument("--version", action="version", version=f"sms-simulator {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the simulator")
    s.add_argument(
        "--config", help="config file (default: $SMS_SIMULATOR_CONFIG, else the built-in demo config)"
    )
    s.add_argument(
        "--scenario",
        help="scenario file, or a packaged scenario's name: default, flaky, slow, load-test, "
        "instant "
        "(default: $SMS_SIMULATOR_SCENARIO, else the config's, else default)",
    )
    s.add_argument("--seed", type=int, help="seed for every random choice (default: $SMS_SIMULATOR_SEED)")
    s.add_argument("--host", help="listen address (default: $SMS_SIMULATOR_HOST, else 127.0.0.1)")
    s.add_argument(
        "--port", type=int, help="listen port (default: $SMS_SIMULATOR_PORT, else 8090; 0 picks a free port)"
    )
    s.add_argument(
        "--https-port",
        type=int,
        help="also serve HTTPS on this port (self-signed unless the config gives tls_cert/tls_key)",
    )
    s.add_argument("--extra-port", type=int, action="append", default=[], help="also serve plain HTTP here")
    s.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    s.add_argument("--log-requests", action="store_true", help="one log line per vendor request")
    s.add_argument(
        "--admin-token",
        help=f"the admin API (/_sim/*) needs this token as a Bearer header or login cookie "
        f"(default: ${ADMIN_TOKEN_ENV}; none: open to whoever reaches the port)",
    )
    s.add_argument(
        "--db",
        help="keep all state in this SQLite file across restarts (default: $SMS_SIMULATOR_DB, else memory)",
    )
    s.add_argument(
        "--redis",
        metavar="URL",
        help="share all state through Redis (redis://host:6379/0), so several processes and hosts act as "
        "one simulator (default: $SMS_SIMULATOR_REDIS)",
    )
    s.add_argument(
        "--workers",
        type=int,
        help="processes serving the port together (needs --redis; default: $SMS_SIMULATOR_WORKERS, else 1)",
    )
    s.add_argument(
        "--max-messages",
        type=int,
        help="messages kept; the oldest finished ones are evicted (default 100000)",
    )
    s.set_defaults(fn=_serve)

    c = sub.add_parser("check", help="validate config or scenario files without starting anything")
    c.add_argument("files", nargs="+")
    c.add_argument("--kind", choices=["auto", "config", "scenario"], default="auto")
    c.set_defaults(fn=_check)

    g = sub.add_parser(
        "sign",
        help="print a request's auth parameters (or headers) for curl",
        description="kx: userid/ts/sign; huawei: X-WSSE headers; mobset: CorpID/LoginName/TimeStamp/"
        "SecretKey; smsgw: account and MD5 password for --param action=… (send/p2p need their other "
        "--params: extno, content, mobile / mobileContentList); emay: appId/timestamp/sign (simple "
        "interface). Defaults to the account in the config (the demo account).",
    )
    g.add_argument("vendor", choices=["kx", "huawei", "mobset", "smsgw", "emay"])
    g.add_argument("--config", help="config file to find the account in (default: the built-in config)")
    g.add_argument("--id", help="account id (default: the vendor's first account)")
    g.add_argument("--secret", help="account secret (default: from the config)")
    g.add_argument("--ts", help="timestamp to sign, in the vendor's format (default: now)")
    g.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="more signed parameters")
    g.add_argument(
        "--curl",
        action="store_true",
        help="print a complete curl command that sends one message from the account now (run it within "
        "a few minutes: it is signed with the wall clock)",
    )
    g.add_argument("--url", default="http://127.0.0.1:8090", help="the simulator's base URL, for --curl")
    g.add_argument("--mobile", default="13800000000", help="the recipient, for --curl (default 13800000000)")
    g.set_defaults(fn=_sign)

    t = sub.add_parser(
        "traffic",
        help="send realistic traffic to a running simulator (or any URL) through each vendor's protocol",
        description="Sends faker-made (zh_CN) messages through each vendor's real wire protocol (its own "
        "signing, AES/gzip and shapes) at a steady rate, to a share of magic numbers so every outcome "
        "appears; a share of the recipients reply (POST /_sim/mo).  Progress on stderr, a summary on "
        "stdout; exit 1 when nothing was accepted, 2 on an unreachable URL, refused credentials or bad "
        "options.  Uses the demo accounts unless --config names others.",
    )
    t.add_argument("--url", help="the simulator's base URL (default http://127.0.0.1:8090)")
    t.add_argument("--vendor", help="comma-separated vendors, or all (default)")
    t.add_argument("--rate", type=float, help="requests per second (default 10)")
    bound = t.add_mutually_exclusive_group()
    bound.add_argument("--duration", type=float, help="seconds to run (default 10 when --count is not given)")
    bound.add_argument("--count", type=int, help="requests to send")
    t.add_argument("--seed", type=int, help="same seed, same vendors, recipients, texts and replies")
    t.add_argument("--reply-share", type=float, help="share of accepted recipients that reply (default 0.1)")
    t.add_argument(
        "--magic-share", type=float, help="share of recipients that are magic numbers (default 0.1)"
    )
    t.add_argument("--concurrency", type=int, help="requests in flight at most (default 32)")
    t.add_argument("--wait", type=float, help="seconds to wait for a server that is starting (default 3)")
    t.add_argument("--config", help="config file with the accounts to use (default: the demo accounts)")
    t.add_argument("--account", action="append", default=[], metavar="VENDOR=ID", help="which account to use")
    t.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (self-signed)")
    t.add_argument(
        "--admin-token", help=f"the simulator's admin token, for replies (default: ${ADMIN_TOKEN_ENV})"
    )
    t.add_argument("--dry-run", action="store_true", help="print the plan as JSON lines, send nothing")
    t.set_defaults(fn=_traffic)

    x = sub.add_parser(
        "export",
        help="write everything a run kept as JSON and one self-contained HTML page",
        description="The same document as GET /_sim/export: requests with their diagnosis, messages and "
        "their timelines, callback attempts, replies, unsubscribes.  From a running simulator (--url) or "
        "from its --db file without a server (read from a copy: the file is left as it is).",
    )
    x.add_argument("--url", help="a running simulator's base URL, e.g. http://127.0.0.1:8090")
    x.add_argument("--db", help="a simulator's SQLite file (serve --db)")
    x.add_argument("--config", help="with --db: the config the server ran with (default: the built-in one)")
    x.add_argument(
        "--output",
        "-o",
        default="sms-simulator-run",
        help="file name without its extension",
    )
    x.add_argument("--format", choices=["json", "html", "both"], default="both", help="default both")
    x.add_argument("--admin-token", help=f"with --url: the admin token (default: ${ADMIN_TOKEN_ENV})")
    x.set_defaults(fn=_export)

    args = p.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    raise SystemExit(main())
