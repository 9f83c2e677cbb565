"""Demo content. The directives are the three real directives this product was designed from,
re-dated relative to today so that every status occurs on any day the demo is loaded.

Units without a named account below get a manager `<code>.lanhdao` (see seed.py), so that every unit
reports its own work in the demo's history."""

from __future__ import annotations

# The committee the demo plays: a province of the two-tier administration (since 1 July 2025). Its document
# identity is what every document of the demo prints (documents/identity.py).
COMMITTEE = "UBND tỉnh Quảng Ngãi"
IDENTITY = {
    "issuing_body": "Ủy ban nhân dân tỉnh Quảng Ngãi",
    "issuing_body_short": "UBND tỉnh Quảng Ngãi",
    "superior_body": "",
    "place_name": "Quảng Ngãi",
    "office_name": "Văn phòng UBND tỉnh",
    "office_header": "Văn phòng",
    "committee_symbol": "UBND",
    "office_symbol": "VP",
}
SIGNERS = {
    "monthly_report": {"authority": "", "title": "Chánh Văn phòng", "name": "Võ Thanh Bình",
                       "recipients": "Các Phó Chủ tịch UBND tỉnh\nLãnh đạo Văn phòng"},
    "unit_report": {"authority": "", "title": "Thủ trưởng đơn vị", "name": "",
                    "recipients": "Văn phòng UBND tỉnh (để tổng hợp)"},
    "apology_letter": {"authority": "", "title": "Thủ trưởng cơ quan, đơn vị", "name": "", "recipients": ""},
}

DEPARTMENTS = [
    ("VP", "Văn phòng UBND tỉnh"),
    ("NV", "Sở Nội vụ"),
    ("TP", "Sở Tư pháp"),
    ("TCKH", "Sở Tài chính"),
    ("VHTT", "Sở Văn hóa, Thể thao và Du lịch"),
    ("KTHT", "Sở Xây dựng"),
    ("TNMT", "Sở Nông nghiệp và Môi trường"),
    ("GDDT", "Sở Giáo dục và Đào tạo"),
    ("YT", "Sở Y tế"),
    ("LDTBXH", "Sở Khoa học và Công nghệ"),
    ("NNPTNT", "Sở Công Thương"),
    ("TTR", "Thanh tra tỉnh"),
]
# Ten of the province's communes and wards as the 2025 catalogue has them (official code, name), with the prefix of
# their demo logins (`<prefix>.lanhdao`); `kpi-tasks import-units --province "Quảng Ngãi"` finds them again.
COMMUNES = [
    ("21040", "Xã Bình Sơn", "binhson"),
    ("21061", "Xã Vạn Tường", "vantuong"),
    ("21100", "Xã Bình Chương", "binhchuong"),
    ("21109", "Xã Đông Sơn", "dongson"),
    ("21085", "Xã Bình Minh", "binhminh"),
    ("21211", "Xã Tịnh Khê", "tinhkhe"),
    ("21220", "Xã Sơn Tịnh", "sontinh"),
    ("21172", "Phường Trương Quang Trọng", "truongquangtrong"),
    ("21025", "Phường Cẩm Thành", "camthanh"),
    ("21548", "Đặc khu Lý Sơn", "lyson"),
]
OTHER_UNITS = [
    ("MOTCUA", "Trung tâm Phục vụ hành chính công tỉnh"),
    ("CNDKDD", "Văn phòng Đăng ký đất đai tỉnh"),
    ("DOAN", "Tỉnh Đoàn Quảng Ngãi"),
    ("BUUDIEN", "Bưu điện tỉnh Quảng Ngãi"),
]

