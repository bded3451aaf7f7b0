"""Named SQL: which parameters a statement names."""

from __future__ import annotations

import duckdb
import pytest

from collector.queries import bind


def test_bind_takes_only_the_parameters_the_statement_names() -> None:
    assert bind("SELECT $a + $b", {"a": 1, "b": 2, "c": 3}) == {"a": 1, "b": 2}


def test_a_name_in_a_comment_or_a_string_is_not_a_parameter() -> None:
    text = "-- counts $window's rows\nSELECT $a AS n, '$b costs ''$c''' AS s -- not $d\n"
    params = bind(text, {"a": 1, "window": 2, "b": 3, "c": 4, "d": 5})
    assert params == {"a": 1}
    # DuckDB agrees: it runs with exactly those
    assert duckdb.connect().execute(text, params).fetchall() == [(1, "$b costs '$c'")]


def test_a_missing_parameter_is_named() -> None:
    with pytest.raises(KeyError, match="b"):
        bind("SELECT $a, $b", {"a": 1})
