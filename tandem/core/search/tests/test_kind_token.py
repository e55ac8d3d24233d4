"""Kinds as FTS5 tokens: digits only, one per kind."""

from tandem.core.search.kind_token import kind_token


def test_a_kind_token_is_digits_only_and_tells_kinds_apart():
    kinds = ["ticket", "tickets", "article", "contact", "organization", "a", "b"]
    tokens = [kind_token(kind) for kind in kinds]
    assert len(set(tokens)) == len(kinds)
    assert all(token.isdigit() for token in tokens)
    assert kind_token("ab") == "197198"
