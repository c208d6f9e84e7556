"""The import report a person reads: what was found, what could not be read."""

from __future__ import annotations

from collections import Counter

from locales import N_, t, tn
from plans.draft import DraftPlan

MAX_WARNINGS_SHOWN = 10
KIND_LABELS = {
    "once": N_("có hạn cụ thể"),
    "yearly": N_("hằng năm"),
    "ongoing": N_("thường xuyên"),
    "monthly": N_("báo cáo hằng tháng"),
    "conditional": N_("khi phát sinh"),
    "per_guidance": N_("theo hướng dẫn"),
    "unknown": N_("chưa rõ hạn"),
}


def render_report(draft: DraftPlan, locale: str, *, stored: object | None = None) -> str:
    """Counts, deadline kinds, units, and the rows that need a person's eye."""
    lines = []
    title = draft.number or draft.source_name
    lines.append(t(locale, "📄 Kế hoạch {title}", title=title))
    lines.append(tn(locale, "• {n} nhiệm vụ", "• {n} nhiệm vụ", len(draft.tasks)))
    if draft.tasks:
        kinds = Counter(task.deadline.kind for task in draft.tasks)
        parts = [f"{t(locale, KIND_LABELS[k])} {n}" for k, n in kinds.most_common()]
        lines.append("  " + ", ".join(parts))
    lines.append(tn(locale, "• {n} chỉ tiêu", "• {n} chỉ tiêu", len(draft.indicators)))
    # The units that answer for something are the ones the office will invite.
    leading = {u.key: u for task in draft.tasks for u in task.lead_units}
    leading.update(
        {k.monitoring_unit.key: k.monitoring_unit for k in draft.indicators if k.monitoring_unit}
    )
    units = list(leading.values())
    if units:
        shown = ", ".join(u.name for u in units[:8])
        more = len(units) - 8
        lines.append(
            tn(locale, "• {n} đơn vị chủ trì: ", "• {n} đơn vị chủ trì: ", len(units))
            + shown
            + (f" (+{more})" if more > 0 else "")
        )
    if stored is not None:
        added, updated, removed = (
            getattr(stored, "added", 0),
            getattr(stored, "updated", 0),
            getattr(stored, "removed", 0),
        )
        if getattr(stored, "unchanged", False):
            lines.append(t(locale, "Tệp này đã được nhập trước đây; không có gì thay đổi."))
        elif getattr(stored, "revised", False):
            lines.append(
                t(
                    locale,
                    "Bản sửa đổi: thêm {added}, cập nhật {updated}, bỏ {removed} "
                    "nhiệm vụ; tiến độ đã báo cáo được giữ nguyên.",
                    added=added,
                    updated=updated,
                    removed=removed,
                )
            )
    if draft.warnings:
        lines.append(
            tn(locale, "⚠️ {n} điểm cần xem lại:", "⚠️ {n} điểm cần xem lại:", len(draft.warnings))
        )
        for warning in draft.warnings[:MAX_WARNINGS_SHOWN]:
            lines.append("  - " + warning.render(locale))
        if len(draft.warnings) > MAX_WARNINGS_SHOWN:
            lines.append(
                "  " + t(locale, "… và {n} điểm khác.", n=len(draft.warnings) - MAX_WARNINGS_SHOWN)
            )
    return "\n".join(lines)
