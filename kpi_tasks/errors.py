"""Domain errors raised by services; views and the API translate them to pages and JSON."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the action. `message` is Vietnamese and shown to the user."""

    http_status = 422
    code = "invalid"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationError(DomainError):
    http_status = 422
    code = "invalid"


class MalformedError(DomainError):
    http_status = 400
    code = "malformed"


class ConflictError(DomainError):
    http_status = 409
    code = "conflict"


class PermissionDenied(DomainError):
    http_status = 403
    code = "forbidden"

    def __init__(self, message: str = "Bạn không có quyền thực hiện thao tác này.") -> None:
        super().__init__(message)


class NotFound(DomainError):
    http_status = 404
    code = "not_found"

    def __init__(self, message: str = "Không tìm thấy dữ liệu hoặc bạn không có quyền xem.") -> None:
        super().__init__(message)
