"""Commands: /help, /lang, /tasks, /task N, /summary, /invite, /undo, /cancel."""

from __future__ import annotations

from sqlmodel import select

from handlers.context import Context
from handlers.registration import create_invitation
from locales import N_, SUPPORTED_LOCALES, fmt_date, fmt_percent
from models.messages import Button, Outbound
from models.queries import (
    find_task_by_label,
    task_history,
    task_label,
    tasks_for_official,
    tasks_visible_to,
)
from models.tables import ChatLink, Official, Unit
from plans.store import find_unit
from plans.vntext import fold_key
from reports.summary import build_summary, render_summary
from scheduler.render import STATUS_LABELS, task_line

LIST_LIMIT = 15
HELP = {
    "official": N_(
        "Đôn Đốc nhắc việc theo kế hoạch và ghi nhận tiến độ.\n"
        '• Trả lời tin nhắc bằng lời thường: "đã xong", "đang làm 70%", '
        '"vướng mắc: chưa có kinh phí", "xin gia hạn đến 30/6".\n'
        "• Gửi ảnh hoặc tệp để làm minh chứng.\n"
        "/tasks: nhiệm vụ đang mở · /task 3: chi tiết nhiệm vụ\n"
        "/undo: hoàn tác cập nhật gần nhất · /lang: đổi ngôn ngữ"
    ),
    "leader": N_(
        "Đôn Đốc theo dõi tiến độ các nhiệm vụ đồng chí chỉ đạo.\n"
        "/summary: tình hình thực hiện · /tasks: danh sách nhiệm vụ\n"
        "/task 3: chi tiết nhiệm vụ · /lang: đổi ngôn ngữ\n"
        "Đề nghị gia hạn sẽ đến đây kèm nút Đồng ý / Không đồng ý."
    ),
    "admin": N_(
        "Đôn Đốc: quản trị kế hoạch.\n"
        "• Gửi tệp kế hoạch (.docx, .xlsx) để nhập phụ lục nhiệm vụ.\n"
        "/invite <họ tên hoặc đơn vị>: tạo đường dẫn mời\n"
        "/group <đơn vị>: (trong nhóm chat) đăng ký nhóm cho đơn vị\n"
        "/summary: tình hình thực hiện · /tasks: mọi nhiệm vụ\n"
        "/task 3: chi tiết nhiệm vụ · /lang: đổi ngôn ngữ"
    ),
}


def help_(ctx: Context) -> list[Outbound]:
    """Explain what the bot does for this person's role."""
    role = ctx.official.role if ctx.official else "official"
    return [ctx.reply(ctx._(HELP.get(role, HELP["official"])))]


def lang(ctx: Context) -> list[Outbound]:
    """Switch between Vietnamese and English (/lang en, or the buttons)."""
    assert ctx.official is not None
    wanted = ctx.inbound.text.partition(" ")[2].strip().lower()
    if ctx.inbound.button and ctx.inbound.button.startswith("l:"):
        wanted = ctx.inbound.button[2:]
    if wanted in SUPPORTED_LOCALES:
        ctx.official.locale = wanted
        ctx.session.add(ctx.official)
        return [
            ctx.reply(ctx._("Đã chuyển sang tiếng Việt."), edit_of=ctx.inbound.button_message_id)
        ]
    return [
        ctx.reply(
            ctx._("Chọn ngôn ngữ:"), ((Button("Tiếng Việt", "l:vi"), Button("English", "l:en")),)
        )
    ]


def tasks(ctx: Context) -> list[Outbound]:
    """List my open tasks by due date with their state."""
    assert ctx.official is not None
    if ctx.official.role == "official":
        rows = tasks_for_official(session=ctx.session, official=ctx.official)
    else:
        rows = [
            t
            for t in tasks_visible_to(session=ctx.session, official=ctx.official)
            if t.status != "done"
        ]
    if not rows:
        return [ctx.reply(ctx._("Không có nhiệm vụ nào đang mở. 🎉"))]
    lines = [ctx._("Nhiệm vụ đang mở ({n}), xếp theo hạn:", n=len(rows))]
    lines += [task_line(t, ctx.locale, ctx.today, with_status=True) for t in rows[:LIST_LIMIT]]
    if len(rows) > LIST_LIMIT:
        lines.append(ctx._("… và {n} nhiệm vụ khác.", n=len(rows) - LIST_LIMIT))
    lines.append(
        ctx._("Gõ /task <số> để xem chi tiết, ví dụ /task {label}.", label=task_label(rows[0]))
    )
    return [ctx.reply("\n".join(lines))]


