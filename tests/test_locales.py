"""Every user-facing string is in the catalogs, translated, and formatted for the reader."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import locales
from locales import fmt_date, fmt_number, fmt_percent, t, tn

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "scheduler", "models", "plans", "reports")
KEYWORDS = {"_": None, "t": (2,), "tn": (2, 3), "N_": None}


def _source_msgids() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(REPO / package),
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog(lang: str) -> dict[str, str]:
    path = REPO / "locales" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh)
    out: dict[str, str] = {}
    for m in catalog:
        if not m.id:
            continue
        key = str(m.id[0] if isinstance(m.id, tuple) else m.id)
        value = str(m.string[0] if isinstance(m.string, tuple) else m.string)
        out[key] = value
    return out


def test_every_message_in_the_code_is_in_the_catalogs() -> None:
    missing = _source_msgids() - set(_catalog("en"))
    assert not missing, f"run `make locales-update` and translate: {sorted(missing)[:10]}"


def test_every_message_has_an_english_translation() -> None:
    untranslated = [msgid for msgid, text in _catalog("en").items() if not text.strip()]
    assert not untranslated, f"translate in locales/en: {untranslated[:10]}"


def test_english_keeps_every_placeholder() -> None:
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    wrong = {m: s for m, s in _catalog("en").items() if s and fields(m) != fields(s)}
    assert not wrong, f"placeholders differ: {list(wrong.items())[:5]}"


def test_no_f_string_is_used_as_a_message_id() -> None:
    offenders = []
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = (
                    func.id
                    if isinstance(func, ast.Name)
                    else (func.attr if isinstance(func, ast.Attribute) else "")
                )
                position = {"t": 1, "tn": 1, "N_": 0, "_": 0}.get(name)
                if position is None or len(node.args) <= position:
                    continue
                if isinstance(node.args[position], ast.JoinedStr):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not offenders, offenders


def test_catalogs_are_compiled() -> None:
    locales.check_catalogs()


def test_messages_render_in_both_languages() -> None:
    assert t("vi", "Đã hủy.") == "Đã hủy."
    assert t("en", "Đã hủy.") != "Đã hủy."
    assert (
        tn("vi", "Tổng số {n} nhiệm vụ", "Tổng số {n} nhiệm vụ", 1234) == "Tổng số 1.234 nhiệm vụ"
    )


def test_dates_numbers_and_percentages_follow_the_reader() -> None:
    assert fmt_date(date(2026, 3, 31), "vi") == "31/03/2026"
    assert fmt_date(date(2026, 3, 31), "en") == "Mar 31, 2026"
    assert fmt_percent(78.5, "vi") == "78,5%"
    assert fmt_percent(78.5, "en") == "78.5%"
    assert fmt_number(1250, "vi") == "1.250"
