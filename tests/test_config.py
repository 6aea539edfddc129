"""openais.conf parsing: syntax, defaults, every option, and errors with file:line."""

from __future__ import annotations

import ipaddress
import os
import textwrap
from pathlib import Path

import pytest
from aisexec.config import (
    AisexecConfig,
    AmfConfig,
    ConfigError,
    LoggerConfig,
    LoggingConfig,
    TotemConfig,
    load_config,
    parse_config_text,
    parse_tree,
    resolve_config_path,
)

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "conf" / "openais.conf"

IFACE = """
        interface {
                ringnumber: 0
                bindnetaddr: 192.168.1.0
                mcastaddr: 226.94.1.1
                mcastport: 5405
        }
"""


def parse(text: str, path: str = "test.conf"):
    return parse_config_text(textwrap.dedent(text), path)


def totem(body: str = "", iface: str = IFACE) -> str:
    return "totem {\n\tversion: 2\n" + textwrap.dedent(body) + iface + "}\n"


def error_of(text: str, path: str = "test.conf") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config_text(text, path)
    return info.value


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAIS_MAIN_CONFIG_FILE", raising=False)
    monkeypatch.delenv("OPENAIS_TOTEM_AUTHKEY_FILE", raising=False)


# --------------------------------------------------------------------------------------------
# good files


def test_example_file_parses() -> None:
    cfg = load_config(str(EXAMPLE))
    assert cfg.path == str(EXAMPLE)
    assert cfg.warnings == []
    t = cfg.totem
    assert t.version == 2
    assert t.secauth is False
    assert t.threads == 0
    assert len(t.interfaces) == 1
    iface = t.interfaces[0]
    assert iface.ringnumber == 0
    assert iface.bindnetaddr == ipaddress.ip_address("192.168.1.0")
    assert iface.mcastaddr == ipaddress.ip_address("226.94.1.1")
    assert iface.mcastport == 5405
    assert iface.ttl == 1
    log = cfg.logging
    assert (log.to_stderr, log.to_file, log.to_syslog) == (True, False, True)
    assert (log.timestamp, log.debug) == (True, False)
    assert cfg.amf == AmfConfig(mode="disabled")
    assert cfg.aisexec.user == "root" and cfg.aisexec.group == "root"


def test_empty_file_gives_defaults() -> None:
    cfg = parse("")
    assert cfg.totem == TotemConfig()
    assert cfg.totem.interfaces == []
    assert cfg.totem.members == []
    assert cfg.logging == LoggingConfig()
    assert cfg.aisexec == AisexecConfig()
    assert cfg.amf == AmfConfig()
    assert cfg.warnings == []


def test_default_values() -> None:
    t = parse(totem()).totem
    # openais 0.80 exec/totemconfig.c defaults ...
    assert t.version == 2
    assert t.nodeid is None
    assert t.secauth is True
    assert t.keyfile == "/etc/ais/authkey"
    assert t.key is None
    assert t.threads == 0
    assert t.netmtu == 1500
    assert t.transport == "udp"
    assert t.rrp_mode == "none"
    assert t.vsftype == "none"
    assert t.token == 1000
    assert t.token_retransmit == 238
    assert t.hold == 180
    assert t.token_retransmits_before_loss_const == 4
    assert t.join == 50
    assert t.send_join == 0
    assert t.merge == 200
    assert t.downcheck == 1000
    assert t.seqno_unchanged_const == 30
    assert t.heartbeat_failures_allowed == 0
    assert t.max_network_delay == 50
    # ours, not openais's 50, 17 and no linger (config.py, bench/RESULTS.md)
    assert t.window_size == 100
    assert t.max_messages == 50
    assert t.token_linger == 1000  # µs (executive/totem/README.md)
    assert t.rx_coalesce == 250  # µs (executive/totemdrv/README.md)
    assert t.rrp_problem_count_timeout == 2000
    assert t.rrp_problem_count_threshold == 10
    assert t.rrp_token_expired_timeout == 238
    # ... except these two (docs/totem.md 9.3)
    assert t.consensus == 1200
    assert t.fail_recv_const == 2500
    # the same defaults as a TotemConfig built directly
    assert t == TotemConfig(interfaces=t.interfaces)

    log = parse("logging {\n}\n").logging
    assert log == LoggingConfig()
    assert (log.to_stderr, log.to_file, log.to_syslog) == (True, False, True)
    assert log.syslog_facility == "daemon"
    assert (log.debug, log.timestamp, log.fileline) == (False, False, False)
    assert log.logfile is None and log.loggers == {}

    a = parse("aisexec {\n}\n").aisexec
    assert a == AisexecConfig(
        user="root", group="root", ipc_socket=None, run_dir="/var/run/ais", ipc_group="ais"
    )


