"""Every download link of the pages leaves htmx's boost (hx-boost="false"): a boosted link would fetch the file
with XMLHttpRequest and put its bytes into the page instead of downloading it."""

from __future__ import annotations

import re

from tests.factories import commit, login, make_identity, make_user

ANCHOR = re.compile(r"<a\b[^>]*>")
FORM = re.compile(r"<form\b[^>]*>")
DOWNLOAD = re.compile(r"""(?:href|action)="[^"]*(?:\.xlsx|\.docx|format=pdf)[^"]*\"""")
PAGES = ["/reports/", "/reports/monthly", "/reports/tasks", "/dossiers/", "/dossiers/apology-letters",
         "/dossiers/repeat-offenders", "/kpis/", "/scoring/2026/draft", "/admin/documents/"]


def test_download_links_are_not_boosted(app_ctx, client):
    make_identity()
    make_user("admin", username="quantri")
    commit()
    login(client, "quantri")
    seen = 0
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        for tag in [*ANCHOR.findall(html), *FORM.findall(html)]:
            if DOWNLOAD.search(tag):
                seen += 1
                assert 'hx-boost="false"' in tag, (path, tag)
    assert seen >= 15, seen
