"""Reading an image folder: 5,000 JPEGs of 256x256 (smooth colours and shapes, like photos, written once
with Pillow into a temporary folder) decoded and resized to 32x32 by the ``images`` dataset, first with an
empty cache, then from the cache; each read in a fresh process, whose peak memory is measured.

Targets on the 2-core machine: first read < 10 s, cached < 1 s, peak memory < 500 MB (the process's
peak resident memory less what it held before reading, torch's import among it; the total is printed
too). Several rounds, medians.

    python benchmarks/bench_images.py [--images 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ("cat", "dog", "fox", "owl", "yak")
READ = """
import json, resource, sys, time
from pathlib import Path
from playground.core.project_types import DatasetRef
from playground.nn.data import load_data
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
data = load_data(DatasetRef("images", {"folder": sys.argv[1], "size": 32}))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "images": len(data.train["y"]) + len(data.val["y"]),
                  "peak_mb": peak / 1024, "added_mb": (peak - before) / 1024}))
"""


def photo(rng: random.Random) -> Image.Image:
    image = Image.new("RGB", (256, 256), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        box = sorted(rng.uniform(0, 256) for _ in range(2)), sorted(rng.uniform(0, 256) for _ in range(2))
        shape = [box[0][0], box[1][0], box[0][1], box[1][1]]
        fill = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(shape, fill=fill)
    return image.filter(ImageFilter.GaussianBlur(2))


def make_folder(root: Path, count: int) -> None:
    rng = random.Random(0)
    templates = [photo(rng) for _ in range(50)]  # writing 5,000 distinct photos would take longer than reading them
    for n in range(count):
        folder = root / CLASSES[n % len(CLASSES)]
        folder.mkdir(parents=True, exist_ok=True)
        image = templates[n % len(templates)].rotate(n % 360)
        image.save(folder / f"{n:05d}.jpg", quality=90)


def read(folder: Path, data_dir: Path) -> dict:
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", READ, str(folder)], env=env, capture_output=True, text=True, check=True, timeout=600
    )
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-images-"))
    try:
        folder = work / "photos"
        make_folder(folder, args.images)
        first, cached = [], []
        for round_ in range(args.rounds):
            data_dir = work / f"app-data-{round_}"  # an empty cache each round
            first.append(read(folder, data_dir))
            cached.append(read(folder, data_dir))
            print(f"round {round_ + 1}: first {first[-1]['seconds']:.2f} s, cached {cached[-1]['seconds']:.3f} s")
        assert first[0]["images"] == args.images, first[0]
        cold = statistics.median(r["seconds"] for r in first)
        warm = statistics.median(r["seconds"] for r in cached)
        added = max(r["added_mb"] for r in first + cached)
        peak = max(r["peak_mb"] for r in first + cached)
        print(f"{args.images:,} JPEGs of 256x256 -> 32x32 on {os.cpu_count()} cores, median of {args.rounds} rounds:")
        print(f"  first read   {cold:6.2f} s   target < 10 s   {'ok' if cold < 10 else 'MISSED'}")
        print(f"  from cache   {warm:6.3f} s   target < 1 s    {'ok' if warm < 1 else 'MISSED'}")
        print(
            f"  peak memory  {added:6.0f} MB  target < 500 MB {'ok' if added < 500 else 'MISSED'} (reading; the process in all {peak:.0f} MB)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
