"""telegram-test-api (an npm Bot API emulator we do not write), and the thinnest proxy that
lets python-telegram-bot talk to it.

End-to-end tests run against our own :mod:`bot.testing.fake_bot_api`; running the same
dialogue against an emulator written by others checks that we did not build the fake to
fit our bot. telegram-test-api 4.2 is written for node-telegram-bot-api and telegraf,
which read its answers loosely; python-telegram-bot parses them strictly. Each gap gets one
small fix in :class:`TtaShim`, nothing more:

1. ``getMe`` has no ``is_bot``; python-telegram-bot's ``User`` requires it.
2. The messages the bot sends come back dated in milliseconds (JavaScript's
   ``Date.getTime()``); Telegram dates are Unix seconds ("year 57851 is out of range").
3. A ``callback_query`` has no ``chat_instance``, which ``CallbackQuery`` requires.
4. ``editMessageText``, ``editMessageReplyMarkup`` and ``answerCallbackQuery`` answer
   ``result: null``; Telegram answers the edited message or ``true``, and
   python-telegram-bot cannot parse ``null`` as a message. The shim answers ``true`` (what
   Telegram answers for edits of inline messages).
5. ``getUpdates`` answers at once and ignores ``timeout``: a long-polling bot would spin.
   The shim holds an empty answer and asks again every ``POLL_STEP`` seconds until the
   timeout, as Telegram holds a long poll.

Left as they are (our tests do not depend on them): ``getUpdates`` ignores ``offset`` and
hands out each update once, so an update is lost if the bot dies before storing it (our
fake redelivers, as Telegram does); webhooks are sent without the secret-token header;
errors are ``{"message": ...}`` with status 500 rather than Telegram's error objects; no
files (``getFile``, ``sendDocument``).

The emulator's "client" API (``/sendMessage``, ``/sendCallback``, ``/getUpdates`` with
``token`` and ``chatId``, ``/getUpdatesHistory``) is where a test acts as the user; the
shim passes it through untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import tornado.httpserver
import tornado.iostream
import tornado.netutil
import tornado.web

__all__ = [
    "TTA_VERSION",
    "EmulatorUnavailable",
    "TelegramTestApi",
    "TtaShim",
    "fix_answer",
    "install",
]

TTA_VERSION = "4.2.1"  # the fixes below are for this version
POLL_STEP = 0.05
NULL_MEANS_TRUE = frozenset({"editmessagetext", "editmessagereplymarkup", "answercallbackquery"})

# Starts the emulator on an ephemeral port of 127.0.0.1 and prints the port. Its config turns
# port 0 into 9000 (``port || 9000``), so the port is set after the config is read. It stops
# when our end of its stdin closes, so it never outlives the test that started it.
_LAUNCHER = """
const TelegramServer = require('telegram-test-api');
const server = new TelegramServer({host: '127.0.0.1', port: 1, storeTimeout: 3600});
server.config.port = 0;
server.start().then(() => {
  process.stdout.write(JSON.stringify({port: server.server.address().port}) + '\\n');
}, (error) => { console.error(error); process.exit(1); });
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
"""


class EmulatorUnavailable(Exception):
    """node or npm is missing, or the package could not be installed (offline)."""


def install(folder: Path, *, timeout: float = 300) -> Path:
    """Install telegram-test-api under ``folder`` unless it is there; return ``folder``."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise EmulatorUnavailable("node and npm are not installed")
    package = folder / "node_modules" / "telegram-test-api" / "package.json"
    if package.exists() and json.loads(package.read_text())["version"] == TTA_VERSION:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(folder),
                "--no-audit",
                "--no-fund",
                f"telegram-test-api@{TTA_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise EmulatorUnavailable(f"npm install took over {timeout:.0f} s") from exc
    if done.returncode != 0 or not package.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise EmulatorUnavailable("npm install failed: " + " / ".join(tail))
    return folder


