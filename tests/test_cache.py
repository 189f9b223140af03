"""The cache of built graphs: reused only while nothing it was built from has changed."""

from __future__ import annotations

import io
import os
import pickle
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import exposure
import exposure.cache
import exposure.graph
from exposure import cache
from tests.conftest import MakeData, listing, sale
from tests.test_cli import run


def settle(folder: Path) -> None:
    """Date the folder's files back, as files written a while ago are."""
    past = time.time() - 60
    for path in folder.iterdir():
        os.utime(path, (past, past))


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Count the graphs actually built (one item per build_graph call)."""
    calls: list[bool] = []
    real = exposure.graph.build_graph

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(exposure.cache, "build_graph", counted)
    return calls


@pytest.fixture
def data(make_data: MakeData) -> Path:
    folder = make_data(
        [listing("Hikvision")], [sale("Maker", "Hikvision", 0.2), sale("Other", "Maker", 0.5)]
    )
    settle(folder)
    return folder


def test_a_second_load_reads_the_stored_graph(
    data: Path, tmp_path: Path, builds: list[bool]
) -> None:
    first = exposure.load_graph(data, cache_dir=tmp_path / "cache")
    second = exposure.load_graph(data, cache_dir=tmp_path / "cache")
    assert len(builds) == 1
    assert second.edges.equals(first.edges)
    assert second.nodes.equals(first.nodes)
    assert second.dataset.suppliers.equals(first.dataset.suppliers)
    assert second.dataset.files == first.dataset.files
    result = exposure.analyze(second, as_of="2020-01-01")
    assert result.supplier("Other")["listed_buyers"] == ["Hikvision"]


def test_a_changed_input_file_is_read_again(
    data: Path, tmp_path: Path, builds: list[bool], make_data: MakeData
) -> None:
    exposure.load_graph(data, cache_dir=tmp_path / "cache")
    make_data([listing("Hikvision")], [sale("Maker", "Hikvision", 0.2)])  # Other is gone
    settle(data)
    graph = exposure.load_graph(data, cache_dir=tmp_path / "cache")
    assert len(builds) == 2
    assert "Other" not in set(graph.names)


def test_a_file_rewritten_with_its_size_and_modification_time_put_back_is_read_again(
    data: Path, tmp_path: Path, builds: list[bool]
) -> None:
    # As cp -p, rsync -t or touch -r leave a file: same path, inode, size and mtime.
    exposure.load_graph(data, cache_dir=tmp_path / "cache")
    path = data / "suppliers.csv"
    before = path.stat()
    data_bytes = path.read_bytes()
    changed = data_bytes.replace(b"Other", b"Otter")
    assert changed != data_bytes
    with path.open("r+b") as handle:  # in place: the inode stays
        handle.write(changed)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    )
    graph = exposure.load_graph(data, cache_dir=tmp_path / "cache")
    assert len(builds) == 2
    assert "Otter" in set(graph.names)


def test_a_review_file_added_to_the_folder_is_read(
    make_data: MakeData, tmp_path: Path, builds: list[bool]
) -> None:
    folder = make_data([listing("Hikvision")], [sale("Maker", "Zhou Camera Trading", 0.2)])
    settle(folder)
    before = exposure.analyze(exposure.load_graph(folder, cache_dir=tmp_path / "cache"))
    assert not before.supplier("Maker")["listed_buyers"]
    (folder / "matches.csv").write_text(
        "customer,listed,decision,note,date\n"
        "Zhou Camera Trading,Hikvision,confirmed,a trading name,2024-01-01\n"
    )
    settle(folder)
    after = exposure.analyze(exposure.load_graph(folder, cache_dir=tmp_path / "cache"))
    assert len(builds) == 2
    assert after.supplier("Maker")["listed_buyers"] == ["Hikvision"]


def test_other_build_options_are_stored_apart(
    data: Path, tmp_path: Path, builds: list[bool]
) -> None:
    for fuzzy in (True, False, True, False):
        exposure.load_graph(data, fuzzy=fuzzy, cache_dir=tmp_path / "cache")
    assert len(builds) == 2
    assert len(list((tmp_path / "cache").glob("*.graph"))) == 2


def test_a_change_to_any_source_file_of_exposure_makes_a_new_key(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The rules that match names live in a subpackage: an upgrade that changes only them
    # must not read a graph matched by the old rules.
    files = {"suppliers": data / "suppliers.csv"}
    before = cache.cache_key(files, {"fuzzy": True})
    identity = cache._identity

    def edited(path: Path | None) -> str:
        changed = path is not None and path.as_posix().endswith("entities/matcher.py")
        return identity(path) + (" edited" if changed else "")

    monkeypatch.setattr(cache, "_identity", edited)
    assert cache.cache_key(files, {"fuzzy": True}) != before


def test_a_file_modified_just_now_is_not_trusted_to_the_cache(
    make_data: MakeData, tmp_path: Path, builds: list[bool]
) -> None:
    # Written twice within one tick of the file clock, a file could keep its time and size.
    folder = make_data([listing("Hikvision")], [sale("Maker", "Hikvision", 0.2)])
    exposure.load_graph(folder, cache_dir=tmp_path / "cache")
    exposure.load_graph(folder, cache_dir=tmp_path / "cache")
    assert len(builds) == 2
    assert not list((tmp_path / "cache").glob("*.graph"))


def test_a_damaged_entry_is_rebuilt_and_replaced(
    data: Path, tmp_path: Path, builds: list[bool]
) -> None:
    exposure.load_graph(data, cache_dir=tmp_path / "cache")
    (entry,) = (tmp_path / "cache").glob("*.graph")
    entry.write_bytes(entry.read_bytes()[:100])  # cut short, as by a full disk
    with pytest.warns(UserWarning, match=r"cache entry .*\.graph not used .*built again"):
        graph = exposure.load_graph(data, cache_dir=tmp_path / "cache")
    assert len(builds) == 2
    assert "Other" in set(graph.names)
    exposure.load_graph(data, cache_dir=tmp_path / "cache")
    assert len(builds) == 2  # the replaced entry is read


def test_bad_data_stores_nothing(make_data: MakeData, tmp_path: Path) -> None:
    folder = make_data([listing("Hikvision")], [sale("Maker", "Hikvision", 1.5)])
    settle(folder)
    with pytest.raises(exposure.DataError, match="revenue_share"):
        exposure.load_graph(folder, cache_dir=tmp_path / "cache")
    assert not list((tmp_path / "cache").glob("*"))


def test_the_command_line_takes_the_folder_from_an_option_or_the_environment(
    data: Path, tmp_path: Path, builds: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["report", "--data", str(data), "--supplier", "Other", "--as-of", "2020-01-01"]
    code, built, _ = run(*args, "--cache-dir", str(tmp_path / "cache"))
    assert code == 0
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, str(tmp_path / "cache"))
    code, reused, _ = run(*args)
    assert code == 0
    assert reused == built
    assert "Hikvision" in reused
    assert len(builds) == 1


def test_without_a_cache_folder_nothing_is_stored(
    data: Path, tmp_path: Path, builds: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(cache.ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    exposure.load_graph(data)
    exposure.load_graph(data)
    assert len(builds) == 2
    assert not list(tmp_path.rglob("*.graph"))


def test_a_folder_that_cannot_be_written_warns_and_the_answer_still_comes(
    data: Path, tmp_path: Path
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    with pytest.warns(UserWarning, match="not cached"):
        graph = exposure.load_graph(data, cache_dir=blocked / "cache")
    assert "Other" in set(graph.names)


def test_a_graph_read_back_names_the_files_as_given_this_time(
    data: Path, tmp_path: Path, builds: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Outputs are refused over these files: relative names from the first run's folder would
    # point elsewhere now.
    exposure.load_graph(data, cache_dir=tmp_path / "cache")
    monkeypatch.chdir(data.parent)
    again = exposure.load_graph(Path(data.name), cache_dir=tmp_path / "cache")
    assert len(builds) == 1  # the same files, so the stored graph
    assert again.dataset.files["suppliers"] == Path(data.name) / "suppliers.csv"


class _Planted:
    """What an attacker would put in a pickle: code run when it is unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_a_pickle_planted_where_an_entry_would_be_is_never_loaded(
    data: Path, tmp_path: Path, builds: list[bool]
) -> None:
    exposure.load_graph(data, cache_dir=tmp_path / "cache")
    (entry,) = (tmp_path / "cache").glob("*.graph")
    marker = tmp_path / "code-ran"
    entry.write_bytes(pickle.dumps(_Planted(marker)))
    assert not marker.exists()
    with pytest.warns(UserWarning, match="not used"):
        graph = exposure.load_graph(data, cache_dir=tmp_path / "cache")
    assert not marker.exists()  # the entry was read as data, never unpickled
    assert len(builds) == 2
    assert "Other" in set(graph.names)


