"""How reminders read on a phone, and the task lines every message shares.

A reminder names the plan's task the way officials do ("II.3"), its deadline in their
words and format, and carries the buttons to answer it. Several tasks due for one official
in one slot become one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from locales import N_, fmt_date, fmt_percent, t, tn
from models.messages import Button, Outbound
from models.queries import task_label
from models.tables import Indicator, OutboxMessage, Task

STATUS_LABELS = {
    "done": N_("đã hoàn thành"),
    "in_progress": N_("đang thực hiện"),
    "not_started": N_("chưa triển khai"),
    "blocked": N_("có vướng mắc"),
}
STATUS_ICONS = {"done": "✅", "in_progress": "🔄", "not_started": "⏸", "blocked": "⚠️"}
CADENCE_LABELS = {
    "yearly": N_("hằng năm"),
    "ongoing": N_("thường xuyên"),
    "monthly": N_("thường xuyên, báo cáo hằng tháng"),
    "conditional": N_("khi phát sinh"),
    "per_guidance": N_("theo hướng dẫn"),
}
HEADLINES = {
    "due_14": N_("🔔 Sắp đến hạn"),
    "due_7": N_("🔔 Sắp đến hạn"),
    "due_3": N_("🔔 Sắp đến hạn"),
    "due_1": N_("🔔 Ngày mai đến hạn"),
    "due_today": N_("🔔 Hôm nay đến hạn"),
    "overdue": N_("⏰ Đã quá hạn"),
    "overdue_weekly": N_("⏰ Vẫn đang quá hạn"),
    "escalation": N_("📣 Nhiệm vụ quá hạn cần đồng chí chỉ đạo"),
    "monthly": N_("🗓 Đến kỳ cập nhật tiến độ hằng tháng"),
    "yearly_nov": N_("🗓 Nhiệm vụ hằng năm: chuẩn bị báo cáo cuối năm"),
    "yearly_dec": N_("🗓 Nhiệm vụ hằng năm: sắp hết năm"),
    "kpi_period": N_("📏 Đến kỳ báo cáo số liệu chỉ tiêu"),
    "catchup": N_("📬 Các nhắc việc trong lúc hệ thống gián đoạn"),
    "snooze": N_("⏰ Nhắc lại như đồng chí đã hẹn"),
}
MAX_TITLE = 110
MAX_TASKS_IN_ONE_MESSAGE = 8


def shorten(text: str, limit: int = MAX_TITLE) -> str:
    """Cut ``text`` at a word boundary to fit a phone line, marking the cut with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.-– ") + "…"


def deadline_text(task: Task, locale: str) -> str:
    """Return the deadline as officials say it: a date, or the cadence."""
    if task.due_date is not None:
        return fmt_date(task.due_date, locale)
    label = CADENCE_LABELS.get(task.deadline_kind)
    if label:
        return t(locale, label)
    return task.deadline_raw or t(locale, "chưa rõ")


def status_text(task: Task, locale: str) -> str:
    label = STATUS_LABELS.get(task.status) or STATUS_LABELS["not_started"]
    text = t(locale, label)
    if task.percent is not None and task.status != "done":
        text += f" {fmt_percent(task.percent, locale)}"
    return text


def days_left_text(due: date, today: date, locale: str) -> str:
    days = (due - today).days
    if days > 0:
        return tn(locale, "còn {n} ngày", "còn {n} ngày", days)
    if days == 0:
        return t(locale, "hôm nay")
    return tn(locale, "quá hạn {n} ngày", "quá hạn {n} ngày", -days)


def task_line(task: Task, locale: str, today: date, *, with_status: bool = False) -> str:
    """One line per task: number, short title, deadline (and state)."""
    line = f"{task_label(task)}. {shorten(task.title)}\n   "
    line += t(locale, "Hạn: {deadline}", deadline=deadline_text(task, locale))
    if task.due_date is not None and task.status != "done":
        line += f" ({days_left_text(task.due_date, today, locale)})"
    if with_status:
        line += " · " + STATUS_ICONS.get(task.status, "") + " " + status_text(task, locale)
    return line


