"""The planner on the database: who is reminded of what, when, once.

Each test opens an office on the real database (SQLite, and PostgreSQL when it answers),
freezes the clock, plans as the daily job does, and delivers through the real Sender to a
recording channel; assertions are about what each person receives and when.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from models.db import session_scope
from models.tables import Indicator, OutboxMessage, Snooze
from scheduler import outbox
from scheduler.planner import calendar_for
from tests.scheduler.kit import Delivery, Office, RecordingTransport, at

CATCH_UP = "📬 Các nhắc việc trong lúc hệ thống gián đoạn"
ESCALATION = "📣 Nhiệm vụ quá hạn cần đồng chí chỉ đạo"
OVERDUE = "⏰ Đã quá hạn"
KPI = "📏 Đến kỳ báo cáo số liệu chỉ tiêu"
MONTHLY = "🗓 Đến kỳ cập nhật tiến độ hằng tháng"


@pytest.fixture
def office(engine: Engine) -> Office:
    """A ward on Monday 16 November 2026, 06:00, with two plans' worth of people."""
    office = Office.open(engine, at(2026, 11, 16, 6, 0))
    office.person("An", unit="VH")
    office.person("Bình", unit="VH")
    office.person("Cường", unit="KT")
    office.person("Lan", unit="VP")
    office.person("Tuấn", role="leader")
    office.person("Hùng", role="leader", chair=True)
    office.person("Trang", role="admin")
    return office


def labels(delivery: Delivery) -> set[str]:
    """The task labels a message lists ("I.1"), as an official reads them."""
    return {
        line.split(". ", 1)[0]
        for line in delivery.message.text.splitlines()
        if ". " in line and line[:1] in "IVX"
    }


async def deliver(
    office: Office, transport: RecordingTransport, moment: datetime, **options: object
) -> list[Delivery]:
    """Set the clock to ``moment``, run the sender once and return what went out."""
    office.clock.set(moment)
    before = len(transport.sent)
    await office.sender(transport, **options).run_once()
    return transport.sent[before:]


# --- idempotency ----------------------------------------------------------------------------


async def test_planning_twice_or_from_a_second_worker_writes_nothing_twice(
    office: Office, engine: Engine
) -> None:
    office.task("1", due=date(2026, 11, 30))
    office.task("2", due=date(2026, 11, 30))
    office.task("1", section="II", unit="KT", due=date(2026, 12, 15))
    first = office.plan()
    assert first > 0
    assert office.plan() == 0
    # Two workers planning the same morning at the same time: one writes, the other nothing.
    results: list[int] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        results.append(office.plan())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [0, 0]
    rows = office.reminder_rows()
    assert len(rows) == first
    keys = Counter((r.task_id, r.official_id, r.reason, r.payload["period"]) for r in rows)
    assert max(keys.values()) == 1
    # The next morning adds only what the window gained, and each reminder arrives once.
    office.clock.set(at(2026, 11, 17, 6, 0))
    assert office.plan() == len(office.reminder_rows()) - first
    transport = RecordingTransport(office.clock)
    await office.walk(office.sender(transport), at(2026, 12, 1, 18, 0))
    seen = Counter((d.chat_id, d.local.date(), d.message.text) for d in transport.sent)
    assert transport.sent and max(seen.values()) == 1
    assert all(
        r.state in ("sent", "cancelled")
        for r in office.reminder_rows(OutboxMessage.due_at < at(2026, 12, 1, 17, 0))
    )


# --- bundling -------------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [200, 1])
async def test_tasks_due_together_for_one_official_go_out_as_one_message(
    office: Office, batch_size: int
) -> None:
    for stt in ("1", "2", "3"):
        office.task(stt, due=date(2026, 11, 30))  # due_7 for all three on Wednesday 18/11
    office.plan()
    transport = RecordingTransport(office.clock)
    sent = await deliver(office, transport, at(2026, 11, 18, 8, 30), batch_size=batch_size)
    for name in ("An", "Bình"):
        [message] = office.received(sent, name)
        assert labels(message) == {"I.1", "I.2", "I.3"}
        assert "Trả lời kèm số nhiệm vụ" in message.message.text
    assert {office.name_of(d.chat_id) for d in sent} == {"An", "Bình"}


# --- what stops and what moves --------------------------------------------------------------


