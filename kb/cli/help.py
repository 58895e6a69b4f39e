"""Swedish help for the `kb` command.

Click writes the frame of every help text itself, in English ("Usage:", "Options:", "Show this message
and exit."). The command and group classes here write it in Swedish; every kb command and group is
made with them (`@click.command(cls=Command)`, `@click.group(cls=Group)`, and a group's own
subcommands follow), which tests/test_cli_help.py checks by reading the help of each one.
Error messages ("Error: Missing argument …") stay Click's own.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import click

HELP_OPTION_TEXT = "Visa den här hjälpen och avsluta."
USAGE_PREFIX = "Användning: "
OPTIONS_METAVAR = "[ALTERNATIV]"
SUBCOMMAND_METAVAR = "KOMMANDO [ARGUMENT]..."
HEADINGS = {"Options": "Alternativ", "Commands": "Kommandon", "Positional arguments": "Argument"}
# The notes Click adds in brackets after an option's help: "[default: 5000]", "[required]".
NOTES = {"default: ": "standard: ", "env var: ": "miljövariabel: ", "required": "krävs"}
_NOTE = re.compile(r"\[([^\[\]]*)\]$")


def _swedish_notes(text: str) -> str:
    """An option's help with the bracketed notes at its end in Swedish."""
    def translate(match: re.Match[str]) -> str:
        notes = match.group(1)
        for english, swedish in NOTES.items():
            notes = notes.replace(english, swedish)
        return f"[{notes}]"

    return _NOTE.sub(translate, text)


class HelpFormatter(click.HelpFormatter):
    """Click's formatter with Swedish headings, usage prefix and option notes."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """ "Användning: kb user [ALTERNATIV] …"."""
        super().write_usage(prog, args, USAGE_PREFIX if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        """A section heading (Alternativ, Kommandon) in Swedish."""
        super().write_heading(HEADINGS.get(heading, heading))

    def write_dl(self, rows: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        """Options and commands with their help, the option notes in Swedish."""
        super().write_dl([(term, _swedish_notes(text)) for term, text in rows], *args, **kwargs)


class Context(click.Context):
    """A context whose help is written by the Swedish formatter."""

    formatter_class = HelpFormatter


class SwedishHelp:
    """Mixin for Click command classes: Swedish help option and metavars, Swedish formatter."""

    context_class = Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """Click's --help option, described in Swedish."""
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option


class Command(SwedishHelp, click.Command):
    """A kb command with its help in Swedish."""


class Group(SwedishHelp, click.Group):
    """A kb command group; its subcommands (and subgroups) get Swedish help too."""

    command_class = Command
    group_class = type  # subgroups are Groups as well

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subcommand_metavar", SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)

