"""The command-line shell: one spelling of the output option works for every command."""

from pathlib import Path

import pytest

from zorgzones.cli import build_parser, main


@pytest.mark.parametrize("argv, dest", [
    (["access", "{opt}", "x.gpkg"], "out"),
    (["gaps", "{opt}", "x.gpkg"], "out"),
    (["site", "--p", "2", "{opt}", "x.gpkg"], "out"),
    (["plan", "metrics", "elz", "{opt}", "x.csv"], "output"),
    (["plan", "generate", "{opt}", "x.gpkg"], "output"),
    (["export", "map", "{opt}", "x.pdf"], "output"),
])
@pytest.mark.parametrize("opt", ["-o", "--out", "--output"])
def test_output_option_spellings(argv, dest, opt):
    args = build_parser().parse_args([opt if a == "{opt}" else a for a in argv])
    assert getattr(args, dest) == Path(argv[-1])


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().err
