"""Where the plan stands, for a leader who reads one screen.

The bar comes from the plans themselves (Nam Đồng, 2026): at least 90% of tasks get a
progress update every month, and tasks updated late or without data go on a warning list.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from locales import fmt_date, fmt_percent, t, tn
from models.queries import task_label
from models.tables import Indicator, Official, Organization, Plan, Task, Unit

MONTHLY_UPDATE_TARGET = 90.0
LIST_LIMIT = 5


@dataclass
class Summary:
    org_name: str
    plans: list[str]
    today: date
    total: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    updated_this_month: int = 0
    overdue: list[Task] = field(default_factory=list)
    blocked: list[Task] = field(default_factory=list)
    warning: list[Task] = field(default_factory=list)  # open, no update this month
    kpis: int = 0
    kpis_with_value: int = 0
    unit_names: dict[int, str] = field(default_factory=dict)

    @property
    def monthly_rate(self) -> float:
        return 100.0 * self.updated_this_month / self.total if self.total else 0.0


def build_summary(*, session: Session, viewer: Official, now: datetime, zone: ZoneInfo) -> Summary:
    """Collect the figures of the viewer's organization (a leader sees what they direct)."""
    today = now.astimezone(zone).date()
    month_start = datetime(today.year, today.month, 1, tzinfo=zone)
    org = session.get(Organization, viewer.org_id)
    plans = session.exec(select(Plan).where(Plan.org_id == viewer.org_id)).all()
    query = select(Task).where(Task.org_id == viewer.org_id, col(Task.removed_at).is_(None))
    if viewer.role == "leader" and not viewer.is_chair:
        query = query.where(Task.directing_official_id == viewer.id)
    elif viewer.role == "official":
        query = query.where(Task.lead_unit_id == viewer.unit_id)
    tasks = list(session.exec(query))
    summary = Summary(
        org_name=org.name if org else "",
        plans=[p.number or "" for p in plans],
        today=today,
        total=len(tasks),
    )
    summary.unit_names = {
        u.id: u.name
        for u in session.exec(select(Unit).where(Unit.org_id == viewer.org_id))
        if u.id is not None
    }
    for task in tasks:
        summary.by_status[task.status] += 1
        fresh = task.last_update_at is not None and task.last_update_at >= month_start
        if fresh:
            summary.updated_this_month += 1
        if task.status == "done":
            continue
        if task.due_date is not None and task.due_date < today:
            summary.overdue.append(task)
        if task.status == "blocked":
            summary.blocked.append(task)
        if not fresh:
            summary.warning.append(task)
    summary.overdue.sort(key=lambda t: t.due_date or today)
    kpis = session.exec(
        select(Indicator).where(
            Indicator.org_id == viewer.org_id, col(Indicator.removed_at).is_(None)
        )
    ).all()
    summary.kpis = len(kpis)
    summary.kpis_with_value = sum(1 for k in kpis if k.current_value)
    return summary


def render_summary(summary: Summary, locale: str) -> str:
    """One phone screen: counts, the monthly update rate against 90%, what is late."""
    s = summary
    lines = [t(locale, "📊 {org}: tình hình thực hiện kế hoạch", org=s.org_name)]
    if s.plans:
        lines.append(
            t(
                locale,
                "Kế hoạch: {plans} · đến {date}",
                plans=", ".join(s.plans),
                date=fmt_date(s.today, locale),
            )
        )
    if not s.total:
        lines.append(t(locale, "Chưa có nhiệm vụ nào."))
        return "\n".join(lines)
    lines.append(tn(locale, "Tổng số {n} nhiệm vụ", "Tổng số {n} nhiệm vụ", s.total))
    lines.append(
        t(
            locale,
            "✅ Xong {done} · 🔄 Đang làm {doing} · ⚠️ Vướng {blocked} · ⏸ Chưa làm {todo}",
            done=s.by_status["done"],
            doing=s.by_status["in_progress"],
            blocked=s.by_status["blocked"],
            todo=s.by_status["not_started"],
        )
    )
    mark = "✅" if s.monthly_rate >= MONTHLY_UPDATE_TARGET else "❗"
    lines.append(
        t(
            locale,
            "{mark} Cập nhật trong tháng: {n}/{total} ({rate}), yêu cầu ≥ {target}",
            mark=mark,
            n=s.updated_this_month,
            total=s.total,
            rate=fmt_percent(s.monthly_rate, locale),
            target=fmt_percent(MONTHLY_UPDATE_TARGET, locale),
        )
    )
    if s.overdue:
        lines.append(
            tn(locale, "⏰ Quá hạn: {n} nhiệm vụ", "⏰ Quá hạn: {n} nhiệm vụ", len(s.overdue))
        )
        lines += [_task_row(task, s, locale) for task in s.overdue[:LIST_LIMIT]]
    if s.blocked:
        lines.append(
            tn(
                locale,
                "⚠️ Có vướng mắc: {n} nhiệm vụ",
                "⚠️ Có vướng mắc: {n} nhiệm vụ",
                len(s.blocked),
            )
        )
        lines += [_task_row(task, s, locale) for task in s.blocked[:LIST_LIMIT]]
    if s.warning:
        lines.append(
            tn(
                locale,
                "🔔 Diện cảnh báo (chưa cập nhật tháng này): {n} nhiệm vụ",
                "🔔 Diện cảnh báo (chưa cập nhật tháng này): {n} nhiệm vụ",
                len(s.warning),
            )
        )
    if s.kpis:
        lines.append(
            t(locale, "📏 Chỉ tiêu có số liệu: {n}/{total}", n=s.kpis_with_value, total=s.kpis)
        )
    return "\n".join(lines)


def _task_row(task: Task, s: Summary, locale: str) -> str:
    unit = s.unit_names.get(task.lead_unit_id or 0, "")
    due = fmt_date(task.due_date, locale) if task.due_date else ""
    parts = [f" • {task_label(task)}", unit, due]
    return " · ".join(p for p in parts if p)
