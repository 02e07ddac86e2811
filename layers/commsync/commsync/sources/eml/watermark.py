"""The eml source's checkpoint: a high-water mark on the files' inode change time.

Why ctime: copying a file in and moving it between folders (rename) both set ctime to
"now" on POSIX filesystems, while mtime survives `cp -p` and `mv`. So "ctime after the
mark" is exactly "new in this folder". Ties (same nanosecond) are broken by remembering
the names already taken at the mark.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Watermark:
    ctime_ns: int = -1
    names: frozenset[str] = field(default_factory=frozenset)

    def admits(self, ctime_ns: int, name: str) -> bool:
        return ctime_ns > self.ctime_ns or (ctime_ns == self.ctime_ns and name not in self.names)

    def advance(self, ctime_ns: int, name: str) -> Watermark:
        if ctime_ns == self.ctime_ns:
            return Watermark(ctime_ns, self.names | {name})
        return Watermark(ctime_ns, frozenset({name}))

    def encode(self) -> str:
        return json.dumps({"v": 1, "ctime_ns": self.ctime_ns, "names": sorted(self.names)})

    @classmethod
    def decode(cls, token: str | None) -> Watermark:
        if not token:
            return cls()
        try:
            data = json.loads(token)
            return cls(int(data["ctime_ns"]), frozenset(str(n) for n in data["names"]))
        except (ValueError, KeyError, TypeError):
            # An unreadable token restarts the folder; comment ids make the replay harmless.
            return cls()
