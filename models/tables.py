"""The tables of Đôn Đốc.

One deployment serves several organizations (communes and wards). A plan document gives
tasks and indicators; units and officials answer for them; progress updates, evidence and
every message in and out are kept. Times are aware UTC (``UTCDateTime``); deadlines are
local dates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow

ROLES: tuple[str, ...] = ("admin", "leader", "official")
STATUSES: tuple[str, ...] = ("not_started", "in_progress", "blocked", "done")
CHANNELS: tuple[str, ...] = ("telegram", "zalo", "console")
OUTBOX_STATES: tuple[str, ...] = (
    "pending",  # planned, waiting for its time
    "sending",  # claimed by a worker until claimed_until
    "sent",  # the platform accepted it
    "unreachable",  # the chat refused us (403) or there is no chat to send to
    "failed",  # gave up after the last attempt
    "cancelled",  # no longer needed (task done, reminder replaced)
    "folded",  # merged into a catch-up message after downtime
)


def _json_column() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def _json_list_column() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Organization(SQLModel, table=True):
    """A commune or ward: the owner of plans, units and officials."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=255)
    timezone: str = Field(default="Asia/Ho_Chi_Minh", max_length=64)
    locale: str = Field(default="vi", max_length=8)
    settings: dict[str, Any] = _json_column()  # reminder policy overrides and calendar extras
    created_at: datetime = _created()


