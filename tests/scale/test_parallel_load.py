"""Reading the data on every core gives what reading it here does: the same data, the same errors in the
same order (esurety/data/dataset.py ``load_dataset(mapper=…)``, which the build passes)."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

import pytest

from esurety.data import yamlsource
from esurety.data.dataset import load_dataset
from esurety.data.errors import DataErrors
from esurety.site import parallel
from tests.scale.conftest import make

#: More guidance files than a pool needs before it forks a worker.
FILES = parallel.MIN_ITEMS + 16


class Recorded:
    """``parallel.map_items`` on two processes that remembers whether it forked a worker."""

    def __init__(self) -> None:
        self.forked: list[bool] = []

    def __call__(self, fn: Any, items: list[Any]) -> list[Any]:
        pool = parallel.Pool(fn, items, workers=2)
        self.forked.append(pool.forked)
        return pool.finish()


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make(tmp_path_factory.mktemp("many"), n=FILES, bodies=4)


def test_the_data_read_on_two_processes_is_the_data_read_here(many: Path) -> None:
    # GIVEN a valid project of more guidance files than a pool forks for
    mapper = Recorded()
    # WHEN it is read here and on two processes
    alone, shared = load_dataset(many), load_dataset(many, mapper=mapper)
    # THEN a worker did read files, and every file's data is the same, in the same order
    assert mapper.forked == [True]
    assert [g.model_dump() for g in shared.guidance] == [g.model_dump() for g in alone.guidance]
    assert shared.sources == alone.sources and shared.usage == alone.usage
    assert shared.adopters.model_dump() == alone.adopters.model_dump()
    assert {k: g.model_dump() for k, g in shared.guarantors.items()} == {k: g.model_dump() for k, g in alone.guarantors.items()}


def _break(project: Path) -> None:
    files = sorted((project / "content/municipalities").glob("*.yaml"))
    # a value of the wrong kind (the model's error), early in the list
    text = files[3].read_text(encoding="utf-8")
    files[3].write_text(text.replace("kind: ", "kind: 町村役場_", 1), encoding="utf-8")
    # a file whose name is not its slug (a check of the file on its own), late in the list
    files[-5].rename(files[-5].with_name("renamed.yaml"))
    # YAML that cannot be read, in the middle
    middle = files[len(files) // 2]
    middle.write_text(middle.read_text(encoding="utf-8") + "\n  broken: [unclosed\n", encoding="utf-8")
    # and a check of the file on its own in two more files
    for path in files[10:12]:
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"^reading: .*$", "reading: ちがうよみ", text, count=1, flags=re.M), encoding="utf-8")


def test_errors_read_on_two_processes_are_the_errors_read_here_in_the_same_order(tmp_path: Path) -> None:
    # GIVEN a project with errors of every kind spread over its files
    project = make(tmp_path / "broken", n=FILES, bodies=4)
    _break(project)
    # WHEN it is read here and on two processes
    reports = []
    for mapper in (None, Recorded(), functools.partial(parallel.map_items, workers=2)):
        with pytest.raises(DataErrors) as raised:
            load_dataset(project, mapper=mapper)
        reports.append([str(e) for e in raised.value.errors])
    # THEN each way names every error, with the same words, in the same order
    assert reports[0] == reports[1] == reports[2]
    text = "\n".join(reports[0])
    for name in ("renamed.yaml", "ちがうよみ"):
        assert name in text, text
    assert len({e.split(":", 1)[0] for e in reports[0]}) >= 5, reports[0]


def test_a_worker_that_dies_while_reading_fails_the_load_instead_of_losing_its_files(
        many: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a worker process that dies as soon as it reads a file (this process reads as usual)
    parent, real = os.getpid(), yamlsource.read

    def read(path: Path, text: str | None = None) -> Any:
        if os.getpid() != parent:
            os._exit(9)
        return real(path, text)

    monkeypatch.setattr(yamlsource, "read", read)
    mapper = Recorded()
    # WHEN the data is read on two processes THEN the load fails; it does not go on without the worker's files
    with pytest.raises(parallel.WorkerError, match="without an answer"):
        load_dataset(many, mapper=mapper)
    assert mapper.forked == [True]
