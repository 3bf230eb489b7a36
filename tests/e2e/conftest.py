"""Browser fixtures shared by the end-to-end tests: Playwright's sync API on Debian's chromium,
a login helper, and `assert_accessible(page)`: axe-core's WCAG 2.1 A/AA rules on the page as
the person sees it (RGAA 4.1 is built on them), called after every navigation of a journey."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("FILROUGE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# README screenshots (committed): taken by the journeys, 1280 px wide.
README_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
README_VIEWPORT = {"width": 1280, "height": 800}
PASSWORD = "motdepasse-de-test-42"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def browser():
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        if os.environ.get("FILROUGE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Chromium required in CI: {CHROMIUM} is missing")
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
    # (fixtures, assertions) are still synchronous and safe, so allow them for these tests only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def axe_violations(page) -> list[dict]:
    """axe-core's violations of the WCAG 2.0/2.1 level A and AA rules on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


def describe_violations(violations: list[dict]) -> str:
    """One paragraph per rule: its id, impact, help text and the offending nodes (selector + HTML)."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:10]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def check_accessible(page) -> None:
    """Assert the page has no WCAG 2.1 A/AA violation that axe-core can detect."""
    page.wait_for_load_state("load")
    violations = axe_violations(page)
    assert not violations, f"Accessibility violations on {page.url}:\n{describe_violations(violations)}"


@pytest.fixture
def assert_accessible() -> Callable:
    """`assert_accessible(page)` after each navigation of a journey: 0 axe-core violations."""
    return check_accessible


def login(
    browser,
    live_server,
    username: str,
    *,
    shot: str | None = None,
    viewport: dict | None = None,
    check: bool = True,
    lands_on: str | None = None,
):
    """A fresh browser context logged in through the form as `username`; the login page and the
    landing page are both checked for accessibility (unless `check` is False). `lands_on`: the
    path the role must land on (each role lands where its work is)."""
    context = browser.new_context(locale="fr-FR", viewport=viewport or {"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/connexion/")
    if check:
        check_accessible(page)
    if shot:
        page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/connexion/" not in url)
    if lands_on is not None:
        page.wait_for_url(f"{live_server.url}{lands_on}")
    if check:
        check_accessible(page)
    return page


def readme_screenshot(page, name: str) -> None:
    """A README picture, taken on a 1280 px wide page: into test-artifacts/ on every run, and
    over the committed docs/img/<name>.png only when asked (`README_SCREENSHOTS=1`), so a test
    run leaves the working tree as it found it."""
    assert page.viewport_size["width"] == README_VIEWPORT["width"]
    folder = README_IMAGES if os.environ.get("README_SCREENSHOTS") == "1" else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


FOCUSED_HAS_VISIBLE_RING = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return false;
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
    return outline || (s.boxShadow && s.boxShadow !== "none");
}"""

DESCRIBE_FOCUSED = """() => {
    const e = document.activeElement, s = getComputedStyle(e);
    return `${e.outerHTML.slice(0, 200)} (outline: ${s.outlineStyle} ${s.outlineWidth})`;
}"""


def tab_to(page, target, *, backwards: bool = False, limit: int = 150) -> None:
    """Press Tab (Shift+Tab) until `target` (a locator) has the focus, as a keyboard user does;
    every stop on the way must show a visible focus ring (WCAG 2.4.7)."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        assert page.evaluate(FOCUSED_HAS_VISIBLE_RING), "no visible focus on " + page.evaluate(DESCRIBE_FOCUSED)
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached with {key} in {limit} presses on {page.url}")


def check_focus_visible(page, *, limit: int = 200) -> None:
    """Tab through the whole page: every control that takes the focus shows a visible ring."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    seen = set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        where = page.evaluate(
            "() => document.activeElement === document.body ? null : document.activeElement.outerHTML"
        )
        if where is None or where in seen:
            return
        seen.add(where)
        assert page.evaluate(FOCUSED_HAS_VISIBLE_RING), f"no visible focus on {page.url}: " + page.evaluate(
            DESCRIBE_FOCUSED
        )
