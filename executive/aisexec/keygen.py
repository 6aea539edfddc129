"""``ais-keygen [-o FILE]``: write a new cluster authentication key.

Writes 128 random bytes (1024 bits, the size openais's ais-keygen writes and reads) to
/etc/ais/authkey, or FILE, with mode 0400.  Copy the same file to every node.

The key comes from the kernel's CSPRNG (``os.urandom``, i.e. getrandom(2)): openais read
/dev/random, which on old kernels could block for minutes; on current kernels both are the same
generator once it is seeded.  The file is written atomically: a temporary file in the same
directory (created O_EXCL with mode 0400, synced) is renamed over the target, so a reader sees
either the old key or the new one, never half of one.
"""

from __future__ import annotations

import argparse
import os
import sys

from .config import DEFAULT_AUTHKEY_FILE

KEY_BYTES = 128


def write_key(path: str, key: bytes, create_dir: bool = False) -> None:
    """Atomically replace ``path`` with a file of mode 0400 holding ``key``.  Raises OSError."""
    directory = os.path.dirname(os.path.abspath(path))
    if create_dir and not os.path.isdir(directory):
        os.makedirs(directory, mode=0o755, exist_ok=True)
        os.chmod(directory, 0o755)
    if os.path.isdir(path):
        raise IsADirectoryError(21, "Is a directory", path)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o400)
    try:
        try:
            os.fchmod(fd, 0o400)  # whatever the umask
            view = memoryview(key)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ais-keygen",
        description="Write a new 1024-bit authentication key for the cluster executive.",
    )
    parser.add_argument(
        "-o",
        metavar="FILE",
        dest="output",
        help=f"write the key to FILE instead of {DEFAULT_AUTHKEY_FILE}",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # -h, or bad arguments (argparse printed why)
        return e.code if isinstance(e.code, int) else 2

    path: str = args.output or DEFAULT_AUTHKEY_FILE
    print(f"Gathering {KEY_BYTES * 8} bits for key from the kernel random number generator.")
    key = os.urandom(KEY_BYTES)
    try:
        write_key(path, key, create_dir=args.output is None)
    except OSError as e:
        print(f"ais-keygen: cannot write key to {path}: {e.strerror or e}", file=sys.stderr)
        return 1
    print(f"Writing ais key to {path}.")
    print("Copy this file, with mode 0400, to every node of the cluster.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
