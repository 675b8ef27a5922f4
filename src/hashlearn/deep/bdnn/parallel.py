"""Race candidates side by side: each in a forked worker process, on a core of its own.

A worker runs a candidate's stages exactly as the race itself would and checkpoints
them; the race then loads them as it loads a resumed run's, so a race with workers
ends bit for bit as one without (each candidate trains on one thread either way).
Where no checkpoint folder is given, the workers leave their stages in a temporary
one. A worker that fails leaves its candidate to the race, which runs it again (from
the stages it had checkpointed) and raises the error there, with its traceback.

Examples
--------
>>> import os
>>> with Exchange.opened(workers=2) as exchange:
...     exchange.hook(0, None).folder.name, os.path.isdir(exchange.folder)
('candidate-0', True)
>>> Exchange(None).hook(0, None) is None
True
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from pathlib import Path

import numba

from hashlearn._threads import torch_threads_kept
from hashlearn.deep.bdnn.training import CheckpointHook

#: The fingerprint of the checkpoints workers leave in a temporary folder (the folder
#: is the fit's own, so no other run can be there).
WORKER_RUN = "race-worker"


def can_fork() -> bool:
    """Whether worker processes are available: forked processes, on Linux."""
    return sys.platform.startswith("linux")


def run_in_workers(jobs: Sequence[Callable[[], None]], workers: int) -> None:
    """Run each job in a forked process, at most ``workers`` at a time; wait for all.

    A job runs on one thread (numba's too: a thread pool the parent started cannot be
    used in a forked process). A job that fails ends its process with a non-zero status
    and a warning here: the caller finds what its checkpoint holds and goes on from there.

    >>> run_in_workers([lambda: None, lambda: None], 2)
    """
    context = multiprocessing.get_context("fork")
    pending, running = list(jobs), list[BaseProcess]()
    while pending or running:
        while pending and len(running) < workers:
            process = context.Process(target=_on_one_thread, args=(pending.pop(0),), daemon=True)
            process.start()
            running.append(process)
        wait([process.sentinel for process in running])
        for ended in [p for p in running if not p.is_alive()]:
            ended.join()
            running.remove(ended)
            if ended.exitcode:
                warnings.warn(
                    f"a race worker ended with status {ended.exitcode}: its candidate goes "
                    "on in this process",
                    RuntimeWarning,
                    stacklevel=2,
                )


def _on_one_thread(job: Callable[[], None]) -> None:
    """Run ``job`` with numba on one thread (its metrics then never wake a thread pool),
    torch's thread count kept (numba's pool, started here, would reset it)."""
    with torch_threads_kept():
        numba.set_num_threads(1)
    job()


@dataclass
class Exchange:
    """Where workers leave candidates' stages for the race: ``folder`` (None: the race
    runs without workers)."""

    folder: Path | None

    @classmethod
    @contextlib.contextmanager
    def opened(cls, workers: int) -> Iterator[Exchange]:
        """An exchange with a temporary folder for ``workers`` > 1, else without one."""
        if workers <= 1:
            yield cls(None)
            return
        with tempfile.TemporaryDirectory(prefix="hashlearn-race-") as folder:
            yield cls(Path(folder))

    @property
    def parallel(self) -> bool:
        return self.folder is not None

    def hook(
        self, index: int, own: CheckpointHook | None, loading: bool = True
    ) -> CheckpointHook | None:
        """The checkpoint of candidate ``index`` (``own``: the fit's, None without a
        checkpoint folder): ``own`` without workers; with workers ``own``, or a
        sub-folder of the exchange, that reloads what the workers saved when
        ``loading`` (a worker starting a candidate resumes only as ``own`` says)."""
        if self.folder is None:
            return own
        if own is None:
            return CheckpointHook(self.folder / f"candidate-{index}", WORKER_RUN, True)
        return CheckpointHook(own.folder, own.fingerprint, loading or own.resume)
