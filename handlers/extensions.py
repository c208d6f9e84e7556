"""Extension requests: the directing leader approves or declines; approval moves the deadline."""

from __future__ import annotations

from sqlmodel import select

from handlers.context import Context
from locales import fmt_date, t
from models.messages import Button, Outbound
from models.queries import audit, task_label
from models.tables import Official, ProgressUpdate, Task
from scheduler.notify import admins_of, notify_official
from scheduler.outbox import cancel_pending
from scheduler.render import shorten


def directing_leaders(ctx: Context, task: Task) -> list[Official]:
    """Return who decides on the task: its directing leader, else the chair, else admins."""
    if task.directing_official_id:
        leader = ctx.session.get(Official, task.directing_official_id)
        if leader is not None and leader.active:
            return [leader]
    chairs = ctx.session.exec(
        select(Official).where(Official.org_id == task.org_id, Official.is_chair, Official.active)
    ).all()
    return list(chairs) or admins_of(session=ctx.session, org_id=task.org_id)


def request_extension(
    ctx: Context, official: Official, task: Task, update: ProgressUpdate
) -> list[Outbound]:
    """Send the request to the directing leader with Approve/Decline buttons."""
    leaders = directing_leaders(ctx, task)
    sent = 0
    for leader in leaders:
        lang = leader.locale
        until = (
            fmt_date(update.expected_date, lang)
            if update.expected_date
            else t(lang, "chưa nêu ngày")
        )
        current = fmt_date(task.due_date, lang) if task.due_date else t(lang, "chưa có hạn")
        text = t(
            lang,
            "⏳ {name} xin gia hạn nhiệm vụ {label}: {title}\nHạn hiện tại: {current}"
            "\nXin đến: {until}",
            name=official.name,
            label=task_label(task),
            title=shorten(task.title, 90),
            current=current,
            until=until,
        )
        if update.blocker:
            text += "\n" + t(lang, "Lý do: {reason}", reason=shorten(update.blocker, 200))
        buttons: tuple[tuple[Button, ...], ...] = ()
        if update.expected_date:
            buttons = (
                (
                    Button(t(lang, "✅ Đồng ý"), f"xa:{update.id}"),
                    Button(t(lang, "✖️ Không đồng ý"), f"xd:{update.id}"),
                ),
            )
        out = Outbound(text=text, buttons=buttons)
        if notify_official(
            session=ctx.session,
            official=leader,
            outbound=out,
            now=ctx.now,
            key=f"ext:{update.id}",
            task_id=task.id,
        ):
            sent += 1
    if sent:
        return [ctx.reply(ctx._("Đã chuyển đề nghị gia hạn tới lãnh đạo chỉ đạo."))]
    return [
        ctx.reply(
            ctx._("Chưa có lãnh đạo nào nhận được đề nghị gia hạn qua bot; hãy báo văn phòng.")
        )
    ]


def on_decision(ctx: Context) -> list[Outbound]:
    """Approve (xa:<update>) or decline (xd:<update>) an extension request."""
    assert ctx.official is not None
    action, _, arg = (ctx.inbound.button or "").partition(":")
    update = ctx.session.get(ProgressUpdate, int(arg)) if arg.isdigit() else None
    task = ctx.session.get(Task, update.task_id) if update and update.task_id else None
    if update is None or task is None or task.org_id != ctx.official.org_id:
        return [ctx.reply(ctx._("Đề nghị này không còn."))]
    deciders = {o.id for o in directing_leaders(ctx, task)}
    if ctx.official.id not in deciders and ctx.official.role != "admin":
        return [ctx.reply(ctx._("Chỉ lãnh đạo chỉ đạo nhiệm vụ mới duyệt được đề nghị này."))]
    requester = ctx.session.get(Official, update.official_id)
    approved = action == "xa" and update.expected_date is not None
    if approved:
        assert update.expected_date is not None
        if task.original_due_date is None:
            task.original_due_date = task.due_date
        task.due_date = update.expected_date
        if task.deadline_kind not in ("once",):
            task.deadline_kind = "once"
        ctx.session.add(task)
        # Reminders planned for the old date no longer apply; the planner plans the new ones.
        cancel_pending(ctx.session, task_id=task.id or 0)
        from scheduler.planner import plan_for_tasks

        plan_for_tasks(session=ctx.session, tasks=[task], now=ctx.now)
    audit(
        session=ctx.session,
        action="extension.approved" if approved else "extension.declined",
        at=ctx.now,
        org_id=task.org_id,
        actor_id=ctx.official.id,
        subject=f"task:{task.id}",
    )
    if requester is not None:
        lang = requester.locale
        msg = (
            t(
                lang,
                "✅ Lãnh đạo đã đồng ý gia hạn nhiệm vụ {label} đến {date}.",
                label=task_label(task),
                date=fmt_date(task.due_date, lang),
            )
            if approved and task.due_date
            else t(
                lang,
                "✖️ Lãnh đạo chưa đồng ý gia hạn nhiệm vụ {label}; hạn vẫn giữ nguyên.",
                label=task_label(task),
            )
        )
        notify_official(
            session=ctx.session,
            official=requester,
            outbound=Outbound(text=msg),
            now=ctx.now,
            key=f"extdecision:{update.id}",
            task_id=task.id,
        )
    done = (
        ctx._("Đã đồng ý gia hạn nhiệm vụ {label}.", label=task_label(task))
        if approved
        else ctx._("Đã từ chối gia hạn nhiệm vụ {label}.", label=task_label(task))
    )
    return [ctx.reply(done, edit_of=ctx.inbound.button_message_id)]
