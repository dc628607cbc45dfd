"""The evidence ledger: one atomic JSON file per source hash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nbgate import config as config_module
from nbgate import evidence as ledger

SHA = "ab" * 32


@pytest.fixture
def cfg(tmp_path: Path) -> config_module.Config:
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\nstate_dir = 'state'\n")
    return config_module.load(tmp_path, env={})


def _record(outcome: str = "passed") -> dict[str, object]:
    return ledger.make_record(
        path="nb/x.ipynb",
        source_sha256=SHA,
        parameters={"n": 1},
        outcome=outcome,
        duration=1.23456,
        kernel="python3",
        output_path=".nbgate/runs/smoke/x.ipynb",
        output_sha256="cd" * 32,
    )


def test_write_then_read(cfg: config_module.Config) -> None:
    path = ledger.write_evidence(cfg, _record())
    assert path == cfg.root / "state" / "evidence" / f"{SHA}.json"
    record = ledger.read_evidence(cfg, SHA)
    assert record is not None
    assert set(record) == {*ledger.KEYS, "provenance"}
    assert record["schema"] == 1
    assert record["duration"] == 1.235
    assert record["time"].endswith("Z")
    assert set(record["versions"]) == {
        "python",
        "papermill",
        "nbgate",
        "nbclient",
        "jupyter_client",
    }
    assert list(path.parent.iterdir()) == [path]  # no temp files left


def test_latest_outcome_wins(cfg: config_module.Config) -> None:
    ledger.write_evidence(cfg, _record("passed"))
    ledger.write_evidence(cfg, _record("failed"))
    assert ledger.read_evidence(cfg, SHA)["outcome"] == "failed"  # type: ignore[index]


def test_missing_is_none(cfg: config_module.Config) -> None:
    assert ledger.read_evidence(cfg, SHA) is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "invalid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"schema": 1}', "missing path"),
    ],
)
def test_corrupt_evidence_is_a_clear_error(
    cfg: config_module.Config, content: bytes, message: str
) -> None:
    path = ledger.evidence_path(cfg, SHA)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(ledger.LedgerError, match=message):
        ledger.read_evidence(cfg, SHA)


def test_evidence_for_another_hash_is_rejected(cfg: config_module.Config) -> None:
    record = _record()
    path = ledger.evidence_path(cfg, SHA)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({**record, "source_sha256": "ef" * 32}))
    with pytest.raises(ledger.LedgerError, match="evidence is for"):
        ledger.read_evidence(cfg, SHA)


@pytest.mark.parametrize("bad", ["abc", "../" + "a" * 61, "AB" * 32])
def test_bad_hash(cfg: config_module.Config, bad: str) -> None:
    with pytest.raises(ledger.LedgerError, match="not a source sha256"):
        ledger.evidence_path(cfg, bad)


def test_unknown_outcome() -> None:
    with pytest.raises(ValueError, match="unknown outcome"):
        _record("great")


def test_provenance_locally_and_in_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    local = ledger.provenance({})
    assert set(local) == {"host", "user", "time"} and local["host"]
    assert "(local: a cache, not proof)" in ledger.describe_provenance({"provenance": local})
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_REPOSITORY": "acme/nbs",
        "GITHUB_RUN_ID": "42",
        "GITHUB_SHA": "a" * 40,
    }
    found = ledger.provenance(env)
    assert found["provider"] == "github-actions" and found["repository"] == "acme/nbs"
    assert (
        found["run_url"] == "https://github.example/acme/nbs/actions/runs/42"
        and found["commit"] == "a" * 40
    )
    text = ledger.describe_provenance({"provenance": found})
    assert "github.example/acme/nbs/actions/runs/42" in text and "aaaaaaaaaaaa" in text
    assert ledger.describe_provenance({}) == "made before provenance was recorded"
    # every new record carries it
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    record = ledger.make_record(
        path="nb.ipynb",
        source_sha256="b" * 64,
        parameters={},
        outcome="passed",
        duration=1.0,
        kernel="python3",
        output_path="",
        output_sha256="",
    )
    assert set(record["provenance"]) == {"host", "user", "time"}
