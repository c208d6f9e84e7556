"""Setting up an organization from the command line: communes, officials, invitations."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.app import open_app
from bot.errors import UserError
from handlers.commands import invite_link_for
from handlers.registration import create_invitation
from locales import N_, t
from models.db import session_scope
from models.queries import org_by_code
from models.tables import Official, Organization, Unit
from plans.store import find_unit
from plans.vntext import fold_key


def add_org(code: str, name: str, *, locale: str) -> int:
    app = open_app()
    code = code.strip().lower()
    if not code or len(code) > 64 or not all(c.isalnum() or c in "-_" for c in code):
        raise UserError(N_("Mã xã, phường chỉ gồm chữ, số, - và _ (tối đa 64 ký tự)."))
    with session_scope(app.engine) as session:
        if org_by_code(session=session, code=code):
            raise UserError(N_("Đã có xã, phường mã {code}."), code=code)
        session.add(Organization(code=code, name=name.strip()[:255], created_at=app.clock.now()))
    print(t(locale, "Đã thêm {name} (mã {code}).", name=name, code=code))
    return 0


def find_org(session: Session, code: str | None) -> Organization:
    """The organization ``code`` names, or the only one; one clear sentence otherwise."""
    if code:
        org = org_by_code(session=session, code=code)
        if org is None:
            raise UserError(
                N_(
                    "Không có xã, phường mã {code}. Thêm bằng: python -m bot org "
                    '{code} "Tên phường"'
                ),
                code=code,
            )
        return org
    orgs = session.exec(select(Organization)).all()
    if len(orgs) == 1:
        return orgs[0]
    if not orgs:
        raise UserError(
            N_(
                "Chưa có xã, phường nào. Thêm bằng: python -m bot org nam-dong "
                '"Phường Nam Đồng", rồi nhập lại với --org nam-dong.'
            )
        )
    raise UserError(
        N_("Có nhiều xã, phường; hãy chọn bằng --org (một trong: {codes})."),
        codes=", ".join(o.code for o in orgs),
    )


def _unit(session: Session, org: Organization, name: str) -> Unit:
    unit = find_unit(session=session, org_id=org.id or 0, text=name)
    if unit is None:
        raise UserError(N_('Không có đơn vị "{name}" trong kế hoạch đã nhập.'), name=name)
    return unit


def add_official(
    *,
    org_code: str,
    name: str,
    role: str,
    unit: str | None,
    post: str | None,
    chair: bool,
    locale: str,
) -> int:
    app = open_app()
    with session_scope(app.engine) as session:
        org = find_org(session, org_code)
        unit_row = _unit(session, org, unit) if unit else None
        official = Official(
            org_id=org.id or 0,
            name=name.strip()[:255],
            role=role,
            post=post,
            unit_id=unit_row.id if unit_row else None,
            is_chair=chair,
            created_at=app.clock.now(),
        )
        session.add(official)
        session.flush()
        from plans.store import resolve_official_posts

        resolve_official_posts(session=session, official=official)
        ident = official.id
    print(t(locale, "Đã thêm cán bộ {name} (mã số {id}).", name=name, id=ident))
    return 0


def invite(*, org_code: str, who: str, role: str, days: int, locale: str) -> int:
    app = open_app()
    if not 1 <= days <= 60:
        raise UserError(N_("Số ngày hiệu lực phải từ 1 đến 60."))
    with session_scope(app.engine) as session:
        org = find_org(session, org_code)
        wanted = fold_key(who)
        official = next(
            (
                o
                for o in session.exec(select(Official).where(Official.org_id == org.id))
                if fold_key(o.name) == wanted
            ),
            None,
        )
        unit_row = None if official else _unit(session, org, who)
        token = create_invitation(
            session=session,
            org_id=org.id or 0,
            now=app.clock.now(),
            official=official,
            unit=unit_row,
            role=role,
            ttl=timedelta(days=days),
        )
    username = app.settings.telegram_username
    print(t(locale, "Đường dẫn mời (dùng một lần, hiệu lực {days} ngày):", days=days))
    print(invite_link_for("telegram" if username else "console", username, token))
    return 0
