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
# # Backpropagation, with chainrule keeping the books
#
# Chapter 9 of *Neural Networks from Scratch* (Harrison Kinsley and Daniel Kukieła) works
# out backpropagation by hand: the derivatives of one neuron, of a layer, of softmax, of
# categorical cross-entropy, and the shortcut that merges the last two. This notebook
# walks the same road with chainrule. Instead of writing a `backward` method for every
# layer, we build each expression from chainrule's operations, call `.backward()`, and
# hold what comes out against the numbers printed in the book.
#
# Every one of those numbers is checked with an `assert`. The test suite runs this
# notebook from top to bottom, so if chainrule ever computed one of them differently,
# the build would fail. Run it yourself in Jupyter, or read it with its stored outputs.
#
# What you need: `pip install -e .` in a clone of chainrule, and Jupyter
# (`pip install jupyterlab`). No system Graphviz: the drawings are laid out by the
# `graphviz-pure` package that comes with chainrule.

# %%
import timeit

import matplotlib.pyplot as plt
import numpy as np

import nn
import visualize
from autograd import Tensor, Value, hessian, jacobian
from nn import functional as F

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. One neuron
#
# The book's first example is a single neuron with three inputs and a ReLU:
# y = max(0, x₀w₀ + x₁w₁ + x₂w₂ + b) with x = (1, −2, 3), w = (−3, −1, 2) and b = 1.
# Each number becomes a `Value`, a node of the graph;
# arithmetic on `Value`s records new nodes, and `backward()` visits them from the output
# back to the leaves, multiplying local derivatives as it goes.

# %%
x = [Value(v, label=f"x{i}") for i, v in enumerate([1.0, -2.0, 3.0])]
w = [Value(v, label=f"w{i}") for i, v in enumerate([-3.0, -1.0, 2.0])]
b = Value(1.0, label="b")

z = Value.sum([x[0] * w[0], x[1] * w[1], x[2] * w[2], b])  # one n-ary sum node
z.label = "z"
y = z.relu()
y.label = "y"
y.backward()

print("y       =", y.data)
print("dy/dw   =", [wi.grad for wi in w])
print("dy/dx   =", [xi.grad for xi in x])
print("dy/db   =", b.grad)

# %% [markdown]
# The sum inside is 6, positive, so the ReLU passes the gradient through unchanged
# (its local derivative is 1). Below it, the sum hands the same gradient to each of
# its terms, and a product xᵢwᵢ hands each factor the *other* factor. So the
# gradient with respect to a weight is its input, the gradient with respect to an input
# is its weight, and the bias gets 1, which is what the book finds.

# %%
assert y.data == 6.0
assert [wi.grad for wi in w] == [1.0, -2.0, 3.0]
assert [xi.grad for xi in x] == [-3.0, -1.0, 2.0]
assert b.grad == 1.0

# %% [markdown]
# `visualize.draw` shows the graph chainrule recorded. Each box holds a node's value
# (`data`) and its gradient (`grad`); with `show_local_grads=True` each edge is labelled
# with the local derivative that backpropagation multiplies by when it crosses it.

# %%
visualize.draw(y, show_local_grads=True)

# %% [markdown]
# `visualize.chain(y, leaf)` lists every path from a leaf up to the output with the
# product of the local derivatives along it. The chain rule says a leaf's gradient is
# the sum of those products. Here each weight has a single path:

# %%
paths = visualize.chain(y, w[0])
print(paths)
assert paths.total == w[0].grad == 1.0

# %% [markdown]
# The book then takes one small step downhill, to see the gradient do its job:
# subtract 0.001 times each gradient from the weights and the bias, and run the neuron
# again. The output drops from 6.0 to 5.985.

# %%
for p in [*w, b]:
    p.data -= 0.001 * p.grad
y_after = Value.sum([x[0] * w[0], x[1] * w[1], x[2] * w[2], b]).relu()
print(y_after.data)
assert abs(y_after.data - 5.985) < 1e-12

# %% [markdown]
# ## 2. A layer: one input, several paths
#
# In a layer, every input feeds every neuron, so an input reaches the output along
# several paths. The book's example has four inputs and three neurons and sends a
# gradient of 1 back from each neuron. Adding the three outputs does exactly that: an
# addition passes its gradient unchanged to every term.

# %%
layer_weights = [[0.2, 0.8, -0.5, 1.0],
                 [0.5, -0.91, 0.26, -0.5],
                 [-0.26, -0.27, 0.17, 0.87]]
layer_biases = [2.0, 3.0, 0.5]
inputs = [Value(v, label=f"x{j}") for j, v in enumerate([1.0, 2.0, 3.0, 2.5])]

