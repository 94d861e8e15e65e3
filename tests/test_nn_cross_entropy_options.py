"""cross_entropy's options (class weight, ignore_index, label_smoothing, logits (N, C, d...))
and nll_loss, fused and composed, against PyTorch (values and gradients, both dtypes), each
other, the scalar engine and finite differences; their refusals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from autograd import Tensor, Value, gradcheck, topological_order
from nn import CrossEntropyLoss, NLLLoss
from nn import functional as F  # noqa: N812

TOL = {np.float64: 1e-12, np.float32: 1e-5}
W = np.array([0.5, 2.0, 1.0, 0.0])
INDICES = np.array([1, 3, -100, 0, 2, 1])
OPTIONS = [  # (weight, ignore_index, label_smoothing)
    (None, -100, 0.0), (W, -100, 0.0), (None, 2, 0.0), (None, -100, 0.1), (W, -100, 0.25),
    (W, 1, 0.3), (None, -100, 1.0),
]


def _probs(rng, shape):
    p = rng.random(shape)
    return p / p.sum(axis=1, keepdims=True)


def _compare(logits, targets, options, reduction, fused, dtype, torch_targets=None):
    torch = pytest.importorskip("torch")
    weight, ignore, smoothing = options
    z = Tensor(logits, requires_grad=True, dtype=dtype)
    loss = F.cross_entropy(z, targets, fused=fused, reduction=reduction, weight=weight,
                           ignore_index=ignore, label_smoothing=smoothing)
    upstream = np.random.default_rng(1).normal(size=loss.shape).astype(dtype)
    (loss * upstream).sum().backward()
    tz = torch.tensor(logits.astype(dtype), requires_grad=True)
    tw = None if weight is None else torch.tensor(weight.astype(dtype))
    tt = torch.tensor(targets if torch_targets is None else torch_targets)
    tloss = torch.nn.functional.cross_entropy(tz, tt, weight=tw, ignore_index=ignore,
                                              reduction=reduction, label_smoothing=smoothing)
    (tloss * torch.tensor(upstream)).sum().backward()
    tol = TOL[dtype]
    assert loss.shape == tuple(tloss.shape) and loss.dtype == dtype
    np.testing.assert_allclose(loss.data, tloss.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(z.grad, tz.grad.numpy(), rtol=tol, atol=tol)
    return loss


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_index_targets_match_pytorch(options, reduction, fused, dtype) -> None:
    logits = np.random.default_rng(0).normal(size=(6, 4)) * 3
    targets = INDICES if options[1] == -100 else np.where(INDICES < 0, 2, INDICES)
    _compare(logits, targets, options, reduction, fused, dtype)


@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", [o for o in OPTIONS if o[1] == -100], ids=str)
def test_probability_targets_match_pytorch(options, reduction, fused) -> None:
    rng = np.random.default_rng(2)
    probs = _probs(rng, (5, 4))
    _compare(rng.normal(size=(5, 4)), probs, options, reduction, fused, np.float64)


@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("options", [OPTIONS[0], OPTIONS[4], OPTIONS[5]], ids=str)
def test_logits_with_extra_axes_match_pytorch(options, reduction, fused) -> None:
    """(N, C, d1, d2) logits (a segmentation map): index targets (N, d1, d2) and
    probability targets (N, C, d1, d2)."""
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(2, 4, 3, 2))
    indices = rng.integers(0, 4, size=(2, 3, 2))
    indices[0, 1, 1] = -100
    if options[1] != -100:
        indices[0, 1, 1] = options[1]
    _compare(logits, indices, options, reduction, fused, np.float64)
    probs = np.moveaxis(_probs(rng, (12, 4)).reshape(2, 3, 2, 4), -1, 1)
    if options[1] == -100:
        _compare(logits, probs, options, reduction, fused, np.float64)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight, ignore", [(None, -100), (W, -100), (W, 3), (None, 0)])
def test_nll_loss_matches_pytorch(weight, ignore, reduction) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    log_probs = F.log_softmax(Tensor(rng.normal(size=(6, 4)))).data
    indices = np.where(INDICES < 0, ignore, INDICES)
    for shape in [(6, 4), (2, 4, 3)]:  # (N, C) and (N, C, d)
        data = log_probs if len(shape) == 2 else log_probs.reshape(2, 3, 4).transpose(0, 2, 1)
        targets = indices if len(shape) == 2 else indices.reshape(2, 3)
        x = Tensor(data.copy(), requires_grad=True)
        loss = F.nll_loss(x, targets, weight=weight, ignore_index=ignore, reduction=reduction)
        loss.sum().backward()
        tx = torch.tensor(data, requires_grad=True)
        tloss = torch.nn.functional.nll_loss(
            tx, torch.tensor(targets), None if weight is None else torch.tensor(weight),
            ignore_index=ignore, reduction=reduction)
        tloss.sum().backward()
        np.testing.assert_allclose(loss.data, tloss.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", OPTIONS[1:], ids=str)
def test_fused_composed_and_the_scalar_engine_agree(options, reduction) -> None:
    weight, ignore, smoothing = options
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(6, 4))
    targets = INDICES if ignore == -100 else np.where(INDICES < 0, 2, INDICES)
    results = []
    for fused, engine in itertools.product([False, True], ["tensor", "scalar"]):
        if engine == "tensor":
            z = Tensor(logits, requires_grad=True)
            leaves = [z]
        else:
            z = [[Value(float(v)) for v in row] for row in logits]
            leaves = [v for row in z for v in row]
        loss = F.cross_entropy(z, targets, fused=fused, reduction=reduction, weight=weight,
                               ignore_index=ignore, label_smoothing=smoothing)
        total = loss.sum() if isinstance(loss, Tensor) else (
            Value.sum(loss) if isinstance(loss, list) else loss)
        total.backward()
        grad = z.grad if engine == "tensor" else np.array([v.grad for v in leaves]).reshape(6, 4)
        results.append((float(total.data), grad))
    for value, grad in results[1:]:
        assert value == pytest.approx(results[0][0], rel=1e-12)
        np.testing.assert_allclose(grad, results[0][1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
def test_weighted_and_smoothed_losses_against_finite_differences(fused) -> None:
    z = Tensor(np.random.default_rng(6).normal(size=(6, 4)), requires_grad=True)
    for weight, ignore, smoothing in OPTIONS:
        targets = INDICES if ignore == -100 else np.where(INDICES < 0, 2, INDICES)
        options = {"weight": weight, "ignore_index": ignore, "label_smoothing": smoothing}
        result = gradcheck(lambda z, t=targets, o=options: F.cross_entropy(
            z, t, fused=fused, **o), [z])
        assert result.ok, (weight, ignore, smoothing, result)


def test_label_smoothing_alone_keeps_the_fused_loss_one_node() -> None:
    z = Tensor(np.zeros((3, 4)), requires_grad=True)
    loss = F.cross_entropy(z, [0, 1, 2], fused=True, label_smoothing=0.1)
    assert [n.op for n in topological_order(loss) if n.op] == ["softmax_cross_entropy"]


def test_modules_pass_the_options_on() -> None:
    z = Tensor(np.random.default_rng(7).normal(size=(6, 4)), requires_grad=True)
    for fused in (False, True):
        module = CrossEntropyLoss(fused=fused, weight=W, label_smoothing=0.2)
        want = F.cross_entropy(z, INDICES, weight=W, label_smoothing=0.2)
        assert module(z, INDICES).item() == pytest.approx(want.item(), rel=1e-12)
    log_probs = F.log_softmax(z)
    assert NLLLoss(weight=W, reduction="sum")(log_probs, INDICES).item() == pytest.approx(
        F.nll_loss(log_probs, INDICES, weight=W, reduction="sum").item(), rel=1e-12)
    assert "label_smoothing=0.2" in repr(CrossEntropyLoss(label_smoothing=0.2))


@pytest.mark.parametrize("call, error, words", [
    (lambda z: F.cross_entropy(z, [-100, -100]), ValueError, "every sample is ignored"),
    (lambda z: F.cross_entropy(z, [1, 0], weight=[0, 0, 1]), ValueError, "undefined"),
    (lambda z: F.cross_entropy(z, [1, 0], weight=[1, 2]), ValueError, "one entry per class"),
    (lambda z: F.cross_entropy(z, [1, 0], weight=[1, -2, 1]), ValueError, ">= 0"),
    (lambda z: F.cross_entropy(z, [1, 0], label_smoothing=1.5), ValueError, r"\[0, 1\]"),
    (lambda z: F.cross_entropy(z, [1, 0], ignore_index=0.5), TypeError, "ignore_index"),
    (lambda z: F.cross_entropy(z, [1, -3]), ValueError, "out of range"),
    (lambda z: F.cross_entropy(z, [1, -3], weight=[1, 1, 1]), ValueError, "out of range"),
    (lambda z: F.nll_loss(z, [[1, 0, 0], [0, 1, 0]]), ValueError, "class indices"),
    (lambda z: F.cross_entropy(z.reshape(2, 3, 1), [0, 1]), ValueError, r"\(2, 1\)"),
])
def test_bad_options_are_refused_clearly(call, error, words) -> None:
    z = Tensor(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(error, match=words):
        call(z)
    assert z.grad is None