async def test_a_done_task_stops_reminding(office: Office) -> None:
    office.task("1", due=date(2026, 11, 30))
    office.task("2", due=date(2026, 11, 30))
    office.plan()
    office.update_task("I.2", status="done", percent=100.0)
    assert office.plan() == 0
    transport = RecordingTransport(office.clock)
    sent = await deliver(office, transport, at(2026, 11, 18, 8, 30))
    assert [labels(d) for d in office.received(sent, "An")] == [{"I.1"}]
    await office.walk(office.sender(transport), at(2026, 12, 10, 18, 0))
    assert not any("I.2" in labels(d) for d in transport.sent)
    assert {
        r.state for r in office.reminder_rows(OutboxMessage.task_id == office.tasks["I.2"])
    } == {"cancelled"}


async def test_a_snoozed_task_comes_back_at_the_snooze_and_only_for_who_snoozed(
    office: Office,
) -> None:
    office.task("1", due=date(2026, 11, 30), directing="Tuấn")
    with session_scope(office.engine) as s:
        s.add(
            Snooze(
                task_id=office.tasks["I.1"],
                official_id=office.people["An"],
                until=at(2026, 11, 23, 14, 0),
            )
        )
    office.plan()
    transport = RecordingTransport(office.clock)
    wednesday = await deliver(office, transport, at(2026, 11, 18, 8, 30))
    assert [office.name_of(d.chat_id) for d in wednesday] == ["Bình"]
    friday = await deliver(office, transport, at(2026, 11, 20, 8, 30))
    assert [office.name_of(d.chat_id) for d in friday] == ["Bình"]  # the monthly nudge
    monday = await deliver(office, transport, at(2026, 11, 23, 14, 0))
    [back] = office.received(monday, "An")
    assert labels(back) == {"I.1"}
    # The snooze moves no one else's reminder: Bình's due_3 on the 25th is where it was.
    assert office.received(await deliver(office, transport, at(2026, 11, 25, 8, 30)), "Bình")


# --- recipients -----------------------------------------------------------------------------


async def test_recipients_lead_unit_named_person_and_no_coordinating_units_by_default(
    office: Office,
) -> None:
    office.task("1", due=date(2026, 11, 30), coord=["KT"])
    office.task("2", due=date(2026, 11, 30), lead="Bình")
    office.plan()
    transport = RecordingTransport(office.clock)
    sent = await deliver(office, transport, at(2026, 11, 18, 8, 30))
    assert [labels(d) for d in office.received(sent, "An")] == [{"I.1"}]
    assert [labels(d) for d in office.received(sent, "Bình")] == [{"I.1", "I.2"}]
    assert not office.received(sent, "Cường")  # coordinating: not unless the plan asks
    assert {office.name_of(d.chat_id) for d in sent} == {"An", "Bình"}


async def test_coordinating_units_hear_of_the_deadline_when_the_plans_policy_says_so(
    office: Office,
) -> None:
    told = office.another_plan(notify_coordinating_units=True)
    office.task("1", due=date(2026, 11, 30), coord=["KT"], plan_id=told)
    office.task("2", due=date(2026, 11, 30), coord=["KT"])  # the first plan keeps the default
    office.plan()
    transport = RecordingTransport(office.clock)
    sent = await deliver(office, transport, at(2026, 11, 18, 8, 30))
    assert [labels(d) for d in office.received(sent, "Cường")] == [{"I.1"}]
    assert [labels(d) for d in office.received(sent, "An")] == [{"I.1", "I.2"}]


async def test_the_directing_leader_is_told_on_the_seventh_working_day_overdue(
    office: Office,
) -> None:
    office.clock.set(at(2026, 11, 2, 6, 0))
    office.task("1", due=date(2026, 11, 2), directing="Tuấn")
    office.task("2", due=date(2026, 11, 2))  # no directing leader named: the chair
    transport = RecordingTransport(office.clock)
    await office.walk(office.sender(transport), at(2026, 11, 12, 6, 0))
    leaders = [d for d in transport.sent if office.name_of(d.chat_id) in ("Tuấn", "Hùng")]
    assert [(office.name_of(d.chat_id), d.local.date(), labels(d)) for d in leaders] == [
        ("Tuấn", date(2026, 11, 11), {"I.1"}),
        ("Hùng", date(2026, 11, 11), {"I.2"}),
    ]
    assert all(d.message.text.startswith(ESCALATION) for d in leaders)
    # The officials heard of it as overdue on the first working day after the date.
    assert [
        d.local.date()
        for d in office.received(transport.sent, "An")
        if d.message.text.startswith(OVERDUE)
    ] == [date(2026, 11, 3)]


