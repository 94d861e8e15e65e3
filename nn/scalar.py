"""The scalar-engine network: `Neuron`, `Layer`, `MLP` with micrograd's signatures.

Every weight is a `Value`, so every multiply-add of a forward pass is a node
you can draw. Weights start uniform in [-1, 1) and biases at 0, as in micrograd.
`seed` is an int or a `numpy.random.Generator`; with seed=None the weights come
from a generator seeded by Python's `random` module, so `random.seed(1337)` (as
in micrograd's demo) still makes a model reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from autograd import Value
from nn.module import Module

Seed = int | np.random.Generator | None


def _generator(seed: Seed) -> np.random.Generator:
    if seed is None:
        return np.random.default_rng(random.getrandbits(64))
    if isinstance(seed, np.random.Generator) or (isinstance(seed, int)
                                                  and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed: expected an int, a numpy.random.Generator or None, "
                    f"got {type(seed).__name__} {seed!r}")


def _check_width(name: str, n: object) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{name}: expected a positive int, got {n!r}")
    return n


class Neuron(Module):
    """relu(w . x + b) (or w . x + b with nonlin=False); x has `nin` floats or Values.

    The sum w . x + b is ONE n-ary `add_n` node. Calling a Neuron opens no scope:
    it is the hot path, and its nodes fold into the enclosing Layer's scope.
    """

    def __init__(self, nin: int, nonlin: bool = True, seed: Seed = None) -> None:
        _check_width("Neuron nin", nin)
        self.w = [Value(w) for w in _generator(seed).uniform(-1.0, 1.0, nin).tolist()]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def forward(self, x: Sequence[Value | float]) -> Value:
        """relu(sum_i w_i * x_i + b) for a sequence x of length nin."""
        w = self.w
        if len(x) != len(w):
            raise ValueError(f"Neuron({len(w)}): expected {len(w)} inputs, got {len(x)}")
        terms = Value.products(w, x)  # w_i * x_i, each a node
        terms.append(self.b)
        out = Value.sum(terms)
        return out.relu() if self.nonlin else out

    __call__ = forward

    def extra_repr(self) -> str:
        return f"{len(self.w)}, nonlin={self.nonlin}"


class Layer(Module):
    """`nout` neurons reading the same input: a list of nout Values.

    As in micrograd a layer with nout == 1 returns the bare Value; pass
    squeeze=False to always get a list (MLP does this for its hidden layers).
    """

    def __init__(self, nin: int, nout: int, nonlin: bool = True, seed: Seed = None,
                 squeeze: bool = True) -> None:
        _check_width("Layer nout", nout)
        rng = _generator(seed)  # one generator, so neurons differ
        self.neurons = [Neuron(nin, nonlin=nonlin, seed=rng) for _ in range(nout)]
        self.squeeze = squeeze

    def forward(self, x: Sequence[Value | float] | Value | float) -> Value | list[Value]:
        """[neuron(x) for each neuron]; a bare Value when nout == 1 and squeeze is on."""
        if isinstance(x, (Value, int, float)):
            x = (x,)  # the output of a squeezed width-1 layer
        # Numbers become leaf Values once here, not once per neuron inside w * x.
        x = [v if type(v) is Value else Value(v) for v in x]
        out = [neuron(x) for neuron in self.neurons]
        return out[0] if self.squeeze and len(out) == 1 else out

    def extra_repr(self) -> str:
        first = self.neurons[0]
        return f"{len(first.w)}, {len(self.neurons)}, nonlin={first.nonlin}"

    def __repr__(self) -> str:
        # 16 identical neuron lines would hide the shape: print one line per layer.
        return f"Layer({self.extra_repr()})"


class MLP(Module):
    """Layers nin -> nouts[0] -> ... -> nouts[-1]; relu between layers, the last is linear.

    Returns a bare Value when the last width is 1 (as micrograd), else a list.
    """

    def __init__(self, nin: int, nouts: Sequence[int], seed: Seed = None) -> None:
        if isinstance(nouts, int) or len(nouts) == 0:
            raise ValueError(f"MLP nouts: expected a non-empty list of widths, got {nouts!r}")
        rng = _generator(seed)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != last, seed=rng,
                             squeeze=i == last) for i in range(len(nouts))]

    def forward(self, x: Sequence[Value | float] | Value | float) -> Value | list[Value]:
        """The layers applied in order."""
        for layer in self.layers:
            x = layer(x)
        return x

    def extra_repr(self) -> str:
        widths = [len(self.layers[0].neurons[0].w)] + [len(lay.neurons) for lay in self.layers]
        return " -> ".join(map(str, widths))
