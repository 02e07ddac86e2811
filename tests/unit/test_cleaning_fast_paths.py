"""The fast paths of cleaning (issue 8's CPU target) agree with the slow, obviously right ones."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from commsync.cleaning import participants
from commsync.cleaning.body import _WORD, _words

NAMES = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
LOCAL = st.from_regex(re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,15}"), fullmatch=True)
DOMAIN = st.from_regex(re.compile(r"[a-z0-9]{1,10}(\.[a-z]{2,6}){1,2}"), fullmatch=True)


@settings(max_examples=400)
@given(name=NAMES, local=LOCAL, domain=DOMAIN)
def test_the_plain_address_path_formats_as_the_email_package_does(name: str, local: str, domain: str) -> None:
    # GIVEN any display name and an ordinary address; WHEN formatted by the fast path
    name_, addr = participants._normalised(name, f"{local}@{domain}")
    fast = participants.participant(name, f"{local}@{domain}")
    # THEN it is what headerregistry.Address gives, and its bare address is the one it shows
    assert fast.formatted == participants._display(name_, addr)
    if fast.address is not None:
        assert fast.address == participants.bare_address(fast.formatted)


@settings(max_examples=400)
@given(st.text(max_size=200))
def test_word_sets_match_the_regular_expression(text: str) -> None:
    assert _words(text) == set(_WORD.findall(text))
