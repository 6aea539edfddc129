"""Reading ``openais.conf``: the syntax openais 0.80.x accepts, checked strictly, into typed objects.

Syntax (one item per line)::

    # a comment (a whole line, or after whitespace at the end of a line)
    totem {
            version: 2
            interface {
                    ringnumber: 0
                    bindnetaddr: 192.168.1.0
                    mcastaddr: 226.94.1.1
                    mcastport: 5405
            }
    }

``name {`` opens a section, ``}`` closes it, ``key: value`` sets a key (the value is everything
after the first colon, so IPv6 addresses need no quoting).  Indentation is free.  Sections may
repeat (several ``interface {}`` or ``logger {}``); the raw tree keeps them all, in order.

Decisions (where openais is lax, we are strict, because a silently ignored typo in a cluster
configuration costs a day of debugging):

- Unknown keys and unknown sub-sections inside the sections this module knows (``totem``,
  ``interface``, ``member``, ``logging``, ``logger``, ``aisexec``, ``amf``) are errors naming the
  key.  openais ignored them.
- Unknown top-level sections are accepted (services read their own, e.g. ``event {}``) and
  reported in ``Config.warnings``.
- A key given twice in one section, or a known top-level section given twice, is an error
  (openais silently used the first).
- Values are checked (integers, booleans, addresses, ranges) with ``file:line`` in the message;
  openais used ``atoi`` and turned ``token: abc`` into "use the default".
- ``network {}`` is accepted as an alias of ``totem {}``, as openais accepted it.

Defaults are openais 0.80 code defaults (``exec/totemconfig.c``, ``exec/mainconfig.c``), except
where docs/totem.md section 9.3 decides otherwise: ``consensus`` unset is 1.2 x token (openais:
800), ``fail_recv_const`` unset is 2500 (openais: 50).  Both spellings are accepted where the
man page and the code differ: ``token_retransmits_before_loss_const`` / ``retransmits_before_loss``
and ``fail_recv_const`` / ``fail_to_recv_const``.

Parsing happens before the event loop starts, so reading the file here blocks nobody.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeAlias

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_CONFIG_FILE = "/etc/ais/openais.conf"
CONFIG_FILE_ENV = "OPENAIS_MAIN_CONFIG_FILE"
DEFAULT_AUTHKEY_FILE = "/etc/ais/authkey"
AUTHKEY_FILE_ENV = "OPENAIS_TOTEM_AUTHKEY_FILE"

# Limits from openais exec/totem.h and exec/totemconfig.c.
MINIMUM_TIMEOUT = 30  # ms: 3 * 1000/HZ with HZ = 100
MESSAGE_SIZE_MAX = 1024 * 1024
TOKEN_LINGER_MAX = 1000  # µs: the core's own backstop is 1-2 ms
# Flow control and token linger defaults.  Ours, not openais's (50, 17, no
# linger): a node may send up to 50 frames per visit within a ring-wide
# window of 100, so one node's 16 KB checkpoint writes or EVS stream can use
# a kept visit (token_linger µs) for several messages instead of a rotation
# each (bench/RESULTS.md).  100 frames per rotation stay under the openais
# man page's bound for receive buffers with uneven nodes (256000 / netmtu:
# 170 at 1500), even where the kernel caps the 8 MiB we ask for.
WINDOW_SIZE_DEFAULT = 100
MAX_MESSAGES_DEFAULT = 50
# token_linger 1000 rather than 400: td's thread checks a kept visit every
# token_linger µs while a stream keeps it busy, and those wake-ups cost a
# lone 1 KB checkpoint writer 8-11 % (pinned; bench/RESULTS.md).  The visit of
# a stream still ends at the core's 1-2 ms backstop, so nobody waits longer.
TOKEN_LINGER_DEFAULT = 1000
# Ours: after a multicast wakes the totem thread, it leaves the multicast
# socket unpolled for this many µs and reads what came meanwhile in one batch
# (the token, on its own socket, still wakes it at once): one node's stream of
# small messages then wakes each receiver once per 250 µs instead of once per
# message, and the sender's sendmmsg does not pay for those wake-ups
# (executive/totemdrv/README.md, "Receive coalescing"; bench/RESULTS.md).
RX_COALESCE_DEFAULT = 250
RX_COALESCE_MAX = 1000
FRAME_SIZE_MAX = 9000
INTERFACE_MAX = 2
SEND_THREADS_MAX = 16
RRP_PROBLEM_COUNT_THRESHOLD_MIN = 5
# Ours: below this a frame cannot hold the totem headers and the security envelope.
NETMTU_MIN = 576
U32_MAX = 0xFFFFFFFF

SYSLOG_FACILITIES = ("daemon",) + tuple(f"local{i}" for i in range(8))
LOGGER_TAGS = ("enter", "leave", "return") + tuple(f"trace{i}" for i in range(1, 9))

# Top-level sections that openais documents and that a service (not this module) reads:
# accepted without a warning.
SERVICE_SECTIONS = frozenset({"event"})

_NAME_RE = re.compile(r"[A-Za-z0-9_.\-]+")
_COMMENT_RE = re.compile(r"(?:^|(?<=\s))#.*$")
_TRUE = frozenset({"yes", "on", "true"})
_FALSE = frozenset({"no", "off", "false"})


class ConfigError(Exception):
    """A configuration that cannot be used; ``str()`` is ``"<file>:<line>: <message>"``."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


