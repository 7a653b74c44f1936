"""The second defence against queries that reach other hosts: the query workers cannot open a socket.

Oxigraph's engine makes the HTTP request of a SERVICE clause itself, so a query that the policy
(kg.query.policy) failed to refuse would reach the network from the worker that runs it. While no SERVICE
is allowed, the worker processes therefore load a seccomp filter (libseccomp, through pyseccomp) that makes
`socket()` fail with EACCES and `io_uring_setup()` (which can make sockets without that call) fail with
ENOSYS. They talk to the web process over pipes opened before the filter, and read the store from files, so
nothing they do needs a new socket. A seccomp filter needs no privileges (a network namespace would need
root or user namespaces, which containers often turn off), is inherited by every process forked after it,
and cannot be lifted by the process it confines.

Where this cannot be done (not Linux, no libseccomp, a kernel without seccomp), `cut_network()` says why,
and the server says so once at start-up and runs on the policy's decision alone."""

from __future__ import annotations

import errno
import sys

__all__ = ["cut_network"]


def cut_network() -> str | None:
    """Forbid this process, and every process it forks from now on, to open sockets. None when done, else
    the reason it could not be done."""
    if not sys.platform.startswith("linux"):
        return f"seccomp filters exist on Linux only, not on {sys.platform}"
    try:
        import pyseccomp as seccomp
    except Exception as e:  # noqa: BLE001 - pyseccomp raises what ctypes raises when libseccomp is missing
        return f"libseccomp cannot be loaded ({e}); install it (Debian: libseccomp2)"
    try:
        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        rules.add_rule(seccomp.ERRNO(errno.EACCES), "socket")
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "io_uring_setup")
        rules.load()
    except Exception as e:  # noqa: BLE001 - an OSError or RuntimeError from libseccomp, by version
        return f"the seccomp filter could not be loaded: {e}"
    return None
