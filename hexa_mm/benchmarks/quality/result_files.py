"""A protocol's result file: every run of it, written after each run, with
the hash of the protocol file it ran under (a protocol changed after its
runs began is refused), the machine and the commit of every run. Several
processes may run parts of one protocol into one file: each run is added
under a lock, to what the file holds then."""
import contextlib
import fcntl
import json
import os
import os.path as osp
import platform
import socket
import subprocess
import time
from typing import Iterator, List, Optional, Sequence

import torch

from hexa_mm.utils.errors import UserError
from ..report_io import write_json
from .protocol import Protocol, ProtocolError, load_protocol


def result_path(protocol: Protocol, out: str) -> str:
    """Where ``protocol``'s results go: ``<out>/<protocol name>.json``."""
    return osp.join(out, protocol.name + '.json')


def plot_path(protocol: Protocol, out: str, dataset: str) -> str:
    """Where ``protocol``'s plot of ``dataset`` goes, beside its results."""
    return osp.join(out, f'{protocol.name}_{dataset}.png')


def machine() -> dict:
    """What a run's figures depend on beyond the code: processor, cores,
    threads and the torch build (seeded CPU runs repeat exactly on one
    machine, not across processors)."""
    model = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            model = next(line.split(':', 1)[1].strip() for line in f
                         if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return dict(
        processor=model,
        cores=os.cpu_count(),
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        python=platform.python_version())


def commit(folder: str, result_files: Sequence[str] = ()) -> Optional[str]:
    """The checkout's commit (``+dirty`` with uncommitted changes other than
    ``result_files``: what the protocol writes, its ledger and plots, and,
    for a report that follows a selection, the selection's ledger, which the
    report's hash covers), or None outside a git checkout."""
    def git(*args):
        return subprocess.run(['git', *args], cwd=folder, capture_output=True,
                              text=True, check=True).stdout.strip()

    try:
        head = git('rev-parse', 'HEAD')
        top = git('rev-parse', '--show-toplevel')
        spec = ['--', top] + [
            f':(exclude){osp.realpath(path)}' for path in result_files
            if not osp.relpath(osp.realpath(path), top).startswith('..')
        ]
        status = git('status', '--porcelain', *spec)
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ('+dirty' if status else '')


def read_results(path: str) -> dict:
    """A result file's content, its protocol checked against the hash its
    runs were made under."""
    try:
        with open(path) as f:
            saved = json.load(f)
    except FileNotFoundError:
        raise UserError(f'{path}: no such result file') from None
    except json.JSONDecodeError as error:
        raise UserError(f'{path}: not JSON ({error})') from None
    if not isinstance(saved, dict) or not {'protocol', 'protocol_sha256',
                                           'runs'} <= set(saved):
        raise UserError(f'{path}: not a result file of the quality benchmark '
                        '(no "protocol", "protocol_sha256" and "runs" keys)')
    return saved


def protocol_of(path: str) -> Protocol:
    """The protocol that the result file ``path`` ran, unchanged since."""
    saved = read_results(path)
    protocol_file = osp.normpath(
        osp.join(osp.dirname(path), saved['protocol']))
    protocol = load_protocol(protocol_file)
    if protocol.sha256 != saved['protocol_sha256']:
        raise ProtocolError(
            f'{protocol_file} changed after the runs of {path} began (sha256 '
            f"{saved['protocol_sha256'][:12]} then, {protocol.sha256[:12]} "
            'now): a protocol is fixed before its runs; restore it, or write '
            'a new protocol file')
    return protocol


def ledger(protocol: Protocol, out: str) -> List[dict]:
    """The runs already in ``protocol``'s result file under ``out`` (none
    when there is none yet), refused when the protocol changed since."""
    path = result_path(protocol, out)
    if not osp.exists(path):
        return []
    saved = read_results(path)
    if saved['protocol_sha256'] != protocol.sha256:
        raise ProtocolError(
            f'{protocol.path} changed after the runs of {path} began: a '
            'protocol is fixed before its runs; restore it, or write a new '
            'protocol file')
    return saved['runs']


def write_results(protocol: Protocol, out: str, runs: List[dict]) -> str:
    """Write every run of ``protocol`` (atomically); returns the path."""
    path = result_path(protocol, out)
    os.makedirs(out, exist_ok=True)
    write_json(
        path,
        dict(
            protocol=osp.relpath(protocol.path, osp.dirname(osp.abspath(path))),
            protocol_sha256=protocol.sha256,
            kind=protocol.kind,
            runs=runs),
        newline=True)
    return path


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s lock file (``<path>.lock``)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path + '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _claims(protocol: Protocol, out: str) -> str:
    return osp.join(out, f'.{protocol.name}.running')


@contextlib.contextmanager
def run_claim(protocol: Protocol, out: str, method: str, dataset: str,
              seed: int) -> Iterator[bool]:
    """Claim one run of ``protocol`` for this process: yields True when no
    other live process holds it, False when one does.

    The claim is an exclusive ``flock`` on a file of its own beside the result
    file (``<out>/.<protocol name>.running/``): released when the run ends,
    and by the system when its process dies, so that a killed worker leaves
    no claim behind. Processes started on one protocol thus share its runs
    out without being told which to take. While it holds the claim, the file
    says which process does and since when (:func:`running_runs`).
    """
    folder = _claims(protocol, out)
    os.makedirs(folder, exist_ok=True)
    name = f'{method}@{dataset}@{seed}'.replace('/', '_').replace(' ', '_')
    with open(osp.join(folder, name), 'a') as claim:
        try:
            fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            claim.truncate(0)
            claim.write(json.dumps(dict(
                method=method, dataset=dataset, seed=seed, pid=os.getpid(),
                host=socket.gethostname(), since=time.time())) + '\n')
            claim.flush()
            yield True
        finally:
            claim.truncate(0)
            fcntl.flock(claim, fcntl.LOCK_UN)


def running_runs(protocol: Protocol, out: str) -> List[dict]:
    """The runs of ``protocol`` that processes hold now (``method``,
    ``dataset``, ``seed``, ``pid``, ``host``, ``since``), read from their
    claims without touching the locks, so that asking never makes a worker
    skip a run. A claim of this host whose process is gone (killed before it
    could clear its claim) is left out; one of another host is listed, as
    this host cannot see its processes."""
    folder = _claims(protocol, out)
    found = []
    for name in sorted(os.listdir(folder)) if osp.isdir(folder) else []:
        try:
            with open(osp.join(folder, name)) as f:
                claim = json.loads(f.read() or 'null')
        except (OSError, ValueError):  # cleared or half written just now
            continue
        if claim is None:
            continue
        if claim['host'] == socket.gethostname():
            try:
                os.kill(claim['pid'], 0)
            except ProcessLookupError:
                continue
            except PermissionError:  # alive, another user's
                pass
        found.append(claim)
    return found


def run_key(run: dict) -> tuple:
    """``(method, dataset, seed)``: what identifies a run in a result file."""
    return run['method'], run['dataset'], run['seed']


def add_runs(protocol: Protocol, out: str, new: List[dict]) -> List[dict]:
    """Add ``new`` runs to ``protocol``'s result file (a run of the same
    method, set and seed replaces the file's), under the file's lock;
    returns every run the file then holds."""
    path = result_path(protocol, out)
    with _locked(path):
        runs = {run_key(r): r for r in ledger(protocol, out)}
        runs.update((run_key(r), r) for r in new)
        runs = list(runs.values())
        write_results(protocol, out, runs)
    return runs
