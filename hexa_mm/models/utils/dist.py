"""Distributed helpers that behave the same with one process or many."""
import torch
from mmengine.dist import all_gather, all_reduce, get_world_size


@torch.no_grad()
def gather_rows(tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate every rank's rows, in rank order; ranks may hold different
    numbers of rows (e.g. an uneven last batch).

    ``torch.distributed.all_gather`` needs equal shapes, so rows are padded to
    the largest count and trimmed after the gather.
    """
    if get_world_size() == 1:
        return tensor
    count = torch.tensor([tensor.size(0)], device=tensor.device)
    counts = [int(c) for c in all_gather(count)]
    padded = tensor.new_zeros((max(counts), ) + tuple(tensor.shape[1:]))
    padded[:tensor.size(0)] = tensor
    return torch.cat([
        rows[:n] for rows, n in zip(all_gather(padded.contiguous()), counts)
    ])


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """In-place sum over ranks (a no-op with one process)."""
    all_reduce(tensor, op='sum')
    return tensor
