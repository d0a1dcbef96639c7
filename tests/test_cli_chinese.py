"""The command speaks Chinese with English beside, and never fails to print.

Help texts, errors and the check line are read as printed; the console tests
run the command in a child process whose standard streams are GBK (cp936, a
Chinese Windows console redirected to a file) or ASCII, and decode what it
wrote with that encoding.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rsgeo.cli import EXIT_CODES, main
from rsgeo.io.sample import sample_path

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
REPO = Path(__file__).resolve().parents[1]


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    "command", [[], ["run"], ["demo"], ["check"], ["info"], ["init"], ["convert"]]
)
def test_every_help_text_is_chinese_and_english(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    text = _help(command, capsys)
    # every option and argument line: "  --name ...  中文 / English"
    entries = re.findall(r"^  (\S+)(?: [A-Z_]+)?\s{2,}(.+)$", text, flags=re.M)
    assert len(entries) >= 2, text
    for name, help_text in entries:
        chinese, _, english = help_text.partition(" / ")
        assert HAN.search(chinese), (name, help_text)
        assert LATIN_WORD.search(english), (name, help_text)
    # the description and the section titles too
    assert re.search(r"[\u4e00-\u9fff][^\n]* / [a-z]", text.split("\n\n")[1])
    assert "选项 / options" in text


def test_convert_help_prints_the_writing_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    from rsgeo.options import PARQUET_COMPRESSIONS, ROW_GROUP_ROWS, ROWS_PER_PART

    text = " ".join(_help(["convert"], capsys).split())  # argparse wraps the lines
    assert "{" not in text and "}" not in text  # every placeholder filled
    assert f"默认 {ROW_GROUP_ROWS:,} / features in one row group, {ROW_GROUP_ROWS:,} by" in text
    assert f"默认 {ROWS_PER_PART:,} / most features in one part file, {ROWS_PER_PART:,} by" in text
    assert f"{PARQUET_COMPRESSIONS[0]} by default" in text


def test_top_help_lists_init(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help([], capsys)
    assert re.search(r"^\s+init\s+\S*[\u4e00-\u9fff]", text, flags=re.M)


def test_an_error_is_explained_in_chinese_before_its_english_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "没有这个文件.toml"
    assert main(["check", str(missing)]) == EXIT_CODES["file"]
    err = capsys.readouterr().err.strip()
    # rsgeo: 错误 / error: <Chinese> / <English class explanation>: <library message>
    head, _, message = err.partition(": job file not found: ")
    assert message == str(missing)
    assert head.startswith("rsgeo: ") and HAN.search(head) and "error" in head
    assert "Traceback" not in err


def test_a_bad_job_file_is_explained_and_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = tmp_path / "job.toml"
    job.write_text('[job]\ncutoff = "明天"\n', encoding="utf-8")
    assert main(["check", str(job)]) == EXIT_CODES["input"]
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert HAN.search(first.split("the job file has")[0]) and "job file" in first
    assert "job.cutoff: must be a date" in err  # the library's own words stay


def test_a_bad_command_line_says_how_to_get_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == EXIT_CODES["usage"]
    err = capsys.readouterr().err
    assert "rsgeo --help" in err and HAN.search(err) and "bad command line" in err


def test_check_ok_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(sample_path("rongshui_2026.toml"))]) == 0
    out = capsys.readouterr().out
    assert "检查通过" in out and "OK" in out and "2026-03-31" in out


def _child(args: list[str], encoding: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "PYTHONPATH": str(REPO)}
    env.pop("PYTHONUTF8", None)
    return subprocess.run(
        [sys.executable, "-c", "import sys; from rsgeo.cli import main; sys.exit(main())", *args],
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize("encoding", ["cp936", "ascii"])
def test_printing_never_fails_on_a_narrow_console(encoding: str, tmp_path: Path) -> None:
    # a symbol GBK cannot write (✓) in a path that the error message prints
    missing = tmp_path / "任务✓.toml"
    done = _child(["check", str(missing)], encoding, tmp_path)
    assert done.returncode == EXIT_CODES["file"], done.stderr
    readable = "gbk" if encoding == "cp936" else "utf-8"  # ASCII gives way to UTF-8
    err = done.stderr.decode(readable)
    assert "Traceback" not in err and "UnicodeEncodeError" not in err
    assert "job file not found" in err and "文件" in err
    assert ("任务?.toml" if encoding == "cp936" else "任务✓.toml") in err
    helped = _child(["init", "--help"], encoding, tmp_path)
    assert helped.returncode == 0, helped.stderr
    assert "生成带注释的任务文件模板" in helped.stdout.decode(readable)
    # a whole init, with its summary lines
    (tmp_path / "数据").mkdir()
    made = _child(["init", str(tmp_path / "数据")], encoding, tmp_path)
    assert made.returncode == 0, made.stderr
    assert "已写出任务文件模板" in made.stdout.decode(readable)


def test_a_run_announces_its_stages_in_chinese_and_english(
    small_job: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The stage lines a run prints, as printed: "rsgeo: 中文 / English"."""
    import dataclasses

    from rsgeo.job import load_job
    from rsgeo.pipeline import run_job

    job = load_job(small_job)
    job = dataclasses.replace(job, outputs=dict.fromkeys(job.outputs, False) | {"csv": True})
    run_job(job, tmp_path / "out", progress=True)
    lines = [s for s in capsys.readouterr().err.splitlines() if s.startswith("rsgeo: ")]
    assert len(lines) >= 5, lines
    for line in lines:
        chinese, _, english = line.removeprefix("rsgeo: ").partition(" / ")
        assert HAN.search(chinese) and LATIN_WORD.search(english), line
