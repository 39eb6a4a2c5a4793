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

The pool is our own rather than ``ProcessPoolExecutor``, because the main
process must stay in charge of every file and every child:

- A worker is handed files one by one (``QUEUED``: it holds the next one
  while on one, so it never waits for the main process to be scheduled),
  and answers in that order, so the main process knows which file each
  worker is on and since when. A worker still on one file after
  ``limits.timeout_seconds`` (plus a grace) is killed and the file becomes
  a PL005 finding: a tokenizer stuck in C code cannot be interrupted from
  inside. A worker that dies (a crashing parser, the OOM killer) costs its
  file a PL001 finding. Either way the file queued behind goes to another
  worker, a fresh worker is forked and the run goes on;
  ``ProcessPoolExecutor`` has no time limit per file and breaks as a whole
  when one worker dies. Should ``LOSSES_IN_A_ROW`` workers die with
  no file finished between them (memory short, say), no more are forked;
  once none is left, the files not yet checked are reported as such (PL001).
  Such outcomes say something about the machine, not the file, so they are
  not cached.
- Children die with the main process, however it ends: on Linux the kernel
  sends them SIGKILL (``PR_SET_PDEATHSIG``; strictly, when the thread that
  forked them ends, here ``run_all``'s, which outlives them); elsewhere a
  worker waiting for work sees its pipe close, and a watchdog thread sees
  the parent gone. Their stdin and stdout are /dev/null, so no child keeps
  open a pipe that reads policylint's output.
- Children ignore Ctrl-C: the main process kills and reaps them all, then
  lets ``KeyboardInterrupt`` go on.

Messages between the main process and its workers are pickled. That is safe
here only because both ends are this program: the workers are forked by
this process, run as the same user, and the pipes are anonymous (a
socketpair made before the fork), so nothing else can write to them. Do not
reuse this channel for data from anywhere else.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from policylint import cache as result_cache

if TYPE_CHECKING:  # the run module is imported when a run starts; the engine imports spaCy
    from policylint.document import Document
    from policylint.engine import Engine
    from policylint.findings import Finding
    from policylint.run import FileResult, Options, Outcome

    _Read = tuple[Document | None, FileResult, list[Finding]]  # what run.read_and_classify gives

_Prctl = Callable[..., int]  # libc's prctl(option, arg2, arg3, arg4, arg5)

GRACE_SECONDS = 2.0  # beyond limits.timeout_seconds, before a worker is killed
LOSSES_IN_A_ROW = 5  # workers that die with no file finished in between: then no more are forked
QUEUED = 2  # files a worker holds: the one it is on, and the next, so it never waits for this process

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


# -- children --------------------------------------------------------------------------


def _load_prctl() -> _Prctl | None:
    """libc's ``prctl`` on Linux, else None. Looked up in the main process,
    before forking, so a child only has to call it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def _become_child(parent: int, prctl: _Prctl | None) -> None:
    """First thing in a child forked from ``parent``: die with it, leave
    Ctrl-C to it, and let go of its stdin and stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C, and kills us
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked across the fork
    watched = prctl is not None and prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    if not watched:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)  # stderr stays: warnings and crash reports still reach the user
    os.close(devnull)


def _watch_parent(parent: int) -> None:
    """Without PR_SET_PDEATHSIG: end this child once it is orphaned."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


class _SigintBlocked:
    """Ctrl-C held back while children are forked or reaped, so the
    bookkeeping of which children exist is never left half done; a Ctrl-C
    that came meanwhile is raised on leaving."""

    def __enter__(self) -> None:
        self.old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})

    def __exit__(self, *exc: object) -> None:
        signal.pthread_sigmask(signal.SIG_SETMASK, self.old)


def _ended(pid: int, wait_seconds: float = 2.0) -> str:
    """Reap a child that has closed its end of the pipe (so is dying), killing
    it if it is still there after ``wait_seconds``; how it ended, in words."""
    stop = time.monotonic() + wait_seconds
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > stop:
            _kill(pid)
            _, status = os.waitpid(pid, 0)
            break
        time.sleep(0.01)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# -- the reader ------------------------------------------------------------------------


def _read_files(files: list[Path], order: list[int], options: Options, sender: Connection) -> None:
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


def _reader_main(parent: int, prctl: _Prctl | None, receiver: Connection, files: list[Path], order: list[int],
                 options: Options, sender: Connection) -> None:
    receiver.close()  # the parent's end: held here, a dead parent's pipe would never break
    _become_child(parent, prctl)
    _read_files(files, order, options, sender)


class _ReadAhead:
    """A reader process, forked now, whose results a thread of this process
    collects until ``stop``: then the reader is killed (it only reads, so
    that is safe) and what has fully arrived is returned. The thread only
    takes the bytes off the pipe (waiting on it without the GIL), so the
    main thread's work goes on undisturbed; they are unpickled at the end."""

    def __init__(self, files: list[Path], order: list[int], options: Options) -> None:
        ctx = multiprocessing.get_context("fork")
        self.messages: list[bytes] = []
        receiver, sender = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_reader_main, daemon=True,
                                   args=(os.getpid(), _load_prctl(), receiver, files, order, options, sender))
        with _SigintBlocked():
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

    def stop(self) -> dict[int, _Read]:
        with _SigintBlocked():
            self.process.kill()
            self.process.join()
        self.thread.join()
        self.receiver.close()
        read: dict[int, _Read] = {}
        for message in self.messages:  # whole messages only: recv_bytes returns nothing partial
            i, result = pickle.loads(message)
            read[i] = result
        return read