# ---------------------------------------------------------------------------------------------
# The raw tree


@dataclass
class Section:
    """One ``name { ... }`` block as written.  The root has name ``""`` and line 0."""

    name: str
    line: int
    items: list[tuple[str, str, int]] = field(default_factory=list)  # (key, value, line)
    children: list[Section] = field(default_factory=list)

    def get(self, key: str, default: str | None = None) -> str | None:
        """The first value of ``key``, or ``default``."""
        for k, v, _ in self.items:
            if k == key:
                return v
        return default

    def get_all(self, key: str) -> list[str]:
        return [v for k, v, _ in self.items if k == key]

    def line_of(self, key: str) -> int | None:
        for k, _, line in self.items:
            if k == key:
                return line
        return None

    def subsections(self, name: str) -> list[Section]:
        """Every child section called ``name``, in file order."""
        return [c for c in self.children if c.name == name]

    def subsection(self, name: str) -> Section | None:
        """The first child section called ``name``, if any."""
        for c in self.children:
            if c.name == name:
                return c
        return None


def _strip_comment(line: str) -> str:
    return _COMMENT_RE.sub("", line)


def parse_tree(text: str, path: str = "<string>") -> Section:
    """Parse the syntax only; no key is interpreted.  Raises ConfigError."""
    root = Section("", 0)
    stack = [root]
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = _strip_comment(raw.rstrip("\r")).strip()
        if not line:
            continue
        if line == "}":
            if len(stack) == 1:
                raise ConfigError(path, lineno, "unexpected '}' (no section is open)")
            stack.pop()
            continue
        if line.endswith("{"):
            name = line[:-1].strip()
            if not name:
                raise ConfigError(path, lineno, "'{' without a section name")
            if not _NAME_RE.fullmatch(name):
                raise ConfigError(
                    path, lineno, f"invalid section header {line!r}: expected 'name {{' on a line of its own"
                )
            section = Section(name, lineno)
            stack[-1].children.append(section)
            stack.append(section)
            continue
        if "{" in line or "}" in line:
            raise ConfigError(
                path,
                lineno,
                f"cannot parse {line!r}: put 'name {{', each 'key: value' and '}}' on lines of their own",
            )
        if ":" not in line:
            raise ConfigError(path, lineno, f"missing ':' in {line!r} (expected 'key: value')")
        key, _, value = line.partition(":")
        key = key.strip()
        if not key:
            raise ConfigError(path, lineno, f"missing key name before ':' in {line!r}")
        if not _NAME_RE.fullmatch(key):
            raise ConfigError(path, lineno, f"invalid key name {key!r}")
        stack[-1].items.append((key, value.strip(), lineno))
    if len(stack) > 1:
        open_section = stack[-1]
        raise ConfigError(
            path,
            open_section.line,
            f"section '{open_section.name}' opened here is not closed: "
            "missing '}' before the end of the file",
        )
    return root


# ---------------------------------------------------------------------------------------------
# Typed result


@dataclass(frozen=True)
class InterfaceConfig:
    """One ``totem { interface { } }`` block: one ring."""

    ringnumber: int
    bindnetaddr: IPAddress
    mcastaddr: IPAddress | None  # None with transport udpu or broadcast: yes
    mcastport: int
    ttl: int = 1
    broadcast: bool = False
    members: list[IPAddress] = field(default_factory=list)  # udpu: member { memberaddr: }

    @property
    def ip_version(self) -> int:
        """4 or 6."""
        return self.bindnetaddr.version


