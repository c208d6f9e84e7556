"""Officials report progress: free text and buttons become a confirmed update.

The flow: find which task the message is about (a button, the reminder it replies to, a
number in the text, the official's only open task, or words of the task; otherwise ask),
understand the text, show what was understood with buttons to confirm or fix, and store
only after the official confirms.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select

from handlers.context import Context
from handlers.progress import record_update, undo_update
from handlers.understanding import Understanding, understand
from locales import N_, fmt_date, fmt_percent
from models.messages import Button, Outbound
from models.queries import (
    find_task_by_label,
    indicators_for_official,
    last_update,
    task_label,
    tasks_for_official,
)
from models.tables import (
    ChatLink,
    Indicator,
    Official,
    OutboxMessage,
    ProgressUpdate,
    Snooze,
    Task,
)
from plans.vntext import fold_key
from scheduler.outbox import enqueue
from scheduler.render import STATUS_LABELS, shorten

MAX_CHOICES = 6
# Words that say nothing about which task a message is about.
_STOP = frozenset(
    """
    va cac cua cho trong tren voi de da dang se la co khong chua duoc theo ve nay do the nhung
    mot hai ba nhiem vu viec thuc hien trien khai hoan thanh xong bao cao ke hoach phuong xa
    tai tu den nam thang ngay ro roi r k ko em anh chi a u oi nhe
    """.split()
)
MODES = {"p": "progress", "b": "blocker", "x": "extension", "v": "value"}


# --- entry points called by the router -------------------------------------------------------


def on_text(ctx: Context) -> list[Outbound]:
    """Understand a free-text reply and ask the official to confirm it."""
    official = _official(ctx)
    conv = ctx.conversation
    text = ctx.inbound.text.strip()
    mode: str | None = None
    target: Task | Indicator | None = None
    if conv.state == "await_text":
        mode = conv.data.get("mode")
        target = _load_target(ctx, conv.data)
    if target is None:
        target, choices = _resolve_target(ctx, official, text)
        if target is None and choices:
            ctx.set_state("choose_task", text=text, choices=[_ref(c) for c in choices])
            return [_ask_which(ctx, choices)]
        if target is None:
            return [
                ctx.reply(
                    ctx._(
                        "Đồng chí chưa có nhiệm vụ nào đang mở để báo cáo. "
                        "Gõ /tasks để xem nhiệm vụ của đơn vị."
                    )
                )
            ]
    return [_understand_and_confirm(ctx, target, text, mode)]


def on_button(ctx: Context) -> list[Outbound]:
    """Handle a pressed button: d/p/b/x/v/s on a task, c:* on a draft, t:* choosing a task."""
    data = ctx.inbound.button or ""
    action, _, arg = data.partition(":")
    official = _official(ctx)
    if action == "c":
        return _on_confirm_button(ctx, official, arg)
    if action == "t":
        return _on_choose(ctx, arg)
    if action in ("s1", "s7"):
        return _snooze(ctx, official, arg, days=1 if action == "s1" else 7)
    if action == "u":
        return undo(ctx)
    target = _target_from_arg(ctx, official, action, arg)
    if target is None:
        return [ctx.reply(ctx._("Nhiệm vụ này không còn trong danh sách của đồng chí."))]
    label = task_label(target)
    if action == "d" and isinstance(target, Task):
        draft = {"status": "done", "percent": 100.0}
        return [_confirm_draft(ctx, target, draft, raw=ctx._("Đã xong"))]
    if action == "s" and isinstance(target, Task):
        return [
            ctx.reply(
                ctx._("Nhắc lại nhiệm vụ {label} khi nào?", label=label),
                (
                    (
                        Button(ctx._("Ngày mai"), f"s1:{target.id}"),
                        Button(ctx._("Tuần sau"), f"s7:{target.id}"),
                    ),
                ),
            )
        ]
    if action in MODES:
        ctx.set_state("await_text", mode=MODES[action], **_ref(target))
        prompts = {
            "progress": N_(
                "Nhiệm vụ {label}: tiến độ đến nay thế nào? "
                'Ví dụ: "đang làm 70%, dự kiến xong 25/12".'
            ),
            "blocker": N_("Nhiệm vụ {label}: đang vướng mắc gì? Hãy viết ngắn gọn."),
            "extension": N_(
                "Nhiệm vụ {label}: xin gia hạn đến ngày nào, vì sao? "
                'Ví dụ: "xin gia hạn đến 30/6 vì chờ kinh phí".'
            ),
            "value": N_('Chỉ tiêu {label}: số liệu hiện nay là bao nhiêu? Ví dụ: "đạt 85%".'),
        }
        return [ctx.reply(ctx._(prompts[MODES[action]], label=label))]
    return [ctx.reply(ctx._("Nút này đã cũ. Gõ /tasks để xem nhiệm vụ."))]


def undo(ctx: Context) -> list[Outbound]:
    """Withdraw the official's last confirmed update."""
    official = _official(ctx)
    update = last_update(session=ctx.session, official_id=official.id or 0)
    if update is None:
        return [ctx.reply(ctx._("Đồng chí chưa có cập nhật nào để hoàn tác."))]
    task = undo_update(session=ctx.session, update=update, now=ctx.now)
    label = task_label(task) if task else "?"
    return [ctx.reply(ctx._("Đã hoàn tác cập nhật gần nhất của nhiệm vụ {label}.", label=label))]


