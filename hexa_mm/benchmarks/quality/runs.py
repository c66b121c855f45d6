"""The quality benchmark's runs: pre-training through MMEngine's Runner,
the random backbones, and the final scores of each frozen backbone, written
to the protocol's result file after every run."""
import datetime
import os.path as osp
import time
from typing import Callable, List, Optional

import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmselfsup.registry import DATASETS

from hexa_mm.engine.hooks import KNNEvalHook, OnlineLinearProbeHook
from hexa_mm.evaluation import (build_probe_model, extract_features,
                                knn_accuracy, linear_probe_top1,
                                sequential_loader, standardize)
from hexa_mm.evaluation.probe import probe_split_cfg
from hexa_mm.utils import ConfigError, load_cfg, validate_config
from hexa_mm.visualization import save_feature_map, tsne_embedding
from .hardness import epoch_hardness
from .protocol import Method, Protocol, ProtocolError
from .result_files import (add_runs, commit, ledger, machine, plot_path,
                           result_path, run_claim, run_key)

#: kNN of the final scores and of the monitor: k = 20 of the embedded sets'
#: 1,297-2,000 training images (k = 200 would span one and a half classes).
KNN_K = 20
KNN_T = 0.1
#: The random backbones scored at every seed: row name -> initialisation
#: (``build_probe_model``'s ``random_init``): the modules' own init (where
#: pre-training starts) and PyTorch's default, a higher bar on small images.
RANDOM = {
    'random init': 'init_cfg',
    'random init (PyTorch default)': 'pytorch',
}


def eval_datasets(dataset: str, data_root: str) -> dict:
    """KNNEvalHook's reference (train) and scored (val) splits."""
    return {
        f'{split}_dataset': probe_split_cfg(dataset, data_root, split)
        for split in ('train', 'val')
    }


def final_scores(model, dataset, data_root, tsne_path=None, title=''):
    """kNN and linear-probe top-1 (%) of the frozen backbone on the
    validation split of ``dataset`` (the training split as reference) and,
    given ``tsne_path``, the t-SNE map of its validation features."""
    splits = eval_datasets(dataset, data_root)
    train, val = (
        extract_features(
            model,
            sequential_loader(DATASETS.build(splits[f'{split}_dataset']),
                              batch_size=256)) for split in ('train', 'val'))
    classes = int(max(train[1].max(), val[1].max())) + 1
    knn = knn_accuracy(*train, *val, num_classes=classes, k=KNN_K,
                       temperature=KNN_T)
    train_x, val_x = standardize(train[0], val[0])
    linear = linear_probe_top1(train_x, train[1], val_x, val[1])
    if tsne_path is not None:
        save_feature_map(f'{title}: kNN {knn:.1f}, linear {linear:.1f}',
                         tsne_embedding(val[0]), val[1].numpy(), tsne_path)
    return dict(knn_top1=round(knn, 2), linear_top1=round(linear, 2))


def method_cfg(method: Method, dataset: str, seed: int, data_root: str,
               work_dir: str, name: str, cfg_options: Optional[dict] = None):
    """The config that ``method`` pre-trains with on ``dataset`` at
    ``seed`` (``cfg_options`` last), with the kNN monitor, one checkpoint at
    the end and the data under ``data_root``."""
    cfg = load_cfg(
        method.config_path(dataset),
        cfg_options={
            'train_dataloader.dataset.data_root': data_root,
            'randomness.seed': seed,
            **method.cfg_options,
            **(cfg_options or {})
        },
        work_dir=work_dir)
    epochs = cfg.train_cfg.max_epochs
    # A cfg_options that changes max_epochs leaves the config's schedule at
    # its own length: stretch it to the run's.
    for scheduler in cfg.param_scheduler:
        if scheduler.get('by_epoch', True) and 'T_max' in scheduler:
            scheduler.update(T_max=epochs, begin=0, end=epochs)
    for hook in cfg.get('custom_hooks', []):
        if hook.get('type') == 'OnlineLinearProbeHook':
            hook.val_dataset.data_root = data_root
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='KNNEvalHook', interval=max(1, epochs // 5), k=KNN_K,
             temperature=KNN_T, **eval_datasets(dataset, data_root))
    ]
    cfg.default_hooks.checkpoint.update(interval=epochs, max_keep_ckpts=1)
    cfg.experiment_name = name
    return cfg


