"""Reading a large CSV table: a 50 MB file of 16 numeric feature columns and a class column.

Each round loads the file in a fresh process (``playground.nn.data.load_data``, as ``train`` does:
parse, check every value, split, standardise) and reports its wall time and the process's peak
memory, before (after importing torch and pandas) and after loading. Targets: under 3 s and under
400 MB of peak memory for the load. Medians over the rounds.

    python benchmarks/bench_csv.py [--megabytes 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FEATURES = 16

CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
import pandas, torch
from playground.core.project import DatasetRef
from playground.nn.data import load_data
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
data = load_data(DatasetRef("csv", {"path": sys.argv[1]}))
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rows = len(data.train["x"]) + len(data.val["x"])
print(json.dumps({"seconds": seconds, "before_mb": before / 1024, "after_mb": after / 1024, "rows": rows}))
"""


def write_table(path: Path, megabytes: float) -> int:
    import pandas as pd

    rng = np.random.default_rng(0)
    chunk, rows = 50_000, 0
    with path.open("w") as handle:
        while handle.tell() < megabytes * 1e6:
            frame = pd.DataFrame(rng.normal(size=(chunk, FEATURES)), columns=[f"f{i}" for i in range(FEATURES)])
            frame["label"] = rng.integers(0, 5, size=chunk)
            frame.to_csv(handle, header=rows == 0, index=False, float_format="%.6f")
            rows += chunk
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=50.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        rows = write_table(path, args.megabytes)
        size = path.stat().st_size / 1e6
        print(f"{path.name}: {size:.1f} MB, {rows:,} rows x {FEATURES + 1} columns")
        results = []
        for round_ in range(args.rounds):
            done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(ROOT)], capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"loading failed:\n{done.stderr}")
            result = json.loads(done.stdout)
            results.append(result)
            print(
                f"round {round_ + 1}: {result['seconds']:.2f} s, peak {result['after_mb']:.0f} MB "
                f"(+{result['after_mb'] - result['before_mb']:.0f} MB over the imports' {result['before_mb']:.0f} MB)"
            )
    seconds = statistics.median(r["seconds"] for r in results)
    growth = statistics.median(r["after_mb"] - r["before_mb"] for r in results)
    print(f"median: {seconds:.2f} s (target < 3 s), peak growth {growth:.0f} MB (target < 400 MB)")


if __name__ == "__main__":
    main()
