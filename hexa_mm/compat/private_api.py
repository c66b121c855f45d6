"""The one accessor of each upstream private member or global state that
hexa_mm uses.

Each function names the member it reads or writes and the version it was
checked against; ``tests/test_compat.py`` holds one test per function that
fails when upstream changes the member (renamed, moved, or with another
meaning), so an upgrade breaks there and not in a training run. Upstream
modules are imported inside the functions: importing this module must not
import MMSelfSup's models before :mod:`.workarounds` has run.
"""
from contextlib import contextmanager
from typing import Callable, Iterator, Tuple, Type

# The stack every accessor below was checked against (requirements/).
CHECKED_AGAINST = dict(
    torch='2.14.1',
    torchvision='0.29.1',
    mmengine='0.11.0rc3',
    mmpretrain='1.2.0',
    numpy='1.26.4')


def run_forward(model, data, mode: str, **kwargs):
    """``model``'s forward on a preprocessed batch, as MMEngine's training
    step calls it, with extra keyword arguments.

    Restates ``BaseModel._run_forward`` (private; mmengine 0.11.0rc3), which
    passes ``mode`` only: a dict batch goes as keyword arguments, a tuple or
    list as positional ones. It calls ``model(...)``, so that a DDP wrapper
    sees the forward.
    """
    if isinstance(data, dict):
        return model(**data, mode=mode, **kwargs)
    if isinstance(data, (list, tuple)):
        return model(*data, mode=mode, **kwargs)
    raise TypeError('Output of `data_preprocessor` should be list, tuple or '
                    f'dict, but got {type(data)}')


def backward_uncounted(optim_wrapper, loss) -> None:
    """``optim_wrapper.backward(loss)`` that does not count as an
    accumulation step.

    ``OptimWrapper.backward`` (mmengine 0.11.0rc3, also ``AmpOptimWrapper``)
    adds one to the private ``_inner_count``, which decides when
    ``update_params`` steps and when DDP syncs. A step made of several
    backward passes must count once: every pass but the last gives its count
    back.
    """
    optim_wrapper.backward(loss)
    optim_wrapper._inner_count -= 1


def runner_resumes(runner) -> bool:
    """Whether the Runner resumes a run (``cfg.resume``), not only loads
    weights (``load_from``).

    MMEngine's Runner (0.11.0rc3) keeps it in the private ``_resume`` only.
    """
    return bool(runner._resume)


def normalizes(data_preprocessor) -> bool:
    """Whether an ``ImgDataPreprocessor`` (and so MMSelfSup's) normalises
    its inputs by ``mean`` / ``std``.

    MMEngine (0.11.0rc3) keeps it in the private ``_enable_normalize``,
    set when ``mean`` and ``std`` are given; a preprocessor without it does
    not normalise.
    """
    return bool(getattr(data_preprocessor, '_enable_normalize', False))


def set_metainfo(dataset, key: str, value) -> None:
    """Set one field of a dataset's meta information.

    MMEngine's ``BaseDataset.metainfo`` (0.11.0rc3) returns a copy; the
    dataset's own is the private ``_metainfo``.
    """
    dataset._metainfo[key] = value


@contextmanager
def numpy_global_random_state(rng) -> Iterator[None]:
    """Let code that draws from NumPy's global ``np.random`` draw from
    ``rng`` (a ``np.random.RandomState``) instead, and leave the global state
    as it was.

    For upstream code that draws from the global state only: MMPretrain's
    ``CutMix.cutmix_bbox_and_lam`` (1.2.0) places its box with
    ``np.random.randint``.
    """
    import numpy as np
    saved = np.random.get_state()
    np.random.set_state(rng.get_state())
    try:
        yield
    finally:
        rng.set_state(np.random.get_state())
        np.random.set_state(saved)


def batch_norm_base() -> Type:
    """The base class of every torch BatchNorm layer (``BatchNorm1d/2d/3d``,
    ``SyncBatchNorm``, their lazy forms): the private
    ``torch.nn.modules.batchnorm._BatchNorm`` (torch 2.14.1)."""
    from torch.nn.modules.batchnorm import _BatchNorm
    return _BatchNorm


def check_batch_norm_input(bn, x) -> None:
    """Raise torch's ``ValueError`` for an input of the wrong rank for
    ``bn``: its private ``_check_input_dim`` (torch 2.14.1)."""
    bn._check_input_dim(x)


def torchvision_hsv_conversions() -> Tuple[Callable, Callable]:
    """torchvision's batched RGB <-> HSV conversions (``(..., 3, H, W)``
    float tensors in [0, 1]).

    Limitation, torchvision <= 0.29.1: the public ``adjust_hue`` takes one
    hue factor per call, so a batch whose samples each have their own factor
    would need one call per sample; the conversions it is built on are
    batched but private (``transforms.v2.functional._color``).
    BatchColorJitter shifts each sample's hue between the two.
    """
    from torchvision.transforms.v2.functional import _color
    return _color._rgb_to_hsv, _color._hsv_to_rgb


def torch_dispatch_mode() -> Type:
    """torch's ``TorchDispatchMode`` (torch 2.14.1), the base class of a mode
    that sees every aten call (the FLOP count of the speed benchmark); it
    lives in the private ``torch.utils._python_dispatch``."""
    from torch.utils._python_dispatch import TorchDispatchMode
    return TorchDispatchMode


def shut_down_loader_workers(loader) -> None:
    """Stop the worker processes a ``DataLoader`` keeps between epochs
    (``persistent_workers=True``) now; the next ``iter(loader)`` starts new
    ones.

    torch (2.14.1) keeps that iterator in the private ``_iterator`` and stops
    its workers in the private ``_MultiProcessingDataLoaderIter.
    _shutdown_workers`` (what its ``__del__`` calls); it has no public close
    (pytorch/pytorch#64766).
    """
    iterator = getattr(loader, '_iterator', None)
    if iterator is None:
        return
    iterator._shutdown_workers()
    loader._iterator = None