def on_attachment(ctx: Context) -> list[Outbound]:
    """Keep a photo or document as evidence: on the draft being confirmed, or the last update."""
    official = _official(ctx)
    att = ctx.inbound.attachment
    assert att is not None
    item: dict[str, Any] = {
        "kind": att.kind,
        "file_name": att.file_name[:255],
        "mime_type": att.mime_type,
        "size": att.size,
        "channel_file_id": att.file_id,
    }
    conv = ctx.conversation
    if conv.state == "confirm":
        data = dict(conv.data)
        data["evidence"] = [*data.get("evidence", []), item]
        ctx.set_state("confirm", **data)
        if ctx.inbound.text.strip():
            return on_text(ctx)
        return [
            ctx.reply(ctx._("Đã nhận tệp; tệp sẽ được lưu cùng cập nhật khi đồng chí xác nhận."))
        ]
    update = last_update(session=ctx.session, official_id=official.id or 0)
    if ctx.inbound.text.strip():
        # A caption is a report in itself: understand it, with the file as its evidence.
        ctx.set_state("pending_evidence", evidence=[item])
        return on_text(ctx)
    if update is not None and ctx.now - update.created_at <= timedelta(days=2):
        from models.tables import Evidence

        ctx.session.add(Evidence(update_id=update.id or 0, created_at=ctx.now, **item))
        target = ctx.session.get(Task, update.task_id) if update.task_id else None
        label = task_label(target) if target else "?"
        return [ctx.reply(ctx._("Đã lưu tệp làm minh chứng cho nhiệm vụ {label}.", label=label))]
    return [
        ctx.reply(
            ctx._(
                "Tệp này là minh chứng cho nhiệm vụ nào? Hãy gửi kèm lời báo cáo, "
                'ví dụ: "II.3 đã xong, gửi kèm quyết định".'
            )
        )
    ]


# --- understanding and confirmation --------------------------------------------------------


def _understand_and_confirm(
    ctx: Context, target: Task | Indicator, text: str, mode: str | None
) -> Outbound:
    u = _understood(ctx, text, expects_value=isinstance(target, Indicator))
    draft = _draft_from(u, mode, text)
    if not _has_content(draft):
        ctx.set_state("await_text", mode=mode, **_ref(target))
        return ctx.reply(
            ctx._(
                'Tôi chưa hiểu đồng chí báo gì cho nhiệm vụ {label}. Ví dụ: "đã xong", '
                '"đang làm 70%", "vướng mắc: chưa có kinh phí", "xin gia hạn đến 30/6".',
                label=task_label(target),
            )
        )
    return _confirm_draft(ctx, target, draft, raw=text)


def _draft_from(u: Understanding, mode: str | None, text: str) -> dict[str, Any]:
    draft: dict[str, Any] = {
        "status": u.status,
        "percent": u.percent,
        "blocker": u.blocker,
        "expected_date": u.expected_date.isoformat() if u.expected_date else None,
        "extension": u.extension,
        "value": u.value,
    }
    if mode == "blocker" and not draft["blocker"]:
        draft["blocker"] = shorten(text, 500)
        draft["status"] = draft["status"] or "blocked"
    if mode == "extension":
        draft["extension"] = True
    if mode == "value" and not draft["value"]:
        draft["value"] = shorten(text, 120)
    return draft


