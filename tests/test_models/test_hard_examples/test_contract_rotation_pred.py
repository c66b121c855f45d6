"""The generators' contract drives an algorithm they were not written for.

MMSelfSup's RotationPred predicts which of 4 rotations an image has. Its
pseudo-label loss, written as a per-sample function, is all the generators need.
"""
import copy

import torch
import torch.nn.functional as F

from conftest import TINY_BACKBONE
from mmselfsup.registry import MODELS


def rotation_pred_and_batch():
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='RotationPred',
            data_preprocessor=dict(
                type='mmselfsup.RotationPredDataPreprocessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                bgr_to_rgb=True),
            backbone=copy.deepcopy(TINY_BACKBONE),
            head=dict(
                type='ClsHead',
                loss=dict(type='mmcls.CrossEntropyLoss'),
                with_avg_pool=True,
                in_channels=64,
                num_classes=4))).train()
    g = torch.Generator().manual_seed(0)
    images = (torch.rand(16, 3, 16, 16, generator=g) - 0.5) * 3
    # The rotation pseudo-labels: image i is rotated by labels[i] * 90 degrees.
    labels = torch.arange(16) % 4
    images = torch.stack(
        [torch.rot90(im, int(r), dims=(1, 2)) for im, r in zip(images, labels)])

    def logits(x):
        return model.head.logits(model.backbone(x))[0]

    def loss_fn(x):
        return F.cross_entropy(logits(x), labels, reduction='none')

    return model, images, labels, logits, loss_fn


def test_adversarial_generator_attacks_rotation_prediction():
    model, images, _, _, loss_fn = rotation_pred_and_batch()
    gen = MODELS.build(dict(type='AdversarialGenerator', eps=4 / 255))
    adv = gen(images, loss_fn, model.data_preprocessor, model=model)
    with torch.no_grad():
        assert loss_fn(adv.inputs).mean() > loss_fn(images).mean()


def test_cutmix_generator_mixes_rotation_labels():
    model, images, labels, logits, _ = rotation_pred_and_batch()
    gen = MODELS.build(dict(type='CutMixGenerator', seed=3))
    mixed = gen(images)
    one_hot = F.one_hot(labels, 4).float()
    # The algorithm's part: the labels mixed as the images were.
    soft = mixed.lam * one_hot + (1 - mixed.lam) * one_hot[mixed.partner]
    for i in range(16):
        j = int(mixed.partner[i])
        expected = torch.zeros(4)
        expected[labels[i]] += mixed.lam
        expected[labels[j]] += 1 - mixed.lam
        torch.testing.assert_close(soft[i], expected)
    # The mixed labels train RotationPred: its loss has a gradient.
    loss = -(soft * F.log_softmax(logits(mixed.inputs), 1)).sum(1).mean()
    loss.backward()
    assert model.backbone.conv1.weight.grad.abs().sum() > 0
