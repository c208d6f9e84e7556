"""A local Telegram Bot API server: python-telegram-bot talks to it unmodified over real HTTP.

It serves the documented wire format (``/bot<token>/<method>`` with a query string, form,
multipart or JSON body; answers ``{"ok": true, "result": ...}`` or ``{"ok": false,
"error_code": ..., "description": ...}``) for the methods the bot uses, and it is a scripted
peer for tests and benchmarks:

* users write, reply, upload and press buttons (:meth:`FakeBotApi.send_user_message`,
  :meth:`FakeBotApi.press_button`); the bot receives those updates by ``getUpdates`` long
  polling or by webhook (with the secret-token header, redelivered until it answers 2xx);
* everything the bot sent is kept (:meth:`FakeBotApi.sent_messages`), uploads included;
* Telegram's flood limits are enforced (:class:`Limits`: 30 a second overall, 1 a second
  per private chat, 20 a minute per group) with 429 and ``retry_after``, and a 429 starts a
  bot-wide ``retry_after`` during which every send is refused and counted;
* faults are injected on demand or at random (:class:`Faults`, :meth:`FakeBotApi.fail_next`,
  :meth:`FakeBotApi.hang_next`, :meth:`FakeBotApi.block_chat`, :meth:`FakeBotApi.forget_chat`);
* every request is recorded with a monotonic timestamp, and :meth:`FakeBotApi.stats` turns
  the record into what a rate test needs (the most sends in any second, per chat, per group
  minute, sends during ``retry_after``).

Run it inside the test's event loop (``async with FakeBotApi() as api``) or in a thread with
its own loop for synchronous code (``with FakeBotApi() as api``). The scripting and
inspection methods are plain, thread-safe methods: call them from any thread or loop.

Point python-telegram-bot at it with ``Bot(token, base_url=api.base_url,
base_file_url=api.base_file_url)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import math
import mimetypes
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Literal

import httpx
import tornado.httpserver
import tornado.iostream
import tornado.netutil
import tornado.web

__all__ = [
    "DEFAULT_TOKEN",
    "CallbackAnswer",
    "FakeBotApi",
    "Faults",
    "Limits",
    "RequestRecord",
    "SentMessage",
    "StoredFile",
    "TrafficStats",
    "WebhookDelivery",
    "max_in_window",
]

DEFAULT_TOKEN = "123456789:TEST-token-for-the-fake-bot-api"

JSON = dict[str, Any]
ChatKind = Literal["private", "group", "supergroup"]
Violation = Literal["overall", "chat", "group", "retry_after"]

# Methods that put a message in a chat: these count against the flood limits.
MESSAGE_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "sendaudio",
        "sendvideo",
        "sendvoice",
        "sendanimation",
        "sendsticker",
        "sendlocation",
        "sendcontact",
        "sendpoll",
        "senddice",
        "sendmediagroup",
        "copymessage",
        "forwardmessage",
    }
)

# Update types delivered when the bot never said which it wants (the Bot API's default).
DEFAULT_UPDATE_TYPES_EXCLUDED = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)

HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)

MAX_TEXT = 4096
MAX_CAPTION = 1024


# --- configuration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Telegram's flood limits as the fake enforces them.

    ``enforce=False`` records would-be violations (``RequestRecord.violation``) but answers
    200; pass ``limits=None`` to :class:`FakeBotApi` to switch checks off entirely.
    """

    overall_per_second: int = 30
    private_per_second: int = 1
    group_per_minute: int = 20
    enforce: bool = True


@dataclass(frozen=True)
class Faults:
    """Random faults for requests addressed to a chat (those with a ``chat_id``).

    Probabilities are per request; a hang holds the answer until the client gives up (closes
    the connection) or ``hang_seconds`` pass, then answers 504 without doing anything.
    """

    p_500: float = 0.0
    p_502: float = 0.0
    p_hang: float = 0.0
    hang_seconds: float = 60.0
    seed: int | None = None


# --- records -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it. ``t`` is ``time.monotonic()`` at arrival."""

    t: float
    method: str
    chat_id: int | None
    status: int
    description: str | None = None
    # True for the message-sending methods that count against the flood limits.
    limited: bool = False
    violation: Violation | None = None
    retry_after: int | None = None
    fault: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class StoredFile:
    """A file the bot uploaded or a user sent; downloadable at ``file_path``."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str | None
    mime_type: str | None
    kind: Literal["document", "photo"]

    def as_document(self) -> JSON:
        doc: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc

    def as_photo(self) -> list[JSON]:
        # One size only; the pixels are not decoded, so the dimensions are nominal.
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": len(self.data),
                "width": 1280,
                "height": 720,
            }
        ]


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent (or, in :meth:`FakeBotApi.edits`, an edit it made)."""

    t: float
    method: str
    chat_id: int
    message_id: int
    text: str | None
    parse_mode: str | None
    reply_markup: JSON | None
    reply_to_message_id: int | None
    file: StoredFile | None
    message: JSON

    @property
    def buttons(self) -> list[list[str]]:
        """The inline keyboard's button texts, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[button.get("text", "") for button in row] for row in rows]

    @property
    def callback_data(self) -> list[str]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


@dataclass(frozen=True)
class CallbackAnswer:
    t: float
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True)
class WebhookDelivery:
    t: float
    update_id: int
    status: int | None
    error: str | None


@dataclass(frozen=True)
class TrafficStats:
    """Flood-limit figures over the message-sending requests the server received.

    "Sent" counts every such request that arrived, accepted or refused: that is what the
    platform saw, and what its limits judge.
    """

    sent: int
    accepted: int
    rate_limited: int  # 429 answers, whatever the cause
    limit_violations: int  # sends over a window (overall, per chat, per group)
    sent_during_retry_after: int
    other_errors: int
    max_per_second: int
    max_accepted_per_second: int
    max_per_private_chat_per_second: int
    min_private_gap: float | None
    max_per_group_per_minute: int
    violations_by_kind: Mapping[str, int]
    first_t: float | None
    last_t: float | None

    @property
    def seconds(self) -> float:
        if self.first_t is None or self.last_t is None:
            return 0.0
        return self.last_t - self.first_t


def max_in_window(times: Sequence[float], window: float) -> int:
    """The most timestamps in any half-open window ``[t, t + window)``; ``times`` sorted."""
    best = start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


# --- errors and parameters -----------------------------------------------------------------------


class ApiError(Exception):
    """An answer with ``ok: false``."""

    def __init__(
        self,
        code: int,
        description: str,
        *,
        parameters: JSON | None = None,
        violation: Violation | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters
        self.violation = violation

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


@dataclass
class UploadedFile:
    filename: str | None
    body: bytes
    content_type: str | None


class Params:
    """A method's parameters from the query string, a form, a multipart body or JSON."""

    def __init__(self, values: Mapping[str, Any], files: Mapping[str, UploadedFile]) -> None:
        self.values = dict(values)
        self.files = dict(files)

    def has(self, name: str) -> bool:
        return name in self.values or name in self.files

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_float(self, name: str, default: float) -> float:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in {"true", "1", "yes"}

    def get_json(self, name: str, error: str | None = None) -> Any:
        value = self.values.get(name)
        if value is None or not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(error or f"can't parse {name} JSON object") from None

    def chat_id(self) -> int:
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        try:
            return int(value)
        except (TypeError, ValueError):
            # @channelusername is valid on Telegram; this fake knows no usernames.
            raise bad_request("chat not found") from None


