"""Make the README's phone screenshots: the home page and a practice page in Hungarian, as a phone shows them.

Builds the bundled data into a temporary store, serves it with `kg serve`, and opens each page in Debian's
headless Chromium as a 390x844 phone (two device pixels a CSS pixel) whose browser asks for Hungarian.

    .venv/bin/python docs/screenshots.py      # writes docs/images/*.png (shown by the README and the manual)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "docs" / "images"
sys.path.insert(0, str(ROOT))

from tests.chromium import ARGS, CHROMIUM  # noqa: E402
from tests.sparql_server import free_port  # noqa: E402

KG = [sys.executable, "-m", "kg"]
#: (file, path, language): what each screenshot shows.
SHOTS = [
    ("hu-home-phone.png", "/", "hu"),
    ("hu-practice-phone.png", "/id/innocrafts/practice/IC-GP01", "hu"),
]


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="kg-screenshots-") as folder:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("KG_")}, "KG_STORE": f"oxigraph:{folder}/s"}
        env["KG_PROCESSES"] = "1"
        subprocess.run([*KG, "build", "-q"], check=True, cwd=ROOT, env=env)
        port = free_port()
        server = subprocess.Popen([*KG, "serve", "--port", str(port)], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(url + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.5)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                for name, path, lang in SHOTS:
                    context = browser.new_context(
                        viewport={"width": 390, "height": 844},
                        device_scale_factor=2,
                        is_mobile=True,
                        has_touch=True,
                        locale=lang,
                        extra_http_headers={"Accept-Language": lang},
                    )
                    page = context.new_page()
                    page.goto(url + path, wait_until="networkidle")
                    page.screenshot(path=HERE / name)
                    context.close()
                    print(f"wrote {HERE / name}")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
