"""Where a sweep's Ray runs: started here, or joined (``--address``) as Ray's own ``ray start --head`` set it up.

Joining is written out because Ray's ``ray.init(address=...)`` alone fails a new user
twice: a cluster started by ``ray start`` (Ray >= 2.5x) asks for a token while a client's
``RAY_AUTH_MODE`` defaults to ``disabled`` (some twenty seconds of C++ warnings, then
"Failed to connect"), and an address where nothing listens is retried for minutes. Here:
a token at hand (``RAY_AUTH_TOKEN``, ``RAY_AUTH_TOKEN_PATH`` or ``~/.ray/auth_token``, where
Ray itself looks) turns token mode on unless the user set ``RAY_AUTH_MODE``; a short TCP
probe finds an address where nothing answers; a refusal is one line saying what to set.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: Seconds the TCP probe of ``--address`` waits for an answer.
PROBE_SECONDS = 10
#: Where ``ray start`` writes the cluster's token, and where Ray's clients look for it.
DEFAULT_TOKEN_FILE = Path("~/.ray/auth_token")
#: Ray Client's port in ``ray://HOST`` addresses without one.
RAY_CLIENT_PORT = 10001


def token_source() -> str | None:
    """Where Ray would read this process's token from, or None if nothing holds one."""
    if os.environ.get("RAY_AUTH_TOKEN"):
        return "RAY_AUTH_TOKEN"
    for path in (os.environ.get("RAY_AUTH_TOKEN_PATH"), DEFAULT_TOKEN_FILE):
        if path and Path(path).expanduser().is_file():
            return str(Path(path).expanduser())
    return None


def use_token_if_at_hand() -> str | None:
    """Token mode for this process (and the trials it starts here) if a token is at hand and the user set no mode.

    Safe against a cluster without authentication, which lets a token-mode client in too.
    Returns a note naming the token used, or None.
    """
    source = token_source()
    if "RAY_AUTH_MODE" in os.environ or source is None:
        return None
    os.environ["RAY_AUTH_MODE"] = "token"
    return f"joining the Ray cluster with the token of {source} (RAY_AUTH_MODE=token)"


def host_and_port(address: str) -> tuple[str, int] | None:
    """``HOST:PORT`` or ``ray://HOST[:PORT]`` -> (host, port); None for ``auto`` (Ray finds the local cluster).

    >>> host_and_port("10.0.0.5:6379"), host_and_port("ray://head"), host_and_port("auto")
    (('10.0.0.5', 6379), ('head', 10001), None)
    """
    if address == "auto":
        return None
    client = address.startswith("ray://")
    rest = address.removeprefix("ray://")
    host, colon, port = rest.rpartition(":")
    if not colon:
        host, port = rest, str(RAY_CLIENT_PORT) if client else ""
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--address {address!r}: give HOST:PORT (the head's GCS port, 6379 unless `ray start "
                         "--head --port` said otherwise), ray://HOST:10001, or auto")
    return host.strip("[]"), int(port)


def check_reachable(address: str) -> None:
    """One line if nothing answers at ``address`` within :data:`PROBE_SECONDS` (Ray would retry for minutes)."""
    target = host_and_port(address)
    if target is None:
        return
    try:
        with socket.create_connection(target, timeout=PROBE_SECONDS):
            pass
    except OSError as exc:
        reason = "no answer" if isinstance(exc, TimeoutError) else exc.strerror or str(exc)
        raise ValueError(f"--address {address!r}: nothing answers at {target[0]}:{target[1]} ({reason}); start the "
                         "cluster with `ray start --head` there, or give the address it printed") from None


@contextlib.contextmanager
def _stderr_kept() -> Iterator[list[str]]:
    """Ray's C++ client writes its retries to file descriptor 2: keep them aside, yield them as text afterwards."""
    kept: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as aside:
        os.dup2(aside.fileno(), 2)
        try:
            yield kept
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            aside.seek(0)
            kept.append(aside.read().decode(errors="replace"))


def prepare_to_join(address: str) -> str | None:
    """Before Ray is imported (it reads its authentication mode then): check ``address`` answers, take a token
    at hand. A note for the user, or None; ``ValueError`` with one line if nothing answers."""
    check_reachable(address)
    return use_token_if_at_hand()


def start_ray(address: str | None) -> None:
    """``ray.init`` here (no address) or into the cluster at ``address`` (after :func:`prepare_to_join`).

    Raises ``ValueError`` with one line when the cluster cannot be joined.
    """
    import ray

    options = dict(include_dashboard=False, log_to_driver=False, configure_logging=False)
    if address is None:
        ray.init(num_cpus=os.cpu_count(), **options)
        return
    with _stderr_kept() as kept:
        try:
            ray.init(address=address, **options)
            return
        except ConnectionError as exc:
            failure = str(exc)
    said = kept[0] if kept else ""
    if "InvalidAuthToken" in said or "Unauthenticated" in said:
        tried = token_source()
        raise ValueError(
            f"--address {address!r}: the Ray cluster refused " + (f"the token of {tried}" if tried else "to let in a "
            "client without its token") + "; set RAY_AUTH_TOKEN to the cluster's token (on its head node: "
            "~/.ray/auth_token), or RAY_AUTH_TOKEN_PATH to a file holding it") from None
    last = [line for line in said.splitlines() if line.strip()][-1:] or [failure]
    raise ValueError(f"--address {address!r}: could not join the Ray cluster: {last[0].strip()}") from None
