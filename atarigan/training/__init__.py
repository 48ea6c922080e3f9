"""A training run: its plan, its start-up, the per-step routine, the two trainers, checkpoints and logs."""