neurons = []
for i, (row, bias) in enumerate(zip(layer_weights, layer_biases)):
    weights = [Value(v, label=f"w{i}{j}") for j, v in enumerate(row)]
    out = Value.sum([wj * xj for wj, xj in zip(weights, inputs)] + [Value(bias, label=f"b{i}")])
    out.label = f"n{i}"
    neurons.append(out)
total = Value.sum(neurons)
total.label = "total"
total.backward()

dinputs = [xi.grad for xi in inputs]
print("dtotal/dx =", np.array(dinputs))
assert np.allclose(dinputs, [0.44, -0.38, -0.07, 1.37], rtol=0, atol=1e-12)

# %% [markdown]
# Input x₀ is read by all three neurons, so it has three paths to the output, one
# through each neuron i, each with the product wᵢ₀ · 1 · 1. Their sum,
# 0.2 + 0.5 − 0.26 = 0.44, is x₀'s gradient:

# %%
paths = visualize.chain(total, inputs[0])
print(paths)
assert len(paths.paths) == 3 and abs(paths.total - inputs[0].grad) < 1e-15

# %%
visualize.draw(total, show_local_grads=True, highlight=paths)

# %% [markdown]
# The same graph in the interactive explorer: click a leaf (say `x0`) to light its
# paths and see their products add up, click any node for the chain-rule step that
# made its gradient, or press **Step ▶** to replay backpropagation one node at a time.
# (The explorer is a self-contained page in an `<iframe>`; code hosts that do not run
# scripts in notebooks show nothing here, the documentation site and Jupyter do.)

# %%
visualize.explore(total)

# %% [markdown]
# ## 3. The derivative of softmax
#
# Softmax turns a row of scores z into probabilities Sᵢ = exp(zᵢ) / Σₖ exp(zₖ).
# Every output depends on every input, so its derivative is a matrix, the Jacobian:
#
#     ∂Sᵢ/∂zₖ = Sᵢ (δᵢₖ − Sₖ) = Sᵢ δᵢₖ − Sᵢ Sₖ      (δᵢₖ is 1 when i = k, else 0)
#
# a diagonal matrix of the outputs minus the outer product of the outputs with
# themselves. The book evaluates it for the softmax output S = (0.7, 0.1, 0.2).
# We compute it four ways: from the formula, by backpropagating through chainrule's
# softmax composed of primitives (one backward pass per output), with
# `autograd.jacobian`, and through the fused softmax-cross-entropy op.

# %%
S = np.array([0.7, 0.1, 0.2])
BOOK_JACOBIAN = np.array([[0.21, -0.07, -0.14],
                          [-0.07, 0.09, -0.02],
                          [-0.14, -0.02, 0.16]])

by_formula = np.diagflat(S) - np.outer(S, S)
print(by_formula)
assert np.allclose(by_formula, BOOK_JACOBIAN, rtol=0, atol=1e-12)

# %% [markdown]
# For chainrule we need scores whose softmax is S: z = log S works, because S
# already sums to 1. Row i of the Jacobian is the gradient of output i, so one
# backward pass per output fills the matrix row by row:

# %%
logits = np.log(S)
rows = []
for i in range(3):
    z = Tensor(logits, requires_grad=True, label="z")
    s = F.softmax(z)
    s[i].backward()
    rows.append(z.grad)
by_backward = np.array(rows)
print(by_backward)
assert np.allclose(by_backward, BOOK_JACOBIAN, rtol=0, atol=1e-12)

# %% [markdown]
# This is the graph the first pass went through, drawn top to bottom: softmax composed
# of a shift by the maximum (held constant: it cancels, and it keeps `exp` from
# overflowing), `exp`, a sum, its reciprocal (`xⁿ (-1)`) and a product, then output 0
# picked out. The gradient that arrives at `z` is the Jacobian's first row.

# %%
z = Tensor(logits, requires_grad=True, label="z")
s0 = F.softmax(z)[0]
s0.label = "S[0]"
s0.backward()
assert np.allclose(z.grad, BOOK_JACOBIAN[0], rtol=0, atol=1e-12)
visualize.draw(s0, rankdir="TB")

# %% [markdown]
# `autograd.jacobian` runs the same backward passes for us:

# %%
by_jacobian = jacobian(F.softmax, logits)
print(by_jacobian)
assert np.allclose(by_jacobian, BOOK_JACOBIAN, rtol=0, atol=1e-12)

# %% [markdown]
# The fused op `F.cross_entropy(z, target, fused=True)` is a single node whose
# gradient is the closed form S − y (for one sample). chainrule can differentiate a
# gradient again (the backward pass itself is recorded as a graph), so the second
# derivative of the fused loss, its Hessian, is the derivative of S − y: the softmax
# Jacobian once more, whatever the target.

