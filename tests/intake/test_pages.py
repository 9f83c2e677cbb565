"""The intake pages through the test client, CSRF on: upload, the review form as the page renders it
(submitted the way a browser would), save, drop, merge, confirm, the htmx fragment."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import sqlalchemy as sa

from kpi_tasks.demo.seed import DEMO_PASSWORD
from kpi_tasks.directives.models import Directive
from kpi_tasks.errors import ConflictError
from kpi_tasks.extensions import db
from kpi_tasks.intake import views as intake_views
from kpi_tasks.intake.highlight import marked_source
from kpi_tasks.intake.models import IntakeDraft
from kpi_tasks.intake.services import DraftValues, drafts_of
from kpi_tasks.tasks.models import Task
from tests.factories import commit, csrf_token, login, make_user
from tests.intake.helpers import DIRECTIVE, demo_district


class _FormReader(HTMLParser):
    """What a browser submits for one form of a page: text, hidden and date inputs, checked boxes,
    textareas, the selected options of selects (a single select without a selection sends its first)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "file"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":
            self._select, self._options = (a["name"], "multiple" in a), []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self.fields += [(name, value) for value in chosen]
            self._select = None


def form_fields(html: str, form_id: str = "intake-review") -> dict[str, list[str]]:
    reader = _FormReader(form_id)
    reader.feed(html)
    fields: dict[str, list[str]] = {}
    for name, value in reader.fields:
        fields.setdefault(name, []).append(value)
    return fields


def _draft_index(fields: dict[str, list[str]], key: str) -> int:
    return next(int(name.split("-")[1]) for name, values in fields.items()
                if name.endswith("-key") and values == [key])  # fmt: skip


def _setup(client):
    office, units = demo_district()
    commit()
    login(client, office.username, DEMO_PASSWORD)
    return office, units


def _upload(client, data: bytes = DIRECTIVE.encode("utf-8"), filename: str = "chi-dao.txt"):
    return client.post(
        "/intake/",
        data={"file": (io.BytesIO(data), filename), "text": "", "csrf_token": csrf_token(client, "/intake/")},
        content_type="multipart/form-data",
    )


def _review(client):
    response = _upload(client)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    url = response.headers["Location"]
    return url, client.get(url).get_data(as_text=True)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_office_sees_the_link_and_the_upload_page(app_ctx, client):
    _setup(client)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/intake/"' in home
    page = client.get("/intake/").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert "Hoặc dán nội dung văn bản" in page


def test_upload_shows_the_drafts_beside_the_marked_text(app_ctx, client):
    _office, units = _setup(client)
    url, page = _review(client)
    assert re.fullmatch(r"/intake/\d+", url)
    # every draft links to its sentence, which is marked in the text and links back
    for key in ("d1", "d2", "d3", "d4", "d5"):
        assert f'href="#src-{key}"' in page
        anchor = f'<span id="src-{key}" class="intake-anchor"></span>'
        assert re.search(f'{anchor}<mark class="intake-mark[a-z -]*" data-drafts="{key}">', page)
        assert f'<a href="#draft-{key}">' in page
    assert "Chưa nhận diện được đơn vị: Ban Quản lý chợ huyện" in page
    fields = form_fields(page)
    assert fields["header-number"] == ["88/UBND-VP"]
    assert fields["header-issued_on"] == ["02/03/2026"]
    assert fields["drafts-0-leads"] == [f"unit:{units['TP'].id}"]
    assert fields["drafts-0-coordinating_unit_ids"] == [str(units["NV"].id)]
    assert fields["drafts-1-leads"] == ["kind:commune"]
    assert fields["drafts-1-recurrence"] == ["weekly:fri"]
    assert fields["drafts-2-period"] == ["2026-Q2"]
    assert "drafts-3-leads" not in fields  # nothing chosen for the unknown unit
    assert "bảo đảm tỷ lệ cán bộ được tập huấn đạt tối thiểu 80%" in page
    assert "Định kỳ vào thứ Sáu hàng tuần" in page
    # each card shows its sentence with the words that gave unit, deadline and figure marked, and a
    # confidence; the draft whose unit is not recorded (d4) is the least sure and comes first
    cards = re.findall(r'id="draft-(d\d)".*?Độ tin cậy (\d+)%', page, flags=re.S)
    assert cards[0][0] == "d4"
    assert [int(c) for _, c in cards] == sorted(int(c) for _, c in cards)
    assert '<mark class="intake-ev intake-ev-unit" title="đơn vị">Phòng Tư pháp</mark>' in page
    assert re.search(r'<mark class="intake-ev intake-ev-deadline" title="thời hạn">[^<]*30/4/2026</mark>', page)
    assert '<mark class="intake-ev intake-ev-kpi" title="chỉ tiêu">' in page


