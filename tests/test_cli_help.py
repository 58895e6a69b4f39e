"""`kb --help` and the help of every command and group are in Swedish, Click's and Flask's own texts too."""
from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from kb.cli import help as clihelp
from kb.cli.main import main

ENGLISH = ("Usage:", "Options:", "Commands:", "Show this message and exit", "Show the version and exit",
           "[OPTIONS]", "COMMAND [ARGS]", "Perform database migrations", "--app", "--env-file", "--debug",
           "default:", "[required]", "TEXT", "INTEGER", "PATH", "FILE")


@pytest.fixture
def kb_help(app, monkeypatch):
    """Run `kb … --help` in this process against the test's app; the help text."""
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # set by Flask's group; restored after the test

    def run(*words: str) -> str:
        result = CliRunner().invoke(main, [*words, "--help"], prog_name="kb", obj=ScriptInfo(create_app=lambda: app))
        assert result.exit_code == 0, result.output
        return result.output

    return run


def listed_commands(app) -> list[tuple[str, ...]]:
    """Every command and group `kb --help` lists, and theirs, as the words that call them."""
    found: list[tuple[str, ...]] = []
    with main.make_context("kb", [], obj=ScriptInfo(create_app=lambda: app), resilient_parsing=True) as ctx:
        todo: list[tuple[tuple[str, ...], click.Group, click.Context]] = [((), main, ctx)]
        while todo:
            words, group, group_ctx = todo.pop()
            for name in group.list_commands(group_ctx):
                command = group.get_command(group_ctx, name)
                found.append((*words, name))
                assert isinstance(command, clihelp.SwedishHelp), f"kb {' '.join(found[-1])} is not a kb command"
                if isinstance(command, click.Group):
                    todo.append(((*words, name), command,
                                 command.make_context(name, [], parent=group_ctx, resilient_parsing=True)))
    return found


def test_kb_help_is_swedish_and_lists_kbs_own_commands(kb_help):
    """Does `kb --help` speak Swedish from "Användning" to its help option, without Flask's --app, --env-file
    and --debug and without Flask-Migrate's English `db` group?"""
    text = kb_help()
    assert text.startswith("Användning: kb [ALTERNATIV] KOMMANDO [ARGUMENT]...")
    assert "Alternativ:" in text and "Kommandon:" in text and "--help  Visa den här hjälpen och avsluta." in text
    for name in ("init", "import", "export", "serve", "user", "plans", "search", "backup", "notify"):
        assert f"\n  {name} " in text, name
    assert "\n  db " not in text
    assert [word for word in ENGLISH if word in text] == []


def test_every_command_and_group_has_swedish_help(app, kb_help):
    """Is the help of every command and group (`kb user --help`, `kb plans import --help`, …) Swedish, with
    Swedish argument names and option notes such as [standard: 5000]?"""
    commands = listed_commands(app)
    assert {("user",), ("user", "create"), ("plans", "import"), ("serve",), ("search",)} <= set(commands)
    for words in commands:
        text = kb_help(*words)
        assert text.startswith(f"Användning: kb {' '.join(words)} [ALTERNATIV]"), text
        assert "Visa den här hjälpen och avsluta." in text
        assert [word for word in ENGLISH if word in text] == [], (words, text)
    assert "--port PORT      Port att lyssna på.  [standard: 5000]" in kb_help("serve")
    assert "Användning: kb user create [ALTERNATIV] NAMN" in kb_help("user", "create")


def test_developers_still_reach_the_migration_commands(kb_help):
    """Is `kb db` (Flask-Migrate, for writing a migration) still there, though `kb --help` does not list it?"""
    assert "upgrade" in kb_help("db")
