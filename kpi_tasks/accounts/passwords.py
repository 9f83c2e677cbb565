"""Password policy for new and changed passwords: a length, and no common or guessable password.

Two checks, as NIST SP 800-63B asks (a length and a list of passwords known to be used, no composition
rules): zxcvbn (Dropbox's estimator: common and breached passwords, names, keyboard walks, dates, l33t) for
what it knows, and a list written for this product (`common_passwords.txt`) for the Vietnamese words zxcvbn
does not know ("matkhau123", "Ubnd@2026", "anhyeuem"). Existing passwords keep working: the policy applies
when a password is set.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from zxcvbn import zxcvbn

from kpi_tasks.text import fold

MIN_LENGTH = 8
MAX_LENGTH = 200
# zxcvbn's score 0–4; 2 means more than 10^8 guesses: beyond an online attacker, who is throttled anyway.
MIN_SCORE = 2
# Words every account of this product shares, which an attacker tries first.
PRODUCT_WORDS = ("ubnd", "kpi", "nhiemvu", "vanphong", "theodoinhiemvu", "hdnd")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_OUTER_DIGITS = re.compile(r"^\d+|\d+$")
ADVICE = ("Hãy dùng một cụm 3–4 từ dễ nhớ với bạn nhưng khó đoán, không dùng tên đăng nhập, họ tên, tên cơ quan "
          "hay dãy số.")


@functools.cache
def _common_cores() -> frozenset[str]:
    lines = (Path(__file__).with_name("common_passwords.txt").read_text(encoding="utf-8").splitlines())
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _folded(text: str) -> str:
    return _NOT_ALNUM.sub("", fold(text).lower())


def password_problem(password: str, username: str = "", full_name: str = "") -> str | None:
    """What is wrong with `password` as a new password for this user, in Vietnamese; None when it is fine."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự."
    if len(password) > MAX_LENGTH:
        return f"Mật khẩu dài tối đa {MAX_LENGTH} ký tự."
    folded = _folded(password)
    login = _folded(username)
    if len(login) >= 3 and login in folded:
        return "Mật khẩu không được chứa tên đăng nhập. " + ADVICE
    core = _OUTER_DIGITS.sub("", folded)
    if len(core) < 4 or core in _common_cores() or folded in _common_cores():
        return "Mật khẩu quá phổ biến, thường bị dò đầu tiên. " + ADVICE
    hints = [username, *(full_name or "").split(), *PRODUCT_WORDS]
    if zxcvbn(password[:100], user_inputs=[hint for hint in hints if hint])["score"] < MIN_SCORE:
        return "Mật khẩu quá dễ đoán. " + ADVICE
    return None
