"""Scenario separation: new text, signature and quoted history on the labelled set (issues 5, 18).

Run: .venv/bin/python -m bench.separation [--cases DIR] [--details] [--emit FILE]

Each case in tests/fixtures/separation is one text file: the email body, then a line
"=== expected new text ===" and the expected new text, then "=== expected signature ===" and the
expected signature (empty when there is none). The expected history is every other line of the
body (quoted history, attribution and header blocks, gateway banners). See the README there.

Lines are compared stripped, blank lines ignored, as multisets (a line that appears twice counts
twice), and micro-averaged over all cases:
- exact_new_message: share of cases whose new text comes out exactly right;
- exact_reply: share of cases whose new text and signature both come out exactly right;
- quote_leakage: share of the expected history lines that show up in the predicted new text
  (beyond the copies of that line the new text itself holds);
- reply_loss: share of the expected new-text lines missing from the predicted new text;
- signature_precision / signature_recall: correct predicted signature lines over all predicted /
  over all expected ones.
The same inputs go through commsync, mail-parser-reply and email-reply-parser (dev dependencies,
pinned). Targets (issue 18): exact_new_message >= 0.92 and >= every peer's, quote_leakage <= 0.03,
reply_loss <= 0.01.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "fixtures" / "separation"
NEW_MARK = "=== expected new text ==="
SIGNATURE_MARK = "=== expected signature ==="

Approach = Callable[[str], tuple[str, str | None]]


@dataclass(frozen=True)
class Case:
    name: str
    body: str
    new: str
    signature: str


@dataclass
class Score:
    predicted: int = 0
    expected: int = 0
    correct: int = 0

    def add(self, predicted: str, expected: str) -> None:
        got, want = _lines(predicted), _lines(expected)
        self.predicted += sum(got.values())
        self.expected += sum(want.values())
        self.correct += sum((got & want).values())

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0


@dataclass
class Result:
    approach: str
    new: Score
    signature: Score
    exact: int
    cases: int
    seconds: float
    misses: list[str]
    exact_new: int = 0
    history_lines: int = 0
    leaked: int = 0

    @property
    def exact_new_message(self) -> float:
        return self.exact_new / max(self.cases, 1)

    @property
    def exact_reply(self) -> float:
        return self.exact / max(self.cases, 1)

    @property
    def quote_leakage(self) -> float:
        return self.leaked / self.history_lines if self.history_lines else 0.0

    @property
    def reply_loss(self) -> float:
        return 1.0 - self.new.recall


def _lines(text: str) -> Counter[str]:
    return Counter(line.strip() for line in text.splitlines() if line.strip())


def load_cases(folder: Path = CASES) -> list[Case]:
    cases = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        body, _, rest = text.partition(f"\n{NEW_MARK}\n")
        new, _, signature = rest.partition(f"{SIGNATURE_MARK}\n")
        cases.append(Case(path.stem, body, new.rstrip("\n"), signature.rstrip("\n")))
    return cases


def commsync_approach(body: str) -> tuple[str, str | None]:
    from commsync.cleaning.separate import separate

    result = separate(body)
    return result.text, result.signature


def mail_parser_reply_approach(body: str) -> tuple[str, str | None]:
    """mail-parser-reply 1.36 (MIT) with every language it knows."""
    from mailparser_reply import EmailReplyParser  # type: ignore[import-untyped]
    from mailparser_reply.constants import MAIL_LANGUAGES  # type: ignore[import-untyped]

    reply = EmailReplyParser(languages=list(MAIL_LANGUAGES)).read(body).replies[0]
    signature = "\n".join(p for p in [reply.signatures, *reply.disclaimers] if p)
    return reply.body, signature or None


def email_reply_parser_approach(body: str) -> tuple[str, str | None]:
    """email-reply-parser 0.5.12 (MIT, Zapier's port of GitHub's parser): visible fragments."""
    from email_reply_parser import EmailReplyParser  # type: ignore[import-untyped]

    fragments = EmailReplyParser.read(body).fragments
    text = "\n".join(f.content for f in fragments if not (f.quoted or f.signature or f.hidden))
    signature = "\n".join(f.content for f in fragments if f.signature and not f.quoted)
    return text, signature or None


def whole_text_approach(body: str) -> tuple[str, str | None]:
    """The baseline: no separation at all."""
    return body, None


APPROACHES: dict[str, Approach] = {
    "commsync (kept)": commsync_approach,
    "mail-parser-reply 1.36": mail_parser_reply_approach,
    "email-reply-parser 0.5.12": email_reply_parser_approach,
    "no separation (baseline)": whole_text_approach,
}


def evaluate(name: str, approach: Approach, cases: Iterable[Case]) -> Result:
    result = Result(name, Score(), Score(), 0, 0, 0.0, [])
    cases = list(cases)
    if cases:
        approach(cases[0].body)  # imports and regex compilation are not part of the per-case cost
    started = time.perf_counter()
    for case in cases:
        new, signature = approach(case.body)
        result.new.add(new, case.new)
        result.signature.add(signature or "", case.signature)
        result.cases += 1
        history = _lines(case.body) - _lines(case.new) - _lines(case.signature)
        result.history_lines += sum(history.values())
        result.leaked += sum(((_lines(new) - _lines(case.new)) & history).values())
        exact_new = _lines(new) == _lines(case.new)
        result.exact_new += exact_new
        if exact_new and _lines(signature or "") == _lines(case.signature):
            result.exact += 1
        else:
            result.misses.append(case.name)
    result.seconds = time.perf_counter() - started
    return result


TARGET_EXACT_NEW = 0.92
TARGET_LEAKAGE = 0.03
TARGET_LOSS = 0.01
_FIGURES = ("exact_new_message", "exact_reply", "quote_leakage", "reply_loss")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "separation")
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--details", action="store_true", help="list the cases each approach gets wrong")
    parser.add_argument("--emit", type=Path, help="write the scenario's figures as JSON to this file")
    parser.add_argument("--repeats", type=int, default=1, help="accepted for bench/run.py; one run is exact")
    args = parser.parse_args(argv)
    cases = load_cases(args.cases)
    print(f"{len(cases)} labelled cases in {args.cases}")
    columns = ("exactN", "exactR", "leak", "loss", "sig P", "sig R", "ms")
    header = f"{'approach':<27} " + " ".join(f"{c:>6}" for c in columns)
    print(header)
    print("-" * len(header))
    results = {name: evaluate(name, approach, cases) for name, approach in APPROACHES.items()}
    for name, r in results.items():
        ms = r.seconds * 1000 / max(r.cases, 1)
        print(
            f"{name:<27} {r.exact_new_message:6.3f} {r.exact_reply:6.3f} {r.quote_leakage:6.3f}"
            f" {r.reply_loss:6.3f} {r.signature.precision:6.3f} {r.signature.recall:6.3f} {ms:6.3f}"
        )
        if args.details and r.misses:
            print("   wrong:", ", ".join(r.misses))
    _emit(results, len(cases), args.emit)
    return 0


def _emit(results: dict[str, Result], cases: int, emit: Path | None) -> None:
    from bench.common import Scenario, command_line, finish

    scenario = Scenario("separation", command_line("bench.separation", []))
    scenario.add("cases", cases)
    ours, *peers = results.values()
    best_peer = max(p.exact_new_message for p in peers[:2])
    goal = max(TARGET_EXACT_NEW, best_peer)
    scenario.add(
        "exact_new_message", ours.exact_new_message, f">= {goal:.3f}", ours.exact_new_message >= goal
    )
    scenario.add("exact_reply", ours.exact_reply)
    leak, loss = ours.quote_leakage, ours.reply_loss
    scenario.add("quote_leakage", leak, f"<= {TARGET_LEAKAGE}", leak <= TARGET_LEAKAGE)
    scenario.add("reply_loss", loss, f"<= {TARGET_LOSS}", loss <= TARGET_LOSS)
    scenario.add("signature_precision", ours.signature.precision)
    scenario.add("signature_recall", ours.signature.recall)
    for peer, key in zip(peers[:2], ("mail_parser_reply", "email_reply_parser"), strict=True):
        for figure in _FIGURES:
            scenario.add(f"{key}_{figure}", float(getattr(peer, figure)))
        scenario.add(f"{key}_signature_precision", peer.signature.precision)
        scenario.add(f"{key}_signature_recall", peer.signature.recall)
    finish(scenario, emit)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "layers" / "commsync"))
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
