"""The --threads option shared by stylize, demo and serve (train, apply and video have their
own): how many CPU threads PyTorch uses. A busy machine makes every extra thread wait, so the
default takes the cores not already busy (from the load average), or OMP_NUM_THREADS when set."""
from __future__ import annotations

import os
from typing import Optional

from .errors import BrushworkError

HELP = ("CPU threads for PyTorch (default 0: automatic, the cores not already busy by the load "
        "average, or $OMP_NUM_THREADS when set; 1 is often fastest on a busy machine)")


def add_threads_argument(parser) -> None:
    parser.add_argument("--threads", type=int, default=0, metavar="N", help=HELP)


def auto_threads(cores: Optional[int] = None, load: Optional[float] = None) -> int:
    """The cores this process may use less those the load average says are busy (at least 1)."""
    cores = cores or len(os.sched_getaffinity(0))
    load = os.getloadavg()[0] if load is None else load
    return max(1, min(cores, round(cores - load)))


def use_threads(threads: int) -> int:
    """Set PyTorch's thread count (0: automatic); returns the count in use."""
    import torch

    if threads < 0:
        raise BrushworkError(f"--threads must be 0 (automatic) or more, not {threads}")
    if threads == 0 and os.environ.get("OMP_NUM_THREADS"):
        return torch.get_num_threads()
    torch.set_num_threads(threads or auto_threads())
    return torch.get_num_threads()
