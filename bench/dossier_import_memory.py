"""Peak memory of importing a province's year of dossiers (300,000 rows) in one go.

    .venv/bin/python bench/dossier_import_memory.py                      # 300,000 rows, .xlsx, SQLite
    .venv/bin/python bench/dossier_import_memory.py --format csv --rows 300000
    .venv/bin/python bench/dossier_import_memory.py --database-url postgresql+psycopg://postgres@127.0.0.1/kpi_dossier_bench

The file is generated first (streamed, openpyxl write-only or the csv module) in this process. The import
then runs in a fresh child process — migrated database, 250 units, the same service the page, the API and
`kpi-tasks import-dossiers` call — which reports its own peak resident set size (resource.getrusage
ru_maxrss) before and after, so the figure is the import's and not the generator's. The same file is
imported a second time to show that nothing changes. The issue's bound: the peak stays under 500 MB.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import rss  # noqa: E402

TODAY = dt.date(2026, 3, 16)
UNITS = 250
LIMIT_MB = 500
HEADERS = ["STT", "Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Cơ quan giải quyết", "Người nộp", "Ngày tiếp nhận",
           "Ngày hẹn trả", "Ngày trả kết quả", "Hình thức nộp", "Thanh toán trực tuyến", "Số hóa"]
PROCEDURES = [
    ("Chứng thực bản sao từ bản chính", "Chứng thực"), ("Đăng ký khai sinh", "Hộ tịch"),
    ("Đăng ký kết hôn", "Hộ tịch"), ("Cấp Giấy chứng nhận quyền sử dụng đất lần đầu", "Đất đai"),
    ("Đăng ký biến động quyền sử dụng đất", "Đất đai"), ("Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng"),
    ("Đăng ký hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh"),
    ("Trợ cấp xã hội hằng tháng", "Bảo trợ xã hội"),
]
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Huỳnh Thị Giang"]


def unit_code(n: int) -> str:
    return f"DV{n:03d}"


def unit_name(n: int) -> str:
    return f"UBND xã Thử Nghiệm {n:03d}" if n % 3 else f"Phòng Chuyên môn Thử Nghiệm {n:03d}"


def generate_rows(count: int, seed: int = 2026):
    """A year of dossiers: 85 % resolved (a tenth of those late), the rest open, some of those overdue."""
    rng = random.Random(seed)  # noqa: S311 - repeatable test data, not secrets
    start = dt.date(2025, 3, 1)
    span = (TODAY - start).days
    for n in range(count):
        unit = n % UNITS
        received = start + dt.timedelta(days=rng.randrange(span))
        due = received + dt.timedelta(days=rng.choice((1, 3, 5, 7, 10, 15)))
        resolved: dt.date | None = None
        if rng.random() < 0.85:
            resolved = due - dt.timedelta(days=rng.randrange(3)) if rng.random() < 0.9 else \
                due + dt.timedelta(days=1 + rng.randrange(10))
            resolved = max(resolved, received)
            if resolved > TODAY:
                resolved = None
        procedure, field = PROCEDURES[n % len(PROCEDURES)]
        yield [
            n + 1, f"H{unit:03d}.{received:%y%m%d}-{n:07d}", procedure, field,
            unit_code(unit) if n % 2 else unit_name(unit), rng.choice(NAMES), received, due, resolved,
            rng.choice(("Trực tuyến", "Trực tiếp", "Bưu chính công ích")), rng.choice(("Có", "Không", "")),
            rng.choice(("Có", "Không")),
        ]


def write_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADERS)
        for values in generate_rows(count):
            out.writerow([value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else
                          ("" if value is None else value) for value in values])


def write_xlsx(path: Path, count: int) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách hồ sơ")
    sheet.append(["DANH SÁCH HỒ SƠ THỦ TỤC HÀNH CHÍNH"])
    sheet.append([])
    sheet.append(HEADERS)
    for values in generate_rows(count):
        sheet.append(values)
    workbook.save(path)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes


def child(file: Path, database_url: str, once: bool = False) -> None:
    """Run in a fresh process: migrate, create the units, import twice (once with `once`), print figures as
    JSON."""
    os.environ["KPI_TASKS_TODAY"] = TODAY.isoformat()
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from kpi_tasks import create_app
    from kpi_tasks.accounts.models import SYSTEM
    from kpi_tasks.dossiers.models import ApologyLetter, Dossier
    from kpi_tasks.dossiers.services import import_dossiers
    from kpi_tasks.extensions import db
    from kpi_tasks.units.services import create_unit

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "DB_STATEMENT_TIMEOUT": 0})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        for n in range(UNITS):
            create_unit(unit_code(n), unit_name(n), "commune" if n % 3 else "department")
        db.session.commit()
        result = {"database": db.engine.dialect.name, "baseline_mb": peak_mb()}
        for attempt in ("first",) if once else ("first", "second"):
            started = time.perf_counter()
            outcome = import_dossiers(file, SYSTEM, file_name=file.name)
            db.session.commit()
            db.session.expunge_all()
            result[attempt] = {
                "seconds": round(time.perf_counter() - started, 1), "imported": outcome.imported,
                "created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged,
                "obligations_created": outcome.obligations_created, "measurements": outcome.measurements,
                "peak_mb": round(peak_mb(), 1),
            }
        result["pages"] = time_lists(app)
        result["dossiers"] = db.session.scalar(sa.select(sa.func.count()).select_from(Dossier))
        result["obligations"] = db.session.scalar(sa.select(sa.func.count()).select_from(ApologyLetter))
    print(json.dumps(result))


def time_lists(app) -> dict[str, float]:
    """Seconds of the office's pages over the imported year, through the test client (whole request)."""
    from kpi_tasks.extensions import db
    from kpi_tasks.users.services import create_user

    create_user("bench.office", "office", "bench-cau-tre-qua-song")
    db.session.commit()
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"username": "bench.office", "password": "bench-cau-tre-qua-song", "csrf_token": token})
    timings = {}
    for label, path in (("dossiers, page 1", "/dossiers/"), ("dossiers, page 100", "/dossiers/?page=100"),
                        ("overdue dossiers", "/dossiers/?status=overdue"),
                        ("apology letters by unit", "/dossiers/apology-letters"),
                        ("repeat offenders 2025", "/dossiers/repeat-offenders?year=2025")):
        started = time.perf_counter()
        response = client.get(path)
        timings[label] = round(time.perf_counter() - started, 2)
        assert response.status_code == 200, (path, response.status_code)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)  # the child imports only once
    args = parser.parse_args()
    if args.child:
        child(args.child, args.database_url, once=args.once)
        return 0

    with tempfile.TemporaryDirectory(prefix="dossier-bench-") as folder:
        path = Path(folder) / f"ho-so-{args.rows}.{args.format}"
        started = time.perf_counter()
        (write_xlsx if args.format == "xlsx" else write_csv)(path, args.rows)
        generated = time.perf_counter() - started
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        # Through bench/rss.py: a direct child would start from this process's peak (see there).
        run = rss.run([sys.executable, __file__, "--child", str(path), "--database-url", url])
        if run.returncode != 0:
            print(run.stderr, file=sys.stderr)
            return run.returncode
        result = json.loads(run.stdout.strip().splitlines()[-1])
        size_mb = path.stat().st_size / 1024 / 1024
    first, second = result["first"], result["second"]
    print(f"{args.rows:,} rows, .{args.format} of {size_mb:.1f} MB (generated in {generated:.0f} s), "
          f"{result['database']}")
    print(f"  process after start-up and migration: {result['baseline_mb']:.0f} MB peak RSS")
    for label, figures in (("first import", first), ("second import (same file)", second)):
        print(f"  {label}: {figures['seconds']} s, peak RSS {figures['peak_mb']:.0f} MB; "
              f"{figures['created']:,} new, {figures['updated']:,} updated, {figures['unchanged']:,} unchanged, "
              f"{figures['obligations_created']:,} obligations, {figures['measurements']:,} KPI figures")
    print(f"  in the database: {result['dossiers']:,} dossiers, {result['obligations']:,} obligations")
    print(f"  the import process's peak RSS over its whole life (wait4): {run.peak_rss / 2**20:.0f} MB")
    print("  pages (s): " + ", ".join(f"{label} {seconds}" for label, seconds in result["pages"].items()))
    ok = max(first["peak_mb"], second["peak_mb"]) < LIMIT_MB and result["dossiers"] == args.rows
    print(f"  peak under {LIMIT_MB} MB: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
