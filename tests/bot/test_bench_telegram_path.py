"""The Telegram path benchmark runs small, and both bots answer every message (counts only:
speed is measured by ``python -m bot bench``, never asserted)."""

from __future__ import annotations

from bot.bench.telegram_path import bench_telegram_path


async def test_both_bots_answer_every_message() -> None:
    result = await bench_telegram_path(50, chats=10)
    ours, echo = result["dondoc"], result["ptb_echo"]
    assert (ours["answered"], ours["chats_answered"], ours["handled"]) == (50, 10, 50)
    assert (echo["answered"], echo["chats_answered"]) == (50, 10)
    assert result["dondoc_vs_echo"] is not None
