"""The command line: ``python -m bot <command>``.

Each command is a small function; the heavy modules are imported only by the command that
needs them. A UserError becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

from bot.errors import UserError
from locales import DEFAULT_LOCALE, N_, CatalogNotCompiled, t

Command = Callable[[argparse.Namespace], int]


def _locale() -> str:
    import os

    return os.environ.get("DONDOC_DEFAULT_LOCALE", DEFAULT_LOCALE)


def _h(msgid: str) -> str:
    """Help text through the catalog (the CLI is user-facing too)."""
    return t(_locale(), msgid)


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(t(_locale(), "ngày phải có dạng YYYY-MM-DD")) from exc


def _iso_datetime(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            t(_locale(), "thời điểm phải có dạng YYYY-MM-DDTHH:MM")
        ) from exc
    if moment.tzinfo is None:
        from bot.settings import Settings

        moment = moment.replace(tzinfo=Settings().zone)
    return moment


# --- commands ------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(db_url=args.db, lang=args.lang)


def cmd_console(args: argparse.Namespace) -> int:
    from bot.app import open_app
    from bot.channels.console import run_console
    from scheduler.clock import SimulatedClock

    clock = SimulatedClock(args.now) if args.now else None
    app = open_app(clock=clock)
    return run_console(app, args.as_, org_code=args.org)


def cmd_import(args: argparse.Namespace) -> int:
    from bot.importing import run_import

    return run_import(
        Path(args.path),
        org_code=args.org,
        dry_run=args.dry_run,
        as_json=args.json,
        locale=_locale(),
    )


def cmd_plan_reminders(args: argparse.Namespace) -> int:
    from bot.planning import run_plan_reminders

    return run_plan_reminders(
        Path(args.path), today=args.today, until=args.until, as_json=args.json, locale=_locale()
    )


def cmd_parse_update(args: argparse.Namespace) -> int:
    from handlers.understanding import understand

    today = args.today or date.today()
    for line in sys.stdin:
        text = line.rstrip("\n")
        print(json.dumps(understand(text, today=today).to_json(), ensure_ascii=False), flush=True)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.runner import run_bot

    return run_bot()


def cmd_bench(args: argparse.Namespace) -> int:
    from bot.bench.main import run_bench

    return run_bench(quick=args.quick, only=args.only)


def cmd_org(args: argparse.Namespace) -> int:
    from bot.admin import add_org

    return add_org(args.code, args.name, locale=_locale())


def cmd_official(args: argparse.Namespace) -> int:
    from bot.admin import add_official

    return add_official(
        org_code=args.org,
        name=args.name,
        role=args.role,
        unit=args.unit,
        post=args.post,
        chair=args.chair,
        locale=_locale(),
    )


def cmd_invite(args: argparse.Namespace) -> int:
    from bot.admin import invite

    return invite(
        org_code=args.org, who=args.who, role=args.role, days=args.days, locale=_locale()
    )


def cmd_db(args: argparse.Namespace) -> int:
    from bot.app import open_database
    from bot.settings import Settings
    from models import migrate

    engine = open_database(Settings().database_url)
    print(
        t(
            _locale(),
            "Lược đồ cơ sở dữ liệu: {revision}",
            revision=migrate.current_revision(engine),
        )
    )
    return 0


# --- parser --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description=_h(N_("Đôn Đốc: bot nhắc việc và theo dõi tiến độ kế hoạch của xã, phường.")),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="LỆNH")

    p = sub.add_parser("demo", help=_h(N_("chạy thử trọn vòng trên dữ liệu mẫu, không cần mạng")))
    p.add_argument("--db", help=_h(N_("cơ sở dữ liệu (mặc định: tệp SQLite tạm)")))
    p.add_argument("--lang", default="vi", choices=["vi", "en"])
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("console", help=_h(N_("trò chuyện với bot trong cửa sổ lệnh")))
    p.add_argument(
        "--as", dest="as_", required=True, metavar="TÊN", help=_h(N_("họ tên hoặc mã số cán bộ"))
    )
    p.add_argument("--org", help=_h(N_("mã đơn vị hành chính")))
    p.add_argument(
        "--now",
        type=_iso_datetime,
        metavar="YYYY-MM-DDTHH:MM",
        help=_h(N_("đặt giờ của bot (đồng hồ mô phỏng)")),
    )
    p.set_defaults(func=cmd_console)

    p = sub.add_parser("import", help=_h(N_("nhập phụ lục nhiệm vụ của kế hoạch")))
    p.add_argument("path")
    p.add_argument("--org", help=_h(N_("mã đơn vị hành chính")))
    p.add_argument("--dry-run", action="store_true", help=_h(N_("chỉ đọc, không lưu")))
    p.add_argument("--json", action="store_true", help=_h(N_("in kết quả dạng JSON")))
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("plan-reminders", help=_h(N_("xem lịch nhắc việc của một kế hoạch")))
    p.add_argument("path")
    p.add_argument("--today", type=_iso_date, required=True)
    p.add_argument("--until", type=_iso_date, required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_plan_reminders)

    p = sub.add_parser("parse-update", help=_h(N_("đọc câu trả lời (mỗi dòng một tin) từ stdin")))
    p.add_argument("--today", type=_iso_date)
    p.set_defaults(func=cmd_parse_update)

    p = sub.add_parser("run", help=_h(N_("chạy bot Telegram (cần TELEGRAM_BOT_TOKEN)")))
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("bench", help=_h(N_("đo hiệu năng")))
    p.add_argument("--quick", action="store_true", help=_h(N_("chạy nhanh với số lượng nhỏ")))
    p.add_argument("--only", action="append", metavar="TÊN")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("org", help=_h(N_("thêm xã, phường")))
    p.add_argument("code")
    p.add_argument("name")
    p.set_defaults(func=cmd_org)

    p = sub.add_parser("official", help=_h(N_("thêm cán bộ")))
    p.add_argument("--org", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", choices=["admin", "leader", "official"], default="official")
    p.add_argument("--unit")
    p.add_argument("--post")
    p.add_argument("--chair", action="store_true")
    p.set_defaults(func=cmd_official)

    p = sub.add_parser("invite", help=_h(N_("tạo đường dẫn mời cán bộ hoặc đơn vị")))
    p.add_argument("--org", required=True)
    p.add_argument("who", metavar="TÊN", help=_h(N_("họ tên cán bộ hoặc tên đơn vị")))
    p.add_argument("--role", choices=["admin", "leader", "official"], default="official")
    p.add_argument("--days", type=int, default=7)
    p.set_defaults(func=cmd_invite)

    p = sub.add_parser("db", help=_h(N_("nâng cấp và xem lược đồ cơ sở dữ liệu")))
    p.set_defaults(func=cmd_db)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
    except CatalogNotCompiled as exc:
        print(f"Translation catalog not compiled ({exc}); run: make locales", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UserError as exc:
        print(exc.render(_locale()), file=sys.stderr)
        return 2
    except CatalogNotCompiled as exc:
        print(f"Translation catalog not compiled ({exc}); run: make locales", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
