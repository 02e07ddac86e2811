"""The eml folder source: each subdirectory of a mailbox directory is a folder."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from commsync.errors import IntegrationError, MailboxError, TransientError
from commsync.models import Integration, Mailbox
from commsync.ports import Change, ChangePage, FolderListing, FolderRef
from commsync.sources.eml.watermark import Watermark

# A file changed this recently may still be being written; it is taken on the next poll.
DEFAULT_SETTLE_SECONDS = 2.0


class EmlSource:
    def __init__(self, mailbox_dir: Path, settle_seconds: float = DEFAULT_SETTLE_SECONDS) -> None:
        self._dir = mailbox_dir
        self._settle_ns = int(settle_seconds * 1e9)

    @classmethod
    def for_mailbox(cls, integration: Integration, mailbox: Mailbox) -> EmlSource:
        root = Path(integration.endpoint).expanduser()
        if not root.is_dir():
            raise IntegrationError(f"the export directory {root} does not exist or is not a directory")
        settle = float(integration.options.get("settle_seconds", DEFAULT_SETTLE_SECONDS))
        return cls(_mailbox_dir(root, mailbox.address), settle)

    def folders(self, token: str | None = None) -> FolderListing:
        found = []
        for path in sorted(p for p in self._dir.rglob("*") if p.is_dir()):
            rel = path.relative_to(self._dir).as_posix()
            found.append(FolderRef(id=rel, path=rel))
        return FolderListing(found)

    def changes(self, folder: FolderRef, token: str | None, page_size: int) -> Iterator[ChangePage]:
        mark = Watermark.decode(token)
        pending = self._pending(self._dir / folder.id, mark)
        if not pending:
            yield ChangePage(changes=[], token=mark.encode(), last=True)
            return
        for start in range(0, len(pending), page_size):
            page = pending[start : start + page_size]
            changes = []
            for ctime_ns, path in page:
                changes.append(_read(path, folder))
                mark = mark.advance(ctime_ns, path.name)
            yield ChangePage(changes=changes, token=mark.encode(), last=start + page_size >= len(pending))

    def close(self) -> None:
        return None

    def _pending(self, folder_dir: Path, mark: Watermark) -> list[tuple[int, Path]]:
        horizon = time.time_ns() - self._settle_ns
        out = []
        for path in folder_dir.glob("*.eml"):
            try:
                ctime_ns = path.stat().st_ctime_ns
            except FileNotFoundError:
                continue  # moved away while we listed; it shows up in its new folder
            if ctime_ns <= horizon and path.is_file() and mark.admits(ctime_ns, path.name):
                out.append((ctime_ns, path))
        out.sort(key=lambda pair: (pair[0], pair[1].name))
        return out


def _mailbox_dir(root: Path, address: str) -> Path:
    exact = root / address
    if exact.is_dir():
        return exact
    # Exports often keep the address's original case; mailbox addresses are stored lower-case.
    for child in root.iterdir():
        if child.is_dir() and child.name.lower() == address:
            return child
    raise MailboxError(f"mailbox {address} has no directory in the export {root}")


def _read(path: Path, folder: FolderRef) -> Change:
    try:
        data = path.read_bytes()
        stat = path.stat()
    except FileNotFoundError as exc:
        # Moved between listing and reading: retry the page rather than skip the email.
        raise TransientError(f"{path.name} moved while being read; the page will be retried") from exc
    except OSError as exc:
        raise TransientError(f"cannot read {folder.path}/{path.name}: {exc.strerror}") from exc
    received = datetime.fromtimestamp(stat.st_mtime, UTC)
    return Change(kind="upsert", item_key=f"{folder.id}/{path.name}", mime=data, received_at=received)
