"""python-telegram-bot's own Bot talks to the fake Bot API server over real HTTP, unmodified."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.bench.pacing import bench_pacing
from bot.testing.fake_bot_api import FakeBotApi, Faults, Limits

OFFICIAL = 700_001  # a private chat with a commune official
GROUP = -4_000_001  # the commune's working group


@pytest.fixture
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without it python-telegram-bot 22 warns (an error under our filterwarnings) as soon as
    # it builds a RetryAfter; with it, retry_after is a timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    # Functional tests send faster than Telegram allows; the limit tests turn limits on.
    async with FakeBotApi(limits=None) as server:
        yield server


def make_bot(api: FakeBotApi, *, read_timeout: float = 5.0) -> Bot:
    return Bot(
        api.token,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        request=HTTPXRequest(read_timeout=read_timeout),
    )


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with make_bot(api) as telegram_bot:
        yield telegram_bot


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d) for d in data]])


# --- messages ------------------------------------------------------------------------------------


async def test_get_me_says_it_is_a_bot(bot: Bot, api: FakeBotApi) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == api.bot_id
    assert me.username == "dondoc_test_bot"


async def test_send_message_with_an_inline_keyboard(bot: Bot, api: FakeBotApi) -> None:
    first = await bot.send_message(
        OFFICIAL,
        "<b>Nhắc việc</b>: báo cáo &amp; số liệu",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard("done", "later"),
    )
    second = await bot.send_message(OFFICIAL, "Còn 3 ngày")

    assert (first.message_id, second.message_id) == (1, 2)
    assert first.chat.type == "private"
    assert first.from_user is not None
    assert first.from_user.is_bot
    assert first.text == "Nhắc việc: báo cáo & số liệu"
    assert first.reply_markup == keyboard("done", "later")
    assert isinstance(first.date, dtm.datetime)

    sent = api.sent_messages(OFFICIAL)
    assert [m.text for m in sent] == ["<b>Nhắc việc</b>: báo cáo &amp; số liệu", "Còn 3 ngày"]
    assert sent[0].parse_mode == "HTML"
    assert sent[0].buttons == [["Done", "Later"]]
    assert sent[0].callback_data == ["done", "later"]
    assert sent[0].t <= sent[1].t


async def test_group_messages_count_their_own_ids(bot: Bot, api: FakeBotApi) -> None:
    api.register_chat(GROUP, "group", title="UBND xã Tân Phú")
    await bot.send_message(OFFICIAL, "riêng")
    message = await bot.send_message(GROUP, "chung")
    assert message.message_id == 1
    assert message.chat.type == "group"
    assert message.chat.title == "UBND xã Tân Phú"


async def test_bad_requests_are_refused_like_telegram(bot: Bot, api: FakeBotApi) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(OFFICIAL, "<b>chưa đóng", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(OFFICIAL, " ")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(OFFICIAL, "x" * 4097)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(OFFICIAL, "x", reply_markup=keyboard("d" * 65))
    assert api.sent_messages() == []


async def test_a_reply_to_a_user_message(bot: Bot, api: FakeBotApi) -> None:
    update = api.send_user_message(OFFICIAL, "Đã xong 80%")
    asked = update["message"]["message_id"]

    answer = await bot.send_message(
        OFFICIAL, "Ghi nhận 80%", reply_parameters=ReplyParameters(message_id=asked)
    )
    legacy = await bot.send_message(OFFICIAL, "Cảm ơn", reply_to_message_id=asked)

    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "Đã xong 80%"
    assert legacy.reply_to_message is not None
    assert api.sent_messages()[0].reply_to_message_id == asked
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(OFFICIAL, "?", reply_parameters=ReplyParameters(message_id=999))


async def test_button_press_answer_edit_and_delete(bot: Bot, api: FakeBotApi) -> None:
    sent = await bot.send_message(OFFICIAL, "Xong chưa?", reply_markup=keyboard("yes", "no"))
    api.press_button(OFFICIAL, sent.message_id, "yes")

    [update] = await bot.get_updates(timeout=1)
    query = update.callback_query
    assert query is not None
    assert query.data == "yes"
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("Đã ghi nhận")

    edited = await bot.edit_message_text(
        "Đã xong ✅", chat_id=OFFICIAL, message_id=sent.message_id, reply_markup=keyboard("undo")
    )
    assert not isinstance(edited, bool)
    assert edited.edit_date is not None
    assert edited.reply_markup == keyboard("undo")
    await bot.edit_message_reply_markup(chat_id=OFFICIAL, message_id=sent.message_id)
    assert [e.method for e in api.edits(OFFICIAL)] == ["editMessageText", "editMessageReplyMarkup"]
    current = api.message(OFFICIAL, sent.message_id)
    assert current is not None
    assert current["text"] == "Đã xong ✅"
    assert "reply_markup" not in current
    assert [a.text for a in api.callback_answers()] == ["Đã ghi nhận"]
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Đã xong ✅", chat_id=OFFICIAL, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer("again")
    with pytest.raises(ValueError, match="no button"):
        api.press_button(OFFICIAL, sent.message_id, "forged")

    assert await bot.delete_message(OFFICIAL, sent.message_id)
    assert api.message(OFFICIAL, sent.message_id) is None
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(OFFICIAL, sent.message_id)


async def test_set_my_commands(bot: Bot, api: FakeBotApi) -> None:
    await bot.set_my_commands([BotCommand("baocao", "Báo cáo tiến độ")], language_code="vi")
    assert api.commands(language_code="vi") == [
        {"command": "baocao", "description": "Báo cáo tiến độ"}
    ]
    assert [c.command for c in await bot.get_my_commands(language_code="vi")] == ["baocao"]


async def test_unknown_methods_and_wrong_tokens_are_404_and_401(api: FakeBotApi) -> None:
    async with httpx.AsyncClient() as client:
        unknown = await client.post(api.method_url("sendTelepathy"), json={"chat_id": 1})
        wrong = await client.post(f"{api.base_url}1:wrong/getMe")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    assert wrong.status_code == 401


async def test_json_bodies_and_query_strings_work_too(api: FakeBotApi) -> None:
    async with httpx.AsyncClient() as client:
        by_json = await client.post(
            api.method_url("sendMessage"),
            json={"chat_id": OFFICIAL, "text": "json", "reply_markup": keyboard("a").to_dict()},
        )
        by_query = await client.get(
            api.method_url("sendMessage"), params={"chat_id": OFFICIAL + 1, "text": "query"}
        )
    assert by_json.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
    assert by_query.json()["ok"] is True
    assert [m.text for m in api.sent_messages()] == ["json", "query"]


# --- updates -------------------------------------------------------------------------------------


async def test_get_updates_confirms_below_the_offset(bot: Bot, api: FakeBotApi) -> None:
    ids = [api.send_user_message(OFFICIAL, f"tin {i}")["update_id"] for i in range(3)]

    first = await bot.get_updates(limit=2)
    assert [u.update_id for u in first] == ids[:2]
    again = await bot.get_updates()  # nothing confirmed yet: the same ones come back
    assert [u.update_id for u in again] == ids
    rest = await bot.get_updates(offset=ids[1] + 1)
    assert [u.update_id for u in rest] == ids[2:]
    assert [u["update_id"] for u in api.pending_updates()] == ids[2:]
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert api.pending_updates() == []


async def test_a_negative_offset_keeps_only_the_last_updates(bot: Bot, api: FakeBotApi) -> None:
    ids = [api.send_user_message(OFFICIAL, f"tin {i}")["update_id"] for i in range(4)]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[-1:]
    assert [u.update_id for u in await bot.get_updates()] == ids[-1:]


async def test_long_polling_returns_when_an_update_arrives(bot: Bot, api: FakeBotApi) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.05)
    assert not poll.done()
    api.send_user_message(OFFICIAL, "Có ai không?")
    updates = await asyncio.wait_for(poll, 10)
    assert [u.message.text for u in updates if u.message] == ["Có ai không?"]


async def test_a_second_poller_ends_the_first_with_conflict(bot: Bot, api: FakeBotApi) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.05)
    async with make_bot(api) as second_instance:  # a second copy of the bot started by mistake
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 10)


async def test_allowed_updates_filters_new_updates(bot: Bot, api: FakeBotApi) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    api.send_user_message(OFFICIAL, "không ai nhận")
    sent = await bot.send_message(OFFICIAL, "?", reply_markup=keyboard("ok"))
    api.press_button(OFFICIAL, sent.message_id, "ok")
    updates = await bot.get_updates()
    assert [u.callback_query.data for u in updates if u.callback_query] == ["ok"]
    assert len(updates) == 1


async def test_user_files_and_group_senders(bot: Bot, api: FakeBotApi) -> None:
    api.register_chat(GROUP, "supergroup", title="Tổ công tác")
    api.send_user_message(
        GROUP, "Báo cáo tháng", user={"id": 55, "first_name": "Lan"}, document=("bc.pdf", b"%PDF")
    )
    api.send_user_message(OFFICIAL, "ảnh hiện trường", photo=b"\xff\xd8jpeg")
    doc_update, photo_update = await bot.get_updates()

    doc_message = doc_update.message
    assert doc_message is not None
    assert doc_message.from_user is not None
    assert doc_message.from_user.first_name == "Lan"
    assert doc_message.chat.type == "supergroup"
    assert doc_message.caption == "Báo cáo tháng"
    assert doc_message.document is not None
    assert doc_message.document.file_name == "bc.pdf"
    assert doc_message.document.mime_type == "application/pdf"
    downloaded = await (await bot.get_file(doc_message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"%PDF"

    assert photo_update.message is not None
    photo = photo_update.message.photo[-1]
    assert bytes(await (await photo.get_file()).download_as_bytearray()) == b"\xff\xd8jpeg"


# --- webhook -------------------------------------------------------------------------------------


class _Receiver(tornado.web.RequestHandler):
    def initialize(self, received: list[tuple[str | None, dict[str, object]]]) -> None:
        self.received = received

    def post(self) -> None:
        self.received.append(
            (
                self.request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                json.loads(self.request.body),
            )
        )
        # The first delivery fails, as if the bot were restarting: the server must redeliver.
        self.set_status(500 if len(self.received) == 1 else 200)


async def test_webhook_delivers_with_the_secret_and_redelivers(bot: Bot) -> None:
    received: list[tuple[str | None, dict[str, object]]] = []
    app = tornado.web.Application([(r"/hook", _Receiver, {"received": received})])
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    receiver = tornado.httpserver.HTTPServer(app)
    receiver.add_sockets(sockets)
    url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hook"
    try:
        async with (
            FakeBotApi(limits=None, webhook_retry_delay=0.01) as api,
            make_bot(api) as hooked,
        ):
            assert await hooked.set_webhook(url, secret_token="bi-mat-123")
            update = api.send_user_message(OFFICIAL, "qua webhook")
            for _ in range(500):
                if api.pending_updates() == []:
                    break
                await asyncio.sleep(0.01)

            assert [secret for secret, _ in received] == ["bi-mat-123", "bi-mat-123"]
            assert [body for _, body in received] == [update, update]
            assert [d.status for d in api.webhook_deliveries()] == [500, 200]
            info = await hooked.get_webhook_info()
            assert info.url == url
            assert info.pending_update_count == 0
            assert info.last_error_message == "Wrong response from the webhook: 500"
            with pytest.raises(Conflict, match="webhook is active"):
                await hooked.get_updates()
            assert await hooked.delete_webhook()
            assert (await hooked.get_webhook_info()).url == ""
            api.send_user_message(OFFICIAL, "lại polling")
            assert len(await hooked.get_updates()) == 1
    finally:
        receiver.stop()
        await receiver.close_all_connections()


# --- limits and faults ---------------------------------------------------------------------------


@pytest.mark.usefixtures("timedelta_retry_after")
async def test_two_sends_to_one_chat_within_a_second_are_429(bot: Bot, api: FakeBotApi) -> None:
    api.set_limits(Limits())
    await bot.send_message(OFFICIAL, "một")
    with pytest.raises(RetryAfter) as too_fast:
        await bot.send_message(OFFICIAL, "hai")
    assert too_fast.value.retry_after == dtm.timedelta(seconds=1)
    # Telegram's retry_after holds the whole bot: another chat is refused too, and counted.
    with pytest.raises(RetryAfter):
        await bot.send_message(OFFICIAL + 1, "ba")

    stats = api.stats()
    assert (stats.sent, stats.accepted, stats.rate_limited) == (3, 1, 2)
    assert stats.limit_violations == 1
    assert stats.sent_during_retry_after == 1
    assert stats.violations_by_kind == {"chat": 1, "retry_after": 1}
    assert stats.max_per_private_chat_per_second == 2
    assert [m.text for m in api.sent_messages()] == ["một"]


@pytest.mark.usefixtures("timedelta_retry_after")
async def test_the_overall_and_group_limits() -> None:
    async with FakeBotApi(limits=Limits(overall_per_second=3)) as api, make_bot(api) as bot:
        for chat in (1, 2, 3):
            await bot.send_message(chat, "ok")
        with pytest.raises(RetryAfter):
            await bot.send_message(4, "một tin quá nhiều")
        assert api.stats().violations_by_kind == {"overall": 1}
        assert api.stats().max_per_second == 4
        assert api.stats().max_accepted_per_second == 3

    async with FakeBotApi(limits=Limits(group_per_minute=2)) as api, make_bot(api) as bot:
        await bot.send_message(GROUP, "1")
        await bot.send_message(GROUP, "2")  # groups have no per-second limit of their own
        with pytest.raises(RetryAfter) as full:
            await bot.send_message(GROUP, "3")
        assert full.value.retry_after == dtm.timedelta(seconds=60)
        assert api.stats().max_per_group_per_minute == 3


async def test_limits_can_be_observed_without_refusing(bot: Bot, api: FakeBotApi) -> None:
    api.set_limits(Limits(enforce=False))
    await bot.send_message(OFFICIAL, "một")
    await bot.send_message(OFFICIAL, "hai")
    stats = api.stats()
    assert (stats.accepted, stats.rate_limited, stats.limit_violations) == (2, 0, 1)
    api.set_limits(None)
    await bot.send_message(OFFICIAL, "ba")
    assert api.stats().limit_violations == 1


async def test_a_blocked_user_is_403_and_a_lost_chat_is_400(bot: Bot, api: FakeBotApi) -> None:
    api.block_chat(OFFICIAL)
    api.forget_chat(OFFICIAL + 1)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(OFFICIAL, "còn đó không?")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(OFFICIAL + 1, "còn đó không?")
    api.unblock_chat(OFFICIAL)
    await bot.send_message(OFFICIAL, "chào lại")
    assert [r.status for r in api.requests("sendMessage")] == [403, 400, 200]


async def test_queued_server_errors(bot: Bot, api: FakeBotApi) -> None:
    api.fail_next(502)
    api.fail_next(500, method="getMe")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(OFFICIAL, "lần 1")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.get_me()
    await bot.send_message(OFFICIAL, "lần 2")
    assert [(r.method, r.status, r.fault) for r in api.requests()][-3:] == [
        ("sendMessage", 502, "502"),
        ("getMe", 500, "500"),
        ("sendMessage", 200, None),
    ]


@pytest.mark.usefixtures("timedelta_retry_after")
async def test_queued_client_errors_read_like_telegram(bot: Bot, api: FakeBotApi) -> None:
    api.set_limits(Limits())
    api.fail_next(403, chat_id=OFFICIAL)
    api.fail_next(429, retry_after=3)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(OFFICIAL, "một")
    with pytest.raises(RetryAfter) as told:
        await bot.send_message(OFFICIAL + 1, "hai")
    assert told.value.retry_after == dtm.timedelta(seconds=3)
    with pytest.raises(RetryAfter):  # the injected 429 holds the whole bot, like a real one
        await bot.send_message(OFFICIAL + 2, "ba")
    assert api.stats().sent_during_retry_after == 1


async def test_random_faults_follow_their_probability() -> None:
    faults = Faults(p_500=0.5, seed=7)
    async with FakeBotApi(faults=faults, limits=None) as api, make_bot(api) as bot:
        outcomes = []
        for chat in range(1, 41):
            try:
                await bot.send_message(chat, "thử")
                outcomes.append(200)
            except NetworkError:
                outcomes.append(500)
    assert 8 <= outcomes.count(500) <= 32
    assert [r.status for r in api.requests("sendMessage")] == outcomes


async def test_a_hang_outlasts_the_client_timeout(api: FakeBotApi) -> None:
    api.hang_next()
    api.hang_next(deliver=True)
    async with make_bot(api, read_timeout=0.2) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(OFFICIAL, "mất")
        assert api.sent_messages() == []
        with pytest.raises(TimedOut):
            await bot.send_message(OFFICIAL + 1, "đến nơi mà không có trả lời")
        assert [m.text for m in api.sent_messages()] == ["đến nơi mà không có trả lời"]
        assert (await bot.send_message(OFFICIAL + 2, "bình thường")).message_id == 1


# --- files ---------------------------------------------------------------------------------------


async def test_upload_and_download_a_document_and_a_photo(bot: Bot, api: FakeBotApi) -> None:
    content = "Bảng tổng hợp tiến độ".encode() * 100
    message = await bot.send_document(
        OFFICIAL, document=content, filename="tien-do.xlsx", caption="Báo cáo tuần"
    )
    assert message.document is not None
    assert message.document.file_name == "tien-do.xlsx"
    assert message.caption == "Báo cáo tuần"
    sent = api.sent_messages(OFFICIAL)[0]
    assert sent.file is not None
    assert sent.file.data == content
    assert sent.text == "Báo cáo tuần"

    telegram_file = await bot.get_file(message.document.file_id)
    assert telegram_file.file_path is not None
    assert telegram_file.file_path.startswith(api.base_file_url)
    assert bytes(await telegram_file.download_as_bytearray()) == content

    # Resending by file_id uploads nothing new.
    again = await bot.send_document(OFFICIAL + 1, document=message.document.file_id)
    assert again.document is not None
    assert again.document.file_id == message.document.file_id

    chart = b"\x89PNG\r\n\x1a\n" + bytes(200)
    photo_message = await bot.send_photo(GROUP, photo=chart, filename="bieu-do.png")
    largest = photo_message.photo[-1]
    assert bytes(await (await bot.get_file(largest.file_id)).download_as_bytearray()) == chart
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("no-such-file")


# --- running it ----------------------------------------------------------------------------------


def test_runs_in_a_background_thread_for_synchronous_code() -> None:
    with FakeBotApi(limits=None) as api:
        update = api.send_user_message(OFFICIAL, "xin chào")
        with httpx.Client() as client:
            me = client.get(api.method_url("getMe")).json()
            got = client.post(api.method_url("getUpdates"), data={"timeout": "1"}).json()
            client.post(api.method_url("sendMessage"), data={"chat_id": OFFICIAL, "text": "chào"})
        assert me["result"]["is_bot"] is True
        assert got["result"] == [update]
        assert [m.text for m in api.wait_for_sent_blocking(1)] == ["chào"]


async def test_a_thread_server_serves_an_async_bot() -> None:
    with FakeBotApi(limits=None) as api:
        async with make_bot(api) as bot:
            poll = asyncio.create_task(bot.get_updates(timeout=10))
            await asyncio.sleep(0.05)
            api.send_user_message(OFFICIAL, "từ luồng khác")  # called from another thread
            [update] = await asyncio.wait_for(poll, 10)
            assert update.message is not None
            await bot.send_message(OFFICIAL, "đã nhận", reply_to_message_id=update.message.id)
            sent = await api.wait_for_sent(1)
            assert sent[0].reply_to_message_id == update.message.message_id


# --- the pacer against the real thing ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.usefixtures("timedelta_retry_after")
async def test_the_pacer_keeps_a_strict_server_happy() -> None:
    result = await bench_pacing(200, runs=["pacer"], report=None)
    run = result["runs"]["pacer"]  # type: ignore[index]
    assert run["delivered"] == 200
    assert run["http_429"] == 0
    assert run["limit_violations"] == 0
    assert run["sent_during_retry_after"] == 0
    assert run["max_per_second"] <= 30
    assert run["max_per_private_chat_per_second"] <= 1
    assert run["max_per_group_per_minute"] <= 20
    assert run["gave_up"] == 0
