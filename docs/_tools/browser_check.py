"""Check the built site in a real, headless chromium (the distribution's, never a download).

    python docs/_tools/browser_check.py docs/_build/html --screenshots DIR

Serves the built site on 127.0.0.1 (a free port), drives ``/usr/bin/chromium``
through Playwright with a fresh profile, and checks what a reader would see:

1. the start page has its title, the navigation, a decision table and cards that
   lead each framework to its own page, and nothing on it scrolls sideways;
2. Sphinx's JavaScript search for "terminate" lists the explanation page;
3. a code block's copy button puts exactly that block's text on the clipboard;
4. the decision table, the frameworks page and the custom-environment page render
   their tables; a row's "each recording" and an example's whole file open on a
   click; no summary table is wider than its page;
5. no request leaves 127.0.0.1 (such requests are blocked and reported);
6. no JavaScript errors on the pages visited.

Screenshots of the start page, a how-to page (frameworks), the decision table and the
results page are saved in DIR. Exit status 0 when every check passes, 1 otherwise
(each failure is printed).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
# The flags the project asks for: no GPU, no background traffic, no first-run UI.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1"}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 at a free port for the duration of the block."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Checks:
    """Collects failures instead of stopping at the first one."""

    def __init__(self) -> None:
        """Start with no failures."""
        self.failures: list[str] = []

    def check(self, ok: bool, what: str) -> None:
        """Print the outcome of one check and remember a failure."""
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            self.failures.append(what)


def run(site: Path, shots: Path, executable: str) -> int:
    """Drive chromium over the served site; return the exit status."""
    from playwright.sync_api import Route, sync_playwright

    checks = Checks()
    outside: list[str] = []
    js_errors: list[str] = []
    shots.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="mpcov-chromium-"))
    try:
        with serve(site) as base, sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(profile),
                executable_path=executable,
                headless=True,
                args=FLAGS,
                viewport={"width": 1280, "height": 900},
            )
            origin = base
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)

            def guard(route: Route) -> None:
                url = route.request.url
                parts = urlsplit(url)
                if (
                    parts.scheme in {"http", "https", "ws", "wss"}
                    and parts.hostname not in LOCAL_HOSTS
                ):
                    outside.append(url)
                    route.abort()
                else:
                    route.continue_()

            context.route("**/*", guard)
            page = context.pages[0] if context.pages else context.new_page()
            page.on("pageerror", lambda exc: js_errors.append(str(exc)))
            page.on(
                "console",
                lambda msg: js_errors.append(msg.text) if msg.type == "error" else None,
            )

            # 1. The start page.
            page.goto(f"{base}/index.html", wait_until="networkidle")
            checks.check("mpcov" in page.title(), f"start page title ({page.title()!r})")
            heading = page.locator("h1").first.inner_text()
            checks.check("coverage.py" in heading, f"start page heading ({heading!r})")
            nav = page.locator(".sidebar-tree a.reference")
            checks.check(nav.count() >= 5 and nav.first.is_visible(), "navigation is visible")
            table = page.locator("table.mpcov-decisions").first
            checks.check(table.is_visible(), "start page decision table is visible")
            outcomes = page.locator("table.mpcov-decisions td.mpcov-decision-outcome")
            checks.check(outcomes.count() >= 3, f"decision table has cells ({outcomes.count()})")
            checks.check(not _scrolls_sideways(page), "start page does not scroll sideways")
            cards = {
                "Django": "how-to/frameworks.html",
                "Prefork servers": "how-to/frameworks.html#prefork-servers",
                "Celery in tests": "how-to/frameworks.html#celery-test-worker",
                "prefork pool (billiard)": "how-to/celery-billiard.html",
            }
            for title, target in cards.items():
                card = page.locator("div.sd-card", has_text=title).first
                href = card.locator("a.sd-stretched-link").first.get_attribute("href") or ""
                checks.check(href.endswith(target), f"card {title!r} leads to {target} ({href!r})")
            page.screenshot(path=str(shots / "start-page.png"), full_page=True)

            # 3. The copy button copies the block it belongs to.
            block = page.locator("div.highlight").first
            expected = block.locator("pre").inner_text()
            block.hover()
            block.locator("button.copybtn").click()
            copied = page.evaluate("navigator.clipboard.readText()")
            checks.check(
                copied.strip() == expected.strip() and "def main" in copied,
                f"copy button copies the code block ({len(copied)} characters)",
            )

            # The results page, for the screenshot and its tables.
            page.goto(f"{base}/results/index.html", wait_until="networkidle")
            tables = page.locator("table.mpcov-results-table")
            checks.check(tables.count() >= 1, f"results page has tables ({tables.count()})")
            matrix = page.locator("table.mpcov-matrix td.mpcov-matrix-cell")
            checks.check(matrix.count() > 0, f"results matrix has cells ({matrix.count()})")
            page.screenshot(path=str(shots / "results-page.png"), full_page=True)

            # 4. The decision table and the new how-to pages.
            page.goto(f"{base}/reference/decisions.html", wait_until="networkidle")
            rows = page.locator("table.mpcov-decisions tbody tr")
            checks.check(
                rows.count() >= 60, f"decision table has a row per example ({rows.count()})"
            )
            checks.check(not _scrolls_sideways(page), "decision table fits its page")
            link = page.locator("a.mpcov-example-link").first.get_attribute("href") or ""
            checks.check("#example-" in link, f"decision table links to example pages ({link!r})")
            page.screenshot(path=str(shots / "decision-table.png"), full_page=True)
            for name in ("how-to/frameworks", "how-to/subprocess-env", "how-to/pool"):
                page.goto(f"{base}/{name}.html", wait_until="networkidle")
                summary = page.locator("table.mpcov-outcomes-table").first
                checks.check(summary.is_visible(), f"{name}: outcomes table is visible")
                checks.check(not _scrolls_sideways(page), f"{name}: nothing scrolls sideways")
                if name == "how-to/frameworks":
                    page.screenshot(path=str(shots / "how-to-frameworks.png"), full_page=True)
                whole = page.locator("details.mpcov-whole-file").first
                whole.locator("summary").click()
                opened = whole.locator("pre").first.is_visible()
                checks.check(opened, f"{name}: the whole example file opens on a click")
                if name == "how-to/pool":
                    row = page.locator("details.mpcov-row-details").first
                    row.locator("summary").click()
                    shown = row.locator("li").first.is_visible()
                    checks.check(shown, f"{name}: a row's recordings open on a click")

            # 2. Sphinx's search finds the explanation of terminate().
            page.goto(f"{base}/search.html?q=terminate", wait_until="networkidle")
            results = page.locator("#search-results ul.search li a")
            results.first.wait_for(timeout=15_000)
            hrefs = [results.nth(i).get_attribute("href") or "" for i in range(results.count())]
            checks.check(
                any("explanation/pool-exit" in h for h in hrefs),
                f"search for 'terminate' lists explanation/pool-exit ({len(hrefs)} results)",
            )

            # A page with a timeline diagram draws it.
            page.goto(f"{base}/explanation/pool-exit.html", wait_until="networkidle")
            svg = page.locator("figure.mpcov-diagram svg").first
            checks.check(svg.is_visible(), "timeline diagram is drawn")

            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)

    # 4. and 5.
    checks.check(not outside, f"no request left 127.0.0.1 ({len(outside)} blocked: {outside[:5]})")
    checks.check(not js_errors, f"no JavaScript errors ({js_errors[:3]})")
    names = ("start-page", "how-to-frameworks", "decision-table", "results-page")
    print("screenshots: " + ", ".join(str(shots / f"{n}.png") for n in names))
    if checks.failures:
        print(f"{len(checks.failures)} browser check(s) failed", file=sys.stderr)
        return 1
    return 0


def _scrolls_sideways(page: Any) -> bool:
    """Whether the page, or one of its summary tables, is wider than the window."""
    return bool(
        page.evaluate(
            """() => {
                const wide = (el) => el.scrollWidth > el.clientWidth + 1;
                const tables = document.querySelectorAll(
                    "table.mpcov-decisions, table.mpcov-outcomes-table");
                return wide(document.documentElement)
                    || [...tables].some((t) => t.getBoundingClientRect().right
                        > document.documentElement.clientWidth + 1);
            }"""
        )
    )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built HTML folder")
    parser.add_argument("--screenshots", type=Path, default=Path("docs/_build/screenshots"))
    parser.add_argument("--chromium", default=CHROMIUM, help="the browser binary (%(default)s)")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        parser.error(f"{args.site} has no index.html: build the site first")
    if not Path(args.chromium).is_file():
        print(
            f"{args.chromium} not found: install it with 'apt-get install -y chromium'",
            file=sys.stderr,
        )
        return 1
    return run(args.site, args.screenshots, args.chromium)


if __name__ == "__main__":
    sys.exit(main())
