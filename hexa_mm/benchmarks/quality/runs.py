"""The quality benchmark's runs: pre-training through MMEngine's Runner,
the random bars, and the final scores of each frozen backbone."""
import os.path as osp
import time

import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmselfsup.registry import DATASETS

from hexa_mm.engine.hooks import KNNEvalHook, OnlineLinearProbeHook
from hexa_mm.evaluation import (build_probe_model, extract_features,
                                knn_accuracy, linear_probe_top1,
                                sequential_loader, standardize)
from hexa_mm.utils.errors import UserError
from hexa_mm.visualization import save_feature_map, tsne_embedding
from .hardness import epoch_hardness
from .methods import KNN_K, KNN_T, RANDOM, eval_datasets, method_cfg
from .result_files import read_runs, write_results


def final_scores(model, args, tsne_path=None, title=''):
    """kNN and linear-probe top-1 (%) of the frozen backbone on the data set
    of ``args`` and, given ``tsne_path``, the t-SNE map of its validation
    features there."""
    splits = eval_datasets(args.dataset, args.data_root)
    train, val = (
        extract_features(
            model,
            sequential_loader(DATASETS.build(splits[f'{split}_dataset']),
                              batch_size=256)) for split in ('train', 'val'))
    knn = knn_accuracy(*train, *val, num_classes=10, k=KNN_K,
                       temperature=KNN_T)
    train_x, val_x = standardize(train[0], val[0])
    linear = linear_probe_top1(train_x, train[1], val_x, val[1])
    if tsne_path is not None:
        save_feature_map(f'{title}: kNN {knn:.1f}, linear {linear:.1f}',
                         tsne_embedding(val[0]), val[1].numpy(), tsne_path)
    return dict(knn_top1=round(knn, 2), linear_top1=round(linear, 2))


def tsne_path(method, seed, args):
    """Where the t-SNE map of a run goes: first seed only, unless off."""
    if not args.tsne or seed != args.seeds[0]:
        return None
    name = method.replace(' ', '_').replace('(', '').replace(')', '')
    return osp.join(args.out, f'{args.name}_tsne', f'{name}_seed{seed}.png')


def pretrain(method, seed, args):
    cfg = method_cfg(method, seed, args)
    start = time.time()
    runner = Runner.from_cfg(cfg)
    runner.train()
    minutes = (time.time() - start) / 60
    knn_hook = next(h for h in runner.hooks if isinstance(h, KNNEvalHook))
    probe = next((h for h in runner.hooks
                  if isinstance(h, OnlineLinearProbeHook) and h.enabled), None)
    online = {}
    if probe is not None and probe.history:
        online = dict(
            online_curve=[[e, round(top1, 2)] for e, top1 in probe.history],
            online_linear_top1=round(probe.history[-1][1], 2))
    epochs = cfg.train_cfg.max_epochs
    hardness = epoch_hardness(runner.message_hub,
                              len(runner.train_dataloader))
    return dict(
        method=method,
        seed=seed,
        epochs=epochs,
        minutes=round(minutes, 2),
        curve=[[e, round(top1, 2)] for e, top1 in knn_hook.history],
        checkpoint=osp.join(cfg.work_dir, f'epoch_{epochs}.pth'),
        **online,
        **(dict(hardness=hardness) if hardness else {}),
        **final_scores(runner.model, args, tsne_path(method, seed, args),
                       f'{method}, seed {seed}'))


def random_init(seed, args):
    """One run per :data:`RANDOM` row: the frozen random backbone's scores."""
    cfg = method_cfg(args.methods[0], seed, args)
    runs = []
    for name, init in RANDOM.items():
        torch.manual_seed(seed)
        model = build_probe_model(cfg.model, random_init=init)
        runs.append(
            dict(method=name, seed=seed, epochs=0, minutes=0., curve=[],
                 checkpoint=None,
                 **final_scores(model, args, tsne_path(name, seed, args),
                                f'{name}, seed {seed}')))
    return runs


def resumed_runs(args, path):
    """``--resume``: the runs already in the result file ``path`` (none if
    there is no such file yet), checked against the runs that ``args`` asks
    for: the same data set, and each method's epochs."""
    if not args.resume:
        return []
    if not osp.exists(path):
        print(f'--resume: no {path} yet, so every run starts')
        return []
    runs = read_runs(path, args.dataset)[1]
    for run in runs:
        if run['method'] in args.methods and run['seed'] in args.seeds:
            epochs = method_cfg(run['method'], run['seed'],
                                args).train_cfg.max_epochs
            if run['epochs'] != epochs:
                raise UserError(
                    f"{path}: {run['method']}, seed {run['seed']} ran "
                    f"{run['epochs']} epochs, this run asks for {epochs}; "
                    'resume with the same --epochs or choose another --name')
    return runs


def run_quality(args) -> list:
    """Pre-train every method of ``args`` (the tool's command line) on every
    seed, score the random bars, write the results after every run; returns
    the runs. With ``args.resume``, the runs already in the result file are
    kept, not repeated."""
    # As the configs do, for the eval pipeline. The embedded set's data set
    # class exports it on first use.
    init_default_scope('mmselfsup')
    stem = osp.join(args.out, args.name)
    runs = resumed_runs(args, stem + '.json')
    done = {(r['method'], r['seed']) for r in runs}
    for seed in args.seeds:
        if (next(iter(RANDOM)), seed) not in done:
            runs.extend(random_init(seed, args))
        for method in args.methods:
            if (method, seed) in done:
                print(f'== {method}, seed {seed}: in {stem}.json ==')
                continue
            print(f'== {method}, seed {seed} ==', flush=True)
            runs.append(pretrain(method, seed, args))
            write_results(runs, args.dataset, stem)
    table = write_results(runs, args.dataset, stem)
    print('\n' + table + '\n')
    print(f'results: {stem}.md, {stem}.json, {stem}.png')
    return runs
