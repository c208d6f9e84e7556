"""Factories for test objects: realistic defaults, override what the test is about."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from sqlmodel import Session

from models.tables import ChatLink, Indicator, Official, Organization, Plan, Task, Unit

_seq = itertools.count(1)


def make_org(session: Session, **fields: Any) -> Organization:
    n = next(_seq)
    org = Organization(**{"code": f"phuong-{n}", "name": f"Phường Thử {n}", **fields})
    session.add(org)
    session.flush()
    return org


def make_unit(session: Session, org: Organization, **fields: Any) -> Unit:
    unit = Unit(
        **{
            "org_id": org.id,
            "key": "phong van hoa xa hoi",
            "name": "Phòng Văn hóa - Xã hội",
            **fields,
        }
    )
    session.add(unit)
    session.flush()
    return unit


def make_official(
    session: Session,
    org: Organization,
    *,
    chat_id: str | None = None,
    channel: str = "console",
    **fields: Any,
) -> Official:
    official = Official(
        **{"org_id": org.id, "name": "Nguyễn Văn An", "role": "official", **fields}
    )
    session.add(official)
    session.flush()
    if chat_id is not None:
        session.add(ChatLink(channel=channel, chat_id=chat_id, official_id=official.id))
        session.flush()
    return official


def make_plan(session: Session, org: Organization, **fields: Any) -> Plan:
    plan = Plan(
        **{"org_id": org.id, "number": "45/KH-UBND", "issued_on": date(2026, 3, 31), **fields}
    )
    session.add(plan)
    session.flush()
    return plan


def make_task(session: Session, plan: Plan, **fields: Any) -> Task:
    n = next(_seq)
    task = Task(
        **{
            "plan_id": plan.id,
            "org_id": plan.org_id,
            "section": "I",
            "stt": str(n),
            "title": f"Nhiệm vụ thử số {n}",
            "deadline_kind": "once",
            "due_date": date(2026, 12, 31),
            "deadline_raw": "Tháng 12/2026",
            **fields,
        }
    )
    session.add(task)
    session.flush()
    return task


def make_indicator(session: Session, plan: Plan, **fields: Any) -> Indicator:
    n = next(_seq)
    kpi = Indicator(
        **{
            "plan_id": plan.id,
            "org_id": plan.org_id,
            "section": "I",
            "stt": str(n),
            "text": f"Tỷ lệ thử số {n}",
            "targets": {"2025": "≥60%"},
            **fields,
        }
    )
    session.add(kpi)
    session.flush()
    return kpi
