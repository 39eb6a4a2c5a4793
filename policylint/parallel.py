"""Running files through the pipeline: in this process, in worker
processes (``--jobs``), and from the result cache.

Workers are forked after the engine is built, so the language pipeline and
the compiled rules are shared, not rebuilt. Each file comes back as a small
``Outcome``; results are returned in the order the files were given, so the
output does not depend on the number of workers.

Building the engine (importing spaCy above all) takes about a second in
which only one core works. Meanwhile a reader process, forked before spaCy
is imported, reads and classifies files (which needs no spaCy) and sends
the documents back; when the engine is ready the reader is stopped, and
the workers, forked with those documents in memory, only analyse them.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from policylint import cache as result_cache

_ENGINE = None
_OPTIONS = None
_READ: dict[int, tuple] = {}  # files read ahead, by index: what read_and_classify gave


def _init(engine, options, read) -> None:
    global _ENGINE, _OPTIONS, _READ
    _ENGINE, _OPTIONS, _READ = engine, options, read


def _work(task: tuple[int, Path]):
    from policylint.run import finish, process

    i, path = task
    read = _READ.get(i)
    if read is not None:
        return finish(read, _ENGINE)
    return process(path, _OPTIONS, _ENGINE)


def _read_files(files: list[Path], order: list[int], options, sender) -> None:
    """In the reader process: read and classify files in ``order``, sending
    each result as it is done, until killed or finished."""
    from policylint.run import read_and_classify

    try:
        for i in order:
            sender.send((i, read_and_classify(files[i], options)))
    except BaseException:  # noqa: BLE001 - a broken pipe or a bug: the workers read what is left
        pass
    finally:
        sender.close()


class _ReadAhead:
    """A reader process, forked now, whose results a thread of this process
    collects until ``stop``: then the reader is killed (it only reads, so
    that is safe) and what has fully arrived is returned. The thread only
    takes the bytes off the pipe (waiting on it without the GIL), so the
    main thread's work goes on undisturbed; they are unpickled at the end."""

    def __init__(self, files: list[Path], order: list[int], options):
        ctx = multiprocessing.get_context("fork")
        self.messages: list[bytes] = []
        receiver, sender = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_read_files, args=(files, order, options, sender), daemon=True)
        self.process.start()
        sender.close()
        self.receiver = receiver
        self.thread = threading.Thread(target=self._collect, daemon=True)
        self.thread.start()

    def _collect(self) -> None:
        try:
            while True:
                self.messages.append(self.receiver.recv_bytes())
        except BaseException:  # noqa: BLE001 - the reader stopped (or was stopped mid-message)
            pass

    def stop(self) -> dict[int, tuple]:
        self.process.kill()
        self.process.join()
        self.thread.join()
        self.receiver.close()
        read = {}
        for message in self.messages:  # whole messages only: recv_bytes returns nothing partial
            i, result = pickle.loads(message)
            read[i] = result
        return read


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
        # Largest files first: a big file started last would keep one worker
        # busy while the others wait. Outcomes still go back in file order.
        order = sorted(todo, key=lambda i: -_size(files[i]))
        # The reader takes the smallest files, the workers' last ones.
        ahead = _ReadAhead(files, order[::-1], worker_options) if "spacy" not in sys.modules else None
        try:
            engine.prepare()  # built once here, shared by the forked workers
        finally:
            read = ahead.stop() if ahead else {}
        # Keep the collector off what is already built, so the workers do not
        # touch (and so copy) the shared pages each time it runs.
        gc.freeze()
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init,
                                 initargs=(engine, worker_options, read)) as pool:
            for i, outcome in zip(order, pool.map(_work, [(i, files[i]) for i in order], chunksize=1)):
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
