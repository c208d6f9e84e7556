"""Translations and formatting for every user-facing string.

Catalogs live beside this module: ``messages.pot`` (extracted from the source) and
``<lang>/LC_MESSAGES/messages.po`` (Vietnamese, the default, and English), compiled to ``.mo``
by ``make locales``. Message ids are the Vietnamese text itself, so the Vietnamese catalog
only holds corrections; English translates every id.

Use ``t(locale, "Xin chào {name}", name=...)``, never an f-string inside the message id.
Mark ids that are rendered later (stored warnings, button labels) with ``N_``.
Dates, numbers and percentages go through Babel for the reader's locale.
"""

from __future__ import annotations

import gettext
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

LOCALE_DIR = Path(__file__).resolve().parent
DOMAIN = "messages"
DEFAULT_LOCALE = "vi"
SUPPORTED_LOCALES: tuple[str, ...] = ("vi", "en")


class CatalogNotCompiled(RuntimeError):
    """A catalog's .mo file is missing or older than its .po: run ``make locales``."""


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction without translating it now."""
    return msgid


def check_catalogs() -> None:
    """Refuse to run on a catalog that is not compiled or is older than its source."""
    for lang in SUPPORTED_LOCALES:
        po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or (po.exists() and po.stat().st_mtime > mo.stat().st_mtime + 1):
            raise CatalogNotCompiled(str(mo))


def normalize_locale(locale: str | None) -> str:
    """Return a supported locale for ``locale`` ("vi_VN" -> "vi"), the default otherwise."""
    lang = (locale or DEFAULT_LOCALE).replace("-", "_").split("_")[0].lower()
    return lang if lang in SUPPORTED_LOCALES else DEFAULT_LOCALE


@cache
def translations(locale: str) -> gettext.NullTranslations:
    lang = normalize_locale(locale)
    mo = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.exists():
        raise CatalogNotCompiled(str(mo))
    with mo.open("rb") as fh:
        return gettext.GNUTranslations(fh)


def t(locale: str, msgid: str, /, **params: Any) -> str:
    """Translate ``msgid`` for ``locale`` and fill in ``params`` with ``str.format``."""
    text = translations(locale).gettext(msgid)
    return text.format(**params) if params else text


def tn(locale: str, singular: str, plural: str, n: int, /, **params: Any) -> str:
    """Translate a message whose wording depends on the count ``n`` (given to format as n)."""
    text = translations(locale).ngettext(singular, plural, n)
    return text.format(n=fmt_number(n, locale), **params)


def fmt_date(value: date, locale: str, fmt: str = "short") -> str:
    """Format a date for the reader: "15/12/2026" in Vietnamese, "12/15/2026" in English."""
    lang = normalize_locale(locale)
    if fmt == "short":
        fmt = "dd/MM/y" if lang == "vi" else "MMM d, y"
    return format_date(value, fmt, locale=lang)


def fmt_datetime(value: datetime, locale: str) -> str:
    lang = normalize_locale(locale)
    pattern = "HH:mm dd/MM/y" if lang == "vi" else "MMM d, y HH:mm"
    return format_datetime(value, pattern, tzinfo=value.tzinfo, locale=lang)


def fmt_number(value: float, locale: str) -> str:
    return format_decimal(value, locale=normalize_locale(locale))


def fmt_percent(value: float, locale: str) -> str:
    """Format a percentage given as 0-100 ("78,5%")."""
    return format_percent(value / 100, "#,##0.#%", locale=normalize_locale(locale))
