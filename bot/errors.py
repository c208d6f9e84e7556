"""Errors the user sees as one clear sentence, rendered through locales/."""

from __future__ import annotations

from typing import Any

from locales import t


class UserError(Exception):
    """Something the user can fix: a wrong argument, an unreachable database, a bad file."""

    def __init__(self, msgid: str, /, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params

    def render(self, locale: str) -> str:
        return t(locale, self.msgid, **self.params)
