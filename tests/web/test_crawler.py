"""Every page a demo user can reach from the menu, and every link and download on it, at 1280 px and at 390 px,
for every role of the demo (tests/web/crawler.py says what counts as a problem). One browser, one context per
role (resized for the phone's width), the demo loaded once. The summary is printed (in the log of `make test`)."""

from __future__ import annotations

import time

import pytest

from kpi_tasks.demo.seed import DEMO_PASSWORD, seed_demo
from tests.conftest import ARTIFACTS
from tests.factories import commit
from tests.web.crawler import Summary, crawl

pytestmark = pytest.mark.browser

# One user of every role of the demo (a commune's chairman and officer for the unit roles).
USERS = ["admin", "vanphong", "chutich", "noivu", "thanhtra", "binhson.chutich", "binhson.congchuc"]


def test_every_page_link_and_download_works_for_every_role_at_both_widths(app, browser, live_server, capsys,
                                                                          monkeypatch):
    # The browser keeps the CSS and scripts for the run instead of asking for them again on every page.
    monkeypatch.setitem(app.config, "SEND_FILE_MAX_AGE_DEFAULT", 3600)
    with app.app_context():
        seed_demo()
        commit()
    started = time.monotonic()
    total = Summary()
    rendered: set[str] = set()
    fetched: set[str] = set()
    for username in USERS:
        context = browser.new_context(base_url=live_server, locale="vi-VN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        total.add(crawl(page, live_server, username, rendered, fetched))
        context.close()
    (ARTIFACTS / "crawler.txt").write_text("\n".join(total.problems) + "\n", encoding="utf-8")
    with capsys.disabled():
        print(f"\ncrawler: {len(USERS)} roles at 1280 and 390 px, {total.pages} pages rendered, "
              f"{total.links} links and {total.downloads} downloads checked, {len(total.problems)} problems "
              f"in {time.monotonic() - started:.0f} s")
    assert total.problems == [], "\n".join(total.problems)
