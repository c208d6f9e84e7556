"""The ward the benchmarks work in: a plan of 40 tasks over five units, officials with chats."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import session_scope
from models.tables import ChatLink, Official, Organization, Unit
from plans.draft import Deadline, DraftPlan, DraftTask
from plans.store import store_plan
from plans.units import make_unit

UNITS = (
    "Phòng Văn hóa - Xã hội",
    "Phòng Kinh tế, Hạ tầng và Đô thị",
    "Văn phòng HĐND và UBND",
    "Trung tâm Phục vụ hành chính công",
    "Công an phường",
)
TOPICS = ("dữ liệu dân cư", "tập huấn kỹ năng số", "hạ tầng mạng", "tuyên truyền")


def seed_ward(engine: Engine, *, code: str, channel: str, chats: list[str], now: datetime) -> None:
    """Store the ward's plan and one official per chat id, spread over the five units."""
    units = [unit for name in UNITS if (unit := make_unit(name)) is not None]
    tasks = [
        DraftTask(
            section=("I", "II", "III")[i % 3],
            stt=str(i // 3 + 1),
            title=f"Nhiệm vụ chuyển đổi số {i + 1} về {TOPICS[i % len(TOPICS)]}",
            lead_units=[units[i % len(units)]],
            deadline=Deadline("once", date(2026, 12, 31), "Tháng 12/2026"),
        )
        for i in range(40)
    ]
    with session_scope(engine) as s:
        org = Organization(code=code, name="Phường Thử Nghiệm")
        s.add(org)
        s.flush()
        store_plan(
            session=s,
            org_id=org.id or 0,
            now=now,
            draft=DraftPlan(source_name="kh.md", source_hash=code, tasks=tasks),
        )
        unit_rows = s.exec(select(Unit)).all()
        for k, chat in enumerate(chats):
            official = Official(
                org_id=org.id or 0,
                name=f"Cán bộ {k + 1}",
                unit_id=unit_rows[k % len(unit_rows)].id,
            )
            s.add(official)
            s.flush()
            s.add(ChatLink(channel=channel, chat_id=chat, official_id=official.id, linked_at=now))
