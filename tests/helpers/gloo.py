"""Run a test's function in several gloo processes on this machine (CPU DDP).

No port is chosen in advance and handed over: a port found free, closed and
then bound by another process is a race under ``pytest -n``. The processes
meet through a file store (a fresh file per call), or, for code that reads
torchrun's environment, through a TCP store that this process binds to a
port of the system's choosing and holds, as torchrun's agent does.
"""
import os
import tempfile
from datetime import timedelta

import torch.multiprocessing as mp

#: Environment for ``tools/dist_train.sh`` on one node: ``PORT=0`` makes it
#: run ``torchrun --standalone``, whose rendezvous store binds a port that
#: the system picks and shares it with the workers.
DIST_TRAIN_ENV = {'PORT': '0'}


def run_in_gloo_processes(fn, *args, world_size: int = 2) -> None:
    """Call ``fn(rank, *args)`` in ``world_size`` spawned processes, each
    inside an initialised gloo process group; a failure in any raises here.

    ``fn`` must be a module-level function (spawn pickles it by name).
    """
    with tempfile.TemporaryDirectory(prefix='gloo_') as folder:
        # The store file must not exist when the group starts.
        init_method = 'file://' + os.path.join(folder, 'store')
        mp.start_processes(
            _run,
            args=(fn, world_size, init_method, args),
            nprocs=world_size,
            start_method='spawn')


def _apply_conveniences():
    """What the tools and tests/conftest.py switch on (SyncBN over gloo,
    launches without CUDA): a spawned process starts without them."""
    import hexa_mm
    hexa_mm.compat.apply_conveniences()


def _run(rank, fn, world_size, init_method, args):
    import torch.distributed as dist
    _apply_conveniences()
    dist.init_process_group(
        'gloo', init_method=init_method, rank=rank, world_size=world_size)
    try:
        fn(rank, *args)
    finally:
        dist.destroy_process_group()


def run_as_launched(fn, *args, world_size: int = 2) -> None:
    """Call ``fn(rank, *args)`` in ``world_size`` spawned processes with the
    environment that ``torchrun`` sets (RANK, LOCAL_RANK, WORLD_SIZE,
    MASTER_ADDR, MASTER_PORT, TORCHELASTIC_USE_AGENT_STORE) and no process
    group: for code that calls ``init_dist('pytorch')`` itself, as the tools
    do under ``--launcher pytorch``.

    As torchrun's agent, this process hosts the TCP store, bound to a port
    that the system picks and held until the workers are done; the workers'
    ``env://`` rendezvous connects to it as clients.
    """
    from torch.distributed import TCPStore
    store = TCPStore('127.0.0.1', 0, world_size, is_master=True,
                     timeout=timedelta(seconds=300), wait_for_workers=False)
    try:
        mp.start_processes(
            _run_launched,
            args=(fn, world_size, store.port, args),
            nprocs=world_size,
            start_method='spawn')
    finally:
        del store


def _run_launched(rank, fn, world_size, port, args):
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank),
                      WORLD_SIZE=str(world_size), MASTER_ADDR='127.0.0.1',
                      MASTER_PORT=str(port),
                      TORCHELASTIC_USE_AGENT_STORE='True',
                      TORCHELASTIC_RESTART_COUNT='0')
    _apply_conveniences()
    fn(rank, *args)