def task_buttons(task: Task, locale: str) -> tuple[tuple[Button, ...], ...]:
    """The buttons under a reminder about one task."""
    tid = task.id
    return (
        (
            Button(t(locale, "✅ Đã xong"), f"d:{tid}"),
            Button(t(locale, "📝 Cập nhật tiến độ"), f"p:{tid}"),
        ),
        (
            Button(t(locale, "⚠️ Báo vướng mắc"), f"b:{tid}"),
            Button(t(locale, "⏳ Xin gia hạn"), f"x:{tid}"),
        ),
        (Button(t(locale, "⏰ Nhắc lại sau"), f"s:{tid}"),),
    )


def render_reminder(
    rows: Sequence[OutboxMessage],
    tasks: dict[int, Task],
    indicators: dict[int, Indicator],
    *,
    locale: str,
    today: date,
) -> Outbound:
    """Render the due outbox rows of one recipient as one message."""
    reasons = [r.reason or "monthly" for r in rows]
    headline = t(locale, HEADLINES.get(_dominant(reasons), HEADLINES["monthly"]))
    task_rows = [tasks[r.task_id] for r in rows if r.task_id in tasks]
    kpi_rows = [indicators[r.indicator_id] for r in rows if r.indicator_id in indicators]
    task_rows = list({task.id: task for task in task_rows}.values())
    kpi_rows = list({kpi.id: kpi for kpi in kpi_rows}.values())
    lines = [headline]
    for task in task_rows[:MAX_TASKS_IN_ONE_MESSAGE]:
        lines.append(task_line(task, locale, today, with_status=True))
    hidden = len(task_rows) - MAX_TASKS_IN_ONE_MESSAGE
    if hidden > 0:
        lines.append(
            tn(
                locale,
                "… và {n} nhiệm vụ khác: gõ /tasks để xem.",
                "… và {n} nhiệm vụ khác: gõ /tasks để xem.",
                hidden,
            )
        )
    for kpi in kpi_rows[:MAX_TASKS_IN_ONE_MESSAGE]:
        current = kpi.current_value or t(locale, "chưa có")
        lines.append(
            f"{task_label(kpi)}. {shorten(kpi.text)}\n   "
            + t(locale, "Số liệu hiện tại: {value}", value=current)
        )
    if len(task_rows) == 1 and not kpi_rows:
        lines.append(
            t(locale, 'Trả lời tin này để báo tiến độ, ví dụ: "đang làm 70%, dự kiến xong 25/12".')
        )
        return Outbound(text="\n".join(lines), buttons=task_buttons(task_rows[0], locale))
    if kpi_rows and not task_rows:
        lines.append(t(locale, 'Trả lời tin này bằng số liệu, ví dụ: "đạt 85%".'))
        if len(kpi_rows) == 1:
            button = Button(t(locale, "📏 Nhập số liệu"), f"v:{kpi_rows[0].id}")
            return Outbound(text="\n".join(lines), buttons=((button,),))
        return Outbound(text="\n".join(lines))
    lines.append(
        t(
            locale,
            'Trả lời kèm số nhiệm vụ, ví dụ: "{label} đã xong".',
            label=task_label(task_rows[0]) if task_rows else "1",
        )
    )
    buttons = tuple(
        (
            Button(f"✅ {task_label(task)}", f"d:{task.id}"),
            Button(f"📝 {task_label(task)}", f"p:{task.id}"),
        )
        for task in task_rows[:4]
    )
    return Outbound(text="\n".join(lines), buttons=buttons)


def _dominant(reasons: Sequence[str]) -> str:
    """The most pressing reason among a bundle's rows names the whole message."""
    order = [
        "escalation",
        "overdue",
        "overdue_weekly",
        "due_today",
        "due_1",
        "due_3",
        "due_7",
        "due_14",
        "snooze",
        "kpi_period",
        "yearly_dec",
        "yearly_nov",
        "monthly",
        "catchup",
    ]
    for reason in order:
        if reason in reasons:
            return reason
    return reasons[0] if reasons else "monthly"
