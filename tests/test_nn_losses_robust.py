"""HuberLoss, SmoothL1Loss and BCEWithLogitsLoss(pos_weight=) against PyTorch (values and
gradients, both dtypes, at random points and at the kinks), finite differences and the
scalar engine; their refusals."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor, Value, gradcheck

TOL = {np.float64: 1e-12, np.float32: 1e-6}


def _against_torch(ours, theirs, pred, target, dtype) -> None:
    torch = pytest.importorskip("torch")
    p = Tensor(pred, requires_grad=True, dtype=dtype)
    loss = ours(p, target.astype(dtype))
    upstream = np.random.default_rng(9).normal(size=loss.shape).astype(dtype)
    (loss * upstream).sum().backward()
    tp = torch.tensor(pred.astype(dtype), requires_grad=True)
    tloss = theirs(torch)(tp, torch.tensor(target.astype(dtype)))
    (tloss * torch.tensor(upstream)).sum().backward()
    tol = TOL[dtype]
    np.testing.assert_allclose(loss.data, tloss.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=tol, atol=tol)


def _pairs(threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Random differences, and the kinks: d = 0, d = +-threshold exactly, both sides."""
    rng = np.random.default_rng(1)
    target = rng.normal(size=(3, 8))
    d = rng.normal(size=(3, 8)) * 2 * max(threshold, 0.5)
    d[0, :6] = [0.0, threshold, -threshold, 2 * threshold, -0.5 * threshold, -0.0]
    return target + d, target


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_matches_pytorch(delta, reduction, dtype) -> None:
    pred, target = _pairs(delta)
    pred = target + (pred - target).astype(dtype)  # kinks exact in the dtype too
    _against_torch(nn.HuberLoss(reduction, delta),
                   lambda torch: torch.nn.HuberLoss(reduction=reduction, delta=delta),
                   pred, target, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 2.0])
def test_smooth_l1_matches_pytorch(beta, reduction, dtype) -> None:
    pred, target = _pairs(beta)
    _against_torch(nn.SmoothL1Loss(reduction, beta),
                   lambda torch: torch.nn.SmoothL1Loss(reduction=reduction, beta=beta),
                   pred, target, dtype)


def test_huber_gradient_at_the_kinks_is_the_derivative() -> None:
    """d for |d| <= delta, delta sign(d) beyond, 0 at 0: the function is smooth there."""
    d = np.array([0.0, 1.5, -1.5, 3.0, -0.5, 1.4999999])
    p = Tensor(d, requires_grad=True)
    nn.HuberLoss("sum", delta=1.5)(p, np.zeros(6)).backward()
    np.testing.assert_array_equal(p.grad, np.clip(d, -1.5, 1.5))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("pos_weight", [[0.5, 1.0, 3.0, 0.0], [2.0], 4.0])
def test_bce_with_logits_pos_weight_matches_pytorch(pos_weight, reduction, dtype) -> None:
    rng = np.random.default_rng(2)
    z = rng.normal(size=(5, 4)) * 4  # never exactly 0
    y = (rng.random((5, 4)) < 0.5).astype(np.float64)
    y[0] = [0.3, 0.7, 1.0, 0.0]  # soft targets too
    _against_torch(nn.BCEWithLogitsLoss(reduction, pos_weight=pos_weight),
                   lambda torch: torch.nn.BCEWithLogitsLoss(
                       reduction=reduction, pos_weight=torch.tensor(np.asarray(
                           pos_weight, dtype)).reshape(-1)),
                   z, y, dtype)


def test_pos_weight_one_is_the_unweighted_loss() -> None:
    z = Tensor(np.random.default_rng(3).normal(size=(4, 3)), requires_grad=True)
    y = np.random.default_rng(4).random((4, 3))
    a = nn.BCEWithLogitsLoss(pos_weight=[1.0, 1.0, 1.0])(z, y)
    b = nn.BCEWithLogitsLoss()(z, y)
    assert a.item() == pytest.approx(b.item(), rel=1e-15)


@pytest.mark.parametrize("loss", [nn.HuberLoss(delta=0.7), nn.SmoothL1Loss(beta=0.3),
                                  nn.SmoothL1Loss(beta=0.0),
                                  nn.BCEWithLogitsLoss(pos_weight=[2.0, 0.5, 1.0])], ids=repr)
def test_against_finite_differences_and_the_scalar_engine(loss) -> None:
    rng = np.random.default_rng(5)
    pred, target = rng.normal(size=(4, 3)), rng.random((4, 3))
    p = Tensor(pred, requires_grad=True)
    assert gradcheck(lambda p: loss(p, target), [p]).ok
    loss(p, target).backward()
    if isinstance(loss, nn.BCEWithLogitsLoss):  # the scalar engine takes one pos_weight
        loss = nn.BCEWithLogitsLoss(pos_weight=2.0)
        want = nn.BCEWithLogitsLoss(pos_weight=[2.0] * 3)
        p = Tensor(pred, requires_grad=True)
        want(p, target).backward()
    values = [Value(float(v)) for v in pred.ravel()]
    total = loss(values, target.ravel().tolist())
    total.backward()
    assert total.data == pytest.approx(float(loss(Tensor(pred), target).data), rel=1e-12)
    np.testing.assert_allclose([v.grad for v in values], p.grad.ravel(), rtol=1e-12)


@pytest.mark.parametrize("make, words", [
    (lambda: nn.HuberLoss(delta=0.0), "delta must be a finite number > 0"),
    (lambda: nn.SmoothL1Loss(beta=-1.0), "beta must be a finite number > 0"),
    (lambda: nn.BCEWithLogitsLoss(pos_weight=[1.0, -2.0]), "finite and >= 0"),
    (lambda: nn.BCEWithLogitsLoss(pos_weight=[1.0, 2.0])(Tensor(np.zeros((2, 3))),
                                                          np.zeros((2, 3))), "does not broadcast"),
    (lambda: nn.BCEWithLogitsLoss(pos_weight=[1.0, 2.0])([Value(0.5)], [1.0]),
     "one pos_weight"),
])
def test_bad_settings_are_refused(make, words) -> None:
    with pytest.raises(ValueError, match=words):
        make()