# --- text helpers --------------------------------------------------------------------------------


class _HtmlChecker(HTMLParser):
    """Checks Telegram's HTML subset and collects the plain text the user would see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.error = self.error or 'Unsupported start tag "br"'
            return
        if tag not in HTML_TAGS:
            self.error = self.error or f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f'Unexpected end tag "{tag}"'
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def render_text(text: str, parse_mode: str | None) -> str:
    """The text as delivered: HTML is checked and stripped; other modes are passed through."""
    if (parse_mode or "").lower() != "html":
        return text
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.error is None and checker.stack:
        checker.error = f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    if checker.error:
        raise bad_request(f"can't parse entities: {checker.error}")
    return html.unescape("".join(checker.text))


def check_inline_keyboard(markup: Any) -> JSON | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup  # a reply keyboard or ForceReply: kept, not shown in the message
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'can\'t parse inline keyboard button: field "inline_keyboard" must be '
            "an Array of Arrays"
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are "
                    "unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


# --- the server ----------------------------------------------------------------------------------


@dataclass
class _Fault:
    kind: Literal["error", "hang"]
    status: int = 500
    method: str | None = None
    chat_id: int | None = None
    seconds: float | None = None
    deliver: bool = False
    times: int = 1
    description: str | None = None
    retry_after: int = 1

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method is not None:
            if self.method.lower() != method:
                return False
        elif chat_id is None:
            return False
        return self.chat_id is None or self.chat_id == chat_id


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class _Chat:
    id: int
    kind: ChatKind
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    next_message_id: int = 1

    def as_json(self) -> JSON:
        chat: JSON = {"id": self.id, "type": self.kind}
        if self.kind == "private":
            chat["first_name"] = self.first_name or f"Người dùng {self.id}"
        else:
            chat["title"] = self.title or f"Nhóm {self.id}"
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class _RateState:
    recent: deque[float] = field(default_factory=deque)  # accepted sends in the last second
    last_private: dict[int, float] = field(default_factory=dict)
    group_recent: dict[int, deque[float]] = field(default_factory=dict)
    retry_until: float = float("-inf")


class FakeBotApi:
    """A Telegram Bot API server on 127.0.0.1 (an ephemeral port) with a scripted user side."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        limits: Limits | None = Limits(),
        faults: Faults | None = None,
        bot_username: str = "dondoc_test_bot",
        bot_first_name: str = "Đôn Đốc",
        auto_register_chats: bool = True,
        webhook_retry_delay: float = 0.1,
        webhook_timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 123456789
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.auto_register_chats = auto_register_chats
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self._clock = clock
        self._lock = threading.RLock()
        self._sent_cond = threading.Condition(self._lock)
        self._limits = limits
        self._faults = faults or Faults()
        self._rng = random.Random(self._faults.seed)
        self._fault_queue: list[_Fault] = []
        self._blocked: set[int] = set()
        self._missing: set[int] = set()
        self._chats: dict[int, _Chat] = {}
        self._messages: dict[int, dict[int, JSON]] = {}
        self._sent: list[SentMessage] = []
        self._edits: list[SentMessage] = []
        self._deleted: list[tuple[int, int]] = []
        self._records: list[RequestRecord] = []
        self._rate = _RateState()
        self._files: dict[str, StoredFile] = {}
        self._file_ids = itertools.count(1)
        self._updates: deque[JSON] = deque()
        self._next_update_id = 100_000_001
        self._allowed_updates: list[str] | None = None
        self._callbacks: dict[str, JSON] = {}
        self._callback_ids = itertools.count(1)
        self._callback_answers: list[CallbackAnswer] = []
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._webhook: _Webhook | None = None
        self._webhook_deliveries: list[WebhookDelivery] = []
        self._poll_generation = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: tornado.httpserver.HTTPServer | None = None
        self._changed: asyncio.Event | None = None
        self._stopping: asyncio.Event | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``Bot(base_url=...)``: the token and the method are appended."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    def method_url(self, method: str) -> str:
        return f"{self.base_url}{self.token}/{method}"

    async def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1 in the running event loop."""
        if self._server is not None:
            raise RuntimeError("the fake Bot API server is already running")
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        self._stopping = asyncio.Event()
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/([A-Za-z_]+)/?", _ApiHandler, {"api": self}),
                (r"/file/bot([^/]+)/(.+)", _FileHandler, {"api": self}),
                (r".*", _NotFoundHandler),
            ],
            log_function=lambda _handler: None,
        )
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        with self._lock:
            if self._webhook is not None:
                self._start_webhook_task()

    async def stop(self) -> None:
        """Stop listening, end long polls and hangs, close every connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        assert self._stopping is not None
        self._stopping.set()
        self._notify()
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(server.close_all_connections(), 5)
        self._loop = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def __enter__(self) -> FakeBotApi:
        """Run the server in a background thread with its own event loop."""
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:
                failure.append(exc)
                started.set()
                loop.close()
                return
            started.set()
            try:
                loop.run_forever()
            finally:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        thread = threading.Thread(target=serve, name="fake-bot-api", daemon=True)
        thread.start()
        started.wait()
        if failure:
            thread.join()
            raise failure[0]
        self._thread, self._thread_loop = thread, loop
        return self

    def __exit__(self, *exc_info: object) -> None:
        thread, loop = self._thread, self._thread_loop
        self._thread = self._thread_loop = None
        if thread is None or loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)

    # --- configuration at run time ---------------------------------------------------------------

    @property
    def limits(self) -> Limits | None:
        return self._limits

    def set_limits(self, limits: Limits | None) -> None:
        """Change the flood limits; the windows already counted are kept."""
        with self._lock:
            self._limits = limits

    def set_faults(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults
            self._rng = random.Random(faults.seed)

    def fail_next(
        self,
        status: int = 500,
        *,
        times: int = 1,
        method: str | None = None,
        chat_id: int | None = None,
        description: str | None = None,
        retry_after: int = 1,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status``; nothing is done.

        500 and 502 (an nginx HTML page, as Telegram's front end sends) are server trouble;
        400, 403 and 429 get Telegram's usual descriptions ("chat not found", "bot was
        blocked by the user", "retry after N"); a 429 also starts the bot-wide
        ``retry_after`` window. Without ``method`` a fault matches any request addressed to
        a chat (one with a ``chat_id``).
        """
        with self._lock:
            self._fault_queue.append(
                _Fault(
                    "error",
                    status=status,
                    method=method,
                    chat_id=chat_id,
                    times=times,
                    description=description,
                    retry_after=retry_after,
                )
            )

    def hang_next(
        self,
        *,
        times: int = 1,
        seconds: float | None = None,
        method: str | None = None,
        chat_id: int | None = None,
        deliver: bool = False,
    ) -> None:
        """Hold the answer to the next matching requests until the client gives up.

        ``deliver=True`` performs the request first (the message reaches the chat, only the
        answer is lost), which is how a timed-out send turns into a duplicate on retry.
        """
        with self._lock:
            self._fault_queue.append(
                _Fault(
                    "hang",
                    method=method,
                    chat_id=chat_id,
                    seconds=seconds,
                    deliver=deliver,
                    times=times,
                )
            )

    def block_chat(self, chat_id: int) -> None:
        """The user blocked the bot: sends answer 403 "Forbidden: bot was blocked by the user"."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    def forget_chat(self, chat_id: int) -> None:
        """Sends to the chat answer 400 "Bad Request: chat not found"."""
        with self._lock:
            self._missing.add(chat_id)
            self._chats.pop(chat_id, None)

    def register_chat(
        self,
        chat_id: int,
        kind: ChatKind | None = None,
        *,
        title: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> JSON:
        """Make a chat known; ``kind`` defaults to private for positive ids, group otherwise."""
        with self._lock:
            self._missing.discard(chat_id)
            chat = self._chats.get(chat_id)
            if chat is None:
                chat = self._chats[chat_id] = _Chat(chat_id, kind or _default_kind(chat_id))
            if kind is not None:
                chat.kind = kind
            chat.title = title or chat.title
            chat.first_name = first_name or chat.first_name
            chat.username = username or chat.username
            return chat.as_json()

    def reset_traffic(self) -> None:
        """Forget recorded requests, sent messages and rate windows (chats and files stay)."""
        with self._lock:
            self._records.clear()
            self._sent.clear()
            self._edits.clear()
            self._rate = _RateState()

    # --- the user side ---------------------------------------------------------------------------

    def send_user_message(
        self,
        chat_id: int,
        text: str = "",
        *,
        user: int | Mapping[str, Any] | None = None,
        reply_to_message_id: int | None = None,
        document: bytes | tuple[str, bytes] | tuple[str, bytes, str] | None = None,
        photo: bytes | None = None,
    ) -> JSON:
        """A user writes in ``chat_id`` (with an optional reply or file); return the update.

        With a file, ``text`` becomes its caption, as in Telegram.
        """
        with self._lock:
            chat = self._chat_for_user(chat_id)
            message: JSON = {
                "message_id": self._next_message_id(chat),
                "date": int(time.time()),
                "chat": chat.as_json(),
                "from": self._user_json(chat, user),
            }
            if reply_to_message_id is not None:
                replied = self._messages.get(chat_id, {}).get(reply_to_message_id)
                if replied is None:
                    raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
                message["reply_to_message"] = _without_reply(replied)
            if document is not None:
                name, data, mime = _document_parts(document)
                stored = self._store_file(data, "document", name, mime)
                message["document"] = stored.as_document()
            elif photo is not None:
                stored = self._store_file(photo, "photo", None, "image/jpeg")
                message["photo"] = stored.as_photo()
            if document is not None or photo is not None:
                if text:
                    message["caption"] = text
            else:
                message["text"] = text
            self._messages.setdefault(chat_id, {})[message["message_id"]] = message
            update = self._add_update("message", message)
        return update

    def press_button(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user: int | Mapping[str, Any] | None = None,
        check: bool = True,
    ) -> JSON:
        """A user presses the inline button with ``data`` under a bot message; return the update.

        ``check=False`` allows data the message has no button for (a stale or forged press).
        """
        with self._lock:
            message = self._messages.get(chat_id, {}).get(message_id)
            if message is None:
                raise ValueError(f"no message {message_id} in chat {chat_id}")
            if message.get("from", {}).get("id") != self.bot_id:
                raise ValueError("buttons can only be pressed under the bot's own messages")
            if check:
                rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
                offered = [b.get("callback_data") for row in rows for b in row]
                if data not in offered:
                    raise ValueError(f"message {message_id} has no button {data!r}: {offered}")
            chat = self._chats[chat_id]
            query_id = f"{self.bot_id}{next(self._callback_ids):08d}"
            query: JSON = {
                "id": query_id,
                "from": self._user_json(chat, user),
                "message": message,
                "chat_instance": f"{abs(chat_id)}{self.bot_id}",
                "data": data,
            }
            self._callbacks[query_id] = {"answered": False}
            update = self._add_update("callback_query", query)
        return update

    # --- inspection ------------------------------------------------------------------------------

    def sent_messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """What the bot sent, in arrival order (accepted sends only)."""
        with self._lock:
            return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

    def edits(self, chat_id: int | None = None) -> list[SentMessage]:
        with self._lock:
            return [m for m in self._edits if chat_id is None or m.chat_id == chat_id]

    def deleted_messages(self) -> list[tuple[int, int]]:
        with self._lock:
            return list(self._deleted)

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """A message as it stands now (after edits); None if absent or deleted."""
        with self._lock:
            return self._messages.get(chat_id, {}).get(message_id)

    def requests(self, method: str | None = None) -> list[RequestRecord]:
        """Every request received, in order; ``method`` filters (case-insensitive)."""
        with self._lock:
            wanted = method.lower() if method else None
            return [r for r in self._records if wanted is None or r.method.lower() == wanted]

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by getUpdates or accepted by the webhook."""
        with self._lock:
            return list(self._updates)

    def callback_answers(self) -> list[CallbackAnswer]:
        with self._lock:
            return list(self._callback_answers)

    def commands(self, scope: str = "default", language_code: str = "") -> list[JSON]:
        """The commands set by setMyCommands for a scope type and language."""
        with self._lock:
            return list(self._commands.get((scope, language_code), []))

    def webhook_deliveries(self) -> list[WebhookDelivery]:
        with self._lock:
            return list(self._webhook_deliveries)

    def file(self, file_id: str) -> StoredFile:
        with self._lock:
            return self._files[file_id]

    def wait_for_sent_blocking(
        self, count: int, *, chat_id: int | None = None, seconds: float = 5.0
    ) -> list[SentMessage]:
        """Block (for synchronous tests) until the bot sent ``count`` messages; return them."""
        with self._sent_cond:
            done = self._sent_cond.wait_for(
                lambda: len(self.sent_messages(chat_id)) >= count, seconds
            )
            sent = self.sent_messages(chat_id)
        if not done:
            raise TimeoutError(f"the bot sent {len(sent)} messages, expected {count}")
        return sent

    async def wait_for_sent(
        self, count: int, *, chat_id: int | None = None, seconds: float = 5.0
    ) -> list[SentMessage]:
        """Wait (without blocking the loop, which may be the server's) for ``count`` sends."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            sent = self.sent_messages(chat_id)
            if len(sent) >= count:
                return sent
            if loop.time() >= deadline:
                raise TimeoutError(f"the bot sent {len(sent)} messages, expected {count}")
            await asyncio.sleep(0.005)

    def stats(self, since: float | None = None) -> TrafficStats:
        """Flood-limit figures over message sends received at or after ``since``."""
        with self._lock:
            records = [r for r in self._records if r.limited and (since is None or r.t >= since)]
            chat_kinds = {cid: chat.kind for cid, chat in self._chats.items()}
        times = [r.t for r in records]
        accepted = [r.t for r in records if r.ok]
        private: dict[int, list[float]] = {}
        groups: dict[int, list[float]] = {}
        for r in records:
            if r.chat_id is None:
                continue
            if chat_kinds.get(r.chat_id, _default_kind(r.chat_id)) == "private":
                private.setdefault(r.chat_id, []).append(r.t)
            elif r.chat_id < 0:
                groups.setdefault(r.chat_id, []).append(r.t)
        gaps = [b - a for ts in private.values() for a, b in itertools.pairwise(ts)]
        kinds: dict[str, int] = {}
        for r in records:
            if r.violation:
                kinds[r.violation] = kinds.get(r.violation, 0) + 1
        return TrafficStats(
            sent=len(records),
            accepted=len(accepted),
            rate_limited=sum(1 for r in records if r.status == 429),
            limit_violations=sum(v for k, v in kinds.items() if k != "retry_after"),
            sent_during_retry_after=kinds.get("retry_after", 0),
            other_errors=sum(1 for r in records if r.status not in (200, 429)),
            max_per_second=max_in_window(times, 1.0),
            max_accepted_per_second=max_in_window(accepted, 1.0),
            max_per_private_chat_per_second=max(
                (max_in_window(ts, 1.0) for ts in private.values()), default=0
            ),
            min_private_gap=min(gaps) if gaps else None,
            max_per_group_per_minute=max(
                (max_in_window(ts, 60.0) for ts in groups.values()), default=0
            ),
            violations_by_kind=kinds,
            first_t=times[0] if times else None,
            last_t=times[-1] if times else None,
        )

    # --- request handling ------------------------------------------------------------------------

    async def handle(
        self, token: str, method_name: str, params: Params, connection_closed: asyncio.Event
    ) -> tuple[int, JSON | str]:
        """Answer one Bot API request: (HTTP status, JSON body or an HTML error page)."""
        now = self._clock()
        method = method_name.lower()
        chat_id = _chat_id_or_none(params)
        limited = method in MESSAGE_METHODS
        if token != self.token:
            return self._answer(now, method_name, chat_id, ApiError(401, "Unauthorized"))
        handler = _METHODS.get(method)
        if handler is None:
            return self._answer(
                now, method_name, chat_id, ApiError(404, "Not Found: method not found")
            )

        fault = self._pick_fault(method, chat_id)
        if fault is not None and fault.kind == "error":
            self._record(now, method_name, chat_id, fault.status, limited, fault=f"{fault.status}")
            if fault.status == 502 and fault.description is None:
                return 502, _BAD_GATEWAY_PAGE
            return fault.status, self._fault_error(now, fault).body()
        if fault is not None and not fault.deliver:
            # Recorded as the 504 a patient client would finally get; one that timed out
            # sees nothing at all.
            self._record(now, method_name, chat_id, 504, limited, fault="hang")
            await self._hang(fault.seconds, connection_closed)
            return 504, ApiError(504, "Gateway Timeout").body()

        try:
            result = await handler(self, params, now, method_name)
        except ApiError as err:
            return self._answer(now, method_name, chat_id, err, limited=limited)
        if not isinstance(result, _Recorded):
            self._record(now, method_name, chat_id, 200, limited)
        if fault is not None:  # deliver=True: done, but the answer never arrives in time
            await self._hang(fault.seconds, connection_closed)
        return 200, {"ok": True, "result": _unwrap(result)}

    def _answer(
        self,
        now: float,
        method: str,
        chat_id: int | None,
        err: ApiError,
        *,
        limited: bool = False,
    ) -> tuple[int, JSON]:
        self._record(
            now,
            method,
            chat_id,
            err.code,
            limited,
            description=err.description,
            violation=err.violation,
            retry_after=(err.parameters or {}).get("retry_after"),
        )
        return err.code, err.body()

    def _record(
        self,
        now: float,
        method: str,
        chat_id: int | None,
        status: int,
        limited: bool,
        *,
        description: str | None = None,
        violation: Violation | None = None,
        retry_after: int | None = None,
        fault: str | None = None,
    ) -> None:
        with self._lock:
            self._records.append(
                RequestRecord(
                    t=now,
                    method=method,
                    chat_id=chat_id,
                    status=status,
                    description=description,
                    limited=limited,
                    violation=violation,
                    retry_after=retry_after,
                    fault=fault,
                )
            )

    def _fault_error(self, now: float, fault: _Fault) -> ApiError:
        if fault.status == 429:
            with self._lock:
                self._rate.retry_until = max(self._rate.retry_until, now + fault.retry_after)
            return ApiError(
                429,
                fault.description or f"Too Many Requests: retry after {fault.retry_after}",
                parameters={"retry_after": fault.retry_after},
            )
        description = fault.description or _FAULT_DESCRIPTIONS.get(fault.status, "Server Error")
        return ApiError(fault.status, description)

    def _pick_fault(self, method: str, chat_id: int | None) -> _Fault | None:
        with self._lock:
            for index, fault in enumerate(self._fault_queue):
                if fault.matches(method, chat_id):
                    fault.times -= 1
                    if fault.times <= 0:
                        del self._fault_queue[index]
                    return fault
            if chat_id is None:
                return None
            f = self._faults
            roll = self._rng.random()
            if roll < f.p_500:
                return _Fault("error", status=500)
            if roll < f.p_500 + f.p_502:
                return _Fault("error", status=502)
            if roll < f.p_500 + f.p_502 + f.p_hang:
                return _Fault("hang", seconds=f.hang_seconds)
        return None

    async def _hang(self, seconds: float | None, connection_closed: asyncio.Event) -> None:
        assert self._stopping is not None
        waits = [
            asyncio.ensure_future(connection_closed.wait()),
            asyncio.ensure_future(self._stopping.wait()),
        ]
        try:
            await asyncio.wait(
                waits,
                timeout=seconds if seconds is not None else self._faults.hang_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for waiter in waits:
                waiter.cancel()

    # --- flood limits ----------------------------------------------------------------------------

    def _admit(self, now: float, method: str, chat: _Chat) -> Violation | None:
        """Check a send against the limits; refuse with 429 or count it. Lock held."""
        limits = self._limits
        if limits is None:
            return None
        rate = self._rate
        violation: Violation | None = None
        retry_after = 0.0
        recent = rate.recent
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        group_recent = rate.group_recent.get(chat.id) if chat.id < 0 else None
        if group_recent is not None:
            while group_recent and now - group_recent[0] >= 60.0:
                group_recent.popleft()
        if now < rate.retry_until:
            violation, retry_after = "retry_after", rate.retry_until - now
        elif len(recent) >= limits.overall_per_second:
            violation, retry_after = "overall", recent[0] + 1.0 - now
        elif chat.kind == "private" and (
            now - rate.last_private.get(chat.id, float("-inf")) < 1.0 / limits.private_per_second
        ):
            violation = "chat"
            retry_after = rate.last_private[chat.id] + 1.0 / limits.private_per_second - now
        elif (
            chat.id < 0
            and group_recent is not None
            and len(group_recent) >= limits.group_per_minute
        ):
            violation, retry_after = "group", group_recent[0] + 60.0 - now
        if violation is not None and limits.enforce:
            seconds = max(1, math.ceil(retry_after))
            if violation != "retry_after":
                rate.retry_until = max(rate.retry_until, now + seconds)
            raise ApiError(
                429,
                f"Too Many Requests: retry after {seconds}",
                parameters={"retry_after": seconds},
                violation=violation,
            )
        recent.append(now)
        if chat.kind == "private":
            rate.last_private[chat.id] = now
            if len(rate.last_private) > 10_000:
                cutoff = now - 1.0 / limits.private_per_second
                rate.last_private = {k: v for k, v in rate.last_private.items() if v > cutoff}
        if chat.id < 0:
            rate.group_recent.setdefault(chat.id, deque()).append(now)
        return violation

    # --- state helpers (lock held) ---------------------------------------------------------------

    def _chat_for_user(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            self._missing.discard(chat_id)
            chat = self._chats[chat_id] = _Chat(chat_id, _default_kind(chat_id))
        return chat

    def _chat_for_bot(self, chat_id: int) -> _Chat:
        if chat_id in self._missing:
            raise bad_request("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            if not self.auto_register_chats:
                raise bad_request("chat not found")
            chat = self._chats[chat_id] = _Chat(chat_id, _default_kind(chat_id))
        if chat_id in self._blocked:
            what = "user" if chat.kind == "private" else "group chat"
            if chat.kind == "private":
                raise ApiError(403, f"Forbidden: bot was blocked by the {what}")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat

    def _next_message_id(self, chat: _Chat) -> int:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return message_id

    def _user_json(self, chat: _Chat, user: int | Mapping[str, Any] | None) -> JSON:
        if isinstance(user, Mapping):
            data = dict(user)
            data.setdefault("is_bot", False)
            data.setdefault("first_name", f"Người dùng {data['id']}")
            return data
        user_id = user if user is not None else (chat.id if chat.kind == "private" else 1)
        data = {"id": user_id, "is_bot": False, "language_code": "vi"}
        if chat.kind == "private" and user_id == chat.id:
            data["first_name"] = chat.first_name or f"Người dùng {user_id}"
            if chat.username:
                data["username"] = chat.username
        else:
            data["first_name"] = f"Người dùng {user_id}"
        return data

    def _bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _store_file(
        self,
        data: bytes,
        kind: Literal["document", "photo"],
        file_name: str | None,
        mime_type: str | None,
    ) -> StoredFile:
        number = next(self._file_ids)
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        elif kind == "photo":
            suffix = ".jpg"
        folder = "documents" if kind == "document" else "photos"
        stored = StoredFile(
            file_id=f"BQAC-fake-{kind}-{number:06d}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            kind=kind,
        )
        self._files[stored.file_id] = stored
        return stored

    def _file_by_path(self, path: str) -> StoredFile | None:
        with self._lock:
            return next((f for f in self._files.values() if f.file_path == path), None)

    def _add_update(self, kind: str, payload: JSON) -> JSON:
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        if self._update_allowed(kind):
            self._updates.append(update)
            self._notify_threadsafe()
        return update

    def _update_allowed(self, kind: str) -> bool:
        allowed = self._webhook.allowed_updates if self._webhook else self._allowed_updates
        if not allowed:
            return kind not in DEFAULT_UPDATE_TYPES_EXCLUDED
        return kind in allowed

    def _notify(self) -> None:
        """Wake long polls and the webhook sender. Runs on the server loop."""
        changed, self._changed = self._changed, asyncio.Event()
        if changed is not None:
            changed.set()

    def _notify_threadsafe(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._notify()
        else:
            loop.call_soon_threadsafe(self._notify)

    def _record_sent(
        self,
        now: float,
        method: str,
        chat: _Chat,
        message: JSON,
        *,
        text: str | None,
        parse_mode: str | None,
        reply_markup: JSON | None,
        file: StoredFile | None = None,
    ) -> None:
        self._messages.setdefault(chat.id, {})[message["message_id"]] = message
        reply = message.get("reply_to_message")
        self._sent.append(
            SentMessage(
                t=now,
                method=method,
                chat_id=chat.id,
                message_id=message["message_id"],
                text=text,
                parse_mode=parse_mode,
                reply_markup=reply_markup,
                reply_to_message_id=reply["message_id"] if reply else None,
                file=file,
                message=message,
            )
        )
        self._sent_cond.notify_all()

    # --- webhook ---------------------------------------------------------------------------------

    def _start_webhook_task(self) -> None:
        if self._loop is None:
            return
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = self._loop.create_task(self._deliver_webhook())

    async def _deliver_webhook(self) -> None:
        delay = self.webhook_retry_delay
        async with httpx.AsyncClient(timeout=self.webhook_timeout) as client:
            while True:
                changed = self._changed
                with self._lock:
                    hook = self._webhook
                    update = self._updates[0] if self._updates else None
                if hook is None:
                    return
                if update is None:
                    assert changed is not None
                    await changed.wait()
                    continue
                headers = {"Content-Type": "application/json"}
                if hook.secret_token:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
                status: int | None = None
                error: str | None = None
                try:
                    response = await client.post(
                        hook.url, content=json.dumps(update).encode(), headers=headers
                    )
                    status = response.status_code
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                with self._lock:
                    self._webhook_deliveries.append(
                        WebhookDelivery(self._clock(), update["update_id"], status, error)
                    )
                    if status is not None and 200 <= status < 300:
                        if self._updates and self._updates[0] is update:
                            self._updates.popleft()
                        delay = self.webhook_retry_delay
                        continue
                    hook.last_error_date = int(time.time())
                    hook.last_error_message = (
                        f"Wrong response from the webhook: {status}" if status else error
                    )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)


# --- method implementations ----------------------------------------------------------------------


@dataclass
class _Recorded:
    """A result whose request was already recorded (with its rate-limit verdict)."""

    value: Any


def _unwrap(result: Any) -> Any:
    return result.value if isinstance(result, _Recorded) else result


_METHODS: dict[str, Callable[..., Any]] = {}


def _method(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _METHODS[name.lower()] = func
        return func

    return register


@_method("getMe")
async def _get_me(api: FakeBotApi, params: Params, now: float, method: str) -> JSON:
    return {
        **api._bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@_method("logOut")
@_method("close")
async def _log_out(api: FakeBotApi, params: Params, now: float, method: str) -> bool:
    return True


def _reply_target(api: FakeBotApi, params: Params, chat: _Chat) -> JSON | None:
    reply_parameters = params.get_json("reply_parameters")
    allow_missing = params.get_bool("allow_sending_without_reply")
    message_id = params.get_int("reply_to_message_id")
    if isinstance(reply_parameters, dict):
        message_id = reply_parameters.get("message_id", message_id)
        allow_missing = bool(reply_parameters.get("allow_sending_without_reply", allow_missing))
        other_chat = reply_parameters.get("chat_id")
        if other_chat is not None and int(other_chat) != chat.id:
            raise bad_request("replies to other chats are not supported by the fake Bot API")
    if message_id is None:
        return None
    replied = api._messages.get(chat.id, {}).get(int(message_id))
    if replied is None:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return _without_reply(replied)


def _new_bot_message(api: FakeBotApi, chat: _Chat, reply_to: JSON | None) -> JSON:
    message: JSON = {
        "message_id": api._next_message_id(chat),
        "date": int(time.time()),
        "chat": chat.as_json(),
        "from": api._bot_user(),
    }
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return message


def _send_common(
    api: FakeBotApi, params: Params, now: float, method: str
) -> tuple[_Chat, JSON | None, JSON | None, Violation | None]:
    """Checks shared by every send: chat, markup, reply, then the flood limits. Lock held."""
    chat = api._chat_for_bot(params.chat_id())
    markup = check_inline_keyboard(
        params.get_json("reply_markup", "can't parse reply keyboard markup JSON object")
    )
    reply_to = _reply_target(api, params, chat)
    violation = api._admit(now, method, chat)
    return chat, markup, reply_to, violation


@_method("sendMessage")
async def _send_message(api: FakeBotApi, params: Params, now: float, method: str) -> _Recorded:
    text = params.get_str("text") or ""
    parse_mode = params.get_str("parse_mode")
    if not text.strip():
        raise bad_request("message text is empty")
    rendered = render_text(text, parse_mode)
    if len(rendered) > MAX_TEXT:
        raise bad_request("message is too long")
    with api._lock:
        chat, markup, reply_to, violation = _send_common(api, params, now, method)
        message = _new_bot_message(api, chat, reply_to)
        message["text"] = rendered
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        api._record(now, method, chat.id, 200, True, violation=violation)
        api._record_sent(
            now, method, chat, message, text=text, parse_mode=parse_mode, reply_markup=markup
        )
    return _Recorded(message)


async def _send_file(
    api: FakeBotApi, params: Params, now: float, method: str, kind: Literal["document", "photo"]
) -> _Recorded:
    caption = params.get_str("caption")
    parse_mode = params.get_str("parse_mode")
    rendered_caption = render_text(caption, parse_mode) if caption else None
    if rendered_caption and len(rendered_caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    upload = params.files.get(kind)
    reference = params.get_str(kind)
    if upload is None and reference and reference.startswith("attach://"):
        upload = params.files.get(reference.removeprefix("attach://"))
    with api._lock:
        chat, markup, reply_to, violation = _send_common(api, params, now, method)
        if upload is not None:
            mime = upload.content_type or None
            if mime == "application/octet-stream" and kind == "photo":
                mime = "image/jpeg"
            stored = api._store_file(upload.body, kind, upload.filename, mime)
        elif reference and reference in api._files:
            stored = api._files[reference]
        elif reference:
            raise bad_request("wrong file identifier/HTTP URL specified")
        else:
            raise bad_request(f"there is no {kind} in the request")
        message = _new_bot_message(api, chat, reply_to)
        if kind == "document":
            message["document"] = stored.as_document()
        else:
            message["photo"] = stored.as_photo()
        if rendered_caption:
            message["caption"] = rendered_caption
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        api._record(now, method, chat.id, 200, True, violation=violation)
        api._record_sent(
            now,
            method,
            chat,
            message,
            text=caption,
            parse_mode=parse_mode,
            reply_markup=markup,
            file=stored,
        )
    return _Recorded(message)


@_method("sendDocument")
async def _send_document(api: FakeBotApi, params: Params, now: float, method: str) -> _Recorded:
    return await _send_file(api, params, now, method, "document")


@_method("sendPhoto")
async def _send_photo(api: FakeBotApi, params: Params, now: float, method: str) -> _Recorded:
    return await _send_file(api, params, now, method, "photo")


@_method("sendChatAction")
async def _send_chat_action(api: FakeBotApi, params: Params, now: float, method: str) -> bool:
    with api._lock:
        api._chat_for_bot(params.chat_id())
    return True


@_method("getChat")
async def _get_chat(api: FakeBotApi, params: Params, now: float, method: str) -> JSON:
    with api._lock:
        chat = api._chat_for_bot(params.chat_id())
        return {**chat.as_json(), "accent_color_id": 0, "max_reaction_count": 11}


def _bot_message_to_edit(api: FakeBotApi, params: Params) -> tuple[_Chat, JSON]:
    if params.has("inline_message_id"):
        raise bad_request("inline messages are not supported by the fake Bot API")
    chat = api._chat_for_bot(params.chat_id())
    message_id = params.get_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = api._messages.get(chat.id, {}).get(message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if message.get("from", {}).get("id") != api.bot_id:
        raise bad_request("message can't be edited")
    return chat, message


def _apply_edit(
    api: FakeBotApi,
    now: float,
    method: str,
    chat: _Chat,
    old: JSON,
    new: JSON,
    *,
    text: str | None,
    parse_mode: str | None,
    markup: JSON | None,
) -> JSON:
    if {k: v for k, v in new.items() if k != "edit_date"} == {
        k: v for k, v in old.items() if k != "edit_date"
    }:
        raise bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )
    new["edit_date"] = int(time.time())
    api._messages[chat.id][new["message_id"]] = new
    api._edits.append(
        SentMessage(
            t=now,
            method=method,
            chat_id=chat.id,
            message_id=new["message_id"],
            text=text,
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to_message_id=(new.get("reply_to_message") or {}).get("message_id"),
            file=None,
            message=new,
        )
    )
    return new


@_method("editMessageText")
async def _edit_message_text(api: FakeBotApi, params: Params, now: float, method: str) -> JSON:
    text = params.get_str("text") or ""
    parse_mode = params.get_str("parse_mode")
    if not text.strip():
        raise bad_request("message text is empty")
    rendered = render_text(text, parse_mode)
    if len(rendered) > MAX_TEXT:
        raise bad_request("message is too long")
    markup = check_inline_keyboard(params.get_json("reply_markup"))
    with api._lock:
        chat, old = _bot_message_to_edit(api, params)
        if "text" not in old:
            raise bad_request("there is no text in the message to edit")
        new = {k: v for k, v in old.items() if k != "reply_markup"}
        new["text"] = rendered
        if markup and "inline_keyboard" in markup:
            new["reply_markup"] = markup
        return _apply_edit(
            api, now, method, chat, old, new, text=text, parse_mode=parse_mode, markup=markup
        )


@_method("editMessageReplyMarkup")
async def _edit_message_reply_markup(
    api: FakeBotApi, params: Params, now: float, method: str
) -> JSON:
    markup = check_inline_keyboard(params.get_json("reply_markup"))
    with api._lock:
        chat, old = _bot_message_to_edit(api, params)
        new = {k: v for k, v in old.items() if k != "reply_markup"}
        if markup and markup.get("inline_keyboard"):
            new["reply_markup"] = markup
        return _apply_edit(
            api, now, method, chat, old, new, text=None, parse_mode=None, markup=markup
        )


@_method("deleteMessage")
async def _delete_message(api: FakeBotApi, params: Params, now: float, method: str) -> bool:
    with api._lock:
        chat = api._chat_for_bot(params.chat_id())
        message_id = params.get_int("message_id")
        if message_id is None or api._messages.get(chat.id, {}).pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        api._deleted.append((chat.id, message_id))
    return True


@_method("answerCallbackQuery")
async def _answer_callback_query(api: FakeBotApi, params: Params, now: float, method: str) -> bool:
    query_id = params.get_str("callback_query_id") or ""
    with api._lock:
        query = api._callbacks.get(query_id)
        if query is None or query["answered"]:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        query["answered"] = True
        api._callback_answers.append(
            CallbackAnswer(
                t=now,
                callback_query_id=query_id,
                text=params.get_str("text"),
                show_alert=params.get_bool("show_alert"),
                url=params.get_str("url"),
            )
        )
    return True


@_method("setMyCommands")
async def _set_my_commands(api: FakeBotApi, params: Params, now: float, method: str) -> bool:
    commands = params.get_json("commands")
    if not isinstance(commands, list) or not all(
        isinstance(c, dict) and c.get("command") and c.get("description") for c in commands
    ):
        raise bad_request("can't parse commands JSON object")
    scope = params.get_json("scope") or {}
    key = (scope.get("type", "default"), params.get_str("language_code") or "")
    with api._lock:
        api._commands[key] = commands
    return True


@_method("getMyCommands")
async def _get_my_commands(api: FakeBotApi, params: Params, now: float, method: str) -> Any:
    scope = params.get_json("scope") or {}
    return api.commands(scope.get("type", "default"), params.get_str("language_code") or "")


@_method("deleteMyCommands")
async def _delete_my_commands(api: FakeBotApi, params: Params, now: float, method: str) -> bool:
    scope = params.get_json("scope") or {}
    with api._lock:
        api._commands.pop(
            (scope.get("type", "default"), params.get_str("language_code") or ""), None
        )
    return True


@_method("getFile")
async def _get_file(api: FakeBotApi, params: Params, now: float, method: str) -> JSON:
    file_id = params.get_str("file_id") or ""
    with api._lock:
        stored = api._files.get(file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


@_method("getUpdates")
async def _get_updates(api: FakeBotApi, params: Params, now: float, method: str) -> list[JSON]:
    offset = params.get_int("offset")
    limit = min(max(params.get_int("limit", 100) or 100, 1), 100)
    timeout = max(0.0, params.get_float("timeout", 0.0))
    allowed = params.get_json("allowed_updates")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    with api._lock:
        if api._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        if isinstance(allowed, list):
            api._allowed_updates = [str(kind) for kind in allowed]
        api._poll_generation += 1
        generation = api._poll_generation
        _confirm(api, offset)
    api._notify()  # an older long poll still waiting is now a conflict
    while True:
        changed = api._changed
        with api._lock:
            if api._poll_generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            if api._webhook is not None:
                return []
            batch = list(itertools.islice(api._updates, limit))
        remaining = deadline - loop.time()
        stopping = api._stopping is not None and api._stopping.is_set()
        if batch or remaining <= 0 or stopping or changed is None:
            return batch
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(changed.wait(), remaining)


def _confirm(api: FakeBotApi, offset: int | None) -> None:
    """Drop confirmed updates: those below ``offset``; a negative offset keeps the last few."""
    if offset is None:
        return
    if offset < 0:
        keep = -offset
        while len(api._updates) > keep:
            api._updates.popleft()
        return
    while api._updates and api._updates[0]["update_id"] < offset:
        api._updates.popleft()


@_method("setWebhook")
async def _set_webhook(api: FakeBotApi, params: Params, now: float, method: str) -> bool:
    url = params.get_str("url") or ""
    allowed = params.get_json("allowed_updates")
    with api._lock:
        if params.get_bool("drop_pending_updates"):
            api._updates.clear()
        if not url:
            api._webhook = None
            api._notify_threadsafe()
            return True
        if not url.startswith(("http://", "https://")):
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        previous = api._webhook
        api._webhook = _Webhook(
            url=url,
            secret_token=params.get_str("secret_token"),
            max_connections=params.get_int("max_connections", 40) or 40,
            allowed_updates=(
                [str(kind) for kind in allowed]
                if isinstance(allowed, list)
                else previous.allowed_updates
                if previous
                else api._allowed_updates
            ),
        )
        api._poll_generation += 1  # a waiting long poll ends
        api._start_webhook_task()
    api._notify()
    return True


@_method("deleteWebhook")
async def _delete_webhook(api: FakeBotApi, params: Params, now: float, method: str) -> bool:
    with api._lock:
        if params.get_bool("drop_pending_updates"):
            api._updates.clear()
        api._webhook = None
    api._notify()
    return True


@_method("getWebhookInfo")
async def _get_webhook_info(api: FakeBotApi, params: Params, now: float, method: str) -> JSON:
    with api._lock:
        hook = api._webhook
        info: JSON = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(api._updates),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            info["ip_address"] = "127.0.0.1"
            if hook.allowed_updates:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
    return info


# --- tornado handlers ----------------------------------------------------------------------------


class _ApiHandler(tornado.web.RequestHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api
        self.closed = asyncio.Event()

    def on_connection_close(self) -> None:
        self.closed.set()

    def check_xsrf_cookie(self) -> None:
        return None

    async def get(self, token: str, method: str) -> None:
        await self._serve(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._serve(token, method)

    async def _serve(self, token: str, method: str) -> None:
        body: JSON | str
        try:
            params = self._params()
        except ApiError as err:
            status, body = err.code, err.body()
        else:
            status, body = await self.api.handle(token, method, params, self.closed)
        self.set_status(status)
        text: str
        if isinstance(body, str):
            self.set_header("Content-Type", "text/html")
            text = body
        else:
            self.set_header("Content-Type", "application/json")
            text = json.dumps(body, ensure_ascii=False)
        # The client may have given up (a hang, a timeout): nobody is left to answer.
        with contextlib.suppress(tornado.iostream.StreamClosedError):
            await self.finish(text)

    def _params(self) -> Params:
        values: dict[str, Any] = {}
        for source in (self.request.query_arguments, self.request.body_arguments):
            for name, items in source.items():
                if items:
                    values[name] = items[-1].decode("utf-8", "replace")
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            try:
                body = json.loads(self.request.body)
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("can't parse JSON request body")
            values.update(body)
        files = {
            name: UploadedFile(items[0].filename, items[0].body, items[0].content_type)
            for name, items in self.request.files.items()
            if items
        }
        return Params(values, files)


class _FileHandler(tornado.web.RequestHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def get(self, token: str, path: str) -> None:
        stored = self.api._file_by_path(path) if token == self.api.token else None
        if stored is None:
            self.set_status(404)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}))
            return
        self.set_header("Content-Type", stored.mime_type or "application/octet-stream")
        self.finish(stored.data)


class _NotFoundHandler(tornado.web.RequestHandler):
    def prepare(self) -> None:
        self.set_status(404)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}))


_FAULT_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

_BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


# --- small helpers -------------------------------------------------------------------------------


def _default_kind(chat_id: int) -> ChatKind:
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


def _chat_id_or_none(params: Params) -> int | None:
    value = params.values.get("chat_id")
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _without_reply(message: JSON) -> JSON:
    return {k: v for k, v in message.items() if k != "reply_to_message"}


def _document_parts(
    document: bytes | tuple[str, bytes] | tuple[str, bytes, str],
) -> tuple[str, bytes, str]:
    if isinstance(document, bytes):
        return "file.bin", document, "application/octet-stream"
    if len(document) == 2:
        name, data = document
        return name, data, _guess_mime(name)
    name, data, mime = document
    return name, data, mime


def _guess_mime(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