@dataclass(frozen=True)
class TotemConfig:
    """The ``totem {}`` section, every value resolved (derived defaults computed)."""

    version: int = 2
    nodeid: int | None = None
    clear_node_high_bit: bool = False
    secauth: bool = True
    keyfile: str = DEFAULT_AUTHKEY_FILE
    key: str | None = field(default=None, repr=False)  # the key itself, if given in the file
    threads: int = 0
    netmtu: int = 1500
    transport: str = "udp"  # "udp" (multicast) or "udpu" (unicast to the members)
    rrp_mode: str = "none"  # "none", "active", "passive"
    vsftype: str = "none"  # "none" or "ykd"
    token: int = 1000
    token_retransmit: int = 238
    hold: int = 180
    token_retransmits_before_loss_const: int = 4
    join: int = 50
    send_join: int = 0
    consensus: int = 1200
    merge: int = 200
    downcheck: int = 1000
    fail_recv_const: int = 2500
    seqno_unchanged_const: int = 30
    heartbeat_failures_allowed: int = 0
    max_network_delay: int = 50
    window_size: int = WINDOW_SIZE_DEFAULT
    max_messages: int = MAX_MESSAGES_DEFAULT
    token_linger: int = TOKEN_LINGER_DEFAULT  # µs; ours, not openais's (executive/totem/README.md)
    rx_coalesce: int = RX_COALESCE_DEFAULT  # µs; ours (executive/totemdrv/README.md)
    rrp_problem_count_timeout: int = 2000
    rrp_problem_count_threshold: int = 10
    rrp_token_expired_timeout: int = 238
    interfaces: list[InterfaceConfig] = field(default_factory=list)  # sorted by ringnumber

    @property
    def members(self) -> list[IPAddress]:
        """The unicast member list of ring 0 (``transport: udpu``); empty otherwise."""
        return list(self.interfaces[0].members) if self.interfaces else []


@dataclass(frozen=True)
class LoggerConfig:
    """``logging { logger { ident: CLM  debug: on  tags: enter|leave } }``"""

    ident: str
    debug: bool = False
    tags: str = ""  # "|"-separated, validated against LOGGER_TAGS


@dataclass(frozen=True)
class LoggingConfig:
    to_stderr: bool = True
    to_file: bool = False
    to_syslog: bool = True
    logfile: str | None = None
    syslog_facility: str = "daemon"
    debug: bool = False
    timestamp: bool = False
    fileline: bool = False
    loggers: dict[str, LoggerConfig] = field(default_factory=dict)  # ident -> config


@dataclass(frozen=True)
class AisexecConfig:
    """The ``aisexec {}`` section.

    ``user``/``group`` are read for compatibility: openais 0.80 looked them up at start (default
    "ais"/"ais") and let processes of that group connect besides root; it never dropped
    privileges to them.  Here the group allowed to connect is ``ipc_group``, and the defaults
    of ``user``/``group`` are root, as in the shipped example.  ``ipc_socket``, ``run_dir`` and
    ``ipc_group`` are ours.
    """

    user: str = "root"
    group: str = "root"
    ipc_socket: str | None = None  # None: abstract "@aisexec"; "@name": abstract; else a path
    run_dir: str = "/var/run/ais"
    ipc_group: str = "ais"  # members of this group may connect (root always may)


@dataclass(frozen=True)
class AmfConfig:
    mode: str = "disabled"  # "disabled" or "enabled"


@dataclass(frozen=True)
class Config:
    path: str
    totem: TotemConfig
    logging: LoggingConfig
    aisexec: AisexecConfig
    amf: AmfConfig
    sections: Section  # the raw tree (root), for services that read their own sections
    warnings: list[str] = field(default_factory=list)  # "<file>:<line>: <message>"


# ---------------------------------------------------------------------------------------------
# Reading one known section