def check_configs(protocol: Protocol,
                  datasets: Optional[List[str]] = None,
                  methods: Optional[List[str]] = None,
                  cfg_options: Optional[dict] = None) -> None:
    """Check every config that ``protocol`` (or the part named) pre-trains
    with, its ``cfg_options`` applied, as ``tools/train.py`` checks a config
    (:func:`hexa_mm.utils.validate_config`): a misspelled option fails
    before the first run, not hours into the protocol.

    Raises:
        ProtocolError: Naming the protocol, the method, the set and the key.
    """
    for name in methods or list(protocol.methods):
        for dataset in datasets or protocol.datasets:
            cfg = method_cfg(protocol.methods[name], dataset,
                             protocol.seeds[0], f'data/{dataset}',
                             'work_dirs', name, cfg_options)
            try:
                validate_config(cfg, world_size=1)
            except ConfigError as error:
                raise ProtocolError(f'{protocol.path}: methods.{name} on '
                                    f'{dataset}: {error}') from None


def pretrain(method: Method, dataset: str, seed: int, data_root: str,
             work_dir: str, tsne: Optional[str],
             cfg_options: Optional[dict] = None) -> dict:
    """Pre-train ``method`` on ``dataset`` at ``seed``; its run record."""
    name = f'{method.name}_{dataset}_seed{seed}'
    cfg = method_cfg(method, dataset, seed, data_root,
                     osp.join(work_dir, name), name, cfg_options)
    start = time.time()
    runner = Runner.from_cfg(cfg)
    runner.train()
    minutes = (time.time() - start) / 60
    knn_hook = next(h for h in runner.hooks if isinstance(h, KNNEvalHook))
    probe = next((h for h in runner.hooks
                  if isinstance(h, OnlineLinearProbeHook) and h.enabled), None)
    record = dict(
        method=method.name,
        dataset=dataset,
        seed=seed,
        epochs=cfg.train_cfg.max_epochs,
        minutes=round(minutes, 2),
        curve=[[e, round(top1, 2)] for e, top1 in knn_hook.history])
    if probe is not None and probe.history:
        record.update(
            online_curve=[[e, round(top1, 2)] for e, top1 in probe.history],
            online_linear_top1=round(probe.history[-1][1], 2))
    hardness = epoch_hardness(runner.message_hub,
                              len(runner.train_dataloader))
    if hardness:
        record['hardness'] = hardness
    record.update(
        final_scores(runner.model, dataset, data_root, tsne,
                     f'{method.name}, {dataset}, seed {seed}'))
    return record


def random_backbones(protocol: Protocol, dataset: str, seed: int,
                     data_root: str, tsne_dir: Optional[str]) -> List[dict]:
    """The :data:`RANDOM` rows of ``dataset`` at ``seed``: the frozen random
    backbone of ``protocol.random_backbone``'s model, scored."""
    cfg = load_cfg(protocol.random_backbone.format(dataset=dataset))
    runs = []
    for name, init in RANDOM.items():
        torch.manual_seed(seed)
        model = build_probe_model(cfg.model, random_init=init)
        tsne = None if tsne_dir is None else osp.join(
            tsne_dir, f"{name.replace(' ', '_').strip('()')}_{dataset}.png")
        runs.append(
            dict(method=name, dataset=dataset, seed=seed, epochs=0,
                 minutes=0.,
                 **final_scores(model, dataset, data_root, tsne,
                                f'{name}, {dataset}, seed {seed}')))
    return runs


def _stamp(record: dict, folder: str, result_files: List[str],
           cfg_options: dict) -> dict:
    """A run record with what it was measured on and from."""
    record = dict(
        record, machine=machine(), commit=commit(folder, result_files),
        date=datetime.date.today().isoformat())
    if cfg_options:
        record['cfg_options'] = cfg_options
    return record


