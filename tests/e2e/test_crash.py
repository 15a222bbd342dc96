"""Crash safety of ``serve --db``: the real server in a subprocess, killed with SIGKILL, started again on
the same file, and asked over HTTP what it remembers.

Simulated time never passes on its own here (``clock: {frozen: true}``): the tests advance it through
the admin API, so nothing waits for real time except the server's start-up line.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.vendors.huawei.send_helpers import BATCH, FORM, verify_form, wsse
from tests.vendors.kx.helpers import USERID, auth

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"sms-simulator listening on (http://127\.0\.0\.1:\d+)")
START_TIMEOUT = 15.0  # real seconds for the start-up line (a cold interpreter on a busy CI machine)
BEIJING = timedelta(hours=8)


# -- the server as a subprocess --------------------------------------------------------------------------
class Server:
    """``python -m simulator serve --db`` on one database file, started and SIGKILLed at will."""

    def __init__(
        self, folder: Path, config: dict[str, Any] | None = None, store_args: list[str] | None = None
    ) -> None:
        self.folder = folder
        self.db = folder / "sim.db"
        self.store_args = ["--db", str(self.db)] if store_args is None else store_args  # e.g. --redis URL
        self.config = folder / "config.yaml"
        self.config.write_text(json.dumps({"clock": {"frozen": True}, **(config or {})}))  # JSON is YAML
        self.proc: asyncio.subprocess.Process | None = None
        self.url = ""
        self.starts = 0

    async def start(self) -> str:
        assert self.proc is None, "already running"
        self.starts += 1
        stderr = self.folder / f"stderr-{self.starts}.txt"
        with open(stderr, "wb") as err:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "simulator",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                *self.store_args,
                "--config",
                str(self.config),
                stdout=asyncio.subprocess.PIPE,
                stderr=err,
                cwd=ROOT,
            )
        assert self.proc.stdout is not None
        try:
            line = await asyncio.wait_for(self.proc.stdout.readline(), START_TIMEOUT)
        except TimeoutError:
            line = b""
        m = LISTENING.search(line.decode("utf-8", "replace"))
        if m is None:
            await self.kill(check=False)
            raise AssertionError(f"no start-up line: {line!r}; stderr: {stderr.read_text()!r}")
        self.url = m.group(1)
        return self.url

    def kill_now(self) -> None:
        """SIGKILL at once (callable from a callback while requests are in flight)."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)

    async def kill(self, check: bool = True) -> None:
        """SIGKILL and reap (the process never gets to clean up); ``check``: insist it was still up."""
        if self.proc is None:
            return
        self.kill_now()
        code = await self.proc.wait()
        self.proc = None
        assert code == -signal.SIGKILL or not check, f"the server had exited on its own with {code}"

    async def restart(self) -> str:
        await self.kill()
        return await self.start()

    # HTTP helpers ---------------------------------------------------------------------------------------
    async def call(self, http: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        async with http.request(method, self.url + path, **kw) as r:
            text = await r.text()
            try:
                return r.status, json.loads(text)
            except ValueError:
                return r.status, text

    async def ok(self, http: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> Any:
        status, body = await self.call(http, method, path, **kw)
        assert status < 300, (method, path, status, body)
        return body

    async def advance(self, http: aiohttp.ClientSession, seconds: float) -> Any:
        return await self.ok(http, "POST", "/_sim/clock/advance", json={"seconds": seconds})

    async def kx_send(self, http: aiohttp.ClientSession, **params: str) -> Any:
        return await self.ok(http, "POST", "/api/sms/send", data={**auth(), **params})

    async def account(self, http: aiohttp.ClientSession, vendor: str = "kx", aid: str = USERID) -> Any:
        return await self.ok(http, "GET", f"/_sim/accounts/{vendor}/{aid}")

    async def messages(self, http: aiohttp.ClientSession, **query: str) -> list[dict[str, Any]]:
        """Every message, paging through ``next``."""
        out: list[dict[str, Any]] = []
        params = {**query, "limit": "1000"}
        while True:
            page = await self.ok(http, "GET", "/_sim/messages", params=params)
            out += page["messages"]
            if page["next"] is None:
                assert len(out) == page["total"]
                return out
            params["cursor"] = page["next"]

    async def message(self, http: aiohttp.ClientSession, sim_id: str) -> Any:
        return await self.ok(http, "GET", f"/_sim/messages/{sim_id}")

    async def callbacks(self, http: aiohttp.ClientSession) -> list[dict[str, Any]]:
        return (await self.ok(http, "GET", "/_sim/callbacks", params={"order": "asc"}))["callbacks"]


@pytest.fixture
async def server(tmp_path):
    """A server factory; every process it started is SIGKILLed at teardown."""
    started: list[Server] = []

    def make(config: dict[str, Any] | None = None) -> Server:
        s = Server(tmp_path, config)
        started.append(s)
        return s

    try:
        yield make
    finally:
        for s in started:
            await s.kill(check=False)


@pytest.fixture
async def http():
    """Unlimited connections (200 concurrent senders), none kept alive across a server's death."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=True)) as session:
        yield session


def kx_time(epoch: float) -> str:
    """kx ``time``: yyyyMMddHHmmss, Beijing time."""
    return (datetime.fromtimestamp(epoch, UTC) + BEIJING).strftime("%Y%m%d%H%M%S")


# -- 1. kill -9 among 200 concurrent senders -------------------------------------------------------------
async def test_kill_during_200_concurrent_sends_loses_no_accepted_message_and_charges_once(server, http):
    s = server()
    await s.start()
    start_balance = (await s.account(http))["balance"]
    senders, kill_after = 200, 300
    answers: dict[tuple[int, int], dict[str, Any]] = {}  # (sender, request number) → the answer
    tried: set[tuple[int, int]] = set()

    def recipients(i: int, k: int) -> list[str]:
        return [f"13{i:03d}{k:02d}{j:04d}" for j in range((i + k) % 3 + 1)]  # 1-3, unique everywhere

    def content(i: int, k: int) -> str:
        return "【测试】" + ("长" * 90 if (i + k) % 5 == 0 else f"验证码{i}-{k}")  # a fifth: 2 segments

    async def sender(i: int) -> None:
        """Send one request after another until the server is gone: when it dies, up to 200 requests
        are at every stage (sent, parsed, charged, waiting for the commit, answered)."""
        for k in range(100):
            tried.add((i, k))
            data = {**auth(), "mobile": ",".join(recipients(i, k)), "msgcontent": content(i, k)}
            try:
                async with http.post(s.url + "/api/sms/send", data=data) as r:
                    answers[(i, k)] = await r.json(content_type=None)
            except (aiohttp.ClientError, OSError):
                return  # the server died with this request in flight
            if len(answers) == kill_after:
                s.kill_now()

    await asyncio.wait_for(asyncio.gather(*(sender(i) for i in range(senders))), 10)
    await s.kill()
    assert all(a["code"] == "0" for a in answers.values()), list(answers.values())[:3]
    ok = {key: a["data"]["taskid"] for key, a in answers.items()}
    assert len(ok) >= kill_after
    assert len(tried) > len(ok)  # requests were in flight when the process died

    await s.start()
    stored = await s.messages(http, vendor="kx")
    assert len({m["sim_id"] for m in stored}) == len(stored), "a message is stored twice"
    pairs = [(m["id"], m["mobile"]) for m in stored]
    assert len(set(pairs)) == len(pairs), "a recipient of one request is stored twice"
    by_task: dict[str, set[str]] = {}
    for m in stored:
        by_task.setdefault(m["id"], set()).add(m["mobile"])
    # every answered request is there with all its recipients
    for key, taskid in ok.items():
        assert by_task.get(taskid) == set(recipients(*key)), (key, taskid)
    # a request is stored whole or not at all, even when its answer was lost
    sent_sets = {frozenset(recipients(*key)) for key in tried}
    assert all(frozenset(mobiles) in sent_sets for mobiles in by_task.values())
    assert len(by_task) <= len(tried)

    details = await asyncio.gather(*(s.message(http, m["sim_id"]) for m in stored))
    for d in details:
        assert d["cost"] == d["segments"] == (2 if len(d["content"]) > 70 else 1)
    spent = sum(d["cost"] for d in details)
    assert (await s.account(http))["balance"] == start_balance - spent

    # the restarted process goes on charging once, with task ids it never handed out before
    out = await s.kx_send(http, mobile="13912345678", msgcontent="after the crash")
    assert out["code"] == "0" and out["data"]["taskid"] not in by_task
    assert (await s.account(http))["balance"] == start_balance - spent - 1


# -- 2. a pending report is handed out exactly once --------------------------------------------------------
async def test_report_due_after_the_crash_is_handed_out_once(server, http):
    s = server()
    await s.start()
    out = await s.kx_send(http, mobile="13800000005", msgcontent="【测试】60秒后送达")
    taskid = out["data"]["taskid"]
    await s.advance(http, 30)  # half way: the outcome timer is pending when the process dies

    await s.restart()
    await s.advance(http, 31)
    polls = [await s.ok(http, "GET", "/api/v2/sms/query", params=auth()) for _ in range(2)]
    items = [item for p in polls for item in p.get("data") or []]
    assert [(i["taskid"], i["mobile"], i["code"]) for i in items] == [(taskid, "13800000005", "DELIVRD")]

    # handing it out is durable too: after another crash it is not handed out again
    await s.restart()
    assert await s.ok(http, "GET", "/api/v2/sms/query", params=auth()) == {"code": "0", "msg": "成功"}
    [msg] = await s.messages(http, vendor="kx")
    assert msg["status"] == "delivered"


# -- 3. a scheduled send is sent exactly once ------------------------------------------------------------
async def test_scheduled_send_survives_the_crash_and_is_sent_once(server, http):
    s = server()
    await s.start()
    balance = (await s.account(http))["balance"]
    now = (await s.ok(http, "GET", "/_sim/clock"))["now"]
    out = await s.kx_send(http, mobile="13800000000", msgcontent="【测试】定时", time=kx_time(now + 3600))
    assert out["code"] == "0"
    [msg] = await s.messages(http, vendor="kx")
    assert msg["status"] == "scheduled"

    await s.restart()
    assert (await s.ok(http, "GET", "/_sim/clock"))["pending_timers"] == 1
    await s.advance(http, 3601)
    await s.restart()  # and once more after it was sent: the fired timers must not come back
    assert (await s.ok(http, "GET", "/_sim/clock"))["pending_timers"] == 0
    await s.advance(http, 3600)
    detail = await s.message(http, msg["sim_id"])
    statuses = [t["status"] for t in detail["timeline"]]
    assert statuses.count("sent") == 1, statuses
    assert detail["status"] == "delivered"
    assert (await s.account(http))["balance"] == balance - 1
    await s.kill()
    con = sqlite3.connect(s.db)  # not only guarded against: the fired timers are gone from the file
    try:
        assert con.execute("SELECT kind FROM timers").fetchall() == []
    finally:
        con.close()


# -- 4. a callback retry is attempted once more, not twice --------------------------------------------
class Receiver:
    """A callback receiver on 127.0.0.1: answers ``replies`` in order, then ``reply``; ``hold`` keeps
    requests waiting until it is set."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []
        self.replies: list[str] = []
        self.reply = "SUCCESS"
        self.hold = asyncio.Event()
        self.hold.set()
        self.arrived = asyncio.Condition()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.json())
        async with self.arrived:
            self.arrived.notify_all()
        await self.hold.wait()
        return web.Response(text=self.replies.pop(0) if self.replies else self.reply)

    async def wait_for(self, count: int, timeout: float = 5.0) -> None:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.bodies) >= count), timeout)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/report", self.handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/report"
        return self.url

    async def stop(self) -> None:
        self.hold.set()
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def report_receiver():
    rec = Receiver()
    await rec.start()
    try:
        yield rec
    finally:
        await rec.stop()


