from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from nbgate import config as config_module
from nbgate.errors import RegistryError
from nbgate.registry import store
from testing.registry import revision


@pytest.fixture
def config(tmp_path: Path) -> config_module.Config:
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    return config_module.load(tmp_path, env={})


def _add(
    config: config_module.Config, action: str = "promote", **changes: object
) -> store.RevisionFile:
    found = store.find_schedule(config, str(changes.get("name", "daily")))
    rev = len(found.files) + 1 if found else 1
    previous = found.files[-1].sha256 if found else None
    return store.create_revision(
        config, revision(rev=rev, action=action, previous_sha256=previous, **changes)
    )


def test_create_and_load(config: config_module.Config) -> None:
    first = _add(config)
    assert first.path == config.root / "registry" / "daily" / "0001.yaml"
    assert first.sha256 == store.file_sha256(first.path)
    second = _add(config, "pause")
    schedule = store.load_schedule(config, "daily")
    assert [r.rev for r in schedule.revisions] == [1, 2]
    assert schedule.files[1].revision.previous_sha256 == first.sha256
    assert schedule.state == "paused"
    assert schedule.active == first.revision
    assert store.active_revision(config, "daily") is None
    assert store.state(config, "daily") == "paused"
    _add(config, "resume")
    assert store.active_revision(config, "daily") == store.load_schedule(config, "daily").latest
    assert (
        second.path.read_bytes() == store.load_schedule(config, "daily").files[1].path.read_bytes()
    )
    assert store.list_schedules(config) == ["daily"]
    assert store.find_schedule(config, "other") is None
    with pytest.raises(RegistryError, match="no schedule named 'other'"):
        store.load_schedule(config, "other")


def test_create_is_exclusive_and_never_overwrites(config: config_module.Config) -> None:
    first = _add(config)
    before = first.path.read_bytes()
    with pytest.raises(RegistryError, match="created by another promotion"):
        store.create_revision(config, revision(rev=1, parameters={"other": 1}))
    assert first.path.read_bytes() == before
    assert store.leftover_temp_files(first.path.parent) == []


def test_create_checks_the_previous_file(config: config_module.Config) -> None:
    _add(config)
    with pytest.raises(RegistryError, match="changed since it was read"):
        store.create_revision(config, revision(rev=2, previous_sha256="0" * 64))
    with pytest.raises(RegistryError, match=r"0002.yaml: missing"):
        store.create_revision(config, revision(rev=3, previous_sha256="0" * 64))
    with pytest.raises(RegistryError, match="cannot have a previous_sha256"):
        store.create_revision(config, revision(name="other", previous_sha256="0" * 64))


@pytest.mark.parametrize("name", ["..", "../etc", "/abs", "a/b", "UP"])
def test_path_traversal_names_are_refused(config: config_module.Config, name: str) -> None:
    with pytest.raises(RegistryError, match="invalid schedule name"):
        store.schedule_dir(config, name)
    with pytest.raises(RegistryError, match="invalid schedule name"):
        store.load_schedule(config, name)
    with pytest.raises(RegistryError):
        store.create_revision(config, dataclasses.replace(revision(), name=name))
    assert (
        not (config.root / "registry").exists() or list((config.root / "registry").iterdir()) == []
    )


def test_load_detects_misplaced_and_broken_files(config: config_module.Config) -> None:
    first = _add(config)
    _add(config, "pause")
    folder = first.path.parent
    (folder / "0002.yaml").write_bytes(first.path.read_bytes())
    with pytest.raises(RegistryError, match=r"0002.yaml: rev is 1 but the file is named 0002.yaml"):
        store.load_schedule(config, "daily")
    (folder / "0002.yaml").unlink()
    (folder / "0003.yaml").write_bytes(store.model.dumps(revision(rev=3, previous_sha256="0" * 64)))
    with pytest.raises(RegistryError, match="revision 2 is missing"):
        store.load_schedule(config, "daily")
    (folder / "0003.yaml").unlink()
    (folder / "0002.yaml").write_bytes(store.model.dumps(revision(rev=2, previous_sha256="0" * 64)))
    with pytest.raises(
        RegistryError, match=r"0002.yaml: previous_sha256 does not match.*chain is broken"
    ):
        store.load_schedule(config, "daily")
    (folder / "0002.yaml").write_bytes(b"rev: [\n")
    with pytest.raises(RegistryError, match=r"0002.yaml: not valid YAML"):
        store.load_schedule(config, "daily")
    other = config.root / "registry" / "other"
    other.mkdir()
    (other / "0001.yaml").write_bytes(first.path.read_bytes())
    with pytest.raises(RegistryError, match="name is 'daily' but the file is in folder 'other'"):
        store.load_schedule(config, "other")


def test_oversized_revision_file(config: config_module.Config) -> None:
    folder = config.root / "registry" / "daily"
    folder.mkdir(parents=True)
    (folder / "0001.yaml").write_bytes(b"#" * (store.MAX_BYTES + 10))
    with pytest.raises(RegistryError, match=r"0001.yaml: revision file is larger than"):
        store.load_schedule(config, "daily")


@pytest.mark.parametrize(
    ("filename", "rev"),
    [
        ("0001.yaml", 1),
        ("0042.yaml", 42),
        ("12345.yaml", 12345),
        ("1.yaml", None),
        ("00001.yaml", None),
        ("0000.yaml", None),
        ("0001.yml", None),
        (".0001.yaml.1.ab.tmp", None),
        ("0001.yaml~", None),
    ],
)
def test_revision_numbers(filename: str, rev: int | None) -> None:
    assert store.revision_number(filename) == rev


def test_listing_ignores_strays_and_temp_files(config: config_module.Config) -> None:
    first = _add(config)
    folder = first.path.parent
    (folder / ".0002.yaml.123.abcd.tmp").write_bytes(b"partial")
    (config.root / "registry" / "README.md").write_text("hi")
    (config.root / "registry" / "Bad Name").mkdir()
    assert store.list_schedules(config) == ["daily"]
    assert [r.rev for r in store.load_schedule(config, "daily").revisions] == [1]
    assert store.leftover_temp_files(folder) == [folder / ".0002.yaml.123.abcd.tmp"]


def test_registry_path_is_configurable(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.nbgate.registry]\npath = "ops/schedules"\n')
    config = config_module.load(tmp_path, env={})
    made = store.create_revision(config, revision())
    assert made.path == tmp_path / "ops" / "schedules" / "daily" / "0001.yaml"
    assert store.list_schedules(config) == ["daily"]