def test_pasted_text_is_escaped_and_its_offsets_survive_crlf(app_ctx, client):
    _setup(client)
    pasted = DIRECTIVE.replace("rà soát các", "rà soát <script>alert(1)</script> các").replace("\n", "\r\n")
    response = client.post("/intake/", data={"text": pasted, "csrf_token": csrf_token(client, "/intake/")})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    intake = db.session.scalars(sa.select(IntakeDraft)).one()
    assert "\r" not in intake.source_text
    for draft in drafts_of(intake):
        (start, end), = draft.spans
        assert " ".join(intake.source_text[start:end].split()) == draft.content


def test_a_file_that_is_not_what_its_name_says_is_refused_on_the_page(app_ctx, client):
    _setup(client)
    response = _upload(client, b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "chi-dao.txt")
    assert response.status_code == 200
    assert "không phải tệp văn bản thuần" in response.get_data(as_text=True)
    response = _upload(client, b"GIF89a", "anh.gif")
    assert "Định dạng tệp không được hỗ trợ" in response.get_data(as_text=True)
    assert _count(IntakeDraft) == 0


def test_a_refused_upload_is_told_beside_the_field_whatever_the_refusal(app_ctx, client, monkeypatch):
    # No refusal but a ValidationError comes from reading a text today; a conflict is one the user can act on
    # too, so it is told on the page like any other (forms.REFUSALS), not on the error page.
    office = make_user("office", username="vp.nhapvanban")
    commit()
    login(client, office.username)

    def conflict(*_args, **_values):
        raise ConflictError("Văn bản này vừa được người khác nhập.")

    monkeypatch.setattr(intake_views, "start_intake", conflict)
    response = client.post("/intake/", data={"text": DIRECTIVE, "csrf_token": csrf_token(client, "/intake/")})
    assert response.status_code == 200
    assert "Văn bản này vừa được người khác nhập." in response.get_data(as_text=True)
    assert _count(IntakeDraft) == 0


def test_a_post_without_the_csrf_token_is_refused(app_ctx, client):
    _setup(client)
    directives = _count(Directive)  # the demo's own
    response = client.post("/intake/", data={"text": DIRECTIVE})
    assert response.status_code in (302, 400)
    assert _count(IntakeDraft) == 0
    url, page = _review(client)
    fields = form_fields(page)
    del fields["csrf_token"]
    response = client.post(url, data={**fields, "action": "confirm"})
    assert response.status_code in (302, 400)
    assert _count(Directive) == directives


