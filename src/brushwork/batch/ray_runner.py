"""Running a batch on Ray Data: the items become a dataset of one row each (paths and settings as
JSON), `map_batches` sends them to a pool of actors that each load the backbone or the fast model
once, and the encoded images stream back to the driver, which writes them under their planned names
and records them, exactly as a local run does. Ray is the optional extra brushwork[ray]."""
from __future__ import annotations

import json
import os
from typing import Callable, Iterator, Optional

from ..errors import BrushworkError
from .worker import Worker

INSTALL = "pip install 'brushwork[ray]'"
FAST_BATCH = 16  # rows per actor call for a fast model, whose images take milliseconds


def require_ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise BrushworkError(f"--ray needs Ray, which is not installed: {INSTALL}") from None
    return ray


def cluster_address(address: Optional[str]) -> Optional[str]:
    """The cluster to join: --ray ADDRESS, else $RAY_ADDRESS, else $ADDRESS; None starts a local one."""
    return address or os.environ.get("RAY_ADDRESS") or os.environ.get("ADDRESS") or None


def connect(address: Optional[str]) -> tuple:
    """(ray, started): join the cluster, or start a local Ray when there is none to join."""
    ray = require_ray()
    if ray.is_initialized():
        return ray, False
    import logging
    address = cluster_address(address)
    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False,
                 **({} if address else {"include_dashboard": False}))
    except (ConnectionError, RuntimeError, ValueError) as e:
        raise BrushworkError(f"could not join the Ray cluster at {address or 'a new local Ray'}: "
                             f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    ray.data.DataContext.get_current().enable_progress_bars = False  # brushwork shows its own bar
    return ray, True


class BatchActor:
    """A Ray Data actor: one Worker (model loaded once) per actor; torch uses num_cpus threads."""

    def __init__(self, recipe: dict, threads: int):
        self.worker = Worker(recipe, threads)

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        records, data = [], []
        for text in batch["item"]:
            record, image = self.worker(json.loads(text))
            records.append(json.dumps(record))
            data.append(image or b"")
        return {"record": np.array(records, dtype=object), "data": np.array(data, dtype=object)}


def run_ray(recipe: dict, address: Optional[str] = None, num_cpus: float = 1, num_gpus: float = 0,
            actors: int = 0) -> Callable[[list], Iterator]:
    """A runner for execute(): actors (0: as many as the cluster's CPUs allow) of num_cpus each."""
    def run(items) -> Iterator:
        ray, started = connect(address)
        try:
            yield from stream(ray, items, recipe, num_cpus, num_gpus, actors)
        finally:
            if started:
                ray.shutdown()
    return run


def stream(ray, items, recipe, num_cpus, num_gpus, actors) -> Iterator:
    pool = actors or max(1, int(ray.cluster_resources().get("CPU", 1) // max(num_cpus, 1e-3)))
    rows = [{"item": json.dumps(item.to_dict())} for item in items]
    size = FAST_BATCH if recipe["kind"] == "fast" else 1  # an optimisation is seconds: one at a time
    blocks = -(-len(rows) // size)  # small blocks spread evenly over the actors
    dataset = ray.data.from_items(rows, override_num_blocks=blocks)
    out = dataset.map_batches(BatchActor, fn_constructor_kwargs={"recipe": recipe,
                                                                 "threads": max(1, int(num_cpus))},
                              batch_size=size, batch_format="numpy",
                              compute=ray.data.ActorPoolStrategy(size=min(pool, blocks)),
                              num_cpus=num_cpus, **({"num_gpus": num_gpus} if num_gpus else {}))
    for row in out.iter_rows():
        yield json.loads(row["record"]), bytes(row["data"]) or None