# (username, full name, role, unit code or None)
USERS = [
    ("admin", "Quản trị hệ thống", "admin", None),
    ("vanphong", "Nguyễn Thị Lan (Văn phòng)", "office", "VP"),
    ("chutich", "Trần Văn Hùng (Chủ tịch UBND tỉnh)", "leader", None),
    ("phochutich", "Lê Minh Tuấn (Phó Chủ tịch UBND tỉnh)", "leader", None),
    ("noivu", "Phạm Thị Hoa (Sở Nội vụ)", "interior", "NV"),
    ("thanhtra", "Võ Văn Nam (Thanh tra tỉnh)", "viewer", None),
    ("vhtt.giamdoc", "Đỗ Quốc Bảo (Giám đốc Sở VH-TT-DL)", "unit_manager", "VHTT"),
    ("vhtt.chuyenvien", "Huỳnh Thị Mai (Chuyên viên Sở VH-TT-DL)", "unit_staff", "VHTT"),
    ("tuphap.giamdoc", "Ngô Văn Dũng (Giám đốc Sở Tư pháp)", "unit_manager", "TP"),
    ("xaydung.giamdoc", "Bùi Văn Sơn (Giám đốc Sở Xây dựng)", "unit_manager", "KTHT"),
    ("binhson.chutich", "Phan Văn Lực (Chủ tịch UBND xã Bình Sơn)", "unit_manager", "21040"),
    ("binhson.congchuc", "Đặng Thị Thu (Công chức Văn phòng - Thống kê xã Bình Sơn)", "unit_staff", "21040"),
    ("vantuong.chutich", "Lý Văn Phú (Chủ tịch UBND xã Vạn Tường)", "unit_manager", "21061"),
]