async def push_mode(s: Server, http, url: str) -> None:
    body = await s.ok(http, "PATCH", f"/_sim/accounts/kx/{USERID}", json={"mode": "push", "report_url": url})
    assert body["mode"] == "push"


async def test_callback_retry_pending_at_the_crash_is_attempted_once_more(server, http, report_receiver):
    rec = report_receiver
    rec.replies = ["FAIL"]  # then SUCCESS
    s = server()
    await s.start()
    await push_mode(s, http, rec.url)
    await s.kx_send(http, mobile="13800000000", msgcontent="【测试】推送")
    await s.advance(http, 1)  # delivered at once, pushed after the 1 s batch interval: refused
    [first] = await s.callbacks(http)
    assert (first["attempt"], first["ok"]) == (1, False)
    assert first["next_retry_at"] is not None

    await s.restart()
    await s.advance(http, 9)
    assert len(rec.bodies) == 1  # the retry is due 10 s after the first attempt, not before
    await s.advance(http, 1)
    assert len(rec.bodies) == 2 and rec.bodies[0] == rec.bodies[1]
    await s.advance(http, 7200)  # past every later retry delay: nothing more
    assert len(rec.bodies) == 2
    attempts = await s.callbacks(http)
    assert [(a["attempt"], a["ok"]) for a in attempts] == [(1, False), (2, True)]
    assert attempts[1]["next_retry_at"] is None and not attempts[1]["gave_up"]