def run_protocol(protocol: Protocol,
                 out: str,
                 work_dir: str,
                 data_root: str = 'data/{dataset}',
                 datasets: Optional[List[str]] = None,
                 methods: Optional[List[str]] = None,
                 seeds: Optional[List[int]] = None,
                 tsne: bool = False,
                 cfg_options: Optional[dict] = None) -> List[dict]:
    """Run what is missing of ``protocol`` (or of the part that
    ``datasets`` / ``methods`` / ``seeds`` name), seed by seed, adding each
    run to its result file as it ends; returns every run of the file.

    Several processes may run one protocol: each run is claimed first
    (:func:`.result_files.run_claim`), and one that another process holds,
    or has recorded since this one read the file, is left to it.

    ``cfg_options`` override every method's config, in a demo protocol only
    (a report or selection protocol runs as written); the runs record them,
    and a result file holds runs of one set of overrides.
    """
    cfg_options = dict(cfg_options or {})
    if cfg_options and protocol.kind != 'demo':
        raise ProtocolError(
            f'{protocol.path}: a {protocol.kind} protocol runs as written; '
            f'cfg_options {sorted(cfg_options)} are for a demo protocol')
    for given, known, what in ((datasets, protocol.datasets, 'data set'),
                               (methods, list(protocol.methods), 'method'),
                               (seeds, protocol.seeds, 'seed')):
        outside = sorted(set(given or []) - set(known))
        if outside:
            raise ValueError(f'{protocol.path} has no {what} {outside}')
    init_default_scope('mmselfsup')
    check_configs(protocol, datasets, methods, cfg_options)
    runs = ledger(protocol, out)
    mixed = [r for r in runs if r.get('cfg_options', {}) != cfg_options]
    if mixed:
        raise ProtocolError(
            f'{result_path(protocol, out)} holds runs with cfg_options '
            f"{mixed[0].get('cfg_options', {})}, not {cfg_options}: one "
            'result file, one budget; choose another --out')
    done = {run_key(r) for r in runs}
    folder = osp.dirname(osp.abspath(protocol.path))
    # What the protocol's runs write or follow is not a change to the code
    # they run: the ledger, the plots another worker may have drawn, and
    # the selection a report follows.
    result_files = [result_path(protocol, out)] + [
        plot_path(protocol, out, d) for d in protocol.datasets
    ] + ([protocol.selected_from] if protocol.selected_from else [])
    tsne_dir = osp.join(out, f'{protocol.name}_tsne') if tsne else None

    def run_unless_taken(name: str, dataset: str, seed: int,
                         produce: Callable[[], List[dict]]) -> None:
        """Run and record one missing run, unless another process holds it
        or has recorded it since this one read the result file."""
        key = (name, dataset, seed)
        if key in done:
            return
        with run_claim(protocol, out, *key) as mine:
            if not mine:
                print(f'== {name}, {dataset}, seed {seed}: another process '
                      'runs it ==', flush=True)
                return
            if key in {run_key(r) for r in ledger(protocol, out)}:
                return
            add_runs(protocol, out, [
                _stamp(r, folder, result_files, cfg_options)
                for r in produce()
            ])

    for seed in seeds or protocol.seeds:
        first_seed = seed == protocol.seeds[0]
        for dataset in datasets or protocol.datasets:
            root = data_root.format(dataset=dataset)
            run_unless_taken(
                next(iter(RANDOM)), dataset, seed,
                lambda: random_backbones(protocol, dataset, seed, root,
                                         tsne_dir if first_seed else None))
            for name in methods or list(protocol.methods):
                tsne_path = (osp.join(tsne_dir, f'{name}_{dataset}.png')
                             if tsne_dir and first_seed else None)

                def one_run():
                    print(f'== {name}, {dataset}, seed {seed} ==', flush=True)
                    return [pretrain(protocol.methods[name], dataset, seed,
                                     root, work_dir, tsne_path, cfg_options)]

                run_unless_taken(name, dataset, seed, one_run)
    return ledger(protocol, out)
