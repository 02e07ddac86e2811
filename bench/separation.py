"""Precision and recall of new-text / signature separation on the labelled set (issue 5).

Run: .venv/bin/python bench/separation.py [--cases DIR] [--details]

Each case in tests/fixtures/separation is one text file: the email body, then a line
"=== expected new text ===" and the expected new text, then "=== expected signature ===" and the
expected signature (empty when there is none). See the README there for sources and licenses.

Scores are line-level and micro-averaged over all cases. Lines are compared stripped, blank
lines ignored, as multisets (a line that appears twice counts twice):
- new text: precision = correct predicted new-text lines / all predicted new-text lines
  (quoted history or signature leaking into the text lowers it); recall = correct predicted
  new-text lines / all expected new-text lines (text lost to the history or signature lowers it);
- signature: the same with signature lines;
- exact: the share of cases whose new text and signature both come out exactly right.
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


def whole_text_approach(body: str) -> tuple[str, str | None]:
    """The baseline: no separation at all."""
    return body, None


APPROACHES: dict[str, Approach] = {
    "commsync (kept)": commsync_approach,
    "mail-parser-reply 1.36": mail_parser_reply_approach,
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
        if _lines(new) == _lines(case.new) and _lines(signature or "") == _lines(case.signature):
            result.exact += 1
        else:
            result.misses.append(case.name)
    result.seconds = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--details", action="store_true", help="list the cases each approach gets wrong")
    args = parser.parse_args(argv)
    cases = load_cases(args.cases)
    print(f"{len(cases)} labelled cases in {args.cases}")
    header = (
        f"{'approach':<26} {'new P':>6} {'new R':>6} {'sig P':>6} {'sig R':>6} {'exact':>6} {'ms/case':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, approach in APPROACHES.items():
        r = evaluate(name, approach, cases)
        ms = r.seconds * 1000 / max(r.cases, 1)
        print(
            f"{name:<26} {r.new.precision:6.3f} {r.new.recall:6.3f} {r.signature.precision:6.3f}"
            f" {r.signature.recall:6.3f} {r.exact / max(r.cases, 1):6.3f} {ms:8.3f}"
        )
        if args.details and r.misses:
            print("   wrong:", ", ".join(r.misses))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "layers" / "commsync"))
    sys.exit(main())