async def test_report_waiting_in_the_outbox_at_the_crash_is_pushed_once(server, http, report_receiver):
    rec = report_receiver
    s = server()
    await s.start()
    await push_mode(s, http, rec.url)
    await s.kx_send(http, mobile="13800000000", msgcontent="【测试】推送")
    [msg] = await s.messages(http, vendor="kx")
    assert msg["status"] == "delivered"  # at once; the push waits for the 1 s batch timer
    assert (await s.ok(http, "GET", "/_sim/callbacks"))["queued"] == 1

    await s.restart()
    assert (await s.ok(http, "GET", "/_sim/callbacks"))["queued"] == 1
    await s.advance(http, 1)
    assert [[i["mobile"] for i in body] for body in rec.bodies] == [["13800000000"]]
    await s.advance(http, 7200)
    assert len(rec.bodies) == 1
    assert [(a["attempt"], a["ok"]) for a in await s.callbacks(http)] == [(1, True)]


async def test_push_in_flight_at_the_crash_is_attempted_again_at_start(server, http, report_receiver):
    rec = report_receiver
    rec.hold.clear()  # the first POST gets no answer before the simulator dies
    s = server()
    await s.start()
    await push_mode(s, http, rec.url)
    await s.kx_send(http, mobile="13800000000", msgcontent="【测试】推送")
    advancing = asyncio.ensure_future(s.advance(http, 1))  # returns only once the push is answered
    try:
        await rec.wait_for(1)
        await s.kill()
    finally:
        with pytest.raises((aiohttp.ClientError, OSError)):
            await advancing
    rec.hold.set()

    await s.start()  # the batch that was in flight is attempted again, without advancing the clock
    await rec.wait_for(2)
    for _ in range(50):  # the attempt is recorded once the receiver's answer is read (real time)
        attempts = await s.callbacks(http)
        if attempts:
            break
        await asyncio.sleep(0.02)
    assert rec.bodies[0] == rec.bodies[1]
    assert [(a["attempt"], a["ok"]) for a in attempts] == [(2, True)]
    await s.advance(http, 7200)
    assert len(rec.bodies) == 2


