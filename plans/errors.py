"""Why an import was refused: one short Vietnamese sentence, and nothing imported.

A plan that cannot be read must not be half-imported: the reader raises ``ImportRefused``
with a msgid marked by ``N_`` (extracted into the catalogs) and its parameters, and the bot
renders it for the user's locale with ``render``. The msgids are module constants so callers
and tests can tell the reasons apart without comparing sentences.
"""

from __future__ import annotations

from typing import Any

from locales import N_, t

CORRUPT = N_("Tệp {name} bị hỏng hoặc không phải tệp Word/Excel.")
ENCRYPTED = N_("Tệp {name} được đặt mật khẩu; hãy bỏ mật khẩu rồi gửi lại.")
LEGACY_FORMAT = N_(
    "Tệp {name} là định dạng Word/Excel cũ (.doc/.xls); hãy lưu lại thành .docx hoặc .xlsx "
    "rồi gửi lại."
)
PDF = N_("Tệp {name} là PDF; hãy gửi bản Word (.docx) hoặc Excel (.xlsx) của kế hoạch.")
UNSUPPORTED = N_(
    "Chưa đọc được loại tệp của {name}; hãy gửi tệp .docx, .xlsx, .csv, .md hoặc .txt."
)
TOO_BIG = N_("Tệp {name} quá lớn ({size} MB); giới hạn là {limit} MB.")
ZIP_BOMB = N_(
    "Tệp {name} giải nén ra quá lớn hoặc có quá nhiều thành phần; tệp này không được mở."
)
EMPTY = N_("Tệp {name} trống.")
NO_TABLE = N_("Không tìm thấy bảng phụ lục phân công nhiệm vụ trong tệp {name}; chưa nhập gì.")
NO_HEADER = N_(
    "Tệp {name} có bảng nhưng không nhận ra dòng tiêu đề (cần các cột như STT, Tên nhiệm vụ, "
    "Thời gian thực hiện); chưa nhập gì."
)
NO_ROWS = N_("Bảng phụ lục trong tệp {name} không có nhiệm vụ hay chỉ tiêu nào; chưa nhập gì.")


class ImportRefused(Exception):
    """The document was not imported; ``render`` says why in one sentence."""

    def __init__(self, msgid: str, /, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params

    def render(self, locale: str = "vi") -> str:
        """Return the sentence for ``locale`` through the catalogs."""
        return t(locale, self.msgid, **self.params)

    def __str__(self) -> str:
        # Logs and tracebacks must not depend on compiled catalogs, so fill in the msgid itself.
        try:
            return self.msgid.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return self.msgid