# -- the workers -----------------------------------------------------------------------


def _serve(conn: Connection, work: Callable[[int], Outcome]) -> None:
    """A worker's life: take a file's index, send back ``(index, True,
    outcome)`` or ``(index, False, (exception, traceback))``; end when the
    parent's end of the pipe closes."""
    while True:
        try:
            i: int = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        answer: tuple[int, bool, object]  # an outcome, or (exception, traceback)
        try:
            answer = (i, True, work(i))
        except Exception as exc:  # noqa: BLE001 - raised again in the parent, as with --jobs 1
            answer = (i, False, (exc, traceback.format_exc()))
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            error = RuntimeError(f"{type(answer[2]).__name__}: {answer[2]}")
            data = pickle.dumps((i, False, (error, traceback.format_exc())))
        conn.send_bytes(data)


class _Worker:
    def __init__(self, pid: int, conn: Connection) -> None:
        self.pid = pid
        self.conn = conn
        self.tasks: deque[int] = deque()  # indexes of the files sent, in order: the first is the one it is on
        self.deadline = 0.0  # for the first


class _Pool:
    """Worker processes forked from this one, each handed files one by one
    and watched: see the module's docstring. ``work(i)`` runs in a worker
    and gives file ``i``'s outcome; ``failed(i, code, reason, hint)`` makes
    the outcome of a file whose worker was lost."""

    def __init__(self, work: Callable[[int], Outcome], seconds: float,
                 failed: Callable[[int, str, str, str], Outcome]) -> None:
        self.work = work
        self.seconds = seconds
        self.failed = failed
        self.prctl = _load_prctl()
        self.workers: list[_Worker] = []
        self.losses = 0  # workers lost since a file was last finished
        self.stopped = ""  # why no more workers are forked, once that is so

    def start(self, size: int) -> None:
        for _ in range(size):
            if not self._fork():
                break

    def _fork(self) -> bool:
        """Start one more worker; False if the system would not fork."""
        ours, theirs = multiprocessing.Pipe(duplex=True)
        parent = os.getpid()
        gc.freeze()  # what exists now is shared: the collector must not touch (and so copy) it
        with _SigintBlocked():
            try:
                pid = os.fork()
            except OSError as exc:
                ours.close()
                theirs.close()
                self.stopped = f"no worker process could be started ({exc})"
                return False
            if pid == 0:
                self._child(parent, ours, theirs)  # never returns
            theirs.close()
            self.workers.append(_Worker(pid, ours))
        return True

    def _child(self, parent: int, ours: Connection, theirs: Connection) -> NoReturn:
        code = 1
        try:
            ours.close()
            for other in self.workers:  # their pipes must close when the parent dies
                other.conn.close()
            _become_child(parent, self.prctl)
            _serve(theirs, self.work)
            code = 0
        finally:
            os._exit(code)

    def run(self, order: list[int], done: Callable[[int, Outcome, bool], None]) -> None:
        """Check the files ``order`` indexes, calling ``done(i, outcome,
        cacheable)`` as each is finished (in whatever order they finish)."""
        self.waiting, self.done = deque(order), done
        while self.waiting or any(w.tasks for w in self.workers):
            for w in list(self.workers):
                while len(w.tasks) < QUEUED and self.waiting and self._give(w, self.waiting[0]):
                    self.waiting.popleft()
            if not self.workers:  # every worker lost, and no more may be forked
                for i in self.waiting:
                    done(i, self.failed(i, "PL001", f"not checked: {self.stopped}",
                                        "run again with fewer --jobs, or check this file alone"), False)
                return
            busy = [w for w in self.workers if w.tasks]
            if not busy:
                continue  # lost while being given work: the file went back to the queue
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            for conn in wait([w.conn for w in self.workers], timeout):
                self._answer(next(w for w in self.workers if w.conn is conn))
            now = time.monotonic()
            for w in [w for w in self.workers if w.tasks and now > w.deadline]:
                i = self._take_back(w)
                self._remove(w, kill=True)
                self._fork()
                done(i, self.failed(i, "PL005", f"checking took longer than {self.seconds:g} s; the worker "
                                    "checking it was stopped", _limits_hint()), False)

    def _give(self, w: _Worker, i: int) -> bool:
        try:
            w.conn.send_bytes(pickle.dumps(i))
        except OSError:  # it died
            self._lost(w)
            return False
        if not w.tasks:
            w.deadline = time.monotonic() + self.seconds + GRACE_SECONDS
        w.tasks.append(i)
        return True

    def _answer(self, w: _Worker) -> None:
        try:
            i, ok, value = pickle.loads(w.conn.recv_bytes())
        except (EOFError, OSError):
            self._lost(w)
            return
        w.tasks.popleft()  # that is ``i``: a worker answers in the order it was given files
        w.deadline = time.monotonic() + self.seconds + GRACE_SECONDS  # for the next, started now
        if not ok:
            exc, text = value
            raise exc from _RemoteError(text)
        self.losses = 0
        self.done(i, value, True)

    def _take_back(self, w: _Worker) -> int:
        """The file ``w`` is on (it must be on one); the files queued behind
        it go back to be given to another worker (they were not started)."""
        i = w.tasks.popleft()
        self.waiting.extendleft(reversed(w.tasks))
        w.tasks.clear()
        return i

    def _lost(self, w: _Worker) -> None:
        """``w`` died: it is reaped, the file it was on reported, and another
        worker forked unless too many died in a row."""
        i = self._take_back(w) if w.tasks else None
        how = self._remove(w, kill=False)
        self.losses += 1
        if self.losses < LOSSES_IN_A_ROW:
            self._fork()
        else:
            self.stopped = f"{self.losses} worker processes in a row died (the last: {how})"
        if i is not None:
            self.done(i, self.failed(i, "PL001", f"the worker checking this file died ({how})",
                                     "the file may crash a parser or need more memory than is free; check "
                                     "it alone with --jobs 1, and please report it if it is not damaged"), False)

    def _remove(self, w: _Worker, kill: bool) -> str:
        with _SigintBlocked():
            self.workers.remove(w)
            w.conn.close()
            if kill:
                _kill(w.pid)
            return _ended(w.pid)

    def close(self) -> None:
        """Kill and reap every worker (idle ones have nothing to lose)."""
        with _SigintBlocked():
            for w in self.workers:
                _kill(w.pid)
            for w in self.workers:
                w.conn.close()
                try:
                    os.waitpid(w.pid, 0)
                except ChildProcessError:  # reaped by someone else
                    pass
            self.workers.clear()


