"""What a handler knows about the message it answers: who, where, when, in which language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from locales import normalize_locale, t
from models.messages import Button, Inbound, Outbound
from models.tables import Conversation, Official, Organization
from plans.reader import MAX_BYTES

# Downloads a file the person sent, by the channel's file id; the channel adapter provides it
# (handlers never see the platform). Blocking: handlers run in a worker thread.
FetchFile = Callable[[str], bytes]


@dataclass
class Context:
    session: Session
    inbound: Inbound
    now: datetime
    zone: ZoneInfo
    official: Official | None = None
    org: Organization | None = None
    default_locale: str = "vi"
    bot_username: str | None = None  # for invitation deep links
    cache: dict[Any, Any] = field(default_factory=dict)  # per-message memo (understanding)
    fetch_file: FetchFile | None = None  # None: this channel cannot hand over files
    max_upload_bytes: int = MAX_BYTES  # larger files are refused before they are downloaded
    _conversation: Conversation | None = field(default=None, repr=False)

    @property
    def locale(self) -> str:
        if self.official is not None:
            return normalize_locale(self.official.locale)
        return normalize_locale(self.inbound.language or self.default_locale)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def _(self, msgid: str, /, **params: Any) -> str:
        """Translate for the person in this chat (extracted like gettext's ``_``)."""
        return t(self.locale, msgid, **params)

    def reply(
        self, text: str, buttons: tuple[tuple[Button, ...], ...] = (), **extra: Any
    ) -> Outbound:
        """Return an answer in the chat the message came from (answering a pressed button)."""
        return Outbound(text=text, buttons=buttons, callback_id=self.inbound.callback_id, **extra)

    # --- the chat's conversation state: what the bot waits for next --------------------------
    @property
    def conversation(self) -> Conversation:
        if self._conversation is None:
            row = self.session.exec(
                select(Conversation).where(
                    Conversation.channel == self.inbound.channel,
                    Conversation.chat_id == self.inbound.chat_id,
                )
            ).first()
            if row is None:
                row = Conversation(
                    channel=self.inbound.channel,
                    chat_id=self.inbound.chat_id,
                    official_id=self.official.id if self.official else None,
                    updated_at=self.now,
                )
            self._conversation = row
        return self._conversation

    def set_state(self, state: str, **data: Any) -> None:
        conv = self.conversation
        conv.state = state
        conv.data = data
        conv.updated_at = self.now
        self.session.add(conv)

    def clear_state(self) -> None:
        self.set_state("idle")
