"""A kill at any instant of a save: the project file is always whole, either the old one or the new."""

from pathlib import Path

from playground.core.project import load
from playground.core.project_write import save
from tests.faults import killed_at_random
from tests.helpers import mlp, project

LOOP = """
import sys
from pathlib import Path
from playground.core.project_write import save
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
    seen = set()
    for _ in killed_at_random(LOOP, target, rounds=6, seed=7, most=0.4):
        notes = load(target).notes  # never half a file
        assert notes == "0" or (notes == notes[: len(notes) // 2000] * 2000 and notes[: len(notes) // 2000].isdigit())
        seen.add(notes[:10])
    assert len(seen) > 1  # the saves were under way when killed
