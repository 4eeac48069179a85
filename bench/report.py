"""Benchmark: render a 10,000-finding HTML report and open it in headless Chromium.

Measures the time to render the file, its size, the time until the page is interactive (the
report's script has wired the explorer: ``html[data-ready]``), and how long a filter and a
search take. Run: ``python bench/report.py [--findings N] [--runs R]``; record the figures in
docs/performance.md. Uses Debian's /usr/bin/chromium; never downloads a browser.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "reports"))

import scan_builder

from auditor.reports import render

# Set a control's value, fire its event, wait out the debounce and one frame; milliseconds.
_TIMED = """new Promise(done => {
  const el = document.getElementById(%r); const t0 = performance.now();
  el.value = %r; el.dispatchEvent(new Event(%r));
  setTimeout(() => requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0))), %d);
})"""

ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    t0 = time.perf_counter()
    result = scan_builder.build(math.ceil(args.findings / 3), hostile=True)
    build_s = time.perf_counter() - t0
    render_times, sizes = [], []
    html = ""
    for _ in range(args.runs):
        t0 = time.perf_counter()
        html = render(result, "html")
        render_times.append(time.perf_counter() - t0)
        sizes.append(len(html.encode()))
    out = Path(tempfile.mkdtemp()) / "report.html"
    out.write_text(html, encoding="utf-8")

    from playwright.sync_api import sync_playwright

    ready, dcl, filter_ms, search_ms, apply_ms = [], [], [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for _ in range(args.runs):
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            t0 = time.perf_counter()
            page.goto(out.as_uri(), wait_until="commit")
            page.wait_for_selector("html[data-ready='1']", state="attached", timeout=120_000)
            ready.append(time.perf_counter() - t0)
            nav = page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])")
            import json

            dcl.append(json.loads(nav)["domContentLoadedEventEnd"] / 1000)
            # In-page timings: the explorer's own work plus the next frame (style, layout, paint).
            filter_ms.append(page.evaluate(_TIMED % ("f-sev", "critical", "change", 0)))
            page.evaluate(_TIMED % ("f-sev", "", "change", 0))
            search_ms.append(page.evaluate(_TIMED % ("f-search", "training-data-00042", "input", 200)))
            apply_ms.append(float(page.get_attribute("#findings-count", "data-ms") or "nan"))
            assert "shown of 3 matching" in page.inner_text("#findings-count")
            page.close()
        browser.close()

    med = statistics.median
    print(f"findings: {len(result.findings)}  controls: {len(result.controls)}  resources: {len(result.inventory)}")
    print(f"build scan result (engine + compliance, not part of rendering): {build_s:.2f} s")
    print(f"render HTML: median {med(render_times):.2f} s over {args.runs} runs; file {sizes[-1] / 1e6:.1f} MB")
    print(f"open in Chromium until interactive: median {med(ready):.2f} s (DOMContentLoaded {med(dcl):.2f} s)")
    print(f"severity filter to next frame: median {med(filter_ms):.0f} ms")
    print(f"search to next frame (includes the 120 ms debounce; waits 200 ms): median {med(search_ms):.0f} ms; "
          f"explorer work per search: median {med(apply_ms):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
