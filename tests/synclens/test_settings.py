"""Where each setting comes from: flags beat the environment, which beats
the YAML file, which beats the defaults; nested sections merge key by key."""

from __future__ import annotations

from pathlib import Path

import pytest

from synclens.settings import ConfigError, load_settings


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "synclens.yaml"
    path.write_text("port: 5555\ningest:\n  queue_max_rows: 7\n  retry_after_s: 3\n")
    return path


def test_flags_beat_the_environment_which_beats_the_file(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCLENS_PORT", "9999")
    monkeypatch.setenv("SYNCLENS_INGEST__RETRY_AFTER_S", "4")

    flagged = load_settings(config, port=1234, db=None)
    assert flagged.port == 1234
    assert flagged.ingest.retry_after_s == 4  # the environment, over the file
    assert flagged.ingest.queue_max_rows == 7  # the file, beside the environment's key
    assert flagged.ingest.write_timeout_s == 8.0  # the default

    assert load_settings(config).port == 9999


def test_the_file_beats_the_defaults(config: Path) -> None:
    settings = load_settings(config)
    assert (settings.port, settings.ingest.retry_after_s) == (5555, 3)


def test_unknown_keys_and_bad_values_name_their_place(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("ingest:\n  queue_max_rows: -1\nbogus: 1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(bad)
    assert "ingest.queue_max_rows" in str(caught.value)
    assert "bogus" in str(caught.value)
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(None, colour="blue")