def test_totem_without_interface_is_a_one_node_config() -> None:
    cfg = parse("totem {\n version: 2\n secauth: off\n}\n")
    assert cfg.totem.interfaces == []
    assert cfg.totem.secauth is False
    assert any("runs alone" in w for w in cfg.warnings)


def test_all_totem_options() -> None:
    cfg = parse(
        """
        totem {
            version: 2
            nodeid: 7
            clear_node_high_bit: yes
            secauth: on
            keyfile: /etc/ais/otherkey
            threads: 4
            netmtu: 9000
            transport: udp
            rrp_mode: passive
            vsftype: ykd
            token: 5000
            token_retransmit: 900
            hold: 700
            token_retransmits_before_loss_const: 5
            join: 100
            send_join: 80
            consensus: 6000
            merge: 300
            downcheck: 2000
            fail_recv_const: 100
            seqno_unchanged_const: 40
            heartbeat_failures_allowed: 3
            max_network_delay: 60
            window_size: 300
            max_messages: 100
            token_linger: 0
            rx_coalesce: 0
            rrp_problem_count_timeout: 3000
            rrp_problem_count_threshold: 20
            rrp_token_expired_timeout: 47
            interface {
                ringnumber: 1
                bindnetaddr: 10.0.1.0
                mcastaddr: 239.1.1.2
                mcastport: 5407
                ttl: 4
            }
            interface {
                ringnumber: 0
                bindnetaddr: 10.0.0.0
                mcastaddr: 239.1.1.1
                mcastport: 5405
            }
        }
        """
    )
    t = cfg.totem
    assert cfg.warnings == []
    assert t.nodeid == 7
    assert t.clear_node_high_bit is True
    assert t.secauth is True
    assert t.keyfile == "/etc/ais/otherkey"
    assert t.threads == 4
    assert t.netmtu == 9000
    assert t.rrp_mode == "passive"
    assert t.vsftype == "ykd"
    assert (t.token, t.token_retransmit, t.hold, t.token_retransmits_before_loss_const) == (5000, 900, 700, 5)
    assert (t.join, t.send_join, t.consensus, t.merge, t.downcheck) == (100, 80, 6000, 300, 2000)
    assert (t.fail_recv_const, t.seqno_unchanged_const) == (100, 40)
    assert (t.heartbeat_failures_allowed, t.max_network_delay) == (3, 60)
    assert (t.window_size, t.max_messages, t.token_linger, t.rx_coalesce) == (300, 100, 0, 0)
    assert (t.rrp_problem_count_timeout, t.rrp_problem_count_threshold, t.rrp_token_expired_timeout) == (
        3000,
        20,
        47,
    )
    # interfaces come sorted by ring number
    assert [i.ringnumber for i in t.interfaces] == [0, 1]
    assert t.interfaces[0].bindnetaddr == ipaddress.ip_address("10.0.0.0")
    assert t.interfaces[1].mcastport == 5407 and t.interfaces[1].ttl == 4


