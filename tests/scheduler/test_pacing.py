"""The pacer keeps every flood limit, stays fair between chats and sustains the allowed rate.

The tests run in virtual time: an event loop whose clock jumps to the next timer whenever
nothing is ready, so spacing is checked exactly and nothing sleeps on the wall clock.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import selectors
from collections.abc import Callable, Coroutine, Hashable, Sequence
from typing import Any, TypeVar

import pytest

from scheduler.pacing import Pacer, PacingLimits

T = TypeVar("T")

LIMITS = PacingLimits()  # 30/s overall, 1/s per chat, 20/min per group, 50 ms margin
EPS = 1e-9


# --- virtual time --------------------------------------------------------------------------------


class _VirtualSelector(selectors.SelectSelector):
    """Polls real descriptors without blocking; a wait for a timer moves the clock instead."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[Any]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            raise RuntimeError("virtual time: every task waits and no timer is set (deadlock)")
        self.now += timeout
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock starts at 0 and only moves when every task is waiting."""

    def __init__(self) -> None:
        self._virtual = _VirtualSelector()
        super().__init__(self._virtual)

    def time(self) -> float:
        return self._virtual.now


def run_virtual(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(main())


# --- helpers -------------------------------------------------------------------------------------


async def send_all(
    pacer: Pacer, chats: Sequence[Hashable], *, spacing: float = 0.0
) -> list[tuple[float, Hashable]]:
    """Queue one message per entry of ``chats`` (``spacing`` apart); return (grant time, chat)."""
    loop = asyncio.get_running_loop()
    grants: list[tuple[float, Hashable]] = []

    async def one(chat: Hashable) -> None:
        await pacer.acquire(chat)
        grants.append((loop.time(), chat))

    tasks = []
    for chat in chats:
        tasks.append(asyncio.create_task(one(chat)))
        if spacing:
            await asyncio.sleep(spacing)
        else:
            await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    return grants


def max_in_window(times: Sequence[float], window: float) -> int:
    """The most timestamps in any half-open window [t, t + window)."""
    times = sorted(times)
    best = start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def assert_limits_hold(grants: Sequence[tuple[float, Hashable]], limits: PacingLimits) -> None:
    times = [t for t, _ in grants]
    # The platform's own windows, shortened by nothing: margins only make us stricter.
    assert max_in_window(times, limits.overall_window - EPS) <= limits.overall_per_second
    by_chat: dict[Hashable, list[float]] = {}
    for t, chat in grants:
        by_chat.setdefault(chat, []).append(t)
    for chat, chat_times in by_chat.items():
        gaps = [b - a for a, b in itertools.pairwise(chat_times)]
        assert all(g >= limits.chat_gap - EPS for g in gaps), (chat, gaps)
        if isinstance(chat, int) and chat < 0:
            assert max_in_window(chat_times, limits.group_window - EPS) <= limits.group_per_minute


# --- the limits ----------------------------------------------------------------------------------


def test_overall_rate_never_exceeds_the_window_and_stays_near_the_limit() -> None:
    async def main() -> list[tuple[float, Hashable]]:
        return await send_all(Pacer(), list(range(1, 601)))

    grants = run_virtual(main)
    assert len(grants) == 600
    assert_limits_hold(grants, LIMITS)
    times = [t for t, _ in grants]
    # Spread evenly: one grant every window/limit seconds, none bunched.
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= LIMITS.overall_gap - EPS
    # 600 messages at 30 per 1.05 s: the last is granted at 599 gaps, i.e. ≥ 28.5 msg/s.
    assert times[-1] == pytest.approx(599 * LIMITS.overall_gap)
    assert 599 / times[-1] >= 28.5
    # The platform's own 1.0 s window sees at most 29 grants with this spacing.
    assert max_in_window(times, 1.0) <= 29


def test_without_spread_a_full_window_goes_at_once_then_waits() -> None:
    limits = PacingLimits(spread=False)

    async def main() -> list[tuple[float, Hashable]]:
        return await send_all(Pacer(limits), list(range(1, 91)))

    times = [t for t, _ in run_virtual(main)]
    assert times[:30] == [0.0] * 30
    assert times[30:60] == pytest.approx([1.05] * 30)
    assert times[60:] == pytest.approx([2.10] * 30)
    assert max_in_window(times, limits.overall_window - EPS) == 30


def test_one_private_chat_gets_one_message_per_second_plus_margin() -> None:
    async def main() -> list[tuple[float, Hashable]]:
        return await send_all(Pacer(), [42] * 5)

    times = [t for t, _ in run_virtual(main)]
    assert times == pytest.approx([0.0, 1.05, 2.10, 3.15, 4.20])


def test_a_group_gets_at_most_twenty_a_minute() -> None:
    async def main() -> list[tuple[float, Hashable]]:
        return await send_all(Pacer(), [-100] * 25)

    grants = run_virtual(main)
    times = [t for t, _ in grants]
    assert_limits_hold(grants, LIMITS)
    # Twenty a second apart (a group is still a chat), then the window must slide past the first.
    assert times[:20] == pytest.approx([i * 1.05 for i in range(20)])
    assert times[20] == pytest.approx(60.05)
    assert times[21] == pytest.approx(1.05 + 60.05)


def test_is_group_can_be_given_for_keys_that_are_not_telegram_ids() -> None:
    async def main() -> list[float]:
        pacer = Pacer()
        loop = asyncio.get_running_loop()
        times = []
        for _ in range(21):
            await pacer.acquire("zalo:commune-7", is_group=True)
            times.append(loop.time())
        return times

    times = run_virtual(main)
    assert times[20] == pytest.approx(60.05)


def test_pause_holds_every_sender_until_retry_after_passes() -> None:
    async def main() -> list[tuple[float, Hashable]]:
        pacer = Pacer()
        loop = asyncio.get_running_loop()
        grants: list[tuple[float, Hashable]] = []

        async def one(chat: int) -> None:
            await pacer.acquire(chat)
            grants.append((loop.time(), chat))
            if chat == 5:
                pacer.pause(3)  # as if the fifth send came back 429 retry_after=3

        await asyncio.gather(*(one(chat) for chat in range(1, 21)))
        return grants

    grants = run_virtual(main)
    times = [t for t, _ in grants]
    paused_at = times[4]
    assert paused_at == pytest.approx(4 * LIMITS.overall_gap)
    assert times[5] == pytest.approx(paused_at + 3 + LIMITS.margin)
    assert all(t >= paused_at + 3 for t in times[5:])
    assert_limits_hold(grants, LIMITS)


def test_pause_while_idle_delays_the_next_caller() -> None:
    async def main() -> float:
        pacer = Pacer()
        pacer.pause(10)
        await pacer.acquire(1)
        return asyncio.get_running_loop().time()

    assert run_virtual(main) == pytest.approx(10.05)


# --- slots: a send counts until it comes back ----------------------------------------------------


def test_a_slow_send_counts_in_the_window_until_it_returns() -> None:
    async def main() -> list[float]:
        pacer = Pacer(PacingLimits(spread=False))
        loop = asyncio.get_running_loop()
        grants: list[float] = []

        async def one(chat: int) -> None:
            async with pacer.slot(chat):
                grants.append(loop.time())
                await asyncio.sleep(0.4)  # the request takes 0.4 s to come back

        await asyncio.gather(*(one(chat) for chat in range(1, 61)))
        return grants

    grants = run_virtual(main)
    assert grants[:30] == [0.0] * 30
    # Any of the first thirty may have reached the server as late as 0.4 s.
    assert grants[30:] == pytest.approx([0.4 + 1.05] * 30)


def test_a_chat_waits_a_period_after_its_last_send_returned() -> None:
    async def main() -> list[float]:
        pacer = Pacer()
        loop = asyncio.get_running_loop()
        grants: list[float] = []

        async def one() -> None:
            async with pacer.slot(42):
                grants.append(loop.time())
                await asyncio.sleep(0.3)

        await asyncio.gather(*(one() for _ in range(3)))
        return grants

    assert run_virtual(main) == pytest.approx([0.0, 1.35, 2.70])


def test_sends_still_in_flight_hold_their_places() -> None:
    async def main() -> tuple[float, int]:
        pacer = Pacer(PacingLimits(spread=False))
        loop = asyncio.get_running_loop()
        answered = asyncio.Event()

        async def hanging(chat: int) -> None:
            async with pacer.slot(chat):
                await answered.wait()

        hangs = [asyncio.create_task(hanging(chat)) for chat in range(1, 31)]
        await asyncio.sleep(0)
        in_flight = pacer.in_flight
        late = asyncio.create_task(pacer.acquire(99))
        await asyncio.sleep(5)
        assert not late.done()
        answered.set()  # all thirty come back at t = 5
        await late
        await asyncio.gather(*hangs)
        return loop.time(), in_flight

    granted_at, in_flight = run_virtual(main)
    assert in_flight == 30
    assert granted_at == pytest.approx(5 + 1.05)


def test_whatever_the_network_does_the_server_never_sees_too_many() -> None:
    """Each request reaches the server at any moment between its grant and its answer."""
    rng = random.Random(7)
    groups = [-(2000 + i) for i in range(3)]
    chats: list[int] = [
        rng.choice(groups) if rng.random() < 0.1 else rng.randint(1, 150) for _ in range(900)
    ]
    arrivals: list[tuple[float, int]] = []

    async def main() -> None:
        # No margin at all: the guarantee must come from counting sends until they return.
        pacer = Pacer(PacingLimits(margin=0.0))
        loop = asyncio.get_running_loop()

        async def one(chat: int) -> None:
            async with pacer.slot(chat):
                granted = loop.time()
                latency = rng.choice([0.001, 0.01, 0.05, 0.3, 1.5])
                await asyncio.sleep(latency)
                arrivals.append((granted + rng.random() * latency, chat))

        await asyncio.gather(*(one(chat) for chat in chats))

    run_virtual(main)
    assert len(arrivals) == 900
    times = sorted(t for t, _ in arrivals)
    assert max_in_window(times, 1.0) <= 30
    by_chat: dict[int, list[float]] = {}
    for t, chat in arrivals:
        by_chat.setdefault(chat, []).append(t)
    for chat, chat_times in by_chat.items():
        chat_times.sort()
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(chat_times)), chat
        if chat < 0:
            assert max_in_window(chat_times, 60.0) <= 20


# --- fairness ------------------------------------------------------------------------------------


def test_a_busy_group_does_not_hold_up_private_chats() -> None:
    async def main() -> list[tuple[float, Hashable]]:
        # Forty messages for one group arrive first, then a hundred for a hundred officials.
        return await send_all(Pacer(), [-1] * 40 + list(range(1, 101)))

    grants = run_virtual(main)
    assert_limits_hold(grants, LIMITS)
    private = [t for t, chat in grants if chat != -1]
    group = [t for t, chat in grants if chat == -1]
    # The private messages go at the overall rate, interleaved with the group's one a second:
    # 100 of them plus the ~4 group sends in between take about 104 slots of 35 ms.
    assert max(private) <= 105 * LIMITS.overall_gap
    assert len(group) == 40
    assert group[20] == pytest.approx(60.05)


def test_a_chat_that_must_wait_does_not_block_the_queue_behind_it() -> None:
    async def main() -> list[tuple[float, Hashable]]:
        # Official 7 gets three messages in a row; the rest are for other chats.
        return await send_all(Pacer(), [7, 7, 7, *range(100, 110)])

    grants = run_virtual(main)
    order = [chat for _, chat in grants]
    # Official 7's second message waits its second while the ten others go.
    assert order[:1] == [7]
    assert order[1:11] == list(range(100, 110))
    assert [t for t, chat in grants if chat == 7] == pytest.approx([0.0, 1.05, 2.10])


def test_waiters_ready_at_the_same_time_go_in_arrival_order() -> None:
    async def main() -> list[tuple[float, Hashable]]:
        return await send_all(Pacer(), [3, 1, 2, 5, 4])

    assert [chat for _, chat in run_virtual(main)] == [3, 1, 2, 5, 4]


def test_a_random_mix_keeps_every_limit_and_the_rate() -> None:
    rng = random.Random(20260101)
    groups = [-(1000 + i) for i in range(5)]
    chats: list[Hashable] = [
        rng.choice(groups) if rng.random() < 0.06 else rng.randint(1, 400) for _ in range(1500)
    ]

    async def main() -> list[tuple[float, Hashable]]:
        return await send_all(Pacer(), chats)

    grants = run_virtual(main)
    assert len(grants) == 1500
    assert_limits_hold(grants, LIMITS)
    # Until the private messages are done (the groups' tail must wait for their minute to
    # pass), slots go at the full rate: nobody is kept waiting while a slot is free.
    private_done = max(t for t, chat in grants if isinstance(chat, int) and chat > 0)
    busy = [t for t, _ in grants if t <= private_done]
    assert len(busy) / private_done >= 28.4


def test_arrivals_over_time_are_served_as_they_come() -> None:
    async def main() -> list[tuple[float, Hashable]]:
        # Ten a second, well under the limit: nobody should wait at all.
        return await send_all(Pacer(), list(range(1, 51)), spacing=0.1)

    times = [t for t, _ in run_virtual(main)]
    assert times == pytest.approx([i * 0.1 for i in range(50)])


# --- housekeeping --------------------------------------------------------------------------------


def test_state_for_quiet_chats_is_dropped() -> None:
    async def main() -> tuple[int, int, int]:
        pacer = Pacer()
        await send_all(pacer, [-5, *range(1, 301)])
        during = pacer.tracked_chats
        await asyncio.sleep(2)  # private chats expire after their 1.05 s
        after_private = pacer.tracked_chats
        await asyncio.sleep(60)  # the group after its minute
        return during, after_private, pacer.tracked_chats

    during, after_private, after_all = run_virtual(main)
    assert during <= 1 + 40  # the group plus the private chats served in the last 1.05 s
    assert after_private == 1
    assert after_all == 0


def test_a_cancelled_waiter_gives_its_turn_away() -> None:
    async def main() -> tuple[list[tuple[float, Hashable]], int, int]:
        pacer = Pacer()
        loop = asyncio.get_running_loop()
        grants: list[tuple[float, Hashable]] = []

        async def one(chat: int) -> None:
            await pacer.acquire(chat)
            grants.append((loop.time(), chat))

        await pacer.acquire(9)  # official 9 now has to wait 1.05 s
        doomed = asyncio.create_task(one(9))
        others = [asyncio.create_task(one(chat)) for chat in (1, 2)]
        await asyncio.sleep(0.5)
        doomed.cancel()
        await asyncio.gather(*others)
        with pytest.raises(asyncio.CancelledError):
            await doomed
        await asyncio.sleep(5)
        return grants, pacer.waiting, pacer.tracked_chats

    grants, waiting, tracked = run_virtual(main)
    assert [chat for _, chat in grants] == [1, 2]
    assert waiting == 0
    assert tracked == 0


def test_aclose_cancels_waiters() -> None:
    async def main() -> bool:
        pacer = Pacer()
        await pacer.acquire(1)
        waiter = asyncio.create_task(pacer.acquire(1))
        await asyncio.sleep(0.1)
        await pacer.aclose()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        return True

    assert run_virtual(main)


def test_a_disabled_pacer_never_waits() -> None:
    async def main() -> list[tuple[float, Hashable]]:
        return await send_all(Pacer(enabled=False), [1] * 100)

    assert {t for t, _ in run_virtual(main)} == {0.0}


def test_limits_reject_nonsense() -> None:
    with pytest.raises(ValueError, match="at least one"):
        PacingLimits(overall_per_second=0)
    with pytest.raises(ValueError, match="positive"):
        PacingLimits(per_chat_per_second=0)


# --- an injected clock on an ordinary loop -------------------------------------------------------


class FakeClock:
    """A clock that moves only when the pacer sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def test_an_injected_clock_and_sleep_drive_the_pacer() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    granted: list[float] = []

    async def one() -> None:
        await pacer.acquire(77)
        granted.append(clock())

    await asyncio.gather(*(one() for _ in range(3)))
    assert granted == pytest.approx([100.0, 101.05, 102.10])
    assert clock.sleeps == pytest.approx([1.05, 1.05])
