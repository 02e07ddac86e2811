"""Short-lived attachment URLs: presigned S3 GETs on AWS, HMAC-signed `commsync serve` URLs locally."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

LOCAL_PREFIX = "/_blobs/"


class S3Links:
    def __init__(self, bucket: str, seconds: int = 300, client: Any | None = None) -> None:
        self._bucket, self._seconds, self._client = bucket, seconds, client

    @property
    def _s3(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            # SigV4 with the regional endpoint: what presigned GETs of an SSE bucket need.
            self._client = boto3.client("s3", config=Config(signature_version="s3v4"))
        return self._client

    def url(self, key: str, event: dict[str, Any]) -> str | None:
        try:
            self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        # Signed with the function's role: valid for `seconds`, or until the role's session ends.
        url: str = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=self._seconds
        )
        return url


class LocalLinks:
    """`<base>/_blobs/<key>?expires=<epoch>&signature=<hmac>`, served by `commsync serve`.

    The signing key lives only in the serving process: its URLs die with it, as presigned URLs
    die with the role session that signed them.
    """

    def __init__(self, root: Path, base_url: str, seconds: int = 300, key: bytes | None = None) -> None:
        self.root, self._base, self._seconds = root, base_url.rstrip("/"), seconds
        self._key = key or secrets.token_bytes(32)

    def url(self, key: str, event: dict[str, Any]) -> str | None:
        if self.path(key) is None:
            return None
        expires = int(time.time()) + self._seconds
        return (
            f"{self._base}{LOCAL_PREFIX}{quote(key)}?expires={expires}&signature={self._sign(key, expires)}"
        )

    def verify(self, key: str, expires: str, signature: str, now: float | None = None) -> bool:
        if not expires.isdigit() or int(expires) < (time.time() if now is None else now):
            return False
        return hmac.compare_digest(self._sign(key, int(expires)), signature)

    def path(self, key: str) -> Path | None:
        parts = PurePosixPath(key).parts
        if not parts or key.startswith("/") or any(p in ("..", ".") for p in parts):
            return None
        path = self.root.joinpath(*parts)
        return path if path.is_file() else None

    def _sign(self, key: str, expires: int) -> str:
        return hmac.new(self._key, f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()
