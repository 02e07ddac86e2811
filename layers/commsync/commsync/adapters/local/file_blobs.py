"""BlobStore on a directory whose layout mirrors the S3 keys (INTERFACES: comments/<bucket>/<id>.json)."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path, PurePosixPath


class FileBlobs:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        parts = PurePosixPath(key).parts
        if not parts or key.startswith("/") or any(p in ("..", ".") for p in parts):
            raise ValueError(f"unsafe blob key {key!r}")
        return self.root.joinpath(*parts)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        # Write then rename: a reader (or a crash) never sees half a comment. The temporary name is
        # this writer's own (process and thread), and the directory is made only when it is missing:
        # a backfill writes two blobs per email, and a mkdir and a random-name search per blob cost
        # ~0.1 ms of CPU per email (issue 20, bench/README.md).
        tmp = path.with_name(f".tmp-{path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            try:
                handle = tmp.open("wb")
            except FileNotFoundError:
                path.parent.mkdir(parents=True, exist_ok=True)
                handle = tmp.open("wb")
            with handle:
                handle.write(data)
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        try:
            shutil.copyfile(path, tmp)
            Path(tmp).replace(target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def keys(self, prefix: str) -> Iterator[str]:
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp-"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def remove_leftovers(root: Path) -> int:
    """Delete the half-written `.tmp-*` files a killed writer left under the blob directories.

    A write goes to `.tmp-<random>` and is renamed into place, so after SIGKILL the temporary
    file stays (issue 16). Only the runner that holds the store's lock may call this (no other
    writer of blobs is running then); the store's top level is left alone, where the secrets
    file is written by the API, which runs beside the runner.
    """
    removed = 0
    for child in root.iterdir() if root.is_dir() else ():
        if not child.is_dir():
            continue
        for path in child.rglob(".tmp-*"):
            if path.is_file():
                path.unlink(missing_ok=True)
                removed += 1
    return removed
