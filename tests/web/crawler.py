"""A browser crawler for the suite (issue 16): for one signed-in user at one width, open every page of the menu,
then every same-site link and download found there, each URL pattern once, and list what a user would hit.

A pattern is the path with its numbers replaced (`/tasks/{n}`) plus the names of its query arguments, so one
task page stands for all. Every pattern is fetched for every role (a link shown to a role must answer that
role), but rendered in the browser only once across roles and widths (`rendered`, shared by the caller),
which keeps the run short. The problems found:

- an answer 4xx or 5xx, to a link or a download;
- a download (an answer that is not a page) behind a boosted link: htmx would swap its bytes into the page;
- a console error or an uncaught script error;
- duplicate element ids; a form control without a label (label[for], a wrapping label, aria-label, title);
- below 576 px, a table that shows "Hạn xử lý" and "Trạng thái" with either column off screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

# What the page says about itself, evaluated in the browser once per rendered page.
PAGE_CHECKS = """
() => {
  const problems = [];
  const seen = new Map();
  for (const element of document.querySelectorAll('[id]')) {
    seen.set(element.id, (seen.get(element.id) || 0) + 1);
  }
  for (const [id, count] of seen) if (count > 1) problems.push(`id "${id}" ×${count}`);
  for (const control of document.querySelectorAll('input, select, textarea')) {
    const type = (control.getAttribute('type') || '').toLowerCase();
    if (['hidden', 'submit', 'button', 'reset', 'image'].includes(type)) continue;
    const labelled = control.getAttribute('aria-label') || control.getAttribute('aria-labelledby')
      || control.getAttribute('title') || control.closest('label')
      || (control.id && document.querySelector(`label[for="${CSS.escape(control.id)}"]`));
    if (!labelled) problems.push(`${control.tagName.toLowerCase()} name="${control.name}" has no label`);
  }
  const links = [...document.querySelectorAll('a[href]')].map((a) => {
    const boosted = a.closest('[hx-boost]');
    return [a.href, boosted ? boosted.getAttribute('hx-boost') === 'true' : false];
  });
  return {problems, links};
}
"""

# At a phone's width: a list's deadline and status stay on screen, as table columns or as lines of its cards.
NARROW_CHECKS = """
() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  const shown = (element) => element && element.getClientRects().length > 0;
  for (const table of document.querySelectorAll('table')) {
    if (!shown(table)) continue;
    const heads = [...table.querySelectorAll('thead th')];
    const find = (text) => heads.findIndex((th) => th.textContent.trim().startsWith(text));
    const columns = [find('Hạn'), find('Trạng thái')];
    if (columns.includes(-1)) continue;
    const row = table.querySelector('tbody tr');
    if (!row || row.cells.length < heads.length) continue;  // no row, or the "nothing found" line
    for (const index of columns) {
      const element = shown(heads[index]) ? heads[index] : row && row.cells[index];
      const name = heads[index].textContent.trim();
      if (!shown(element)) { problems.push(`table ${table.id}: "${name}" hidden`); continue; }
      const box = element.getBoundingClientRect();
      if (box.right > width + 1 || box.left < -1) {
        problems.push(`table ${table.id}: "${heads[index].textContent.trim()}" off screen at ${width} px`);
      }
    }
  }
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`page ${document.documentElement.scrollWidth} px wide at ${width} px`);
  }
  return problems;
}
"""

MENU_LINKS = "() => [...document.querySelectorAll('nav a[href]')].map((a) => a.href)"
NUMBER = re.compile(r"\d+")
WIDE, NARROW = 1280, 390
# Not followed: leaving the session, and the API (its own tests) and static files.
SKIPPED_PATHS = ("/logout", "/api/", "/static/", "/vendor/", "/bootstrap/")


def pattern(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({key for key, _value in parse_qsl(parts.query, keep_blank_values=True) if key != "page"})
    return NUMBER.sub("{n}", parts.path) + ("?" + "&".join(keys) if keys else "")


@dataclass
class Summary:
    pages: int = 0
    links: int = 0
    downloads: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: Summary) -> None:
        self.pages += other.pages
        self.links += other.links
        self.downloads += other.downloads
        self.problems += other.problems


def crawl(page, base: str, who: str, rendered: set[str], fetched: set[str]) -> Summary:
    """Crawl as the user signed in on `page` (a Playwright page of its own context, 1280 px wide).

    Each menu page is checked at 1280 px, then again at 390 px after resizing the same page (the layout follows
    the media queries without a second load); a link's page is rendered once for all roles (`rendered`), a
    download fetched once for all roles (`fetched`) while its link's boosting is checked for each."""
    summary = Summary()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def problem(url: str, text: str, width: int = WIDE) -> None:
        parts = urlsplit(url)
        summary.problems.append(f"{who} @{width}px {parts.path}{'?' + parts.query if parts.query else ''}: {text}")

    def render(url: str, narrow_too: bool) -> list[tuple[str, bool]]:
        errors.clear()
        response = page.goto(url, wait_until="domcontentloaded")
        summary.pages += 1
        if response is None or response.status >= 400:
            problem(url, f"answer {response.status if response else 'none'}")
            return []
        found = page.evaluate(PAGE_CHECKS)
        for text in found["problems"]:
            problem(url, text)
        if narrow_too:
            page.set_viewport_size({"width": NARROW, "height": 844})
            for text in page.evaluate(NARROW_CHECKS):
                problem(url, text, NARROW)
            page.set_viewport_size({"width": WIDE, "height": 900})
        for text in errors:
            problem(url, f"console: {text}")
        return [(link, boosted) for link, boosted in found["links"]]

    page.goto(base + "/")
    menu = [link for link in dict.fromkeys(page.evaluate(MENU_LINKS)) if _followed(link, base)]
    links: dict[str, tuple[str, bool]] = {}
    for url in menu:
        for link, boosted in render(url, narrow_too=True):
            link = urldefrag(urljoin(url, link))[0]
            if _followed(link, base):
                links.setdefault(pattern(link), (link, boosted))
    menu_patterns = {pattern(url) for url in menu}
    for key, (link, boosted) in sorted(links.items()):
        if key in menu_patterns:
            continue
        if boosted and _looks_like_file(link):
            problem(link, "download link is boosted (its bytes would replace the page)")
        if "format=pdf" in link:  # a PDF by LibreOffice takes seconds: its link is checked, not fetched
            summary.downloads += 1
            continue
        if key in fetched:  # a download another role fetched: only its link is checked again
            continue
        answer = page.request.get(link, max_redirects=5)
        summary.links += 1
        if answer.status >= 400:
            problem(link, f"answer {answer.status}")
            continue
        if not answer.headers.get("content-type", "").startswith("text/html"):
            fetched.add(key)
            summary.downloads += 1
            if boosted and not _looks_like_file(link):
                problem(link, "download link is boosted (its bytes would replace the page)")
            continue
        if key not in rendered:
            rendered.add(key)
            render(link, narrow_too=True)
    return summary


def _looks_like_file(url: str) -> bool:
    path = urlsplit(url).path
    return "format=pdf" in url or path.endswith((".xlsx", ".docx", ".csv", ".pdf"))


def _followed(url: str, base: str) -> bool:
    return url.startswith(base) and not any(urlsplit(url).path.startswith(skip) for skip in SKIPPED_PATHS)
