"""aisexec: the cluster executive.

    aisexec [-f] [-c FILE]

-f stays in the foreground; without it the executive daemonizes and the starting
process exits 0 only once the daemon is serving (its pid file written, its library
socket listening), or 1 with the reason on stderr.  SIGTERM and SIGINT shut down
cleanly.  The configuration is FILE, else $OPENAIS_MAIN_CONFIG_FILE, else
/etc/ais/openais.conf.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from . import logsys
from .cluster import Cluster, LocalCluster, local_identity
from .config import Config, ConfigError, load_config, resolve_config_path
from .ipc import IpcServer
from .services.ckpt import CkptService
from .services.clm import ClmService
from .services.evs import EvsService
from .totem_cluster import TotemCluster

log = logsys.get_logger("MAIN")


class PidFile:
    """run_dir/aisexec.pid, locked for the executive's lifetime: a second executive
    with the same run directory refuses to start."""

    def __init__(self, run_dir: str) -> None:
        self.path = os.path.join(run_dir, "aisexec.pid")
        self.fd = -1

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RuntimeError(f"another aisexec is running with run directory "
                               f"{os.path.dirname(self.path)} (pid file {self.path} is locked)") from None
        self.fd = fd

    def write(self) -> None:
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        if self.fd >= 0:
            try:
                os.unlink(self.path)
            except OSError:
                pass
            os.close(self.fd)
            self.fd = -1


class Executive:
    def __init__(self, config: Config) -> None:
        self.config = config
        iface = config.totem.interfaces[0] if config.totem.interfaces else None
        nodeid, address, isolated = local_identity(iface.bindnetaddr if iface else None,
                                                   config.totem.nodeid)
        run_dir = config.aisexec.run_dir
        self.cluster: Cluster
        if iface is None:  # no totem interface configured: a cluster of this node alone
            self.cluster = LocalCluster(nodeid, address, run_dir)
        else:
            self.cluster = TotemCluster(config.totem, nodeid, address, run_dir, isolated)
        self.clm = ClmService(self.cluster)
        self.ckpt = CkptService(self.cluster)
        self.evs = EvsService(self.cluster)
        self.ipc = IpcServer([self.clm, self.ckpt, self.evs], config.aisexec.ipc_socket,
                             config.aisexec.ipc_group)
        self.stopping = asyncio.Event()

    async def run(self, ready: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        self.ipc.bind()  # before the ring: a second executive on this socket stops here
        first_view = loop.create_future()
        self.clm.ready_callbacks.append(lambda: first_view.done() or first_view.set_result(None))
        stopping = asyncio.ensure_future(self.stopping.wait())
        try:
            await self.cluster.start()
            # serve libraries only once the membership is known (or stop if told to)
            await asyncio.wait([first_view, stopping], return_when=asyncio.FIRST_COMPLETED)
            if first_view.done():
                await self.ipc.start()
                log.info("AIS executive service: started and ready to provide service (node %d, %s)",
                         self.cluster.local_nodeid, self.cluster.local_address)
                ready()
                await stopping
            log.info("shutting down")
        finally:
            stopping.cancel()
            await self.ipc.stop()
            await self.cluster.stop()


def _run_loop(main: Coroutine[Any, Any, None]) -> None:
    """The executive's one event loop: uvloop's (libuv) when it is installed, which
    costs less per loop turn and per socket operation than the stdlib's; the stdlib's
    otherwise ($AISEXEC_LOOP=asyncio forces it)."""
    if os.environ.get("AISEXEC_LOOP") != "asyncio":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(main)
            return
    asyncio.run(main)


def _daemonize() -> int:
    """Fork; the parent waits for a status line from the child and exits with it.
    Returns the write end of the status pipe in the child."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid > 0:
        os.close(wfd)
        with os.fdopen(rfd, "rb") as r:
            status = r.read()
        if status.startswith(b"ok"):
            os._exit(0)
        sys.stderr.write(status.decode(errors="replace") or "aisexec: daemon exited during startup\n")
        os._exit(1)
    os.close(rfd)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    return wfd


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="aisexec", description="SA Forum AIS B.01.01 cluster executive")
    p.add_argument("-f", action="store_true", help="stay in the foreground")
    p.add_argument("-c", metavar="FILE", help="configuration file (openais.conf syntax)")
    args = p.parse_args(argv)

    path = resolve_config_path(args.c)
    try:
        config = load_config(path)
    except ConfigError as e:
        print(f"aisexec: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"aisexec: cannot read configuration {path}: {e.strerror}", file=sys.stderr)
        return 1

    # the daemon tells the process that started it how startup went, through this pipe
    status = [-1 if args.f else _daemonize()]

    def fail(msg: str) -> int:
        print(f"aisexec: {msg}", file=sys.stderr)
        if status[0] >= 0:
            os.write(status[0], f"aisexec: {msg}\n".encode())
        return 1

    pidfile: PidFile | None = None
    try:
        logsys.setup_logging(config.logging, foreground=args.f)
        for warning in config.warnings:
            log.warning("%s", warning)
        os.makedirs(config.aisexec.run_dir, exist_ok=True)
        pidfile = PidFile(config.aisexec.run_dir)
        pidfile.acquire()
        executive = Executive(config)
    except (OSError, RuntimeError, ValueError) as e:
        if pidfile is not None:
            pidfile.release()
        return fail(str(e))

    def ready() -> None:
        assert pidfile is not None
        pidfile.write()
        if status[0] >= 0:
            os.write(status[0], b"ok\n")
            os.close(status[0])
            status[0] = -1
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 2)
            os.close(devnull)

    try:
        _run_loop(executive.run(ready))
    except (OSError, RuntimeError) as e:
        return fail(str(e))
    finally:
        pidfile.release()
    log.info("AIS executive exiting")
    return 0


if __name__ == "__main__":
    sys.exit(main())
