"""Choosing a file to attach: completion and what is wrong with a file, without a console."""

from __future__ import annotations

from pathlib import Path

from smsconsole.tui.attachments import completion, matches, problem


def test_completion_adds_what_every_match_shares(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photo-1.jpg").write_bytes(b"x")
    (tmp_path / "photo-2.jpg").write_bytes(b"x")
    (tmp_path / ".hidden").write_bytes(b"x")
    assert completion(f"{tmp_path}/ph") == f"{tmp_path}/photo"
    assert completion(f"{tmp_path}/photo") is None  # photo-… and photos/: nothing shared
    assert completion(f"{tmp_path}/photos") == f"{tmp_path}/photos/"
    assert completion(f"{tmp_path}/photo-2") == f"{tmp_path}/photo-2.jpg"
    assert matches(f"{tmp_path}/")[1] == ["photo-1.jpg", "photo-2.jpg", "photos/"]
    assert matches(f"{tmp_path}/.")[1] == [".hidden"]
    assert completion(f"{tmp_path}/nothing") is None


def test_each_problem_says_what_is_wrong(tmp_path: Path) -> None:
    big, empty, fine = tmp_path / "big.png", tmp_path / "empty.jpg", tmp_path / "ok.jpg"
    big.write_bytes(b"0" * 1_500_001)
    empty.write_bytes(b"")
    fine.write_bytes(b"0" * 1_500_000)
    assert problem(str(fine)) is None
    assert (problem(str(tmp_path / "gone.jpg")) or "").startswith("No such file:")
    assert "is a folder" in (problem(str(tmp_path)) or "")
    assert "big.png is too big: 1,500,001 bytes" in (problem(str(big)) or "")
    assert "empty" in (problem(str(empty)) or "")
    assert "Type the path" in (problem("  ") or "")
