"""Logging: subsystem tags, timestamps, file:line, outputs, per-subsystem debug."""

from __future__ import annotations

import logging
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from aisexec import logsys
from aisexec.config import LoggerConfig, LoggingConfig, parse_config_text
from aisexec.logsys import LogSetupError, format_timestamp, get_logger, setup_logging, subsystem_of

QUIET = LoggingConfig(to_stderr=True, to_syslog=False)


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    yield
    logsys.shutdown_logging()
    logging.getLogger(logsys.ROOT).setLevel(logging.NOTSET)


def stderr_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().err.splitlines()


def test_records_carry_the_subsystem_tag(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(QUIET, foreground=True)
    get_logger("MAIN").info("AIS Executive Service: started")
    get_logger("clm").warning("view %d", 4)
    get_logger("TOTEM").error("token lost")
    logging.getLogger("aisexec.services.ckpt").info("from a module logger")
    assert stderr_lines(capsys) == [
        "[MAIN ] AIS Executive Service: started",
        "[CLM  ] view 4",
        "[TOTEM] token lost",
        "[CKPT ] from a module logger",
    ]


def test_subsystem_of() -> None:
    assert get_logger("ipc").name == "aisexec.IPC"
    assert subsystem_of("aisexec.SERV") == "SERV"
    assert subsystem_of("aisexec.services.evt") == "EVT"
    assert subsystem_of("aisexec") == "MAIN"


def test_timestamp_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(LoggingConfig(to_syslog=False, timestamp=True), foreground=True)
    get_logger("MAIN").info("hello")
    (line,) = stderr_lines(capsys)
    assert re.fullmatch(r"[A-Z][a-z]{2} [ 0-3]\d [0-2]\d:[0-5]\d:[0-6]\d\.\d{3} \[MAIN \] hello", line), line


def test_format_timestamp() -> None:
    import time

    t = time.mktime((2007, 11, 5, 23, 0, 1, 0, 0, -1)) + 0.1234
    assert format_timestamp(t) == "Nov  5 23:00:01.123"


def test_fileline(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(LoggingConfig(to_syslog=False, fileline=True), foreground=True)
    get_logger("IPC").info("connection")
    lineno = test_fileline.__code__.co_firstlineno + 2
    assert stderr_lines(capsys) == [f"[IPC  ] [test_logsys.py:{lineno}] connection"]


def test_exceptions_are_printed(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(QUIET, foreground=True)
    try:
        raise ValueError("boom")
    except ValueError:
        get_logger("MAIN").exception("failed")
    err = capsys.readouterr().err
    assert err.startswith("[MAIN ] failed\nTraceback")
    assert "ValueError: boom" in err


def test_no_stderr_in_the_background(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(QUIET, foreground=False)
    get_logger("MAIN").error("nobody sees this")
    assert capsys.readouterr().err == ""


def test_to_stderr_off(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(LoggingConfig(to_stderr=False, to_syslog=False), foreground=True)
    get_logger("MAIN").error("nobody sees this")
    assert capsys.readouterr().err == ""


def test_to_file_writes_the_logfile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logfile = tmp_path / "aisexec.log"
    logfile.write_text("older line\n")
    cfg = LoggingConfig(to_stderr=False, to_file=True, logfile=str(logfile), to_syslog=False)
    setup_logging(cfg, foreground=True)
    get_logger("CKPT").info("checkpoint %s opened", "ckpt1")
    get_logger("CKPT").debug("not shown")
    assert logfile.read_text() == "older line\n[CKPT ] checkpoint ckpt1 opened\n"  # appended, flushed
    assert capsys.readouterr().err == ""


def test_unopenable_logfile_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    for bad in (tmp_path, blocker / "aisexec.log", tmp_path / "missing" / "aisexec.log"):
        cfg = LoggingConfig(to_file=True, logfile=str(bad), to_syslog=False)
        with pytest.raises(LogSetupError, match=f"cannot open logfile '{re.escape(str(bad))}'"):
            setup_logging(cfg, foreground=True)


def test_debug_off_hides_debug(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(QUIET, foreground=True)
    get_logger("MAIN").debug("hidden")
    get_logger("MAIN").info("shown")
    assert stderr_lines(capsys) == ["[MAIN ] shown"]


def test_debug_on_shows_every_subsystem(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(LoggingConfig(to_syslog=False, debug=True), foreground=True)
    get_logger("MAIN").debug("main debug")
    get_logger("CLM").debug("clm debug")
    assert stderr_lines(capsys) == ["[MAIN ] main debug", "[CLM  ] clm debug"]


def test_per_logger_debug(capsys: pytest.CaptureFixture[str]) -> None:
    cfg = parse_config_text(
        "logging {\n to_syslog: no\n logger {\n  ident: CLM\n  debug: on\n  tags: enter|trace2\n }\n"
        " logger {\n  ident: CKPT\n  debug: off\n }\n}\n"
    ).logging
    setup_logging(cfg, foreground=True)
    get_logger("CLM").debug("clm debug")
    get_logger("CKPT").debug("ckpt debug")
    get_logger("MAIN").debug("main debug")
    get_logger("CKPT").info("ckpt info")
    assert stderr_lines(capsys) == ["[CLM  ] clm debug", "[CKPT ] ckpt info"]
    assert logsys.is_traced("clm", "trace2") and logsys.is_traced("CLM", "enter")
    assert not logsys.is_traced("CLM", "trace1")
    assert not logsys.is_traced("CKPT", "enter")


def test_per_logger_debug_off_does_not_silence_global_debug(capsys: pytest.CaptureFixture[str]) -> None:
    cfg = LoggingConfig(to_syslog=False, debug=True, loggers={"CLM": LoggerConfig("CLM", debug=False)})
    setup_logging(cfg, foreground=True)
    get_logger("CLM").debug("still shown")
    assert stderr_lines(capsys) == ["[CLM  ] still shown"]


def test_setup_twice_replaces_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "first.log"
    setup_logging(LoggingConfig(to_file=True, logfile=str(first), to_syslog=False), foreground=True)
    setup_logging(QUIET, foreground=True)
    get_logger("MAIN").info("once")
    assert stderr_lines(capsys) == ["[MAIN ] once"]
    assert first.read_text() == ""


def _syslog_socket(path: Path) -> socket.socket:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(path))
    server.settimeout(5)
    return server


def test_syslog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    address = tmp_path / "log"
    server = _syslog_socket(address)
    monkeypatch.setattr(logsys, "SYSLOG_SOCKET", str(address))
    try:
        setup_logging(LoggingConfig(to_stderr=False, timestamp=True), foreground=True)
        get_logger("MAIN").info("hello syslog")
        get_logger("TOTEM").error("bad")
        # daemon (3) << 3 | info (6) = 30; | err (3) = 27; syslog adds the time itself
        assert server.recv(4096) == f"<30>aisexec[{os.getpid()}]: [MAIN ] hello syslog".encode()
        assert server.recv(4096) == f"<27>aisexec[{os.getpid()}]: [TOTEM] bad".encode()

        setup_logging(LoggingConfig(to_stderr=False, syslog_facility="local0"), foreground=True)
        get_logger("CLM").warning("w")
        # local0 (16) << 3 | warning (4) = 132
        assert server.recv(4096) == f"<132>aisexec[{os.getpid()}]: [CLM  ] w".encode()
    finally:
        server.close()


def test_syslog_full_drops_instead_of_blocking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    address = tmp_path / "log"
    server = _syslog_socket(address)  # nobody reads it
    monkeypatch.setattr(logsys, "SYSLOG_SOCKET", str(address))
    try:
        setup_logging(LoggingConfig(to_stderr=False), foreground=True)
        log = get_logger("MAIN")
        for i in range(5000):  # far more than a unix datagram queue holds
            log.info("message %d %s", i, "x" * 200)
        handler = next(h for h in logsys._installed if isinstance(h, logsys.NonBlockingSysLogHandler))
        assert handler.dropped > 0
    finally:
        server.close()


def test_missing_syslog_socket_does_not_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(logsys, "SYSLOG_SOCKET", str(tmp_path / "no-such-log"))
    setup_logging(LoggingConfig(), foreground=True)
    get_logger("MAIN").info("still logging")
    lines = stderr_lines(capsys)
    assert lines[0].startswith("aisexec: not logging to syslog: ")
    assert lines[1:] == ["[MAIN ] still logging"]
