"""An admin sends the plan document in chat: read it, show the import report, store on confirm.

The handler never sees the platform: the Inbound carries the file's id, name and size, and
the channel gives ``Context.fetch_file`` to download the bytes. Nothing goes into the plan
tables before the admin presses "Lưu": the conversation keeps the file's id and the sha256
of the bytes that were shown, and on confirmation the file is fetched and read again. (A
draft is as big as the plan and has no lossless JSON form; reading again is cheap, and the
hash makes sure what is stored is what was shown.)

``store_and_replan`` is the one way a confirmed plan is stored, here and by
``python -m bot import``: store it, then cancel the reminders of the tasks whose deadline
changed or that were removed, and plan the changed and the new ones.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import PurePath

from sqlmodel import Session, select

from handlers.context import Context
from models.messages import Button, Outbound
from models.tables import Organization, Task
from plans.draft import DraftPlan
from plans.errors import TOO_BIG, ImportRefused
from plans.reader import read_plan
from plans.report import render_report
from plans.store import StoreResult, find_revised_plan, store_plan
from scheduler.outbox import cancel_pending
from scheduler.planner import plan_for_tasks

log = logging.getLogger(__name__)
PLAN_SUFFIXES = (".docx", ".xlsx", ".csv", ".md", ".txt")
STATE = "confirm_plan"
BUTTON = "pl"  # "pl:ok" stores, "pl:no" cancels
MB = 1024 * 1024
# While an official confirms a progress update, a file they send is its evidence.
_REPORTING_STATES = ("confirm", "pending_evidence")


def store_and_replan(
    *,
    session: Session,
    org_id: int,
    draft: DraftPlan,
    now: datetime,
    actor_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> StoreResult:
    """Store ``draft`` and bring the reminders of its tasks in line with it."""
    result = store_plan(
        session=session, org_id=org_id, draft=draft, now=now, actor_id=actor_id, progress=progress
    )
    for task_id in result.rescheduled:
        cancel_pending(session, task_id=task_id)
    wanted = {*result.rescheduled, *result.added_ids}
    if wanted:
        tasks = [
            t
            for t in session.exec(select(Task).where(Task.plan_id == result.plan.id))
            if t.id in wanted
        ]
        plan_for_tasks(session=session, tasks=tasks, now=now)
    return result


def is_plan_upload(ctx: Context) -> bool:
    """Return whether the message is a plan document an admin sent to be imported."""
    att = ctx.inbound.attachment
    return (
        att is not None
        and att.kind == "document"
        and PurePath(att.file_name.lower()).suffix in PLAN_SUFFIXES
        and ctx.official is not None
        and ctx.official.role == "admin"
        and ctx.conversation.state not in _REPORTING_STATES
    )


def on_upload(ctx: Context) -> list[Outbound]:
    """Read the plan an admin sent and show what it holds, with buttons to store or cancel."""
    att = ctx.inbound.attachment
    assert ctx.official is not None
    assert att is not None
    if att.size > ctx.max_upload_bytes:
        ctx.clear_state()
        return [ctx.reply(_too_big(ctx, att.file_name, att.size))]
    read = _read(ctx, att.file_id, att.file_name)
    if isinstance(read, str):
        ctx.clear_state()
        return [ctx.reply(read)]
    sha256, draft = read
    lines = [render_report(draft, ctx.locale)]
    stored = find_revised_plan(ctx.session, ctx.official.org_id, draft)
    if stored is not None and stored.source_hash == draft.source_hash:
        ctx.clear_state()
        lines.append(ctx._("Tệp này đã được nhập trước đây; không có gì thay đổi."))
        return [ctx.reply("\n".join(lines))]
    if stored is not None:
        lines.append(
            ctx._("Đây là bản sửa đổi của kế hoạch đã lưu; tiến độ đã báo cáo được giữ nguyên.")
        )
    lines.append(ctx._("Lưu kế hoạch này?"))
    ctx.set_state(
        STATE, file_id=att.file_id, file_name=att.file_name, sha256=sha256, by=ctx.official.id
    )
    buttons = (
        (Button(ctx._("✅ Lưu kế hoạch"), f"{BUTTON}:ok"), Button(ctx._("✖️ Hủy"), f"{BUTTON}:no")),
    )
    return [ctx.reply("\n".join(lines), buttons)]


def on_decision(ctx: Context) -> list[Outbound]:
    """Store the plan shown (pl:ok) or drop it (pl:no)."""
    assert ctx.official is not None
    conv = ctx.conversation
    edit = ctx.inbound.button_message_id
    if conv.state != STATE:
        return [ctx.reply(ctx._("Không có gì đang chờ xác nhận."))]
    if ctx.official.role != "admin" or conv.data.get("by") != ctx.official.id:
        return [ctx.reply(ctx._("Chỉ người gửi tệp kế hoạch mới lưu hoặc hủy được."))]
    data = dict(conv.data)
    ctx.clear_state()
    if ctx.inbound.button != f"{BUTTON}:ok":
        return [ctx.reply(ctx._("Đã hủy, không lưu gì."), edit_of=edit)]
    read = _read(ctx, data["file_id"], data["file_name"])
    if isinstance(read, str):
        return [ctx.reply(read)]
    sha256, draft = read
    if sha256 != data["sha256"]:
        return [ctx.reply(ctx._("Tệp đã khác với lúc gửi; chưa lưu gì. Hãy gửi lại tệp."))]
    result = store_and_replan(
        session=ctx.session,
        org_id=ctx.official.org_id,
        draft=draft,
        now=ctx.now,
        actor_id=ctx.official.id,
    )
    org = ctx.session.get(Organization, ctx.official.org_id)
    org_name = org.name if org is not None else str(ctx.official.org_id)
    text = render_report(draft, ctx.locale, stored=result)
    text += "\n" + ctx._("Đã lưu vào {org}.", org=org_name)
    return [ctx.reply(text, edit_of=edit)]


def _read(ctx: Context, file_id: str, name: str) -> tuple[str, DraftPlan] | str:
    """Fetch and read the file; return (sha256, draft) or the one sentence that says why not."""
    if ctx.fetch_file is None:
        return ctx._(
            "Kênh này chưa nhận được tệp kế hoạch; hãy nhập bằng lệnh python -m bot import."
        )
    try:
        data = ctx.fetch_file(file_id)
    except Exception:  # a download fails in many ways (network, expired id, too big for the
        # platform); to the admin they all mean "send it again"
        log.warning("could not fetch plan file %s", name, exc_info=True)
        return ctx._("Không tải được tệp {name}; hãy gửi lại.", name=name)
    if len(data) > ctx.max_upload_bytes:
        return _too_big(ctx, name, len(data))
    try:
        draft = read_plan(data=data, name=name, max_bytes=ctx.max_upload_bytes)
    except ImportRefused as exc:
        return exc.render(ctx.locale)
    return hashlib.sha256(data).hexdigest(), draft


def _too_big(ctx: Context, name: str, size: int) -> str:
    return ImportRefused(
        TOO_BIG, name=name, size=round(size / MB, 1), limit=round(ctx.max_upload_bytes / MB, 1)
    ).render(ctx.locale)
