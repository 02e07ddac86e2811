"""Issue 16: schemathesis, with all its checks, finds nothing wrong with the served API.

The document `commsync serve` publishes drives a bounded, seeded run against that same server:
valid and invalid requests for every operation, each answer checked against the document
(status documented, body in its schema, content type, headers), no 5xx, auth enforced,
invalid input refused and valid input accepted. Zero failures is the bar.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode

from commsync.api.local import LocalApi, open_local_api
from commsync.local_config import ApiConfig, LocalConfig
from commsync.models.access import Permission
from tests.support.api import tokens_for

pytestmark = pytest.mark.integration

SEED = 16
EXAMPLES = 15  # per operation and mode: bounded so that `make test` stays within its budget
ANN = "ann@acme.example"
REJECTIONS = ["400", "401", "403", "404", "406", "409", "413", "414", "415", "422", "428"]
_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
# Where a schema-valid request may still be refused, because what decides it is not a schema
# can say: each exception names the operation, the status and why. Nothing else is excused.
ACCEPTANCE_EXCEPTIONS: list[dict[str, Any]] = [
    {
        # The endpoint's scheme and the options' fields depend on `kind` (https:// for servers,
        # a client_id for Graph...): correlated fields the document states in words only.
        # A connection test takes the same settings (issue 23).
        "include-name": [
            "POST /integrations",
            "PUT /integrations/{project}/{name}",
            "POST /connection-tests",
        ],
        "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "422"]}},
    },
    {
        # A subscription's endpoint depends on its protocol (an address, an https:// URL, an ARN).
        "include-name": "POST /integrations/{project}/{name}/subscriptions",
        "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "422"]}},
    },
    {
        # A cursor is opaque: only one this API returned is valid, whatever its shape.
        "include-name": "GET /buckets/{bucket}/comments",
        "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "422"]}},
    },
    {
        # The OAuth state is one the server issued; any other is refused, as it must be (400).
        "include-name": "GET /external/{provider}/oauth2/callback",
        "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "400"]}},
    },
]


def _seed(url: str, token: str, mail: Path) -> None:
    """Something for the generated requests to find; recreated when a fuzzed DELETE removed it."""
    headers = {"Authorization": f"Bearer {token}"}
    body = {"project": "acme", "name": "mail", "kind": "eml", "endpoint": str(mail), "bucket": "acme-mail"}
    requests.post(f"{url}/integrations", json=body, headers=headers, timeout=30)
    requests.post(
        f"{url}/integrations/acme/mail/mailboxes", json={"address": ANN}, headers=headers, timeout=30
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalApi, str, Path]]:
    root = tmp_path_factory.mktemp("schemathesis")
    (root / "mail" / ANN).mkdir(parents=True)
    plain, records = tokens_for({"ops": [Permission.MODIFY]})
    config = LocalConfig(
        store=root / "store", secrets_file=root / "secrets.toml", api=ApiConfig(tokens=records)
    )
    local = open_local_api(config, port=0)
    local.start(sync=False)
    try:
        yield local, plain["ops"], root / "mail"
    finally:
        local.close()


@pytest.fixture(scope="module")
def api_schema(served: tuple[LocalApi, str, Path]) -> Any:
    local, token, mail = served
    _seed(local.url, token, mail)
    config = SchemathesisConfig.from_dict(
        {
            "headers": {"Authorization": f"Bearer {token}"},
            "generation": {"mode": "all", "max-examples": EXAMPLES},
            # A request line past the server's limit is refused with 414, a rejection too.
            "checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}},
            "operations": ACCEPTANCE_EXCEPTIONS,
        }
    )
    return schemathesis.openapi.from_url(f"{local.url}/openapi.json", config=config)


def _failures(operation: Any, mode: GenerationMode, url: str, token: str, mail: Path) -> list[str]:
    found: list[str] = []

    @seed(SEED)
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report what was found, fast
    )
    def check(case: Any) -> None:
        try:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
        except (Exception, BaseExceptionGroup) as failure:  # one per failed check: collect them all
            found.append(f"{operation.label} [{mode.value}]: {str(failure)[:1500]}")

    _seed(url, token, mail)
    try:
        check()
    except Unsatisfiable:  # nothing to break in this operation (no parameters, no body)
        assert mode is GenerationMode.NEGATIVE
    return found


def test_every_operation_conforms_to_the_document(
    served: tuple[LocalApi, str, Path], api_schema: Any
) -> None:
    local, token, mail = served
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _failures(operation, mode, local.url, token, mail)
    assert failures == [], "\n\n".join(dict.fromkeys(failures))
