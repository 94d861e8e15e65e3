# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # From micrograd to chainrule
#
# chainrule's scalar engine keeps micrograd's names: `Value` with `.data`, `.grad`,
# `.backward()`, `relu()`, and `Neuron`, `Layer`, `MLP(nin, [nouts...])` with
# `parameters()` and `zero_grad()`. So micrograd code runs on chainrule once its imports
# point at chainrule. This notebook shows it twice, with micrograd's own code: the
# example from its README, then its demo notebook (a 2-16-16-1 network learning the
# two-moons data with a max-margin loss). Only the import lines change; cells that
# chainrule adds are marked *added*.
#
# Then the same network moves to chainrule's `Tensor` engine, where a layer is one
# matrix product instead of hundreds of scalar nodes, and we time both.
#
# The micrograd code below is Andrej Karpathy's, from
# [github.com/karpathy/micrograd](https://github.com/karpathy/micrograd) (MIT licence,
# © 2020 Andrej Karpathy), reproduced here to show that it runs unchanged.

# %% [markdown]
# ## micrograd's README example
#
# The one change: `from micrograd.engine import Value` becomes `from autograd import Value`.

# %%
from autograd import Value

a = Value(-4.0)
b = Value(2.0)
c = a + b
d = a * b + b**3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g += 10.0 / f
print(f'{g.data:.4f}') # prints 24.7041, the outcome of this forward pass
g.backward()
print(f'{a.grad:.4f}') # prints 138.8338, i.e. the numerical value of dg/da
print(f'{b.grad:.4f}') # prints 645.5773, i.e. the numerical value of dg/db

# %% [markdown]
# *Added*: the three numbers micrograd's README promises.

# %%
assert f'{g.data:.4f}' == '24.7041'
assert f'{a.grad:.4f}' == '138.8338'
assert f'{b.grad:.4f}' == '645.5773'

# %% [markdown]
# ## micrograd's demo
#
# The demo's cells follow, as in micrograd's `demo.ipynb`. Changed: the two micrograd
# imports, and the data set's import. micrograd's demo draws the moons with
# scikit-learn, which chainrule does not depend on; `nn.data.moons` draws the same kind
# of data (two interleaved half circles with Gaussian noise, its own random numbers),
# and a one-line `make_moons` gives it scikit-learn's call signature. chainrule's `MLP`
# also draws its own initial weights (uniform in [-1, 1), as micrograd's, from a
# generator seeded by Python's `random`), so the numbers differ from micrograd's run,
# not the story.

# %%
import random
import numpy as np
import matplotlib.pyplot as plt
# %matplotlib inline

# %%
from autograd import Value          # was: from micrograd.engine import Value
from nn import Neuron, Layer, MLP   # was: from micrograd.nn import Neuron, Layer, MLP

# %%
np.random.seed(1337)
random.seed(1337)

# %%
# make up a dataset

from nn.data import moons  # was: from sklearn.datasets import make_moons, make_blobs
make_moons = lambda n_samples, noise: moons(n_samples, noise, seed=1337)  # sklearn's signature
X, y = make_moons(n_samples=100, noise=0.1)

y = y*2 - 1 # make y be -1 or 1
# visualize in 2D
plt.figure(figsize=(5,5))
plt.scatter(X[:,0], X[:,1], c=y, s=20, cmap='jet')

# %%
# initialize a model 
model = MLP(2, [16, 16, 1]) # 2-layer neural network
print(model)
print("number of parameters", len(model.parameters()))

# %% [markdown]
# *Added*: the same parameter count as micrograd's demo, and a copy of the starting
# weights for the `Tensor` engine below.

# %%
assert len(model.parameters()) == 337


def layer_arrays(mlp):
    """[(W, b)] per layer: W (inputs, outputs) from each neuron's weights, b its biases."""
    return [(np.array([[w.data for w in neuron.w] for neuron in layer.neurons]).T,
             np.array([neuron.b.data for neuron in layer.neurons]))
            for layer in mlp.layers]


starting_weights = layer_arrays(model)


# %%
# loss function
def loss(batch_size=None):
    
    # inline DataLoader :)
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]
    
    # forward the model to get scores
    scores = list(map(model, inputs))
    
    # svm "max-margin" loss
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    
    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)

total_loss, acc = loss()
print(total_loss, acc)

# %% [markdown]
# *Added*: start a clock for the training loop.

# %%
import time

start = time.perf_counter()

# %%
# optimization
for k in range(100):
    
    # forward
    total_loss, acc = loss()
    
    # backward
    model.zero_grad()
    total_loss.backward()
    
    # update (sgd)
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    
    if k % 1 == 0:
        print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")


# %% [markdown]
# *Added*: stop the clock; the network separates the moons as it does in micrograd's demo.

# %%
value_seconds = time.perf_counter() - start
value_loss, value_accuracy = total_loss.data, acc
print(f"Value engine: {value_seconds:.2f} s for 100 steps ({value_seconds * 10:.0f} ms a step)")
assert value_accuracy >= 0.95

# %%
# visualize decision boundary

