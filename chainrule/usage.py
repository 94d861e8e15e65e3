"""Shared pieces of the command line: the usage-error type and argparse value parsers."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import NoReturn

from chainrule.expression import check_variable_name


class UsageError(Exception):
    """A mistake in what the user typed: one line pointing to the command's --help, exit
    status 2."""

    show_usage = True


class CommandError(UsageError):
    """A request that cannot be carried out (a path, a drawing too large): one line, no
    pointer to --help, exit status 2."""

    show_usage = False


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: the usage block argparse prints before an error
    hides the one line that matters; `--help` is named instead."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class PathError(CommandError):
    """A file or folder that cannot be written."""


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


def output_file(text: str, option: str, suffixes: tuple[str, ...]) -> Path:
    """The file an option names, checked before any work: a known extension (the format
    follows it), an existing folder, not a folder itself, writable. UsageError otherwise."""
    from visualize.formats import check_writable

    path = Path(text)
    if path.suffix.lower() not in suffixes:
        what = f"extension {path.suffix!r}" if path.suffix else "no extension"
        raise PathError(f"{option} {text}: {what}; the format follows the extension, one of "
                         f"{', '.join(suffixes)}")
    try:
        check_writable(path)
    except OSError as error:
        raise PathError(f"{option}: {error}") from None
    return path


def output_folder(text: str, option: str) -> Path:
    """A folder to write into, created if missing; UsageError if it is a file or unwritable."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise PathError(f"{option} {text}: a file is in the way; give a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PathError(f"{option} {text}: cannot create the folder: "
                         f"{error.strerror or error}") from None
    if not os.access(path, os.W_OK):
        raise PathError(f"{option} {text}: cannot write into the folder: permission denied")
    return path
