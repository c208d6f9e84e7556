"""Which handler answers an inbound message: one ordered table. Order matters!

Guards come first (oversized text, unregistered groups, people the bot does not know), then
commands, then buttons, then files, and free text last. ``dispatch`` is the only entry
point the channels call; it never raises on bad input, it answers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from handlers import commands, extensions, plan_upload, registration, reporting
from handlers.context import Context, FetchFile
from models.messages import Inbound, Outbound
from models.queries import official_by_chat
from models.tables import ChatLink
from plans.reader import MAX_BYTES

MAX_TEXT = 4000  # a longer message is not a progress report; refuse it whole
Handler = Callable[[Context], list[Outbound]]
Predicate = Callable[[Context], bool]


def _command(ctx: Context) -> str | None:
    text = ctx.inbound.text.strip()
    if not text.startswith("/"):
        return None
    word = text.split(maxsplit=1)[0][1:]
    return word.split("@", 1)[0].lower()  # "/tasks@dondoc_bot" in groups


def is_command(*names: str) -> Predicate:
    return lambda ctx: _command(ctx) in names


def is_button(*prefixes: str) -> Predicate:
    return lambda ctx: (
        bool(ctx.inbound.button) and ((ctx.inbound.button or "").partition(":")[0] in prefixes)
    )


def too_long(ctx: Context) -> list[Outbound]:
    return [
        ctx.reply(
            ctx._(
                "Tin nhắn quá dài ({n} ký tự). Hãy gửi báo cáo ngắn gọn, dưới {max} "
                "ký tự; văn bản dài hãy gửi dạng tệp.",
                n=len(ctx.inbound.text),
                max=MAX_TEXT,
            )
        )
    ]


def group_not_registered(ctx: Context) -> list[Outbound]:
    # Stay silent on group chatter; answer only someone who addressed the bot.
    if _command(ctx) is None and not ctx.inbound.button:
        return []
    return [
        ctx.reply(
            ctx._(
                "Nhóm này chưa được đăng ký với đơn vị nào. Hãy nhắn riêng cho bot "
                "để xem và báo cáo nhiệm vụ."
            )
        )
    ]


def unknown_user(ctx: Context) -> list[Outbound]:
    if ctx.inbound.is_group and _command(ctx) is None:
        return []  # strangers chatting in a registered group are not the bot's business
    return [
        ctx.reply(
            ctx._(
                "Xin chào! Đôn Đốc chỉ làm việc với cán bộ đã được mời. Hãy liên hệ "
                "văn phòng (bộ phận thường trực) để nhận đường dẫn đăng ký."
            )
        )
    ]


def unknown_command(ctx: Context) -> list[Outbound]:
    return [
        ctx.reply(
            ctx._(
                "Không có lệnh /{name}. Gõ /help để xem các lệnh.", name=(_command(ctx) or "")[:30]
            )
        )
    ]


def empty(ctx: Context) -> list[Outbound]:
    return [ctx.reply(ctx._("Tôi chỉ đọc được chữ, ảnh và tệp. Gõ /help để xem hướng dẫn."))]


def _is_unregistered_group(ctx: Context) -> bool:
    return ctx.inbound.is_group and not _group_link(ctx)


def _group_link(ctx: Context) -> ChatLink | None:
    return ctx.session.exec(
        select(ChatLink).where(
            ChatLink.channel == ctx.inbound.channel,
            ChatLink.chat_id == ctx.inbound.chat_id,
            ChatLink.is_group,
        )
    ).first()


def _awaiting(state: str) -> Predicate:
    return lambda ctx: ctx.conversation.state == state


ROUTES: list[tuple[str, Predicate, Handler]] = [
    # Guards: refuse what must not reach a handler.
    ("too long", lambda c: len(c.inbound.text) > MAX_TEXT, too_long),
    # An admin registers a group to a unit from inside it; until then a group sees nothing.
    ("/group", is_command("group", "nhom"), commands.register_group),
    ("unregistered group", _is_unregistered_group, group_not_registered),
    # Registration works for people the bot does not know yet.
    ("/start", is_command("start"), registration.start),
    (
        "name for an invitation",
        lambda c: (
            c.official is None
            and _awaiting("await_name")(c)
            and _command(c) is None
            and bool(c.inbound.text.strip())
        ),
        registration.on_name,
    ),
    ("unknown person", lambda c: c.official is None, unknown_user),
    # Commands of registered people.
    ("/help", is_command("help", "trogiup", "huongdan"), commands.help_),
    ("/lang", is_command("lang", "ngonngu"), commands.lang),
    ("/tasks", is_command("tasks", "nhiemvu", "viec"), commands.tasks),
    ("/task", is_command("task"), commands.task),
    ("/summary", is_command("summary", "tonghop", "baocao"), commands.summary),
    ("/invite", is_command("invite", "moi"), commands.invite),
    ("/undo", is_command("undo", "hoantac"), reporting.undo),
    ("/cancel", is_command("cancel", "huy"), commands.cancel),
    ("unknown command", lambda c: _command(c) is not None, unknown_command),
    # Buttons.
    ("language button", is_button("l"), commands.lang),
    ("extension decision", is_button("xa", "xd"), extensions.on_decision),
    ("plan import decision", is_button(plan_upload.BUTTON), plan_upload.on_decision),
    ("report button", lambda c: bool(c.inbound.button), reporting.on_button),
    # Files, then free text. A plan document from an admin is an import, any other file
    # is evidence.
    ("plan upload", plan_upload.is_plan_upload, plan_upload.on_upload),
    ("evidence", lambda c: c.inbound.attachment is not None, reporting.on_attachment),
    ("free text", lambda c: bool(c.inbound.text.strip()), reporting.on_text),
    ("nothing readable", lambda c: True, empty),
]


def dispatch(
    session: Session,
    inbound: Inbound,
    *,
    now: datetime,
    zone: ZoneInfo,
    default_locale: str = "vi",
    bot_username: str | None = None,
    fetch_file: FetchFile | None = None,
    max_upload_bytes: int = MAX_BYTES,
) -> list[Outbound]:
    """Answer one inbound message; every effect happens in ``session``'s transaction.

    ``fetch_file`` downloads a file the person sent (the channel provides it); without it a
    plan document cannot be imported in chat.
    """
    ctx = Context(
        session=session,
        inbound=inbound,
        now=now,
        zone=zone,
        default_locale=default_locale,
        bot_username=bot_username,
        fetch_file=fetch_file,
        max_upload_bytes=max_upload_bytes,
    )
    who = inbound.user_id if inbound.is_group else inbound.chat_id
    if who is not None:
        ctx.official = official_by_chat(session=session, channel=inbound.channel, chat_id=who)
    for _name, applies, handler in ROUTES:
        if applies(ctx):
            return handler(ctx)
    return []