# %%
def fused_loss(z):
    return F.cross_entropy(z.reshape(1, 3), [0], fused=True)


by_fused = hessian(fused_loss, logits)
print(by_fused)
assert np.allclose(by_fused, BOOK_JACOBIAN, rtol=0, atol=1e-12)

# %% [markdown]
# ## 4. Cross-entropy, and the combined gradient
#
# Categorical cross-entropy compares predicted probabilities ŷ with one-hot
# targets y: L = −Σₖ yₖ log ŷₖ, which is minus the log of the
# probability given to the right class. Its derivative with respect to the predictions
# is ∂L/∂ŷₖ = −yₖ / ŷₖ. The book's batch has three
# samples, three classes and the targets 0, 1, 1:

# %%
softmax_outputs = np.array([[0.7, 0.1, 0.2],
                            [0.1, 0.5, 0.4],
                            [0.02, 0.9, 0.08]])
class_targets = np.array([0, 1, 1])
n = len(softmax_outputs)
one_hot = np.eye(3)[class_targets]

y_hat = Tensor(softmax_outputs, requires_grad=True, label="y_hat")
loss = -y_hat[np.arange(n), class_targets].log().mean()
loss.backward()
print("loss     =", loss.item())
print("dL/dy_hat =\n", y_hat.grad)
assert abs(loss.item() - 0.38506088005216804) < 1e-15  # the mean loss the book prints
assert np.allclose(y_hat.grad, -one_hot / softmax_outputs / n, rtol=1e-15, atol=0)

# %% [markdown]
# To reach the scores, each sample's gradient goes back through softmax: multiply it by
# that sample's Jacobian. Done that way, the book's "separate" path, it costs a 3×3
# matrix per sample. Multiplying out the two derivatives gives something much simpler,
# ∂L/∂z = ŷ − y (divided by N for the mean over the batch):
# the probabilities, minus 1 at the true class.

# %%
separate = np.array([(np.diagflat(s) - np.outer(s, s)) @ g
                     for s, g in zip(softmax_outputs, y_hat.grad)])
combined = (softmax_outputs - one_hot) / n
BOOK_COMBINED = np.array([[-0.1, 0.0333, 0.0667],
                          [0.0333, -0.1667, 0.1333],
                          [0.0067, -0.0333, 0.0267]])
print(combined)
assert np.allclose(separate, combined, rtol=0, atol=1e-15)
assert np.allclose(combined, BOOK_COMBINED, rtol=0, atol=5e-5)  # the book prints 4 decimals

# %% [markdown]
# chainrule has the loss both ways. `fused=False` builds it from primitives
# (log-softmax, picking the targets, a mean), and backpropagation goes through every one
# of them; `fused=True` is one node whose backward *is* the formula (ŷ − y) / N.
# Starting from the scores log ŷ, both give the book's gradient:

# %%
z_composed = Tensor(np.log(softmax_outputs), requires_grad=True, label="z")
z_fused = Tensor(np.log(softmax_outputs), requires_grad=True, label="z")
composed = F.cross_entropy(z_composed, class_targets, fused=False)
fused = F.cross_entropy(z_fused, class_targets, fused=True)
composed.backward()
fused.backward()
print(z_fused.grad)
assert np.allclose(z_composed.grad, combined, rtol=1e-12, atol=1e-15)
assert np.allclose(z_fused.grad, combined, rtol=1e-12, atol=1e-15)
assert abs(fused.item() - 0.38506088005216804) < 1e-15

# %% [markdown]
# `F.compare_gradients` runs both, and reports the loss, the largest gradient
# difference, each one's time and its number of graph nodes:

# %%
report = F.compare_gradients(Tensor(np.log(softmax_outputs)), class_targets)
print(report)
assert report.ok

# %% [markdown]
# And `visualize.compare` draws the two graphs, fused on top:

# %%
visualize.compare(fused, composed)

# %% [markdown]
# ## 5. What the shortcut saves
#
# The book times the two backward passes in plain numpy and finds the combined one
# about 6.9 times faster. Here is the same measurement, written afresh: the separate
# path builds each sample's Jacobian and multiplies, the combined one subtracts 1.
# The ratio depends on the machine, numpy's version and the batch, so it is printed,
# not asserted; what is asserted is that both give the same gradient.

