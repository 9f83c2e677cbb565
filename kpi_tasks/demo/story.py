"""The rest of the demo demo's year, so that every page has something true to show on the day it is loaded:
a plan issued most of a year ago whose tasks ended every way a task can end, an instruction to every commune,
recurring reports with their occurrences, extension requests in each state, a progress table, three months of
administrative-procedure dossiers (late ones with their apology letters), and today's reminders.

Everything goes through the same services the pages use, so the demo obeys the product's own rules. Dates are
counted back from today and choices are fixed (no randomness): the same day gives the same demo."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.calendar.services import current_calendar
from kpi_tasks.clock import VIETNAM, today, utcnow
from kpi_tasks.directives.models import Directive
from kpi_tasks.directives.services import create_directive
from kpi_tasks.dossiers.models import ApologyLetter, Dossier
from kpi_tasks.dossiers.services import import_dossiers, record_apology_letter
from kpi_tasks.extensions import db
from kpi_tasks.milestones.services import add_milestone
from kpi_tasks.notifications.models import ASSIGNED, Notification
from kpi_tasks.tasks.events import EVENT_KINDS
from kpi_tasks.tasks.lifecycle import (
    decide_extension,
    post_update,
    report_occurrence,
    request_extension,
    review_occurrence,
    review_task,
)
from kpi_tasks.tasks.lookups import (
    closed_task_ids,
    date_directive_tasks,
    directive_task_ids,
    first_task_titled,
    occurrences_due_before,
)
from kpi_tasks.tasks.models import Task
from kpi_tasks.tasks.services import backdate_assignments, create_task, create_task_group, withdraw_task
from kpi_tasks.units.models import Unit

# The yearly plan: (title, lead unit, coordinating units). Deadlines are spread over the past months.
PLAN_NUMBER = "15/KH-UBND"
PLAN_SUBJECT = "Kế hoạch cải cách hành chính, chuyển đổi số và nâng cao chỉ số hài lòng của người dân"
PLAN_TASKS = [
    ("Rà soát, đánh giá quy định, thủ tục hành chính thuộc thẩm quyền", "TP", ["VP"]),
    ("Kiểm tra công tác cải cách hành chính tại các cơ quan, đơn vị", "NV", ["VP", "TTR"]),
    ("Cập nhật, công khai thủ tục hành chính trên Cổng dịch vụ công", "VP", ["MOTCUA"]),
    ("Số hóa hồ sơ, giấy tờ, kết quả giải quyết thủ tục hành chính", "MOTCUA", ["VHTT"]),
    ("Triển khai thanh toán trực tuyến nghĩa vụ tài chính về đất đai", "TNMT", ["CNDKDD"]),
    ("Tổ chức đối thoại với doanh nghiệp về thủ tục hành chính", "TCKH", ["VP"]),
    ("Tuyên truyền cải cách hành chính trên hệ thống truyền thanh", "VHTT", ["DOAN"]),
    ("Chuẩn hóa dữ liệu hộ tịch điện tử", "TP", []),
    ("Rà soát hồ sơ cấp giấy chứng nhận quyền sử dụng đất tồn đọng", "TNMT", ["CNDKDD"]),
    ("Triển khai tiếp nhận hồ sơ bảo trợ xã hội trực tuyến", "YT", ["MOTCUA"]),
    ("Tập huấn kỹ năng sử dụng chữ ký số cho cán bộ, công chức", "LDTBXH", ["NV"]),
    ("Đánh giá mức độ hài lòng của người dân tại Bộ phận Một cửa", "VP", ["MOTCUA"]),
    ("Cải thiện chỉ số hiệu quả quản trị và hành chính công", "NV", ["VP"]),
    ("Chấn chỉnh tình trạng hồ sơ trễ hạn trong lĩnh vực xây dựng", "KTHT", []),
    ("Kiểm tra việc niêm yết thủ tục hành chính tại trường học", "GDDT", []),
    ("Triển khai tiêm chủng, khám chữa bệnh bằng căn cước công dân", "YT", ["VHTT"]),
    ("Hướng dẫn hộ kinh doanh đăng ký, nộp hồ sơ trên sàn thương mại điện tử", "NNPTNT", ["MOTCUA"]),
    ("Thanh tra việc giải quyết khiếu nại, tố cáo về đất đai", "TTR", ["TNMT"]),
    ("Rà soát quy trình nội bộ giải quyết thủ tục hành chính cấp xã", "21040", ["TP"]),
    ("Vận hành Tổ công nghệ số cộng đồng", "21061", ["VHTT"]),
    ("Số hóa sổ hộ tịch lưu trữ tại xã", "21100", ["TP"]),
    ("Công khai kết quả giải quyết hồ sơ trên bảng điện tử", "21109", []),
    ("Hướng dẫn người dân nộp hồ sơ trực tuyến tại nhà văn hóa thôn", "21220", ["DOAN"]),
    ("Xử lý dứt điểm hồ sơ đất đai trễ hạn", "21172", ["CNDKDD"]),
    ("Tăng tỷ lệ thanh toán không dùng tiền mặt trong thu phí, lệ phí", "TCKH", ["BUUDIEN"]),
]
# How each plan task ends, by its position (cycled): most on time, some late, a few still open past the deadline.
PLAN_OUTCOMES = ["done_on_time", "done_on_time", "done_late", "done_on_time", "overdue", "done_on_time",
                 "done_on_time", "done_late", "done_on_time", "awaiting"]
PLAN_ISSUED_DAYS_AGO = 320

# "Giao UBND các xã, phường, đặc khu": one task per commune, each played differently (cycled by commune).
GROUP_TITLE = "Rà soát, niêm yết công khai thủ tục hành chính tại Bộ phận Một cửa cấp xã"
GROUP_OUTCOMES = ["done_on_time", "done_late", "overdue", "done_on_time", "in_progress", "awaiting"]

# Recurring reports of directive 1035/UBND-TTHC: (section, title, content, lead, rule code).
RECURRING = [
    ("2.3", "Thống kê tỷ lệ số hoá hồ sơ, kết quả giải quyết TTHC hằng tuần",
     "Định kỳ vào ngày thứ 6 hàng tuần thống kê tỷ lệ thực hiện số hoá hồ sơ, kết quả giải quyết TTHC.",
     "MOTCUA", "weekly:fri"),
    ("2.1", "Báo cáo Chủ tịch UBND tỉnh tình hình thực hiện nhiệm vụ trước phiên họp thường kỳ",
     "Trích xuất số liệu từ Phần mềm, báo cáo Chủ tịch UBND tỉnh trước 01 ngày tổ chức phiên họp thường kỳ "
     "hàng tháng.", "VP", "monthly:day-1-before-meeting"),
    ("2.4", "Báo cáo kết quả chuyển đổi số định kỳ hằng quý",
     "Báo cáo kết quả định kỳ vào ngày 25 của tháng cuối quý.", "VHTT", "quarterly:day25-last-month"),
]

# Dossiers: the units that handle them, how many a month, and every how-many-th one runs late (0: none).
DOSSIER_UNITS = [("TP", 14, 9), ("TNMT", 12, 4), ("LDTBXH", 10, 0), ("KTHT", 8, 5), ("MOTCUA", 16, 0),
                 ("21040", 12, 6), ("21061", 10, 3), ("21100", 8, 0), ("21172", 8, 4)]
PROCEDURES = [("Chứng thực bản sao từ bản chính", "Chứng thực"), ("Đăng ký khai sinh", "Hộ tịch"),
              ("Cấp giấy chứng nhận quyền sử dụng đất lần đầu", "Đất đai"),
              ("Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng"),
              ("Đăng ký hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh"),
              ("Trợ cấp xã hội hằng tháng", "Bảo trợ xã hội")]
APPLICANTS = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Võ Thị Giang",
              "Đặng Văn Hải", "Bùi Thị Kim"]
DOSSIER_MONTHS = 3


def play_task(task: Task, outcome: str, reporter: User, office: User, day: dt.date) -> None:
    """Move a fresh task forward as its unit and the office would have, to reach `outcome` today."""
    deadline = task.deadline
    if outcome in ("in_progress", "overdue", "ongoing"):
        post_update(task, reporter, progress_percent=40, note="Đang triển khai, đã giao chuyên viên theo dõi.")
        return
    if outcome == "awaiting":
        post_update(task, reporter, progress_percent=None, note="Đã hoàn thành, gửi báo cáo kết quả.",
                    report_completed=True, completed_on=day - dt.timedelta(days=1))
        return
    completed_on = (deadline - dt.timedelta(days=2)) if outcome == "done_on_time" else (
        deadline + dt.timedelta(days=5))
    post_update(task, reporter, progress_percent=None, note="Đã hoàn thành nhiệm vụ.", report_completed=True,
                completed_on=min(completed_on, day))
    review_task(task, office, decision="approve", note="Xác nhận đã hoàn thành.")


class Demo:
    """The demo's cast: units by code, the office clerk, a leader, and who reports for each unit."""

    def __init__(self, units: dict[str, Unit], users: dict[str, User], day: dt.date, issuer: str) -> None:
        self.units = units
        self.office = users["vanphong"]
        self.leader = users["chutich"]
        self.managers = {user.unit_id: user for user in users.values() if user.role == "unit_manager"}
        self.day = day
        self.issuer = issuer

    def reporter(self, unit_id: int) -> User:
        """The unit's manager (every demo unit that is given tasks has one)."""
        return self.managers[unit_id]

    def days_ago(self, days: int) -> dt.date:
        return self.day - dt.timedelta(days=days)


