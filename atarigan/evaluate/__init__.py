"""How good the frames are: a generator back from a checkpoint, PNG grids, the quality numbers."""
