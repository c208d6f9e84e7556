"""Wiring: settings, the database (reachable, upgraded) and the clock, opened once per run."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from bot.errors import UserError
from bot.settings import Settings
from locales import N_, check_catalogs
from models import migrate
from models.db import DatabaseUnavailable, check_reachable, make_engine
from scheduler.clock import Clock, SystemClock


@dataclass
class App:
    settings: Settings
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)

    @property
    def locale(self) -> str:
        return self.settings.default_locale


def open_database(url: str) -> Engine:
    """Return an engine on ``url`` with the schema upgraded, or raise a UserError."""
    try:
        engine = make_engine(url)
        check_reachable(engine)
    except DatabaseUnavailable as exc:
        raise UserError(
            N_("Không kết nối được cơ sở dữ liệu {where}: {reason}"),
            where=exc.where,
            reason=exc.reason,
        ) from exc
    try:
        migrate.upgrade(engine)
    except migrate.SchemaTooNew as exc:
        raise UserError(
            N_(
                "Cơ sở dữ liệu do phiên bản mới hơn của Đôn Đốc tạo (lược đồ {revision}); "
                "hãy cập nhật Đôn Đốc trước khi dùng."
            ),
            revision=str(exc),
        ) from exc
    return engine


def open_app(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    """Check the catalogs, open and upgrade the database, and return the wired app."""
    check_catalogs()
    settings = settings or Settings()
    engine = open_database(settings.database_url)
    return App(settings=settings, engine=engine, clock=clock or SystemClock())
