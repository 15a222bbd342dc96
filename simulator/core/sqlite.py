"""The memory store written through to SQLite (``--db PATH``), so a restart finds everything again.

Reads are served from memory, exactly as :class:`~simulator.core.store.MemoryStore` does; every change
marks its record dirty, and one transaction per event-loop turn writes all dirty records (group
commit).  ``await store.commit()`` returns once the changes made so far are in that transaction and it
has committed: the app awaits it before answering any request, so a success answer is never sent for
something a crash could lose.

The file is SQLite in WAL mode.  ``synchronous=NORMAL`` (the default, ``store.sync: normal``) survives
the process being killed at any point; a power loss or OS crash may lose the last transactions before a
checkpoint.  ``store.sync: full`` fsyncs every commit and survives that too, at some cost in speed.

Vendor-owned records (``collection(name)``) are kept per key as JSON; dataclass values are written with
their class (only classes under ``simulator.`` are ever rebuilt from a file).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import importlib
import itertools
import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .accounts import Account
from .clock import Clock, Timer
from .models import CallbackAttempt, Message, MoRecord, Report, RequestLog, TimelineEntry
from .store import MemoryStore, PullItem, item_ref

APPLICATION_ID = 0x534D5331  # "SMS1": marks a file as a simulator database
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (sim_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mo (sim_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pull (eid INTEGER PRIMARY KEY, vendor TEXT, account TEXT, stream TEXT,
                                 ref TEXT, expires REAL);
CREATE TABLE IF NOT EXISTS attempts (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL,
                                     request_body BLOB, response_body BLOB);
CREATE TABLE IF NOT EXISTS timers (seq INTEGER PRIMARY KEY, due REAL NOT NULL, kind TEXT NOT NULL,
                                   args TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (vendor TEXT, id TEXT, data TEXT NOT NULL, PRIMARY KEY (vendor, id));
CREATE TABLE IF NOT EXISTS collections (name TEXT, key TEXT, value TEXT NOT NULL, PRIMARY KEY (name, key));
"""
TABLES = ("meta", "messages", "mo", "pull", "attempts", "requests", "timers", "accounts", "collections")


class DatabaseError(Exception):
    """The --db file cannot be used; the message is one line meant for the user."""


