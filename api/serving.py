"""The model the service answers with, swapped atomically, and the retraining jobs."""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlp.classify.inference import CauseModel
from nlp.classify.registry import activate, current_version, load_model
from nlp.errors import ModelError

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
_TEMPORARY_PATH = re.compile(re.escape(tempfile.gettempdir()) + r"/piancha-[^/\s'\",]+(?:/[^/\s'\",:]+)*")
STORED = "the stored corrections (/v1/labels)"
"""How a retraining's errors name the layer of corrections stored through /v1/labels (a temporary CSV)."""


class ModelHolder:
    """Holds the serving CauseModel; a swap is one reference assignment, so no request sees half a model."""

    def __init__(self, root: Path, threshold: float | None = None) -> None:
        self.root = root
        self.threshold = threshold
        self._model: CauseModel | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> CauseModel:
        """The model serving now (load() must have run)."""
        model = self._model
        if model is None:
            raise RuntimeError("model not loaded")
        return model

    @property
    def ready(self) -> bool:
        return self._model is not None

    def load(self, version: str | None = None) -> CauseModel:
        """Load a version (default: current) and make it the serving one."""
        model = load_model(version, root=self.root)
        if self.threshold is not None:
            model.threshold = self.threshold
        model.classify("系统预热")  # warm: jieba dictionary and vectorisers ready before the swap
        with self._lock:
            self._model = model
        log.info("serving model %s", model.version)
        return model

    def activate(self, version: str) -> CauseModel:
        """Point models/current at a version and serve it."""
        with self._lock:
            activate(version, self.root)
        return self.load(version)

    def follow_current(self) -> bool:
        """Serve `models/current` if another process (a worker, a host, the CLI) pointed it elsewhere; True if swapped.

        A version that cannot be loaded is logged and the serving model kept."""
        wanted = current_version(self.root)
        serving = self._model.version if self._model is not None else None
        if wanted is None or wanted == serving:
            return False
        try:
            self.load(wanted)
        except ModelError as exc:
            log.error("models/current points at %s, which cannot be served: %s", wanted, exc)
            return False
        return True

    def watch(self, every: float) -> threading.Event:
        """Check `models/current` every `every` seconds in a background thread until the returned event is set."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every):
                try:
                    self.follow_current()
                except Exception:  # the watcher never dies; the next tick tries again
                    log.exception("following models/current failed")

        threading.Thread(target=loop, name="piancha-model-watch", daemon=True).start()
        return stop


@dataclass
class RetrainJob:
    job: str
    status: str = "queued"
    version: str | None = None
    promoted: bool | None = None
    reason: str | None = None
    metrics: dict[str, Any] | None = None
    error: str | None = None
    folder: Path | None = None
    files: list[Path] = field(default_factory=list)
    names: dict[Path, str] = field(default_factory=dict)
    """Each stored upload's own file name, for error messages."""


class QueueFullError(RuntimeError):
    """One retraining is running and the queue behind it is full."""


class RetrainJobs:
    """Runs one retraining at a time in a background thread and remembers each job's outcome.

    A job trains on the repository corpus, then the human corrections stored through /v1/labels,
    then the uploaded files; later layers win where the same text is labelled twice. At most
    `max_queued` jobs wait behind the running one; more are refused (QueueFullError).
    """

    def __init__(
        self, holder: ModelHolder, corrections: Callable[[], pd.DataFrame] | None = None, max_queued: int = 2
    ) -> None:
        self.holder = holder
        self.corrections = corrections
        self.max_queued = max_queued
        self.jobs: dict[str, RetrainJob] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="retrain")
        self._workdir = Path(tempfile.mkdtemp(prefix="piancha-retrain-"))
        self._lock = threading.Lock()

    def pending(self) -> int:
        """Jobs queued or running."""
        return sum(job.status in {"queued", "running"} for job in list(self.jobs.values()))

    def busy_message(self) -> str:
        """Why a job is refused when the queue is full."""
        return (
            f"retraining is busy: one job running and {self.max_queued} queued, the most allowed; try again "
            "when one has finished (GET /v1/retrain/{job}) / 重新训练队列已满，请等待当前任务完成后再提交"
        )

    def submit(self, uploads: list[tuple[str, bytes]], force: bool = False) -> RetrainJob:
        """Queue a retraining on the repository corpus plus the uploaded labelled files."""
        with self._lock:
            if self.pending() >= 1 + self.max_queued:
                raise QueueFullError(self.busy_message())
            job = RetrainJob(job=uuid.uuid4().hex[:12])
            self.jobs[job.job] = job
        job.folder = self._workdir / job.job
        try:
            job.folder.mkdir()
            for i, (name, content) in enumerate(uploads, start=1):
                path = job.folder / str(i) / Path(name).name  # one folder each: two uploads may share a name
                path.parent.mkdir()
                path.write_bytes(content)
                job.files.append(path)
                job.names[path] = name
        except BaseException:  # a job that could not be written takes no place in the queue
            del self.jobs[job.job]
            shutil.rmtree(job.folder, ignore_errors=True)
            raise
        self._executor.submit(self._run, job, force)
        return job

    def _public(self, job: RetrainJob, message: str) -> str:
        """An error message naming the uploads and the model directory as the user knows them, not server paths."""
        for path, name in job.names.items():
            message = message.replace(str(path), f"upload {name!r}")
        message = _TEMPORARY_PATH.sub(
            lambda m: STORED if m.group().endswith("stored-corrections.csv") else "<temporary file>", message
        )
        return message.replace(str(self.holder.root), "<model directory>")

    def _run(self, job: RetrainJob, force: bool) -> None:
        from nlp.training.corpus import retraining_corpus  # training's imports (pandas, sklearn.model_selection) are
        from nlp.training.selection import train  # paid by the first retrain, not by the service's start

        job.status = "running"
        try:
            corpus = retraining_corpus(job.files, self.corrections() if self.corrections else None)
            result = train(corpus, root=self.holder.root, force=force)
            job.version, job.promoted, job.reason = result.version, result.promoted, result.reason
            card = result.card
            job.metrics = {
                "headline": card.headline.model_dump() if card.headline else None,
                "transfer_macro_f1": card.transfer_f1(),
                "n_examples": card.n_examples,
            }
            if result.promoted:
                self.holder.load(result.version)
            job.status = "done"
        except Exception as exc:  # a failed job reports why; the serving model is untouched
            log.exception("retrain job %s failed", job.job)
            job.status, job.error = "failed", self._public(job, str(exc))

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self._workdir, ignore_errors=True)