def _understood(ctx: Context, text: str, *, expects_value: bool = False) -> Understanding:
    """Understand ``text`` once per message (task matching and the draft both need it)."""
    key = (text, expects_value)
    cached = ctx.cache.get(key)
    if cached is None:
        cached = ctx.cache[key] = understand(text, today=ctx.today, expects_value=expects_value)
    return cached


def _has_content(draft: dict[str, Any]) -> bool:
    keys = ("status", "percent", "blocker", "expected_date", "value")
    return any(draft.get(k) is not None for k in keys) or bool(draft.get("extension"))


def _confirm_draft(
    ctx: Context, target: Task | Indicator, draft: dict[str, Any], *, raw: str
) -> Outbound:
    previous = (
        ctx.conversation.data if ctx.conversation.state in ("confirm", "pending_evidence") else {}
    )
    evidence = previous.get("evidence", [])
    ctx.set_state("confirm", draft=draft, raw=raw, evidence=evidence, **_ref(target))
    lines = [ctx._("Tôi hiểu là:")]
    title = target.title if isinstance(target, Task) else target.text
    lines.append(f"• {task_label(target)}. {shorten(title, 80)}")
    if draft.get("status"):
        label = STATUS_LABELS[draft["status"]]
        status = ctx._(label)
        if draft.get("percent") is not None and draft["status"] != "done":
            status += f" {fmt_percent(draft['percent'], ctx.locale)}"
        lines.append("• " + ctx._("Tình trạng: {status}", status=status))
    elif draft.get("percent") is not None:
        lines.append(
            "• " + ctx._("Tiến độ: {percent}", percent=fmt_percent(draft["percent"], ctx.locale))
        )
    if draft.get("value"):
        lines.append("• " + ctx._("Số liệu: {value}", value=draft["value"]))
    if draft.get("blocker"):
        lines.append("• " + ctx._("Vướng mắc: {blocker}", blocker=shorten(draft["blocker"], 200)))
    if draft.get("expected_date"):
        when = fmt_date(date.fromisoformat(draft["expected_date"]), ctx.locale)
        key = (
            N_("• Xin gia hạn đến: {date}")
            if draft.get("extension")
            else N_("• Dự kiến xong: {date}")
        )
        lines.append(ctx._(key, date=when))
    elif draft.get("extension"):
        lines.append(ctx._("• Xin gia hạn (chưa rõ đến ngày nào)"))
    if evidence:
        lines.append("• " + ctx._("Minh chứng: {n} tệp", n=len(evidence)))
    lines.append(ctx._("Đúng chưa?"))
    buttons = (
        (Button(ctx._("✅ Đúng, lưu lại"), "c:ok"),),
        (Button(ctx._("✏️ Sửa"), "c:fix"), Button(ctx._("✖️ Hủy"), "c:no")),
    )
    return ctx.reply("\n".join(lines), buttons)


def _on_confirm_button(ctx: Context, official: Official, arg: str) -> list[Outbound]:
    conv = ctx.conversation
    if conv.state != "confirm":
        return [ctx.reply(ctx._("Không có gì đang chờ xác nhận."), edit_of=None)]
    target = _load_target(ctx, conv.data)
    if target is None:
        ctx.clear_state()
        return [ctx.reply(ctx._("Nhiệm vụ này không còn trong danh sách của đồng chí."))]
    label = task_label(target)
    if arg == "no":
        ctx.clear_state()
        return [ctx.reply(ctx._("Đã hủy, không lưu gì."), edit_of=ctx.inbound.button_message_id)]
    if arg == "fix":
        ctx.set_state("await_text", mode=None, **_ref(target))
        return [ctx.reply(ctx._("Hãy gửi lại nội dung cho nhiệm vụ {label}.", label=label))]
    draft = conv.data["draft"]
    expected = date.fromisoformat(draft["expected_date"]) if draft.get("expected_date") else None
    update = record_update(
        session=ctx.session,
        official=official,
        now=ctx.now,
        raw_text=conv.data.get("raw", ""),
        channel=ctx.inbound.channel,
        task=target if isinstance(target, Task) else None,
        indicator=target if isinstance(target, Indicator) else None,
        status=draft.get("status"),
        percent=draft.get("percent"),
        blocker=draft.get("blocker"),
        expected_date=expected,
        extension=bool(draft.get("extension")),
        value=draft.get("value"),
        evidence=conv.data.get("evidence"),
    )
    ctx.clear_state()
    answers = [
        ctx.reply(
            ctx._("Đã lưu cập nhật nhiệm vụ {label}. Cảm ơn đồng chí!", label=label),
            ((Button(ctx._("↩️ Hoàn tác"), "u:last"),),),
            edit_of=ctx.inbound.button_message_id,
        )
    ]
    if update.extension_requested and isinstance(target, Task):
        from handlers.extensions import request_extension

        answers += request_extension(ctx, official, target, update)
    return answers


