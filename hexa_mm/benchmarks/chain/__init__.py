"""Every downstream evaluation of one pre-training checkpoint, one summary
(``tools/benchmarks/chain.py``): the suites (:mod:`.catalogue`), the options
each downstream config needs (:mod:`.config_surgery`), the commands
(:mod:`.commands`), the checks before anything runs (:mod:`.planning`), the
run (:mod:`.runner`) and the summary (:mod:`.reports`)."""
from .catalogue import ChainError, Step, suite_steps
from .runner import run_chain

__all__ = ['ChainError', 'Step', 'run_chain', 'suite_steps']
