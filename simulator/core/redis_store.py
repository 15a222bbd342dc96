"""The memory store shared through Redis (``--redis URL``): several processes, on one host or several,
behave as one simulator.

Each process keeps the memory store's indexes (reads never wait for Redis).  Everything the requests of
one event-loop turn need from Redis goes in one MULTI transaction at the end of the turn (:meth:`_turn_end`):
the catch-up read of the requests that start (``await store.sync()``), their charges and replay claims,
the clock's timer claims, and the writes of every change made, ending with a note of what changed on a
stream.  It is sent on one pipelined connection (:mod:`.redis_conn`); the loop serves other requests
until the answer comes and resolves what waited for it.  Every process follows the stream and reads the
records it names, so a message sent through one process is found through any other.

What must be exact across processes is decided in Redis itself, by Lua scripts:
- balances: check-and-charge (``charge``), refunds and admin changes as increments or sets, each with a
  version so a process never takes an older balance over a newer one;
- pull queues: Redis lists, each entry popped by one process only (``take``);
- replay caches (huawei nonces, emay request hashes): ``claim_once``;
- timers: kept in a sorted set; a due timer is fired by the process whose ZREM removed it (``claim``);
- sequences (vendor ids): blocks of numbers taken with HINCRBY; record seqs (paging cursors) from the
  time in milliseconds and the process number, so they are unique and roughly in time order.

Redis's own persistence (AOF) makes it durable; a process started later loads everything from it.
Rarer calls are synchronous (redis-py with hiredis): reading a pull queue, claiming timers when the
clock is advanced through the admin API, taking a block of vendor ids, loading at start.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import logging
import os
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import hiredis
import orjson
import redis

from . import billing, quotas
from .accounts import Account
from .clock import Timer
from .durable import (
    DatabaseError,
    DurableStore,
    Loaded,
    _fast_json,
    _loads,
    _message_from_json,
    _message_json,
    _record_json,
    _request_row,
    decode,
    dumps,
    encode,
)
from .errors import SimError
from .models import CallbackAttempt, Message, MoRecord, RequestLog
from .ratelog import RateLimitedLog
from .redis_conn import CONNECT_TIMEOUT, Commands, RawConnection, stream_entries

# transactions under way at a time; what comes meanwhile goes in the next (sent when one is answered), so a
# busy process sends fewer, bigger ones.  One left the loop idle a fifth of the time waiting for Redis's
# answer (a single worker: 0.81 of a core); two gave one worker 4-16% more requests a second (emay, huawei)
TURNS_OUT = 2
log = logging.getLogger("simulator.redis")

EPOCH_MS = 1_700_000_000_000  # record seqs count milliseconds from here (2023-11): they stay below 2**53
BLOCK = 1000  # numbers a process takes of a vendor sequence at a time
SCHEMA_VERSION = 1
STREAM_MAX = 200_000  # changes kept in the stream (a process further behind than this must restart)
EXACT_MIRROR = 4096  # entries: a queue copy this short drops a taken entry wherever it is (see below)
FOLLOW_IDLE = 0.05  # seconds: the follower thread reads the stream only when no request did lately

# -- Lua: everything that must be exact across processes ---------------------------------------------------
CHARGE = """
local b = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[5] == '1' then
  b = ARGV[4]
  redis.call('HSET', KEYS[1], ARGV[1], b)
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
elseif not b then
  b = ARGV[4]
  redis.call('HSET', KEYS[1], ARGV[1], b)
end
b = tonumber(b)
local v = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if ARGV[3] == '0' and b < tonumber(ARGV[2]) then return {0, b, v} end
local nb = redis.call('HINCRBY', KEYS[1], ARGV[1], -tonumber(ARGV[2]))
return {1, nb, redis.call('HINCRBY', KEYS[2], ARGV[1], 1)}
"""
BALANCE = """
if ARGV[2] == 'add' then
  if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
  end
  redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[3])
elseif ARGV[2] == 'set' then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
elseif redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[3]) == 0 then
  local v = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
  return {tonumber(redis.call('HGET', KEYS[1], ARGV[1])), v}
end
return {tonumber(redis.call('HGET', KEYS[1], ARGV[1])), redis.call('HINCRBY', KEYS[2], ARGV[1], 1)}
"""
TAKE = """
local out = {}
local n = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local live = 0
while live < n do
  local e = redis.call('LPOP', KEYS[1])
  if not e then break end
  local exp = string.match(e, '^[^|]*|([^|]*)|')
  if exp == '' or tonumber(exp) > now then
    live = live + 1
    table.insert(out, e)
  else
    table.insert(out, '-' .. e)
  end
end
return out
"""
PURGE = """
-- the entries at the front of pull queue KEYS[1] that are dead for every process: expired (ARGV[1] is the
-- time now), or naming a report (r:<message sim_id>/<segment>) or a reply (mo:<sim_id>) no longer in the
-- record hashes KEYS[2] / KEYS[3] (evicted by the process that wrote it); returns how many it dropped
local n = 0
while true do
  local e = redis.call('LINDEX', KEYS[1], 0)
  if not e then break end
  local exp, ref = string.match(e, '^[^|]*|([^|]*)|(.*)$')
  local dead = exp ~= '' and tonumber(exp) <= tonumber(ARGV[1])
  if not dead then
    local kind, id = string.match(ref, '^(%a+):(.*)$')
    if kind == 'r' then
      dead = redis.call('HEXISTS', KEYS[2], string.match(id, '^(.*)/[^/]*$') or id) == 0
    elseif kind == 'mo' then
      dead = redis.call('HEXISTS', KEYS[3], id) == 0
    end
  end
  if not dead then break end
  redis.call('LPOP', KEYS[1])
  n = n + 1
end
return n
"""
ONCE = """
local e = redis.call('GET', KEYS[1])
if e and tonumber(e) > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
"""
CLAIM = """
local out = {}
for _, s in ipairs(ARGV) do
  if redis.call('ZREM', KEYS[1], s) == 1 then table.insert(out, s) end
