"""The shared GAN step captured as CUDA graphs: a few hundred kernel launches become one.

At batch 16 on 64x64 frames a GPU step is launch-bound: the kernels are tiny and
Python issues them one by one. Replaying a captured graph issues them all at once.
A graph cannot branch, so each kind of step (the plain one, the lazy R1 step) is
captured as a graph of its own, and the caller picks which to replay.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch


#: Eager steps of each kind before its capture, on a side stream, as PyTorch asks: cuDNN picks its
#: algorithms and the allocator settles. They are real training steps.
WARMUP_STEPS = 3


@dataclass
class _Captured:
    """One kind of step's graph, the static tensors it reads and the one it writes."""

    graph: torch.cuda.CUDAGraph
    inputs: tuple[torch.Tensor, ...]
    out: torch.Tensor


class CudaGraphStep:
    """Runs ``step(real, noise, *more, r1=...) -> (4,) tensor`` eagerly a few times per kind, then captures and replays.

    ``r1`` names the kind of step (the lazy penalty step or not): each kind gets its own
    warm-up and graph. Inputs are copied into static tensors before each replay; each
    call returns a copy of the graph's output, which the next replay overwrites. The
    optimizers must be built with ``capturable=True`` and their state must not be
    replaced after capture (load checkpoints first). ``generators``: the CUDA
    generators the step draws from besides the default one (the augmentations'),
    registered with each graph so that every replay draws afresh and advances them as
    an eager step would. Whatever else the step reads (the networks' weights, the
    augmentations' strength, the playfields) must be changed in place, never replaced.
    """

    def __init__(self, step: Callable[..., torch.Tensor], generators: Sequence[torch.Generator] = ()) -> None:
        self._step = step
        self._generators = tuple(generators)
        self._calls: dict[bool, int] = {False: 0, True: 0}
        self._captured: dict[bool, _Captured] = {}

    def __call__(self, real: torch.Tensor, *more: torch.Tensor, r1: bool = False) -> torch.Tensor:
        """``more``: the step's other tensor inputs (noise, and labels for conditional networks)."""
        if real.device.type != "cuda":
            raise ValueError(f"CUDA graphs need CUDA tensors; got a batch on {real.device}")
        captured = self._captured.get(r1)
        if captured is None and self._calls[r1] < WARMUP_STEPS:
            self._calls[r1] += 1
            return self._warm_up(real, *more, r1=r1)
        if captured is None:
            captured = self._captured[r1] = self._capture(real, *more, r1=r1)
        elif real.shape != captured.inputs[0].shape:
            raise ValueError(f"a captured step needs batches of shape {tuple(captured.inputs[0].shape)}; "
                             f"got {tuple(real.shape)}")
        for static, given in zip(captured.inputs, (real, *more)):
            static.copy_(given, non_blocking=True)
        captured.graph.replay()
        return captured.out.clone()

    def _warm_up(self, *inputs: torch.Tensor, r1: bool) -> torch.Tensor:
        device = inputs[0].device
        side = torch.cuda.Stream(device)
        side.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(side):
            out = self._step(*inputs, r1=r1)
        torch.cuda.current_stream(device).wait_stream(side)
        # Read later on this stream: the allocator must not hand its memory back to the side stream first.
        out.record_stream(torch.cuda.current_stream(device))
        return out

    def _capture(self, *inputs: torch.Tensor, r1: bool) -> _Captured:
        static = tuple(t.clone() for t in inputs)
        graph = torch.cuda.CUDAGraph()
        if self._generators and not hasattr(graph, "register_generator_state"):
            raise RuntimeError(f"CUDA graphs of a step that draws from its own generator need a torch whose "
                               f"CUDAGraph has register_generator_state; this is torch {torch.__version__}")
        for generator in self._generators:
            graph.register_generator_state(generator)
        # Thread-local: the sampler's thread pins batches meanwhile, and the pinned-memory cache's event queries
        # there would end a capture made in the default, global mode (CUDA forbids them in any thread then).
        with torch.cuda.graph(graph, capture_error_mode="thread_local"):
            out = self._step(*static, r1=r1)
        return _Captured(graph, static, out)
