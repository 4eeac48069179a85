"""Benchmark: render a 10,000-finding HTML report and open it in headless Chromium.

Measures the time to render the file, its size, the time until the page is interactive (the
report's script has wired the explorer: ``html[data-ready]``), and how long a filter and a
search take. Run: ``python bench/report.py [--findings N] [--runs R]``; record the figures in
docs/performance.md. Uses Debian's /usr/bin/chromium; never downloads a browser.

``--large 100000,1000000`` measures instead the bounded rendering of large results: for each
size, ``auditor evaluate`` (as ``bench/engine.py`` runs it) writes a real result with about that
many findings, then a fresh process renders its HTML report; wall time, CPU and peak RSS of that
process, and the file's size. Peak RSS should not grow with the number of findings.
"""

from __future__ import annotations

import argparse
import json
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


_RENDER = (
    "import resource, subprocess, sys, time;"
    "t = time.perf_counter(); p = subprocess.run(sys.argv[1:]); wall = time.perf_counter() - t;"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
    "print(u.ru_maxrss, round(u.ru_utime + u.ru_stime, 2), round(wall, 2));"
    "sys.exit(p.returncode)"
)
_RENDER_CHILD = (
    "import sys; from pathlib import Path; from auditor.result import ScanResult; from auditor.reports import render;"
    "Path(sys.argv[2]).write_text(render(ScanResult.load(Path(sys.argv[1])), 'html'), encoding='utf-8')"
)


def large(sizes: list[int]) -> int:
    """Render the HTML report of real results of each size in a fresh process; peak RSS per size."""
    import os
    import subprocess

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import engine as engine_bench

    rows = []
    with tempfile.TemporaryDirectory(prefix="auditor-bench-report-") as tmp:
        work = Path(tmp)
        items = engine_bench.demo_inventory(work)
        for findings in sizes:
            inventory = work / f"inventory-{findings}.json"
            resources = max(1, round(findings / 2.975))  # the demo makes about 2.975 findings per resource
            engine_bench.write_inventory(items, resources, inventory)
            result = work / f"result-{findings}.json"
            subprocess.run(
                [sys.executable, "-m", "auditor", "evaluate", str(inventory), "-f", "json", "--output", str(result),
                 "-q", "--fail-on", "none", "--no-store", "--force"],
                check=True, env={**os.environ, "AUDITOR_WORK_DIR": str(work)}, stdout=subprocess.DEVNULL,
            )
            inventory.unlink()
            html = work / "report.html"
            proc = subprocess.run(
                [sys.executable, "-c", _RENDER, sys.executable, "-c", _RENDER_CHILD, str(result), str(html)],
                capture_output=True, text=True, check=True,
            )
            peak_kib, cpu, wall = proc.stdout.split()
            from auditor.result import ScanResult

            summary = ScanResult.load(result).summary()
            row = {
                "resources": summary["resources"], "findings": summary["findings"],
                "render_wall_seconds": float(wall), "render_cpu_seconds": float(cpu),
                "load_average": round(os.getloadavg()[0], 1), "peak_rss_mib": round(int(peak_kib) / 1024, 1),
                "html_mb": round(html.stat().st_size / 1e6, 2), "result_mb": round(result.stat().st_size / 1e6, 1),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
            result.unlink()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--large", help="comma-separated finding counts: measure bounded rendering instead")
    args = parser.parse_args()
    if args.large:
        return large([int(s) for s in args.large.split(",") if s])

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
            dcl.append(json.loads(nav)["domContentLoadedEventEnd"] / 1000)
            # In-page timings: the explorer's own work plus the next frame (style, layout, paint).
            filter_ms.append(page.evaluate(_TIMED % ("f-sev", "critical", "change", 0)))
            page.evaluate(_TIMED % ("f-sev", "", "change", 0))
            # a resource the report lists (it keeps at most ROWS_PER_CHECK rows per check)
            term = page.evaluate("JSON.parse(document.getElementById('findings-data').textContent).rows[0][5]")
            search_ms.append(page.evaluate(_TIMED % ("f-search", term, "input", 200)))
            apply_ms.append(float(page.get_attribute("#findings-count", "data-ms") or "nan"))
            assert " 0 matching" not in page.inner_text("#findings-count")
            page.close()
        browser.close()

    med = statistics.median
    island = html.split('id="findings-data">', 1)[1].split("</script>", 1)[0]
    listed = len(json.loads(island)["rows"])
    print(f"findings: {len(result.findings)}  controls: {len(result.controls)}  resources: {len(result.inventory)}  "
          f"listed in the explorer: {listed}")
    print(f"build scan result (engine + compliance, not part of rendering): {build_s:.2f} s")
    print(f"render HTML: median {med(render_times):.2f} s over {args.runs} runs; file {sizes[-1] / 1e6:.1f} MB")
    print(f"open in Chromium until interactive: median {med(ready):.2f} s (DOMContentLoaded {med(dcl):.2f} s)")
    print(f"severity filter to next frame: median {med(filter_ms):.0f} ms")
    print(f"search to next frame (includes the 120 ms debounce; waits 200 ms): median {med(search_ms):.0f} ms; "
          f"explorer work per search: median {med(apply_ms):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