end
return out
"""
BLOCK_SCRIPT = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
"""
CAS = """
local v = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if v ~= ARGV[2] then return {0, v} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return {1, ARGV[3]}
"""
CATCH_UP_COUNT = 2000  # stream entries one catch-up reads at most
CATCH_UP = """
-- the stream KEYS[1]'s entries after ARGV[1] (at most ARGV[2]) and, in the same step, the records that the
-- entries of other processes (not ARGV[3]) name: ARGV[4..] are pairs (name in a note, hash it names
-- records of); with accounts, their balances and versions from KEYS[2] and KEYS[3].  The reader's own
-- entries come back as their ids alone
local got = redis.call('XREAD', 'COUNT', ARGV[2], 'STREAMS', KEYS[1], ARGV[1])
if not got then return {{}, {}} end
local entries = got[1][2]
local hashes = {}
for i = 4, #ARGV, 2 do hashes[ARGV[i]] = ARGV[i + 1] end
local want, order, slim = {}, {}, {}
for _, e in ipairs(entries) do
  local f = e[2]
  local mine = false
  for j = 1, #f, 2 do
    if f[j] == 'o' and f[j + 1] == ARGV[3] then mine = true end
  end
  if mine then  -- the reader's own entries: their ids only (it knows what it wrote)
    table.insert(slim, {e[1], {'o', ARGV[3]}})
  else
    table.insert(slim, e)
    for j = 1, #f, 2 do
      if f[j] == 'wipe' then want, order = {}, {} end
    end
    for j = 1, #f, 2 do
      if hashes[f[j]] then
        local list = want[f[j]]
        if not list then
          list = {seen = {}}
          want[f[j]] = list
          table.insert(order, f[j])
        end
        for _, id in ipairs(cjson.decode(f[j + 1])) do
          if type(id) == 'number' then id = string.format('%d', id) end
          if not list.seen[id] then
            list.seen[id] = true
            table.insert(list, id)
          end
        end
      end
    end
  end
end
local out = {}
for _, name in ipairs(order) do
  local ids = want[name]
  table.insert(out, {name, ids, redis.call('HMGET', hashes[name], unpack(ids))})
  if name == 'ac' then  -- with the accounts, their balances and the balances' versions
    table.insert(out, {'bal', ids, redis.call('HMGET', KEYS[2], unpack(ids))})
    table.insert(out, {'balv', ids, redis.call('HMGET', KEYS[3], unpack(ids))})
  end
end
return {slim, out}
"""
WIPE = """
for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('DEL', k) end
for i = 2, #KEYS do redis.call('DEL', KEYS[i]) end
return 1
"""


class Script:
    """A Lua script sent with EVAL (Redis caches it compiled): unlike redis-py's registered scripts, a
    pipeline holding one needs no SCRIPT EXISTS round trip first, and a restarted Redis needs no reload."""

    def __init__(self, client: redis.Redis, text: str) -> None:
        self.client = client
        self.text = text

    def __call__(self, keys: list[Any], args: list[Any], client: Any = None) -> Any:
        return (client or self.client).eval(self.text, len(keys), *keys, *args)


@dataclass
class _Turn:
    """A transaction sent and what to do with its replies."""

    target: int | None  # the change count it writes up to; None: it writes nothing
    saved: dict[str, Any] | None  # the changes it carries (put back if it fails)
    bal_keys: list[tuple[str, Account | None]]
    noted: bool  # it ends its writes with a note on the stream
    calls: list[tuple[Any, list[Any], list[Any], Any]]
    want_sync: bool
    waiter: Any
    done: Any
    errors: list[BaseException] | None


class UniqueSeq:
    """Record seqs unique across processes: (milliseconds since EPOCH_MS, process tag, 0..63), each
    process's own increasing, all of them roughly in time order (paging cursors)."""

    def __init__(self, tag: int) -> None:
        self.tag = tag % 64
        self.ms = 0
        self.sub = 0

    def __iter__(self) -> Iterator[int]:
        return self

    def __next__(self) -> int:
        ms = int(time.time() * 1000) - EPOCH_MS
        if ms > self.ms:
            self.ms, self.sub = ms, 0
        else:
            self.sub += 1
            if self.sub == 64:
                self.ms, self.sub = self.ms + 1, 0
        return (self.ms * 64 + self.tag) * 64 + self.sub


def _stream_id(sid: bytes | str) -> tuple[int, int]:
    a, _, b = (sid.decode() if isinstance(sid, bytes) else sid).partition("-")
    return int(a), int(b or 0)