def task(ctx: Context) -> list[Outbound]:
    """Show one task with its latest updates (/task II.3)."""
    assert ctx.official is not None
    label = ctx.inbound.text.partition(" ")[2].strip()
    visible = tasks_visible_to(session=ctx.session, official=ctx.official)
    found = find_task_by_label(session=ctx.session, tasks=visible, label=label) if label else None
    if found is None:
        return [
            ctx.reply(
                ctx._(
                    'Không tìm thấy nhiệm vụ "{label}" trong danh sách của đồng chí. '
                    "Gõ /tasks để xem số nhiệm vụ.",
                    label=label[:20],
                )
            )
        ]
    unit = ctx.session.get(Unit, found.lead_unit_id) if found.lead_unit_id else None
    lines = [
        f"{task_label(found)}. {found.title[:700]}",
        ctx._("Đơn vị chủ trì: {unit}", unit=unit.name if unit else "—"),
    ]
    if found.directing_text:
        lines.append(ctx._("Chỉ đạo: {who}", who=found.directing_text[:200]))
    if found.output:
        lines.append(ctx._("Sản phẩm: {output}", output=found.output[:200]))
    lines.append(task_line(found, ctx.locale, ctx.today, with_status=True).split("\n")[-1].strip())
    history = task_history(session=ctx.session, task_id=found.id or 0)
    if history:
        lines.append(ctx._("Cập nhật gần đây:"))
        for update in history:
            who = ctx.session.get(Official, update.official_id)
            bits = [fmt_date(update.created_at.astimezone(ctx.zone).date(), ctx.locale)]
            if update.status:
                label = STATUS_LABELS[update.status]
                bits.append(ctx._(label))
            if update.percent is not None:
                bits.append(fmt_percent(update.percent, ctx.locale))
            if update.blocker:
                bits.append(ctx._("vướng: {text}", text=update.blocker[:80]))
            if who:
                bits.append(who.name)
            lines.append(" • " + " · ".join(bits))
    else:
        lines.append(ctx._("Chưa có cập nhật nào."))
    buttons = ((Button(ctx._("📝 Cập nhật tiến độ"), f"p:{found.id}"),),)
    return [ctx.reply("\n".join(lines), buttons if found.status != "done" else ())]


def summary(ctx: Context) -> list[Outbound]:
    """Show leaders and admins where the plan stands."""
    assert ctx.official is not None
    if ctx.official.role not in ("leader", "admin"):
        return [
            ctx.reply(
                ctx._(
                    "Lệnh /summary dành cho lãnh đạo và văn phòng. "
                    "Gõ /tasks để xem nhiệm vụ của đồng chí."
                )
            )
        ]
    data = build_summary(session=ctx.session, viewer=ctx.official, now=ctx.now, zone=ctx.zone)
    return [ctx.reply(render_summary(data, ctx.locale))]


def invite(ctx: Context) -> list[Outbound]:
    """Create a one-time invitation link for an official or a unit (admins only)."""
    assert ctx.official is not None
    if ctx.official.role != "admin":
        return [ctx.reply(ctx._("Chỉ văn phòng (quản trị) mới tạo được lời mời."))]
    who = ctx.inbound.text.partition(" ")[2].strip()
    if not who:
        return [
            ctx.reply(
                ctx._(
                    "Gõ /invite kèm họ tên cán bộ hoặc tên đơn vị, ví dụ: "
                    "/invite Phòng Văn hóa - Xã hội"
                )
            )
        ]
    wanted = fold_key(who)
    official = next(
        (
            o
            for o in ctx.session.exec(
                select(Official).where(Official.org_id == ctx.official.org_id)
            )
            if fold_key(o.name) == wanted
        ),
        None,
    )
    unit = None
    if official is None:
        unit = find_unit(session=ctx.session, org_id=ctx.official.org_id, text=who)
    if official is None and unit is None:
        return [ctx.reply(ctx._('Không tìm thấy cán bộ hay đơn vị "{who}".', who=who[:60]))]
    token = create_invitation(
        session=ctx.session,
        org_id=ctx.official.org_id,
        now=ctx.now,
        official=official,
        unit=unit,
        created_by=ctx.official.id,
    )
    target = official.name if official else (unit.name if unit else "")
    return [
        ctx.reply(
            ctx._(
                "Lời mời cho {target} (dùng một lần, hết hạn sau 7 ngày):\n{link}",
                target=target,
                link=invite_link(ctx, token),
            )
        )
    ]


def invite_link(ctx: Context, token: str) -> str:
    """The deep link for the channel the admin is on; the console shows the command to type."""
    return invite_link_for(ctx.inbound.channel, ctx.bot_username, token)


def invite_link_for(channel: str, bot_username: str | None, token: str) -> str:
    if channel == "telegram" and bot_username:
        return f"https://t.me/{bot_username}?start={token}"
    return f"/start {token}"


def register_group(ctx: Context) -> list[Outbound]:
    """Register this group chat to a unit (/group <unit>, admins only, in the group)."""
    if not ctx.inbound.is_group:
        return [ctx.reply(ctx._("Lệnh /group dùng trong nhóm chat của đơn vị."))]
    if ctx.official is None or ctx.official.role != "admin":
        return [ctx.reply(ctx._("Chỉ văn phòng (quản trị) mới đăng ký được nhóm."))]
    name = ctx.inbound.text.partition(" ")[2].strip()
    unit = find_unit(session=ctx.session, org_id=ctx.official.org_id, text=name) if name else None
    if unit is None:
        return [
            ctx.reply(
                ctx._(
                    'Không tìm thấy đơn vị "{name}". Ví dụ: /group Phòng Văn hóa - Xã hội',
                    name=name[:60],
                )
            )
        ]
    link = ctx.session.exec(
        select(ChatLink).where(
            ChatLink.channel == ctx.inbound.channel, ChatLink.chat_id == ctx.inbound.chat_id
        )
    ).first() or ChatLink(channel=ctx.inbound.channel, chat_id=ctx.inbound.chat_id)
    link.is_group, link.unit_id, link.official_id = True, unit.id, None
    link.linked_at = ctx.now
    ctx.session.add(link)
    return [ctx.reply(ctx._("Nhóm này đã được đăng ký cho {unit}.", unit=unit.name))]


def cancel(ctx: Context) -> list[Outbound]:
    """Drop whatever the bot was waiting for."""
    ctx.clear_state()
    return [ctx.reply(ctx._("Đã hủy."))]
