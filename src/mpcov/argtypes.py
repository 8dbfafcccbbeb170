"""Argument types for the subcommands' options: one-line errors argparse shows as usage errors."""

from __future__ import annotations

import argparse


def _number(text: str, kind: type[float | int]) -> float:
    try:
        return kind(text)
    except ValueError:
        noun = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"not {noun}: {text!r}") from None


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    value = int(_number(text, int))
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def count(text: str) -> int:
    """A whole number of at least 0."""
    value = int(_number(text, int))
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def positive_seconds(text: str) -> float:
    """A finite number more than 0."""
    value = _number(text, float)
    # `not 0 < value` also refuses nan; nan or inf would make a timeout never fire.
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number more than 0, not {value}")
    return value


def seconds(text: str) -> float:
    """A finite number of 0 or more."""
    value = _number(text, float)
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds, not {value}")
    return value
