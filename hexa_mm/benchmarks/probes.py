"""The frozen-feature probes' reports (``tools/benchmarks/knn.py`` and
``kshot.py``): run the probe that the command line names
(:func:`hexa_mm.evaluation.run_probe`), print the score on rank 0 and write
it as JSON (``args.out``)."""
import argparse

from hexa_mm.evaluation import kshot_eval, knn_eval, run_probe
from .report_io import write_json


def _init(args: argparse.Namespace) -> dict:
    return dict(config=args.config, checkpoint=args.checkpoint,
                random_init=None if args.checkpoint else args.random_init)


def knn_report(args: argparse.Namespace) -> dict:
    """Weighted kNN top-1 (``args.k``, ``args.temperature``)."""
    top1, rank = run_probe(
        args, lambda model, train, val: knn_eval(model, train, val, args.k,
                                                 args.temperature))
    result = dict(**_init(args), seed=args.seed, dataset=args.dataset,
                  k=args.k, temperature=args.temperature, knn_top1=top1)
    if rank == 0:
        print(f'kNN (k={args.k}, T={args.temperature}) top-1: {top1:.2f}')
        if args.out:
            write_json(args.out, result)
    return result


def kshot_report(args: argparse.Namespace) -> dict:
    """k-shot linear-probe top-1 for every k of ``args.shots``: mean and
    standard deviation over ``args.draws`` draws, and each draw's."""
    scores, rank = run_probe(
        args, lambda model, train, val: kshot_eval(
            model, train, val, args.shots, args.draws, args.seed, args.C))
    result = dict(
        **_init(args),
        dataset=args.dataset,
        draws=args.draws,
        seed=args.seed,
        C=args.C,
        **{f'{k}shot_top1': s['mean']
           for k, s in scores.items()},
        **{f'{k}shot_top1_std': s['std']
           for k, s in scores.items()},
        draws_top1={str(k): s['top1']
                    for k, s in scores.items()})
    if rank == 0:
        for k, s in scores.items():
            print(f'{k}-shot top-1: {s["mean"]:.2f} +- {s["std"]:.2f} '
                  f'({args.draws} draws)')
        if args.out:
            write_json(args.out, result)
    return result
