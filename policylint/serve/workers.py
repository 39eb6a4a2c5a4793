"""Where checks run: a pool of threads, each with a warm engine of its own,
never the event loop (which keeps serving pages and progress meanwhile).

Building an engine -- importing spaCy, building the language pipeline and
the phrase tables -- takes a second or two, so engines are built once and
reused: the first is handed in by the command (made before the server
starts, so a rule file that does not load stops ``policylint serve`` with
its error), the others are built by the threads as they are first needed.
Each thread holds one engine at a time and there are as many engines as
threads, so no engine is used by two checks at once.

The time limit of a file (``limits.timeout-seconds``) is the flow's own:
readers and the language stage check it as they go. A thread cannot be
killed, so unlike ``policylint check``, which can stop a worker process
stuck inside one C call, the server relies on those checks.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from policylint.engine import Engine
    from policylint.run import Options

T = TypeVar("T")


class Workers:
    def __init__(self, options: Options, size: int = 2, engine: Engine | None = None) -> None:
        self.options = options
        self.size = max(1, size)
        self._executor = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="policylint-check")
        self._engines: queue.SimpleQueue[Engine] = queue.SimpleQueue()
        self._made = 0
        self._lock = threading.Lock()
        if engine is not None:
            self._engines.put(engine)
            self._made = 1

    def _take(self) -> Engine:
        try:
            return self._engines.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            build = self._made < self.size
            if build:
                self._made += 1
        if not build:
            return self._engines.get()
        from policylint.run import make_engine

        try:
            return make_engine(self.options)
        except BaseException:
            with self._lock:
                self._made -= 1
            raise

    def submit(self, job: Callable[[Engine], T]) -> Future[T]:
        """Run ``job(engine)`` on a thread of the pool."""

        def run() -> T:
            engine = self._take()
            try:
                return job(engine)
            finally:
                self._engines.put(engine)

        return self._executor.submit(run)

    def warm(self) -> Future[None]:
        """Build the pipeline and phrase tables of one engine now, so the
        first upload does not wait for them."""
        return self.submit(lambda engine: engine.prepare())

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
