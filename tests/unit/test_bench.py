"""The benchmark harness's own pieces (issue 8): the mail it generates, how it reads import
reports, clones state rows and writes results.json. The benchmarks themselves are never run here."""

from __future__ import annotations

import email
import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from email import policy
from pathlib import Path

import pytest

from bench.cold_start import lambda_environment, load_template, parse_importtime
from bench.common import Scenario, print_rows, sized, target_met
from bench.fanout import T0, clone_item
from bench.mailgen import ATTACHMENT_SHARE, FOLDERS, MAILBOX, email_of_size, write_mailbox
from bench.run import QUICK, SCENARIOS, _run, results_document, verdict
from commsync.models import Mailbox, MailboxState

ISSUE_SCENARIOS = {
    "backfill",
    "idle_poll",
    "fan_out",
    "cold_start",
    "big_attachment",
    "cleaning",
    "page_memory",
    *("robustness", "separation"),  # issue 18
    "cost",
    "dispatch_scale",
}


def test_the_runner_covers_the_scenarios_of_the_issues() -> None:
    assert set(SCENARIOS) >= ISSUE_SCENARIOS  # later issues add theirs (issue 19: salesforce_backfill)


@pytest.mark.parametrize(
    ("value", "target", "met"),
    [
        (1.4, "<= 1.5", True),
        (1.5, "<= 1.5", True),
        (1.51, "<= 1.5", False),
        (0.9, ">= 0.9", True),
        (0.89, ">= 0.9", False),
        (149.9, "< 150", True),
        (150, "< 150", False),
        (10_000, "= 10,000", True),
        (9_999, "= 10000", False),
        (0, "= 0 (never a scan)", True),
        (1, "= 0 (never a scan)", False),
        (1.0, "~1 (proportional)", None),
    ],
)
def test_a_target_is_an_operator_and_a_number_checked_against_the_value(
    value: float, target: str, met: bool | None
) -> None:
    assert target_met(value, target) is met


def test_a_figure_gets_pass_or_fail_from_its_target_and_an_unjudged_target_is_refused() -> None:
    scenario = Scenario("page_memory", "cmd")
    scenario.add("peak_rss_mb", 300.0, "<= 256")
    scenario.add("emails", 50)
    scenario.add("ratio", 1.02, "~1 (within 10%)", True)
    assert [f.verdict for f in scenario.figures] == ["FAIL", "", "PASS"]
    assert scenario.missed == ["page_memory.peak_rss_mb"]
    with pytest.raises(ValueError, match="needs met="):
        scenario.add("calls_ratio", 1.0, "~1 (proportional)")


def test_the_run_fails_when_a_target_is_missed_and_passes_when_all_are_met() -> None:
    met, missed = Scenario("a", "cmd"), Scenario("b", "cmd")
    met.add("cpu_ms_per_email", 1.2, "<= 1.5")
    missed.add("ratio_to_raw_at_20ms", 0.5, ">= 0.9")
    assert verdict([met]) == 0
    assert verdict([met, missed]) == 1


def test_a_scenario_that_crashes_is_a_missed_target_not_a_silent_gap() -> None:
    scenario = _run("broken", "bench.no_such_scenario", {**os.environ, "PYTHONPATH": str(Path.cwd())})
    assert scenario.missed == ["broken.completed"]


def test_quick_mode_picks_the_quick_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BENCH_EMAILS", raising=False)
    monkeypatch.delenv("BENCH_QUICK", raising=False)
    assert sized("BENCH_EMAILS", 4_000, 1_000) == 4_000
    monkeypatch.setenv("BENCH_QUICK", "1")
    assert sized("BENCH_EMAILS", 4_000, 1_000) == 1_000
    monkeypatch.setenv("BENCH_EMAILS", "123")
    assert sized("BENCH_EMAILS", 4_000, 1_000) == 123
    assert QUICK["BENCH_QUICK"] == "1"


def test_generated_mailboxes_are_byte_for_byte_reproducible(tmp_path: Path) -> None:
    # GIVEN the same seed twice
    first = write_mailbox(tmp_path / "a", 60)
    second = write_mailbox(tmp_path / "b", 60)

    # THEN the files are identical (MIME boundaries included), laid out as the emulator reads them
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.eml"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.eml"))
    assert files_a == files_b and len(files_a) == 60
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a)
    assert {f.parts[0] for f in files_a} == {MAILBOX}
    assert {"/".join(f.parts[1:-1]) for f in files_a} <= {folder for folder, _ in FOLDERS}
    assert (first.median_bytes, first.with_attachments) == (second.median_bytes, second.with_attachments)


def test_generated_mail_is_realistic_valid_mime(tmp_path: Path) -> None:
    # GIVEN a few hundred generated emails
    corpus = write_mailbox(tmp_path, 300)
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in tmp_path.rglob("*.eml")
    ]

    # THEN sizes centre on 20 KB, about 5% carry an attachment, every one has a readable body,
    # its own Message-ID, several charsets appear and replies point at earlier mail
    assert 17_000 <= corpus.median_bytes <= 24_000
    assert 0.5 * ATTACHMENT_SHARE <= corpus.with_attachments / corpus.count <= 2 * ATTACHMENT_SHARE
    ids = [m["Message-ID"] for m in messages]
    assert len(set(ids)) == len(ids) == 300
    assert all("Hello" in m.get_body(("plain",)).get_content() for m in messages)  # type: ignore[union-attr]
    charsets = {m.get_body(("plain",)).get_content_charset() for m in messages}  # type: ignore[union-attr]
    assert {"utf-8", "iso-8859-1", "windows-1252", "iso-2022-jp", "koi8-r"} <= charsets
    replies = [m for m in messages if m["In-Reply-To"]]
    assert len(replies) > 100 and all(r["In-Reply-To"] in ids for r in replies)


