"""Handlers, in a worker thread, download a file through the channel's asynchronous client."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.files import blocking_fetch


def test_the_download_runs_on_the_bots_loop_and_the_worker_gets_the_bytes() -> None:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    ran_on: list[asyncio.AbstractEventLoop] = []

    async def fetch(file_id: str) -> bytes:
        ran_on.append(asyncio.get_running_loop())
        return f"nội dung {file_id}".encode()

    try:
        fetch_file = blocking_fetch(fetch, loop)
        assert fetch_file("f-1") == "nội dung f-1".encode()
        assert ran_on == [loop]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


def test_waiting_on_the_loop_that_must_download_is_refused_rather_than_a_deadlock() -> None:
    async def fetch(file_id: str) -> bytes:
        return b""

    async def handler_on_the_loop() -> None:
        fetch_file = blocking_fetch(fetch, asyncio.get_running_loop())
        with pytest.raises(RuntimeError):
            fetch_file("f-1")

    asyncio.run(handler_on_the_loop())
