from __future__ import annotations

from collections.abc import Iterator

import pytest

from testing.s3 import S3Server, moto_server


@pytest.fixture(scope="session")
def _moto() -> Iterator[S3Server]:
    with moto_server() as server:
        yield server


@pytest.fixture
def s3(_moto: S3Server, monkeypatch: pytest.MonkeyPatch) -> S3Server:
    """A moto S3 server with a fresh ``runs`` bucket; papermill and boto3 point at it."""
    import papermill.s3

    for name, value in _moto.env.items():
        monkeypatch.setenv(name, value)
    # papermill caches one boto3 session per process, bound to the endpoint it first saw
    monkeypatch.setattr(papermill.s3.S3, "s3_session", (None, None, None))
    client = _moto.client()
    for bucket in client.list_buckets().get("Buckets", []):
        for item in client.list_objects_v2(Bucket=bucket["Name"]).get("Contents", []):
            client.delete_object(Bucket=bucket["Name"], Key=item["Key"])
        client.delete_bucket(Bucket=bucket["Name"])
    client.create_bucket(Bucket="runs")
    return _moto
