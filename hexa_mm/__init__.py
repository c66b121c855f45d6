"""hexa_mm: HEXA (self-supervised pre-training with hard examples) on OpenMMLab.

Importing the package registers its modules into MMSelfSup's registries; configs
load it with ``custom_imports=dict(imports=['hexa_mm'], allow_failed_imports=False)``.
"""
# First: checks the stack's versions and applies the work-arounds for its bugs.
from . import compat  # noqa: F401,I001
from . import datasets, engine, evaluation, models  # noqa: F401
from .version import __version__

__all__ = ['__version__']