class TelegramTestApi:
    """The emulator in a node process: ``async with TelegramTestApi(folder) as tta``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = 0
        self._process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> TelegramTestApi:
        self._process = await asyncio.create_subprocess_exec(
            "node",
            "-e",
            _LAUNCHER,
            cwd=self.folder,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), 30)
        if not line:
            assert self._process.stderr is not None
            error = (await self._process.stderr.read()).decode(errors="replace")
            raise EmulatorUnavailable(f"telegram-test-api did not start: {error[-500:]}")
        self.port = int(json.loads(line)["port"])
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


class TtaShim:
    """A proxy on 127.0.0.1 (an ephemeral port) that fixes the emulator's answers.

    Point python-telegram-bot at ``base_url`` (``Bot(token, base_url=shim.base_url)``).
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.port = 0
        self._server: tornado.httpserver.HTTPServer | None = None
        self._client: httpx.AsyncClient | None = None
        self._stopping = asyncio.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    async def __aenter__(self) -> TtaShim:
        self._client = httpx.AsyncClient(timeout=30)
        app = tornado.web.Application(
            [(r"/.*", _Proxy, {"shim": self})], log_function=lambda _handler: None
        )
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.close_all_connections(), 5)
        if self._client is not None:
            await self._client.aclose()

    async def forward(
        self, method: str, path: str, query: str, body: bytes, content_type: str | None
    ) -> httpx.Response:
        assert self._client is not None
        headers = {"Content-Type": content_type} if content_type else {}
        url = f"{self.upstream}{path}" + (f"?{query}" if query else "")
        return await self._client.request(method, url, content=body or None, headers=headers)

    async def bot_call(
        self,
        api_method: str,
        method: str,
        path: str,
        query: str,
        body: bytes,
        content_type: str | None,
    ) -> tuple[int, bytes]:
        """Forward one Bot API call and fix its answer."""
        name = api_method.lower()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (
            _timeout(query, body, content_type) if name == "getupdates" else 0
        )
        while True:
            response = await self.forward(method, path, query, body, content_type)
            try:
                answer = response.json()
            except ValueError:
                return response.status_code, response.content
            if not isinstance(answer, dict) or "result" not in answer:
                return response.status_code, response.content
            empty_poll = name == "getupdates" and answer.get("result") == []
            if empty_poll and loop.time() < deadline and not self._stopping.is_set():
                with contextlib.suppress(TimeoutError):  # fix 5: hold the long poll
                    await asyncio.wait_for(self._stopping.wait(), POLL_STEP)
                continue
            return response.status_code, json.dumps(fix_answer(name, answer)).encode()


class _Proxy(tornado.web.RequestHandler):
    def initialize(self, shim: TtaShim) -> None:
        self.shim = shim

    def check_xsrf_cookie(self) -> None:
        return None

    async def get(self) -> None:
        await self._relay()

    async def post(self) -> None:
        await self._relay()

    async def _relay(self) -> None:
        request = self.request
        content_type = request.headers.get("Content-Type")
        parts = request.path.split("/")
        try:
            if len(parts) == 3 and parts[1].startswith("bot"):  # /bot<token>/<method>
                status, body = await self.shim.bot_call(
                    parts[2],
                    request.method or "POST",
                    request.path,
                    request.query,
                    request.body,
                    content_type,
                )
            else:  # the emulator's client API: the test acting as the user
                response = await self.shim.forward(
                    request.method or "POST",
                    request.path,
                    request.query,
                    request.body,
                    content_type,
                )
                status, body = response.status_code, response.content
        except httpx.HTTPError as exc:
            status, body = (
                502,
                json.dumps(
                    {"ok": False, "error_code": 502, "description": f"Bad Gateway: {exc}"}
                ).encode(),
            )
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        with contextlib.suppress(tornado.iostream.StreamClosedError):
            await self.finish(body)


def _timeout(query: str, body: bytes, content_type: str | None) -> float:
    """getUpdates' ``timeout`` from the query string, a form or a JSON body."""
    values: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query).items()}
    if body and (content_type or "").startswith("application/json"):
        with contextlib.suppress(ValueError):
            data = json.loads(body)
            if isinstance(data, dict):
                values.update(data)
    elif body:
        values.update({k: v[-1] for k, v in parse_qs(body.decode(errors="replace")).items()})
    try:
        return max(0.0, float(values.get("timeout") or 0))
    except (TypeError, ValueError):
        return 0.0


def fix_answer(method: str, answer: dict[str, Any]) -> dict[str, Any]:
    """Fix one Bot API answer of the emulator (in place) and return it."""
    name = method.lower()
    result = answer.get("result")
    if name == "getme" and isinstance(result, dict):
        result.setdefault("is_bot", True)  # fix 1
    if name in NULL_MEANS_TRUE and result is None:
        answer["result"] = True  # fix 4
    if name == "getupdates" and isinstance(result, list):
        for update in result:
            query = update.get("callback_query") if isinstance(update, dict) else None
            if isinstance(query, dict) and "chat_instance" not in query:  # fix 3
                chat = (query.get("message") or {}).get("chat") or query.get("from") or {}
                query["chat_instance"] = str(chat.get("id", 0))
    _seconds(answer)
    return answer


def _seconds(value: Any) -> None:
    """Fix 2: message dates in milliseconds become seconds, at any depth."""
    if isinstance(value, dict):
        date = value.get("date")
        if "message_id" in value and isinstance(date, int) and date > 10**11:
            value["date"] = date // 1000
        for item in value.values():
            _seconds(item)
    elif isinstance(value, list):
        for item in value:
            _seconds(item)