class _Reader:
    """Checks one section's keys against what is allowed and converts their values."""

    def __init__(
        self,
        path: str,
        section: Section,
        where: str,
        keys: Iterable[str],
        aliases: dict[str, str] | None = None,
        children: Iterable[str] = (),
    ) -> None:
        self.path = path
        self.section = section
        self.where = where
        allowed = set(keys)
        aliases = aliases or {}
        self.values: dict[str, tuple[str, int, str]] = {}  # canonical -> (value, line, spelling)
        for key, value, line in section.items:
            canon = aliases.get(key, key)
            if canon not in allowed:
                hint = _suggest(key, allowed | set(aliases))
                raise ConfigError(path, line, f"unknown key '{key}' in '{where}'{hint}")
            if canon in self.values:
                _, first_line, first_spelling = self.values[canon]
                also = f" (as '{first_spelling}')" if first_spelling != key else ""
                raise ConfigError(
                    path, line, f"'{key}' is set twice in '{where}': already set at line {first_line}{also}"
                )
            self.values[canon] = (value, line, key)
        child_names = set(children)
        for child in section.children:
            if child.name not in child_names:
                raise ConfigError(
                    path,
                    child.line,
                    f"unknown section '{child.name}' inside '{where}'{_suggest(child.name, child_names)}",
                )

    def has(self, key: str) -> bool:
        return key in self.values

    def line(self, key: str | None = None) -> int:
        if key is not None and key in self.values:
            return self.values[key][1]
        return self.section.line

    def error(self, key: str | None, message: str) -> ConfigError:
        return ConfigError(self.path, self.line(key), message)

    def _name(self, key: str) -> str:
        return self.values[key][2] if key in self.values else key

    def raw(self, key: str) -> str | None:
        if key not in self.values:
            return None
        value = self.values[key][0]
        if value == "":
            raise self.error(key, f"'{self._name(key)}' in '{self.where}' has an empty value")
        return value

    def string(self, key: str, default: str) -> str:
        value = self.raw(key)
        return default if value is None else value

    def optional_string(self, key: str) -> str | None:
        return self.raw(key)

    def _bad(self, key: str, value: str, expected: str) -> ConfigError:
        return self.error(key, f"invalid value {value!r} for {self._q(key)}: {expected}")

    def _q(self, key: str) -> str:
        return f"'{self._name(key)}' in '{self.where}'"

    def integer(
        self, key: str, default: int, minimum: int = 0, maximum: int = U32_MAX, unit: str = ""
    ) -> int:
        value = self.raw(key)
        if value is None:
            return default
        if not re.fullmatch(r"[0-9]+", value):
            raise self._bad(key, value, "expected an integer")
        number = int(value)
        u = f" {unit}" if unit else ""
        if number < minimum:
            raise self.error(key, f"{self._q(key)} is {number}{u}: it may not be less than {minimum}{u}")
        if number > maximum:
            raise self.error(key, f"{self._q(key)} is {number}{u}: it may not be more than {maximum}{u}")
        return number

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        low = value.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise self._bad(key, value, "expected yes/no, on/off or true/false")

    def choice(self, key: str, default: str, choices: Iterable[str]) -> str:
        value = self.raw(key)
        if value is None:
            return default
        options = tuple(choices)
        if value not in options:
            raise self._bad(key, value, f"expected one of {', '.join(options)}")
        return value

    def address(self, key: str) -> IPAddress | None:
        value = self.raw(key)
        if value is None:
            return None
        try:
            return ipaddress.ip_address(value)
        except ValueError:
            raise self._bad(key, value, "not an IPv4 or IPv6 address") from None

    def require(self, key: str, what: str = "") -> None:
        if key not in self.values:
            extra = f" ({what})" if what else ""
            raise ConfigError(
                self.path,
                self.section.line,
                f"'{self.where}' section opened here lacks the required key '{key}'{extra}",
            )


