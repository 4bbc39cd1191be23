"""The README's generated parts are up to date, and every command has help."""

from __future__ import annotations

import re

import pytest

from budgetgen.checks import rule_catalog
from budgetgen.checks.report import rules_markdown
from budgetgen.cli import cli

from .conftest import ROOT, run


def test_readme_rule_table_is_the_catalog() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- rules:start -->\n(.*?)\n<!-- rules:end -->", readme, re.S)
    assert found, "README lacks the rules section"
    assert found.group(1).strip() == rules_markdown(rule_catalog()), "regenerate the README rule table"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert len(result.stdout.strip().splitlines()) > 2


def test_readme_commands_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"```sh\n(.*?)```", readme, re.S))
    used = set(re.findall(r"^budgetgen ([\w-]+)", blocks, re.M))
    assert used >= {"render", "summary", "check"}
    assert used <= set(cli.commands), used - set(cli.commands)
