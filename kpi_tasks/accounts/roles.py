from __future__ import annotations

ADMIN = "admin"
OFFICE = "office"
LEADER = "leader"
UNIT_MANAGER = "unit_manager"
UNIT_STAFF = "unit_staff"
INTERIOR = "interior"
VIEWER = "viewer"

ROLES = (ADMIN, OFFICE, LEADER, UNIT_MANAGER, UNIT_STAFF, INTERIOR, VIEWER)
ROLE_LABELS = {
    ADMIN: "Quản trị hệ thống",
    OFFICE: "Văn phòng HĐND và UBND",
    LEADER: "Lãnh đạo UBND",
    UNIT_MANAGER: "Lãnh đạo đơn vị",
    UNIT_STAFF: "Chuyên viên đơn vị",
    INTERIOR: "Phòng Nội vụ",
    VIEWER: "Xem (thanh tra, kiểm tra)",
}
# Roles that see every task of every unit.
SEE_ALL_ROLES = frozenset({ADMIN, OFFICE, LEADER, INTERIOR, VIEWER})
UNIT_ROLES = frozenset({UNIT_MANAGER, UNIT_STAFF})
