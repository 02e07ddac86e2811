"""Run one built Lambda handler in this process, as the Python runtime would, and print its result.

`python tools/invoke_handler.py BUILD_DIR LAYER_DIR EVENT_JSON` imports `app` from BUILD_DIR (a
function folder of `sam build`) with LAYER_DIR (the built layer's python/) before everything
else on sys.path, calls `app.lambda_handler(event, context)` and prints the result as JSON.
The caller sets the environment (the deployed function's variables). deploy_check.py uses it
because moto runs Lambda functions only in Docker: the code that runs is the built artefact,
against the deployed resources, but the Lambda service around it is not emulated.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Context:
    """The attributes of the Python runtime's context object that the handlers read."""

    function_name: str
    timeout_seconds: float = 60.0
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:eu-west-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000)


def main(argv: list[str]) -> int:
    build_dir, layer_dir, event_json = argv
    sys.path[:0] = [build_dir, layer_dir]
    import app  # type: ignore[import-not-found]  # the built function's module, found above

    result = app.lambda_handler(json.loads(event_json), Context(Path(build_dir).name))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
