"""PDF renditions of the Word and Excel documents, by LibreOffice headless (an optional dependency: Debian's
libreoffice-writer and libreoffice-calc, with fonts-liberation2 for Vietnamese).

LibreOffice refuses to run twice on one user profile, so each process converts with a profile of its own in
a temporary folder, one conversion at a time (a lock); parallel processes never share a profile. Many files
go through one start of LibreOffice, which is most of the time a conversion takes.

Numbers and dates print the Vietnamese way (1.234.567; 65,54%; 09/03/2026) on any machine: a spreadsheet's
formats ("#,##0", "0.00%", Excel's short date) carry no locale, so LibreOffice fills in the separators from its
"locale setting", which defaults to the environment's (en-US on most servers: "1,234", "100.00%", "3/9/2026").
The profile is written with that setting (ooSetupSystemLocale) before LibreOffice first starts on it; the setting
wins over LANG/LC_ALL, and needs no vi_VN locale generated on the machine.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from kpi_tasks.errors import DomainError

PDF_MIME = "application/pdf"
DEFAULT_TIMEOUT_SECONDS = 120
_lock = threading.Lock()
_profile: Path | None = None
LOCALE = "vi-VN"
# The profile's one setting: LibreOffice's Tools ▸ Options ▸ Language Settings ▸ Locale setting.
_SETTINGS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<oor:items xmlns:oor="http://openoffice.org/2001/registry">\n'
    '<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">'
    f"<value>{LOCALE}</value></prop></item>\n"
    "</oor:items>\n"
)


class PdfUnavailable(DomainError):
    """No PDF can be made here (LibreOffice missing or failing); the Word or Excel file still can."""

    http_status = 503
    code = "pdf_unavailable"


NOT_INSTALLED = ("Máy chủ chưa cài LibreOffice nên chưa tạo được bản PDF. Hãy tải bản Word/Excel và in ra PDF, "
                 "hoặc đề nghị quản trị hệ thống cài libreoffice-writer, libreoffice-calc và fonts-liberation2.")


def soffice() -> str | None:
    """The LibreOffice program, or None where it is not installed."""
    return os.environ.get("KPI_TASKS_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")


def _profile_folder() -> Path:
    global _profile
    if _profile is None:
        _profile = Path(tempfile.mkdtemp(prefix="kpi-tasks-libreoffice-"))
        atexit.register(shutil.rmtree, _profile, True)
        settings = _profile / "user" / "registrymodifications.xcu"
        settings.parent.mkdir()
        settings.write_text(_SETTINGS, encoding="utf-8")
    return _profile


def convert_files(sources: list[Path], outdir: Path, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> list[Path]:
    """Convert .docx/.xlsx files to PDF in one run of LibreOffice; returns the PDFs, in the sources' order."""
    if len({source.stem for source in sources}) < len(sources):
        raise ValueError("Two sources of one name would write the same PDF.")
    program = soffice()
    if program is None:
        raise PdfUnavailable(NOT_INSTALLED)
    with _lock:
        command = [program, f"-env:UserInstallation={_profile_folder().as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(outdir), *map(str, sources)]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=timeout)  # noqa: S603 - fixed program
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable(f"LibreOffice không tạo xong bản PDF trong {timeout:.0f} giây; hãy thử lại sau "
                                 "hoặc tải bản Word/Excel.") from exc
        except (subprocess.CalledProcessError, OSError) as exc:
            raise PdfUnavailable("LibreOffice không tạo được bản PDF của tệp này; hãy tải bản Word/Excel.") from exc
    results = [outdir / (source.stem + ".pdf") for source in sources]
    missing = [path.name for path in results if not path.exists()]
    if missing:
        raise PdfUnavailable("LibreOffice không tạo được bản PDF của tệp này; hãy tải bản Word/Excel.")
    return results


def to_pdf(data: bytes, suffix: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> bytes:
    """The PDF of one document given as bytes (`suffix` ".docx" or ".xlsx")."""
    with tempfile.TemporaryDirectory(prefix="kpi-tasks-pdf-") as folder:
        source = Path(folder) / f"document{suffix}"
        source.write_bytes(data)
        (pdf,) = convert_files([source], Path(folder) / "out", timeout)
        return pdf.read_bytes()
