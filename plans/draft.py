"""The draft plan: what an import found, before anything is stored.

A ``DraftPlan`` is plain data. ``to_json`` is the contract printed by
``python -m bot import PATH --dry-run --json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

DeadlineKind = Literal[
    "once", "yearly", "ongoing", "monthly", "conditional", "per_guidance", "unknown"
]
DEADLINE_KINDS: tuple[str, ...] = (
    "once",
    "yearly",
    "ongoing",
    "monthly",
    "conditional",
    "per_guidance",
    "unknown",
)
MILESTONE_YEARS: tuple[str, ...] = ("2025", "2030", "2035", "2040", "2045")


@dataclass(frozen=True)
class Deadline:
    """A deadline cell normalised: its kind, its date for ``once``, and the text as written."""

    kind: DeadlineKind
    due_date: date | None = None
    raw: str = ""


@dataclass(frozen=True)
class UnitRef:
    """A body named in a cell: its canonical name, its matching key and the text as written."""

    name: str  # canonical display name, e.g. "Phòng Văn hóa - Xã hội"
    key: str  # folded key that is the same for every spelling of this body
    raw: str = ""


@dataclass(frozen=True)
class PersonRef:
    """A person or a post named in a cell.

    ``name`` is None for a post without a name ("Phó Chủ tịch UBND phường phụ trách
    Văn hóa - Xã hội"): a post to be filled by a registered official later.
    """

    name: str | None
    post: str | None
    raw: str = ""


@dataclass
class ImportWarning:
    """Something the import could not read or had to guess; rendered through locales/."""

    msgid: str  # a Vietnamese msgid marked with N_() so it is extracted into the catalog
    params: dict[str, Any] = field(default_factory=dict)
    line: int | None = None

    def render(self, locale: str = "vi") -> str:
        from locales import t

        return t(locale, self.msgid, **self.params)


@dataclass
class DraftTask:
    section: str | None
    stt: str | None
    title: str
    directing: PersonRef | None = None
    lead_person: PersonRef | None = None
    lead_units: list[UnitRef] = field(default_factory=list)
    coord_units: list[UnitRef] = field(default_factory=list)
    output: str | None = None
    deadline: Deadline = field(default_factory=lambda: Deadline("unknown"))
    section_title: str | None = None
    line: int | None = None


@dataclass
class DraftIndicator:
    section: str | None
    stt: str | None
    indicator: str
    targets: dict[str, str | None] = field(default_factory=dict)  # year -> target as printed
    directing: PersonRef | None = None
    lead: PersonRef | None = None
    monitoring_unit: UnitRef | None = None
    coord_units: list[UnitRef] = field(default_factory=list)
    output: str | None = None
    section_title: str | None = None
    line: int | None = None


@dataclass
class DraftPlan:
    """Everything an import found in one document."""

    source_name: str = ""
    source_hash: str = ""
    number: str | None = None  # "07-KH/ĐU"
    issued_on: date | None = None
    issuer: str | None = None
    title: str | None = None
    tasks: list[DraftTask] = field(default_factory=list)
    indicators: list[DraftIndicator] = field(default_factory=list)
    warnings: list[ImportWarning] = field(default_factory=list)

    def units(self) -> list[UnitRef]:
        """Return every distinct body the plan names, in order of first mention."""
        seen: dict[str, UnitRef] = {}
        for task in self.tasks:
            for unit in (*task.lead_units, *task.coord_units):
                seen.setdefault(unit.key, unit)
        for kpi in self.indicators:
            for unit in (
                *([kpi.monitoring_unit] if kpi.monitoring_unit else []),
                *kpi.coord_units,
            ):
                seen.setdefault(unit.key, unit)
        return list(seen.values())

    def to_json(self, locale: str = "vi") -> dict[str, Any]:
        """Return the dry-run contract: tasks, kpis and warnings, dates ISO, absent null."""

        def person(p: PersonRef | None) -> str | None:
            return p.raw or None if p else None

        return {
            "tasks": [
                {
                    "section": t.section,
                    "stt": t.stt,
                    "title": t.title,
                    "directing": person(t.directing),
                    "lead_units": [u.name for u in t.lead_units],
                    "coord_units": [u.name for u in t.coord_units],
                    "output": t.output,
                    "deadline_raw": t.deadline.raw or None,
                    "deadline_kind": t.deadline.kind,
                    "due_date": t.deadline.due_date.isoformat() if t.deadline.due_date else None,
                }
                for t in self.tasks
            ],
            "kpis": [
                {
                    "section": k.section,
                    "stt": k.stt,
                    "indicator": k.indicator,
                    "targets": {y: k.targets.get(y) for y in MILESTONE_YEARS},
                    "directing": person(k.directing),
                    "lead": person(k.lead),
                    "monitoring_unit": k.monitoring_unit.name if k.monitoring_unit else None,
                }
                for k in self.indicators
            ],
            "warnings": [w.render(locale) for w in self.warnings],
        }
