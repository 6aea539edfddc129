"""Logging as openais does it, on top of the standard ``logging`` module.

Every subsystem logs through ``get_logger("CLM")`` (or a module logger under ``aisexec.``) and
its lines carry the subsystem tag, padded like openais's ``[%-5s]``::

    Nov 25 23:00:01.123 [MAIN ] AIS Executive Service: started and ready to provide service.
    [CLM  ] CLM CONFIGURATION CHANGE
    [TOTEM] [totemsrp.py:812] entering GATHER state from 11.

(the timestamp with ``timestamp: on``, the ``[file:line]`` with ``fileline: on``).

Outputs, from the ``logging {}`` section: stderr (only when running in the foreground: a
daemon's stderr is /dev/null), a log file (opened by ``setup_logging``, before the event loop
starts; failure to open it is an error), syslog through /dev/log (if /dev/log is missing, a
warning on stderr and no syslog).  ``debug: on`` shows DEBUG records of every subsystem;
``logger { ident: CLM  debug: on }`` shows them for one.  As in openais, a per-logger
``debug: off`` cannot silence a subsystem that the global ``debug: on`` turned on.

Cost per record: one dict lookup to filter, one format, one write per output.  The syslog
socket is non-blocking: if syslog cannot keep up, records are dropped (and counted) rather
than stalling the event loop.  File and stderr writes are plain writes, acceptable for the
volume an executive logs.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import socket
import sys
import time
from typing import TextIO

from .config import LoggerConfig, LoggingConfig

ROOT = "aisexec"
SYSLOG_SOCKET = "/dev/log"
SYSLOG_IDENT = "aisexec"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class LogSetupError(RuntimeError):
    """An output named in the configuration cannot be opened."""


def get_logger(subsys: str) -> logging.Logger:
    """The logger of subsystem ``subsys`` (e.g. "MAIN", "IPC", "CLM", "TOTEM", "CKPT")."""
    return logging.getLogger(f"{ROOT}.{subsys.upper()}")


def subsystem_of(name: str) -> str:
    """The tag printed for a logger name: ``aisexec.CLM`` -> CLM, ``aisexec.services.ckpt`` -> CKPT."""
    if name == ROOT:
        return "MAIN"
    return name.rsplit(".", 1)[-1].upper()


def format_timestamp(created: float) -> str:
    """``Nov 25 23:00:01.123``: syslog's month and day, with milliseconds."""
    t = time.localtime(created)
    ms = int((created - int(created)) * 1000)
    return f"{_MONTHS[t.tm_mon - 1]} {t.tm_mday:2d} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{ms:03d}"


class SubsysFormatter(logging.Formatter):
    """``[timestamp ][SUBSYS] [[file:line] ]message``."""

    def __init__(self, timestamp: bool, fileline: bool, prefix: str = "") -> None:
        super().__init__()
        self.timestamp = timestamp
        self.fileline = fileline
        self.prefix = prefix
        self._tags: dict[str, str] = {}

    def tag(self, name: str) -> str:
        tag = self._tags.get(name)
        if tag is None:
            tag = self._tags[name] = f"[{subsystem_of(name):<5}] "
        return tag

    def format(self, record: logging.LogRecord) -> str:
        parts = [self.prefix]
        if self.timestamp:
            parts.append(format_timestamp(record.created))
            parts.append(" ")
        parts.append(self.tag(record.name))
        if self.fileline:
            parts.append(f"[{record.filename}:{record.lineno}] ")
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append("\n")
            parts.append(self.formatException(record.exc_info))
        return "".join(parts)


class SubsysLevelFilter(logging.Filter):
    """Lets DEBUG records through only for the subsystems that have debug on."""

    def __init__(self, debug_all: bool, debug_subsystems: set[str]) -> None:
        super().__init__()
        self.debug_all = debug_all
        self.debug_subsystems = frozenset(s.upper() for s in debug_subsystems)
        self._cache: dict[str, int] = {}

    def level_for(self, name: str) -> int:
        level = self._cache.get(name)
        if level is None:
            debug = self.debug_all or subsystem_of(name) in self.debug_subsystems
            level = self._cache[name] = logging.DEBUG if debug else logging.INFO
        return level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level_for(record.name)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


