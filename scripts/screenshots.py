"""README's screenshots of the web UI, taken on the demo's data.

    .venv/bin/python scripts/screenshots.py [--repo DIR] [--out docs]

Without --repo it runs `examples/demo.py --keep` (what `make demo KEEP=1` does) and uses the
repository it keeps. The demo tracks metrics only, so the script adds a few steps of small images
to each worker run (a pattern per run and step) for the Images explorer. Then it starts `aim up`
on the repository (a free loopback port), opens each explorer in headless Debian chromium through
playwright (as the browser tests do: `make test-browser` installs both), and saves one PNG per
page into --out, 1280x800, reduced to a 256-colour palette. `aim up` is stopped by its PID.
Needs the ui extra and playwright.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository root: the browser tests' harness (chromium, `aim up`)

from tests.web.helpers import launch, served, visit  # noqa: E402

VIEWPORT = {"width": 1280, "height": 800}
IMAGE_STEPS = 4
METRICS_QUERY = 'run.name != "shared" and metric.name in ["loss", "acc"]'


def demo_repository() -> Path:
    """Run the demo with --keep: the repository it keeps."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), "--keep"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"repository kept at (\S+)", out)
    if not found:
        raise SystemExit(f"the demo did not keep its repository:\n{out}")
    return Path(found.group(1))


def add_images(repo: Path) -> dict[str, str]:
    """Track IMAGE_STEPS small images into each worker run (once): run name -> hash."""
    import numpy as np

    from aim import Image, Repo, Run

    hashes = {run.name: run.hash for run in Repo(str(repo)).iter_runs()}
    for name, run_hash in sorted(hashes.items()):
        if not name.startswith("worker-"):
            continue
        run = Run(
            run_hash=run_hash, repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False
        )
        if run.get_image_sequence("samples", {"subset": "val"}) is None:  # not added before
            rank = int(name.split("-")[1])
            y, x = np.mgrid[0:64, 0:64] / 63.0
            for step in range(IMAGE_STEPS):
                phase = (step + 1) * (rank + 1) * 3.0
                pattern = 0.5 + 0.5 * np.sin(phase * x + (step + 1) * 4.0 * y)
                rgb = np.stack([0.2 + 0.7 * pattern, 0.3 + 0.4 * x, 0.9 - 0.6 * pattern * y], axis=-1)
                image = Image((rgb * 255).astype(np.uint8), caption=f"{name} step {step}")
                run.track(image, name="samples", step=step * 1000, context={"subset": "val"})
        run.close()
    return hashes


def save(page, path: Path) -> None:
    """A screenshot of the viewport as a 256-colour PNG (a UI's flat colours keep well)."""
    from PIL import Image as PILImage

    shot = PILImage.open(BytesIO(page.screenshot()))
    shot.convert("RGB").quantize(
        colors=256, method=PILImage.Quantize.MEDIANCUT, dither=PILImage.Dither.NONE
    ).save(path, optimize=True)
    print(f"{path} ({path.stat().st_size // 1024} KiB)")


def settle(page) -> None:
    """Wait until every chart container has drawn all its charts and the images in view are in."""
    page.wait_for_function(
        "[...document.querySelectorAll('.charts')].every(c => c.dataset.drawn == 'all')", timeout=120_000
    )
    page.wait_for_function(
        "[...document.images].filter(i => i.src && i.getBoundingClientRect().top < innerHeight)"
        ".every(i => i.complete && i.naturalWidth > 0)",
        timeout=120_000,
    )


def shoot(url: str, hashes: dict[str, str], out: Path) -> None:
    from playwright.sync_api import sync_playwright

    q, workers = quote(METRICS_QUERY), quote('run.name != "shared"')
    cols = quote(
        json.dumps(
            ["p:hparams.lr", "p:hparams.batch_size", 'm:last:loss {"subset": "val"}']
            + ['m:min:grad_norm {"subset": "train"}', 'm:last:acc {"subset": "val"}']
        )
    )
    y = quote('m:min:loss {"subset": "val"}')
    views = [
        ("ui-runs.png", "/runs", "runs"),
        (
            "ui-metrics.png",
            f"/metrics?q={q}&color=metric.context.subset&chart=metric.name&agg=mean&band=minmax&members=1",
            "metrics",
        ),
        ("ui-params.png", f"/params?q={workers}&cols={cols}", "params"),
        (
            "ui-scatters.png",
            f"/scatters?q={workers}&x=p:hparams.lr&y={y}&color=p:hparams.lr&trend=1",
            "scatters",
        ),
        ("ui-images.png", "/images?steps=4&size=96&group=run", "images"),
        ("ui-run.png", f"/runs/{hashes['worker-2']}/metrics", "run-metrics"),
    ]
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(120_000)
        for name, path, what in views:
            visit(page, url + path, what)
            settle(page)
            page.mouse.move(0, 0)  # no hover label
            save(page, out / name)
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, help="a repository `make demo KEEP=1` kept (else the demo runs)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where the PNGs go (docs/)")
    args = parser.parse_args(argv)
    repo = args.repo or demo_repository()
    hashes = add_images(repo)
    args.out.mkdir(parents=True, exist_ok=True)
    with served(repo) as url:
        shoot(url, hashes, args.out)
    print(f"repository: {repo}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
