"""``python -m bot import``: read a plan, show what it holds, store it (or not, with --dry-run).

With ``--dry-run`` nothing is opened but the file: no database, not even its file. Every
refusal (a missing, damaged, protected or oversized file, no appendix table) is one sentence
on stderr and exit status 2, before the database is touched. Storing goes through
``handlers.plan_upload.store_and_replan``, as a plan sent in chat does, so a revision's
changed deadlines get their reminders re-planned the same way.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.admin import find_org
from bot.app import open_app
from bot.errors import UserError
from locales import N_, t
from models.db import session_scope
from plans.draft import DraftPlan
from plans.errors import ImportRefused
from plans.report import render_report

PROGRESS_BAR_FROM = 200  # rows; smaller plans import in a blink


def read_draft(path: Path, *, max_bytes: int) -> DraftPlan:
    """Read ``path`` into a draft plan, turning every refusal into one clear sentence."""
    from plans.reader import read_plan

    if not path.is_file():
        raise UserError(N_("Không tìm thấy tệp {path}."), path=str(path))
    try:
        return read_plan(path, max_bytes=max_bytes)
    except ImportRefused as exc:
        raise UserError(exc.msgid, **exc.params) from exc
    except OSError as exc:  # unreadable: permissions, a file vanishing mid-read
        raise UserError(
            N_("Không đọc được tệp {path} ({reason})."),
            path=str(path),
            reason=exc.strerror or type(exc).__name__,
        ) from exc


def run_import(
    path: Path, *, org_code: str | None, dry_run: bool, as_json: bool, locale: str
) -> int:
    from bot.settings import Settings

    settings = Settings()
    draft = read_draft(path, max_bytes=settings.max_upload_mb * 1024 * 1024)
    if dry_run:
        if as_json:
            print(json.dumps(draft.to_json(locale), ensure_ascii=False, indent=1))
        else:
            print(render_report(draft, locale))
        return 0
    from handlers.plan_upload import store_and_replan

    app = open_app(settings)
    with session_scope(app.engine) as session:
        org = find_org(session, org_code)
        bar = _ProgressBar(len(draft.tasks) + len(draft.indicators), locale)
        try:
            result = store_and_replan(
                session=session,
                org_id=org.id or 0,
                draft=draft,
                now=app.clock.now(),
                progress=bar.update,
            )
        finally:
            bar.close()
    if as_json:
        out = draft.to_json(locale)
        out["stored"] = {
            "plan_id": result.plan.id,
            "added": result.added,
            "updated": result.updated,
            "removed": result.removed,
            "kpis_added": result.kpis_added,
            "kpis_updated": result.kpis_updated,
            "kpis_removed": result.kpis_removed,
            "unchanged": result.unchanged,
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(render_report(draft, locale, stored=result))
        print(t(locale, "Đã lưu vào {org}.", org=org.name))
    return 0


class _ProgressBar:
    """A one-line progress bar on stderr for large plans, silent for small ones."""

    def __init__(self, total: int, locale: str) -> None:
        self.total = total
        self.shown = total >= PROGRESS_BAR_FROM and sys.stderr.isatty()
        self.label = t(locale, "Đang lưu")

    def update(self, done: int, total: int) -> None:
        if self.shown and (done % 20 == 0 or done == total):
            width = 30
            filled = width * done // max(total, 1)
            sys.stderr.write(
                f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
            )
            sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