def _suggest(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(candidates), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


# ---------------------------------------------------------------------------------------------
# totem {}

_TOTEM_KEYS = (
    "version",
    "nodeid",
    "clear_node_high_bit",
    "secauth",
    "keyfile",
    "key",
    "threads",
    "netmtu",
    "transport",
    "rrp_mode",
    "vsftype",
    "token",
    "token_retransmit",
    "hold",
    "token_retransmits_before_loss_const",
    "join",
    "send_join",
    "consensus",
    "merge",
    "downcheck",
    "fail_recv_const",
    "seqno_unchanged_const",
    "heartbeat_failures_allowed",
    "max_network_delay",
    "window_size",
    "max_messages",
    "token_linger",
    "rx_coalesce",
    "rrp_problem_count_timeout",
    "rrp_problem_count_threshold",
    "rrp_token_expired_timeout",
)
# man page spelling -> code spelling
_TOTEM_ALIASES = {
    "retransmits_before_loss": "token_retransmits_before_loss_const",
    "fail_to_recv_const": "fail_recv_const",
}
_INTERFACE_KEYS = ("ringnumber", "bindnetaddr", "mcastaddr", "mcastport", "ttl", "broadcast")


def _read_member(path: str, section: Section, where: str) -> tuple[IPAddress, int]:
    r = _Reader(path, section, where, ("memberaddr",))
    r.require("memberaddr")
    addr = r.address("memberaddr")
    assert addr is not None
    if addr.is_multicast:
        raise r.error("memberaddr", f"'memberaddr' in '{where}' is {addr}, a multicast address")
    return addr, r.line("memberaddr")


def _read_interface(path: str, section: Section, transport: str, warnings: list[str]) -> InterfaceConfig:
    where = "totem.interface"
    r = _Reader(path, section, where, _INTERFACE_KEYS, children=("member",))
    ringnumber = r.integer("ringnumber", 0, 0, INTERFACE_MAX - 1)
    r.require("bindnetaddr", "the address or network of the local interface")
    bindnetaddr = r.address("bindnetaddr")
    assert bindnetaddr is not None
    if bindnetaddr.is_multicast:
        raise r.error("bindnetaddr", f"'bindnetaddr' in '{where}' is {bindnetaddr}, a multicast address")
    r.require("mcastport", "the UDP port of this ring")
    mcastport = r.integer("mcastport", 0, 1, 65535)
    ttl = r.integer("ttl", 1, 0, 255)
    broadcast = r.boolean("broadcast", False)
    mcastaddr = r.address("mcastaddr")

    if mcastaddr is not None and mcastaddr.version != bindnetaddr.version:
        raise r.error(
            "mcastaddr",
            f"multicast address {mcastaddr} (IPv{mcastaddr.version}) does not match the family of "
            f"bindnetaddr {bindnetaddr} (IPv{bindnetaddr.version})",
        )
    if transport == "udp":
        if broadcast:
            if bindnetaddr.version == 6:
                raise r.error("broadcast", "'broadcast: yes' needs IPv4: IPv6 has no broadcast")
            if mcastaddr is not None:
                raise r.error("mcastaddr", "'mcastaddr' may not be set together with 'broadcast: yes'")
        else:
            if mcastaddr is None:
                raise ConfigError(
                    path,
                    section.line,
                    f"'{where}' section opened here lacks the required key 'mcastaddr' (or 'broadcast: yes')",
                )
            if not mcastaddr.is_multicast:
                raise r.error("mcastaddr", f"mcastaddr {mcastaddr} is not a multicast address")
            if mcastaddr.version == 4 and mcastaddr in ipaddress.ip_network("224.0.0.0/8"):
                warnings.append(
                    f"{path}:{r.line('mcastaddr')}: mcastaddr {mcastaddr} is in 224.x.x.x, reserved for "
                    "network control; choose another group (for example 239.x.x.x or 226.94.1.1)"
                )
    else:  # udpu
        if mcastaddr is not None:
            warnings.append(f"{path}:{r.line('mcastaddr')}: 'mcastaddr' is ignored with transport udpu")
            mcastaddr = None
        if broadcast:
            raise r.error("broadcast", "'broadcast: yes' cannot be used with transport udpu")

    members: list[IPAddress] = []
    member_lines: dict[IPAddress, int] = {}
    for child in section.subsections("member"):
        addr, line = _read_member(path, child, "totem.interface.member")
        if addr.version != bindnetaddr.version:
            raise ConfigError(
                path,
                line,
                f"member {addr} (IPv{addr.version}) does not match the family of bindnetaddr {bindnetaddr}",
            )
        if addr in member_lines:
            raise ConfigError(path, line, f"member {addr} appears twice (first at line {member_lines[addr]})")
        member_lines[addr] = line
        members.append(addr)
    if transport == "udpu" and not members:
        raise ConfigError(
            path,
            section.line,
            f"'{where}' section opened here has no 'member {{ memberaddr: ... }}': "
            "transport udpu needs the member list",
        )
    if transport == "udp" and members:
        warnings.append(f"{path}:{section.line}: member list ignored with transport udp")
        members = []

    return InterfaceConfig(
        ringnumber=ringnumber,
        bindnetaddr=bindnetaddr,
        mcastaddr=mcastaddr,
        mcastport=mcastport,
        ttl=ttl,
        broadcast=broadcast,
        members=members,
    )


def _read_totem(path: str, section: Section | None, warnings: list[str]) -> TotemConfig:
    if section is None:
        # No totem section: a one-node executive with defaults and no interface.
        return TotemConfig(keyfile=os.environ.get(AUTHKEY_FILE_ENV) or DEFAULT_AUTHKEY_FILE)
    where = section.name
    r = _Reader(path, section, where, _TOTEM_KEYS, _TOTEM_ALIASES, children=("interface",))

    r.require("version", "it must be 2")
    version = r.integer("version", 2, 0)
    if version != 2:
        raise r.error("version", f"totem configuration version {version} is not supported: it must be 2")

    nodeid: int | None = None
    if r.has("nodeid"):
        nodeid = r.integer("nodeid", 0, 0, U32_MAX)
        if nodeid == 0:
            raise r.error("nodeid", "node id 0 is reserved: 'nodeid' must be between 1 and 4294967295")
    clear_node_high_bit = r.boolean("clear_node_high_bit", False)
    secauth = r.boolean("secauth", True)
    keyfile = r.string("keyfile", os.environ.get(AUTHKEY_FILE_ENV) or DEFAULT_AUTHKEY_FILE)
    key = r.optional_string("key")
    if key is not None and r.has("keyfile"):
        raise r.error("key", "give either 'key' or 'keyfile', not both")
    threads = r.integer("threads", 0)
    if threads > SEND_THREADS_MAX:
        warnings.append(f"{path}:{r.line('threads')}: threads {threads} lowered to {SEND_THREADS_MAX}")
        threads = SEND_THREADS_MAX
    if not secauth:
        threads = 0  # as openais: threaded sending exists only to parallelize encryption

    netmtu = r.integer("netmtu", 1500, NETMTU_MIN, FRAME_SIZE_MAX)
    transport = r.choice("transport", "udp", ("udp", "udpu"))
    rrp_mode = r.choice("rrp_mode", "none", ("none", "active", "passive"))
    vsftype = r.choice("vsftype", "none", ("none", "ykd"))

    ms = "ms"
    token = r.integer("token", 1000, MINIMUM_TIMEOUT, unit=ms)
    rbl = r.integer("token_retransmits_before_loss_const", 4, 1)
    if r.has("token_retransmit"):
        token_retransmit = r.integer("token_retransmit", 0, MINIMUM_TIMEOUT, unit=ms)
    else:
        token_retransmit = int(token / (rbl + 0.2))
        if token_retransmit < MINIMUM_TIMEOUT:
            raise r.error(
                "token",
                f"the derived token retransmit timeout (token {token} ms / ({rbl} + 0.2)) is "
                f"{token_retransmit} ms, less than {MINIMUM_TIMEOUT} ms: "
                "raise token or set 'token_retransmit'",
            )
    if r.has("hold"):
        hold = r.integer("hold", 0, MINIMUM_TIMEOUT, unit=ms)
    else:
        hold = int(token_retransmit * 0.8 - 10)
        if hold < MINIMUM_TIMEOUT:
            raise r.error(
                "token_retransmit" if r.has("token_retransmit") else "token",
                f"the derived hold timeout (token_retransmit {token_retransmit} ms x 0.8 - 10) is {hold} ms, "
                f"less than {MINIMUM_TIMEOUT} ms: raise token or set 'hold'",
            )
    join = r.integer("join", 50, MINIMUM_TIMEOUT, unit=ms)
    send_join = r.integer("send_join", 0, unit=ms)
    if r.has("consensus"):
        consensus = r.integer("consensus", 0, MINIMUM_TIMEOUT, unit=ms)
        if consensus < int(1.2 * token):
            warnings.append(
                f"{path}:{r.line('consensus')}: consensus {consensus} ms is less than 1.2 x token "
                f"({int(1.2 * token)} ms): rings of three or more nodes may reconfigure needlessly"
            )
    else:
        consensus = int(1.2 * token)
    if consensus < join:
        raise r.error(
            "consensus" if r.has("consensus") else "join",
            f"consensus ({consensus} ms) may not be less than join ({join} ms)",
        )
    merge = r.integer("merge", 200, MINIMUM_TIMEOUT, unit=ms)
    downcheck = r.integer("downcheck", 1000, MINIMUM_TIMEOUT, unit=ms)
    fail_recv_const = r.integer("fail_recv_const", 2500, 1)
    seqno_unchanged_const = r.integer("seqno_unchanged_const", 30, 1)
    heartbeat_failures_allowed = r.integer("heartbeat_failures_allowed", 0)
    max_network_delay = r.integer("max_network_delay", 50, MINIMUM_TIMEOUT, unit=ms)
    window_size = r.integer("window_size", WINDOW_SIZE_DEFAULT, 1)
    max_messages = r.integer("max_messages", MAX_MESSAGES_DEFAULT, 1, MESSAGE_SIZE_MAX // netmtu)
    token_linger = r.integer("token_linger", TOKEN_LINGER_DEFAULT, 0, TOKEN_LINGER_MAX)
    rx_coalesce = r.integer("rx_coalesce", RX_COALESCE_DEFAULT, 0, RX_COALESCE_MAX)
    rrp_problem_count_timeout = r.integer("rrp_problem_count_timeout", 2000, MINIMUM_TIMEOUT, unit=ms)
    rrp_problem_count_threshold = r.integer(
        "rrp_problem_count_threshold", 10, RRP_PROBLEM_COUNT_THRESHOLD_MIN
    )
    rrp_token_expired_timeout = r.integer(
        "rrp_token_expired_timeout", token_retransmit, MINIMUM_TIMEOUT, unit=ms
    )

    interfaces = [_read_interface(path, s, transport, warnings) for s in section.subsections("interface")]
    _check_interfaces(path, section, interfaces, nodeid, rrp_mode, warnings)
    if len(interfaces) < 2 and rrp_mode != "none":
        warnings.append(
            f"{path}:{r.line('rrp_mode')}: rrp_mode {rrp_mode} with {len(interfaces)} interface: using none"
        )
        rrp_mode = "none"

    return TotemConfig(
        version=version,
        nodeid=nodeid,
        clear_node_high_bit=clear_node_high_bit,
        secauth=secauth,
        keyfile=keyfile,
        key=key,
        threads=threads,
        netmtu=netmtu,
        transport=transport,
        rrp_mode=rrp_mode,
        vsftype=vsftype,
        token=token,
        token_retransmit=token_retransmit,
        hold=hold,
        token_retransmits_before_loss_const=rbl,
        join=join,
        send_join=send_join,
        consensus=consensus,
        merge=merge,
        downcheck=downcheck,
        fail_recv_const=fail_recv_const,
        seqno_unchanged_const=seqno_unchanged_const,
        heartbeat_failures_allowed=heartbeat_failures_allowed,
        max_network_delay=max_network_delay,
        window_size=window_size,
        max_messages=max_messages,
        token_linger=token_linger,
        rx_coalesce=rx_coalesce,
        rrp_problem_count_timeout=rrp_problem_count_timeout,
        rrp_problem_count_threshold=rrp_problem_count_threshold,
        rrp_token_expired_timeout=rrp_token_expired_timeout,
        interfaces=sorted(interfaces, key=lambda i: i.ringnumber),
    )


def _check_interfaces(
    path: str,
    section: Section,
    interfaces: list[InterfaceConfig],
    nodeid: int | None,
    rrp_mode: str,
    warnings: list[str],
) -> None:
    blocks = section.subsections("interface")
    if not interfaces:
        warnings.append(f"{path}:{section.line}: no 'interface' in '{section.name}': this node runs alone")
        return
    limit = 1 if rrp_mode == "none" else INTERFACE_MAX
    if len(interfaces) > limit:
        raise ConfigError(
            path,
            blocks[limit].line,
            f"{len(interfaces)} interfaces are too many for rrp_mode {rrp_mode} (at most {limit})",
        )
    seen: dict[int, int] = {}
    for iface, block in zip(interfaces, blocks, strict=True):
        if iface.ringnumber in seen:
            raise ConfigError(
                path,
                block.line,
                f"ringnumber {iface.ringnumber} is used twice (first by the interface at line "
                f"{seen[iface.ringnumber]})",
            )
        seen[iface.ringnumber] = block.line
    if sorted(seen) != list(range(len(interfaces))):
        got = ", ".join(map(str, sorted(seen)))
        raise ConfigError(path, blocks[0].line, f"ring numbers must be 0..{len(interfaces) - 1}, got {got}")
    first = interfaces[0]
    for iface, block in zip(interfaces, blocks, strict=True):
        if iface.ip_version != first.ip_version:
            raise ConfigError(path, block.line, "not all interfaces belong to the same IP family")
        if iface.ip_version == 6 and nodeid is None:
            raise ConfigError(
                path,
                block.line,
                "an IPv6 network requires that a node ID be specified: set 'nodeid' in 'totem'",
            )
    ports = [(i.mcastaddr, i.mcastport) for i in interfaces]
    if len(interfaces) == 2 and ports[0] == ports[1] and first.bindnetaddr == interfaces[1].bindnetaddr:
        raise ConfigError(path, blocks[1].line, "both rings use one bindnetaddr, mcastaddr and mcastport")


# ---------------------------------------------------------------------------------------------
# logging {}, aisexec {}, amf {}

_LOGGING_KEYS = (
    "to_stderr",
    "to_file",
    "to_syslog",
    "logfile",
    "syslog_facility",
    "debug",
    "timestamp",
    "fileline",
)


def _read_logging(path: str, section: Section | None) -> LoggingConfig:
    if section is None:
        return LoggingConfig()
    where = "logging"
    r = _Reader(path, section, where, _LOGGING_KEYS, children=("logger",))
    to_file = r.boolean("to_file", False)
    logfile = r.optional_string("logfile")
    if to_file and logfile is None:
        raise r.error("to_file", "'to_file' is on but no 'logfile' is specified")
    loggers: dict[str, LoggerConfig] = {}
    lines: dict[str, int] = {}
    for block in section.subsections("logger"):
        lr = _Reader(path, block, "logging.logger", ("ident", "debug", "tags"))
        lr.require("ident", "the subsystem name, e.g. CLM")
        ident = lr.string("ident", "")
        tags = lr.string("tags", "")
        for tag in filter(None, tags.split("|")):
            if tag not in LOGGER_TAGS:
                raise lr.error("tags", f"unknown tag {tag!r} in 'tags': expected {'|'.join(LOGGER_TAGS)}")
        key = ident.upper()
        if key in lines:
            raise lr.error("ident", f"a logger for {ident!r} is already configured at line {lines[key]}")
        lines[key] = lr.line("ident")
        loggers[ident] = LoggerConfig(ident=ident, debug=lr.boolean("debug", False), tags=tags)
    return LoggingConfig(
        to_stderr=r.boolean("to_stderr", True),
        to_file=to_file,
        to_syslog=r.boolean("to_syslog", True),
        logfile=logfile,
        syslog_facility=r.choice("syslog_facility", "daemon", SYSLOG_FACILITIES),
        debug=r.boolean("debug", False),
        timestamp=r.boolean("timestamp", False),
        fileline=r.boolean("fileline", False),
        loggers=loggers,
    )


_UNIX_PATH_MAX = 108  # sizeof(sun_path) on Linux


def _read_aisexec(path: str, section: Section | None) -> AisexecConfig:
    if section is None:
        return AisexecConfig()
    r = _Reader(path, section, "aisexec", ("user", "group", "ipc_socket", "run_dir", "ipc_group"))
    ipc_socket = r.optional_string("ipc_socket")
    if ipc_socket is not None:
        if ipc_socket.startswith("@"):
            if len(ipc_socket) == 1:
                raise r.error("ipc_socket", "'ipc_socket' '@' needs a name after the '@'")
            if len(ipc_socket.encode()) > _UNIX_PATH_MAX:
                raise r.error("ipc_socket", f"abstract socket name is longer than {_UNIX_PATH_MAX - 1} bytes")
        else:
            if not ipc_socket.startswith("/"):
                raise r.error("ipc_socket", "'ipc_socket' must be an absolute path or '@name' (abstract)")
            if len(ipc_socket.encode()) >= _UNIX_PATH_MAX:
                raise r.error("ipc_socket", f"socket path is longer than {_UNIX_PATH_MAX - 1} bytes")
    run_dir = r.string("run_dir", "/var/run/ais")
    if not run_dir.startswith("/"):
        raise r.error("run_dir", "'run_dir' must be an absolute path")
    return AisexecConfig(
        user=r.string("user", "root"),
        group=r.string("group", "root"),
        ipc_socket=ipc_socket,
        run_dir=run_dir,
        ipc_group=r.string("ipc_group", "ais"),
    )


def _read_amf(path: str, section: Section | None) -> AmfConfig:
    if section is None:
        return AmfConfig()
    r = _Reader(path, section, "amf", ("mode",))
    return AmfConfig(mode=r.choice("mode", "disabled", ("disabled", "enabled")))


# ---------------------------------------------------------------------------------------------
# Entry points

_KNOWN_TOP = ("totem", "network", "logging", "aisexec", "amf")


def parse_config_text(text: str, path: str = "<string>") -> Config:
    """Parse and validate configuration text; ``path`` is used in messages.  Raises ConfigError."""
    root = parse_tree(text, path)
    warnings: list[str] = []
    first: dict[str, Section] = {}
    for child in root.children:
        if child.name in _KNOWN_TOP:
            canon = "totem" if child.name == "network" else child.name
            if canon in first:
                prev = first[canon]
                raise ConfigError(
                    path,
                    child.line,
                    f"section '{child.name}' appears again (first '{prev.name}' at line {prev.line})",
                )
            first[canon] = child
        elif child.name not in SERVICE_SECTIONS:
            warnings.append(f"{path}:{child.line}: unknown top-level section '{child.name}' ignored")
    for key, _, line in root.items:
        warnings.append(f"{path}:{line}: key '{key}' outside of any section is ignored")

    totem = _read_totem(path, first.get("totem"), warnings)
    return Config(
        path=path,
        totem=totem,
        logging=_read_logging(path, first.get("logging")),
        aisexec=_read_aisexec(path, first.get("aisexec")),
        amf=_read_amf(path, first.get("amf")),
        sections=root,
        warnings=warnings,
    )


def load_config(path: str) -> Config:
    """Read and validate the file at ``path``.

    Raises OSError if the file cannot be read, ConfigError if its content is not valid.
    """
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ConfigError(path, line, "the file is not valid UTF-8 text") from None
    return parse_config_text(text, path)


def resolve_config_path(cli_path: str | None) -> str:
    """The file to read: the ``-c`` value, else $OPENAIS_MAIN_CONFIG_FILE, else /etc/ais/openais.conf."""
    if cli_path:
        return cli_path
    env = os.environ.get(CONFIG_FILE_ENV)
    if env:
        return env
    return DEFAULT_CONFIG_FILE
