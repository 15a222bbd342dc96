"""One pipelined connection to Redis for the event loop: commands go out at once, their replies come
back through the loop's reader and are handed to a callback, so the loop serves other requests while
Redis works.  Replies arrive in the order commands were sent (one connection), which is what keeps a
timer claim behind the write of that timer.  Code that must have an answer now (a synchronous caller)
calls :meth:`RawConnection.call`, which sends and then reads the socket itself until every reply
outstanding has come.

Replies are hiredis's: bytes, ints, lists, ``None``; an error reply is a ``hiredis.ReplyError`` value,
not an exception.  When Redis is out of reach, every command waiting gets a ``redis.ConnectionError``
(or ``redis.TimeoutError``); the next send connects again, but not sooner than ``RECONNECT_PAUSE`` after
a connection that failed (meanwhile sends fail at once: a loop trying to connect at every request would
spin, and a black-holed host would block it for the connect timeout each time).
"""

from __future__ import annotations

import asyncio
import logging
import select
import socket
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import hiredis
import redis

Reply = Any
Done = Callable[[list[Reply] | BaseException], None]


log = logging.getLogger(__name__)
RECONNECT_PAUSE = 0.5  # seconds between attempts to connect while Redis is out of reach
CONNECT_TIMEOUT = 2.0  # at most this for a connection to be made (it blocks the loop meanwhile)