# Outcome codes used below: how the demo plays each task forward.
# in_progress / overdue / awaiting / done_on_time / done_late / ongoing.
# The recurring reports of 1035/UBND-TTHC (weekly, monthly, quarterly) are in story.py, with the rest of the year.
DIRECTIVES = [
    {
        "number": "452/UBND-KSTT",
        "kind": "cong_van",
        "issued_days_ago": 75,
        "signer": "Trần Văn Hùng",
        "subject": "V/v triển khai các nhiệm vụ theo Công văn số 1327/UBND-KSTT ngày 15/3/2021 của UBND tỉnh",
        "tasks": [
            ("1", "Kiểm tra, rà soát và đẩy mạnh cấp bản sao chứng thực điện tử từ bản chính",
             "Chỉ đạo việc kiểm tra, rà soát và có giải pháp đẩy mạnh cấp bản sao chứng thực điện tử từ bản "
             "chính, thanh toán trực tuyến nghĩa vụ tài chính về đất đai.", "TP", ["MOTCUA"], -12, "overdue"),
            ("2", "Sử dụng chữ ký số cá nhân phê duyệt hồ sơ, văn bản điện tử",
             "Bảo đảm tỷ lệ văn bản, hồ sơ công việc được xử lý trên môi trường mạng đạt tối thiểu 90% đối với "
             "cơ quan chuyên môn và 70% đối với UBND cấp xã.", "VP", [], None, "ongoing"),
            ("2", "Đẩy mạnh cung cấp dịch vụ công trực tuyến mức độ 3, 4",
             "Tỷ lệ hồ sơ trực tuyến mức độ 3, 4 trên tổng số hồ sơ đạt trên 50%.", "KTHT", ["VHTT"], -20,
             "done_late"),
            ("2", "Tăng cường cung cấp dịch vụ chứng thực bản sao điện tử từ bản chính",
             "Sở Tư pháp và UBND các xã, phường, đặc khu tăng cường cung cấp dịch vụ chứng thực bản sao điện tử.",
             "TP", ["21040", "21061"], -30, "done_on_time"),
            ("2", "Tổng hợp, báo cáo hàng tháng kết quả thực hiện dịch vụ công trực tuyến",
             "Theo dõi, đôn đốc và định kỳ hàng tháng tổng hợp, báo cáo UBND tỉnh.", "VP", [], 2, "in_progress"),
        ],
    },
    {
        "number": "218/UBND-VP",
        "kind": "cong_van",
        "issued_days_ago": 45,
        "signer": "Lê Minh Tuấn",
        "subject": "V/v tiếp tục triển khai thực hiện các biện pháp nâng cao chất lượng giải quyết hồ sơ thủ tục "
                   "hành chính cho công dân, tổ chức trên địa bàn tỉnh",
        "tasks": [
            ("1", "Chấm dứt tiếp nhận trực tiếp hồ sơ TTHC tại cơ quan không qua Bộ phận Một cửa",
             "Chỉ đạo, quán triệt đội ngũ CBCCVC chấm dứt tình trạng tiếp nhận trực tiếp hồ sơ TTHC tại cơ quan, "
             "đơn vị mà không thông qua Bộ phận Một cửa.", "21040", [], 1, "in_progress"),
            ("2", "Gửi Phiếu xin lỗi và hẹn lại ngày trả kết quả đối với hồ sơ trễ hạn",
             "Thường xuyên theo dõi, kiểm tra, đôn đốc; hồ sơ trễ hạn phải có Phiếu xin lỗi theo Nghị định "
             "61/2018/NĐ-CP.", "21061", [], -3, "overdue"),
            ("4", "Tuyên truyền dịch vụ công trực tuyến đến đoàn viên thanh niên",
             "Tăng cường quán triệt, thông tin tuyên truyền đến cán bộ Đoàn, đoàn viên thanh niên.", "DOAN", [],
             10, "in_progress"),
            ("5", "Phối hợp tiếp nhận hồ sơ và trả kết quả qua dịch vụ bưu chính công ích",
             "Tăng cường phối hợp với các cơ quan trong việc tiếp nhận hồ sơ và trả kết quả qua BCCI.", "BUUDIEN",
             ["MOTCUA", "21040"], -8, "awaiting"),
            ("6", "Tham mưu dự toán kinh phí tuyên truyền cải cách hành chính",
             "Chủ trì, phối hợp Sở Tài chính tham mưu UBND tỉnh dự toán kinh phí.", "VHTT",
             ["TCKH"], 5, "in_progress"),
        ],
    },
    {
        "number": "1035/UBND-TTHC",
        "kind": "cong_van",
        "issued_days_ago": 30,
        "signer": "Trần Văn Hùng",
        "subject": "V/v đẩy mạnh thực hiện các biện pháp nâng cao công tác cải cách thủ tục hành chính trên địa "
                   "bàn tỉnh",
        "tasks": [
            ("2.1", "Cập nhật nhiệm vụ vào Phần mềm và báo cáo Chủ tịch trước phiên họp thường kỳ",
             "Cập nhật tất cả nhiệm vụ do UBND tỉnh giao vào Phần mềm ngay sau khi phát hành văn bản; báo cáo "
             "Chủ tịch UBND tỉnh trước 01 ngày tổ chức phiên họp thường kỳ hàng tháng.", "VP", [], None,
             "ongoing"),
            ("2.1", "Chấm điểm thi đua từ số liệu thống kê của Phần mềm",
             "Sử dụng số liệu thống kê trích xuất từ Phần mềm làm cơ sở đánh giá, xếp loại thi đua cuối năm.",
             "NV", ["VP"], 40, "in_progress"),
            ("2.4", "Ứng dụng chuyển đổi số vào hoạt động của Tổ công nghệ số cộng đồng",
             "Triển khai các giải pháp đẩy mạnh ứng dụng chuyển đổi số; hoàn thành và báo cáo trong quý.",
             "VHTT", ["21040", "21061"], 3, "in_progress"),
            ("3", "Kiểm tra, đôn đốc việc thực hiện các nhiệm vụ tại Công văn",
             "Làm đầu mối kiểm tra, theo dõi đôn đốc việc thực hiện các nhiệm vụ.", "VP", [], -2, "awaiting"),
        ],
    },
]