# -- a JSON codec for vendor records -------------------------------------------------------------------
def encode(value: Any) -> Any:
    """Plain JSON for plain data; tagged objects for tuples, bytes, sets, non-string keys, dataclasses."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$t": [encode(v) for v in value]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$d": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, bytes | bytearray):
        return {"$b": base64.b64encode(value).decode()}
    if isinstance(value, set | frozenset):
        return {"$s": [encode(v) for v in value]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return {"$dc": f"{cls.__module__}:{cls.__qualname__}", "f": fields}
    raise TypeError(f"cannot store a {type(value).__name__} in a collection")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$t" in value:
        return tuple(decode(v) for v in value["$t"])
    if "$d" in value:
        return {decode(k): decode(v) for k, v in value["$d"]}
    if "$b" in value:
        return base64.b64decode(value["$b"])
    if "$s" in value:
        return {decode(v) for v in value["$s"]}
    if "$dc" in value:
        module, _, name = value["$dc"].partition(":")
        if not module.startswith("simulator."):
            raise DatabaseError(f"refusing to build {value['$dc']!r} from the database")
        cls = getattr(importlib.import_module(module), name)
        if not dataclasses.is_dataclass(cls):
            raise DatabaseError(f"{value['$dc']!r} is not a record type")
        return cls(**{k: decode(v) for k, v in value["f"].items()})
    return {k: decode(v) for k, v in value.items()}


def dumps(value: Any) -> str:
    # ASCII: a key or value may hold lone surrogates (header bytes that were not UTF-8), which SQLite's
    # UTF-8 text cannot take as they are
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def _json_default(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


# -- collections that report what changed ----------------------------------------------------------------
class TrackedDict(dict):
    """A dict that tells its store which keys to write.  Reading a value through ``[]``/``get``/
    ``values``/``items`` counts as a change too, because vendor records are changed in place."""

    __slots__ = ("_mark",)

    def __init__(self, mark: Callable[[Any], None]) -> None:
        super().__init__()
        self._mark = mark

    def __getitem__(self, key: Any) -> Any:
        value = super().__getitem__(key)
        self._mark(key)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self:
            self._mark(key)
        return super().get(key, default)

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self._mark(key)

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._mark(key)

    def pop(self, key: Any, *default: Any) -> Any:
        if key in self:
            self._mark(key)
        return super().pop(key, *default)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self._mark(key)
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for k, v in dict(*args, **kwargs).items():
            self[k] = v

    def values(self):  # type: ignore[override]
        for k in self:
            self._mark(k)
        return super().values()

    def items(self):  # type: ignore[override]
        for k in self:
            self._mark(k)
        return super().items()

    def popitem(self) -> tuple[Any, Any]:
        k, v = super().popitem()
        self._mark(k)
        return k, v

    def clear(self) -> None:
        for k in self:
            self._mark(k)
        super().clear()


@dataclass
class Loaded:
    """What :meth:`SqliteStore.load` gives back to the simulator besides the records it keeps."""

    accounts: list[Account] = field(default_factory=list)
    scenario: Any = None
    clock: dict[str, Any] = field(default_factory=dict)
    timers: list[tuple[int, float, str, tuple[Any, ...]]] = field(default_factory=list)


def open_database(path: str | Path, sync: str = "normal") -> sqlite3.Connection:
    """Open (or create) a simulator database; refuse anything else with a one-line reason."""
    p = Path(path)
    if p.is_dir():
        raise DatabaseError(f"{p} is a directory, not a database file")
    existed = p.exists()
    if existed:
        with open(p, "rb") as f:
            head = f.read(16)
        if head and head != b"SQLite format 3\x00":
            raise DatabaseError(f"{p} is not a simulator database (not an SQLite file); left untouched")
    elif not p.parent.exists():
        raise DatabaseError(f"cannot create {p}: folder {p.parent} does not exist")
    try:
        db = sqlite3.connect(p, isolation_level=None, check_same_thread=False)
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as e:
        if not existed:  # e.g. a folder nobody may create files in
            raise DatabaseError(f"cannot create {p}: {e}") from None
        raise DatabaseError(f"{p} is not a simulator database ({e}); left untouched") from None
    if tables and app_id != APPLICATION_ID:
        db.close()
        raise DatabaseError(f"{p} is an SQLite file but not a simulator database; left untouched")
    if version > SCHEMA_VERSION:
        db.close()
        raise DatabaseError(
            f"{p} was written by a newer sms-simulator (schema {version}, this one knows {SCHEMA_VERSION}); "
            "left untouched"
        )
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={'FULL' if sync == 'full' else 'NORMAL'}")
        if not tables:
            db.execute("BEGIN")
            for stmt in SCHEMA.strip().split(";"):
                if stmt.strip():
                    db.execute(stmt)
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("COMMIT")
    except sqlite3.OperationalError as e:
        db.close()
        raise DatabaseError(f"cannot write {p}: {e}") from None
    return db


class SqliteStore(MemoryStore):
    durable = True

    def __init__(self, path: str | Path, sync: str = "normal", **kwargs: Any) -> None:
        self.path = Path(path)
        self._ready = False
        self._db = open_database(path, sync)
        self._reset_dirty()
        self._changes = 0  # changes made (a counter)
        self._written = 0  # changes committed
        self._scheduled: asyncio.Handle | None = None
        self._waiter: asyncio.Future[None] | None = None
        super().__init__(**kwargs)
        self._ready = True

    def _reset_dirty(self) -> None:
        self._d_msgs: dict[str, Message] = {}
        self._x_msgs: set[str] = set()
        self._d_mo: dict[str, MoRecord] = {}
        self._x_mo: set[str] = set()
        self._d_pull: list[tuple[int, str, str, str, str, float | None]] = []
        self._x_pull: list[int] = []
        self._d_att: dict[str, CallbackAttempt] = {}
        self._x_att: set[str] = set()
        self._d_req: dict[str, RequestLog] = {}
        self._x_req: set[str] = set()
        self._d_timers: dict[int, Timer] = {}
        self._x_timers: set[int] = set()
        self._d_accounts: dict[tuple[str, str], Account] = {}
        self._d_coll: dict[str, set[Any]] = {}
        self._d_meta: dict[str, str] = {}
        self._wipe = False

    # -- marking changes -------------------------------------------------------------------------------
    def _kick(self) -> None:
        self._changes += 1
        if self._scheduled is None and self._ready:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # no loop: written by the next commit()/flush()/close()
            self._scheduled = loop.call_soon(self._flush_soon)

    def _count(self, name: str, spread: int = 0) -> int:
        n = super()._count(name, spread)
        self._kick()  # the counters are written with the next commit
        return n

    def save_message(self, msg: Message) -> None:
        self._d_msgs[msg.sim_id] = msg
        self._kick()

    def add_message(self, msg: Message) -> None:
        super().add_message(msg)
        self.save_message(msg)

    def _messages_evicted(self, sim_ids: list[str]) -> None:
        for sid in sim_ids:
            self._d_msgs.pop(sid, None)
            self._x_msgs.add(sid)
        self._kick()

    def add_mo(self, mo: MoRecord) -> None:
        self._d_mo[mo.sim_id] = mo
        super().add_mo(mo)
        self._kick()

    def _mo_evicted(self, sim_ids: list[str]) -> None:
        for sid in sim_ids:
            self._d_mo.pop(sid, None)
            self._x_mo.add(sid)
        self._kick()

    def _pulled_in(self, key: tuple[str, str, str], entry: tuple[PullItem, float | None, int]) -> None:
        item, expires, eid = entry
        # a report or reply by reference; plain data (emay clicks) kept whole
        ref = item_ref(item) if isinstance(item, Report | MoRecord) else "v:" + dumps(encode(item))
        self._d_pull.append((eid, *key, ref, expires))
        self._kick()

    def _pulled_out(self, entry_ids: list[int]) -> None:
        self._x_pull += entry_ids
        self._kick()

    def add_attempt(self, attempt: CallbackAttempt) -> None:
        self._d_att[attempt.id] = attempt
        super().add_attempt(attempt)
        self._kick()

    def _drop_attempt(self, attempt_id: str) -> None:
        super()._drop_attempt(attempt_id)
        self._d_att.pop(attempt_id, None)
        self._x_att.add(attempt_id)
        self._kick()

    def add_request(self, log: RequestLog) -> None:
        self._d_req[log.id] = log
        super().add_request(log)
        self._kick()

    def _drop_request(self, request_id: str) -> None:
        super()._drop_request(request_id)
        self._d_req.pop(request_id, None)
        self._x_req.add(request_id)
        self._kick()

    def save_account(self, account: Account) -> None:
        self._d_accounts[account.key] = account
        self._kick()

    def save_scenario(self, scenario: Any) -> None:
        self._d_meta["scenario"] = dumps(scenario.model_dump(mode="json"))
        self._kick()

    def _new_collection(self, name: str) -> dict[str, Any]:
        dirty = self._d_coll.setdefault(name, set())

        def mark(key: Any) -> None:
            self._d_coll.setdefault(name, dirty).add(key)
            self._kick()

        return TrackedDict(mark)

    # the clock's journal
    def timer_added(self, timer: Timer) -> None:
        self._d_timers[timer.seq] = timer
        self._kick()

    def timer_removed(self, timer: Timer) -> None:
        if self._d_timers.pop(timer.seq, None) is None:
            self._x_timers.add(timer.seq)
        self._kick()

    def clock_changed(self, clock: Clock) -> None:
        self._d_meta["clock"] = dumps(clock.state())
        self._kick()

    def clear(self) -> None:
        super().clear()
        if self._ready:
            self._reset_dirty()
            self._wipe = True
            self._kick()

    # -- writing ---------------------------------------------------------------------------------------
    def _flush_soon(self) -> None:
        self._scheduled = None
        waiter, self._waiter = self._waiter, None
        try:
            self.flush()
        except Exception as e:
            if waiter is not None and not waiter.done():
                waiter.set_exception(e)
            raise
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def commit(self) -> None:
        if self._written == self._changes:
            return
        loop = asyncio.get_running_loop()
        if self._waiter is None:
            self._waiter = loop.create_future()
        if self._scheduled is None:
            self._scheduled = loop.call_soon(self._flush_soon)
        await asyncio.shield(self._waiter)

    def flush(self) -> None:
        """Write every change made so far in one transaction."""
        if self._written == self._changes:
            return
        target = self._changes
        db = self._db
        db.execute("BEGIN")
        try:
            if self._wipe:
                for t in TABLES:
                    if t != "meta":
                        db.execute(f"DELETE FROM {t}")
            self._write(db)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._reset_dirty()
        self._written = target

    def _write(self, db: sqlite3.Connection) -> None:
        if self._x_msgs:
            db.executemany("DELETE FROM messages WHERE sim_id=?", [(s,) for s in self._x_msgs])
        if self._d_msgs:
            db.executemany(
                "INSERT OR REPLACE INTO messages VALUES (?,?,?)",
                [(m.sim_id, m.seq, _message_json(m)) for m in self._d_msgs.values()],
            )
        if self._x_mo:
            db.executemany("DELETE FROM mo WHERE sim_id=?", [(s,) for s in self._x_mo])
        if self._d_mo:
            db.executemany(
                "INSERT OR REPLACE INTO mo VALUES (?,?,?)",
                [(m.sim_id, m.seq, _record_json(m)) for m in self._d_mo.values()],
            )
        if self._d_pull:
            db.executemany("INSERT OR REPLACE INTO pull VALUES (?,?,?,?,?,?)", self._d_pull)
        if self._x_pull:
            db.executemany("DELETE FROM pull WHERE eid=?", [(e,) for e in self._x_pull])
        if self._x_att:
            db.executemany("DELETE FROM attempts WHERE id=?", [(a,) for a in self._x_att])
        if self._d_att:
            db.executemany(
                "INSERT OR REPLACE INTO attempts VALUES (?,?,?)",
                [(a.id, a.seq, _record_json(a)) for a in self._d_att.values()],
            )
        if self._x_req:
            db.executemany("DELETE FROM requests WHERE id=?", [(r,) for r in self._x_req])
        if self._d_req:
            db.executemany(
                "INSERT OR REPLACE INTO requests VALUES (?,?,?,?,?)",
                [_request_row(r) for r in self._d_req.values()],
            )
        if self._x_timers:
            db.executemany("DELETE FROM timers WHERE seq=?", [(t,) for t in self._x_timers])
        if self._d_timers:
            db.executemany(
                "INSERT OR REPLACE INTO timers VALUES (?,?,?,?)",
                [(t.seq, t.due, t.kind, dumps(encode(list(t.args)))) for t in self._d_timers.values()],
            )
        if self._d_accounts:
            db.executemany(
                "INSERT OR REPLACE INTO accounts VALUES (?,?,?)",
                [(a.vendor, a.id, dumps(a.public())) for a in self._d_accounts.values()],
            )
        for name, keys in self._d_coll.items():
            coll = self._collections.get(name, {})
            gone, kept = [], []
            for k in keys:
                if dict.__contains__(coll, k):
                    kept.append((name, dumps(encode(k)), dumps(encode(dict.__getitem__(coll, k)))))
                else:
                    gone.append((name, dumps(encode(k))))
            if gone:
                db.executemany("DELETE FROM collections WHERE name=? AND key=?", gone)
            if kept:
                db.executemany("INSERT OR REPLACE INTO collections VALUES (?,?,?)", kept)
        self._d_meta["counters"] = dumps(self._counters)
        self._d_meta["seq"] = dumps(self._peek_seq())
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?,?)", list(self._d_meta.items()))

    def _peek_seq(self) -> list[int]:
        seq = next(self._seq)
        pid = next(self._pull_ids)
        self._seq = _count_from(seq)
        self._pull_ids = _count_from(pid)
        return [seq, pid]

    def close(self) -> None:
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        try:
            self.flush()
        finally:
            self._db.close()

    # -- reading back ----------------------------------------------------------------------------------
    def load(
        self, build_account: Callable[[dict], Account], build_scenario: Callable[[Any], Any]
    ) -> Loaded | None:
        """Fill this store from the file; None when the file holds no simulator state yet."""
        db = self._db
        meta = {k: _loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
        if not meta:
            return None
        self._ready = False
        try:
            return self._load(db, meta, build_account, build_scenario)
        finally:
            self._ready = True

    def _load(
        self,
        db: sqlite3.Connection,
        meta: dict[str, Any],
        build_account: Callable[[dict], Account],
        build_scenario: Callable[[Any], Any],
    ) -> Loaded:
        self._counters = {str(k): int(v) for k, v in meta.get("counters", {}).items()}
        seq, pid = meta.get("seq", [1, 1])
        self._seq = _count_from(seq)
        self._pull_ids = _count_from(pid)
        for (data,) in db.execute("SELECT data FROM messages ORDER BY seq"):
            msg = _message_from_json(data)
            self._index(msg)
            self._last_sender[msg.vendor][msg.mobile] = msg.account
            if self.finished(msg):
                self._finished.append(msg)
        for (data,) in db.execute("SELECT data FROM mo ORDER BY seq"):
            mo = MoRecord(**_loads(data))
            self._mo[mo.sim_id] = mo
        for eid, vendor, account, stream, ref, expires in db.execute("SELECT * FROM pull ORDER BY eid"):
            item = decode(_loads(ref[2:])) if ref.startswith("v:") else self.resolve(ref)
            if item is not None:
                self._pull[(vendor, account, stream)].append((item, expires, eid))
        for (data,) in db.execute("SELECT data FROM attempts ORDER BY seq"):
            a = CallbackAttempt(**_loads(data))
            self._attempts[a.id] = a
        for data, req_body, resp_body in db.execute(
            "SELECT data, request_body, response_body FROM requests ORDER BY seq"
        ):
            r = RequestLog(**_loads(data), request_body=req_body or b"", response_body=resp_body or b"")
            self._requests[r.id] = r
            r.kept_bytes = r.size()
            self._request_bytes += r.kept_bytes
        for coll in self._collections.values():  # the file, not the config, says what exists
            dict.clear(coll)
        for name, key, value in db.execute("SELECT name, key, value FROM collections"):
            coll = self.collection(name)
            dict.__setitem__(coll, decode(_loads(key)), decode(_loads(value)))
        self._d_coll.clear()
        out = Loaded()
        for (data,) in db.execute("SELECT data FROM accounts"):
            out.accounts.append(build_account(_loads(data)))
        if "scenario" in meta:
            out.scenario = build_scenario(meta["scenario"])
        out.clock = meta.get("clock") or {}
        out.timers = [
            (seq, due, kind, tuple(decode(_loads(args))))
            for seq, due, kind, args in db.execute("SELECT seq, due, kind, args FROM timers")
        ]
        return out


def _count_from(n: int) -> Iterator[int]:
    return itertools.count(n)


def _fast_json(value: Any) -> bytes:
    try:
        return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):  # an integer beyond 64 bits, a lone surrogate (header
        # bytes that are not UTF-8): escaped as ASCII, which _loads reads back
        return json.dumps(value, ensure_ascii=True, default=_json_default).encode()


def _loads(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:  # a row written by the ASCII fallback with \udcxx escapes
        return json.loads(data)


def _record_json(record: Any) -> bytes:
    return _fast_json(dataclasses.asdict(record))


def _message_json(m: Message) -> bytes:
    return _fast_json(
        [
            m.sim_id, m.id, m.vendor, m.account, m.mobile, m.content, m.segments, m.cost, m.status,
            m.created_at, m.scheduled_at, m.sent_at, m.done_at, m.outcome, m.code, m.batch, m.request_id,
            m.extra, [(t.at, t.status, t.note) for t in m.timeline], m.callbacks, m.seq,
            [(r.outcome, r.code, r.at, r.segment, r.data) for r in m.reports],
        ]
    )  # fmt: skip


def _message_from_json(data: bytes | str) -> Message:
    (
        sim_id, id_, vendor, account, mobile, content, segments, cost, status, created_at, scheduled_at,
        sent_at, done_at, outcome, code, batch, request_id, extra, timeline, callbacks, seq, reports,
    ) = _loads(data)  # fmt: skip
    msg = Message(
        sim_id, id_, vendor, account, mobile, content, segments, cost, status, created_at, scheduled_at,
        sent_at, done_at, outcome, code, batch, request_id, extra,
        [TimelineEntry(*t) for t in timeline], callbacks, seq,
    )  # fmt: skip
    msg.reports = [Report(msg, o, c, at, seg, d) for o, c, at, seg, d in reports]
    return msg


def _request_row(r: RequestLog) -> tuple[Any, ...]:
    data = {
        "id": r.id,
        "vendor": r.vendor,
        "method": r.method,
        "path": r.path,
        "at": r.at,
        "remote": r.remote,
        "query": r.query,
        "request_headers": dict(r.request_headers),
        "status": r.status,
        "latency_ms": r.latency_ms,
        "request_size": r.request_size,
        "response_size": r.response_size,
        "response_headers": dict(r.response_headers),
        "warnings": r.warnings,
        "diagnosis": r.diagnosis,
        "seq": r.seq,
    }
    body = r.request_body.encode() if isinstance(r.request_body, str) else bytes(r.request_body)
    answer = r.response_body.encode() if isinstance(r.response_body, str) else bytes(r.response_body)
    return (r.id, r.seq, _fast_json(data), body, answer)