def test_an_invalid_confirmation_keeps_what_was_typed_and_writes_nothing(app_ctx, client):
    _setup(client)
    url, page = _review(client)
    fields = form_fields(page)
    fields["drafts-0-title"] = ["Rà soát TTHC (tên đã sửa)"]
    fields["drafts-2-deadline_kind"] = ["working_days"]
    fields["drafts-2-working_days"] = ["mười"]
    directives, tasks = _count(Directive), _count(Task)  # the demo's own

    response = client.post(url, data={**fields, "action": "confirm"})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="Rà soát TTHC (tên đã sửa)"' in page
    assert "Phải là một số nguyên." in page
    assert 'value="mười"' in page
    assert (_count(Directive), _count(Task)) == (directives, tasks)

    fields["drafts-2-working_days"] = ["10"]
    response = client.post(url, data={**fields, "action": "confirm"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Chưa tạo văn bản và nhiệm vụ: 1 nhiệm vụ chưa hợp lệ" in page
    assert '<a href="#draft-d4">Mục 4</a>: Chưa chọn đơn vị chủ trì. Văn bản ghi: Ban Quản lý chợ huyện.' in page
    assert 'value="Rà soát TTHC (tên đã sửa)"' in page
    assert (_count(Directive), _count(Task)) == (directives, tasks)


def test_a_lead_unit_sent_as_coordinating_too_is_refused_on_its_draft_keeping_what_was_typed(app_ctx, client):
    _office, units = _setup(client)
    url, page = _review(client)
    fields = form_fields(page)
    assert fields["drafts-0-leads"] == [f"unit:{units['TP'].id}"]
    fields[f"drafts-{_draft_index(fields, 'd4')}-leads"] = [f"unit:{units['KTHT'].id}"]
    fields["drafts-0-title"] = ["Rà soát TTHC (tên đã sửa)"]
    fields["drafts-0-coordinating_unit_ids"] = [str(units["NV"].id), str(units["TP"].id)]
    directives, tasks = _count(Directive), _count(Task)

    response = client.post(url, data={**fields, "action": "confirm"})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "“Phòng Tư pháp” là đơn vị chủ trì nên không đồng thời là đơn vị phối hợp của nhiệm vụ." in page
    assert '<a href="#draft-d1">Mục 1</a>' in page
    kept = form_fields(page)
    assert kept["drafts-0-title"] == ["Rà soát TTHC (tên đã sửa)"]
    assert sorted(kept["drafts-0-coordinating_unit_ids"]) == sorted([str(units["NV"].id), str(units["TP"].id)])
    assert (_count(Directive), _count(Task)) == (directives, tasks)


def test_confirm_through_the_page_creates_the_directive_and_tasks(app_ctx, client):
    _office, units = _setup(client)
    url, page = _review(client)
    fields = form_fields(page)
    fields[f"drafts-{_draft_index(fields, 'd4')}-leads"] = [f"unit:{units['KTHT'].id}"]
    fields["drafts-0-title"] = ["Rà soát thủ tục hành chính thuộc thẩm quyền"]

    response = client.post(url, data={**fields, "action": "confirm"})

    assert response.status_code == 303
    directive = db.session.scalars(sa.select(Directive).where(Directive.number == "88/UBND-VP")).one()
    assert response.headers["Location"] == f"/directives/{directive.id}"
    tasks = db.session.scalars(sa.select(Task).where(Task.directive_id == directive.id)).all()
    communes = [unit for unit in units.values() if unit.kind == "commune"]
    assert len(tasks) == 4 + len(communes)
    legal = next(task for task in tasks if task.lead_unit_id == units["TP"].id)
    assert legal.title == "Rà soát thủ tục hành chính thuộc thẩm quyền"
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Đã tạo văn bản 88/UBND-VP và {len(tasks)} nhiệm vụ." in detail
    # the draft is done: opening it again leads to the directive
    assert client.get(url).headers["Location"] == f"/directives/{directive.id}"


def test_save_keeps_a_dropped_draft_and_merge_joins_the_selected(app_ctx, client):
    _setup(client)
    url, page = _review(client)
    fields = form_fields(page)
    fields["drafts-3-dropped"] = ["y"]
    fields["header-signer"] = ["Trần Văn Hùng"]
    response = client.post(url, data={**fields, "action": "save"})
    assert response.status_code == 303
    page = client.get(url).get_data(as_text=True)
    fields = form_fields(page)
    assert fields["drafts-3-dropped"] == ["y"]
    assert fields["header-signer"] == ["Trần Văn Hùng"]
    assert 'class="intake-mark intake-mark-dropped" data-drafts="d4"' in page

    fields["drafts-0-selected"] = ["y"]
    fields["drafts-2-selected"] = ["y"]
    response = client.post(url, data={**fields, "action": "merge"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#draft-d1")
    fields = form_fields(client.get(url).get_data(as_text=True))
    assert [fields[f"drafts-{i}-key"] for i in range(4)] == [["d1"], ["d2"], ["d4"], ["d5"]]
    assert "drafts-4-key" not in fields
    assert len(fields["drafts-0-leads"]) == 2
    assert "tập huấn chuyển đổi số" in fields["drafts-0-content"][0]


def test_merging_one_draft_is_explained(app_ctx, client):
    _setup(client)
    url, page = _review(client)
    fields = form_fields(page)
    fields["drafts-0-selected"] = ["y"]
    response = client.post(url, data={**fields, "action": "merge"})
    assert response.status_code == 200
    assert "Chọn ít nhất hai mục để gộp" in response.get_data(as_text=True)


def test_a_stale_form_does_not_overwrite_a_colleagues_save(app_ctx, client):
    _setup(client)
    url, page = _review(client)
    fields = form_fields(page)
    # a colleague's save, then a save from the page opened before it
    assert client.post(url, data={**fields, "drafts-0-title": "Mới", "action": "save"}).status_code == 303
    response = client.post(url, data={**fields, "drafts-0-title": "Cũ", "action": "save"})
    assert response.status_code == 200
    assert "vừa được người khác lưu" in response.get_data(as_text=True)


def test_the_rule_fragment_for_htmx(app_ctx, client):
    _setup(client)
    response = client.get("/intake/recurrence?drafts-1-recurrence=quarterly:day25-last-month",
                          headers={"HX-Request": "true"})  # fmt: skip
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in text
    assert "Ngày 25 tháng cuối quý" in text
    bad = client.get("/intake/recurrence?drafts-1-recurrence=weekly:xyz", headers={"HX-Request": "true"})
    assert "Mã định kỳ chưa hợp lệ." in bad.get_data(as_text=True)


def test_discard_removes_the_draft(app_ctx, client):
    _setup(client)
    url, _page = _review(client)
    response = client.post(f"{url}/discard", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 303
    assert _count(IntakeDraft) == 0
    assert client.get(url).status_code == 404


def test_overlapping_spans_are_cut_so_marks_never_nest_and_text_is_escaped() -> None:
    text = "Một <b>hai</b> ba bốn năm"
    first = DraftValues(key="d1", spans=[[0, 14]])
    second = DraftValues(key="d2", spans=[[7, 21]], dropped=True)
    html = str(marked_source(text, [first, second]))
    assert "<b>" not in html
    assert html.count('id="src-d1"') == html.count('id="src-d2"') == 1
    assert "<mark" not in re.sub(r"<mark[^>]*>.*?</mark>", "", html)  # no mark inside another
    # the overlap is marked once, for both drafts; the dropped draft's own part is greyed
    assert 'data-drafts="d1 d2"><a href="#draft-d1">hai&lt;/b&gt;</a>' in html
    assert 'class="intake-mark intake-mark-dropped" data-drafts="d2"><a href="#draft-d2"> ba bốn</a>' in html
    assert re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">") == text


def test_an_upload_beyond_the_size_limit_is_refused(app, app_ctx, client, monkeypatch):
    _setup(client)
    token = csrf_token(client, "/intake/")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = client.post("/intake/", data={"file": (io.BytesIO(b"x" * 8192), "lon.txt"), "csrf_token": token},
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 413
    assert "Tệp hoặc nội dung gửi lên quá lớn." in response.get_data(as_text=True)
    assert _count(IntakeDraft) == 0


def test_the_review_reads_rules_and_kpis_in_words_not_codes(app_ctx, client):
    """Seed 002 has a monthly rule tied to the meeting and a quarterly one; the appendix test file has a KPI
    whose title cell is only its formula ("… Trong đó: …")."""
    from pathlib import Path

    _setup(client)
    seed = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "002_3cfa09f7ef27d9c3.txt"
    response = _upload(client, seed.read_bytes(), "002.txt")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    fields = form_fields(page)
    chosen = {value for name, values in fields.items() if name.endswith("-recurrence") for value in values}
    assert {"monthly:day-1-before-meeting", "quarterly:day25-last-month"} <= chosen
    # The codes are the options' values only; what the clerk reads is the rule in words.
    visible = re.sub(r'value="[^"]*"', "", page)
    for code in chosen - {""}:
        assert code not in visible
    assert re.search(r'<option selected value="monthly:day-1-before-meeting">Trước 01 ngày tổ chức phiên họp '
                     r"thường kỳ hàng tháng</option>", page)
    assert '<option selected value="quarterly:day25-last-month">Ngày 25 tháng cuối quý</option>' in page

    appendix = Path(__file__).parent / "directives" / "ke_hoach_phu_luc_nhom_chi_tieu.txt"
    response = _upload(client, appendix.read_bytes(), "phu-luc.txt")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    kpis = re.findall(r'<ul class="mb-0 intake-kpis">(.*?)</ul>', page, flags=re.S)
    assert kpis
    assert all("::" not in item for item in kpis)
