"""Screenshots of the main screens, taken in headless Chromium from a fresh demo instance.

    python scripts/screenshots.py [MAPP]        (default docs/screenshots; `make screenshots`)

Each screen is saved at 1280 px (desktop) and 360 px (phone) as NAME-WIDTH.png. The instance lives in
a temporary folder and the server is stopped afterwards; nothing in instance/ is touched.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from kbdemo import CHROMIUM, CHROMIUM_ARGS, demo_server, log_in
from playwright.sync_api import Page, sync_playwright

# (file name, path, what it shows); the edited Mini-Maria page gives the history and diff content.
SCREENS = [
    ("start", "/", "Startsidan med sökrutan och ingången för nya"),
    ("sida", "/sida/mini-maria", "En mottagningssida"),
    ("sok", "/sok?q=sip+barn", "Sökresultat med filter"),
    ("redigera", "/sida/sip/redigera", "Redigera en sida"),
    ("historik", "/sida/mini-maria/historik", "Sidans historik"),
    ("jamfor", "/sida/mini-maria/jamfor?fran=1&till=2", "Skillnader mellan två versioner"),
]
SIZES = [(1280, 800), (360, 740)]


def make_a_change(page: Page) -> None:
    """Edit Mini-Maria once, as an editor would, so that history and diff have something to show."""
    page.goto("/sida/mini-maria/redigera")
    text = page.get_by_label("Text", exact=True)
    text.fill(text.input_value().replace("tisdag och torsdag kl. 8–16", "tisdag, onsdag och torsdag kl. 8–16"))
    page.get_by_label("Kort beskrivning av ändringen").fill("Öppet även på onsdagar")
    page.get_by_role("button", name="Spara").click()
    page.get_by_text("Sidan sparades").wait_for()


def main(out: Path) -> None:
    """Start a demo server, take every screenshot, stop the server."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kb-screenshots-") as tmp, demo_server(Path(tmp)) as server, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=server.url, locale="sv-SE")
        page = context.new_page()
        log_in(page, "admin", server.admin_password)
        make_a_change(page)
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            for name, path, what in SCREENS:
                page.goto(path)
                page.wait_for_load_state("networkidle")
                target = out / f"{name}-{width}.png"
                page.screenshot(path=str(target))
                print(f"{target}: {what} ({target.stat().st_size // 1024} kB)")
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
