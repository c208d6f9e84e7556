"""Fetching a file a person sent, for handlers, which run in a worker thread and block.

Handlers get a plain ``fetch_file(file_id) -> bytes`` (``handlers.context.FetchFile``). A
channel whose client is asynchronous (Telegram: ``TelegramTransport.fetch_file``) lives on
the bot's event loop, while ``bot.inbox.process_pending`` runs in a thread of its own
(``asyncio.to_thread``); ``blocking_fetch`` runs the download on the bot's loop and waits
for it. The console hands over local files: its file id is a path.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

DOWNLOAD_TIMEOUT = 120.0  # seconds; a 20 MB file over a slow link, and no more


def blocking_fetch(
    fetch: Callable[[str], Coroutine[Any, Any, bytes]],
    loop: asyncio.AbstractEventLoop,
    *,
    timeout: float = DOWNLOAD_TIMEOUT,
) -> Callable[[str], bytes]:
    """Return ``fetch`` as a blocking function that runs it on ``loop``, for worker threads.

    In the runner: ``process_pending(..., fetch_file=blocking_fetch(transport.fetch_file,
    asyncio.get_running_loop()))``, with process_pending itself in ``asyncio.to_thread``.
    """

    def fetch_file(file_id: str) -> bytes:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            # Waiting here would stop the very loop that must do the download.
            raise RuntimeError("blocking_fetch called on the loop it runs downloads on")
        future = asyncio.run_coroutine_threadsafe(fetch(file_id), loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    return fetch_file


def read_local_file(file_id: str) -> bytes:
    """Return the bytes of a local file: the console's way of "sending" one (its id is a path)."""
    return Path(file_id).expanduser().read_bytes()
