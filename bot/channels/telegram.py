"""The Telegram channel: python-telegram-bot's Bot does the API calls, we own delivery.

python-telegram-bot's Updater acknowledges updates before any handler runs (polling moves
the offset as soon as a batch is queued in memory; its webhook answers 200 at once), so a
crash loses every queued reply. Here the getUpdates offset only moves past updates already
stored in the inbox, and the webhook answers only after the insert. Updates become neutral
``Inbound`` values and ``Outbound`` values become API calls; nothing else knows Telegram.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import warnings
from datetime import timedelta
from typing import Any

# Time periods (retry_after) as timedelta: the int form is deprecated in python-telegram-bot 22.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import (
    Bot,
    CallbackQuery,
    InputFile,
    Message,
    Update,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from models.messages import Attachment, Inbound, Outbound
from scheduler.sender import SendOutcome

log = logging.getLogger(__name__)
CHANNEL = "telegram"
ALLOWED_UPDATES = ["message", "callback_query"]
GROUP_TYPES = ("group", "supergroup", "channel")
MAX_TEXT = 4096  # sendMessage refuses a longer text: "Bad Request: message is too long"


def make_bot(token: str, *, api_url: str, file_url: str, pool: int = 20) -> Bot:
    """A Bot whose pool fits the sender's sends in flight (16) and the odd callback answer.

    Not larger: httpcore scans every pooled connection on each request.
    """
    request = HTTPXRequest(
        connection_pool_size=pool,
        read_timeout=15,
        write_timeout=15,
        connect_timeout=10,
        pool_timeout=30,
    )
    updates = HTTPXRequest(connection_pool_size=2, read_timeout=60, connect_timeout=10)
    return Bot(
        token,
        base_url=api_url,
        base_file_url=file_url,
        request=request,
        get_updates_request=updates,
    )


def to_inbound(update: Update) -> Inbound | None:
    """Translate one Telegram update; None for updates the bot does not act on."""
    if update.callback_query is not None:
        return _from_callback(update.callback_query)
    message = update.message
    if message is None or message.chat is None:
        return None  # edited messages, channel posts, member updates: nothing to answer
    return _from_message(message)


def _from_message(message: Message) -> Inbound:
    user = message.from_user
    reply_to = None
    if (
        message.reply_to_message is not None
        and message.reply_to_message.from_user is not None
        and message.reply_to_message.from_user.is_bot
    ):
        reply_to = str(message.reply_to_message.message_id)
    attachment = None
    if message.photo:
        biggest = message.photo[-1]
        attachment = Attachment(
            kind="photo",
            file_id=biggest.file_id,
            file_name=f"photo-{message.message_id}.jpg",
            mime_type="image/jpeg",
            size=biggest.file_size or 0,
        )
    elif message.document is not None:
        doc = message.document
        attachment = Attachment(
            kind="document",
            file_id=doc.file_id,
            file_name=doc.file_name or "",
            mime_type=doc.mime_type,
            size=doc.file_size or 0,
        )
    return Inbound(
        channel=CHANNEL,
        chat_id=str(message.chat.id),
        user_id=str(user.id) if user else None,
        text=message.text or message.caption or "",
        is_group=message.chat.type in GROUP_TYPES,
        message_id=str(message.message_id),
        reply_to=reply_to,
        attachment=attachment,
        language=user.language_code if user else None,
    )


def _from_callback(query: CallbackQuery) -> Inbound:
    message = query.message
    chat_id = str(message.chat.id) if message is not None else str(query.from_user.id)
    is_group = message is not None and message.chat.type in GROUP_TYPES
    return Inbound(
        channel=CHANNEL,
        chat_id=chat_id,
        user_id=str(query.from_user.id),
        is_group=is_group,
        button=(query.data or "")[:64],
        callback_id=query.id,
        button_message_id=str(message.message_id) if message is not None else None,
        language=query.from_user.language_code,
    )


def _length(text: str) -> int:
    """Telegram counts a text's length in UTF-16 code units (an emoji may count two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut a text Telegram would refuse as too long into parts, at line ends where possible."""
    parts: list[str] = []
    rest = text
    while _length(rest) > limit:
        cut = len(rest)
        while _length(rest[:cut]) > limit:  # the longest prefix that fits
            cut = cut * limit // _length(rest[:cut]) if cut > limit // 2 else cut - 1
        newline = rest.rfind("\n", 0, cut)
        if newline > cut // 2:
            cut = newline + 1
        parts.append(rest[:cut].rstrip("\n"))
        rest = rest[cut:]
    if rest.strip() or not parts:
        parts.append(rest)
    return parts


