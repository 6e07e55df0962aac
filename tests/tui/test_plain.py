"""The sanitizer of untrusted text: no control reaches the terminal, brackets stay brackets."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from console_helpers import hostile_text
from smsconsole.tui.plain import clean, plain, plain_text

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def harmless(text: str) -> bool:
    """No C0/C1 control but the newline, no bidi control, no lone surrogate."""
    return all(
        ch == "\n"
        or not (
            unicodedata.category(ch) in ("Cc", "Cs")  # controls, surrogates
            or ch in BIDI
        )
        for ch in text
    )


def test_escape_sequences_are_shown_not_obeyed() -> None:
    assert clean("\x1b[2J") == "␛[2J"
    assert clean("\x1b]0;title\x07") == "␛]0;title␇"
    assert clean("a\x9b31mb") == "a\ufffd31mb"
    assert clean("\x00\x7f") == "␀␡"


def test_markup_is_left_as_it_is_not_escaped() -> None:
    for text in ("[b]hi[/b]", "[/]", "[@click=app.quit]x[/]", "[link=file:///etc/passwd]", "\\["):
        assert clean(text) == text
        assert plain(text).plain == text  # shown literally: no style, no "\[" in sight
        assert plain(text).spans == []
    assert plain_text("[bold red]x").plain == "[bold red]x"


def test_bidi_controls_are_dropped_and_lone_surrogates_replaced() -> None:
    assert clean(f"abc{BIDI}def") == "abcdef"
    assert clean("x\ud800y\udfffz") == "x\ufffdy\ufffdz"
    clean("\ud800").encode("utf-8")  # the terminal write would have raised


def test_line_ends_kept_or_flattened() -> None:
    assert clean("a\r\nb\rc\u2028d\x85e") == "a\nb\nc\nd\ne"
    assert clean("a\r\nb\tc", lines=False) == "a b c"


def test_limit_cuts_with_an_ellipsis() -> None:
    word = "w" * 10_000
    assert clean(word) == word
    assert clean(word, limit=50) == "w" * 49 + "…"
    assert clean("short", limit=50) == "short"


@given(st.text(max_size=200) | hostile_text())
def test_any_text_comes_out_harmless(text: str) -> None:
    once = clean(text)
    assert harmless(once)
    assert harmless(clean(text, lines=False))
    assert "\n" not in clean(text, lines=False)
    assert clean(once) == once  # cleaning twice changes nothing: no double escaping
    once.encode("utf-8")
