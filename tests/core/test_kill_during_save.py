"""A kill at any instant of a save: the project file is always whole, either the old one or the new."""

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from playground.core.project import load, save
from tests.helpers import mlp, project

ROOT = Path(__file__).resolve().parents[2]
LOOP = """
import sys
from pathlib import Path
from playground.core.project import save
from tests.helpers import mlp, project
target = Path(sys.argv[1])
done = project(mlp(), "spiral")
print("ready", flush=True)
step = 0
while True:
    step += 1
    done.notes = str(step) * 2000
    save(done, target)
"""


def test_a_save_killed_at_random_instants_leaves_a_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "p.json"
    first = project(mlp(), "spiral")
    first.notes = "0"
    save(first, target)
    chance = random.Random(7)
    seen = set()
    for _ in range(6):
        child = subprocess.Popen([sys.executable, "-c", LOOP, str(target)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(chance.uniform(0.05, 0.4))
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        notes = load(target).notes  # never half a file
        assert notes == "0" or (notes == notes[: len(notes) // 2000] * 2000 and notes[: len(notes) // 2000].isdigit())
        seen.add(notes[:10])
    assert len(seen) > 1  # the saves were under way when killed
