"""Small checks shared by services; each collects Vietnamese messages per field."""

from __future__ import annotations

MAX_TEXT_LENGTH = 20_000
MAX_LINE_LENGTH = 500


def check_text(
    errors: dict[str, str],
    field: str,
    value: str | None,
    label: str,
    *,
    required: bool = False,
    max_length: int = MAX_LINE_LENGTH,
) -> str:
    """Strip `value`, record an error for `field` if it is missing or too long, return the cleaned text."""
    cleaned = (value or "").strip()
    if required and not cleaned:
        errors[field] = f"Chưa nhập {label}."
    elif len(cleaned) > max_length:
        errors[field] = f"{label.capitalize()} dài tối đa {max_length:,} ký tự (đã nhập {len(cleaned):,}).".replace(
            ",", "."
        )
    return cleaned
