"""Run a test's function in several gloo processes on this machine (CPU DDP)."""
import os
import socket

import torch.multiprocessing as mp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_in_gloo_processes(fn, *args, world_size: int = 2) -> None:
    """Call ``fn(rank, *args)`` in ``world_size`` spawned processes, each
    inside an initialised gloo process group; a failure in any raises here.

    ``fn`` must be a module-level function (spawn pickles it by name).
    """
    mp.start_processes(
        _run,
        args=(fn, world_size, free_port(), args),
        nprocs=world_size,
        start_method='spawn')


def _run(rank, fn, world_size, port, args):
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world_size)
    try:
        fn(rank, *args)
    finally:
        dist.destroy_process_group()


def run_as_launched(fn, *args, world_size: int = 2) -> None:
    """Call ``fn(rank, *args)`` in ``world_size`` spawned processes with the
    environment that ``torchrun`` sets (RANK, LOCAL_RANK, WORLD_SIZE,
    MASTER_ADDR, MASTER_PORT) and no process group: for code that calls
    ``init_dist('pytorch')`` itself, as the tools do under
    ``--launcher pytorch``."""
    mp.start_processes(
        _run_launched,
        args=(fn, world_size, free_port(), args),
        nprocs=world_size,
        start_method='spawn')


def _run_launched(rank, fn, world_size, port, args):
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank),
                      WORLD_SIZE=str(world_size), MASTER_ADDR='127.0.0.1',
                      MASTER_PORT=str(port))
    fn(rank, *args)
