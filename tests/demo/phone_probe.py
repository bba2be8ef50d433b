"""Draw saved pages in Chromium at 390×844 and print what the phone test measures, as JSON.

Run by tests/demo/test_phone_layout.py in a process of its own: Playwright's
event loop in the test's process would hide the demo's rolled-back
transaction from Django. Arguments: the Chromium path, a JSON file of
``{"pages": {path: html file}, "static": [[prefix, folder], …]}``.
"""

import json
import mimetypes
import sys
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

PHONE = {"width": 390, "height": 844}
ORIGIN = "http://testserver"
MEASURE = """() => {
    const table = document.querySelector("table.figures");
    return {
        h1: (document.querySelector("h1") || {}).innerText || "",
        width: document.scrollingElement.scrollWidth,
        table: table && [table.scrollWidth, table.clientWidth, getComputedStyle(table).overflowX],
    };
}"""


def static_file(folders, path: str) -> Path | None:
    for prefix, folder in folders:
        if prefix and not path.startswith(prefix + "/"):
            continue
        candidate = Path(folder) / (path[len(prefix) + 1 :] if prefix else path)
        if candidate.is_file():
            return candidate
    return None


def main(chromium: str, spec_file: str) -> None:
    spec = json.loads(Path(spec_file).read_text())
    pages = {path: Path(file).read_bytes() for path, file in spec["pages"].items()}

    def handle(route):
        url = urlsplit(route.request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        found = static_file(spec["static"], url.path.removeprefix("/static/"))
        if url.path.startswith("/static/") and found:
            content_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            route.fulfill(
                status=200, body=found.read_bytes(), headers={"Content-Type": content_type}
            )
        elif path in pages:
            route.fulfill(status=200, body=pages[path], headers={"Content-Type": "text/html"})
        else:
            route.fulfill(status=404, body=b"")

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        context = browser.new_context(
            locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.route("**/*", handle)
        for path in pages:
            page.goto(ORIGIN + path)
            page.wait_for_load_state("load")
            results[path] = page.evaluate(MEASURE)
        browser.close()
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:])
