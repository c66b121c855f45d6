"""Distributed helpers that behave the same with one process or many."""
from typing import List, Tuple

import torch
from mmengine.dist import (all_gather, all_reduce, broadcast, get_rank,
                           get_world_size)


def rows_per_rank(tensor: torch.Tensor) -> List[int]:
    """How many rows every rank holds."""
    if get_world_size() == 1:
        return [tensor.size(0)]
    count = torch.tensor([tensor.size(0)], device=tensor.device)
    return [int(c) for c in all_gather(count)]


@torch.no_grad()
def gather_rows(tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate every rank's rows, in rank order; ranks may hold different
    numbers of rows (e.g. an uneven last batch).

    ``torch.distributed.all_gather`` needs equal shapes, so rows are padded to
    the largest count and trimmed after the gather.
    """
    if get_world_size() == 1:
        return tensor
    counts = rows_per_rank(tensor)
    padded = tensor.new_zeros((max(counts), ) + tuple(tensor.shape[1:]))
    padded[:tensor.size(0)] = tensor
    return torch.cat([
        rows[:n] for rows, n in zip(all_gather(padded.contiguous()), counts)
    ])


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """In-place sum over ranks (a no-op with one process)."""
    all_reduce(tensor, op='sum')
    return tensor


def _own_slice(counts: List[int]) -> slice:
    start = sum(counts[:get_rank()])
    return slice(start, start + counts[get_rank()])


@torch.no_grad()
def batch_shuffle(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """MoCo's shuffle BN across ranks, also for ranks with different batch
    sizes.

    With equal batch sizes it draws and returns exactly what MMSelfSup's
    ``batch_shuffle_ddp`` does (one ``torch.randperm`` of the global batch,
    broadcast from rank 0); each rank keeps its own number of rows.

    Returns:
        tuple: this rank's shuffled rows, and the index that undoes the shuffle
        (for :func:`batch_unshuffle`).
    """
    counts = rows_per_rank(x)
    x_all = gather_rows(x)
    idx_shuffle = torch.randperm(x_all.size(0)).to(x.device)
    broadcast(idx_shuffle, src=0)
    return x_all[idx_shuffle[_own_slice(counts)]], torch.argsort(idx_shuffle)


@torch.no_grad()
def batch_unshuffle(x: torch.Tensor, idx_unshuffle: torch.Tensor) -> torch.Tensor:
    """Undo :func:`batch_shuffle`: this rank's rows in their original order."""
    counts = rows_per_rank(x)
    return gather_rows(x)[idx_unshuffle[_own_slice(counts)]]
