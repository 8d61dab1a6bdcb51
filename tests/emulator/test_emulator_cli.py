"""The ``stripeflow emulator`` command's option checking (through Typer's runner, without starting a server)."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from stripeflow.cli.emulator import register


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:  # a second command, so that "emulator" must be named as in the real CLI
        """Another command."""

    return app


def flat(text: str) -> str:
    return re.sub(r"[\s│╭╮╰╯─]+", " ", text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-rate", "2"], "Invalid value for '--fail-rate'"),
        (["--objects", "charges=lots"], "Invalid value for '--objects': the count for charges must be a whole number"),
        (["--objects", "invoices=5"], "unknown resource 'invoices'; valid resources are charges"),
        (["--rate-limit", "-1"], "Invalid value for '--rate-limit'"),
        (["--port", "70000"], "Invalid value for '--port'"),
        (["--restricted-key", "rk_test_x=rak_nothing"], "Invalid value for --restricted-key"),
        (["--webhook", "ftp://x=whsec_1"], "Invalid value for --webhook"),
    ],
)
def test_bad_options_fail_with_a_message_naming_the_option(app: typer.Typer, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["emulator", *args])
    assert result.exit_code == 2
    assert message in flat(result.output)


def test_help_lists_the_options(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["emulator", "--help"])
    assert result.exit_code == 0
    for option in (
        "--port",
        "--host",
        "--objects",
        "--seed",
        "--latency-ms",
        "--rate-limit",
        "--endpoint-rate-limit",
        "--fail-rate",
    ):
        assert option in result.output
