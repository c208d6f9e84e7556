"""The neutral shapes of a message in (``Inbound``) and out (``Outbound``).

Channel adapters (Telegram, Zalo, the console) turn platform updates into ``Inbound`` and
``Outbound`` into platform calls; nothing else knows a platform. They live here, in the
bottom layer, because handlers (which answer), the scheduler's sender (which delivers) and
the channels all need them. Both round-trip through JSON: inbound updates are stored in
the inbox and outbound messages in the outbox before anything happens to them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Attachment:
    """A photo or document that came with a message; its bytes are fetched when needed."""

    kind: str  # "photo" | "document"
    file_id: str
    file_name: str = ""
    mime_type: str | None = None
    size: int = 0


@dataclass(frozen=True)
class Inbound:
    """One thing a person did in a chat: a text, a button press, a file."""

    channel: str
    chat_id: str
    user_id: str | None = None
    text: str = ""
    is_group: bool = False
    message_id: str | None = None
    reply_to: str | None = None  # platform id of the bot message this message answers
    button: str | None = None  # callback data of a pressed button
    button_message_id: str | None = None  # the message that carried the pressed button
    callback_id: str | None = None
    attachment: Attachment | None = None
    language: str | None = None  # the platform's language hint for unknown users

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Inbound:
        data = dict(data)
        if data.get("attachment"):
            data["attachment"] = Attachment(**data["attachment"])
        return cls(**data)


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # at most 64 bytes: Telegram's limit for callback data


@dataclass(frozen=True)
class OutFile:
    file_name: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Outbound:
    """One thing the bot says: a text with buttons, an edit of an earlier message, a file."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    chat_id: str | None = None  # None: answer in the chat the inbound came from
    edit_of: str | None = None  # edit this earlier bot message instead of sending a new one
    toast: str | None = None  # a short notice for the person who pressed a button
    callback_id: str | None = None
    files: tuple[OutFile, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in self.buttons],
            "chat_id": self.chat_id,
            "edit_of": self.edit_of,
            "toast": self.toast,
            "callback_id": self.callback_id,
            "files": [
                {"file_name": f.file_name, "content": f.content.hex(), "mime_type": f.mime_type}
                for f in self.files
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outbound:
        return cls(
            text=data["text"],
            buttons=tuple(
                tuple(Button(b["label"], b["data"]) for b in row)
                for row in data.get("buttons", [])
            ),
            chat_id=data.get("chat_id"),
            edit_of=data.get("edit_of"),
            toast=data.get("toast"),
            callback_id=data.get("callback_id"),
            files=tuple(
                OutFile(f["file_name"], bytes.fromhex(f["content"]), f["mime_type"])
                for f in data.get("files", [])
            ),
        )
