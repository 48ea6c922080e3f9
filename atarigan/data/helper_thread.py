"""Helper threads that call torch without starting a second OpenMP thread team.

torch runs each parallel CPU operator on an OpenMP team owned by the calling thread. When a
helper thread (the sampler's frame threads, its background thread) runs one, libgomp starts a
second team for it, and with more OpenMP threads alive than cores it stops spinning between
parallel regions: the training threads then sleep after every operator and the GAN step pays a
wake-up per operator (docs/performance.md, "A second OpenMP team"). A helper thread limited to
one OpenMP thread runs its operators on itself and starts no team.

Why threadpoolctl and not ``torch.set_num_threads(1)``: torch's setting is process-wide (every
thread that starts computing later reads it), threadpoolctl's OpenMP limit is the calling
thread's own.
"""

from __future__ import annotations

import torch
from threadpoolctl import threadpool_limits


def single_openmp_thread() -> None:
    """Keep this thread's torch operators on this thread, for the thread's life; other threads keep theirs.

    Call it first thing in a helper thread, never in a thread that trains.

    >>> import threading
    >>> seen = []
    >>> def helper():
    ...     single_openmp_thread()
    ...     seen.append(torch.get_num_threads())
    >>> thread = threading.Thread(target=helper); thread.start(); thread.join()
    >>> seen
    [1]
    """
    # torch gives each thread its OpenMP count at the thread's first parallel call; this call makes
    # that happen now, so it cannot undo the limit below later.
    torch.get_num_threads()
    threadpool_limits(1, user_api="openmp")
