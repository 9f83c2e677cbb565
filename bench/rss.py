"""Peak resident memory of a command, measured so that the figure is the command's own.

On Linux a process's peak (ru_maxrss) is not only its own: at exec it takes over the high-water mark of the
memory it replaces, i.e. that of the process that forked it. A child of a bench process that has just
generated 100,000 tasks reports at least that process's peak however little it uses itself (the export's
"bare app" figure then grew with the data set). So the command is started by a small launcher, this module
run as a script, which forks it, waits for it with wait4 and writes its ru_maxrss to a file: the command then
inherits only the launcher's few MiB.

    run([sys.executable, "script.py", ...]) -> Measured(returncode, stdout, stderr, peak_rss)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    peak_rss: int  # bytes

    def check(self, what: str) -> Measured:
        if self.returncode != 0:
            raise RuntimeError(f"{what} failed ({self.returncode}):\n{self.stderr[-4000:]}")
        return self


def run(command: list[str], cwd: Path = ROOT) -> Measured:
    """Run `command` to its end through the launcher; its output is captured, its peak RSS measured."""
    with tempfile.TemporaryDirectory(prefix="kpi-rss-") as scratch:
        figure = Path(scratch) / "peak"
        result = subprocess.run(  # noqa: S603 - this interpreter, this module, our own command
            [sys.executable, __file__, str(figure), *command], capture_output=True, text=True, check=False, cwd=cwd,
        )
        peak = int(figure.read_text()) if figure.exists() else 0
    return Measured(result.returncode, result.stdout, result.stderr, peak)


def _launch(figure: Path, command: list[str]) -> int:
    process = subprocess.Popen(command)  # noqa: S603 - the caller's command
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    figure.write_text(str(usage.ru_maxrss * 1024))  # KiB on Linux
    return process.returncode


if __name__ == "__main__":
    sys.exit(_launch(Path(sys.argv[1]), sys.argv[2:]))
