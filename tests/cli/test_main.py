from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from smsconsole.cli import main


def test_config_check_prints_effective_config_with_secrets_masked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[provider]\nuser_id = "u-abc"\n[server]\nport = 9001\n', encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["config", "check", "--config", str(path)],
        env={"SMSCONSOLE_PROVIDER_API_SECRET": "hunter2", "SMSCONSOLE_PROVIDER_API_TOKEN": "t-x"},
    )
    assert result.exit_code == 0, result.output
    assert f"# config file: {path}" in result.output
    assert "port = 9001" in result.output
    assert 'user_id = "u-abc"' in result.output
    assert "hunter2" not in result.output
    assert 'api_secret = "********"  # environment' in result.output


def test_config_check_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["config", "check", "--json"], env={"SMSCONSOLE_SERVER_TOKEN": "tok"}
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["config_file"] is None
    assert document["settings"]["server"]["token"] == "********"
    assert document["sources"]["server.token"] == "environment"


def test_bad_config_exits_2_with_one_line_naming_key_and_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[server]\nport = 'x'\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["config", "check", "--config", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "server.port" in lines[0]
    assert str(path) in lines[0]


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "smsconsole", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "smsconsole, version" in done.stdout
