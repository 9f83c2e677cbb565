"""Shared set-up of the intake tests: a directive written for them, the district the seeds were written for, the seed
files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kpi_tasks.accounts.models import User
from kpi_tasks.clock import today
from kpi_tasks.demo.kpis import seed_kpis
from kpi_tasks.demo.seed import DEMO_PASSWORD
from kpi_tasks.units.models import Unit
from kpi_tasks.units.services import create_unit
from kpi_tasks.users.services import create_user

REPO = Path(__file__).resolve().parents[2]
# Where the shared directory (the seed directives, their gold answers and the scorer) lives on the machines
# this project is built on; a fresh clone elsewhere finds it through KPI_TASKS_SHARED_DIR.
_DEFAULT_SHARED = Path("/work/shared")


def shared_dir_candidates() -> list[Path]:
    """Where to look for the shared directory, which lives outside the repository: KPI_TASKS_SHARED_DIR
    when set (and only there), else `shared` beside the checkout or beside any directory above it (a CI
    clone nested deeper under the same root), else /work/shared."""
    if configured := os.environ.get("KPI_TASKS_SHARED_DIR"):
        return [Path(configured)]
    return [parent / "shared" for parent in REPO.parents] + [_DEFAULT_SHARED]


def find_shared_dir() -> Path | None:
    """The first candidate holding the seeds and the intake gold answers and scorer."""
    for candidate in shared_dir_candidates():
        if (candidate / "seeds").is_dir() and (candidate / "intake" / "score.py").is_file():
            return candidate
    return None


SHARED = find_shared_dir()
SHARED_NOT_FOUND = (
    "the seeds, gold answers and scorer live outside the repository and were not found in "
    + ", ".join(str(path) for path in shared_dir_candidates())
    + " (set KPI_TASKS_SHARED_DIR)"
)
SEEDS = SHARED / "seeds" if SHARED else REPO / "missing-shared-dir" / "seeds"
SEED_002 = SEEDS / "002_3cfa09f7ef27d9c3.txt"
needs_seed_002 = pytest.mark.skipif(not SEED_002.is_file(), reason=SHARED_NOT_FOUND)

# A directive in the demo district's words (its units, a commune group, a unit it does not have), with one
# deadline of each kind: a date, a weekly duty, the end of a quarter, working days, a monthly duty.
DIRECTIVE = """\
ỦY BAN NHÂN DÂN
HUYỆN THỬ NGHIỆM

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 88/UBND-VP
Thử Nghiệm, ngày 02 tháng 3 năm 2026
V/v triển khai nhiệm vụ cải cách hành chính quý II năm 2026

Kính gửi:
- Các phòng, ban thuộc huyện;
- UBND các xã, thị trấn.

Chủ tịch UBND huyện yêu cầu Thủ trưởng các cơ quan, đơn vị thực hiện các nội dung sau:

1. Giao Phòng Tư pháp chủ trì, phối hợp Phòng Nội vụ rà soát các thủ tục hành chính thuộc thẩm quyền,
hoàn thành trước ngày 30/4/2026.
2. UBND các xã, thị trấn cập nhật kết quả giải quyết hồ sơ lên hệ thống định kỳ vào ngày thứ 6 hàng tuần.
3. Giao Phòng Văn hóa và Thông tin tổ chức tập huấn chuyển đổi số cho cán bộ, công chức trong quý II/2026;
bảo đảm tỷ lệ cán bộ được tập huấn đạt tối thiểu 80%.
4. Giao Ban Quản lý chợ huyện báo cáo tình hình kinh doanh trong 10 ngày làm việc.
5. Văn phòng HĐND và UBND huyện theo dõi, tổng hợp kết quả thực hiện, báo cáo Chủ tịch UBND huyện hàng tháng.

Nơi nhận:
- Như trên;
- Lưu: VT.
"""


# The units of the district the seeds were written for (UBND huyện Bình Sơn before 1 July 2025), under the names
# the seeds use: the intake is tested on the documents as they were issued. (The product's demo is a province.)
DISTRICT_DEPARTMENTS = [
    ("VP", "Văn phòng HĐND và UBND huyện"),
    ("NV", "Phòng Nội vụ"),
    ("TP", "Phòng Tư pháp"),
    ("TCKH", "Phòng Tài chính - Kế hoạch"),
    ("VHTT", "Phòng Văn hóa và Thông tin"),
    ("KTHT", "Phòng Kinh tế và Hạ tầng"),
    ("TNMT", "Phòng Tài nguyên và Môi trường"),
    ("GDDT", "Phòng Giáo dục và Đào tạo"),
    ("YT", "Phòng Y tế"),
    ("LDTBXH", "Phòng Lao động - Thương binh và Xã hội"),
    ("NNPTNT", "Phòng Nông nghiệp và Phát triển nông thôn"),
    ("TTR", "Thanh tra huyện"),
]
DISTRICT_COMMUNES = [
    ("CHAUO", "UBND thị trấn Châu Ổ"),
    ("BTHANH", "UBND xã Bình Thạnh"),
    ("BCHANH", "UBND xã Bình Chánh"),
    ("BDUONG", "UBND xã Bình Dương"),
    ("BDONG", "UBND xã Bình Đông"),
    ("BTRI", "UBND xã Bình Trị"),
    ("BHAI", "UBND xã Bình Hải"),
    ("BHOA", "UBND xã Bình Hòa"),
    ("BPHUOC", "UBND xã Bình Phước"),
    ("BTRUNG", "UBND xã Bình Trung"),
]
DISTRICT_OTHER_UNITS = [
    ("MOTCUA", "Bộ phận Một cửa huyện"),
    ("CNDKDD", "Chi nhánh Văn phòng Đăng ký đất đai huyện"),
    ("DOAN", "Đoàn TNCS Hồ Chí Minh huyện"),
    ("BUUDIEN", "Bưu điện huyện"),
]



def demo_district() -> tuple[User, dict[str, Unit]]:
    """The seeds' district: its units, its office clerk (`vanphong`) and the demo's KPIs with their targets."""
    units = {}
    for kind, rows in (("department", DISTRICT_DEPARTMENTS), ("commune", DISTRICT_COMMUNES),
                       ("other", DISTRICT_OTHER_UNITS)):
        for code, name in rows:
            units[code] = create_unit(code, name, kind)
    office = create_user("vanphong", "office", DEMO_PASSWORD, unit_code="VP", full_name="Nguyễn Thị Lan",
                         check_strength=False)
    seed_kpis(units, office, today())
    return office, units