# --- policies -------------------------------------------------------------------------------


async def test_organization_and_plan_policies_override_the_defaults(office: Office) -> None:
    office.org_reminders(due_offsets=[2], opens="07:00", send_time="07:15")
    own = office.another_plan(due_offsets=[5])
    office.task("1", due=date(2026, 11, 30))
    office.task("2", due=date(2026, 11, 30), plan_id=own)
    office.plan()
    reasons = {
        (r.task_id, r.reason)
        for r in office.reminder_rows(OutboxMessage.official_id == office.people["An"])
    }
    assert (office.tasks["I.1"], "due_2") in reasons
    assert (office.tasks["I.2"], "due_5") in reasons
    assert not {r for _, r in reasons} & {"due_7", "due_3", "due_1"}
    # The organization opens at 07:00 and sends at 07:15: the sender keeps those hours.
    transport = RecordingTransport(office.clock)
    await deliver(office, transport, at(2026, 11, 25, 16, 0))  # what was due before
    sent = await deliver(office, transport, at(2026, 11, 26, 7, 15))
    assert [labels(d) for d in office.received(sent, "An")] == [{"I.1"}]


# --- working days and hours -----------------------------------------------------------------


async def test_nothing_goes_out_outside_working_hours_weekends_or_tet(office: Office) -> None:
    office.clock.set(at(2027, 1, 25, 6, 0))
    office.task("1", due=date(2027, 2, 8))  # the Monday of Tết Đinh Mùi
    office.task("2", due=date(2027, 2, 12), unit="KT")
    office.task("3", kind="ongoing", unit="VP")
    transport = RecordingTransport(office.clock)
    await office.walk(office.sender(transport), at(2027, 2, 20, 6, 0), step=timedelta(hours=1))
    cal = calendar_for_office(office)
    assert transport.sent
    for d in transport.sent:
        assert cal.is_open(d.at), d
        assert d.local.weekday() < 5
        assert not date(2027, 2, 4) <= d.local.date() <= date(2027, 2, 10)
    an = [
        (d.local.date(), d.message.text.splitlines()[0])
        for d in office.received(transport.sent, "An")
    ]
    # Due on the first Monday of Tết: "today" on the last working day before it, overdue on
    # the first one after.
    assert (date(2027, 2, 3), "🔔 Hôm nay đến hạn") in an
    assert (date(2027, 2, 11), OVERDUE) in an


async def test_a_message_due_after_hours_waits_for_the_next_working_morning(
    office: Office,
) -> None:
    office.task("1", due=date(2026, 12, 31))
    friday_evening = at(2026, 11, 27, 17, 30)
    with session_scope(office.engine) as s:
        outbox.enqueue(
            s,
            [
                {
                    "org_id": office.org_id,
                    "official_id": office.people["An"],
                    "kind": "reminder",
                    "task_id": office.tasks["I.1"],
                    "reason": "snooze",
                    "channel": "console",
                    "chat_id": office.chats["An"],
                    "due_at": friday_evening,
                    "payload": {"audience": "lead"},
                    "idempotency_key": "snooze-late",
                }
            ],
        )
    transport = RecordingTransport(office.clock)
    assert not await deliver(office, transport, friday_evening)
    assert not await deliver(office, transport, at(2026, 11, 28, 10, 0))  # Saturday
    sent = await deliver(office, transport, at(2026, 11, 30, 8, 0))
    assert [office.name_of(d.chat_id) for d in sent] == ["An"]


def calendar_for_office(office: Office):
    from models.tables import Organization

    with session_scope(office.engine, readonly=True) as s:
        org = s.get(Organization, office.org_id)
        assert org is not None
        return calendar_for(org)


# --- downtime -------------------------------------------------------------------------------