def check_secret(expected: str, given: str | None) -> bool:
    """Compare the webhook's secret header in constant time."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def _markup(message: Outbound) -> dict[str, Any] | None:
    """The inline keyboard as the Bot API's JSON object, or None without buttons.

    Handed to the Bot as ``api_kwargs={"reply_markup": ...}`` (documented: arbitrary
    parameters for the API call), which python-telegram-bot serialises like its own
    InlineKeyboardMarkup's ``to_dict()``: building and converting those objects cost more per
    message than the whole JSON encoding of the request.
    """
    if not message.buttons:
        return None
    return {
        "inline_keyboard": [
            [{"text": b.label, "callback_data": b.data} for b in row] for row in message.buttons
        ]
    }


def _with_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    return {"reply_markup": markup} if markup is not None else None


def retry_after_seconds(exc: RetryAfter) -> float:
    """How long a 429 asks to wait, in seconds."""
    with warnings.catch_warnings():  # the int form of retry_after is deprecated in v22
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramTransport:
    """Delivers Outbound messages with a python-telegram-bot Bot; maps errors to outcomes."""

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")

    async def send(self, chat_id: str, message: Outbound) -> SendOutcome:
        try:
            if message.callback_id:
                await self._answer_callback(message)
            sent = await self._send(chat_id, message)
        except RetryAfter as exc:
            return SendOutcome(ok=False, retry_after=max(retry_after_seconds(exc), 1.0))
        except Forbidden as exc:
            return SendOutcome(ok=False, unreachable=True, error=str(exc)[:200])
        except BadRequest as exc:
            text = str(exc).lower()
            if "chat not found" in text or "user not found" in text:
                return SendOutcome(ok=False, unreachable=True, error=str(exc)[:200])
            if "message is not modified" in text:
                return SendOutcome(ok=True, message_id=message.edit_of)
            return SendOutcome(ok=False, permanent=True, error=str(exc)[:200])
        except (NetworkError, TelegramError) as exc:  # timeouts, 5xx, connection resets
            return SendOutcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:200])
        return SendOutcome(ok=True, message_id=sent)

    async def _send(self, chat_id: str, message: Outbound) -> str | None:
        markup = _markup(message)
        if message.edit_of and _length(message.text) <= MAX_TEXT:
            try:
                await self.bot.edit_message_text(
                    message.text,
                    chat_id=chat_id,
                    message_id=int(message.edit_of),
                    api_kwargs=_with_markup(markup),
                )
                return message.edit_of
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return message.edit_of
                # Too old or deleted to edit: say it in a new message instead.
        last: Message | None = None
        if message.text:
            # Plain text (no parse_mode): names and replies may hold <b>, * or _ as typed.
            # A text over Telegram's limit goes in parts, the buttons under the last one.
            parts = split_text(message.text)
            for n, part in enumerate(parts, start=1):
                last = await self.bot.send_message(
                    chat_id, part, api_kwargs=_with_markup(markup if n == len(parts) else None)
                )
        for f in message.files:
            document = InputFile(f.content, filename=f.file_name)
            last = await self.bot.send_document(chat_id, document)
        return str(last.message_id) if last else None

    async def _answer_callback(self, message: Outbound) -> None:
        # Too late to answer (over 15 s) is no reason to hold the message itself back.
        with contextlib.suppress(TelegramError):
            await self.bot.answer_callback_query(message.callback_id or "", text=message.toast)

    async def fetch_file(self, file_id: str) -> bytes:
        file = await self.bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())
