"""Helpers shared by the `kb` commands: failing with a message, reading a password, parsing a role."""
from __future__ import annotations

import sys
from typing import NoReturn

import click

from kb.constants import Role


def fail(problem: Exception | str) -> NoReturn:
    """Print the problem (each of a ValidationError's messages) as "Fel: …" on stderr and exit 1."""
    for message in getattr(problem, "errors", {}).values() or [str(problem)]:
        click.echo(f"Fel: {message}", err=True)
    sys.exit(1)


def read_password(password_stdin: bool) -> str:
    """A password from the first line of standard input, or asked for twice at the terminal."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Lösenord", hide_input=True, confirmation_prompt="Upprepa lösenordet")


def parse_role(value: str) -> Role:
    """A role given by name (Swedish or English); an unknown one is a bad parameter."""
    try:
        return Role.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
