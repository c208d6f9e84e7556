"""Who may talk to the bot: one-time invitations that link a chat to an official.

An admin invites an existing official, a unit or a post. The link carries a random token;
only its hash is stored, it expires, and it works once. Someone who opens the bot without
a valid invitation is asked to contact their admin and nothing about them is kept.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, select

from handlers.context import Context
from models.messages import Button, Outbound
from models.queries import audit, task_label, tasks_for_official
from models.tables import ChatLink, Invitation, Official, Unit
from plans.store import resolve_official_posts
from scheduler.render import task_line

INVITE_TTL = timedelta(days=7)
WELCOME_TASKS = 5
MAX_NAME = 120


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(
    *,
    session: Session,
    org_id: int,
    now: datetime,
    official: Official | None = None,
    unit: Unit | None = None,
    post: str | None = None,
    role: str = "official",
    created_by: int | None = None,
    ttl: timedelta = INVITE_TTL,
) -> str:
    """Create a one-time invitation and return its token (shown once, stored only hashed)."""
    token = secrets.token_urlsafe(18)  # 24 characters of [A-Za-z0-9_-]: a valid start parameter
    session.add(
        Invitation(
            org_id=org_id,
            token_hash=hash_token(token),
            official_id=official.id if official else None,
            unit_id=unit.id if unit else (official.unit_id if official else None),
            post=post or (official.post if official else None),
            role=official.role if official else role,
            expires_at=now + ttl,
            created_by=created_by,
            created_at=now,
        )
    )
    audit(
        session=session,
        action="invitation.created",
        at=now,
        org_id=org_id,
        actor_id=created_by,
        subject=f"official:{official.id}" if official else post,
        unit_id=unit.id if unit else None,
    )
    return token


def start(ctx: Context) -> list[Outbound]:
    """Link this chat through an invitation token, or greet a person already linked."""
    token = ctx.inbound.text.partition(" ")[2].strip()
    if not token:
        if ctx.official is not None:
            return [
                ctx.reply(
                    ctx._(
                        "Chào đồng chí {name}! Gõ /tasks để xem nhiệm vụ, /help để xem hướng dẫn.",
                        name=ctx.official.name,
                    )
                )
            ]
        return [_ask_admin(ctx)]
    invitation = ctx.session.exec(
        select(Invitation).where(Invitation.token_hash == hash_token(token[:64]))
    ).first()
    if invitation is None or invitation.used_at is not None or invitation.expires_at < ctx.now:
        return [
            ctx.reply(
                ctx._(
                    "Đường dẫn mời này không còn hiệu lực (đã dùng hoặc hết hạn). "
                    "Hãy xin văn phòng đường dẫn mới."
                )
            )
        ]
    if invitation.official_id is not None:
        official = ctx.session.get(Official, invitation.official_id)
        if official is None:
            return [_ask_admin(ctx)]
        return _link(ctx, invitation, official)
    # An invitation for a unit or a post: the person tells us their name first.
    ctx.official = None
    ctx.set_state("await_name", invitation_id=invitation.id)
    return [ctx.reply(ctx._("Chào đồng chí! Xin cho biết họ và tên để hoàn tất đăng ký."))]


def on_name(ctx: Context) -> list[Outbound]:
    """Finish a unit or post invitation with the name the person typed."""
    name = " ".join(ctx.inbound.text.split())[:MAX_NAME]
    invitation = ctx.session.get(Invitation, ctx.conversation.data.get("invitation_id"))
    if invitation is None or invitation.used_at is not None or invitation.expires_at < ctx.now:
        ctx.clear_state()
        return [
            ctx.reply(
                ctx._(
                    "Đường dẫn mời này không còn hiệu lực (đã dùng hoặc hết hạn). "
                    "Hãy xin văn phòng đường dẫn mới."
                )
            )
        ]
    if len(name) < 2 or name.startswith("/"):
        return [ctx.reply(ctx._("Xin cho biết họ và tên để hoàn tất đăng ký."))]
    official = Official(
        org_id=invitation.org_id,
        name=name,
        post=invitation.post,
        unit_id=invitation.unit_id,
        role=invitation.role,
        locale=ctx.locale,
        created_at=ctx.now,
    )
    ctx.session.add(official)
    ctx.session.flush()
    return _link(ctx, invitation, official)


def _link(ctx: Context, invitation: Invitation, official: Official) -> list[Outbound]:
    invitation.used_at = ctx.now
    ctx.session.add(invitation)
    link = ctx.session.exec(
        select(ChatLink).where(
            ChatLink.channel == ctx.inbound.channel, ChatLink.chat_id == ctx.inbound.chat_id
        )
    ).first() or ChatLink(channel=ctx.inbound.channel, chat_id=ctx.inbound.chat_id)
    link.official_id = official.id
    link.reachable = True
    link.linked_at = ctx.now
    ctx.session.add(link)
    ctx.official = official
    ctx.clear_state()
    resolve_official_posts(session=ctx.session, official=official)
    audit(
        session=ctx.session,
        action="chat.linked",
        at=ctx.now,
        org_id=official.org_id,
        actor_id=official.id,
        subject=f"{ctx.inbound.channel}",
    )
    unit = ctx.session.get(Unit, official.unit_id) if official.unit_id else None
    where = f" ({unit.name})" if unit else ""
    welcome = ctx._(
        "Đã đăng ký xong, chào đồng chí {name}{where}! Bot sẽ nhắc việc "
        "theo kế hoạch; đồng chí chỉ cần trả lời tin nhắc.",
        name=official.name,
        where=where,
    )
    # The open tasks come with their buttons: a report needs no command and no waiting.
    tasks = tasks_for_official(session=ctx.session, official=official)
    if not tasks:
        return [ctx.reply(welcome)]
    lines = [welcome, ctx._("Nhiệm vụ đang mở, bấm để báo tiến độ:")]
    lines += [task_line(task, ctx.locale, ctx.today) for task in tasks[:WELCOME_TASKS]]
    buttons = tuple(
        (Button(f"📝 {task_label(task)}", f"p:{task.id}"),) for task in tasks[:WELCOME_TASKS]
    )
    return [ctx.reply("\n".join(lines), buttons)]


def _ask_admin(ctx: Context) -> Outbound:
    return ctx.reply(
        ctx._(
            "Xin chào! Đôn Đốc chỉ làm việc với cán bộ đã được mời. Hãy liên hệ "
            "văn phòng (bộ phận thường trực) để nhận đường dẫn đăng ký."
        )
    )
