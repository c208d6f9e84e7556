"""Deadline cells ("Quý I/2026", "Thường xuyên", "Hằng năm", ...) normalised to a Deadline."""

from __future__ import annotations

from plans.draft import Deadline


def parse_deadline(text: str, *, plan_year: int | None = None) -> Deadline:
    """Return the kind and due date of a deadline cell; unknown wording keeps kind "unknown".

    ``plan_year`` is the year of the plan, used for a period written without a year.
    """
    return Deadline("unknown", None, text.strip())