class RawConnection:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        kw = redis.ConnectionPool.from_url(url).connection_kwargs
        self._where = kw
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._reader = hiredis.Reader()
        self._pending: deque[tuple[int, list[Reply], Done, float]] = deque()  # (replies, got, done, sent at)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watch: asyncio.TimerHandle | None = None  # the check for replies overdue (see _watchdog)
        self._down: tuple[float, str] | None = None  # (no attempt before, why) after a failed connect
        self._connected = False  # a connection was made before (the next one is a reconnection)
        # called once connected again; it may send (not wait: Redis may accept and still not answer)
        self.on_reconnect: Callable[[], None] | None = None

    # -- connecting ----------------------------------------------------------------------------------------
    def _connect(self) -> socket.socket:
        kw = self._where
        if self._down is not None and time.monotonic() < self._down[0]:
            raise redis.ConnectionError(self._down[1])
        try:
            if kw.get("path"):
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(min(self.timeout, CONNECT_TIMEOUT))
                try:
                    sock.connect(kw["path"])
                except OSError:
                    sock.close()
                    raise
            else:
                address = (kw.get("host", "localhost"), kw.get("port", 6379))
                sock = socket.create_connection(address, min(self.timeout, CONNECT_TIMEOUT))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as e:
            where = kw.get("path") or f"{kw.get('host', 'localhost')}:{kw.get('port', 6379)}"
            why = f"cannot connect to Redis at {where}: {e}"
            self._down = (time.monotonic() + RECONNECT_PAUSE, why)
            raise redis.ConnectionError(why) from None
        self._down = None
        sock.setblocking(False)
        self._sock = sock
        self._reader = hiredis.Reader()
        hello: list[tuple[Any, ...]] = []
        if kw.get("password"):
            hello.append(
                ("AUTH", kw["username"], kw["password"]) if kw.get("username") else ("AUTH", kw["password"])
            )
        if kw.get("db"):
            hello.append(("SELECT", kw["db"]))
        if self._loop is not None:
            self._loop.add_reader(sock.fileno(), self._readable)
        if hello:  # blocking, as briefly as a connect: a stalled Redis must not hold the loop long
            try:
                replies = self.call(hello, CONNECT_TIMEOUT)
            except redis.RedisError as e:
                self._down = (time.monotonic() + RECONNECT_PAUSE, f"Redis did not take the connection: {e}")
                raise
            for reply in replies:
                if isinstance(reply, hiredis.ReplyError):
                    raise redis.ConnectionError(f"Redis refused the connection: {reply}")
        again, self._connected = self._connected, True
        if again and self.on_reconnect is not None:  # its commands go first on the new connection
            self.on_reconnect()
        return sock

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read replies through ``loop`` (until then, and after detach, only :meth:`call` reads)."""
        self._loop = loop
        if self._sock is not None:
            loop.add_reader(self._sock.fileno(), self._readable)

    def detach(self) -> None:
        if self._loop is not None and self._sock is not None:
            self._loop.remove_reader(self._sock.fileno())
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        self._loop = None

    def close(self) -> None:
        self.detach()
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._fail(redis.ConnectionError("connection closed"))

    # -- sending -------------------------------------------------------------------------------------------
    def send(self, commands: list[tuple[Any, ...]], done: Done) -> None:
        """Send ``commands``; ``done`` gets their replies (or the exception that lost them)."""
        if not commands:  # no reply would ever come for it
            done([])
            return
        data = b"".join(hiredis.pack_command(c) for c in commands)
        try:
            sock = self._sock or self._connect()
        except (OSError, redis.RedisError) as e:  # not connected: nothing of this was sent
            self._lost(e)
            done(_connection_error(e))
            return
        try:
            self._pending.append((len(commands), [], done, time.monotonic()))
            if self._watch is None and self._loop is not None:
                self._watch = self._loop.call_later(min(1.0, self.timeout / 2), self._watchdog)
            view = memoryview(data)
            while view:
                try:
                    n = sock.send(view)
                except BlockingIOError:
                    if not select.select([], [sock], [], self.timeout)[1]:
                        raise TimeoutError("Redis did not take the request in time") from None
                    continue
                view = view[n:]
        except (OSError, redis.RedisError) as e:
            self._lost(e)

    def call(self, commands: list[tuple[Any, ...]], timeout: float | None = None) -> list[Reply]:
        """Send ``commands`` and wait (blocking) for their replies, and for every reply before them."""
        box: list[list[Reply] | BaseException] = []
        self.send(commands, box.append)
        self.drain(timeout)
        result = box[0] if box else redis.ConnectionError("no reply")
        if isinstance(result, BaseException):
            raise result
        return result

    def drain(self, timeout: float | None = None) -> None:
        """Read (blocking) until every command sent has its reply, each read within ``timeout``
        (default: the connection's)."""
        while self._pending:
            if self._deliver():  # replies read already (by a read this drain runs inside of)
                continue
            sock = self._sock
            if sock is None:
                return
            if not select.select([sock], [], [], self.timeout if timeout is None else timeout)[0]:
                self._lost(TimeoutError("Redis did not answer in time"))
                return
            self._readable()

    # -- receiving -----------------------------------------------------------------------------------------
    def _readable(self) -> None:
        sock = self._sock
        if sock is None:
            return
        try:
            data = sock.recv(1 << 20)
        except BlockingIOError:
            return
        except OSError as e:
            self._lost(e)
            return
        if not data:
            self._lost(redis.ConnectionError("Redis closed the connection"))
            return
        self._reader.feed(data)
        self._deliver()

    def _deliver(self) -> bool:
        """Hand the replies read so far to what waits for them; whether there was any.  A callback may
        itself wait for a reply (:meth:`call`): its :meth:`drain` must take the replies this read already
        holds before it waits on the socket, or it waits for data that came long ago."""
        took = False
        while self._pending:
            reply = self._reader.gets()
            if reply is False:
                break
            took = True
            want, got, done, _ = self._pending[0]
            got.append(reply)
            if len(got) == want:
                self._pending.popleft()
                try:
                    done(got)
                except Exception:  # the replies after it still go to theirs
                    log.exception("handling a Redis reply")
        return took

    def _watchdog(self) -> None:
        """Redis stopped answering without closing the connection (a stopped process, a network cut
        with no reset: the kernel would wait many minutes): after ``timeout`` the connection is taken
        as lost, so what waits gets an error instead of waiting for ever."""
        self._watch = None
        if not self._pending or self._loop is None:
            return
        if time.monotonic() - self._pending[0][3] > self.timeout:
            self._lost(TimeoutError(f"Redis did not answer in {self.timeout:g} s"))
            return
        self._watch = self._loop.call_later(min(1.0, self.timeout / 2), self._watchdog)

    def _lost(self, error: BaseException) -> None:
        """The connection broke: every command waiting fails; the next send connects again."""
        error = _connection_error(error)
        if self._sock is not None:
            if self._loop is not None:
                self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None
        self._fail(error)

    def _fail(self, error: BaseException) -> None:
        pending, self._pending = self._pending, deque()
        for _, _, done, _ in pending:
            done(error)


def _connection_error(error: BaseException) -> BaseException:
    """What a lost connection hands to those waiting: a redis-py connection or timeout error, which the
    store tells apart from a refusal (the request is answered as the vendor's system error)."""
    if isinstance(error, redis.RedisError):
        return error
    if isinstance(error, TimeoutError):
        return redis.TimeoutError(str(error))
    return redis.ConnectionError(f"lost the connection to Redis: {error}")


class Commands:
    """Collects commands with the names of redis-py's client methods the store uses (so one writer
    serves both), for :meth:`RawConnection.send`."""

    def __init__(self) -> None:
        self.list: list[tuple[Any, ...]] = []

    def hset(
        self, key: Any, field: Any = None, value: Any = None, mapping: dict[Any, Any] | None = None
    ) -> None:
        args: list[Any] = [] if field is None else [field, value]
        for k, v in (mapping or {}).items():
            args += (k, v)
        self.list.append(("HSET", key, *args))

    def hdel(self, key: Any, *fields: Any) -> None:
        self.list.append(("HDEL", key, *fields))

    def zadd(self, key: Any, mapping: dict[Any, float]) -> None:
        args: list[Any] = []
        for member, score in mapping.items():
            args += (repr(float(score)), member)
        self.list.append(("ZADD", key, *args))

    def zrem(self, key: Any, *members: Any) -> None:
        self.list.append(("ZREM", key, *members))

    def rpush(self, key: Any, *values: Any) -> None:
        self.list.append(("RPUSH", key, *values))

    def sadd(self, key: Any, *members: Any) -> None:
        self.list.append(("SADD", key, *members))

    def incr(self, key: Any) -> None:
        self.list.append(("INCR", key))

    def xadd(
        self, key: Any, fields: dict[Any, Any], maxlen: int | None = None, approximate: bool = True
    ) -> None:
        trim: tuple[Any, ...] = ("MAXLEN", "~" if approximate else "=", maxlen) if maxlen else ()
        args: list[Any] = []
        for k, v in fields.items():
            args += (k, v)
        self.list.append(("XADD", key, *trim, "*", *args))

    def xread(self, streams: dict[Any, Any], count: int | None = None) -> None:
        head: tuple[Any, ...] = ("COUNT", count) if count else ()
        self.list.append(("XREAD", *head, "STREAMS", *streams.keys(), *streams.values()))

    def eval(self, script: str, numkeys: int, *keys_and_args: Any) -> None:
        self.list.append(("EVAL", script, numkeys, *keys_and_args))


def stream_entries(reply: Any) -> list[tuple[bytes, dict[bytes, bytes]]]:
    """XREAD's raw reply for one stream as (id, fields) pairs, the shape redis-py gives."""
    if not reply:
        return []
    out = []
    for entry_id, flat in reply[0][1]:
        out.append((entry_id, dict(zip(flat[::2], flat[1::2], strict=True))))
    return out
