"""Real frames: emulators, batches, and the byte-to-[-1, 1] mapping."""
