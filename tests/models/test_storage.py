"""Storage on SQLite and PostgreSQL: migrations, constraints, transactions and time zones."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from models import migrate
from models.db import session_scope
from models.tables import InboundUpdate, Organization, Task
from tests.factories import make_org, make_plan, make_task


def test_migrations_run_up_from_empty_and_create_every_table(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert {
        "organization",
        "unit",
        "official",
        "plan",
        "task",
        "indicator",
        "progressupdate",
        "outboxmessage",
        "inboundupdate",
        "auditevent",
        "chatlink",
    } <= tables
    assert migrate.current_revision(empty_engine) == migrate.head_revision()


def test_migrations_walk_down_and_up_again(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "base")
    assert "task" not in inspect(empty_engine).get_table_names()
    migrate.upgrade(empty_engine)
    assert "task" in inspect(empty_engine).get_table_names()


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    with session_scope(engine) as s:
        make_org(s, code="nam-dong")
    migrate.upgrade(engine)
    with session_scope(engine, readonly=True) as s:
        assert [o.code for o in s.exec(select(Organization))] == ["nam-dong"]


def test_database_of_a_newer_schema_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    with pytest.raises(migrate.SchemaTooNew):
        migrate.upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
            "9999_from_the_future"
        )


def test_aware_datetimes_come_back_aware_and_equal(engine: Engine) -> None:
    hanoi = timezone(timedelta(hours=7))
    sent = datetime(2026, 12, 14, 8, 30, tzinfo=hanoi)
    with session_scope(engine) as s:
        s.add(InboundUpdate(channel="telegram", update_id="1", received_at=sent))
    with session_scope(engine, readonly=True) as s:
        row = s.exec(select(InboundUpdate)).one()
    assert row.received_at == sent
    assert row.received_at.tzinfo is not None
    assert row.received_at.astimezone(UTC).hour == 1


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    naive = InboundUpdate(channel="telegram", update_id="2", received_at=datetime(2026, 1, 1))

    def store_it() -> None:
        with session_scope(engine) as s:
            s.add(naive)

    with pytest.raises(Exception, match="naive"):
        store_it()


def test_the_same_update_is_stored_once(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.add(InboundUpdate(channel="telegram", update_id="42"))
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(InboundUpdate(channel="telegram", update_id="42"))
    with session_scope(engine) as s:
        s.add(InboundUpdate(channel="zalo", update_id="42"))  # another channel, another update
    with session_scope(engine, readonly=True) as s:
        assert len(s.exec(select(InboundUpdate)).all()) == 2


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(Task(plan_id=12345, org_id=999, title="mồ côi"))


def test_a_failed_transaction_writes_nothing(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as s:  # noqa: PT012 (the block is the transaction)
        make_org(s, code="half")
        raise RuntimeError("boom")
    with session_scope(engine, readonly=True) as s:
        assert s.exec(select(Organization)).all() == []


def test_dates_and_json_round_trip(engine: Engine) -> None:
    with session_scope(engine) as s:
        org = make_org(s)
        plan = make_plan(s, org)
        task = make_task(s, plan, due_date=date(2026, 3, 31), coord_unit_ids=[3, 4])
        task_id = task.id
    with session_scope(engine, readonly=True) as s:
        stored = s.get(Task, task_id)
        assert stored is not None
        assert stored.due_date == date(2026, 3, 31)
        assert task.coord_unit_ids == [3, 4]


def test_concurrent_read_then_write_loses_no_update(engine: Engine) -> None:
    """Eight threads each add 1 to a percent 25 times: every increment must survive."""
    with session_scope(engine) as s:
        task_id = make_task(s, make_plan(s, make_org(s)), percent=0.0).id

    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(25):
                with session_scope(engine) as s:
                    if engine.dialect.name == "postgresql":
                        row = s.exec(
                            select(Task).where(Task.id == task_id).with_for_update()
                        ).one()
                    else:
                        row = s.exec(select(Task).where(Task.id == task_id)).one()
                    row.percent = (row.percent or 0) + 1
                    s.add(row)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    with session_scope(engine, readonly=True) as s:
        assert s.get(Task, task_id).percent == 200  # type: ignore[union-attr]