def _on_choose(ctx: Context, arg: str) -> list[Outbound]:
    conv = ctx.conversation
    if conv.state != "choose_task":
        return [ctx.reply(ctx._("Nút này đã cũ. Gõ /tasks để xem nhiệm vụ."))]
    kind, _, ident = arg.partition("-")
    target = (
        _load_target(ctx, {"task_id": int(ident)} if kind == "t" else {"indicator_id": int(ident)})
        if ident.isdigit()
        else None
    )
    if target is None:
        return [ctx.reply(ctx._("Nhiệm vụ này không còn trong danh sách của đồng chí."))]
    text = conv.data.get("text", "")
    return [_understand_and_confirm(ctx, target, text, None)]


def _snooze(ctx: Context, official: Official, arg: str, *, days: int) -> list[Outbound]:
    task = _target_from_arg(ctx, official, "d", arg)
    if not isinstance(task, Task):
        return [ctx.reply(ctx._("Nhiệm vụ này không còn trong danh sách của đồng chí."))]
    local_now = ctx.now.astimezone(ctx.zone)
    until_day = local_now.date() + timedelta(days=days)
    until = local_now.replace(hour=8, minute=30, second=0, microsecond=0) + timedelta(
        days=(until_day - local_now.date()).days
    )
    row = ctx.session.exec(
        select(Snooze).where(Snooze.task_id == task.id, Snooze.official_id == official.id)
    ).first() or Snooze(task_id=task.id or 0, official_id=official.id or 0, until=until)
    row.until = until
    ctx.session.add(row)
    # Reminders already planned for this task move to the snooze time; nothing is lost.
    pending = ctx.session.exec(
        select(OutboxMessage).where(
            OutboxMessage.task_id == task.id,
            OutboxMessage.official_id == official.id,
            OutboxMessage.state == "pending",
            col(OutboxMessage.due_at) < until,
        )
    ).all()
    for msg in pending:
        msg.due_at = until
        ctx.session.add(msg)
    # And the reminder they snoozed comes back then, once.
    link = ctx.session.exec(
        select(ChatLink).where(
            ChatLink.channel == ctx.inbound.channel, ChatLink.chat_id == ctx.inbound.chat_id
        )
    ).first()
    enqueue(
        ctx.session,
        [
            {
                "org_id": task.org_id,
                "official_id": official.id,
                "task_id": task.id,
                "kind": "reminder",
                "reason": "snooze",
                "channel": ctx.inbound.channel,
                "chat_id": link.chat_id if link else ctx.inbound.chat_id,
                "due_at": until,
                "payload": {
                    "due_date": task.due_date.isoformat() if task.due_date else None,
                    "audience": "lead",
                },
                "idempotency_key": f"task:{task.id}:{official.id}:snooze:{until.isoformat()}",
            }
        ],
    )
    return [
        ctx.reply(
            ctx._(
                "Được, tôi sẽ nhắc lại nhiệm vụ {label} vào {date}.",
                label=task_label(task),
                date=fmt_date(until_day, ctx.locale),
            ),
            edit_of=ctx.inbound.button_message_id,
        )
    ]


# --- which task is this about -------------------------------------------------------------