@pytest.mark.parametrize(
    ("spelling", "field", "value"),
    [
        ("token_retransmits_before_loss_const", "token_retransmits_before_loss_const", 6),
        ("retransmits_before_loss", "token_retransmits_before_loss_const", 6),
        ("fail_recv_const", "fail_recv_const", 77),
        ("fail_to_recv_const", "fail_recv_const", 77),
    ],
)
def test_both_spellings(spelling: str, field: str, value: int) -> None:
    t = parse(totem(f"{spelling}: {value}\n")).totem
    assert getattr(t, field) == value


def test_both_spellings_at_once_is_an_error() -> None:
    text = totem("retransmits_before_loss: 5\ntoken_retransmits_before_loss_const: 6\n")
    e = error_of(text)
    assert e.line == 4
    assert "already set at line 3" in str(e) and "retransmits_before_loss" in str(e)


def test_derived_timeouts_follow_token() -> None:
    t = parse(totem("token: 3000\n")).totem
    assert t.token_retransmit == 714  # 3000 / 4.2
    assert t.hold == 561  # 714 * 0.8 - 10
    assert t.consensus == 3600  # 1.2 x token
    assert t.rrp_token_expired_timeout == 714

    t = parse(totem("retransmits_before_loss: 9\n")).totem
    assert t.token_retransmit == 108  # 1000 / 9.2
    assert t.hold == 76

    t = parse(totem("token_retransmit: 400\n")).totem
    assert (t.token_retransmit, t.hold) == (400, 310)


def test_short_consensus_is_a_warning() -> None:
    cfg = parse(totem("consensus: 800\n"))
    assert cfg.totem.consensus == 800
    assert any(w.startswith("test.conf:3: consensus 800 ms is less than 1.2 x token") for w in cfg.warnings)


def test_ipv6_with_nodeid() -> None:
    t = parse(
        """
        totem {
            version: 2
            nodeid: 3
            interface {
                ringnumber: 0
                bindnetaddr: fec0::1:a800:4ff:fe00:20
                mcastaddr: ff3e::4321:1
                mcastport: 5405
            }
        }
        """
    ).totem
    assert t.nodeid == 3
    assert t.interfaces[0].bindnetaddr == ipaddress.ip_address("fec0::1:a800:4ff:fe00:20")
    assert t.interfaces[0].mcastaddr == ipaddress.ip_address("ff3e::4321:1")
    assert t.interfaces[0].ip_version == 6


def test_unicast_members() -> None:
    t = parse(
        """
        totem {
            version: 2
            transport: udpu
            interface {
                ringnumber: 0
                bindnetaddr: 10.1.0.0
                mcastport: 5405
                member {
                    memberaddr: 10.1.0.1
                }
                member {
                    memberaddr: 10.1.0.2
                }
                member {
                    memberaddr: 10.1.0.3
                }
            }
        }
        """
    ).totem
    assert t.transport == "udpu"
    assert t.interfaces[0].mcastaddr is None
    expected = [ipaddress.ip_address(f"10.1.0.{i}") for i in (1, 2, 3)]
    assert t.interfaces[0].members == expected
    assert t.members == expected


def test_broadcast() -> None:
    iface = "interface {\nbindnetaddr: 10.0.0.0\nbroadcast: yes\nmcastport: 5405\n}\n"
    t = parse(totem(iface=iface)).totem
    assert t.interfaces[0].broadcast is True and t.interfaces[0].mcastaddr is None


def test_secauth_off_disables_threads() -> None:
    t = parse(totem("secauth: off\nthreads: 3\n")).totem
    assert t.threads == 0


def test_authkey_env_sets_default_keyfile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAIS_TOTEM_AUTHKEY_FILE", "/tmp/some/authkey")
    assert parse(totem()).totem.keyfile == "/tmp/some/authkey"
    assert parse("").totem.keyfile == "/tmp/some/authkey"
    assert parse(totem("keyfile: /x/key\n")).totem.keyfile == "/x/key"


def test_key_is_not_in_repr() -> None:
    t = parse(totem("key: sekrit-sekrit\n")).totem
    assert t.key == "sekrit-sekrit"
    assert "sekrit" not in repr(t)