# -- 5. runtime state: clock, scenario, account changes, huawei nonces ------------------------------------
SCENARIO = """
name: crash-runtime
defaults: {outcome: delivered, delay: 2}
rules:
  - match: {mobile: "13912340000"}
    outcome: rejected
    delay: 5
"""


async def test_runtime_state_survives_the_crash(server, http):
    s = server()
    await s.start()
    await s.advance(http, 1000)
    clock = await s.ok(http, "GET", "/_sim/clock")
    status, _ = await s.call(
        http, "PUT", "/_sim/scenario", data=SCENARIO.encode(), headers={"Content-Type": "application/yaml"}
    )
    assert status == 200
    change = {"mode": "push", "report_url": "http://127.0.0.1:9/r", "mo_url": "http://127.0.0.1:9/mo"}
    await s.ok(http, "PATCH", f"/_sim/accounts/kx/{USERID}", json={**change, "balance": 777})
    nonce = wsse(nonce="crash-test-nonce-0001")
    form = verify_form()
    async with http.post(s.url + BATCH, data=form, headers={"Content-Type": FORM, **nonce}) as r:
        assert (r.status, (await r.json(content_type=None))["code"]) == (200, "000000")

    await s.restart()
    after = await s.ok(http, "GET", "/_sim/clock")
    assert (after["now"], after["frozen"]) == (clock["now"], True)
    assert (await s.ok(http, "GET", "/_sim/scenario"))["scenario"]["name"] == "crash-runtime"
    account = await s.account(http)
    assert {k: account[k] for k in change} == change and account["balance"] == 777
    async with http.post(s.url + BATCH, data=form, headers={"Content-Type": FORM, **nonce}) as r:
        body = await r.json(content_type=None)
    assert (r.status, body["code"]) == (401, "E000101") and "nonce already used" in body["description"]

    # the restored scenario decides new messages (pull mode, so no push is attempted)
    await s.ok(http, "PATCH", f"/_sim/accounts/kx/{USERID}", json={"mode": "pull"})
    await s.kx_send(http, mobile="13912340000", msgcontent="【测试】x")
    await s.advance(http, 5)
    [msg] = await s.messages(http, vendor="kx")
    assert (msg["status"], msg["code"]) == ("rejected", "REJECTD")

    # a running clock keeps its offset from the wall clock across a crash
    await s.ok(http, "POST", "/_sim/clock/unfreeze")
    running = await s.ok(http, "GET", "/_sim/clock")
    await s.restart()
    again = await s.ok(http, "GET", "/_sim/clock")
    assert again["frozen"] is False and again["offset"] == pytest.approx(running["offset"])
    assert again["now"] - again["wall"] == pytest.approx(running["now"] - running["wall"], abs=0.5)