def test_email_of_size_aims_at_the_size_asked_for() -> None:
    sizes = sorted(len(email_of_size(n, 20_000)) for n in range(40))
    assert 18_000 <= sizes[20] <= 22_000


def test_importtime_report_sums_top_level_imports_and_attributes_self_time_to_packages() -> None:
    # GIVEN `python -X importtime` output: two top-level imports, one with nested modules
    report = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       900 |        900 |   botocore.exceptions",
            "import time:      2100 |       3000 | botocore",
            "import time:       400 |        400 |     pydantic.types",
            "import time:      1000 |       1400 |   pydantic",
            "import time:      5000 |       6400 | commsync.models",
        ]
    )

    # WHEN it is read
    total, packages = parse_importtime(report)

    # THEN the total is the top-level cumulatives, and each package owns its modules' self time
    assert total == 9.4
    assert packages == {"botocore": 3.0, "pydantic": 1.4, "commsync": 5.0}


def test_handler_environment_comes_from_the_template(tmp_path: Path) -> None:
    env = lambda_environment(load_template(), "PollerFunction", tmp_path)

    # Globals and the function's own variables, parameters at their defaults, as Lambda runs it
    assert env["COMMSYNC_RESERVE_SECONDS"] == "60"
    assert env["COMMSYNC_AI_UNIT_QUOTA"] == "0"
    assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert env["COMMSYNC_TABLE_NAME"] and env["COMMSYNC_QUEUE_URL"].startswith("https://")
    assert env["AWS_LAMBDA_FUNCTION_NAME"] and str(tmp_path) in env["PYTHONPATH"]


def test_a_cloned_mailbox_row_gets_its_own_address_and_due_time() -> None:
    # GIVEN a mailbox row as the DynamoDB state adapter stores it, due at T0
    mailbox = Mailbox(integration="acme/exchange-000", address="user00000@acme.example")
    stamp = "2024-06-03T08:00:00Z"
    item = {
        "pk": "MAILBOXES#acme/exchange-000",
        "sk": mailbox.address,
        "config": mailbox.model_dump_json(),
        "state": MailboxState(next_poll_at=T0).model_dump_json(),
        "due": "DUE",
        "next_poll_at": stamp,
        "interval": Decimal(300),
    }

    # WHEN it is cloned as mailbox 42
    clone = clone_item(item, 0, 42)

    # THEN only the address and the due time changed, in the keys, the config and the state alike
    assert clone["sk"] == "user00042@acme.example"
    assert clone["next_poll_at"] == "2024-06-03T08:00:42Z"
    assert Mailbox.model_validate_json(clone["config"]).address == "user00042@acme.example"
    state = MailboxState.model_validate_json(clone["state"])
    assert state.next_poll_at == datetime(2024, 6, 3, 8, 0, 42, tzinfo=UTC)
    assert (clone["pk"], clone["due"], clone["interval"]) == (item["pk"], "DUE", Decimal(300))


def test_results_hold_numbers_per_scenario_and_the_run_beside_them() -> None:
    # GIVEN two scenarios' figures, one target missed
    backfill = Scenario("backfill", ".venv/bin/python -m bench.backfill --emails 10000")
    backfill.add("emails_per_s", 180.5)
    backfill.add("limit_emails_per_s", 700.0)
    backfill.add("ratio_to_limit", 180.5 / 700.0, ">= 0.8", False)
    cleaning = Scenario("cleaning", ".venv/bin/python -m bench.cleaning")
    cleaning.add("cpu_ms_per_email_median", 1.8, "<= 2.0", True)

    # WHEN the results document is made
    document = json.loads(json.dumps(results_document([backfill, cleaning], 0.5, 12.0, False)))

    # THEN each scenario maps figure names to numbers, the ratio has both raw figures beside it,
    # and the run's facts, commands and targets sit under "_" keys
    assert document["backfill"] == {
        "emails_per_s": 180.5,
        "limit_emails_per_s": 700.0,
        "ratio_to_limit": 0.2579,
    }
    assert all(
        isinstance(v, int | float) for k, s in document.items() if not k.startswith("_") for v in s.values()
    )
    assert document["_targets"]["backfill.ratio_to_limit"] == {"target": ">= 0.8", "met": False}
    assert document["_commands"]["cleaning"].endswith("bench.cleaning")
    assert document["_machine"]["cpu_cores"] >= 1 and document["_machine"]["python"].startswith("3.")


def test_the_table_marks_missed_targets() -> None:
    scenario = Scenario("big_attachment", "cmd")
    scenario.add("peak_rss_mb", 694.0, "< 150", False)
    lines: list[str] = []
    print_rows([scenario], lines.append)
    assert lines[0].split() == ["scenario", "figure", "value", "target", "check"]
    assert lines[2].split() == ["big_attachment", "peak_rss_mb", "694", "<", "150", "FAIL"]
