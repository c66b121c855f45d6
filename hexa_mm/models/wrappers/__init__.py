from .two_pass_ddp import TwoPassDistributedDataParallel

__all__ = ['TwoPassDistributedDataParallel']
