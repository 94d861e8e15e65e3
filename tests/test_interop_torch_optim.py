"""Training continues in PyTorch from where chainrule stopped, step for step.

The spiral network trains 100 steps in chainrule; then it continues 100 steps in
PyTorch (`to_torch` + `to_torch_optimizer`, which carries the optimizer's state over)
and 100 steps in chainrule from the same state: the losses agree at every step to 1e-9
relative in float64. Both continuations keep the optimizer's state (moments, Adam's
step count) rather than starting fresh ones: that is what "continue training" means,
and a fresh Adam would restart its bias correction, so the comparison covers the
state conversion as well.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nn  # noqa: E402
from autograd import Tensor, Value  # noqa: E402
from nn import functional as F  # noqa: E402, N812

X, Y = nn.data.spiral(100, 3, seed=0)


def spiral_model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(2, 64, seed=0), nn.ReLU(), nn.Linear(64, 3, seed=1))


def chainrule_step(model, optimizer) -> float:
    optimizer.zero_grad()
    loss = F.cross_entropy(model(Tensor(X)), Y, fused=True)
    loss.backward()
    optimizer.step()
    return loss.item()


def torch_step(module, optimizer) -> float:
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(module(torch.from_numpy(X)), torch.from_numpy(Y))
    loss.backward()
    optimizer.step()
    return loss.item()


def continue_both(model, optimizer, steps: int) -> tuple[list[float], list[float]]:
    module = nn.to_torch(model)
    torch_optimizer = nn.to_torch_optimizer(optimizer, model, module)
    theirs = [torch_step(module, torch_optimizer) for _ in range(steps)]
    ours = [chainrule_step(model, optimizer) for _ in range(steps)]
    return ours, theirs


OPTIMIZERS = {
    "Adam": lambda p: nn.optim.Adam(p, lr=0.02),
    "Adam, other betas": lambda p: nn.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6),
    "SGD with momentum": lambda p: nn.optim.SGD(p, lr=0.5, momentum=0.9),
    "SGD": lambda p: nn.optim.SGD(p, lr=0.5),
    "RMSprop": lambda p: nn.optim.RMSprop(p, lr=0.01, alpha=0.9),
    "Adagrad": lambda p: nn.optim.Adagrad(p, lr=0.5),
}


def test_the_spiral_network_continues_in_pytorch_step_by_step() -> None:
    model = spiral_model()
    optimizer = nn.optim.Adam(model.parameters(), lr=0.02)
    first = [chainrule_step(model, optimizer) for _ in range(100)]
    assert first[-1] < 0.8 * first[0]  # it has learned something: a real training state
    ours, theirs = continue_both(model, optimizer, 100)
    np.testing.assert_allclose(theirs, ours, rtol=1e-9, atol=0)
    assert ours[-1] < first[-1]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_continues_with_its_state(name) -> None:
    model = spiral_model()
    optimizer = OPTIMIZERS[name](model.parameters())
    for _ in range(20):
        chainrule_step(model, optimizer)
    ours, theirs = continue_both(model, optimizer, 20)
    np.testing.assert_allclose(theirs, ours, rtol=1e-9, atol=0)


def test_a_fresh_optimizer_has_no_state_and_its_hyper_parameters() -> None:
    model = spiral_model()
    optimizer = nn.optim.Adam(model, lr=0.03, betas=(0.85, 0.995), eps=1e-7)
    torch_optimizer = nn.to_torch_optimizer(optimizer, model, nn.to_torch(model))
    assert isinstance(torch_optimizer, torch.optim.Adam) and not torch_optimizer.state
    group = torch_optimizer.param_groups[0]
    assert (group["lr"], group["betas"], group["eps"]) == (0.03, (0.85, 0.995), 1e-7)
    ours, theirs = continue_both(model, optimizer, 10)
    np.testing.assert_allclose(theirs, ours, rtol=1e-9, atol=0)


def test_an_optimizer_over_some_parameters_hands_over_those() -> None:
    model = spiral_model()
    optimizer = nn.optim.SGD(model.layers[2].parameters(), lr=0.5, momentum=0.5)
    for _ in range(5):
        chainrule_step(model, optimizer)
    module = nn.to_torch(model)
    torch_optimizer = nn.to_torch_optimizer(optimizer, model, module)
    handed = {id(p) for group in torch_optimizer.param_groups for p in group["params"]}
    assert handed == {id(module[2].weight), id(module[2].bias)}
    ours, theirs = continue_both(model, optimizer, 5)
    np.testing.assert_allclose(theirs, ours, rtol=1e-9, atol=0)


def test_the_scalar_mlp_continues_in_pytorch() -> None:
    x, y = X[::15], Y[::15]  # 20 points: one Value per weight is slow
    mlp = nn.MLP(2, [6, 3], seed=0)
    optimizer = nn.optim.Adam(mlp.parameters(), lr=0.05)

    def step() -> float:
        optimizer.zero_grad()
        loss = F.cross_entropy([mlp(row) for row in x.tolist()], y, fused=True)
        loss.backward()
        optimizer.step()
        return loss.data

    for _ in range(5):
        step()
    module = nn.to_torch(mlp)
    torch_optimizer = nn.to_torch_optimizer(optimizer, mlp, module)
    theirs = []
    for _ in range(5):
        torch_optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(module(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        torch_optimizer.step()
        theirs.append(loss.item())
    ours = [step() for _ in range(5)]
    np.testing.assert_allclose(theirs, ours, rtol=1e-9, atol=0)


def test_what_cannot_be_handed_over_is_refused() -> None:
    model = spiral_model()
    module = nn.to_torch(model)
    with pytest.raises(ValueError, match="decay=0.01"):
        nn.to_torch_optimizer(nn.optim.SGD(model, lr=0.1, decay=0.01), model, module)
    with pytest.raises(ValueError, match="are not those of nn.to_torch"):
        nn.to_torch_optimizer(nn.optim.SGD(model, lr=0.1), model, torch.nn.Linear(2, 3))
    mlp = nn.MLP(2, [3, 2], seed=0)
    some = [mlp.layers[0].neurons[0].w[0]]  # one Value of a (3, 2) weight matrix
    with pytest.raises(ValueError, match="0.weight is built from parameters of which the "
                                         "optimizer updates only some"):
        nn.to_torch_optimizer(nn.optim.SGD(some, lr=0.1), mlp, nn.to_torch(mlp))
    with pytest.raises(ValueError, match="updates none of model's parameters"):
        nn.to_torch_optimizer(nn.optim.SGD([Value(1.0)], lr=0.1), mlp, nn.to_torch(mlp))

    class Custom(nn.optim.SGD):
        pass

    with pytest.raises(TypeError, match="no torch.optim counterpart for Custom"):
        nn.to_torch_optimizer(Custom(model, lr=0.1), model, module)