h = 0.25
x_min, x_max = X[:, 0].min() - 1, X[:, 0].max() + 1
y_min, y_max = X[:, 1].min() - 1, X[:, 1].max() + 1
xx, yy = np.meshgrid(np.arange(x_min, x_max, h),
                     np.arange(y_min, y_max, h))
Xmesh = np.c_[xx.ravel(), yy.ravel()]
inputs = [list(map(Value, xrow)) for xrow in Xmesh]
scores = list(map(model, inputs))
Z = np.array([s.data > 0 for s in scores])
Z = Z.reshape(xx.shape)

fig = plt.figure()
plt.contourf(xx, yy, Z, cmap=plt.cm.Spectral, alpha=0.8)
plt.scatter(X[:, 0], X[:, 1], c=y, s=40, cmap=plt.cm.Spectral)
plt.xlim(xx.min(), xx.max())
plt.ylim(yy.min(), yy.max())

# %% [markdown]
# ## The same network on the `Tensor` engine
#
# Every multiply-add above is a `Value` node, so one step over the 100 points records
# tens of thousands of nodes (counted below), and backpropagation visits each.
# chainrule's `Tensor` engine holds a whole array per node, so a layer over the whole
# batch is one `linear` node (`x @ W + b`), and the step has a few dozen nodes. Below,
# the network starts from
# the same weights and takes the same 100 steps with the same loss and learning-rate
# schedule, written with `Tensor`s. The two runs compute the same numbers in a
# different order, so they agree to rounding.

# %%
import nn
from autograd import Tensor, topological_order


def tensor_mlp(layers):
    """nn.Sequential of Linear layers holding the given (W, b), ReLU between them."""
    modules = []
    for index, (weight, bias) in enumerate(layers):
        linear = nn.Linear(*weight.shape)
        linear.weight.data[...] = weight
        linear.bias.data[...] = bias
        modules += [linear] if index == len(layers) - 1 else [linear, nn.ReLU()]
    return nn.Sequential(*modules)


net = tensor_mlp(starting_weights)
inputs, targets = Tensor(X), y.reshape(-1, 1).astype(float)


def tensor_loss():
    scores = net(inputs)                                  # (100, 1)
    data_loss = (1 - targets * scores).relu().mean()      # the max-margin loss
    reg_loss = 1e-4 * sum((p * p).sum() for p in net.parameters())
    accuracy = ((targets > 0) == (scores.data > 0)).mean()
    return data_loss + reg_loss, accuracy


tensor_losses = []
start = time.perf_counter()
for k in range(100):
    total, accuracy = tensor_loss()
    net.zero_grad()
    total.backward()
    for p in net.parameters():
        p.data -= (1.0 - 0.9 * k / 100) * p.grad
    tensor_losses.append(total.item())
tensor_seconds = time.perf_counter() - start

value_nodes, tensor_nodes = len(topological_order(total_loss)), len(topological_order(total))
print(f"Value engine:  {value_seconds * 10:7.2f} ms a step, {value_nodes:6d} nodes")
print(f"Tensor engine: {tensor_seconds * 10:7.2f} ms a step, {tensor_nodes:6d} nodes "
      f"({value_seconds / tensor_seconds:.0f}x faster here; it depends on the machine)")
print(f"last loss: Value {value_loss:.12f}, Tensor {tensor_losses[-1]:.12f}; "
      f"accuracy {value_accuracy:.2f} and {accuracy:.2f}")

# %% [markdown]
# The last step's loss and the trained weights are the Value run's:

# %%
assert abs(tensor_losses[-1] - value_loss) <= 1e-9 * value_loss
for (w_value, b_value), layer in zip(layer_arrays(model), [m for m in net if m.parameters()]):
    assert np.allclose(layer.weight.data, w_value, rtol=1e-9, atol=1e-12)
    assert np.allclose(layer.bias.data, b_value, rtol=1e-9, atol=1e-12)

# %% [markdown]
# The decision boundary, now from one forward pass over the whole grid:

# %%
Z_tensor = (net(Tensor(Xmesh)).data > 0).reshape(xx.shape)
fig = plt.figure()
plt.contourf(xx, yy, Z_tensor, cmap=plt.cm.Spectral, alpha=0.8)
plt.scatter(X[:, 0], X[:, 1], c=y, s=40, cmap=plt.cm.Spectral)
plt.xlim(xx.min(), xx.max())
plt.ylim(yy.min(), yy.max())
assert (Z_tensor == Z).mean() > 0.99

# %% [markdown]
# ## What else changes
#
# | micrograd | chainrule |
# |---|---|
# | `from micrograd.engine import Value` | `from autograd import Value` |
# | `from micrograd.nn import Neuron, Layer, MLP` | `from nn import Neuron, Layer, MLP` |
# | `draw_dot(root)` (needs a system Graphviz) | `visualize.draw(root)`, no system Graphviz |
# | | `visualize.explore(root)`: click through the chain rule |
# | recursive `backward` (fails past ~1,000 levels) | iterative: a million levels deep |
# | the update written by hand | that, or `nn.optim.SGD(...)` and `nn.fit` |
# | scalars only | `Tensor` for arrays, with the same rules |
#
# Timings against micrograd itself are in the README's benchmark tables
# (`python benchmarks/scalar.py` runs micrograd's demo step on both).