async def test_after_downtime_each_reminder_goes_once_and_old_ones_fold_into_one(
    office: Office,
) -> None:
    office.task("1", due=date(2026, 11, 30))
    office.task("2", due=date(2026, 11, 30))
    office.task("3", due=date(2026, 11, 19))
    office.plan()  # Monday 06:00; then the bot is down until Friday 09:00
    transport = RecordingTransport(office.clock)
    sent = await deliver(office, transport, at(2026, 11, 20, 9, 0))
    an = office.received(sent, "An")
    assert len(an) == 2
    [folded] = [d for d in an if d.message.text.startswith(CATCH_UP)]
    assert labels(folded) == {"I.1", "I.2"}  # Wednesday's due_7 of both tasks
    [today] = [d for d in an if d is not folded]
    assert today.message.text.startswith(OVERDUE) and "I.3" in labels(today)
    # Warnings of a date already past ("due tomorrow" for I.3) are not sent late.
    assert not any("I.3" in labels(d) for d in an if d is folded)
    assert len(office.received(sent, "Bình")) == 2
    assert not await deliver(office, transport, at(2026, 11, 20, 9, 30))
    assert not office.reminder_rows(
        OutboxMessage.state.in_(("pending", "sending")),  # type: ignore[attr-defined]
        OutboxMessage.due_at <= at(2026, 11, 20, 9, 0),
    )


# --- month ends and indicators --------------------------------------------------------------


async def test_month_ends_on_weekends_move_to_the_working_day_before(office: Office) -> None:
    office.org_reminders(monthly_day=31)
    office.clock.set(at(2027, 1, 18, 6, 0))
    office.task("1", due=date(2027, 1, 31))  # a Sunday
    office.task("2", kind="ongoing", unit="KT")
    transport = RecordingTransport(office.clock)
    await office.walk(office.sender(transport), at(2027, 3, 2, 6, 0))
    an = [
        (d.local.date(), d.message.text.splitlines()[0])
        for d in office.received(transport.sent, "An")
    ]
    assert (date(2027, 1, 29), "🔔 Hôm nay đến hạn") in an  # Friday before the Sunday
    assert (date(2027, 2, 1), OVERDUE) in an
    cuong = [d.local.date() for d in office.received(transport.sent, "Cường")]
    # The nudge of "the 31st": 29/1 (31/1 is a Sunday), 26/2 (28/2 is a Sunday).
    assert cuong == [date(2027, 1, 29), date(2027, 2, 26)]


async def test_indicator_period_nudges_go_to_the_monitoring_unit(office: Office) -> None:
    office.clock.set(at(2026, 12, 14, 6, 0))
    office.indicator("5", unit="VP")
    office.plan()
    transport = RecordingTransport(office.clock)
    assert not await deliver(office, transport, at(2026, 12, 23, 16, 0))
    sent = await deliver(office, transport, at(2026, 12, 24, 8, 30))  # 5 working days to 31/12
    [nudge] = sent
    assert office.name_of(nudge.chat_id) == "Lan"
    assert nudge.message.text.startswith(KPI) and "CT5" in nudge.message.text
    await office.walk(office.sender(transport), at(2027, 1, 5, 6, 0))
    assert len(transport.sent) == 1


async def test_an_indicator_a_revision_removed_is_not_asked_for(office: Office) -> None:
    office.clock.set(at(2026, 12, 14, 6, 0))
    kpi_id = office.indicator("5", unit="VP")
    office.plan()
    assert office.rows(OutboxMessage.indicator_id == kpi_id)
    with session_scope(office.engine) as s:
        kpi = s.get(Indicator, kpi_id)
        assert kpi is not None
        kpi.removed_at = office.clock.now()
        s.add(kpi)
    transport = RecordingTransport(office.clock)
    await office.walk(office.sender(transport), at(2027, 1, 5, 6, 0))
    assert not transport.sent
    assert {r.state for r in office.rows(OutboxMessage.indicator_id == kpi_id)} == {"cancelled"}


async def test_a_unit_nobody_registered_for_is_reported_not_lost(office: Office) -> None:
    office.task("1", due=date(2026, 11, 30), unit="KT")
    with session_scope(office.engine) as s:
        from models.tables import Official

        cuong = s.get(Official, office.people["Cường"])
        assert cuong is not None
        cuong.active = False
        s.add(cuong)
    office.plan()
    transport = RecordingTransport(office.clock)
    sent = await deliver(office, transport, at(2026, 11, 18, 8, 30))
    [alert] = [d for d in sent if office.name_of(d.chat_id) == "Trang"]
    assert "Phòng Kinh tế, Hạ tầng và Đô thị" in alert.message.text
    assert {r.state for r in office.reminder_rows(OutboxMessage.due_at <= office.clock.now())} == {
        "unreachable"
    }
