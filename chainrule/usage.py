"""Shared pieces of the command line: the usage-error type and argparse value parsers."""

from __future__ import annotations

import argparse

from chainrule.expression import check_variable_name


class UsageError(Exception):
    """A mistake in what the user typed: printed with the command's usage, exit status 2."""


def variable(text: str) -> tuple[str, float]:
    """argparse type for --var: "NAME=NUMBER" -> (name, value)."""
    name, sep, number = text.partition("=")
    name = name.strip()
    if not sep:
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, as in a=2.0; got {text!r}")
    try:
        check_variable_name(name)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return name, real(number)


def real(text: str) -> float:
    """argparse type: a finite float."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def positive_real(text: str) -> float:
    """argparse type: a finite float > 0."""
    value = real(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def nonnegative_real(text: str) -> float:
    """argparse type: a finite float >= 0."""
    value = real(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def widths(text: str) -> list[int]:
    """argparse type for --hidden: "64,64" -> [64, 64] (each >= 1)."""
    parts = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not part for part in parts):
        raise argparse.ArgumentTypeError(f"expected comma-separated widths such as 64,64; "
                                         f"got {text!r}")
    return [positive_int(part) for part in parts]


def command_parser(subparsers: argparse._SubParsersAction, name: str, summary: str,
                   description: str, examples: str) -> argparse.ArgumentParser:
    """A subcommand parser whose --help ends with worked examples."""
    return subparsers.add_parser(
        name, help=summary, description=description,
        epilog="examples:\n" + examples.strip("\n"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
