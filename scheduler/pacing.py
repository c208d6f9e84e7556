"""One pacer for all outgoing traffic, so the platform never sees us exceed its flood limits.

Telegram allows a bot about 30 messages a second overall, 1 a second per chat and 20 a
minute per group, and answers 429 with ``retry_after`` (for the whole bot) when it is
pushed harder. Every send to the platform goes through one :class:`Pacer`::

    async with pacer.slot(chat_id, is_group=chat_id < 0):
        await channel.send(...)

How it keeps those promises:

* The platform counts arrivals, which we cannot see; but a request arrives after its slot
  was granted and before its answer came back. So each window counts a send from the
  moment its slot is granted until its window has passed since the slot was *released*
  (the body of ``slot()`` finished). A new slot is granted only when fewer than the limit
  are counted; then no window of the server can hold more than the limit, whatever the
  network, the event loop or the garbage collector did to the timing in between. A chat
  gets its next slot a full period after its previous send came back.
* Every window is also ``margin`` longer than the platform's, for whatever the platform
  does between receiving a request and counting it. :meth:`Pacer.acquire` (no body, no
  release) relies on the margin alone: prefer ``slot()``.
* Grants are spread evenly (one every window/limit seconds), so the platform sees a steady
  stream instead of bursts that queue on the connection pool.
* Waiters queue per chat. Among the chats whose own limits allow a send, the oldest waiter
  goes first: a chat that must wait (a busy group, an official who just got a message)
  never holds up callers for other chats, and nobody starves.
* :meth:`Pacer.pause` stops every sender until a ``retry_after`` has passed.
* State for a chat is dropped once its limits no longer constrain the next send, so memory
  follows the chats active in the last minute, not every chat ever seen.

The clock and sleep are injectable (the defaults are the running loop's clock and
:func:`asyncio.sleep`), so tests run it in virtual time. This module knows nothing about
Telegram or the bot: chats are any hashable key.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass, field

__all__ = ["Pacer", "PacingLimits"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]


@dataclass(frozen=True)
class PacingLimits:
    """The platform's flood limits, and the safety margin added to every window.

    ``margin`` (seconds) lengthens each window: the overall window is ``1 + margin`` seconds,
    a chat's next send waits ``1 / per_chat_per_second + margin`` after its previous one, and
    the group window is ``60 + margin``. With the default 50 ms the pacer sustains about
    28.5 messages a second less whatever one request takes.

    ``spread`` spaces grants evenly instead of letting a full window go at once.
    """

    overall_per_second: int = 30
    per_chat_per_second: float = 1.0
    group_per_minute: int = 20
    margin: float = 0.05
    spread: bool = True

    def __post_init__(self) -> None:
        if self.overall_per_second < 1 or self.group_per_minute < 1:
            raise ValueError("limits must allow at least one message per window")
        if self.per_chat_per_second <= 0:
            raise ValueError("per_chat_per_second must be positive")
        if self.margin < 0:
            raise ValueError("margin must not be negative")

    @property
    def overall_window(self) -> float:
        return 1.0 + self.margin

    @property
    def chat_gap(self) -> float:
        return 1.0 / self.per_chat_per_second + self.margin

    @property
    def group_window(self) -> float:
        return 60.0 + self.margin

    @property
    def overall_gap(self) -> float:
        return self.overall_window / self.overall_per_second if self.spread else 0.0


class _Window:
    """Sends that may still count in a sliding window: those in flight and recent releases."""

    __slots__ = ("in_flight", "released")

    def __init__(self) -> None:
        self.in_flight = 0
        self.released: list[float] = []  # a heap of release times

    def prune(self, now: float, window: float) -> None:
        while self.released and self.released[0] <= now - window:
            heapq.heappop(self.released)

    def counted(self) -> int:
        return self.in_flight + len(self.released)

    def ready_at(self, limit: int, window: float) -> float | None:
        """When fewer than ``limit`` will count (pruned first); None: not before a release."""
        excess = self.counted() - limit + 1
        if excess <= 0:
            return float("-inf")
        if excess > len(self.released):
            return None
        return heapq.nsmallest(excess, self.released)[-1] + window


@dataclass(eq=False)
class _Waiter:
    seq: int
    arrived: float
    future: asyncio.Future[None]


@dataclass(eq=False)
class _ChatState:
    is_group: bool
    last_release: float = float("-inf")
    in_flight: int = 0
    # Only for groups: the sends counted in the group's minute.
    group: _Window | None = None
    waiters: deque[_Waiter] = field(default_factory=deque)
    # Bumped whenever the chat's queue entry is replaced, so stale heap entries are skipped.
    token: int = 0


class Pacer:
    """Grants send slots so that every configured limit holds; one per bot, shared by all senders.

    ``enabled=False`` makes every slot free at once (benchmarks of the raw path).
    """

    def __init__(
        self,
        limits: PacingLimits | None = None,
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        enabled: bool = True,
    ) -> None:
        self.limits = limits or PacingLimits()
        self.enabled = enabled
        self._clock = clock
        self._sleep: Sleep = sleep or asyncio.sleep
        self._overall = _Window()
        # When the last grant was due; spreading counts from here, not from when the timer
        # actually fired, so a late wake-up does not push every later grant back.
        self._spread_anchor = float("-inf")
        self._paused_until = float("-inf")
        self._chats: dict[Hashable, _ChatState] = {}
        # Chats with waiters and nothing in flight, until their own limits pass:
        # (ready time, token, chat key).
        self._pending: list[tuple[float, int, Hashable]] = []
        # Chats whose head waiter may go as soon as the overall limits allow:
        # (seq of the head waiter, ready time, token, chat key); the oldest waiter goes first.
        self._eligible: list[tuple[int, float, int, Hashable]] = []
        # Chats with nothing waiting or in flight, in release order, so expired state is
        # dropped cheaply (each kind has one window length, so the oldest expires first).
        self._idle_private: OrderedDict[Hashable, None] = OrderedDict()
        self._idle_groups: OrderedDict[Hashable, None] = OrderedDict()
        self._seq = itertools.count()
        self._waiting = 0
        self._granted = 0
        self._runner: asyncio.Task[None] | None = None
        self._wakeup: asyncio.Event | None = None

    # --- public API ------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def slot(self, chat: Hashable, *, is_group: bool | None = None) -> AsyncIterator[None]:
        """Wait for a slot to send one message to ``chat``; the body is the send.

        The slot counts from the grant until its windows have passed since the body ended,
        which is what makes the limits hold at the server whatever the timing in between.
        Keep only the request in the body: back off (after a 5xx, a timeout) outside it, or
        the chat and one of the overall places stay taken while nothing is sent.
        ``is_group=None`` treats negative integer keys as groups (Telegram's convention).
        """
        if not self.enabled:
            yield
            return
        await self._acquire(chat, is_group)
        try:
            yield
        finally:
            self._release(chat)

    async def acquire(self, chat: Hashable, *, is_group: bool | None = None) -> None:
        """Return once one message may be sent to ``chat``; the send counts as done at once.

        Only the margin covers the time the request then takes to arrive: prefer
        :meth:`slot`.
        """
        if not self.enabled:
            return
        await self._acquire(chat, is_group)
        self._release(chat)

    def pause(self, seconds: float) -> None:
        """Hold every sender for ``seconds`` (plus the margin): the platform said retry_after."""
        until = self._now() + max(0.0, seconds) + self.limits.margin
        if until > self._paused_until:
            self._paused_until = until
        if self._wakeup is not None:
            self._wakeup.set()

    @property
    def paused_until(self) -> float:
        """The clock time before which nothing is granted (``-inf`` when never paused)."""
        return self._paused_until

    @property
    def waiting(self) -> int:
        """How many callers are waiting for a slot."""
        return self._waiting

    @property
    def in_flight(self) -> int:
        """How many granted slots have not been released yet."""
        return self._overall.in_flight

    @property
    def granted(self) -> int:
        """How many slots were granted since the pacer was made."""
        return self._granted

    @property
    def tracked_chats(self) -> int:
        """How many chats the pacer keeps state for (waiting, in flight or recently served)."""
        self._drop_expired(self._now())
        return len(self._chats)

    async def aclose(self) -> None:
        """Cancel every waiter and stop the background timer."""
        for state in self._chats.values():
            for waiter in state.waiters:
                waiter.future.cancel()
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner

    # --- granting and releasing ------------------------------------------------------------------

    def _now(self) -> float:
        if self._clock is not None:
            return self._clock()
        try:
            return asyncio.get_running_loop().time()
        except RuntimeError:
            return time.monotonic()  # what the default event loop's clock reads

    async def _acquire(self, chat: Hashable, is_group: bool | None) -> None:
        if is_group is None:
            is_group = isinstance(chat, int) and chat < 0
        now = self._now()
        state = self._state(chat, is_group)
        waiter = _Waiter(next(self._seq), now, asyncio.get_running_loop().create_future())
        state.waiters.append(waiter)
        self._waiting += 1
        if len(state.waiters) == 1:
            self._idle_private.pop(chat, None)
            self._idle_groups.pop(chat, None)
            self._queue_chat(chat, state)
        self._dispatch(now)
        if waiter.future.done():
            return
        self._ensure_runner()
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter.future.cancelled():
                self._forget_waiter(chat, waiter)
            else:
                self._release(chat)  # granted in the same tick we were cancelled
            raise

    def _release(self, chat: Hashable) -> None:
        now = self._now()
        self._overall.in_flight -= 1
        heapq.heappush(self._overall.released, now)
        state = self._chats[chat]
        state.in_flight -= 1
        state.last_release = now
        if state.group is not None:
            state.group.in_flight -= 1
            heapq.heappush(state.group.released, now)
        if state.waiters:
            self._queue_chat(chat, state)
        elif state.in_flight == 0:
            self._mark_idle(chat, state)
        if self._runner is not None and self._wakeup is not None:
            self._wakeup.set()

    def _state(self, chat: Hashable, is_group: bool) -> _ChatState:
        state = self._chats.get(chat)
        if state is None:
            state = self._chats[chat] = _ChatState(is_group=is_group)
        if is_group and state.group is None:
            # The caller knows best; once a group, always counted as one.
            state.is_group = True
            state.group = _Window()
        return state

    def _chat_ready_at(self, state: _ChatState, now: float) -> float | None:
        if state.in_flight:
            return None  # one send at a time per chat; the release queues it again
        ready = state.last_release + self.limits.chat_gap
        if state.group is not None:
            state.group.prune(now, self.limits.group_window)
            group_ready = state.group.ready_at(
                self.limits.group_per_minute, self.limits.group_window
            )
            if group_ready is None:
                return None
            ready = max(ready, group_ready)
        return ready

    def _overall_ready_at(self, now: float) -> float | None:
        self._overall.prune(now, self.limits.overall_window)
        window_ready = self._overall.ready_at(
            self.limits.overall_per_second, self.limits.overall_window
        )
        if window_ready is None:
            return None
        return max(window_ready, self._paused_until, self._spread_anchor + self.limits.overall_gap)

    def _queue_chat(self, chat: Hashable, state: _ChatState) -> None:
        state.token += 1
        ready = self._chat_ready_at(state, self._now())
        if ready is not None:
            heapq.heappush(self._pending, (ready, state.token, chat))

    def _valid(self, token: int, chat: Hashable) -> _ChatState | None:
        state = self._chats.get(chat)
        if state is None or token != state.token or not state.waiters:
            return None
        return state

    def _dispatch(self, now: float) -> float | None:
        """Grant every slot due at ``now``; return when to look again (None: at a release)."""
        self._drop_expired(now)
        while True:
            # Chats whose own limits have passed join the eligible queue, where the oldest
            # waiter goes first: a busy group gets its one slot a second (and no more than
            # its twenty a minute), everybody else shares the rest, nobody starves, and a
            # chat's later messages start their one-a-second chain early.
            while self._pending and self._pending[0][0] <= now:
                ready_at, token, chat = heapq.heappop(self._pending)
                state = self._valid(token, chat)
                if state is not None:
                    head = state.waiters[0]
                    heapq.heappush(self._eligible, (head.seq, ready_at, token, chat))
            while (
                self._eligible and self._valid(self._eligible[0][2], self._eligible[0][3]) is None
            ):
                heapq.heappop(self._eligible)
            while self._pending and self._valid(self._pending[0][1], self._pending[0][2]) is None:
                heapq.heappop(self._pending)
            overall = self._overall_ready_at(now)
            if not self._eligible:
                if not self._pending:
                    return None
                return (
                    self._pending[0][0] if overall is None else max(overall, self._pending[0][0])
                )
            if overall is None or overall > now:
                return overall
            _seq, ready_at, _token, chat = heapq.heappop(self._eligible)
            state = self._chats[chat]
            waiter = state.waiters.popleft()
            self._waiting -= 1
            if waiter.future.done():  # cancelled, not yet forgotten: it takes no slot
                if state.waiters:
                    self._queue_chat(chat, state)
                else:
                    self._mark_idle(chat, state)
                continue
            self._grant(state, now, max(overall, ready_at, waiter.arrived))
            waiter.future.set_result(None)
            state.token += 1  # its next waiter is queued again when this send is released

    def _grant(self, state: _ChatState, now: float, due: float) -> None:
        self._granted += 1
        # Catch up at most one slot after a late wake-up (a stalled loop must not turn into a
        # burst); the windows are what guarantee the limits either way.
        self._spread_anchor = max(due, now - self.limits.overall_gap)
        self._overall.in_flight += 1
        state.in_flight += 1
        if state.group is not None:
            state.group.in_flight += 1

    def _forget_waiter(self, chat: Hashable, waiter: _Waiter) -> None:
        state = self._chats.get(chat)
        if state is None:
            return
        try:
            index = state.waiters.index(waiter)
        except ValueError:
            return
        del state.waiters[index]
        self._waiting -= 1
        if index == 0:
            if state.waiters:
                self._queue_chat(chat, state)
            else:
                state.token += 1
                if state.in_flight == 0:
                    self._mark_idle(chat, state)
        if self._wakeup is not None:
            self._wakeup.set()

    def _mark_idle(self, chat: Hashable, state: _ChatState) -> None:
        idle = self._idle_groups if state.is_group else self._idle_private
        idle[chat] = None
        idle.move_to_end(chat)

    # --- forgetting quiet chats ------------------------------------------------------------------

    def _expired(self, state: _ChatState, now: float) -> bool:
        """True when forgetting the chat cannot let a later send break one of its limits."""
        if state.waiters or state.in_flight:
            return False
        if now < state.last_release + self.limits.chat_gap:
            return False
        if state.group is not None:
            state.group.prune(now, self.limits.group_window)
            return state.group.counted() == 0
        return True

    def _drop_expired(self, now: float) -> None:
        for idle in (self._idle_private, self._idle_groups):
            while idle:
                chat = next(iter(idle))
                state = self._chats.get(chat)
                if state is not None and not state.waiters and not state.in_flight:
                    if not self._expired(state, now):
                        break
                    del self._chats[chat]
                idle.popitem(last=False)

    # --- the timer -------------------------------------------------------------------------------

    def _ensure_runner(self) -> None:
        if self._wakeup is None:
            self._wakeup = asyncio.Event()
        if self._runner is None or self._runner.done():
            self._runner = asyncio.get_running_loop().create_task(self._run(), name="pacer")
        else:
            self._wakeup.set()

    async def _run(self) -> None:
        """Sleep until the next slot may be due, grant it, repeat while anybody waits."""
        assert self._wakeup is not None
        wakeup = self._wakeup
        try:
            while self._waiting:
                next_at = self._dispatch(self._now())
                if not self._waiting:
                    return
                wakeup.clear()
                waits: set[asyncio.Future[object]] = {asyncio.ensure_future(wakeup.wait())}
                if next_at is not None:
                    delay = max(0.0, next_at - self._now())
                    waits.add(asyncio.ensure_future(self._sleep(delay)))
                try:
                    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for task in waits:
                        if not task.done():
                            task.cancel()
                            with contextlib.suppress(asyncio.CancelledError):
                                await task
        finally:
            if self._runner is asyncio.current_task():
                self._runner = None