def _resolve_target(
    ctx: Context, official: Official, text: str
) -> tuple[Task | Indicator | None, list[Task | Indicator]]:
    tasks = tasks_for_official(session=ctx.session, official=official)
    kpis = indicators_for_official(session=ctx.session, official=official)
    # 1. A reply to a reminder belongs to that reminder's task.
    if ctx.inbound.reply_to:
        sent = ctx.session.exec(
            select(OutboxMessage).where(
                OutboxMessage.channel == ctx.inbound.channel,
                OutboxMessage.chat_id == ctx.inbound.chat_id,
                OutboxMessage.platform_message_id == ctx.inbound.reply_to,
            )
        ).all()
        targets: list[Task | Indicator] = []
        for msg in sent:
            if msg.task_id and (task := ctx.session.get(Task, msg.task_id)) is not None:
                targets.append(task)
            elif msg.indicator_id and (kpi := ctx.session.get(Indicator, msg.indicator_id)):
                targets.append(kpi)
        if len(targets) == 1:
            return targets[0], []
        if targets:
            narrowed = _by_number(ctx, targets, text)
            return (narrowed, []) if narrowed else (None, targets[:MAX_CHOICES])
    candidates: list[Task | Indicator] = [*tasks, *kpis]
    if not candidates:
        return None, []
    # 2. A task number in the text.
    numbered = _by_number(ctx, candidates, text)
    if numbered is not None:
        return numbered, []
    # 3. The only open task.
    if len(candidates) == 1:
        return candidates[0], []
    # 4. Words of the task.
    ranked = _by_words(candidates, text)
    if ranked:
        return ranked, []
    return None, candidates[:MAX_CHOICES]


def _by_number(
    ctx: Context, candidates: list[Task | Indicator], text: str
) -> Task | Indicator | None:
    refs = _understood(ctx, text).task_refs
    for ref in refs:
        found = find_task_by_label(session=ctx.session, tasks=candidates, label=ref)  # type: ignore[arg-type]
        if found is not None:
            return found
    return None


def _by_words(candidates: list[Task | Indicator], text: str) -> Task | Indicator | None:
    words = set(fold_key(text).split()) - _STOP
    words = {w for w in words if len(w) > 1 and not w.isdigit()}
    if len(words) < 2:
        return None
    scored = []
    for c in candidates:
        title = c.title if isinstance(c, Task) else c.text
        task_words = set(fold_key(title).split()) - _STOP
        scored.append((len(words & task_words), c))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    best = scored[0][0]
    second = scored[1][0] if len(scored) > 1 else 0
    # Two shared words at least, and clearly ahead of the next task.
    if best >= 2 and best >= second + 2:
        return scored[0][1]
    return None


def _ask_which(ctx: Context, choices: list[Task | Indicator]) -> Outbound:
    lines = [ctx._("Đồng chí báo cáo cho nhiệm vụ nào?")]
    buttons = []
    for c in choices[:MAX_CHOICES]:
        title = c.title if isinstance(c, Task) else c.text
        lines.append(f"{task_label(c)}. {shorten(title, 70)}")
        prefix = "t" if isinstance(c, Task) else "k"
        buttons.append((Button(f"{task_label(c)}. {shorten(title, 28)}", f"t:{prefix}-{c.id}"),))
    return ctx.reply("\n".join(lines), tuple(buttons))


def _ref(target: Task | Indicator) -> dict[str, int | None]:
    if isinstance(target, Task):
        return {"task_id": target.id, "indicator_id": None}
    return {"task_id": None, "indicator_id": target.id}


def _load_target(ctx: Context, data: dict[str, Any]) -> Task | Indicator | None:
    official = _official(ctx)
    if data.get("task_id"):
        task = ctx.session.get(Task, data["task_id"])
        if task is not None and task.org_id == official.org_id and task.removed_at is None:
            return task
    if data.get("indicator_id"):
        kpi = ctx.session.get(Indicator, data["indicator_id"])
        if kpi is not None and kpi.org_id == official.org_id and kpi.removed_at is None:
            return kpi
    return None


def _target_from_arg(
    ctx: Context, official: Official, action: str, arg: str
) -> Task | Indicator | None:
    if not arg.isdigit():
        return None
    if action == "v":
        kpi = _load_target(ctx, {"indicator_id": int(arg)})
        allowed = {k.id for k in indicators_for_official(session=ctx.session, official=official)}
        return kpi if kpi is not None and (kpi.id in allowed or official.role == "admin") else None
    task = _load_target(ctx, {"task_id": int(arg)})
    if not isinstance(task, Task):
        return None
    mine = {
        t.id for t in tasks_for_official(session=ctx.session, official=official, open_only=False)
    }
    return task if task.id in mine or official.role == "admin" else None


def _official(ctx: Context) -> Official:
    assert ctx.official is not None, "the router lets only registered officials through"
    return ctx.official


__all__ = ["ProgressUpdate", "on_attachment", "on_button", "on_text", "undo"]