class _RemoteError(Exception):
    """The traceback, in the worker, of an exception raised again here."""

    def __str__(self) -> str:
        return "\n" + self.args[0]


def _limits_hint() -> str:
    from policylint.limits import hint

    return hint("timeout_seconds", "or split the file")


# -- the run ---------------------------------------------------------------------------


def run_all(files: list[Path], options: Options, engine: Engine) -> list[Outcome]:
    """The ``Outcome`` of each file, in the order given: from the cache,
    else checked here (``--jobs 1``) or by the pool."""
    from policylint.run import FileResult, Outcome, finish, process, reader_finding

    store = result_cache.Cache(options.cache_dir, engine, options) if options.cache_dir else None
    outcomes: dict[int, Outcome] = {}  # by index in ``files``: every one is filled before the end
    todo: list[int] = []
    for i, path in enumerate(files):
        hit = store.get(path) if store else None
        if hit is not None:
            outcomes[i] = hit
        else:
            todo.append(i)
    done = len(files) - len(todo)
    cacheable = set(todo)
    jobs = max(1, min(options.jobs, len(todo)))
    worker_options = replace(options, progress=None)

    def finished(i: int, outcome: Outcome, trusted: bool) -> None:
        nonlocal done
        done += 1
        if options.progress:
            options.progress(done, len(files), str(files[i]))
        outcomes[i] = outcome
        if not trusted:  # the machine's doing (time, memory), not the file's: not cached
            cacheable.discard(i)

    if (jobs > 1 or (options.isolate and todo)) and "fork" in multiprocessing.get_all_start_methods():
        # Largest files first: a big file started last would keep one worker
        # busy while the others wait. Outcomes still go back in file order.
        order = sorted(todo, key=lambda i: -_size(files[i]))
        read: dict[int, _Read] = {}
        if jobs > 1:
            # The reader takes the smallest files, the workers' last ones.
            ahead = _ReadAhead(files, order[::-1], worker_options) if "spacy" not in sys.modules else None
            try:
                engine.prepare()  # built once here, shared by the forked workers
            finally:
                read = ahead.stop() if ahead else {}
        # One worker (an isolated --jobs 1 run) builds what its files need itself.

        def work(i: int) -> Outcome:
            if i in read:
                return finish(read[i], engine, worker_options.limits)
            return process(files[i], worker_options, engine)

        def failed(i: int, code: str, reason: str, hint: str) -> Outcome:
            p = str(files[i])
            return Outcome(FileResult(p, error=reason), [reader_finding(p, code, reason, hint)])

        pool = _Pool(work, options.limits.timeout_seconds, failed)
        try:
            pool.start(jobs)
            if pool.workers:
                pool.run(order, finished)
                todo = []
        finally:
            pool.close()
    for i in todo:  # --jobs 1, or no worker could be forked
        finished(i, process(files[i], worker_options, engine), True)
    if store:
        for i in sorted(cacheable):
            store.put(files[i], outcomes[i])
    return [outcomes[i] for i in range(len(files))]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reported when it is read


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
