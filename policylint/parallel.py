"""Running files through the pipeline: in this process, in worker
processes (``--jobs``), and from the result cache.

Workers are forked after the engine is built, so the language pipeline and
the compiled rules are shared, not rebuilt. Each file comes back as a small
``Outcome``; results are returned in the order the files were given, so the
output does not depend on the number of workers.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from policylint import cache as result_cache

_ENGINE = None
_OPTIONS = None


def _init(engine, options) -> None:
    global _ENGINE, _OPTIONS
    _ENGINE, _OPTIONS = engine, options


def _work(path: Path):
    from policylint.run import process

    return process(path, _OPTIONS, _ENGINE)


def run_all(files: list[Path], options, engine) -> list:
    from policylint.run import process

    store = result_cache.Cache(options.cache_dir, engine, options) if options.cache_dir else None
    outcomes: list = [None] * len(files)
    todo: list[int] = []
    for i, path in enumerate(files):
        hit = store.get(path) if store else None
        if hit is not None:
            outcomes[i] = hit
        else:
            todo.append(i)
    done = len(files) - len(todo)
    jobs = max(1, min(options.jobs, len(todo)))
    worker_options = replace(options, progress=None)
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        for i in todo:
            done += 1
            if options.progress:
                options.progress(done, len(files), str(files[i]))
            outcomes[i] = process(files[i], worker_options, engine)
    else:
        engine.prepare()  # built once here, shared by the forked workers
        # Keep the collector off what is already built, so the workers do not
        # touch (and so copy) the shared pages each time it runs.
        gc.freeze()
        ctx = multiprocessing.get_context("fork")
        # Largest files first: a big file started last would keep one worker
        # busy while the others wait. Outcomes still go back in file order.
        order = sorted(todo, key=lambda i: -_size(files[i]))
        with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init,
                                 initargs=(engine, worker_options)) as pool:
            for i, outcome in zip(order, pool.map(_work, [files[i] for i in order], chunksize=1)):
                done += 1
                if options.progress:
                    options.progress(done, len(files), str(files[i]))
                outcomes[i] = outcome
    if store:
        for i in todo:
            store.put(files[i], outcomes[i])
    return outcomes


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reported when it is read


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
