"""Whatever a person types becomes words, phrases and prefixes; never syntax, never an error."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core.search.backends.postgres import tsquery_sql
from tandem.core.search.backends.sqlite import match_expression
from tandem.core.search.query_parser import MAX_TERMS, Term, parse_query


def test_bare_words_are_lower_cased_terms_without_stop_words():
    assert parse_query("How do I reset my Password") == [Term(("reset",)), Term(("password",))]


def test_quoted_text_is_one_phrase():
    assert parse_query('"refund policy" late') == [Term(("refund", "policy")), Term(("late",))]


def test_trailing_star_is_a_prefix():
    assert parse_query("invoic* pay") == [Term(("invoic",), prefix=True), Term(("pay",))]


def test_one_letter_prefix_is_a_plain_word_as_a_prefix_would_match_too_much():
    assert parse_query("a* b*") == [Term(("b",))]


def test_dashes_and_operators_are_words_not_syntax():
    assert parse_query("-refund NOT billing OR (shipping) NEAR/3 col:umn ^start") == [
        Term(("refund",)),
        Term(("billing",)),
        Term(("shipping",)),
        Term(("near", "3")),
        Term(("col", "umn")),
        Term(("start",)),
    ]


def test_address_like_words_become_phrases_of_their_parts():
    assert parse_query("alice@example.com e-mail") == [
        Term(("alice", "example", "com")),
        Term(("e", "mail")),
    ]


def test_unbalanced_quote_is_ignored():
    assert parse_query('"refund policy') == [Term(("refund",)), Term(("policy",))]


def test_empty_and_punctuation_only_input_give_no_terms():
    assert parse_query("") == []
    assert parse_query('  "" * - ( ) ') == []
    assert parse_query(None) == []


def test_repeated_terms_count_once_and_the_number_of_terms_is_bounded():
    assert parse_query("refund refund REFUND") == [Term(("refund",))]
    assert len(parse_query(" ".join(f"word{n}" for n in range(100)))) == MAX_TERMS


def test_sqlite_expression_quotes_every_term():
    terms = parse_query('"late delivery" refund* box')
    assert match_expression(terms, any_term=False) == ('"late delivery" "refund"* "box"')
    assert match_expression(terms, any_term=True) == ('"late delivery" OR "refund"* OR "box"')
    assert match_expression(parse_query("e-ma* box"), any_term=False, loose=True) == (
        '("e" AND "ma"*) AND "box"'
    )


def test_postgres_expression_binds_every_word():
    sql, params = tsquery_sql(parse_query('"late delivery" refund* box'), any_term=False)
    assert sql == (
        "(phraseto_tsquery('english', %s) && to_tsquery('english', %s)"
        " && plainto_tsquery('english', %s))"
    )
    assert params == ["late delivery", "refund:*", "box"]


@given(st.text(max_size=200))
def test_any_text_parses_into_clean_words(text):
    for term in parse_query(text):
        assert term.words
        for word in term.words:
            assert word.isalnum() or all(char.isalnum() for char in word), word


@pytest.mark.parametrize("text", ['"', '""', "*", "**", '"*"', "(", ")", "-", "'", "\\", "\x00"])
def test_lone_syntax_characters_give_no_terms(text):
    assert parse_query(text) == []
