"""The memory store written through to SQLite (``--db PATH``), so a restart finds everything again.

Reads are served from memory, exactly as :class:`~simulator.core.store.MemoryStore` does; every change
marks its record dirty, and one transaction per event-loop turn writes all dirty records (group
commit).  ``await store.commit()`` returns once the changes made so far are in that transaction and it
has committed: the app awaits it before answering any request, so a success answer is never sent for
something a crash could lose.

The file is SQLite in WAL mode.  ``synchronous=NORMAL`` (the default, ``store.sync: normal``) survives
the process being killed at any point; a power loss or OS crash may lose the last transactions before a
checkpoint.  ``store.sync: full`` fsyncs every commit and survives that too, at some cost in speed.

The change marking and the record forms are shared with the Redis store (:mod:`.durable`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .accounts import Account
from .durable import (
    DatabaseError,
    DurableStore,
    Loaded,
    _count_from,
    _loads,
    _message_from_json,
    _message_json,
    _record_json,
    _request_row,
    decode,
    dumps,
    encode,
)
from .models import CallbackAttempt, MoRecord, RequestLog

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


class SqliteStore(DurableStore):
    def __init__(self, path: str | Path, sync: str = "normal", **kwargs: Any) -> None:
        self.path = Path(path)
        self._db = open_database(path, sync)
        super().__init__(**kwargs)

    # -- writing ---------------------------------------------------------------------------------------
    def _write_changes(self) -> None:
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
