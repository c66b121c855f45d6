"""Checks of a training config that fail before the Runner starts.

Each error names the key at fault and what it may be: the fields of the
model, its parts and the hooks are checked against their classes (hexa_mm's,
and the upstream ones that refuse unknown keyword arguments anyway). Field
types and ranges that a module checks itself (e.g.
``AdversarialGenerator``'s eps) are checked when the Runner builds the
model, also before training.
"""
import difflib
import inspect
import os
from typing import Iterator, Optional, Set

from mmengine.config import Config
from mmengine.registry import MODEL_WRAPPERS

from mmselfsup.registry import DATASETS, HOOKS, MODELS, TRANSFORMS
from .errors import UserError


class ConfigError(UserError, ValueError):
    """A config that cannot train as written."""


def _hexa_mm_types() -> dict:
    """Registered name -> class, for every module hexa_mm registers."""
    found = {}
    for registry in (MODELS, HOOKS, DATASETS, TRANSFORMS):
        for name, cls in registry.module_dict.items():
            if cls.__module__.startswith('hexa_mm.'):
                found[name] = cls
    return found


def _types_in(node) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get('type'), str):
            yield node['type'].split('.')[-1]
        for value in node.values():
            yield from _types_in(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _types_in(value)


def _init_parameters(cls) -> Iterator[inspect.Parameter]:
    """The keyword parameters of ``cls.__init__``, subclass first, following
    ``**kwargs`` up the class hierarchy."""
    for klass in cls.__mro__:
        if '__init__' not in vars(klass):
            continue
        params = inspect.signature(vars(klass)['__init__']).parameters
        yield from (p for name, p in params.items()
                    if name != 'self' and p.kind in (p.POSITIONAL_OR_KEYWORD,
                                                     p.KEYWORD_ONLY))
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            break


def accepted_fields(cls) -> Set[str]:
    """Keyword arguments that ``cls(...)`` takes, following ``**kwargs`` up
    the class hierarchy, and those that its ``**kwargs`` hand elsewhere
    (``cls.forwarded_fields``, e.g. the HEXA algorithms' hard-example
    settings)."""
    return ({'type', '_scope_'} | {p.name for p in _init_parameters(cls)}
            | set(getattr(cls, 'forwarded_fields', ())))


#: What :func:`field_default` returns for an argument without a default.
NO_DEFAULT = object()


def field_default(cls, name: str):
    """The default of keyword argument ``name`` of ``cls(...)`` (the first
    class up the hierarchy that gives one, as :func:`accepted_fields` follows
    ``**kwargs``), or :data:`NO_DEFAULT`."""
    for param in _init_parameters(cls):
        if param.name == name and param.default is not param.empty:
            return param.default
    return NO_DEFAULT


def _refuses_unknown_fields(cls) -> bool:
    """Whether ``cls(...)`` raises on a keyword argument it does not know:
    its chain of ``**kwargs`` up the class hierarchy ends at an
    ``__init__`` without them (a chain that stays open, e.g. to
    ``nn.Module``'s, may take anything)."""
    for klass in cls.__mro__:
        if '__init__' not in vars(klass):
            continue
        try:
            params = inspect.signature(vars(klass)['__init__']).parameters
        except (TypeError, ValueError):  # a C type's slot: cannot tell
            return False
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return True
    return False


def _check_fields(key: str, node, types: dict, registry=MODELS) -> None:
    """The fields of ``node`` against its class: a hexa_mm class's
    (:func:`accepted_fields`), or an upstream class of ``registry`` that
    refuses unknown keyword arguments anyway, so that the error names the
    key and a near field before the Runner starts."""
    if not isinstance(node, dict) or not isinstance(node.get('type'), str):
        return
    cls = types.get(node['type'].split('.')[-1])
    if cls is None:
        upstream = registry.get(node['type'])
        if not (isinstance(upstream, type)
                and _refuses_unknown_fields(upstream)):
            return
        cls = upstream
    allowed = accepted_fields(cls)
    for field in node:
        if field not in allowed:
            hint = difflib.get_close_matches(field, allowed, n=1)
            fields = sorted(allowed - {'type', '_scope_'})
            raise ConfigError(
                f'{key}.{field} is not a field of {cls.__name__}' +
                (f' (did you mean {key}.{hint[0]}?)' if hint else '') +
                (f'; allowed: {fields}' if fields else '; it takes none'))


def validate_config(cfg: Config, world_size: Optional[int] = None) -> None:
    """Raise :class:`ConfigError` for the first problem found.

    Args:
        cfg: The full training config.
        world_size: Number of training processes; default from the launcher's
            environment (``WORLD_SIZE``, ``SLURM_NTASKS``) or 1.
    """
    types = _hexa_mm_types()
    used = sorted(set(_types_in(cfg.to_dict())) & set(types))
    imports = (cfg.get('custom_imports') or {}).get('imports', [])
    if used and 'hexa_mm' not in imports:
        raise ConfigError(
            f'custom_imports must load hexa_mm: the config uses {used}; add '
            "custom_imports=dict(imports=['hexa_mm'], "
            'allow_failed_imports=False)')

    model = cfg.get('model', {})
    _check_fields('model', model, types)
    for sub in ('backbone', 'neck', 'head', 'data_preprocessor',
                'adversarial', 'cutmix'):
        _check_fields(f'model.{sub}', model.get(sub), types)
    _check_fields('model.head.loss', (model.get('head') or {}).get('loss'),
                  types)
    for i, hook in enumerate(cfg.get('custom_hooks') or []):
        _check_fields(f'custom_hooks[{i}]', hook, types, HOOKS)
    for name, hook in (cfg.get('default_hooks') or {}).items():
        _check_fields(f'default_hooks.{name}', hook, types, HOOKS)

    if world_size is None:
        world_size = int(
            os.environ.get('WORLD_SIZE', os.environ.get('SLURM_NTASKS', 1)))
    queue_len = model.get('queue_len')
    loader = cfg.get('train_dataloader') or {}
    if queue_len is not None and loader.get('batch_size'):
        global_batch = loader['batch_size'] * world_size
        if queue_len % global_batch:
            raise ConfigError(
                f'model.queue_len={queue_len} must be a multiple of the global '
                f'batch {global_batch} (train_dataloader.batch_size='
                f"{loader['batch_size']} x {world_size} processes), e.g. "
                f'{max(1, queue_len // global_batch) * global_batch}')

    wrapper = (cfg.get('model_wrapper_cfg') or {}).get(
        'type', 'MMDistributedDataParallel')
    # An attack takes its first step from the clean loss's backward: two
    # backward passes a step.
    two_pass = model.get('adversarial') and model.get('w_adv', 1) > 0
    if world_size > 1 and two_pass:
        cls = MODEL_WRAPPERS.get(wrapper) if isinstance(wrapper, str) else wrapper
        # By name in MMEngine's registry: utils imports no model.
        two_pass_ddp = MODEL_WRAPPERS.get('TwoPassDistributedDataParallel')
        if not (isinstance(cls, type) and isinstance(two_pass_ddp, type)
                and issubclass(cls, two_pass_ddp)):
            raise ConfigError(
                'model.adversarial: the attack takes its first step from the '
                'clean loss\'s backward, two backward passes per step, which '
                f'model_wrapper_cfg.type={wrapper!r} does not run; '
                "set model_wrapper_cfg=dict(type="
                "'TwoPassDistributedDataParallel')")

    head = model.get('head') or {}
    num_samples = model.get('num_samples')
    if num_samples is not None and head.get('num_prototypes', 0) > num_samples:
        raise ConfigError(
            f"model.head.num_prototypes={head['num_prototypes']} exceeds "
            f'model.num_samples={num_samples}: at most one cluster per sample')
