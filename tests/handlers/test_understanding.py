"""Tests of handlers.understanding: what officials' replies are read to say.

One table of realistic replies, each asserting every field of the Understanding. Most are
also checked typed without diacritics (as officials often do on a phone), with the blocker
and value expected without diacritics too. TODAY is a Wednesday in November 2026; a few
cases move to the year's end to check dates that cross into 2027.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date

import pytest

from handlers.understanding import MAX_BLOCKER, MAX_CHARS, Understanding, understand
from plans.vntext import strip_accents

TODAY = date(2026, 11, 18)  # Wednesday: this Friday is the 20th, next week's the 27th
YEAR_END = date(2026, 12, 28)  # Monday: next week is in 2027
NEW_YEAR = date(2027, 1, 5)  # Tuesday
JAN_END = date(2027, 1, 30)  # Saturday


@dataclass(frozen=True)
class Case:
    text: str
    status: str | None = None
    percent: float | None = None
    blocker: str | None = None
    expected: date | None = None
    extension: bool = False
    value: str | None = None
    refs: tuple[str, ...] = ()
    today: date = TODAY
    expects_value: bool = False
    both: bool = True  # also typed without diacritics, with the same meaning


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


CASES = [
    # --- done ------------------------------------------------------------------------------
    Case("Đã hoàn thành", "done"),
    Case("Dạ em đã hoàn thành rồi ạ", "done"),
    Case("xong rồi anh", "done"),
    Case("Xong r a", "done"),
    Case("đã xong", "done"),
    Case("HT", "done"),
    Case("nv 3 ht r", "done", refs=("3",)),
    Case("done", "done"),
    Case("Done 100%", "done", 100.0),
    Case("ok đã gửi báo cáo", "done"),
    Case("Đã gửi bc cho VP rồi ạ", "done"),
    Case("Em nộp rồi", "done"),
    Case("rồi ạ", "done"),
    Case("dạ rồi", "done"),
    Case("✅", "done"),
    Case("Đã hoàn thành 100% khối lượng", "done", 100.0),
    Case("Đã triển khai xong", "done"),
    Case("đã thực hiện xong, không có vướng mắc", "done"),
    Case("Đã hoàn thành. Khó khăn: thiếu kinh phí", "done", blocker="thiếu kinh phí"),
    Case("đã xong nhưng chậm tiến độ", "done"),
    Case("đã hoàn thành ngày 10/11", "done"),
    Case("Đã hoàn thành trước 10/11", "done"),
    Case("10/11 đã xong", "done"),
    Case("Em đã gửi báo cáo rồi, anh nhận được chưa ạ?", "done"),
    Case("Đã ban hành Kế hoạch số 45/KH-UBND ngày 10/11/2026", "done"),
    Case("Đảng ủy đã ban hành nghị quyết", "done"),
    Case("Đã tổ chức 2 lớp tập huấn cho 120 cán bộ", "done"),
    Case("năm 2026 đã tổ chức 2 lớp tập huấn", "done"),
    Case("Đã đăng tải 15 tin bài", "done"),
    Case("Em đã cập nhật lên hệ thống", "done"),
    Case("Finished", "done"),
    Case("DONE!!!", "done"),
    Case("Done, no issues", "done"),
    Case("<b>Đã xong</b> 👍", "done"),
    Case("đã hoàn thành 😀👍", "done"),
    Case("_xong_", "done"),
    Case("*đã hoàn thành* nhiệm vụ 2", "done", refs=("2",)),
    Case("> Nhắc: nhiệm vụ 2 hạn 30/11\nĐã xong ạ", "done"),
    Case("mục II.3 xong rồi", "done", refs=("II.3",)),
    # --- in progress -----------------------------------------------------------------------
    Case("Đang thực hiện", "in_progress"),
    Case("dang trien khai", "in_progress"),
    Case("đang làm ạ", "in_progress"),
    Case("Đang tiến hành rà soát", "in_progress"),
    Case("dg lam a", "in_progress"),
    Case("Đã triển khai được 70%", "in_progress", 70.0),
    Case("đạt 70%", "in_progress", 70.0),
    Case("70%", "in_progress", 70.0),
    Case("70 %", "in_progress", 70.0),
    Case("được 70 phần trăm", "in_progress", 70.0),
    Case("được 78,5%", "in_progress", 78.5),
    Case("78.5%", "in_progress", 78.5),
    Case("ĐANG THỰC HIỆN 50%", "in_progress", 50.0),
    Case("in progress 60%", "in_progress", 60.0),
    Case("in progress", "in_progress"),
    Case("làm được một nửa", "in_progress", 50.0),
    Case("mới được một nửa khối lượng", "in_progress", 50.0),
    Case("xong nửa rồi", "in_progress", 50.0, both=False),
    Case("được 3/4 khối lượng", "in_progress", 75.0),
    Case("được 2/3", "in_progress", 66.7),
    Case("khoảng 3/4 rồi", "in_progress", 75.0),
    Case("xong 3/4", "in_progress", 75.0),
    Case("3/4 công việc", "in_progress", 75.0),
    Case("hoàn thành 2/3 công việc", "in_progress", 66.7),
    Case("đã làm được 15/20 hồ sơ", "in_progress", 75.0),
    Case("tám mươi phần trăm", "in_progress", 80.0),
    Case("bảy mươi lăm phần trăm", "in_progress", 75.0),
    Case("được ba phần tư", "in_progress", 75.0),
    Case("gần xong", "in_progress"),
    Case("sắp xong rồi anh ơi", "in_progress"),
    Case("cơ bản hoàn thành", "in_progress"),
    Case("Hoàn thành 80% khối lượng", "in_progress", 80.0),
    Case("tiến độ: 60%", "in_progress", 60.0),
    Case("còn 20% nữa là xong", "in_progress", 80.0),
    Case("khoảng 70-80%", "in_progress", 70.0),
    Case("từ 60% lên 80%", "in_progress", 80.0),
    Case("chưa xong", "in_progress"),
    Case("chưa hoàn thành", "in_progress"),
    Case("chua xong a", "in_progress"),
    Case("chưa ạ", "in_progress"),
    Case("chưa hoàn thành 100%", "in_progress"),
    Case("đã triển khai", "in_progress"),
    Case("Đang làm, chưa xong", "in_progress"),
    Case("đang làm phần 2, phần 1 đã xong", "in_progress"),
    Case("đã xong phần khảo sát, đang tổng hợp", "in_progress"),
    Case("Đã hoàn thành dự thảo", "in_progress"),
    Case("đang hoàn thiện dự thảo, dự kiến 15/12 trình UBND", "in_progress", expected=d(12, 15)),
    Case("Kế hoạch năm 2026 đang triển khai", "in_progress"),
    Case("phòng KT-HT-ĐT đang làm", "in_progress"),
    Case("Đăng ký tài khoản được 85%", "in_progress", 85.0),
    Case("Đăng ký tài khoản định danh cho người dân", both=False),
    Case("Dang ky tai khoan dinh danh cho nguoi dan"),
    Case("Em đang nhập liệu", "in_progress"),
    Case("Văn phòng Đảng ủy đang tổng hợp", "in_progress"),
    Case("Thương mại điện tử đang triển khai", "in_progress"),
    Case("Chị Mai đang làm", "in_progress"),
    Case("`đang làm`", "in_progress"),
    Case("mục 1.2 đang làm", "in_progress", refs=("1.2",)),
    Case(
        "Đã gửi báo cáo ngày 10/11, dự kiến tuần sau xong phần còn lại",
        "in_progress",
        expected=d(11, 27),
    ),
    Case("not done yet", "in_progress"),
    # --- not started -----------------------------------------------------------------------
    Case("Chưa triển khai", "not_started"),
    Case("chua thuc hien", "not_started"),
    Case("chưa làm", "not_started"),
    Case("chưa bắt đầu ạ", "not_started"),
    Case("chưa th", "not_started"),
    Case("not started", "not_started"),
    Case("0%", "not_started", 0.0),
    Case("Chưa triển khai, dự kiến tuần sau bắt đầu", "not_started", expected=d(11, 27)),
    Case("sẽ triển khai trong tháng 12", "not_started", expected=d(12, 31)),
    Case("việc 2 chưa làm", "not_started", refs=("2",)),
    Case("không phải chưa làm", None),
    # --- blocked ---------------------------------------------------------------------------
    Case("vướng mắc: chưa có kinh phí", "blocked", blocker="chưa có kinh phí"),
    Case("Khó khăn do thiếu máy tính", "blocked", blocker="thiếu máy tính"),
    Case(
        "chưa làm được vì chưa có hướng dẫn của thành phố",
        "blocked",
        blocker="chưa có hướng dẫn của thành phố",
    ),
    Case("Bị chậm do chưa có kinh phí", "blocked", blocker="chưa có kinh phí"),
    Case("chậm tiến độ vì thiếu người", "blocked", blocker="thiếu người"),
    Case("đang chờ ý kiến của UBND xã", "blocked", blocker="chờ ý kiến của UBND xã"),
    Case("đang đợi thành phố hướng dẫn", "blocked", blocker="đợi thành phố hướng dẫn"),
    Case("chưa có kinh phí", "blocked", blocker="chưa có kinh phí"),
    Case("Chưa triển khai do chưa có kinh phí", "blocked", blocker="chưa có kinh phí"),
    Case("gặp khó khăn ạ", "blocked", blocker="khó khăn"),
    Case("hệ thống bị lỗi nên chưa nhập được", "blocked", blocker="hệ thống bị lỗi"),
    Case("Vướng mắc về thủ tục đất đai", "blocked", blocker="thủ tục đất đai"),
    Case("chưa xong vì mất điện cả tuần", "blocked", blocker="mất điện cả tuần"),
    Case(
        "Vướng mắc: chưa có kinh phí, anh hỗ trợ được không ạ?",
        "blocked",
        blocker="chưa có kinh phí",
    ),
    Case("blocked by missing budget", "blocked", blocker="missing budget"),
    Case("Đang làm nhưng vướng kinh phí", "in_progress", blocker="kinh phí"),
    Case(
        "Đã triển khai được 50%, khó khăn: thiếu nhân lực, dự kiến xong 20/12",
        "in_progress",
        50.0,
        blocker="thiếu nhân lực",
        expected=d(12, 20),
    ),
    Case("đã triển khai nhưng thiếu thiết bị", "in_progress", blocker="thiếu thiết bị"),
    Case(
        "Hạn 30/11 nhưng em xin gia hạn đến 15/12 do chưa có kinh phí",
        "blocked",
        blocker="chưa có kinh phí",
        expected=d(12, 15),
        extension=True,
    ),
    # --- no blocker ------------------------------------------------------------------------
    Case("Không có vướng mắc", None),
    Case("ko vuong mac gi", None),
    Case("Không có khó khăn", None),
    Case("không có khó khăn, vướng mắc gì", None),
    Case("khó khăn, vướng mắc: không", None),
    Case("Vướng mắc: không có", None),
    Case("không gặp khó khăn gì, đang triển khai đúng tiến độ", "in_progress"),
    Case("Nếu có vướng mắc em sẽ báo lại", None),
    Case("Có vướng mắc gì không anh?", None),
    Case("đã tháo gỡ được vướng mắc, đang làm tiếp", "in_progress"),
    Case("Đảm bảo tiến độ, không vướng mắc gì", None),
    # --- extension -------------------------------------------------------------------------
    Case("xin gia hạn đến 30/6/2027", expected=d(6, 30, 2027), extension=True),
    Case("Xin gia han den 30/6", expected=d(6, 30, 2027), extension=True),
    Case("Đề nghị lùi thời hạn sang quý I/2027", expected=d(3, 31, 2027), extension=True),
    Case("xin lùi hạn đến cuối tháng 12", expected=d(12, 31), extension=True),
    Case("cho em thêm thời gian đến 15/12 ạ", expected=d(12, 15), extension=True),
    Case("em xin thêm 1 tuần", extension=True),
    Case("xin gia hạn", extension=True),
    Case("Cho em gia hạn đến 20/12 được không ạ?", expected=d(12, 20), extension=True),
    Case("xin khất đến thứ 6 tuần sau", expected=d(11, 27), extension=True),
    Case("không cần gia hạn, sẽ xong trước 30/11", "in_progress", expected=d(11, 30)),
    Case("đã được gia hạn đến 31/12", expected=d(12, 31)),
    # --- expected dates --------------------------------------------------------------------
    Case("dự kiến hoàn thành 15/12", "in_progress", expected=d(12, 15)),
    Case("Sẽ xong trước 20/12", "in_progress", expected=d(12, 20)),
    Case("hẹn cuối tháng", expected=d(11, 30)),
    Case("15/12/2026", expected=d(12, 15)),
    Case("dự kiến 30-6-2027", expected=d(6, 30, 2027)),
    Case("ngày 15 tháng 12 em gửi", expected=d(12, 15)),
    Case("ngày 15 tháng 12 năm 2026", expected=d(12, 15)),
    Case("cuối tháng 12", expected=d(12, 31)),
    Case("cuối t12", expected=d(12, 31)),
    Case("đầu tháng sau", expected=d(12, 5)),
    Case("giữa tháng 1", expected=d(1, 15, 2027)),
    Case("quý I/2027", expected=d(3, 31, 2027)),
    Case("trong quý này", expected=d(12, 31)),
    Case("quý sau", expected=d(3, 31, 2027)),
    Case("cuối năm xong", "in_progress", expected=d(12, 31)),
    Case("tuần sau", expected=d(11, 27)),
    Case("tuần tới", expected=d(11, 27)),
    Case("thứ 6 tuần sau", expected=d(11, 27)),
    Case("t6 tuần sau em gửi", expected=d(11, 27)),
    Case("thứ hai tuần sau", expected=d(11, 23)),
    Case("thứ 2", expected=d(11, 23)),
    Case("thứ 6", expected=d(11, 20)),
    Case("chủ nhật", expected=d(11, 22)),
    Case("mai em gửi", expected=d(11, 19)),
    Case("ngày mai", expected=d(11, 19)),
    Case("Chiều mai", expected=d(11, 19)),
    Case("ngày kia", expected=d(11, 20)),
    Case("hôm nay em gửi", expected=d(11, 18)),
    Case("3 ngày nữa xong", "in_progress", expected=d(11, 21)),
    Case("2-3 ngày nữa xong", "in_progress", expected=d(11, 21)),
    Case("2 tuần nữa", expected=d(12, 2)),
    Case("ba ngày nữa", expected=d(11, 21)),
    Case("cuối tuần", expected=d(11, 20)),
    Case("trong năm 2027", expected=d(12, 31, 2027)),
    Case("6 tháng đầu năm 2027", expected=d(6, 30, 2027)),
    Case("đến 3/4", expected=d(4, 3, 2027)),
    Case("3/4", expected=d(4, 3, 2027)),
    Case("ngày 3/4", expected=d(4, 3, 2027)),
    Case("hạn 3/4 ạ", expected=d(4, 3, 2027)),
    Case("tháng sau", expected=d(12, 31)),
    Case("cuối tháng sau", expected=d(12, 31)),
    Case("giữa tháng sau", expected=d(12, 15)),
    Case("tháng 12/2026", expected=d(12, 31)),
    Case("trong tháng 12", expected=d(12, 31)),
    Case("15.12", expected=d(12, 15)),
    Case("5/1", expected=d(1, 5, 2027)),
    Case("ngày 20 em nộp", expected=d(11, 20)),
    Case("15 tháng mười hai", expected=d(12, 15)),
    Case("ngày 15 tháng sau", expected=d(12, 15), both=False),
    Case("by Dec 15", expected=d(12, 15)),
    Case("30 tháng sáu năm 2027", expected=d(6, 30, 2027)),
    Case("cuối t2", expected=d(2, 28, 2027)),
    Case("t2 tuần sau em gửi bc", expected=d(11, 23)),
    Case("dự kiến Q1/2027", expected=d(3, 31, 2027)),
    Case("hoàn thành trong quý IV", "in_progress", expected=d(12, 31)),
    Case("trong năm nay", expected=d(12, 31)),
    Case("Kế hoạch năm nay đã ban hành", "done"),
    Case("từ ngày 1/12 đến 15/12 tổ chức tuyên truyền", expected=d(12, 15)),
    Case("đến 20/12 hỗ trợ xong cho 30 hộ", "in_progress", expected=d(12, 20)),
    Case("Đã hỗ trợ 30 hộ", value="30 hộ", expects_value=True),
    Case("Đã kết nối 3 tổ chức", value="3 tổ chức", expects_value=True),
    Case("Đã gửi ngày 10/11", "done"),
    Case("đã tập huấn ngày 5/11, dự kiến 30/11 tổng kết", expected=d(11, 30)),
    Case("hôm nay em đã gửi, phần còn lại tuần sau", "done", expected=d(11, 27)),
    # --- dates around the year's end -------------------------------------------------------
    Case("tuần sau", expected=d(1, 8, 2027), today=YEAR_END),
    Case("thứ 6 tuần sau", expected=d(1, 8, 2027), today=YEAR_END),
    Case("dự kiến 5/1", expected=d(1, 5, 2027), today=YEAR_END),
    Case("20/12", today=YEAR_END),
    Case("đã nộp ngày 20/12", "done", today=YEAR_END),
    Case("trong tháng 1", expected=d(1, 31, 2027), today=YEAR_END),
    Case("trong quý I", expected=d(3, 31, 2027), today=YEAR_END),
    Case("cuối năm", expected=d(12, 31), today=YEAR_END),
    Case("trong năm sau", expected=d(12, 31, 2027), today=YEAR_END),
    Case("đầu tháng sau", expected=d(1, 5, 2027), today=YEAR_END),
    Case("mai", expected=d(12, 29), today=YEAR_END),
    Case("cuối tuần", expected=d(1, 1, 2027), today=YEAR_END),
    Case("3 ngày nữa", expected=d(12, 31), today=YEAR_END),
    Case("2 tuần nữa", expected=d(1, 11, 2027), today=YEAR_END),
    Case("tháng sau", expected=d(1, 31, 2027), today=YEAR_END),
    Case("quý sau", expected=d(3, 31, 2027), today=YEAR_END),
    Case("cuối t1", expected=d(1, 31, 2027), today=YEAR_END),
    Case("đã gửi ngày 28/12", "done", today=NEW_YEAR),
    Case("28/12", today=NEW_YEAR),
    Case("cuối tháng sau", expected=d(2, 28, 2027), today=JAN_END),
    Case("1 tháng nữa", expected=d(2, 28, 2027), today=JAN_END),
    Case("cuối tuần", expected=d(1, 30, 2027), today=JAN_END),
    Case("thứ 2", expected=d(2, 1, 2027), today=JAN_END),
    # --- numbers that are not progress or deadlines ----------------------------------------
    Case("Đã ban hành KH số 45/KH-UBND", "done"),
    Case("Theo Quyết định 1234/QĐ-UBND ngày 15/3/2026, em đang triển khai", "in_progress"),
    Case("số 12/QĐ-UBND"),
    Case("Công văn số 256/UBND-VHXH ngày 5/12/2026"),
    Case("Kế hoạch 45 ngày 10/12"),
    Case("Quyết định ký ngày 12/12, đang triển khai", "in_progress"),
    Case("Ngày ban hành: 12/12/2026"),
    Case("Nghị quyết 57-NQ/TW"),
    Case("Theo Thông tư 01/2025/TT-BTTTT"),
    Case("SĐT em 0912.345.678"),
    Case("gọi em 0912 345 678 nhé"),
    Case("năm 2026"),
    Case("Thứ tự ưu tiên: nhiệm vụ 2 trước", refs=("2",)),
    Case("lần thứ hai nhắc"),
    Case("120%"),
    Case("Quỹ 1 tỷ đồng", both=False),
    Case("mãi chưa xong", "in_progress", both=False),
    Case("dịch vụ công mức 4", both=False),
    # --- found by reading the sample replies ------------------------------------------------
    Case("Chưa xong, còn vướng kinh phí", "blocked", blocker="kinh phí"),
    Case("Còn 1 thôn nữa là xong", "in_progress"),
    Case("Em ốm mấy hôm nay, mai em làm tiếp", "in_progress", expected=d(11, 19)),
    Case("Em đang đi công tác, thứ 2 em báo cáo", expected=d(11, 23)),
    Case("em đang họp, chiều em báo cáo sau"),
    Case("Đã xử lý 1.830/1.900 hồ sơ đúng hạn", "in_progress", 96.3),
    Case("đã triển khai tới 8/10 thôn", "in_progress", 80.0),
    Case("lam dc 1 nua r", "in_progress", 50.0),
    Case("Đã trình UBND xã ký, đang chờ ban hành", "in_progress", blocker="chờ ban hành"),
    Case("Sáng nay mất mạng, em gửi sau ạ", "blocked", blocker="mất mạng"),
    Case(
        "Cán bộ phụ trách nghỉ sinh nên chậm tiến độ",
        "blocked",
        blocker="Cán bộ phụ trách nghỉ sinh",
    ),
    Case("Do sáp nhập xã nên chưa triển khai được", "blocked", blocker="sáp nhập xã"),
    Case(
        "Phần mềm bị lỗi, đang chờ bên cung cấp khắc phục",
        "blocked",
        blocker="Phần mềm bị lỗi; chờ bên cung cấp khắc phục",
    ),
    Case(
        "Chưa được cấp kinh phí nên chưa mua sắm thiết bị",
        "blocked",
        blocker="Chưa được cấp kinh phí",
    ),
    Case("đã giải quyết xong vướng mắc, đang làm tiếp", "in_progress"),
    Case(
        "Đã xây dựng xong dự thảo, chờ lãnh đạo duyệt",
        "in_progress",
        blocker="chờ lãnh đạo duyệt",
        both=False,
    ),
    Case("Đang lấy ý kiến góp ý dự thảo đến hết ngày 25/11", "in_progress", expected=d(11, 25)),
    Case("Dạ anh cho em khất đến thứ 4 tuần sau ạ", expected=d(11, 25), extension=True),
    Case("Đợt này em bận tiếp dân, tuần sau em làm", expected=d(11, 27)),
    # --- questions and chit-chat -----------------------------------------------------------
    Case("Chào anh"),
    Case("Nhiệm vụ này là gì ạ?"),
    Case("Nhiệm vụ 3 là gì ạ?", refs=("3",)),
    Case("Hạn nộp là 15/12 phải không ạ?"),
    Case("Cảm ơn anh"),
    Case("ok em"),
    Case("Dạ vâng ạ"),
    Case("Xong chưa anh?"),
    Case("Có cần gửi bản giấy không ạ?"),
    Case("đã hoàn thành chưa ạ"),
    Case("Báo cáo anh, em nhận được tin nhắn rồi ạ"),
    # --- task references -------------------------------------------------------------------
    Case("NV 3 xong", "done", refs=("3",)),
    Case("nv số 5 đang làm", "in_progress", refs=("5",)),
    Case("II.3 đã xong", "done", refs=("II.3",)),
    Case("mục 4 đang triển khai", "in_progress", refs=("4",)),
    Case("nhiệm vụ 3 và 5 đã hoàn thành", "done", refs=("3", "5")),
    Case("NV3, NV5 xong", "done", refs=("3", "5")),
    Case("nhiệm vụ số 03 đang làm 40%", "in_progress", 40.0, refs=("3",)),
    Case("nhiệm vụ 3 đã xong, NV 5 đang làm", "in_progress", refs=("3", "5")),
    Case("việc 2: chưa có kinh phí", "blocked", blocker="chưa có kinh phí", refs=("2",)),
    Case("Mục III.1.2 đạt 60%", "in_progress", 60.0, refs=("III.1.2",)),
    # --- KPI values ------------------------------------------------------------------------
    Case("Tỷ lệ hồ sơ trực tuyến đạt 92,5%", value="92,5%"),
    Case("số hồ sơ đạt 1.250", value="1.250"),
    Case("đạt 85%", value="85%", expects_value=True),
    Case("85%", value="85%", expects_value=True),
    Case("Đã cấp 1.250 hồ sơ", value="1.250 hồ sơ", expects_value=True),
    Case("Tổng số 07 người", value="07 người", expects_value=True),
    Case("hoàn thành 70%", "in_progress", 70.0, expects_value=True),
    Case(
        "Tỷ lệ đạt 92,5%, đã hoàn thành 100% kế hoạch",
        "done",
        100.0,
        value="92,5%",
        expects_value=True,
    ),
    Case("15 tin bài", value="15 tin bài", expects_value=True),
    Case("nv 3 đạt 85%", value="85%", refs=("3",), expects_value=True),
    Case("chỉ tiêu 90%, đạt 85%", value="85%", expects_value=True),
    Case("năm 2026 đạt 85%", value="85%", expects_value=True),
    Case("đã xử lý 15/20 hồ sơ", value="15/20 hồ sơ", expects_value=True),
    Case("120%", value="120%", expects_value=True),
    Case("Số người dùng là 350", value="350", expects_value=True),
    Case(
        "Đã tổ chức 2 lớp tập huấn cho 120 cán bộ",
        "done",
        value="2 lớp tập huấn",
        expects_value=True,
    ),
    Case("bảy mươi lăm phần trăm rồi anh", value="bảy mươi lăm phần trăm", expects_value=True),
    Case("đang làm phần 2", "in_progress", expects_value=True),
    Case("dịch vụ công mức 4 đang triển khai", "in_progress", expects_value=True, both=False),
    Case("2-3 ngày nữa xong", "in_progress", expected=d(11, 21), expects_value=True),
    Case("Đã triển khai được 70%", "in_progress", 70.0, expects_value=True),
    Case("Đã có 12/12 thôn thành lập tổ CNS", value="12/12 thôn", expects_value=True),
    Case("Đã có 12/12 thôn thành lập tổ CNS", "done", 100.0),
]


def _variants() -> list[object]:
    params: list[object] = []
    for case in CASES:
        params.append(pytest.param(case, id=case.text[:60]))
        bare = strip_accents(case.text)
        if case.both and bare != case.text:
            plain = dataclasses.replace(
                case,
                text=bare,
                blocker=strip_accents(case.blocker) if case.blocker else None,
                value=strip_accents(case.value) if case.value else None,
            )
            params.append(pytest.param(plain, id="bare:" + bare[:55]))
    return params


@pytest.mark.parametrize("case", _variants())
def test_reply_is_understood(case: Case) -> None:
    got = understand(case.text, today=case.today, expects_value=case.expects_value)
    assert (
        got.status,
        got.percent,
        got.blocker,
        got.expected_date,
        got.extension,
        got.value,
        got.task_refs,
    ) == (
        case.status,
        case.percent,
        case.blocker,
        case.expected,
        case.extension,
        case.value,
        case.refs,
    )


def test_the_table_is_large_and_covers_every_status() -> None:
    assert len(CASES) >= 150
    assert {c.status for c in CASES} == {None, "done", "in_progress", "not_started", "blocked"}


def test_to_json_is_the_contract() -> None:
    got = understand("Đang làm 70%, vướng kinh phí, xin gia hạn đến 15/12", today=TODAY)
    assert got.to_json() == {
        "status": "in_progress",
        "percent": 70.0,
        "blocker": "kinh phí",
        "expected_date": "2026-12-15",
        "extension": True,
    }
    assert understand("chào anh", today=TODAY).to_json() == {
        "status": None,
        "percent": None,
        "blocker": None,
        "expected_date": None,
        "extension": False,
    }


def test_understanding_is_frozen() -> None:
    got = understand("xong", today=TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.status = "blocked"  # type: ignore[misc]


def test_empty_and_blank_replies_say_nothing() -> None:
    for text in ("", "   ", "\n\n", "> chỉ trích dẫn", "👍", "...", "?", "<br/>"):
        assert understand(text, today=TODAY) == Understanding()


def test_two_unicode_forms_read_the_same() -> None:
    composed = "Đã hoàn thành, vướng mắc: thiếu kinh phí"
    import unicodedata

    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    a = understand(composed, today=TODAY)
    b = understand(decomposed, today=TODAY)
    assert a == b
    assert b.blocker == "thiếu kinh phí"


def test_only_the_first_max_chars_are_read() -> None:
    padding = "Báo cáo tình hình. " * (MAX_CHARS // 10)
    assert understand("xong. " + padding, today=TODAY).status == "done"
    assert understand(padding + "xong.", today=TODAY).status is None


def test_a_very_long_reply_is_read_without_trouble() -> None:
    long_line = "đang làm 50%, " * 1000  # 14,000 characters on one line
    assert understand(long_line, today=TODAY).percent == 50.0
    many_lines = "\n".join(["xong"] + ["abc 12/3 ngay 5 thang 6 tuan sau %"] * 1000)
    assert understand(many_lines, today=TODAY).status == "done"
    digits = "1" * 20_000
    assert understand(digits, today=TODAY).percent is None
    # Patterns that backtrack badly on long runs of spaces, digits or separators.
    for chunk in (" ", "1/", "1.", "a ", ", ", "- ", "khong ", "chua co ", "%"):
        understand(chunk * 5_000 + "!", today=TODAY)


ALPHABET = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựý"
    "ỳỷỹỵĐƯƠ0123456789     //..,,::;--%%??!!()<>*_`~#@&\n\t\r\u00a0\u200b👍✅😀🙏"
)
WORDS = " ".join(
    (
        "xong hoàn thành chưa không ko k đang đã đạt được vướng mắc khó khăn do vì xin gia hạn",
        "đến trước ngày tháng quý năm tuần sau tới mai thứ cuối đầu giữa nhiệm vụ nv mục việc",
        "phần trăm một nửa rồi r chờ thiếu kinh phí 45/KH-UBND 57-NQ/TW 0912345678 II.3 t12",
        "done in progress",
    )
).split(" ")


@pytest.mark.parametrize("seed", range(40))
def test_random_text_never_raises(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        if rng.random() < 0.5:
            text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 400)))
        else:
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 120)))
            text += "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30)))
        today = date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + rng.randint(0, 730))
        got = understand(text, today=today, expects_value=rng.random() < 0.3)
        assert got.status in (None, "done", "in_progress", "not_started", "blocked")
        assert got.percent is None or 0 <= got.percent <= 100
        assert got.blocker is None or 0 < len(got.blocker) <= MAX_BLOCKER
        got.to_json()


def test_random_bytes_as_text_never_raise() -> None:
    rng = random.Random(7)
    for _ in range(200):
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
        understand(raw.decode("utf-8", errors="replace"), today=TODAY)
        understand(raw.decode("latin-1"), today=TODAY)


@pytest.mark.parametrize(
    ("today", "day", "month", "expected"),
    [
        (TODAY, 15, 12, d(12, 15)),  # ahead this year
        (TODAY, 10, 11, d(11, 10)),  # a week past: still this year
        (TODAY, 20, 10, d(10, 20)),  # 29 days past: inside the month, this year
        (TODAY, 15, 10, d(10, 15, 2027)),  # 34 days past: next year
        (TODAY, 30, 6, d(6, 30, 2027)),  # long past: next year
        (YEAR_END, 5, 1, d(1, 5, 2027)),
        (NEW_YEAR, 28, 12, d(12, 28)),  # the December just past
        (TODAY, 29, 2, d(2, 29, 2028)),  # only in a leap year
        (TODAY, 31, 4, None),  # no such day
    ],
)
def test_a_day_without_year_falls_in_the_window(
    today: date, day: int, month: int, expected: date | None
) -> None:
    from handlers.dates import infer_day_month

    assert infer_day_month(day, month, today) == expected
