"""The --threads option shared by stylize, demo and serve (train, apply and video have their
own): how many CPU threads PyTorch uses. A busy machine makes every extra thread wait, so the
default takes the cores not already busy (measured over 0.2 s), or OMP_NUM_THREADS when set."""
from __future__ import annotations

import os
import time
from typing import Optional

from .errors import BrushworkError

HELP = ("CPU threads for PyTorch (default 0: automatic, the cores not busy with other work, "
        "or $OMP_NUM_THREADS when set; 1 is often fastest on a busy machine)")


def add_threads_argument(parser) -> None:
    parser.add_argument("--threads", type=int, default=0, metavar="N", help=HELP)


def busy_cores(interval: float = 0.2) -> float:
    """How many cores are busy right now: Linux's /proc/stat sampled over `interval` seconds, or
    the one-minute load average where there is no /proc/stat. The load average alone misleads on
    a quiet machine: it decays slowly, so a run that ended a minute ago still counts 0.5-0.9 of a
    core, which once halved the threads of the next run on a 2-core machine (75 s, not 46 s)."""
    def sample():
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait
    try:
        total0, idle0 = sample()
        time.sleep(interval)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return os.getloadavg()[0]
    if total1 <= total0:
        return 0.0
    return (1 - (idle1 - idle0) / (total1 - total0)) * (os.cpu_count() or 1)


def auto_threads(cores: Optional[int] = None, load: Optional[float] = None) -> int:
    """The cores this process may use less those busy (`load`, default busy_cores()), at least 1."""
    cores = cores or len(os.sched_getaffinity(0))
    load = busy_cores() if load is None else load
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
