"""SOQL tokens, and MALFORMED_QUERY errors that name the token and where it stands.

Salesforce answers a query it cannot parse with MALFORMED_QUERY whose message echoes the query,
marks the column and names the token ("ERROR at Row:1:Column:31\\nunexpected token: 'OR'");
clients and people read that token, so every syntax error here names one.
"""

from __future__ import annotations

import re

from emulators.salesforce.errors import ApiError

_TOKEN = re.compile(
    r"\s*(?:(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))"
    r"|(?P<date>\d{4}-\d{2}-\d{2})"
    r"|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<string>'(?:[^'\\]|\\.)*')"
    r"|(?P<op><=|>=|!=|<>|=|<|>)"
    r"|(?P<comma>,)"
    r"|(?P<paren>[()])"
    r"|(?P<dateliteral>[A-Za-z_]+:\d+)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)"
    r"|(?P<other>\S))"
)

Token = tuple[str, str]


def malformed(message: str) -> ApiError:
    return ApiError(400, "MALFORMED_QUERY", message)


class Tokens:
    def __init__(self, text: str) -> None:
        self.text = text
        self.items: list[Token] = []
        self.columns: list[int] = []
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            if kind is not None:
                self.items.append((kind, match.group(kind)))
                self.columns.append(match.start(kind) + 1)
        self.pos = 0

    def peek(self) -> Token | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.unexpected()
        self.pos += 1
        return token

    def unexpected(self, at: int | None = None) -> ApiError:
        """MALFORMED_QUERY naming the token at `at` (default: the next one, or the end)."""
        index = self.pos if at is None else at
        if index >= len(self.items):
            column, name = len(self.text) + 1, "<EOF>"
        else:
            column, name = self.columns[index], f"'{self.items[index][1]}'"
        caret = " " * (column - 1) + "^"
        return malformed(f"\n{self.text}\n{caret}\nERROR at Row:1:Column:{column}\nunexpected token: {name}")

    def fail_last(self) -> ApiError:
        """MALFORMED_QUERY naming the token just taken."""
        return self.unexpected(self.pos - 1)

    def is_word(self, word: str, ahead: int = 0) -> bool:
        index = self.pos + ahead
        if index >= len(self.items):
            return False
        kind, value = self.items[index]
        return kind == "word" and value.upper() == word

    def keyword(self, *words: str) -> bool:
        """Take the words if the next token is the first of them; the rest must follow."""
        if not self.is_word(words[0]):
            return False
        for word in words:
            if not self.is_word(word):
                raise self.unexpected()
            self.pos += 1
        return True

    def expect(self, token: Token) -> None:
        if self.next() != token:
            raise self.fail_last()