def test_network_is_an_alias_of_totem() -> None:
    t = parse("network {\nversion: 2\ntoken: 2000\n" + IFACE + "}\n").totem
    assert t.token == 2000 and len(t.interfaces) == 1


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("yes", True),
        ("on", True),
        ("true", True),
        ("YES", True),
        ("no", False),
        ("off", False),
        ("false", False),
    ],
)
def test_booleans(word: str, value: bool) -> None:
    cfg = parse(totem(f"secauth: {word}\n") + f"logging {{\n to_syslog: {word}\n debug: {word}\n}}\n")
    assert cfg.totem.secauth is value
    assert cfg.logging.to_syslog is value
    assert cfg.logging.debug is value


def test_comments_blank_lines_indentation_crlf() -> None:
    text = (
        "# leading comment\r\n"
        "\r\n"
        "totem {   # the ring\r\n"
        "      version: 2\r\n"
        "\t\t# token: 5\r\n"
        "token:    3000   # a comment after whitespace\r\n"
        "keyfile: /etc/ais/key#1\r\n"
        "\tinterface\t{\r\n"
        "bindnetaddr: 10.0.0.0\r\n"
        "  mcastaddr: 239.0.0.1\r\n"
        "mcastport: 5405\r\n"
        "        }\r\n"
        "}   \r\n"
        "   # trailing comment"
    )
    t = parse(text).totem
    assert t.token == 3000
    assert t.keyfile == "/etc/ais/key#1"  # '#' not after whitespace is part of the value
    assert t.interfaces[0].mcastaddr == ipaddress.ip_address("239.0.0.1")


def test_logging_section_and_loggers() -> None:
    cfg = parse(
        """
        logging {
            to_stderr: no
            to_file: yes
            logfile: /var/log/aisexec.log
            to_syslog: no
            syslog_facility: local3
            debug: off
            timestamp: on
            fileline: on
            logger {
                ident: CLM
                debug: on
            }
            logger {
                ident: CKPT
                debug: on
                tags: enter|leave|trace3
            }
            logger {
                ident: EVT
            }
        }
        """
    )
    log = cfg.logging
    assert (log.to_stderr, log.to_file, log.to_syslog) == (False, True, False)
    assert log.logfile == "/var/log/aisexec.log"
    assert log.syslog_facility == "local3"
    assert (log.timestamp, log.fileline) == (True, True)
    assert log.loggers == {
        "CLM": LoggerConfig("CLM", True, ""),
        "CKPT": LoggerConfig("CKPT", True, "enter|leave|trace3"),
        "EVT": LoggerConfig("EVT", False, ""),
    }


def test_aisexec_and_amf_sections() -> None:
    cfg = parse(
        """
        aisexec {
            user: ais
            group: ais
            ipc_socket: @aisexec-test
            run_dir: /tmp/ais-run
            ipc_group: haclient
        }
        amf {
            mode: enabled
        }
        """
    )
    assert cfg.aisexec == AisexecConfig("ais", "ais", "@aisexec-test", "/tmp/ais-run", "haclient")
    assert cfg.amf.mode == "enabled"
    assert parse("aisexec {\nipc_socket: /run/ais/sock\n}\n").aisexec.ipc_socket == "/run/ais/sock"


def test_unknown_top_level_sections_are_kept_with_a_warning() -> None:
    cfg = parse(
        """
        service {
            name: foo
            ver: 0
        }
        service {
            name: bar
        }
        event {
            delivery_queue_size: 1000
        }
        stray: 1
        """
    )
    services = cfg.sections.subsections("service")
    assert [s.get("name") for s in services] == ["foo", "bar"]
    assert services[0].get("ver") == "0" and services[0].line == 2
    assert cfg.sections.subsection("event").get("delivery_queue_size") == "1000"  # type: ignore[union-attr]
    assert cfg.warnings == [
        "test.conf:2: unknown top-level section 'service' ignored",
        "test.conf:6: unknown top-level section 'service' ignored",
        "test.conf:12: key 'stray' outside of any section is ignored",
    ]