# -- 6. a --db the simulator must not use ------------------------------------------------------------------
def serve_db(db: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", "serve", "--host", "127.0.0.1", "--port", "0", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=20,
        cwd=ROOT,
    )


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def refused(db: Path | str, *words: str) -> str:
    out = serve_db(db)
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("--db: ") and str(db) in lines[0]
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "notes.db"
    db.write_bytes(b"my notes, not a database\n" * 40)
    before = snapshot(tmp_path)
    refused(db, "not an SQLite file", "left untouched")
    assert snapshot(tmp_path) == before


def test_another_programs_sqlite_file_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "other.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    con.execute("INSERT INTO invoices (amount) VALUES (12.5)")
    con.commit()
    con.close()
    before = snapshot(tmp_path)
    refused(db, "not a simulator database", "left untouched")
    assert snapshot(tmp_path) == before


async def test_a_database_of_a_newer_simulator_is_refused_and_left_alone(server, http, tmp_path):
    s = server()
    await s.start()
    await s.kx_send(http, mobile="13800000000", msgcontent="【测试】x")
    await s.kill()
    con = sqlite3.connect(s.db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    con.execute("PRAGMA user_version=99")
    con.close()  # the last connection: the WAL is checkpointed into the file and removed
    before = snapshot(tmp_path)
    refused(s.db, "newer", "schema 99", "left untouched")
    assert snapshot(tmp_path) == before


def test_a_path_that_cannot_be_created_is_refused(tmp_path):
    refused(tmp_path / "no" / "such" / "folder" / "sim.db", "does not exist")
    assert not (tmp_path / "no").exists()
    # a folder that exists but where no file can be created (tests run as root: modes do not stop it)
    if Path("/proc/self").is_dir():
        line = refused("/proc/sms-simulator-test.db", "cannot create")
        assert "not a simulator database" not in line
    # a folder given as the file
    refused(tmp_path, "is a directory")


async def test_seeded_ids_handed_out_before_the_crash_are_not_handed_out_again(server, http):
    """With a seed, random ids repeat run to run; a restart on the same database is the same run
    going on, so it must not start the id generator over (kx MO ids, huawei ids are random)."""
    s = server({"seed": 7})
    ids = []
    for _ in range(3):
        await s.start()
        mo = {"vendor": "kx", "account": USERID, "mobile": "13912345678", "content": "好"}
        ids.append((await s.ok(http, "POST", "/_sim/mo", json=mo))["mo"]["id"])
        await s.kill()
    assert len(set(ids)) == 3, ids