def test_an_entry_copied_under_another_key_is_rebuilt(
    data: Path, tmp_path: Path, builds: list[bool]
) -> None:
    other = tmp_path / "other"
    shutil.copytree(data, other)
    suppliers = other / "suppliers.csv"
    suppliers.write_text(suppliers.read_text().replace("Other", "Elsewhere"))
    settle(other)
    exposure.load_graph(other, cache_dir=tmp_path / "cache")
    (foreign,) = (tmp_path / "cache").glob("*.graph")
    exposure.load_graph(data, cache_dir=tmp_path / "cache")
    (entry,) = set((tmp_path / "cache").glob("*.graph")) - {foreign}
    entry.write_bytes(foreign.read_bytes())  # another graph's entry, under this key
    with pytest.warns(UserWarning, match="another key"):
        graph = exposure.load_graph(data, cache_dir=tmp_path / "cache")
    assert "Elsewhere" not in set(graph.names)
    assert "Other" in set(graph.names)
    assert len(builds) == 3


def test_an_entry_holds_only_data(data: Path, tmp_path: Path) -> None:
    exposure.load_graph(data, cache_dir=tmp_path / "cache")
    (entry,) = (tmp_path / "cache").glob("*.graph")
    with zipfile.ZipFile(entry) as archive:
        names = set(archive.namelist())
        arrays = [
            np.load(io.BytesIO(archive.read(n)), allow_pickle=False)
            for n in names
            if n.endswith(".npy")
        ]
    assert "meta.json" in names
    assert {n.rsplit(".", 1)[1] for n in names} == {"json", "arrow", "npy"}
    assert all(a.dtype != object for a in arrays)
