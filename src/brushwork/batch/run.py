"""Running a batch: skip what a previous run finished, run the rest on some runner (this process,
local worker processes, or Ray), write each image and its record as it arrives, show a bar with
done, failed and an ETA, and sum up at the end."""
from __future__ import annotations

import os
import signal
from dataclasses import dataclass, field
from typing import Callable, Iterator

from .results import Results, is_done, keep, remove_leftovers
from .worker import Worker


@dataclass
class Summary:
    total: int
    skipped: int = 0  # done by an earlier run
    done: int = 0
    failed: list = field(default_factory=list)  # their records

    def line(self) -> str:
        return (f"{self.done} done, {self.skipped} already done, {len(self.failed)} failed "
                f"(of {self.total})")


def execute(items, run_items: Callable[[list], Iterator], results_path, quiet: bool = False) -> Summary:
    """Run the items not done yet through run_items(todo) -> iterator of (record, image bytes)."""
    from tqdm import tqdm

    results = Results(results_path)
    before = results.load()
    todo = [it for it in items if not is_done(before.get(it.output), it)]
    summary = Summary(len(items), skipped=len(items) - len(todo))
    remove_leftovers(todo)
    bar = tqdm(total=len(todo), unit="img", desc="batch", disable=quiet or not todo, dynamic_ncols=True)
    try:
        for record, data in run_items(todo) if todo else ():
            record = keep(record, data)
            results.append(record)
            if record["status"] == "ok":
                summary.done += 1
            else:
                summary.failed.append(record)
            bar.set_postfix(done=summary.done, failed=len(summary.failed), refresh=False)
            bar.update(1)
    finally:
        bar.close()
        results.close()
    return summary


def default_workers(device: str = "cpu") -> int:
    """One single-threaded process per core (measured faster than one process using every core:
    docs/batch.md); one process when a GPU does the work."""
    if device == "cuda":
        return 1
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def run_local(recipe: dict, workers: int = 1, threads: int = 0) -> Callable[[list], Iterator]:
    """A runner over `workers` processes with `threads` torch threads each; one worker runs here."""
    def run(items) -> Iterator:
        if workers <= 1 or len(items) <= 1:
            worker = Worker(recipe, threads)
            yield from (worker(item.to_dict()) for item in items)
            return
        yield from run_pool(items, recipe, min(workers, len(items)), threads)
    return run


def run_pool(items, recipe: dict, workers: int, threads: int) -> Iterator:
    """Items over a pool of worker processes, results as they finish. On Ctrl-C (or any stop) the
    workers are ended at once; the items they held are simply not recorded, so a re-run does them."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # fork after torch has threads can deadlock
    pool = context.Pool(workers, initializer=_start, initargs=(recipe, threads))
    try:
        yield from pool.imap_unordered(_work, [item.to_dict() for item in items])
        pool.close()
    finally:
        pool.terminate()
        pool.join()


_WORKER = None  # each pool process's own Worker, made once by _start


def _start(recipe: dict, threads: int) -> None:
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    _WORKER = Worker(recipe, threads)


def _work(item: dict) -> tuple:
    return _WORKER(item)