def seed_story(demo: Demo, recurring_directive: Directive) -> None:
    """Everything the demo has beyond the three directives of the seeds."""
    _seed_plan(demo)
    _seed_commune_group(demo)
    _seed_recurring(demo, recurring_directive)
    _seed_extensions_and_milestones(demo)
    _seed_returned_report(demo)
    _seed_fresh_directive(demo)
    _seed_dossiers(demo)


def _seed_plan(demo: Demo) -> None:
    """A plan issued most of a year ago: its tasks fell due month after month and ended every way."""
    plan = create_directive(demo.office, number=PLAN_NUMBER, issued_on=demo.days_ago(PLAN_ISSUED_DAYS_AGO),
                            issuer=demo.issuer, subject=PLAN_SUBJECT, signer="Trần Văn Hùng", kind="ke_hoach")
    span = PLAN_ISSUED_DAYS_AGO - 40
    for index, (title, lead, coordinating) in enumerate(PLAN_TASKS):
        deadline = demo.days_ago(PLAN_ISSUED_DAYS_AGO - 30 - span * index // len(PLAN_TASKS))
        task = create_task(plan, demo.office, title=title, section=f"II.{index + 1}",
                           content=f"{title}; báo cáo kết quả về UBND tỉnh (qua Văn phòng UBND tỉnh).",
                           lead_unit_id=demo.units[lead].id,
                           coordinating_unit_ids=[demo.units[code].id for code in coordinating],
                           deadline=deadline, leader_id=demo.leader.id)
        outcome = PLAN_OUTCOMES[index % len(PLAN_OUTCOMES)]
        play_task(task, outcome, demo.reporter(task.lead_unit_id), demo.office, demo.day)
    dropped = create_task(plan, demo.office, title="Xây dựng phần mềm một cửa riêng của Sở",
                          section="II.26", lead_unit_id=demo.units["VHTT"].id,
                          deadline=demo.days_ago(60))
    withdraw_task(dropped, demo.office, note="Thu hồi: tỉnh đã triển khai hệ thống thông tin giải quyết TTHC "
                                                 "dùng chung, không đầu tư phần mềm riêng.")


def _seed_commune_group(demo: Demo) -> None:
    """One instruction to every commune, tracked commune by commune."""
    directive = create_directive(demo.office, number="287/UBND-VP", issued_on=demo.days_ago(40),
                                 issuer=demo.issuer, subject="V/v rà soát, niêm yết công khai thủ tục hành "
                                 "chính tại Bộ phận Một cửa cấp xã", signer="Lê Minh Tuấn", kind="cong_van")
    _group, tasks = create_task_group(directive, demo.office, unit_kind="commune", title=GROUP_TITLE,
                                      content="Rà soát, niêm yết đầy đủ, đúng quy định các thủ tục hành chính "
                                              "thuộc thẩm quyền cấp xã; báo cáo kết quả về UBND tỉnh.",
                                      section="1", deadline=demo.days_ago(5))
    for index, task in enumerate(tasks):
        outcome = GROUP_OUTCOMES[index % len(GROUP_OUTCOMES)]
        play_task(task, outcome, demo.reporter(task.lead_unit_id), demo.office, demo.day)


def _seed_recurring(demo: Demo, directive: Directive) -> None:
    """Recurring reports: past occurrences reported and confirmed (one late), the latest one left open."""
    for section, title, content, lead, rule in RECURRING:
        task = create_task(directive, demo.office, title=title, content=content, section=section,
                           lead_unit_id=demo.units[lead].id, recurrence=rule)
        reporter = demo.reporter(task.lead_unit_id)
        past = occurrences_due_before(task.id, demo.day)
        # The latest past occurrence stays unreported: it is what the unit is late on today.
        for index, occurrence in enumerate(past[:-1]):
            late = index == 1
            completed_on = occurrence.due_on + dt.timedelta(days=2 if late else 0)
            report_occurrence(occurrence, reporter, progress_percent=None, note="Đã gửi báo cáo kỳ này.",
                              report_completed=True, completed_on=min(completed_on, demo.day))
            review_occurrence(occurrence, demo.office, decision="approve", note="Đã nhận báo cáo.")


def _open_task(demo: Demo, title: str) -> Task:
    task = first_task_titled(title)
    if task is None:
        raise LookupError(title)
    return task


def _seed_extensions_and_milestones(demo: Demo) -> None:
    """One extension approved (an overdue task back in time), one rejected, one waiting; a progress table."""
    approved = _open_task(demo, "Kiểm tra, rà soát và đẩy mạnh cấp bản sao chứng thực điện tử từ bản chính")
    request = request_extension(approved, demo.reporter(approved.lead_unit_id),
                                new_deadline=demo.day + dt.timedelta(days=20),
                                reason="Chờ Sở Tư pháp nâng cấp phần mềm chứng thực điện tử.")
    decide_extension(request, demo.leader, decision="approve", note="Đồng ý gia hạn, không gia hạn thêm.")

    waiting = _open_task(demo, "Tham mưu dự toán kinh phí tuyên truyền cải cách hành chính")
    request_extension(waiting, demo.reporter(waiting.lead_unit_id),
                      new_deadline=demo.day + dt.timedelta(days=15),
                      reason="Chờ Sở Tài chính thẩm định nguồn kinh phí.")

    refused = _open_task(demo, "Gửi Phiếu xin lỗi và hẹn lại ngày trả kết quả đối với hồ sơ trễ hạn")
    request = request_extension(refused, demo.reporter(refused.lead_unit_id),
                                new_deadline=demo.day + dt.timedelta(days=30), reason="Thiếu công chức một cửa.")
    decide_extension(request, demo.office, decision="reject",
                     note="Không gia hạn: phiếu xin lỗi phải gửi ngay khi hồ sơ trễ hạn.")

    long_task = _open_task(demo, "Ứng dụng chuyển đổi số vào hoạt động của Tổ công nghệ số cộng đồng")
    manager = demo.reporter(long_task.lead_unit_id)
    steps = [("Khảo sát hiện trạng ứng dụng công nghệ số tại các thôn", -20, -21),
             ("Xây dựng tài liệu hướng dẫn dịch vụ công trực tuyến", -10, -8),
             ("Tập huấn Tổ công nghệ số cộng đồng các xã", 1, None),
             ("Tổng kết, báo cáo UBND tỉnh", 3, None)]
    for step, due, done in steps:
        add_milestone(long_task, manager, step=step, due_on=demo.day + dt.timedelta(days=due),
                      done_on=None if done is None else demo.day + dt.timedelta(days=done))


# Issued two days before the demo's day: what the units' home pages list as "Mới được giao".
FRESH_NUMBER = "312/UBND-VP"
FRESH_SUBJECT = ("V/v triển khai các giải pháp nâng cao Chỉ số hài lòng của người dân đối với sự phục vụ của cơ "
                 "quan hành chính")
FRESH_TASKS = [  # (section, title, lead, coordinating, days to the deadline)
    ("1", "Tổ chức khảo sát mức độ hài lòng của người dân tại Bộ phận Một cửa", "TP", ["VHTT"], 25),
    ("2", "Niêm yết số điện thoại đường dây nóng tiếp nhận phản ánh tại trụ sở UBND xã", "21040", [], 10),
    ("3", "Tuyên truyền kết quả khảo sát trên Cổng thông tin điện tử tỉnh", "VHTT", ["TP"], 30),
]
RETURNED_TITLE = "Triển khai tiếp nhận hồ sơ bảo trợ xã hội trực tuyến"
RETURNED_NOTE = ("Đề nghị bổ sung số hồ sơ bảo trợ xã hội đã tiếp nhận trực tuyến của từng xã, phường rồi báo cáo "
                 "lại.")


def _seed_returned_report(demo: Demo) -> None:
    """A completion report the office sent back for more figures: the unit has it to do again."""
    task = first_task_titled(RETURNED_TITLE)
    if task is None:
        raise LookupError(RETURNED_TITLE)
    review_task(task, demo.office, decision="return", note=RETURNED_NOTE)


def _seed_fresh_directive(demo: Demo) -> None:
    directive = create_directive(demo.office, number=FRESH_NUMBER, issued_on=demo.days_ago(2),
                                 issuer=demo.issuer, subject=FRESH_SUBJECT, signer="Lê Minh Tuấn",
                                 kind="cong_van")
    for section, title, lead, coordinating, days in FRESH_TASKS:
        create_task(directive, demo.office, title=title, section=section, lead_unit_id=demo.units[lead].id,
                    coordinating_unit_ids=[demo.units[code].id for code in coordinating],
                    deadline=demo.day + dt.timedelta(days=days), leader_id=demo.leader.id)


def date_tasks_from_their_directives() -> None:
    """Give each demo task the creation time it would have had: the office enters tasks on the day their
    directive is issued (seed 002), at 08:00 in Vietnam, and the unit's manager hands them to an officer that
    day. Loaded today, they would all look newly given."""
    db.session.flush()
    for directive_id, issued_on in db.session.execute(sa.select(Directive.id, Directive.issued_on)).all():
        entered = dt.datetime.combine(issued_on, dt.time(8), tzinfo=VIETNAM).astimezone(dt.UTC)
        of_directive = directive_task_ids(directive_id)
        # Units acknowledged (tiếp nhận) what they were given more than a week ago; the fresh ones wait for them.
        old = issued_on < today() - dt.timedelta(days=7)
        date_directive_tasks(directive_id, entered, acknowledged=old)
        backdate_assignments(of_directive, entered)
        # "Được giao" was said when the task was given; a week later it had long been read.
        db.session.execute(sa.update(Notification).where(Notification.task_id.in_(of_directive),
                                                         Notification.kind == ASSIGNED)
                           .values(created_at=entered, read_at=entered if old else None),
                           execution_options={"synchronize_session": False})
    # What was said about tasks long finished or withdrawn was read at the time.
    closed = closed_task_ids()
    db.session.execute(sa.update(Notification).where(Notification.task_id.in_(closed),
                                                     Notification.kind.in_(EVENT_KINDS))
                       .values(read_at=utcnow()), execution_options={"synchronize_session": False})
    db.session.expire_all()


def _seed_dossiers(demo: Demo) -> None:
    """Three months of dossiers imported the way the province's export arrives; some late, some letters sent."""
    calendar = current_calendar()
    first_month = demo.day.replace(day=1)
    for _ in range(DOSSIER_MONTHS):
        first_month = (first_month - dt.timedelta(days=1)).replace(day=1)
    header = ["Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Đơn vị xử lý", "Người nộp hồ sơ", "Ngày tiếp nhận",
              "Ngày hẹn trả", "Ngày trả kết quả", "Hình thức nộp", "Thanh toán trực tuyến", "Số hóa"]
    rows = []
    for unit_index, (code, per_month, late_every) in enumerate(DOSSIER_UNITS):
        for month in range(DOSSIER_MONTHS + 1):
            start = _add_months(first_month, month)
            for n in range(per_month):
                received = calendar.add_working_days(start, n % 18)
                if received >= demo.day:
                    continue
                serial = len(rows)
                procedure, field = PROCEDURES[(serial + unit_index) % len(PROCEDURES)]
                due = calendar.add_working_days(received, 3 + serial % 5)
                # The repeat-late units are late every month; one unit only in the oldest month.
                late = late_every and n % late_every == 1 and (code != "21172" or month == 0)
                resolved = calendar.add_working_days(due, 2) if late else calendar.add_working_days(received, 2)
                if resolved >= demo.day:
                    resolved = None  # still being handled (and overdue when its due date has passed)
                rows.append([f"{code}-{start:%y%m}-{n + 1:03d}", procedure, field, code,
                             APPLICANTS[serial % len(APPLICANTS)], f"{received:%d/%m/%Y}", f"{due:%d/%m/%Y}",
                             f"{resolved:%d/%m/%Y}" if resolved else "",
                             ["Trực tuyến", "Trực tiếp", "Bưu chính công ích"][serial % 3],
                             "Có" if serial % 4 == 0 else "Không", "Có" if serial % 5 else "Không"])
    with tempfile.TemporaryDirectory(prefix="kpi-demo-") as folder:
        path = Path(folder) / "ho-so-tthc.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        import_dossiers(path, demo.office, file_name="ho-so-tthc-3-thang.csv", today=demo.day)
    _record_some_letters(demo)


def _record_some_letters(demo: Demo) -> None:
    """Most units sent their letters in time; one sent a letter after its due day; the rest are pending."""
    letters = db.session.execute(
        sa.select(ApologyLetter, Dossier).join(Dossier, Dossier.id == ApologyLetter.dossier_id)
        .order_by(ApologyLetter.due_by, ApologyLetter.id)).all()
    for index, (letter, dossier) in enumerate(letters):
        if dossier.unit_id == demo.units["TP"].id or index % 3 == 2:
            continue  # pending: the unit has not recorded its letter yet
        issued_on = letter.due_by + dt.timedelta(days=1) if index % 7 == 0 else letter.due_by
        if issued_on > demo.day:
            continue
        record_apology_letter(letter, demo.reporter(dossier.unit_id), issued_on=issued_on,
                              new_appointment_on=issued_on + dt.timedelta(days=5),
                              reason="Hồ sơ cần xác minh thêm thông tin với cơ quan liên quan.",
                              signer="Thủ trưởng cơ quan", today=demo.day)


def _add_months(first_day: dt.date, months: int) -> dt.date:
    index = first_day.month - 1 + months
    return first_day.replace(year=first_day.year + index // 12, month=index % 12 + 1)