def test_raw_tree_keeps_everything() -> None:
    root = parse_tree("a {\n k: 1\n k: 2\n b {\n x: y:z\n }\n b {\n }\n}\n")
    a = root.subsection("a")
    assert a is not None
    assert a.get_all("k") == ["1", "2"]
    assert a.get("k") == "1" and a.line_of("k") == 2
    assert len(a.subsections("b")) == 2
    assert a.subsections("b")[0].get("x") == "y:z"  # the value is everything after the first ':'
    assert a.get("missing", "dflt") == "dflt"


def test_load_config_errors_name_the_file(tmp_path: Path) -> None:
    p = tmp_path / "bad.conf"
    p.write_text("totem {\n version: 2\n token: abc\n}\n")
    with pytest.raises(ConfigError) as info:
        load_config(str(p))
    assert str(info.value).startswith(f"{p}:3: ")
    assert info.value.path == str(p) and info.value.line == 3

    p.write_bytes(b"totem {\n version: 2\n}\n# caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        load_config(str(p))
    assert info.value.line == 4 and "UTF-8" in str(info.value)

    with pytest.raises(FileNotFoundError):
        load_config(str(tmp_path / "missing.conf"))


# --------------------------------------------------------------------------------------------
# errors: each names the file and the right line


def _iface(**over: str) -> str:
    keys = {"ringnumber": "0", "bindnetaddr": "192.168.1.0", "mcastaddr": "226.94.1.1", "mcastport": "5405"}
    keys.update(over)
    body = "".join(f"{k}: {v}\n" for k, v in keys.items() if v != "-")
    return "interface {\n" + body + "}\n"


# totem(body) puts "totem {" on line 1, "version: 2" on line 2, body from line 3
ERRORS = [
    # syntax
    ("totem {\nversion 2\n}\n", 2, "missing ':'"),
    ("}\n", 1, "unexpected '}'"),
    ("totem {\nversion: 2\n}\n}\n", 4, "unexpected '}'"),
    ("logging {\nto_file: no\n\naisexec {\n", 4, "section 'aisexec' opened here is not closed"),
    ("totem {\nversion: 2\n", 1, "section 'totem' opened here is not closed"),
    ("totem { version: 2 }\n", 1, "on lines of their own"),
    ("{\n}\n", 1, "without a section name"),
    ("my section {\n}\n", 1, "invalid section header"),
    (": value\n", 1, "missing key name"),
    ("totem {\nversion: 2\n}\ntotem {\nversion: 2\n}\n", 4, "appears again (first 'totem' at line 1)"),
    ("network {\nversion: 2\n}\ntotem {\nversion: 2\n}\n", 4, "appears again (first 'network' at line 1)"),
    # unknown keys and sections in known sections
    (totem("tokn: 1000\n"), 3, "unknown key 'tokn' in 'totem' (did you mean 'token'?)"),
    (totem("foo {\n}\n"), 3, "unknown section 'foo' inside 'totem'"),
    (totem(iface=_iface(mcast_port="5")), 8, "unknown key 'mcast_port' in 'totem.interface'"),
    ("logging {\nto_stdout: yes\n}\n", 2, "unknown key 'to_stdout' in 'logging'"),
    ("logging {\nlogger {\nident: CLM\nlevel: debug\n}\n}\n", 4, "unknown key 'level' in 'logging.logger'"),
    ("aisexec {\nusr: root\n}\n", 2, "unknown key 'usr' in 'aisexec'"),
    ("amf {\nmodus: enabled\n}\n", 2, "unknown key 'modus' in 'amf'"),
    (totem("token: 1000\ntoken: 2000\n"), 4, "'token' is set twice in 'totem': already set at line 3"),
    # values
    (totem("secauth: maybe\n"), 3, "invalid value 'maybe' for 'secauth' in 'totem'"),
    (totem("token: abc\n"), 3, "invalid value 'abc' for 'token' in 'totem': expected an integer"),
    (totem("token: -5\n"), 3, "expected an integer"),
    (totem("token: 10\n"), 3, "'token' in 'totem' is 10 ms: it may not be less than 30 ms"),
    (totem("token: 0\n"), 3, "may not be less than 30"),
    (totem("join: 20\n"), 3, "'join' in 'totem' is 20 ms"),
    (totem("token: \n"), 3, "'token' in 'totem' has an empty value"),
    (totem("token: 150\n"), 3, "derived hold timeout"),
    (totem("token: 100\n"), 3, "derived token retransmit timeout"),
    (totem("consensus: 40\njoin: 50\n"), 3, "consensus (40 ms) may not be less than join (50 ms)"),
    (totem("netmtu: 9001\n"), 3, "may not be more than 9000"),
    (totem("netmtu: 9000\nmax_messages: 117\n"), 4, "'max_messages' in 'totem' is 117: it may not be more"),
    (totem("max_messages: 700\n"), 3, "may not be more than 699"),
    (totem("token_linger: 1001\n"), 3, "'token_linger' in 'totem' is 1001"),
    (totem("rx_coalesce: 1001\n"), 3, "'rx_coalesce' in 'totem' is 1001"),
    (totem("rx_coalesce: -1\n"), 3, "invalid value '-1' for 'rx_coalesce'"),
    (totem("rrp_problem_count_threshold: 4\n"), 3, "may not be less than 5"),
    (totem("rrp_mode: both\n"), 3, "expected one of none, active, passive"),
    (totem("transport: knet\n"), 3, "expected one of udp, udpu"),
    (totem("vsftype: quorum\n"), 3, "expected one of none, ykd"),
    (totem("key: abc\nkeyfile: /k\n"), 3, "either 'key' or 'keyfile'"),
    ("totem {\n}\n", 1, "lacks the required key 'version'"),
    ("totem {\nversion: 3\n}\n", 2, "must be 2"),
    (totem("nodeid: 0\n"), 3, "node id 0 is reserved"),
    (totem("nodeid: 4294967296\n"), 3, "may not be more than 4294967295"),
    # interfaces
    (totem(iface=_iface(mcastport="70000")), 7, "'mcastport' in 'totem.interface' is 70000"),
    (totem(iface=_iface(mcastport="0")), 7, "may not be less than 1"),
    (totem(iface=_iface(mcastport="-")), 3, "lacks the required key 'mcastport'"),
    (totem(iface=_iface(bindnetaddr="-")), 3, "lacks the required key 'bindnetaddr'"),
    (totem(iface=_iface(mcastaddr="-")), 3, "lacks the required key 'mcastaddr'"),
    (totem(iface=_iface(bindnetaddr="192.168.1")), 5, "invalid value '192.168.1' for 'bindnetaddr'"),
    (totem(iface=_iface(bindnetaddr="eth0")), 5, "not an IPv4 or IPv6 address"),
    (totem(iface=_iface(mcastaddr="300.1.1.1")), 6, "invalid value '300.1.1.1' for 'mcastaddr'"),
    (totem(iface=_iface(mcastaddr="192.168.1.5")), 6, "not a multicast address"),
    (totem(iface=_iface(mcastaddr="ff3e::1")), 6, "does not match the family of bindnetaddr"),
    (totem(iface=_iface(bindnetaddr="fec0::1", mcastaddr="ff3e::1")), 3, "requires that a node ID be"),
    (totem(iface=_iface(ringnumber="2")), 4, "'ringnumber' in 'totem.interface' is 2"),
    (totem(iface=_iface(ttl="256")), 8, "'ttl' in 'totem.interface' is 256"),
    (totem(iface=_iface() + _iface(ringnumber="1")), 9, "2 interfaces are too many for rrp_mode none"),
    (totem("rrp_mode: active\n", _iface() + _iface()), 10, "ringnumber 0 is used twice"),
    (totem("rrp_mode: active\n", _iface() + _iface() + _iface()), 16, "3 interfaces are too many"),
    (totem("rrp_mode: active\n", _iface(ringnumber="1")), 4, "ring numbers must be 0..0"),
    (
        totem(
            "rrp_mode: active\nnodeid: 1\n",
            _iface() + _iface(ringnumber="1", bindnetaddr="fec0::1", mcastaddr="ff3e::1"),
        ),
        11,
        "same IP family",
    ),
    (totem(iface=_iface(broadcast="yes")), 6, "may not be set together with 'broadcast: yes'"),
    (totem("transport: udpu\n", _iface()), 4, "transport udpu needs the member list"),
    (
        totem("transport: udpu\n", "interface {\nbindnetaddr: 10.0.0.0\nmcastport: 5405\n"
              "member {\nmemberaddr: 10.0.0.1\n}\nmember {\nmemberaddr: 10.0.0.1\n}\n}\n"),
        11,
        "member 10.0.0.1 appears twice (first at line 8)",
    ),
    (
        totem("transport: udpu\n", "interface {\nbindnetaddr: 10.0.0.0\nmcastport: 5405\nmember {\n}\n}\n"),
        7,
        "lacks the required key 'memberaddr'",
    ),
    # logging, aisexec, amf
    ("logging {\nto_file: yes\n}\n", 2, "'to_file' is on but no 'logfile' is specified"),
    ("logging {\nsyslog_facility: kern\n}\n", 2, "expected one of daemon, local0"),
    ("logging {\ntimestamp: sometimes\n}\n", 2, "invalid value 'sometimes' for 'timestamp'"),
    ("logging {\nlogger {\ndebug: on\n}\n}\n", 2, "lacks the required key 'ident'"),
    ("logging {\nlogger {\nident: CLM\ntags: enter|bogus\n}\n}\n", 4, "unknown tag 'bogus'"),
    ("logging {\nlogger {\nident: CLM\n}\nlogger {\nident: clm\n}\n}\n", 6, "already configured at line 3"),
    ("amf {\nmode: on\n}\n", 2, "expected one of disabled, enabled"),
    ("aisexec {\nipc_socket: relative/sock\n}\n", 2, "absolute path or '@name'"),
    ("aisexec {\nipc_socket: @\n}\n", 2, "needs a name after the '@'"),
    ("aisexec {\nipc_socket: /" + "x" * 120 + "\n}\n", 2, "longer than 107 bytes"),
    ("aisexec {\nrun_dir: run\n}\n", 2, "'run_dir' must be an absolute path"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), ERRORS, ids=[f"L{n}:{f[:40]}" for _, n, f in ERRORS])
def test_errors_name_file_and_line(text: str, line: int, fragment: str) -> None:
    e = error_of(text, "/etc/ais/openais.conf")
    assert str(e).startswith(f"/etc/ais/openais.conf:{line}: "), str(e)
    assert e.line == line
    assert fragment in str(e), str(e)


def test_unknown_key_message_names_the_key() -> None:
    e = error_of(totem("frobnicate: 1\n"), "x.conf")
    assert str(e) == "x.conf:3: unknown key 'frobnicate' in 'totem'"


# --------------------------------------------------------------------------------------------
# resolve_config_path


def test_resolve_config_path_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_config_path(None) == "/etc/ais/openais.conf"
    monkeypatch.setenv("OPENAIS_MAIN_CONFIG_FILE", "/env/openais.conf")
    assert resolve_config_path(None) == "/env/openais.conf"
    assert resolve_config_path("/cli/openais.conf") == "/cli/openais.conf"
    monkeypatch.setenv("OPENAIS_MAIN_CONFIG_FILE", "")
    assert resolve_config_path(None) == "/etc/ais/openais.conf"
    assert os.environ["OPENAIS_MAIN_CONFIG_FILE"] == ""
