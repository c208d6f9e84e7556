"""Storing a draft plan: a first import, or a revision of a plan already stored.

Plans are amended during the year. A revision updates the tasks it matches (the same
wording anywhere; else by section and number, confirmed by the wording; else by very close
wording alone, for a row renumbered and reworded), adds the new ones and marks the ones that
disappeared as removed. Progress already reported hangs on the task rows, which are never
deleted, so nothing reported is lost; a row that comes back in a later revision is the same
row again. An approved extension survives a revision that keeps the plan's old date.

Reminders are not this package's business (plans imports only models): ``StoreResult`` says
which tasks' reminders no longer hold (``rescheduled``: deadline or kind changed, removed,
or back after a removal) and which tasks are new (``added_ids``); the caller cancels and
re-plans them.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session, col, select

from models.tables import AuditEvent, Indicator, Official, Plan, Task, Unit
from plans.draft import DraftIndicator, DraftPlan, DraftTask, PersonRef, UnitRef
from plans.units import make_unit
from plans.vntext import fold_key

SAME_ROW_SIMILARITY = 0.55  # same section and number, wording at least this close
MOVED_ROW_SIMILARITY = 0.82  # renumbered row: wording alone must be this close

S = TypeVar("S", Task, Indicator)
D = TypeVar("D", DraftTask, DraftIndicator)

_POST_ABBREVIATIONS = {
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "pct": "pho chu tich",
    "vh xh": "van hoa xa hoi",
    "vhxh": "van hoa xa hoi",
    "hcc": "hanh chinh cong",
    "mttq": "mat tran to quoc",
    "du": "dang uy",
    "kt ht dt": "kinh te ha tang va do thi",
}
_POST_NOISE = {"dong", "chi", "d", "c", "dc", "phuong", "xa", "cua", "va"}


def post_key(text: str | None) -> str:
    """Return a key that is the same for the usual spellings of one post."""
    if not text:
        return ""
    key = f" {fold_key(text)} "
    for short, full in _POST_ABBREVIATIONS.items():
        key = key.replace(f" {short} ", f" {full} ")
    return " ".join(w for w in key.split() if w not in _POST_NOISE)


def name_key(text: str | None) -> str:
    return fold_key(text or "")


@dataclass
class StoreResult:
    plan: Plan
    revised: bool = False
    unchanged: bool = False
    added: int = 0
    updated: int = 0
    removed: int = 0
    kpis_added: int = 0
    kpis_updated: int = 0
    kpis_removed: int = 0
    units: list[str] = field(default_factory=list)
    # Tasks whose planned reminders no longer hold: the deadline's date or kind changed, the
    # task was removed, or it came back after a removal.
    rescheduled: list[int] = field(default_factory=list)
    added_ids: list[int] = field(default_factory=list)  # new tasks, to be planned


def find_revised_plan(session: Session, org_id: int, draft: DraftPlan) -> Plan | None:
    """Return the stored plan ``draft`` revises: same number, or the very same file."""
    plans = session.exec(select(Plan).where(Plan.org_id == org_id)).all()
    for plan in plans:
        if draft.source_hash and plan.source_hash == draft.source_hash:
            return plan
    if draft.number:
        wanted = fold_key(draft.number)
        for plan in plans:
            if plan.number and fold_key(plan.number) == wanted:
                return plan
    return None


def store_plan(
    *,
    session: Session,
    org_id: int,
    draft: DraftPlan,
    now: datetime,
    actor_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> StoreResult:
    """Store ``draft`` for the organization, as a new plan or a revision of one."""
    plan = find_revised_plan(session, org_id, draft)
    if plan is not None and plan.source_hash == draft.source_hash:
        return StoreResult(plan=plan, revised=True, unchanged=True)
    revised = plan is not None
    if plan is None:
        plan = Plan(org_id=org_id, imported_at=now)
    plan.number, plan.issued_on = draft.number or plan.number, draft.issued_on or plan.issued_on
    plan.issuer, plan.title = draft.issuer or plan.issuer, draft.title or plan.title
    plan.source_name, plan.source_hash = draft.source_name, draft.source_hash
    if revised:
        plan.revised_at = now
    session.add(plan)
    session.flush()
    assert plan.id is not None
    result = StoreResult(plan=plan, revised=revised)
    units = _UnitBook(session, org_id, now)
    people = _PeopleBook(session, org_id, now)
    total = len(draft.tasks) + len(draft.indicators)

    existing = list(session.exec(select(Task).where(Task.plan_id == plan.id)))
    matches = _match(existing, draft.tasks, lambda t: t.title, lambda d: d.title)
    added: list[Task] = []
    for n, item in enumerate(draft.tasks, start=1):
        task = matches.get(id(item))
        if task is None:
            task = Task(plan_id=plan.id, org_id=org_id, title=item.title, created_at=now)
            result.added += 1
            added.append(task)
            before = None
        else:
            result.updated += 1
            before = (task.deadline_kind, task.due_date, task.removed_at is None)
        _apply_task(task, item, units, people)
        task.removed_at = None
        session.add(task)
        if before is not None and before != (task.deadline_kind, task.due_date, True):
            assert task.id is not None  # a matched task was loaded from the database
            result.rescheduled.append(task.id)
        if progress:
            progress(n, total)
    matched_ids = {id(t) for t in matches.values()}
    for task in existing:
        if id(task) not in matched_ids and task.removed_at is None:
            task.removed_at = now
            session.add(task)
            result.removed += 1
            assert task.id is not None
            result.rescheduled.append(task.id)

    existing_kpis = list(session.exec(select(Indicator).where(Indicator.plan_id == plan.id)))
    kpi_matches = _match(existing_kpis, draft.indicators, lambda k: k.text, lambda d: d.indicator)
    for n, kpi_item in enumerate(draft.indicators, start=len(draft.tasks) + 1):
        kpi = kpi_matches.get(id(kpi_item))
        if kpi is None:
            kpi = Indicator(
                plan_id=plan.id, org_id=org_id, text=kpi_item.indicator, created_at=now
            )
            result.kpis_added += 1
        else:
            result.kpis_updated += 1
        _apply_indicator(kpi, kpi_item, units, people)
        kpi.removed_at = None
        session.add(kpi)
        if progress:
            progress(n, total)
    kpi_matched = {id(k) for k in kpi_matches.values()}
    for kpi in existing_kpis:
        if id(kpi) not in kpi_matched and kpi.removed_at is None:
            kpi.removed_at = now
            session.add(kpi)
            result.kpis_removed += 1

    session.flush()
    result.units = units.names_seen
    result.added_ids = [task.id for task in added if task.id is not None]
    session.add(
        AuditEvent(
            org_id=org_id,
            actor_id=actor_id,
            at=now,
            action="plan.revised" if revised else "plan.imported",
            subject=f"plan:{plan.id}",
            detail={
                "added": result.added,
                "updated": result.updated,
                "removed": result.removed,
                "source": draft.source_name,
            },
        )
    )
    return result


# --- matching rows of a revision to stored rows ---------------------------------------------


def _match(
    stored: list[S],
    drafts: Sequence[D],
    stored_text: Callable[[S], str],
    draft_text: Callable[[D], str],
) -> dict[int, S]:
    """Return ``id(draft) -> stored row`` for every draft row that revises a stored row.

    Three passes, each taking the closest pairs first: the same wording anywhere (a row that
    only moved); the same section and number with wording close enough (a row reworded in
    place); wording alone, very close (a row that moved and was reworded). Wording first
    matters: when a new row pushes look-alike rows down ("Tuyên truyền ... trên cổng thông
    tin" above "Tuyên truyền ... trên các nhóm Zalo"), each row's number now points at its
    neighbour, whose wording is close but not the same.
    """
    result: dict[int, S] = {}
    free: dict[int, S] = {id(row): row for row in stored}
    keys = {id(row): fold_key(stored_text(row)) for row in stored}
    draft_keys = {id(item): fold_key(draft_text(item)) for item in drafts}

    def place(row: S | D) -> tuple[str | None, str | None]:
        return getattr(row, "section", None), getattr(row, "stt", None)

    def take(pairs: list[tuple[float, int, int]], items: dict[int, D]) -> None:
        for _score, item_id, row_id in sorted(pairs, key=lambda p: -p[0]):
            if item_id in items and row_id in free:
                result[item_id] = free.pop(row_id)
                del items[item_id]

    pending: dict[int, D] = {id(item): item for item in drafts}
    by_text: dict[str, list[int]] = {}
    for row in stored:
        by_text.setdefault(keys[id(row)], []).append(id(row))
    # 1. The same wording: at its own place if the wording is there twice.
    take(
        [
            (1.0 + (place(free[r]) == place(item)), i, r)
            for i, item in pending.items()
            for r in by_text.get(draft_keys[i], [])
        ],
        pending,
    )

    def ratio(item_id: int, row_id: int, cutoff: float) -> float:
        matcher = difflib.SequenceMatcher(None, keys[row_id], draft_keys[item_id])
        if matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff:
            return 0.0
        return matcher.ratio()

    # 2. The same section and number, the wording close enough.
    by_place: dict[tuple[str | None, str | None], list[int]] = {}
    for row_id, row in free.items():
        by_place.setdefault(place(row), []).append(row_id)
    pairs = []
    for i, item in pending.items():
        for r in by_place.get(place(item), []):
            score = ratio(i, r, SAME_ROW_SIMILARITY)
            if score >= SAME_ROW_SIMILARITY:
                pairs.append((score, i, r))
    take(pairs, pending)
    # 3. Wording alone, very close.
    pairs = []
    for i in pending:
        for r in free:
            score = ratio(i, r, MOVED_ROW_SIMILARITY)
            if score >= MOVED_ROW_SIMILARITY:
                pairs.append((score, i, r))
    take(pairs, pending)
    return result


# --- units and people ----------------------------------------------------------------------


class _UnitBook:
    """Finds or creates the organization's Unit for each UnitRef, remembering spellings."""

    def __init__(self, session: Session, org_id: int, now: datetime) -> None:
        self.session, self.org_id, self.now = session, org_id, now
        self.by_key = {u.key: u for u in session.exec(select(Unit).where(Unit.org_id == org_id))}
        self.names_seen: list[str] = []

    def get(self, ref: UnitRef) -> Unit:
        unit = self.by_key.get(ref.key)
        if unit is None:
            unit = Unit(
                org_id=self.org_id, key=ref.key, name=ref.name, aliases=[], created_at=self.now
            )
            self.session.add(unit)
            self.session.flush()
            self.by_key[ref.key] = unit
        if ref.raw and ref.raw not in unit.aliases and len(unit.aliases) < 50:
            unit.aliases = [*unit.aliases, ref.raw]
            self.session.add(unit)
        if unit.name not in self.names_seen:
            self.names_seen.append(unit.name)
        return unit


class _PeopleBook:
    """Finds the official a person cell names, creating named leaders once."""

    def __init__(self, session: Session, org_id: int, now: datetime) -> None:
        self.session, self.org_id, self.now = session, org_id, now
        self.officials = list(
            session.exec(select(Official).where(Official.org_id == org_id, col(Official.active)))
        )

    def find(self, person: PersonRef | None, *, create_role: str | None = None) -> Official | None:
        if person is None:
            return None
        if person.name:
            wanted = name_key(person.name)
            for official in self.officials:
                if name_key(official.name) == wanted:
                    return official
            if create_role is None:
                return None
            official = Official(
                org_id=self.org_id,
                name=person.name,
                post=person.post,
                role=create_role,
                created_at=self.now,
            )
            self.session.add(official)
            self.session.flush()
            self.officials.append(official)
            return official
        wanted_post = post_key(person.post)
        if wanted_post:
            for official in self.officials:
                if official.post and post_key(official.post) == wanted_post:
                    return official
        return None


def _apply_task(task: Task, item: DraftTask, units: _UnitBook, people: _PeopleBook) -> None:
    task.section, task.section_title, task.stt = item.section, item.section_title, item.stt
    task.title = item.title
    task.output = item.output
    task.directing_text = item.directing.raw if item.directing else None
    task.directing_name = item.directing.name if item.directing else None
    task.directing_post = item.directing.post if item.directing else None
    leader = people.find(item.directing, create_role="leader")
    task.directing_official_id = leader.id if leader else task.directing_official_id
    task.lead_person_text = item.lead_person.raw if item.lead_person else None
    lead = people.find(item.lead_person, create_role="official")
    task.lead_official_id = lead.id if lead else None
    lead_units = [units.get(u) for u in item.lead_units]
    task.lead_unit_id = lead_units[0].id if lead_units else None
    task.coord_unit_ids = [units.get(u).id or 0 for u in item.coord_units]
    new_due = item.deadline.due_date
    if task.original_due_date is not None and task.due_date != new_due and new_due is not None:
        # An approved extension moved the date; a revision that keeps the old date keeps it.
        if new_due == task.original_due_date:
            new_due = task.due_date
        else:
            task.original_due_date = None
    task.deadline_kind = item.deadline.kind
    task.due_date = new_due
    task.deadline_raw = item.deadline.raw or None


def _apply_indicator(
    kpi: Indicator, item: DraftIndicator, units: _UnitBook, people: _PeopleBook
) -> None:
    kpi.section, kpi.section_title, kpi.stt = item.section, item.section_title, item.stt
    kpi.text = item.indicator
    kpi.targets = dict(item.targets)
    kpi.directing_text = item.directing.raw if item.directing else None
    leader = people.find(item.directing, create_role="leader")
    kpi.directing_official_id = leader.id if leader else kpi.directing_official_id
    kpi.lead_text = item.lead.raw if item.lead else None
    kpi.monitoring_unit_id = units.get(item.monitoring_unit).id if item.monitoring_unit else None
    kpi.coord_unit_ids = [units.get(u).id or 0 for u in item.coord_units]
    kpi.output = item.output


def resolve_official_posts(*, session: Session, official: Official) -> int:
    """Attach tasks whose directing post or named person is this official; return how many."""
    count = 0
    mine_post, mine_name = post_key(official.post), name_key(official.name)
    tasks = session.exec(
        select(Task).where(Task.org_id == official.org_id, col(Task.removed_at).is_(None))
    ).all()
    for task in tasks:
        if task.directing_official_id is None and (
            (task.directing_name and name_key(task.directing_name) == mine_name)
            or (mine_post and task.directing_post and post_key(task.directing_post) == mine_post)
        ):
            task.directing_official_id = official.id
            session.add(task)
            count += 1
    return count


def find_unit(*, session: Session, org_id: int, text: str) -> Unit | None:
    """Return the organization's unit named by ``text`` however it is spelled ("VH-XH").

    The canonical key first, then the spellings seen in plans, then a unique partial name.
    """
    units = session.exec(select(Unit).where(Unit.org_id == org_id)).all()
    wanted = fold_key(text)
    ref = make_unit(text)
    for unit in units:
        if (ref is not None and unit.key == ref.key) or wanted in (fold_key(unit.name), unit.key):
            return unit
        if any(fold_key(alias) == wanted for alias in unit.aliases):
            return unit
    partial = [u for u in units if wanted and wanted in fold_key(u.name)]
    return partial[0] if len(partial) == 1 else None
