"""A kill at any instant of saving weights and trainer state: what is left always resumes, from the new
pair or (a kill between the two renames) from the pair saved before it; never a traceback, never a
silently mixed pair."""

from pathlib import Path

from playground.nn.checkpoint import load_checkpoint
from tests.faults import killed_at_random
from tests.nn.test_trainer import blobs

LOOP = """
import sys
from pathlib import Path
from playground.nn.checkpoint import save_checkpoint
from tests.nn.test_trainer import blobs
trainer = blobs()
stem = Path(sys.argv[1])
trainer.step()
save_checkpoint(trainer, stem)
print("ready", flush=True)
while True:
    trainer.step()
    save_checkpoint(trainer, stem)
"""


def test_a_checkpoint_killed_at_random_instants_always_resumes(tmp_path: Path) -> None:
    stem = tmp_path / "run"
    for _ in killed_at_random(LOOP, stem, rounds=4, seed=3, most=0.6):
        trainer = blobs()
        note = load_checkpoint(trainer, stem)  # a CheckpointError here fails the test
        assert trainer.step_count >= 1 and (note == "" or "is resumed" in note)
        assert trainer.step().step == trainer.step_count