class NonBlockingSysLogHandler(logging.Handler):
    """Sends to the local syslog socket without ever blocking; drops and counts on overflow."""

    def __init__(self, address: str = SYSLOG_SOCKET, facility: str = "daemon") -> None:
        super().__init__()
        self.address = address
        self.facility = logging.handlers.SysLogHandler.facility_names[facility]
        self.dropped = 0
        self.kind = socket.SOCK_DGRAM
        self.sock: socket.socket | None = None
        self._connect()

    def _connect(self) -> None:
        last: OSError | None = None
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            sock = socket.socket(socket.AF_UNIX, kind)
            try:
                sock.connect(self.address)
            except OSError as e:
                sock.close()
                last = e
                continue
            sock.setblocking(False)
            self.kind = kind
            self.sock = sock
            return
        assert last is not None
        raise last

    def emit(self, record: logging.LogRecord) -> None:
        try:
            prio = logging.handlers.SysLogHandler.priority_map.get(record.levelname, "warning")
            pri = (self.facility << 3) | logging.handlers.SysLogHandler.priority_names[prio]
            msg = f"<{pri}>{self.format(record)}"
            if self.kind == socket.SOCK_STREAM:
                msg += "\000"
            data = msg.encode("utf-8", "replace")
            if self.sock is None:
                self._connect()
            assert self.sock is not None
            try:
                self.sock.send(data)
            except BlockingIOError:
                self.dropped += 1
            except OSError:
                # syslogd restarted: reconnect once, drop this record if that fails.
                self.sock.close()
                self.sock = None
                try:
                    self._connect()
                    assert self.sock is not None
                    self.sock.send(data)
                except OSError:
                    self.dropped += 1
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        super().close()


# What setup_logging installed, so that a second call replaces it.
_installed: list[logging.Handler] = []
_traced: dict[str, frozenset[str]] = {}


def _remove_installed() -> None:
    root = logging.getLogger(ROOT)
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed.clear()


def setup_logging(cfg: LoggingConfig, foreground: bool) -> None:
    """Install the outputs of ``cfg`` on the ``aisexec`` logger (replacing earlier ones).

    Raises LogSetupError if the log file cannot be opened.  Call before the event loop starts.
    """
    handlers: list[logging.Handler] = []
    if cfg.to_file:
        assert cfg.logfile is not None  # the configuration reader guarantees it
        try:
            file_handler = logging.FileHandler(cfg.logfile, mode="a", encoding="utf-8")
        except OSError as e:
            raise LogSetupError(f"cannot open logfile '{cfg.logfile}': {e.strerror or e}") from e
        file_handler.setFormatter(SubsysFormatter(cfg.timestamp, cfg.fileline))
        handlers.append(file_handler)
    if cfg.to_stderr and foreground:
        stderr_handler = _StderrHandler()
        stderr_handler.setFormatter(SubsysFormatter(cfg.timestamp, cfg.fileline))
        handlers.append(stderr_handler)
    if cfg.to_syslog:
        try:
            syslog_handler = NonBlockingSysLogHandler(SYSLOG_SOCKET, cfg.syslog_facility)
        except OSError as e:
            reason = e.strerror or str(e)
            print(f"aisexec: not logging to syslog: {SYSLOG_SOCKET}: {reason}", file=sys.stderr)
        else:
            # syslog adds its own time stamp; the pid is part of the tag as openlog(LOG_PID) does it
            ident = f"{SYSLOG_IDENT}[{os.getpid()}]: "
            syslog_handler.setFormatter(SubsysFormatter(False, cfg.fileline, ident))
            handlers.append(syslog_handler)

    debug_subsystems = {ident for ident, lc in cfg.loggers.items() if lc.debug}
    level_filter = SubsysLevelFilter(cfg.debug, debug_subsystems)

    _remove_installed()
    root = logging.getLogger(ROOT)
    root.setLevel(logging.DEBUG if cfg.debug or debug_subsystems else logging.INFO)
    for handler in handlers:
        handler.addFilter(level_filter)
        root.addHandler(handler)
        _installed.append(handler)

    _traced.clear()
    for ident, lc in cfg.loggers.items():
        _traced[ident.upper()] = _tags_of(lc)


def _tags_of(lc: LoggerConfig) -> frozenset[str]:
    return frozenset(t for t in lc.tags.split("|") if t) if lc.debug else frozenset()


def is_traced(subsys: str, tag: str) -> bool:
    """Whether ``logger { ident: SUBSYS  debug: on  tags: ...|TAG }`` asked for trace tag ``tag``."""
    return tag in _traced.get(subsys.upper(), frozenset())


def shutdown_logging() -> None:
    """Flush and close what setup_logging installed."""
    _remove_installed()
