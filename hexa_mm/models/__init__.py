from .algorithms import *  # noqa: F401,F403
from .batch_augments import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .hard_examples import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .wrappers import *  # noqa: F401,F403
