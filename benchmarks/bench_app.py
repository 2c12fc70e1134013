"""Time from pressing Run to the first replicate on the planning page.

Starts ``growthsim app`` on the baseline plan at 10,000 people (365 days, 20 replicates)
in a subprocess, loads the page in headless Chromium (Playwright, the system browser),
presses Run ``--repeats`` times and measures, on the browser's side, the time until the
progress line "1 of 20 replicates" is on screen (the first replicate's charts and figures
arrive in the same update); it also reads the server's own figure shown on the page
("first replicate shown X s after Run"). The baseline, measured in the same run and the
same process tree: one replicate of the same plan with ``growthsim.runner.simulate`` in
this process (kernels loaded), so the ratio says what the page adds to the simulation.

    .venv/bin/python benchmarks/bench_app.py [--repeats 3] [--size 10000]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--size", type=int, default=10_000)
    args = ap.parse_args()

    from playwright.sync_api import expect, sync_playwright

    from growthsim.app.server import free_port
    from growthsim.runner import simulate
    from growthsim.scenario.loader import validate_plan

    data = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    data.pop("variants", None)
    data["market"]["size"] = args.size
    data["name"] = f"baseline at {args.size:,} people"
    plan = validate_plan(data)
    simulate(plan, plan.seed, 0)  # load the kernels, build the graph
    base = []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        simulate(plan, plan.seed, r + 1)
        base.append(time.perf_counter() - t0)

    with tempfile.TemporaryDirectory() as tmp:
        scen = Path(tmp) / "plan.yaml"
        scen.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "growthsim.cli", "app", str(scen), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=tmp,
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            for _ in range(240):
                try:
                    urllib.request.urlopen(url, timeout=5)
                    break
                except OSError:
                    time.sleep(0.5)
            browser_s, server_s = [], []
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = browser.new_page(viewport={"width": 1500, "height": 1000})
                page.goto(url)
                expect(page.locator(".gs-run")).to_be_visible(timeout=120_000)
                time.sleep(5)  # let the server's warm-up replicate finish, as a planner would
                for k in range(args.repeats):
                    t0 = time.perf_counter()
                    page.locator(".gs-run").click()
                    progress = page.locator(f".gs-run-{k + 1} .gs-progress")  # this press's output
                    expect(progress).to_contain_text("of 20 replicates", timeout=120_000)
                    browser_s.append(time.perf_counter() - t0)
                    m = re.search(r"first replicate shown ([0-9.]+) s", progress.inner_text())
                    server_s.append(float(m.group(1)) if m else float("nan"))
                    expect(progress).to_contain_text("finished in", timeout=300_000)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)

    one = min(base)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"plan: scenarios/baseline.yaml at {args.size:,} people, 365 days; {args.repeats} presses of Run")
    print("| measure | fastest s | all s | / one replicate |")
    print("|---|---:|---:|---:|")
    print(
        f"| one replicate, simulate() in-process (baseline) | {one:.2f} | "
        f"{', '.join(f'{x:.2f}' for x in base)} | 1.0x |"
    )
    print(
        f"| Run -> first replicate, server side | {min(server_s):.2f} | "
        f"{', '.join(f'{x:.2f}' for x in server_s)} | {min(server_s) / one:.1f}x |"
    )
    print(
        f"| Run -> first replicate on screen, browser side | {min(browser_s):.2f} | "
        f"{', '.join(f'{x:.2f}' for x in browser_s)} | {min(browser_s) / one:.1f}x |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