# %%
def separate_backward(probs, targets):
    """Cross-entropy's gradient, then each sample's softmax Jacobian times it."""
    count = len(probs)
    dprobs = -np.eye(probs.shape[1])[targets] / probs / count
    dscores = np.empty_like(probs)
    for k, (s, g) in enumerate(zip(probs, dprobs)):
        dscores[k] = (np.diagflat(s) - np.outer(s, s)) @ g
    return dscores


def combined_backward(probs, targets):
    """(y_hat - y) / N: subtract 1 at each true class, divide by the batch size."""
    dscores = probs.copy()
    dscores[np.arange(len(probs)), targets] -= 1
    return dscores / len(probs)


assert np.allclose(separate_backward(softmax_outputs, class_targets),
                   combined_backward(softmax_outputs, class_targets), rtol=0, atol=1e-15)
t_separate = min(timeit.repeat(lambda: separate_backward(softmax_outputs, class_targets),
                               number=2000, repeat=5))
t_combined = min(timeit.repeat(lambda: combined_backward(softmax_outputs, class_targets),
                               number=2000, repeat=5))
print(f"separate: {t_separate / 2000 * 1e6:.1f} µs, combined: {t_combined / 2000 * 1e6:.1f} µs"
      f" -> combined is {t_separate / t_combined:.1f}x faster here (the book: about 6.9x)")

# %% [markdown]
# In chainrule the same comparison is fused against composed: the composed loss
# records a node for every primitive and backpropagates through each, the fused one
# records one node. On the book's 3×3 batch the report above already shows the
# difference; on a batch of 1,000 samples and 10 classes it looks like this (again
# machine-dependent; `benchmarks/softmax_ce.py` measures it properly):

# %%
rng = np.random.default_rng(0)
big_report = F.compare_gradients(Tensor(rng.standard_normal((1000, 10))),
                                 rng.integers(0, 10, 1000))
print(big_report)
assert big_report.ok

# %% [markdown]
# ## 6. Training on the spiral
#
# With the fused loss as the last step, a small network learns the book's spiral
# data set: three interleaved arms of 100 points each. `nn.fit` runs the loop (forward,
# loss, backward, optimizer step) and shows a progress bar with the loss and accuracy.
# The same run is `chainrule demo` on the command line.

# %%
X, labels = nn.data.spiral(100, 3, seed=0)
model = nn.Sequential(nn.Linear(2, 64, seed=0), nn.ReLU(), nn.Linear(64, 3, seed=1))
history = nn.fit(model, X, labels, nn.CrossEntropyLoss(fused=True),
                 nn.optim.Adam(model.parameters(), lr=0.02), epochs=1000)
print(f"loss {history.loss[-1]:.3f}, training accuracy {history.accuracy[-1]:.3f}")
assert history.accuracy[-1] > 0.95

# %% [markdown]
# The decision regions the network learned, and how the loss and accuracy went:

# %%
xx, yy = np.meshgrid(np.linspace(-1.2, 1.2, 240), np.linspace(-1.2, 1.2, 240))
grid_scores = model(Tensor(np.c_[xx.ravel(), yy.ravel()])).data
fig, (left, middle, right) = plt.subplots(1, 3, figsize=(13, 4))
colors = {"cmap": "tab10", "vmin": -0.5, "vmax": 9.5}  # class k has the k-th colour
left.contourf(xx, yy, grid_scores.argmax(axis=1).reshape(xx.shape),
              levels=[-0.5, 0.5, 1.5, 2.5], alpha=0.3, **colors)
left.scatter(X[:, 0], X[:, 1], c=labels, s=12, edgecolors="k", linewidths=0.3, **colors)
left.set_title("decision regions")
left.set_aspect("equal")
middle.plot(history.loss)
middle.set(title="loss (fused cross-entropy)", xlabel="epoch", yscale="log")
right.plot(history.accuracy)
right.set(title="training accuracy", xlabel="epoch", ylim=(0, 1))
fig.tight_layout()
plt.show()

# %% [markdown]
# Finally, the trained network's loss on one sample, in the explorer. The calls of
# `Linear`, `ReLU` and the loss start folded: click a box to open it, click a weight
# matrix to see its gradient as a heat map.

# %%
sample = slice(150, 151)  # one point of the second arm
one = F.cross_entropy(model(Tensor(X[sample], label="x")), labels[sample], fused=True)
one.label = "loss"
one.backward()
visualize.explore(one)

# %% [markdown]
# ## Where next
#
# * [Book parity](../book_parity.md): each class of the book and its chainrule
#   counterpart, and how to reproduce the book's optimizer runs (chapter 10).
# * [From micrograd to chainrule](from_micrograd.ipynb): micrograd's demo on chainrule,
#   then on the tensor engine.
# * The [API reference](../api/autograd.md) for everything used above.