class RedisStore(DurableStore):
    shared = True

    def __init__(self, url: str, prefix: str = "sms-simulator", **kwargs: Any) -> None:
        self.url = url
        self.prefix = prefix
        self._say = RateLimitedLog(log)
        try:
            self._r = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=CONNECT_TIMEOUT)
            self._r.ping()
        except (redis.RedisError, ValueError) as e:
            raise DatabaseError(f"cannot use Redis at {url}: {e}") from None
        p = prefix + ":"
        self.k_msg, self.k_mo, self.k_att = p + "msg", p + "mo", p + "att"
        self.k_req, self.k_reqb, self.k_respb = p + "req", p + "reqb", p + "respb"
        self.k_timers, self.k_due = p + "timers", p + "due"
        self.k_acct, self.k_bal, self.k_balv = p + "acct", p + "bal", p + "balv"
        self.k_coll, self.k_meta, self.k_ctr = p + "coll", p + "meta", p + "ctr"
        self.k_pullkeys, self.k_log, self.k_epoch = p + "pullkeys", p + "log", p + "epoch"
        self.k_life = p + "life"  # a token set once per Redis lifetime of the state (see _came_back)
        self._data_keys = [
            self.k_msg, self.k_mo, self.k_att, self.k_req, self.k_reqb, self.k_respb, self.k_timers,
            self.k_due, self.k_acct, self.k_bal, self.k_balv, self.k_coll, self.k_meta,
        ]  # fmt: skip
        r = self._r
        self._charge, self._balance, self._take = Script(r, CHARGE), Script(r, BALANCE), Script(r, TAKE)
        self._once, self._claim, self._block = Script(r, ONCE), Script(r, CLAIM), Script(r, BLOCK_SCRIPT)
        self._wipe_script, self._cas, self._purge = Script(r, WIPE), Script(r, CAS), Script(r, PURGE)
        self._catch_up = Script(r, CATCH_UP)
        self._catch_up_keys = [self.k_log, self.k_bal, self.k_balv]
        hashes = {  # a name in a stream note → the hash holding the records it names
            "m": self.k_msg,
            "mo": self.k_mo,
            "a": self.k_att,
            "t": self.k_timers,
            "ac": self.k_acct,
            "c": self.k_coll,
            "meta": self.k_meta,
        }
        self._catch_up_hashes = [x for name, key in hashes.items() for x in (name, key)]
        self.worker = int(r.incr(p + "workers"))  # this process's number among all that ever shared it
        self._epoch = int(r.get(self.k_epoch) or 0)  # resets so far: replay claims are per epoch
        self._blocks: dict[str, list[int]] = {}
        self._acct_rows: dict[str, str] = {}  # account → its row as last written or read, balance aside
        self._acct_raw: dict[str, bytes] = {}  # account → its row's bytes in Redis as last written or read
        self._bal_mine: dict[str, int] = {}  # account → the balance this store last put in the account
        self._bal_known: dict[str, tuple[int, int]] = {}  # account → (balance, version) Redis told us
        self._last_id = "0-0"  # the last stream entry applied here
        self._apply_lock = threading.Lock()  # the tailer thread and the loop both apply
        self.remote: Any = None  # the Sim: takes accounts, scenario, clock, timers and resets from others
        self._tailer: threading.Thread | None = None
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsorted = False
        self._caught_at = 0.0  # monotonic time of the last catch_up
        self._calls: list[tuple[Any, list[Any], list[Any], Any]] = []  # this turn's scripts and their futures
        self._want_sync = False  # a request of this turn waits for a catch-up
        self._batch_done: asyncio.Future[None] | None = None
        self._turn: asyncio.Handle | None = None  # this turn's round trip, scheduled
        self._sent = 0  # changes sent to Redis (written once their transaction is answered)
        self._conn = RawConnection(url)  # the loop's pipelined connection (self._r: synchronous calls)
        self._conn.on_reconnect = self._came_back
        self.warnings: tuple[str, ...] = ()
        self._life = self._conn.call(self._life_commands())[-1]
        self._applying = False  # applying another process's changes (they are not written again)
        self._stale_requests: list[str] = []  # request-log entries other processes wrote, not read yet
        self._claiming: dict[int, asyncio.Future[Any]] = {}  # timer seq → the real-time path's claim of it
        # pull queues whose front entries this process dropped (evicted records): their Redis lists are
        # purged with the next turn (not a marked change: it holds while another's changes are applied)
        self._purge_due: set[tuple[str, str, str]] = set()
        self._turns_out = 0  # turns sent and not answered yet
        self._held = False  # a turn is due once the one under way is answered
        super().__init__(**kwargs)
        self._seq = UniqueSeq(self.worker)

    # -- keys --------------------------------------------------------------------------------------------
    @staticmethod
    def _acct_key(account: Account) -> str:
        return f"{account.vendor}\0{account.id}"

    def _pull_key(self, vendor: str, account: str, stream: str) -> str:
        return f"{self.prefix}:pull:{vendor}\0{account}\0{stream}"

    def _once_key(self, name: str, key: str) -> bytes:
        # a reset starts a new epoch; a key may hold header bytes that are not UTF-8 (lone surrogates)
        return f"{self.prefix}:once:{self._epoch}:{name}:{key}".encode("utf-8", "surrogatepass")

    def clear(self) -> None:
        super().clear()
        self._pull_ids = UniqueSeq(getattr(self, "worker", 0))
        if not self._ready:
            return
        self._wipe = False  # wiped now, not with the next batch: the counters start again at once
        if self.seeded:
            self._blocks.clear()
        self._bal_known.clear()
        self._bal_mine.clear()
        self._acct_rows.clear()
        self._acct_raw.clear()
        if self._applying:  # another process's reset: it wiped Redis already
            return
        self.flush()  # what this process sent before the reset is answered first
        counters = [self.k_ctr] if self.seeded else []  # unseeded: numbers never repeat across resets
        cmds = Commands()
        cmds.list.append(("MULTI",))
        self._wipe_script([self.k_pullkeys, *self._data_keys, *counters, self.k_pullkeys], [], client=cmds)
        cmds.incr(self.k_epoch)  # replay claims of before the reset are forgotten (they expire on their own)
        cmds.xadd(self.k_log, {"o": self.worker, "wipe": 1}, maxlen=STREAM_MAX, approximate=True)
        cmds.list.append(("EXEC",))
        self._epoch = int(self._conn.call(cmds.list)[-1][-2])

    def _reset_dirty(self) -> None:
        super()._reset_dirty()
        self._d_bal: dict[str, int] = {}  # account → refunds to add
        self._d_noted: list[str] = []  # collection fields written by a compare-and-set: only noted

    # -- sequences -----------------------------------------------------------------------------------------
    def _count(self, name: str, spread: int = 0) -> int:
        block = self._blocks.get(name)
        if block is None or block[0] >= block[1]:
            start = random.randrange(spread) if spread and not self.seeded else 0
            end = int(self._block(keys=[self.k_ctr], args=[name, BLOCK, start]))
            block = self._blocks[name] = [end - BLOCK, end]
        block[0] += 1
        self._counters[name] = block[0]
        return block[0]

    # -- exact operations ----------------------------------------------------------------------------------
    async def charge(self, account: Account, units: int, allow_negative: bool | None = None) -> None:
        if units <= 0:
            return
        negative_ok = account.allow_negative if allow_negative is None else allow_negative
        key = self._acct_key(account)
        # set in this process and not yet sent (the admin API; a test's own hand): set, then charge
        was_set = int(self._set_here(account, key))
        args = [key, units, int(bool(negative_ok)), account.balance, was_set]
        self._bal_mine[key] = account.balance  # the set is on its way
        ok, balance, version = await self._batched(self._charge, [self.k_bal, self.k_balv], args)
        self._took_balance(account, key, int(balance), int(version))
        if not ok:
            raise SimError("insufficient_balance", balance=account.balance, needed=units)

    def _set_here(self, account: Account, key: str) -> bool:
        """Whether something besides this store changed the balance since the store last put it there
        (the admin API's PATCH, a test's own hand): such a balance is a set, sent to Redis next."""
        mine = self._bal_mine.get(key)
        return mine is not None and account.balance != mine

    def _took_balance(self, account: Account, key: str, balance: int, version: int) -> None:
        """Redis said the balance is ``balance`` at ``version``: never go back to an older one; a balance
        set here and not yet sent stays (it goes to Redis next)."""
        known = self._bal_known.get(key)
        if known is None or version >= known[1]:
            known = self._bal_known[key] = (balance + self._d_bal.get(key, 0), version)
        if not self._set_here(account, key):
            account.balance = self._bal_mine[key] = known[0]

    def refund(self, account: Account, units: int) -> None:
        if units <= 0:
            return
        key = self._acct_key(account)
        was_set = self._set_here(account, key)
        billing.refund(account, units)
        if not was_set:
            self._bal_mine[key] = account.balance
        self._d_bal[key] = self._d_bal.get(key, 0) + units
        known = self._bal_known.get(key)
        if known is not None:
            self._bal_known[key] = (known[0] + units, known[1])
        self._kick()

    async def claim_once(self, name: str, key: str, expires_at: float, now: float) -> bool:
        ttl = max(1000, int((expires_at - now) * 1000) + 60_000)
        return bool(
            await self._batched(self._once, [self._once_key(name, key)], [repr(expires_at), repr(now), ttl])
        )

    async def count_send(
        self, limits: dict[str, Any], vendor: str, account: str, mobile: str, content: str, now: float
    ) -> str | None:
        """:func:`quotas.check` on the record as Redis has it, written back only if nobody changed it
        meanwhile (compare-and-set; tried again on the newer record), so two processes counting the same
        number at once both count."""
        key = quotas.record_key(vendor, account, mobile)
        field = quotas.COLLECTION + "\0" + dumps(encode(key))
        have = b""  # what this process believes Redis holds ("": nothing); corrected by a refused set
        coll = self.collection(quotas.COLLECTION)
        if dict.__contains__(coll, key):
            have = dumps(encode(dict.__getitem__(coll, key))).encode()
        for _ in range(20):
            scratch = {key: decode(_loads(have))} if have else {}
            over = quotas.check(scratch, limits, vendor, account, mobile, content, now)
            if over is not None and have == b"":
                return over
            new = dumps(encode(scratch[key])).encode() if over is None else have
            ok, current = await self._batched(self._cas, [self.k_coll], [field, have, new])
            if ok:
                if over is None:  # counted: kept here too; this turn's note tells the others (written
                    # already: the note must not write it again over another process's newer count)
                    dict.__setitem__(coll, key, scratch[key])
                    self._d_noted.append(field)
                    self._kick()
                return over
            have = current
        raise SimError("system_error")  # twenty processes changed the same number's count meanwhile

    # -- one round trip per event-loop turn for all the requests of that turn ----------------------------
    # A turn's requests may wait for a catch-up (at their start), for a charge or a replay claim (in the
    # middle) and for their changes to be written (before their answer): all of it goes to Redis in one
    # MULTI transaction at the end of the turn; its answer resolves what waited for it.
    async def sync(self) -> None:
        """Catch up with the other processes before handling a request."""
        self._want_sync = True
        await self._batch_future()

    def _batched(self, script: Any, keys: list[Any], args: list[Any]) -> asyncio.Future[Any]:
        """Run a Lua script in this turn's transaction; the future gets its answer."""
        fut = asyncio.get_running_loop().create_future()
        self._calls.append((script, keys, args, fut))
        self._batch_future()
        return fut

    def _batch_future(self) -> asyncio.Future[None]:
        if self._batch_done is None:
            self._batch_done = asyncio.get_running_loop().create_future()
            self._soon()
        return self._batch_done

    def _kick(self) -> None:
        self._changes += 1
        self._soon()

    def _soon(self) -> None:
        if self._turn is None and self._ready:
            if self._turns_out >= TURNS_OUT:  # what comes meanwhile goes in the next (TURNS_OUT)
                self._held = True
                return
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # no loop: written by the next commit()/flush()/close()
            self._turn = loop.call_soon(self._turn_go)

    def _sent_turn(self, commands: list[tuple[Any, ...]], then: Callable[[Any], None]) -> None:
        """Send a turn's commands; ``then`` gets the replies, and a turn held meanwhile goes out."""

        def landed(replies: Any) -> None:
            try:
                then(replies)
            finally:
                self._turns_out -= 1
                if self._held and self._turns_out < TURNS_OUT:
                    self._held = False
                    self._soon()

        self._turns_out += 1
        self._conn.send(commands, landed)

    async def commit(self) -> None:
        if self._written == self._changes:
            return
        if self._waiter is None:
            self._waiter = asyncio.get_running_loop().create_future()
        self._soon()
        await asyncio.shield(self._waiter)

    def flush(self) -> None:
        """Send everything pending and wait for Redis's answer (take, claim and close need this
        process's writes in first)."""
        if self._turn is not None:
            self._turn.cancel()
        errors: list[BaseException] = []
        self._turn_end(errors)
        self._conn.drain()
        if errors:
            raise errors[0]

    def _turn_go(self) -> None:
        """The loop's turn ends: first the due timers no other process knows (a delivery due at once)
        fire, so what they change goes in this transaction and they are never written themselves."""
        self._fire_before_write()
        self._turn_end()

    def _turn_end(self, errors: list[BaseException] | None = None) -> None:
        """The end of a loop turn: send its transaction; the replies are handled by :meth:`_replied`
        when they come, the loop serving other requests meanwhile."""
        self._turn = None
        waiter, self._waiter = self._waiter, None
        done, self._batch_done = self._batch_done, None
        calls, self._calls = self._calls, []
        want_sync, self._want_sync = self._want_sync, False
        target = self._changes
        writing = self._sent != target
        if self._purge_due:  # after this turn's writes (the deletions of the records they name)
            purges, self._purge_due = self._purge_due, set()
            now = repr(self.remote.clock.now() if self.remote is not None else time.time())
            for key in purges:
                calls.append((self._purge, [self._pull_key(*key), self.k_msg, self.k_mo], [now], None))
        if not (calls or want_sync or writing):
            if waiter is None and done is None:
                return
            # only waiting for transactions under way: one PING answers after all of them
            self._sent_turn([("PING",)], lambda r: self._settle(r, waiter, done, errors))
            return
        cmds = Commands()
        cmds.list.append(("MULTI",))
        if want_sync:
            self._caught_at = time.monotonic()
            self._catch_up(keys=self._catch_up_keys, args=self._catch_up_args(), client=cmds)
        bal_keys: list[tuple[str, Account | None]] = []
        noted = False
        saved: dict[str, Any] | None = None
        if writing:
            note: dict[str, bytes] = {"o": str(self.worker).encode()}
            self._write_records(cmds, note)
            cmds.hset(self.k_meta, "schema", SCHEMA_VERSION)  # marks the prefix as a simulator's state
            bal_keys = self._write_balances(cmds)
            noted = len(note) > 1
            if noted:
                cmds.xadd(self.k_log, note, maxlen=STREAM_MAX, approximate=True)
            saved = self._dirty()
            self._reset_dirty()
            self._sent = target
        for script, keys, args, _ in calls:  # after the writes: a timer claim sees this process's own
            script(keys=keys, args=args, client=cmds)
        cmds.list.append(("EXEC",))
        turn = _Turn(
            target if writing else None, saved, bal_keys, noted, calls, want_sync, waiter, done, errors
        )
        self._sent_turn(cmds.list, lambda replies: self._replied(replies, turn))

    def _settle(self, replies: Any, waiter: Any, done: Any, errors: list[BaseException] | None) -> None:
        error = replies if isinstance(replies, BaseException) else None
        self._resolve([waiter, done], error, errors)

    @staticmethod
    def _resolve(futures: list[Any], error: BaseException | None, errors: list[BaseException] | None) -> None:
        if error is not None and errors is not None:
            errors.append(error)
        for fut in futures:
            if fut is None or fut.done():
                continue
            if error is None:
                fut.set_result(None)
            else:
                fut.set_exception(error)
                fut.exception()  # retrieved: whoever awaits it still gets it

    def _replied(self, replies: Any, t: _Turn) -> None:
        try:
            self._take_replies(replies, t)
        except Exception as e:  # whatever broke, nothing waits for this turn for ever
            log.exception("handling Redis's answer")
            for *_, fut in t.calls:
                self._resolve([fut], e, None)
            self._resolve([t.waiter, t.done], e, t.errors)

    def _take_replies(self, replies: Any, t: _Turn) -> None:
        error: BaseException | None = replies if isinstance(replies, BaseException) else None
        results: list[Any] = []
        if error is None:
            results = replies[-1]
            if not isinstance(results, list):  # EXECABORT (a command the server refused to queue)
                error = redis.ResponseError(str(results))
            elif t.target is not None:
                writes = results[int(t.want_sync) : len(results) - len(t.calls)]
                failed = next((r for r in writes if isinstance(r, hiredis.ReplyError)), None)
                if failed is not None:
                    error = redis.ResponseError(str(failed))
        if error is not None:
            if self.unavailable(error):  # at every turn while it lasts: a line a second at most
                self._say(logging.WARNING, "Redis is out of reach (requests get system errors): %s", error)
            else:
                log.error("Redis transaction failed: %s", error)
            if t.saved is not None:  # written with the next transaction
                self._merge_dirty(t.saved)
                self._sent = self._written
            for *_, fut in t.calls:
                self._resolve([fut], error, None)
            self._resolve([t.waiter, t.done], error, t.errors)
            return
        got = results.pop(0) if t.want_sync else None
        written, answers = results[: len(results) - len(t.calls)], results[len(results) - len(t.calls) :]
        if t.target is not None:
            self._written = max(self._written, t.target)
            # balances: the values after this transaction, with their versions
            start = len(written) - len(t.bal_keys) - t.noted
            for (key, account), res in zip(t.bal_keys, written[start:], strict=False):
                if account is not None:
                    self._took_balance(account, key, int(res[0]), int(res[1]))
        for (_, _, _, fut), answer in zip(t.calls, answers, strict=True):
            if fut is None:  # nothing waits for it (a purge)
                if isinstance(answer, hiredis.ReplyError):
                    log.error("Redis refused a pull-queue purge: %s", answer)
            elif isinstance(answer, hiredis.ReplyError):
                fut.set_exception(redis.ResponseError(str(answer)))
            else:
                fut.set_result(answer)
        try:
            if got and self._apply_read(got) == CATCH_UP_COUNT:
                self.catch_up()  # more than one read holds
        except Exception as e:
            log.exception("applying another process's changes")
            self._resolve([t.waiter, t.done], e, t.errors)
            return
        self._resolve([t.waiter, t.done], None, t.errors)

    def unavailable(self, exc: BaseException) -> bool:
        return isinstance(exc, redis.ConnectionError | redis.TimeoutError)

    def _life_commands(self) -> list[tuple[Any, ...]]:
        """Set the state's lifetime token unless it is there; read it."""
        token = f"{time.time():.6f}-{os.urandom(8).hex()}"
        return [("SET", self.k_life, token, "NX"), ("GET", self.k_life)]

    def _came_back(self) -> None:
        """Connected to Redis again.  A Redis restarted without persistence has lost the simulator's state
        (its lifetime token, which a reset leaves alone, is gone or another's).  Nothing can put the
        state back exactly (each process's copy would hand a waiting report out again): say so, in the
        log and in /_sim/health, rather than let reports due before go silently missing."""
        self._conn.send(self._life_commands(), self._life_read)

    def _life_read(self, replies: list[Any] | BaseException) -> None:
        if isinstance(replies, BaseException):
            return  # lost again: the next connection looks again
        life = replies[-1]
        if life != self._life:
            self._life = life
            at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())
            self.warnings = (
                f"Redis came back without the simulator's state at {at} (restarted without persistence?): "
                "records, pull queues and timers from before are only in each process's memory, and other "
                "processes no longer see them; restart the simulator, and run Redis with appendonly yes",
            )
            log.error(self.warnings[0])

    def _merge_dirty(self, saved: dict[str, Any]) -> None:
        """Put back the changes of a transaction that failed, under what changed since."""
        for name, old in saved.items():
            new = getattr(self, name)
            if name == "_d_bal":
                merged: Any = {k: old.get(k, 0) + new.get(k, 0) for k in {*old, *new}}
            elif name == "_d_coll":
                merged = {k: old.get(k, set()) | new.get(k, set()) for k in {*old, *new}}
            elif isinstance(old, dict):
                merged = {**old, **new}
            elif isinstance(old, set):
                merged = old | new
            else:
                merged = old + new
            setattr(self, name, merged)

    async def take(self, vendor: str, account: str, stream: str, limit: int, now: float) -> list[Any]:
        self.flush()  # this process's own puts are in Redis before it takes
        out: list[Any] = []
        while len(out) < limit:
            want = limit - len(out)
            raw = self._take(keys=[self._pull_key(vendor, account, stream)], args=[want, repr(now)])
            if not raw:
                break
            self.catch_up()  # the records the entries name, from whichever process made them
            gone: list[int] = []
            live = 0
            for e in raw:
                text = e.decode()
                expired = text.startswith("-")
                eid, _, rest = text.lstrip("-").partition("|")
                _, _, ref = rest.partition("|")
                gone.append(int(eid))
                if expired:
                    continue
                live += 1
                item = decode(_loads(ref[2:])) if ref.startswith("v:") else self.resolve(ref)
                if item is not None and self._live(item):
                    out.append(item)
            self._drop_pull_entries(vendor, account, stream, set(gone))
            self._x_pull += gone
            self._kick()
            if live < want:
                break
        return out

    def _purged(self, key: tuple[str, str, str]) -> None:
        """The records of entries at a queue's front were evicted: the shared list drops the entries
        that are dead for everyone, or it would grow for ever while nobody reads the queue (the records
        another process wrote go when that process evicts them: their entries wait for its purge)."""
        self._purge_due.add(key)
        self._soon()

    def _drop_pull_entries(self, vendor: str, account: str, stream: str, eids: set[int]) -> None:
        """Entries taken or dropped (here or by another process) leave this process's copy of a queue,
        which only counts what waits (the shared list is what is handed out).  They are taken and
        evicted from the front: popped from there, a queue of any length costs what left it.  One
        further back is looked for in a queue of up to :data:`EXACT_MIRROR` entries; in a longer one it
        is counted until its record is evicted (a scan of 100,000 entries at every note of another
        process's evictions held each loop turn for milliseconds)."""
        q = self._pull.get((vendor, account, stream))
        if not q:
            return
        left = set(eids)
        while q and left and q[0][2] in left:
            left.discard(q.popleft()[2])
        if left and len(q) <= EXACT_MIRROR and any(e[2] in left for e in q):
            kept = [e for e in q if e[2] not in left]
            q.clear()
            q.extend(kept)

    def pull_take(self, vendor: str, account: str, stream: str, limit: int, now: float) -> list[Any]:
        raise RuntimeError("a shared store's pull queues are read with `await store.take(...)`")

    def claim(self, timers: list[Timer]) -> set[int]:
        """Which of the due ``timers`` this process fires: those it made and never wrote (nobody else
        knows them), and those its ZREM took from the shared set."""
        won, ask = self._to_claim(timers)
        # a timer the real-time path is claiming already: its claim is answered by the flush below, and
        # what it won is won here (asked twice, the second ZREM would lose it and nobody would fire it)
        meanwhile = {s: self._claiming[s] for s in ask if s in self._claiming}
        ask = [s for s in ask if s not in meanwhile]
        if ask:  # in one transaction with what this process has not written yet (its cancellations)
            answer: concurrent.futures.Future[Any] = concurrent.futures.Future()
            self._calls.append((self._claim, [self.k_due], ask, answer))
            self.flush()
            won.update(int(s) for s in answer.result())
        elif meanwhile:
            self.flush()
        for s, fut in meanwhile.items():
            answered = fut.done() and not fut.cancelled() and fut.exception() is None
            if answered and s in {int(x) for x in fut.result()}:
                won.add(s)
        return won

    def _to_claim(self, timers: list[Timer]) -> tuple[set[int], list[int]]:
        """(the timers won without asking: never written, so nobody else knows them; those to ask)"""
        won = {t.seq for t in timers if self.unwritten(t.seq)}
        return won, [t.seq for t in timers if t.seq not in won]

    async def claim_async(self, timers: list[Timer]) -> set[int]:
        """:meth:`claim` in this turn's round trip (the clock's real-time path)."""
        won, ask = self._to_claim(timers)
        if ask:
            fut = self._batched(self._claim, [self.k_due], ask)
            self._claiming.update(dict.fromkeys(ask, fut))
            try:
                won.update(int(s) for s in await fut)
            finally:
                for s in ask:
                    self._claiming.pop(s, None)
        return won

    # -- writing ---------------------------------------------------------------------------------------
    def _write_records(self, pipe: Any, note: dict[str, bytes]) -> None:
        def listed(name: str, values: list[Any]) -> None:
            if values:
                note[name] = orjson.dumps(values)

        if self._x_msgs:
            pipe.hdel(self.k_msg, *self._x_msgs)
        if self._d_msgs:
            pipe.hset(self.k_msg, mapping={m.sim_id: _message_json(m) for m in self._d_msgs.values()})
        listed("m", list(self._d_msgs))
        if self._x_mo:
            pipe.hdel(self.k_mo, *self._x_mo)
        if self._d_mo:
            pipe.hset(self.k_mo, mapping={m.sim_id: _record_json(m) for m in self._d_mo.values()})
        listed("mo", list(self._d_mo))
        if self._x_att:
            pipe.hdel(self.k_att, *self._x_att)
        if self._d_att:
            pipe.hset(self.k_att, mapping={a.id: _record_json(a) for a in self._d_att.values()})
        listed("a", list(self._d_att))
        if self._x_req:
            pipe.hdel(self.k_req, *self._x_req)
            pipe.hdel(self.k_reqb, *self._x_req)
            pipe.hdel(self.k_respb, *self._x_req)
        if self._d_req:
            rows = [_request_row(r) for r in self._d_req.values()]
            pipe.hset(self.k_req, mapping={row[0]: row[2] for row in rows})
            pipe.hset(self.k_reqb, mapping={row[0]: row[3] for row in rows})
            pipe.hset(self.k_respb, mapping={row[0]: row[4] for row in rows})
        listed("r", list(self._d_req))
        if self._x_timers:
            pipe.hdel(self.k_timers, *self._x_timers)
            pipe.zrem(self.k_due, *self._x_timers)
        if self._d_timers:
            ts = self._d_timers.values()
            pipe.hset(
                self.k_timers, mapping={t.seq: _fast_json([t.due, t.kind, encode(list(t.args))]) for t in ts}
            )
            pipe.zadd(self.k_due, {str(t.seq): t.due for t in ts})
        listed("t", list(self._d_timers))
        listed("xt", list(self._x_timers))
        rows = {}
        for a in self._d_accounts.values():  # a charge marks the account too: its row is written only
            # when something besides the balance changed, never over another process's newer edit
            data = a.public()
            key = self._acct_key(a)
            if self._acct_rows.get(key) != (row := _row_sans_balance(data)):
                self._acct_rows[key] = row
                rows[key] = dumps(data)
                self._acct_raw[key] = rows[key].encode()
        if rows:
            pipe.hset(self.k_acct, mapping=rows)
        listed("ac", [f"{v}\0{i}" for v, i in self._d_accounts])  # the others read row and balance
        coll_keys = []
        for name, keys in self._d_coll.items():
            coll = self._collections.get(name, {})
            kept, gone = {}, []
            for k in keys:
                field = name + "\0" + dumps(encode(k))
                if dict.__contains__(coll, k):
                    kept[field] = dumps(encode(dict.__getitem__(coll, k)))
                else:
                    gone.append(field)
                coll_keys.append(field)
            if gone:
                pipe.hdel(self.k_coll, *gone)
            if kept:
                pipe.hset(self.k_coll, mapping=kept)
        listed("c", coll_keys + self._d_noted)
        if self._d_meta:
            pipe.hset(self.k_meta, mapping=self._d_meta)
        listed("meta", list(self._d_meta))
        pulls = []
        for eid, vendor, account, stream, ref, expires in self._d_pull:
            key = self._pull_key(vendor, account, stream)
            pipe.rpush(key, f"{eid}|{'' if expires is None else repr(expires)}|{ref}")
            pipe.sadd(self.k_pullkeys, key)
            pulls.append([eid, vendor, account, stream, ref, expires])
        listed("p", pulls)
        listed("xp", self._x_pull)

    def _write_balances(self, pipe: Any) -> list[tuple[str, Account | None]]:
        """An account whose balance was set (admin, or new) as a set; refunds as increments."""
        out: list[tuple[str, Account | None]] = []
        accounts = {self._acct_key(a): a for a in self._d_accounts.values()}
        for key, account in accounts.items():
            if key not in self._bal_mine:  # first written by this process: Redis's value wins if it has one
                self._balance(
                    keys=[self.k_bal, self.k_balv], args=[key, "init", account.balance], client=pipe
                )
            elif self._set_here(account, key):  # set (admin API): the refunds before it are void
                self._balance(keys=[self.k_bal, self.k_balv], args=[key, "set", account.balance], client=pipe)
                self._d_bal.pop(key, None)
            else:
                continue
            self._bal_mine[key] = account.balance
            out.append((key, account))
        for key, delta in self._d_bal.items():
            account = self.remote.accounts.get(*key.split("\0", 1)) if self.remote is not None else None
            base = account.balance - delta if account is not None else 0
            self._balance(keys=[self.k_bal, self.k_balv], args=[key, "add", delta, base], client=pipe)
            out.append((key, account))
        return out

    # -- following the other processes ---------------------------------------------------------------------
    def attach(self, sim: Any) -> None:
        """Called by the Sim once it has taken up the stored state: share its clock, follow the stream."""
        self.remote = sim
        sim.clock.share(self.claim, self.claim_async, UniqueSeq(self.worker), self.unwritten)
        sim.dispatcher.tag = str(self.worker)
        if sim.seed is not None:  # seeded: still never the vendor ids another process hands out
            sim.rng = random.Random(f"{sim.seed}/process {self.worker}")

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._conn.attach(self._loop)
        self._stop.clear()
        self._tailer = threading.Thread(target=self._follow, name="redis-follow", daemon=True)
        self._tailer.start()

    async def stop(self) -> None:
        self.flush()
        self._conn.detach()
        self._stop.set()
        tailer, self._tailer = self._tailer, None
        if tailer is not None:
            await asyncio.get_running_loop().run_in_executor(None, tailer.join, 3)

    def _follow(self) -> None:
        """The tailer thread: wake the loop when another process wrote something."""
        r = redis.Redis.from_url(self.url, socket_timeout=10)
        me = str(self.worker).encode()
        try:
            while not self._stop.is_set():
                if time.monotonic() - self._caught_at < FOLLOW_IDLE:  # requests are catching up anyway
                    self._stop.wait(FOLLOW_IDLE)
                    continue
                start = self._last_id
                try:
                    got = r.xread({self.k_log: start}, count=100, block=100)
                except redis.RedisError as e:
                    log.warning("following %s: %s", self.k_log, e)
                    self._stop.wait(1)
                    continue
                if not got:
                    continue
                entries = got[0][1]
                if all(fields.get(b"o") == me for _, fields in entries):  # only this process's own writes
                    with self._apply_lock:
                        if self._last_id == start:
                            self._last_id = entries[-1][0].decode()
                    continue
                if self._loop is not None and not self._loop.is_closed():
                    done = threading.Event()
                    with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                        self._loop.call_soon_threadsafe(self._caught_up, done)
                        done.wait(5)
        finally:
            r.close()

    def _caught_up(self, done: threading.Event) -> None:
        try:
            self.catch_up()
        except Exception:
            log.exception("applying another process's changes")
        finally:
            done.set()

    def catch_up(self) -> None:
        """Apply what the other processes wrote since the last call (read-your-writes across them)."""
        self._caught_at = time.monotonic()
        while (
            self._apply_read(self._catch_up(keys=self._catch_up_keys, args=self._catch_up_args()))
            == CATCH_UP_COUNT
        ):
            pass

    def _catch_up_args(self) -> list[Any]:
        return [self._last_id, CATCH_UP_COUNT, self.worker, *self._catch_up_hashes]

    def _apply_read(self, reply: Any) -> int:
        """Apply what a :data:`CATCH_UP` script read — the stream entries after the last one applied, and
        the records the entries of other processes name, read in the same step — and return how many
        entries it read."""
        raw_entries, fetched = reply
        entries = stream_entries([[b"", raw_entries]])
        want = self._noted(entries)
        if want is not None:
            values: dict[str, list[tuple[Any, Any]]] = {}
            for name, ids, vals in fetched:
                n = name.decode()
                # the ids as the notes have them (timers by number); the script read them as text
                mine = {str(i): i for i in want.get("ac" if n in ("bal", "balv") else n, ())}
                pairs = []
                for i, v in zip(ids, vals, strict=True):
                    key = mine.get(i.decode())
                    if key is not None:
                        pairs.append((key, v))
                values[n] = pairs
            with self._apply_lock, self._not_written():
                self._apply_values(want, values)
        return len(raw_entries)

    def _noted(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> dict[str, list[Any]] | None:
        """Take stream entries after the last one taken (two reads under way may overlap): what the
        entries of other processes name (None: nothing)."""
        with self._apply_lock:
            last = _stream_id(self._last_id)
            entries = [e for e in entries if _stream_id(e[0]) > last]
            if not entries:
                return None
            self._last_id = entries[-1][0].decode()
        me = str(self.worker).encode()
        want: dict[str, list[Any]] = {}
        for _, fields in entries:
            if fields.get(b"o") == me:
                continue
            if b"wipe" in fields:
                want = {"wipe": [True]}
            for name, value in fields.items():
                n = name.decode()
                if n not in ("o", "wipe"):
                    want.setdefault(n, []).extend(orjson.loads(value))
        return want or None

    def _dirty(self) -> dict[str, Any]:
        """The marked changes (the containers ``_reset_dirty`` makes)."""
        return {k: v for k, v in vars(self).items() if k.startswith(("_d_", "_x_"))}

    @contextlib.contextmanager
    def _not_written(self) -> Iterator[None]:
        """Change memory without marking anything for Redis: another process's changes being applied,
        or this process's copy of them being bounded (what falls off stays in Redis for its writer)."""
        saved = {**self._dirty(), "_wipe": self._wipe, "_changes": self._changes, "_written": self._written}
        self._reset_dirty()
        self._applying = True
        try:
            yield
        finally:
            self._applying = False
            for k, v in saved.items():
                setattr(self, k, v)

    def _apply_values(self, want: dict[str, list[Any]], values: dict[str, list[tuple[Any, Any]]]) -> None:
        sim = self.remote
        bus = sim.bus if sim is not None else None
        if "wipe" in want and sim is not None:
            sim.reset(keep_clock=True)
            self._epoch = int(self._r.get(self.k_epoch) or 0)
        for _, row in values.get("m", ()):
            if row is not None:
                self._apply_message(_message_from_json(row), bus)
        for sid, row in values.get("mo", ()):
            if row is not None and sid not in self._mo:
                mo = MoRecord(**_loads(row))
                self._mo[mo.sim_id] = mo
                self._unsorted = True
                if bus is not None and bus.active:
                    bus.publish("mo", mo=mo.public())
        for aid, row in values.get("a", ()):
            if row is not None:
                a = CallbackAttempt(**_loads(row))
                new = aid not in self._attempts
                self._attempts[a.id] = a
                self._unsorted = True
                if new and bus is not None and bus.active:
                    bus.publish("callback", attempt=a.public())
        # the request log is read only by the admin API and the UI: fetched when one of them reads it
        self._stale_requests.extend(want.get("r", ()))
        del self._stale_requests[: -self.max_requests or len(self._stale_requests)]
        self._bound()
        for field, row in values.get("c", ()):
            name, _, key = (
                field.decode().partition("\0") if isinstance(field, bytes) else field.partition("\0")
            )
            coll = self.collection(name)
            k = decode(_loads(key))
            if row is None:
                dict.pop(coll, k, None)
            else:
                dict.__setitem__(coll, k, decode(_loads(row)))
        for p in want.get("p", ()):
            eid, vendor, account, stream, ref, expires = p
            item = decode(_loads(ref[2:])) if ref.startswith("v:") else self.resolve(ref)
            if item is not None:
                self._pull[(vendor, account, stream)].append((item, expires, eid))
        gone = set(want.get("xp", ()))
        if gone:
            for key in list(self._pull):
                self._drop_pull_entries(*key, gone)
        if sim is None:
            return
        bal = dict(values.get("bal", ()))
        balv = dict(values.get("balv", ()))
        for key, row in values.get("ac", ()):
            if row is not None:
                account = sim.accounts.get(*key.split("\0", 1))
                if account is None or row != self._acct_raw.get(key):  # the row itself changed (an
                    # account is noted at every charge, and rebuilt only when more than its balance did)
                    data = _loads(row)
                    self._acct_rows[key] = _row_sans_balance(data)
                    self._acct_raw[key] = row
                    account = sim.remote_account(data)
                if key in self._bal_mine:  # the row's balance may be older than the one this store has
                    account.balance = self._bal_mine[key]
                if bal.get(key) is not None:
                    self._took_balance(account, key, int(bal[key]), int(balv.get(key) or 0))
        meta = dict(values.get("meta", ()))
        if meta.get("scenario") is not None:
            sim.remote_scenario(_loads(meta["scenario"]))
        if meta.get("clock") is not None:
            sim.clock.set_state(_loads(meta["clock"]))
        timers = [(int(seq), *self._timer_row(row)) for seq, row in values.get("t", ()) if row is not None]
        if timers:
            sim.remote_timers(timers)
        if want.get("xt"):
            sim.clock.forget(want["xt"])

    def _bound(self) -> None:
        """Another process's records count against this process's bounds too."""
        if len(self._messages) > self.max_messages:
            self._evict_messages()
        if len(self._mo) > self.max_messages:
            self._evict_mo()
        while len(self._attempts) > self.max_attempts:
            self._drop_attempt(next(iter(self._attempts)))

    def _fetch_requests(self) -> None:
        """The request-log entries other processes wrote since the last read (bounded like one's own)."""
        ids, self._stale_requests = list(dict.fromkeys(self._stale_requests)), []
        ids = [i for i in ids if i not in self._requests]
        if not ids:
            return
        pipe = self._r.pipeline(transaction=False)
        for key in (self.k_req, self.k_reqb, self.k_respb):
            pipe.hmget(key, ids)
        rows, bodies, answers = pipe.execute()
        logs = [
            RequestLog(**_loads(row), request_body=body or b"", response_body=answer or b"")
            for row, body, answer in zip(rows, bodies, answers, strict=True)
            if row is not None
        ]
        for r in sorted(logs, key=_seq_of):
            r.kept_bytes = r.size()
            self._requests[r.id] = r
            self._request_bytes += r.kept_bytes
        self._unsorted = True
        self._sorted()
        with self._not_written():
            while self._requests and (
                len(self._requests) > self.max_requests or self._request_bytes > self.max_request_bytes
            ):
                self._drop_request(next(iter(self._requests)))

    def get_request(self, request_id: str) -> RequestLog | None:
        if self._stale_requests:
            self._fetch_requests()
        return super().get_request(request_id)

    def requests(self, vendor: str | None = None) -> list[RequestLog]:
        if self._stale_requests:
            self._fetch_requests()
        self._sorted()
        return super().requests(vendor)

    @staticmethod
    def _timer_row(row: bytes) -> tuple[float, str, tuple[Any, ...]]:
        due, kind, args = _loads(row)
        return float(due), kind, tuple(decode(args))

    def _apply_message(self, msg: Message, bus: Any) -> None:
        have = self._messages.get(msg.sim_id)
        if have is None:
            was_final = False
            if self._order and self._order[-1].seq > msg.seq:
                self._unsorted = True
            self._index(msg)
            self._last_sender[msg.vendor][msg.mobile] = msg.account
            target = msg
            if bus is not None and bus.active:
                bus.publish("message", message=msg.summary())
        else:
            was_final = self.finished(have)
            old_status = have.status
            for f in _MESSAGE_FIELDS:
                setattr(have, f, getattr(msg, f))
            for r in msg.reports:
                r.message = have
            have.reports = msg.reports
            target = have
            if old_status != have.status and bus is not None and bus.active:
                bus.publish(
                    "status", id=have.id, sim_id=have.sim_id, vendor=have.vendor, status=have.status, note=""
                )
        if not was_final and self.finished(target):
            self._finished.append(target)

    # -- reads that want the index in seq order ------------------------------------------------------------
    def _sorted(self) -> None:
        if not self._unsorted:
            return
        self._unsorted = False
        key = _seq_of
        self._order.sort(key=key)
        for lst in self._by_account.values():
            lst.sort(key=key)
        for lst in self._by_vendor.values():
            lst.sort(key=key)
        self._mo = dict(sorted(self._mo.items(), key=lambda kv: kv[1].seq))
        self._attempts = OrderedDict(sorted(self._attempts.items(), key=lambda kv: kv[1].seq))
        self._requests = OrderedDict(sorted(self._requests.items(), key=lambda kv: kv[1].seq))

    def query_messages(self, *args: Any, **kwargs: Any) -> list[Message]:
        self._sorted()
        return super().query_messages(*args, **kwargs)

    def page_messages(self, *args: Any, **kwargs: Any) -> Any:
        self._sorted()
        return super().page_messages(*args, **kwargs)

    def page_mo(self, *args: Any, **kwargs: Any) -> Any:
        self._sorted()
        return super().page_mo(*args, **kwargs)

    def page_attempts(self, *args: Any, **kwargs: Any) -> Any:
        self._sorted()
        return super().page_attempts(*args, **kwargs)

    def page_requests(self, *args: Any, **kwargs: Any) -> Any:
        if self._stale_requests:
            self._fetch_requests()
        self._sorted()
        return super().page_requests(*args, **kwargs)

    # -- reading back ----------------------------------------------------------------------------------
    def load(
        self, build_account: Callable[[dict], Account], build_scenario: Callable[[Any], Any]
    ) -> Loaded | None:
        """Fill this store from Redis; None when Redis holds no simulator state under the prefix yet."""
        r = self._r
        last = r.xrevrange(self.k_log, count=1)
        self._last_id = last[0][0].decode() if last else "0-0"
        meta = {k.decode(): _loads(v) for k, v in r.hgetall(self.k_meta).items()}
        if not meta:
            return None
        self._ready = False
        try:
            return self._load(meta, build_account, build_scenario)
        finally:
            self._ready = True

    def _load(
        self,
        meta: dict[str, Any],
        build_account: Callable[[dict], Account],
        build_scenario: Callable[[Any], Any],
    ) -> Loaded:
        r = self._r
        msgs = sorted((_message_from_json(v) for v in r.hvals(self.k_msg)), key=_seq_of)
        for msg in msgs:
            self._index(msg)
            self._last_sender[msg.vendor][msg.mobile] = msg.account
            if self.finished(msg):
                self._finished.append(msg)
        for mo in sorted((MoRecord(**_loads(v)) for v in r.hvals(self.k_mo)), key=_seq_of):
            self._mo[mo.sim_id] = mo
        for a in sorted((CallbackAttempt(**_loads(v)) for v in r.hvals(self.k_att)), key=_seq_of):
            self._attempts[a.id] = a
        bodies, answers = r.hgetall(self.k_reqb), r.hgetall(self.k_respb)
        reqs = [(k, _loads(v)) for k, v in r.hgetall(self.k_req).items()]
        for k, data in sorted(reqs, key=lambda kv: kv[1]["seq"]):
            req = RequestLog(**data, request_body=bodies.get(k) or b"", response_body=answers.get(k) or b"")
            req.kept_bytes = req.size()
            self._requests[req.id] = req
            self._request_bytes += req.kept_bytes
        for coll in self._collections.values():
            dict.clear(coll)
        for field, value in r.hgetall(self.k_coll).items():
            name, _, key = field.decode().partition("\0")
            dict.__setitem__(self.collection(name), decode(_loads(key)), decode(_loads(value)))
        for key in sorted(k.decode() for k in r.smembers(self.k_pullkeys)):
            vendor, account, stream = key[len(self.prefix) + 6 :].split("\0")
            for e in r.lrange(key, 0, -1):
                eid, expires, ref = e.decode().split("|", 2)
                item = decode(_loads(ref[2:])) if ref.startswith("v:") else self.resolve(ref)
                if item is not None:
                    self._pull[(vendor, account, stream)].append(
                        (item, float(expires) if expires else None, int(eid))
                    )
        self._d_coll.clear()
        out = Loaded()
        bal, balv = r.hgetall(self.k_bal), r.hgetall(self.k_balv)
        for key, data in r.hgetall(self.k_acct).items():
            self._acct_rows[key.decode()] = _row_sans_balance(_loads(data))
            self._acct_raw[key.decode()] = data
            account = build_account(_loads(data))
            if key in bal:
                account.balance = int(bal[key])
                self._bal_known[key.decode()] = (account.balance, int(balv.get(key) or 0))
                self._bal_mine[key.decode()] = account.balance
            out.accounts.append(account)
        if "scenario" in meta:
            out.scenario = build_scenario(meta["scenario"])
        out.clock = meta.get("clock") or {}
        out.timers = [(int(seq), *self._timer_row(row)) for seq, row in r.hgetall(self.k_timers).items()]
        return out

    def close(self) -> None:
        self._stop.set()
        try:
            self.flush()
        finally:
            self._conn.close()
            self._r.close()


def _row_sans_balance(data: dict[str, Any]) -> str:
    return dumps({k: v for k, v in data.items() if k != "balance"})


_MESSAGE_FIELDS = [f.name for f in dataclasses.fields(Message) if f.name != "reports"]


def _seq_of(x: Any) -> int:
    return x.seq
