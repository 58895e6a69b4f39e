"""Render kb/static/favicon.svg into kb/static/favicon.ico (16, 32 and 48 px PNGs) in headless Chromium.

    python scripts/make_favicon.py        (run it again after changing the SVG; commit both files)

Browsers that read the SVG use it; /favicon.ico is for those that ask for the old file by default.
"""
from __future__ import annotations

import struct
import urllib.parse
from pathlib import Path

from kbdemo import CHROMIUM, CHROMIUM_ARGS
from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parents[1] / "kb" / "static"
SIZES = (16, 32, 48)


def render(svg: str, sizes: tuple[int, ...]) -> list[bytes]:
    """The SVG as transparent PNGs, one per size."""
    url = "data:image/svg+xml," + urllib.parse.quote(svg)
    images = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for size in sizes:
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(f'<body style="margin:0"><img src="{url}" width="{size}" height="{size}" '
                             'style="display:block"></body>')
            images.append(page.screenshot(omit_background=True))
            page.close()
        browser.close()
    return images


def ico(images: list[bytes], sizes: tuple[int, ...]) -> bytes:
    """An .ico file holding the PNGs (the format every browser since 2007 reads)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, data = b"", b""
    for size, png in zip(sizes, images, strict=True):
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset + len(data))
        data += png
    return header + entries + data


if __name__ == "__main__":
    svg = (STATIC / "favicon.svg").read_text(encoding="utf-8")
    (STATIC / "favicon.ico").write_bytes(ico(render(svg, SIZES), SIZES))
    print(f"{STATIC / 'favicon.ico'} ({', '.join(f'{s} px' for s in SIZES)})")