class Unit(SQLModel, table=True):
    """A division or body ("Phòng Văn hóa - Xã hội"), with every spelling seen for it."""

    __table_args__ = (UniqueConstraint("org_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    key: str = Field(max_length=255)  # folded canonical key, the same for every spelling
    name: str = Field(max_length=255)
    aliases: list[str] = _json_list_column()
    created_at: datetime = _created()


class Official(SQLModel, table=True):
    """A person: an official who reports, a leader who directs, or an admin of the office."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=255)
    post: str | None = Field(default=None, max_length=255)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    role: str = Field(default="official", max_length=16)
    is_chair: bool = False  # a leader who sees the whole organization
    locale: str = Field(default="vi", max_length=8)
    active: bool = True
    created_at: datetime = _created()


class ChatLink(SQLModel, table=True):
    """A chat on one channel linked to an official (or a group registered to a unit)."""

    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    official_id: int | None = Field(default=None, foreign_key="official.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")  # a group chat of a unit
    is_group: bool = False
    reachable: bool = True
    linked_at: datetime = _created()


class Plan(SQLModel, table=True):
    """A plan document as imported: number, date, issuer and the source file's hash."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    number: str | None = Field(default=None, max_length=64)
    issued_on: date | None = None
    issuer: str | None = Field(default=None, max_length=255)
    title: str | None = None
    source_name: str = Field(default="", max_length=255)
    source_hash: str = Field(default="", max_length=64, index=True)
    settings: dict[str, Any] = _json_column()  # per-plan reminder policy overrides
    imported_at: datetime = _created()
    revised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Task(SQLModel, table=True):
    """A row of the plan's task appendix, with its people, units and deadline."""

    __table_args__ = (Index("ix_task_plan_section_stt", "plan_id", "section", "stt"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    section: str | None = Field(default=None, max_length=16)
    section_title: str | None = None
    stt: str | None = Field(default=None, max_length=16)
    title: str
    directing_text: str | None = None  # the directing leader as written
    directing_name: str | None = Field(default=None, max_length=255)
    directing_post: str | None = None
    directing_official_id: int | None = Field(default=None, foreign_key="official.id")
    lead_unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    lead_person_text: str | None = None
    lead_official_id: int | None = Field(default=None, foreign_key="official.id")
    coord_unit_ids: list[int] = _json_list_column()
    output: str | None = None
    deadline_kind: str = Field(default="unknown", max_length=16)
    due_date: date | None = Field(default=None, index=True)
    original_due_date: date | None = None  # before any approved extension
    deadline_raw: str | None = None
    status: str = Field(default="not_started", max_length=16)
    percent: float | None = None
    last_update_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # gone from a revision
    created_at: datetime = _created()


class Indicator(SQLModel, table=True):
    """A KPI row: the indicator, its targets per milestone year and who monitors it."""

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    section: str | None = Field(default=None, max_length=16)
    section_title: str | None = None
    stt: str | None = Field(default=None, max_length=16)
    text: str
    targets: dict[str, Any] = _json_column()  # {"2025": "≥60%", "2030": "100%", ...}
    directing_text: str | None = None
    directing_official_id: int | None = Field(default=None, foreign_key="official.id")
    lead_text: str | None = None
    monitoring_unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    coord_unit_ids: list[int] = _json_list_column()
    output: str | None = None
    current_value: str | None = Field(default=None, max_length=255)
    last_update_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _created()


class ProgressUpdate(SQLModel, table=True):
    """A confirmed report from an official on a task or an indicator."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    official_id: int = Field(foreign_key="official.id", index=True)
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    indicator_id: int | None = Field(default=None, foreign_key="indicator.id", index=True)
    status: str | None = Field(default=None, max_length=16)
    percent: float | None = None
    value: str | None = Field(default=None, max_length=255)  # a KPI value as reported
    blocker: str | None = None
    expected_date: date | None = None
    extension_requested: bool = False
    raw_text: str = ""
    channel: str = Field(default="console", max_length=16)
    created_at: datetime = _created()
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Evidence(SQLModel, table=True):
    """A photo or document sent with an update: the plan's output (a decision, a report)."""

    id: int | None = Field(default=None, primary_key=True)
    update_id: int = Field(foreign_key="progressupdate.id", index=True)
    kind: str = Field(max_length=16)  # "photo" | "document"
    file_name: str = Field(default="", max_length=255)
    mime_type: str | None = Field(default=None, max_length=128)
    size: int = 0
    sha256: str = Field(default="", max_length=64)
    channel_file_id: str | None = Field(default=None, max_length=255)
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = _created()


class OutboxMessage(SQLModel, table=True):
    """A message the bot will send: planned in the database, sent once by the sender."""

    __table_args__ = (Index("ix_outbox_state_due", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    official_id: int | None = Field(default=None, foreign_key="official.id", index=True)
    channel: str = Field(max_length=16)
    chat_id: str | None = Field(default=None, max_length=64)
    kind: str = Field(default="reply", max_length=32)  # reminder, catchup, alert, reply ...
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    indicator_id: int | None = Field(default=None, foreign_key="indicator.id")
    reason: str | None = Field(default=None, max_length=32)  # due_7, monthly, escalation ...
    payload: dict[str, Any] = _json_column()
    due_at: datetime = Field(sa_type=UTCDateTime)
    idempotency_key: str = Field(max_length=255, unique=True)
    state: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    platform_message_id: str | None = Field(default=None, max_length=64)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _created()


class InboundUpdate(SQLModel, table=True):
    """An update received from a channel: stored before it is acknowledged, handled once."""

    __table_args__ = (UniqueConstraint("channel", "update_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    update_id: str = Field(max_length=64)
    payload: dict[str, Any] = _json_column()
    state: str = Field(default="pending", max_length=16)  # pending | done | failed
    attempts: int = 0
    error: str | None = None
    received_at: datetime = _created()
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Conversation(SQLModel, table=True):
    """What the bot waits for in one chat (a confirmation, a choice of task): survives restarts."""

    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    official_id: int | None = Field(default=None, foreign_key="official.id")
    state: str = Field(default="idle", max_length=32)
    data: dict[str, Any] = _json_column()
    updated_at: datetime = _created()


class Snooze(SQLModel, table=True):
    """An official asked to be reminded of a task later."""

    __table_args__ = (UniqueConstraint("task_id", "official_id"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    official_id: int = Field(foreign_key="official.id")
    until: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = _created()


class Invitation(SQLModel, table=True):
    """A one-time link that attaches a chat to an official, or to a new official of a unit/post."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    official_id: int | None = Field(default=None, foreign_key="official.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    post: str | None = None
    role: str = Field(default="official", max_length=16)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, foreign_key="official.id")
    created_at: datetime = _created()


class AuditEvent(SQLModel, table=True):
    """Who did what, when: imports, confirmations, undos, role changes, unreachable chats."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="official.id")
    action: str = Field(max_length=64)
    subject: str | None = Field(default=None, max_length=255)
    detail: dict[str, Any] = _json_column()
    at: datetime = _created()
