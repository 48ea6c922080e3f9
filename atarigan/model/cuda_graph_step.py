"""The shared GAN step captured as one CUDA graph: a few hundred kernel launches become one.

At batch 16 on 64x64 frames a GPU step is launch-bound: the kernels are tiny and
Python issues them one by one. Replaying a captured graph issues them all at once.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


#: Eager steps before capture, on a side stream, as PyTorch asks: cuDNN picks its
#: algorithms and the allocator settles. They are real training steps.
WARMUP_STEPS = 3


class CudaGraphStep:
    """Runs ``step(real, noise, *more) -> (4,) tensor`` eagerly a few times, then captures and replays it.

    Inputs are copied into static tensors before each replay; each call returns a
    copy of the graph's output, which the next replay overwrites. The optimizers
    must be built with ``capturable=True`` and their state must not be replaced
    after capture (load checkpoints first).
    """

    def __init__(self, step: Callable[..., torch.Tensor]) -> None:
        self._step = step
        self._calls = 0
        self._graph: torch.cuda.CUDAGraph | None = None
        self._inputs: tuple[torch.Tensor, ...] = ()
        self._out: torch.Tensor | None = None

    def __call__(self, real: torch.Tensor, *more: torch.Tensor) -> torch.Tensor:
        """``more``: the step's other tensor inputs (noise, and labels for conditional networks)."""
        if real.device.type != "cuda":
            raise ValueError(f"CUDA graphs need CUDA tensors; got a batch on {real.device}")
        if self._graph is None and self._calls < WARMUP_STEPS:
            side = torch.cuda.Stream(real.device)
            side.wait_stream(torch.cuda.current_stream(real.device))
            with torch.cuda.stream(side):
                out = self._step(real, *more)
            torch.cuda.current_stream(real.device).wait_stream(side)
            # Read later on this stream: the allocator must not hand its memory back to the side stream first.
            out.record_stream(torch.cuda.current_stream(real.device))
            self._calls += 1
            return out
        if self._graph is None:
            self._capture(real, *more)
        elif real.shape != self._inputs[0].shape:
            raise ValueError(f"a captured step needs batches of shape {tuple(self._inputs[0].shape)}; got {tuple(real.shape)}")
        for static, given in zip(self._inputs, (real, *more)):
            static.copy_(given, non_blocking=True)
        self._graph.replay()
        return self._out.clone()

    def _capture(self, *inputs: torch.Tensor) -> None:
        self._inputs = tuple(t.clone() for t in inputs)
        self._graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self._graph):
            self._out = self._step(*self._inputs)
