from click.testing import CliRunner

from meetcheck.cli import cli


def test_check_runs_system_os():
    result = CliRunner().invoke(cli, ["check", "-q"])
    assert result.exit_code == 0, result.output
    assert "system.os" in result.output
