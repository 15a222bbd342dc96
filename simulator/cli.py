"""Command line: ``serve`` the simulator, ``check`` config/scenario files, ``sign`` requests for curl."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import time
from pathlib import Path

import yaml
from aiohttp import web

from .config import Config, load_config
from .core.scenarios import load_scenario
from .core.yamlfile import FileError, load_yaml_file

SCENARIO_KEYS = {"rules", "defaults", "reviews", "description"}


def _serve(args: argparse.Namespace) -> int:
    from .app import build_sim, create_app

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
        scenario = load_scenario(config.scenario) if config.scenario else None
    except FileError as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(config, build_sim(config, scenario))
    return asyncio.run(_run(app, config))


async def _run(app: web.Application, config: Config) -> int:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, reuse_address=True)
    try:
        await site.start()
    except OSError as e:
        print(f"cannot listen on {config.host}:{config.port}: {e.strerror or e}", file=sys.stderr)
        await runner.cleanup()
        return 1
    port = config.port
    server = site._server  # the only way aiohttp exposes the bound sockets
    if server is not None and getattr(server, "sockets", None):
        port = server.sockets[0].getsockname()[1]
    from .app import SIM_KEY

    sim = app[SIM_KEY]
    print(
        f"sms-simulator listening on http://{config.host}:{port} "
        f"(scenario {sim.scenario.name!r}, seed {sim.engine.runner.seed}, admin API at /_sim/)",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
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
                cfg = load_yaml_file(path, Config)
                if cfg.scenario:
                    load_scenario(cfg.scenario)
                print(f"{path}: OK (config, {len(cfg.all_accounts())} accounts)")
        except FileError as e:
            status = 1
            for p in e.problems:
                print(p, file=sys.stderr)
    return status


def _sign(args: argparse.Namespace) -> int:
    if args.vendor == "kx":
        from .vendors.kx.auth import make_sign

        ts = args.ts or str(int(time.time() * 1000))
        sign = make_sign(args.id, ts, args.secret)
        print(f"userid={args.id}&ts={ts}&sign={sign}")
        return 0
    print(f"sign: vendor {args.vendor!r} is not supported by this command yet", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="sms-simulator", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the simulator")
    s.add_argument("--config", help="config file (default: the built-in demo config)")
    s.add_argument("--scenario", help="scenario file (default: the built-in default scenario)")
    s.add_argument("--seed", type=int, help="seed for every random choice")
    s.add_argument("--host", help="listen address (default 127.0.0.1)")
    s.add_argument("--port", type=int, help="listen port (default 8090; 0 picks a free port)")
    s.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    s.add_argument("--log-requests", action="store_true", help="one log line per vendor request")
    s.set_defaults(fn=_serve)

    c = sub.add_parser("check", help="validate config or scenario files without starting anything")
    c.add_argument("files", nargs="+")
    c.add_argument("--kind", choices=["auto", "config", "scenario"], default="auto")
    c.set_defaults(fn=_check)

    g = sub.add_parser("sign", help="print the auth parameters of a request, for curl users")
    g.add_argument("vendor", choices=["kx"])
    g.add_argument("--id", default="100001", help="account id (kx userid)")
    g.add_argument("--secret", default="kxdemoapikey0001", help="account secret (kx apikey)")
    g.add_argument("--ts", help="timestamp to sign (default: now)")
    g.set_defaults(fn=_sign)

    args = p.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    raise SystemExit(main())
