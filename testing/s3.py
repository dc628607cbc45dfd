"""A real S3 endpoint for tests: moto's threaded server on a free local port."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class S3Server(NamedTuple):
    """The endpoint URL and the environment a client (or papermill) needs to reach it."""

    url: str
    env: dict[str, str]

    def client(self) -> Any:
        """A boto3 S3 client for the server."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


@contextmanager
def moto_server() -> Iterator[S3Server]:
    """Start moto's S3 server; stop it on exit."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        # BOTO3_ENDPOINT_URL is what papermill's S3 handler reads; AWS_ENDPOINT_URL is boto3's own
        yield S3Server(url, {**CREDENTIALS, "BOTO3_ENDPOINT_URL": url, "AWS_ENDPOINT_URL": url})
    finally:
        server.stop()
