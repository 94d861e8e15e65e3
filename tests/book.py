"""The book's side of the parity tests: *Neural Networks from Scratch*, written from its math.

Nothing here is the book's code. The data recipe (spiral arms, chapter 3), the network
(chapter 10: 2 -> 64 ReLU -> 3, softmax with categorical cross-entropy, weights
0.01 * N(0, 1), zero biases) and the optimizers' update rules (chapter 10) are written
from the formulas in the text, in float32 as the book's runs are (its `nnfs.init()`
makes numpy's random normals and zeros float32 and seeds numpy's global generator
with 0).
"""

from __future__ import annotations

import numpy as np

F32 = np.float32
SAMPLES, CLASSES, HIDDEN = 100, 3, 64
EPS = 1e-7  # the book's epsilon for Adagrad, RMSprop, Adam, and its loss clipping


def spiral_and_weights() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The book's chapter-10 inputs: X (300, 2) float32, y (300,), W1 (2, 64), W2 (64, 3).

    Arm k: radius evenly spaced in [0, 1], angle 2.5 * (t + 0.2 N(0, 1)) with t evenly
    spaced in [4k, 4k + 4]; the point is r * (sin, cos) of the angle. The normals come
    from numpy's legacy generator seeded with 0, in the order the book draws them:
    the three arms, then W1, then W2.
    """
    draw = np.random.RandomState(0)
    X = np.zeros((SAMPLES * CLASSES, 2), F32)
    y = np.repeat(np.arange(CLASSES), SAMPLES)
    radius = np.linspace(0.0, 1.0, SAMPLES)
    for k in range(CLASSES):
        noise = draw.randn(SAMPLES).astype(F32) * 0.2
        angle = 2.5 * (np.linspace(4.0 * k, 4.0 * (k + 1), SAMPLES) + noise)
        X[k * SAMPLES:(k + 1) * SAMPLES] = np.stack(
            [radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    W1 = 0.01 * draw.randn(2, HIDDEN).astype(F32)
    W2 = 0.01 * draw.randn(HIDDEN, CLASSES).astype(F32)
    return X, y, W1, W2


class BookOptimizer:
    """One of the book's optimizers, its update written from chapter 10's equations.

    t counts updates from 0; lr_t = lr * 1 / (1 + decay * t) for all of them.
    SGD:      v = momentum * v - lr_t * g;  p = p + v   (v = -lr_t * g without momentum)
    Adagrad:  c = c + g^2;  p = p - lr_t * g / (sqrt(c) + eps)
    RMSprop:  c = rho * c + (1 - rho) * g^2;  p = p - lr_t * g / (sqrt(c) + eps)
    Adam:     m = b1 m + (1 - b1) g;  c = b2 c + (1 - b2) g^2;
              p = p - lr_t * (m / (1 - b1^(t+1))) / (sqrt(c / (1 - b2^(t+1))) + eps)
    """

    def __init__(self, kind: str, lr: float, decay: float = 0.0, momentum: float = 0.0,
                 rho: float = 0.9, beta1: float = 0.9, beta2: float = 0.999) -> None:
        self.kind, self.lr, self.decay, self.momentum = kind, lr, decay, momentum
        self.rho, self.beta1, self.beta2 = rho, beta1, beta2
        self.t = 0
        self.state: dict[int, dict[str, np.ndarray]] = {}

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Update every array of `params` in place from the matching gradient."""
        lr = self.lr * (1.0 / (1.0 + self.decay * self.t))
        for i, (p, g) in enumerate(zip(params, grads)):
            s = self.state.get(i)
            if s is None:
                s = self.state[i] = {"m": np.zeros_like(p), "c": np.zeros_like(p)}
            if self.kind == "SGD":
                if self.momentum:
                    s["m"] = self.momentum * s["m"] - lr * g
                    p += s["m"]
                else:
                    p += -lr * g
            elif self.kind == "Adagrad":
                s["c"] = s["c"] + g ** 2
                p += -lr * g / (np.sqrt(s["c"]) + EPS)
            elif self.kind == "RMSprop":
                s["c"] = self.rho * s["c"] + (1 - self.rho) * g ** 2
                p += -lr * g / (np.sqrt(s["c"]) + EPS)
            elif self.kind == "Adam":
                s["m"] = self.beta1 * s["m"] + (1 - self.beta1) * g
                s["c"] = self.beta2 * s["c"] + (1 - self.beta2) * g ** 2
                m_hat = s["m"] / (1 - self.beta1 ** (self.t + 1))
                c_hat = s["c"] / (1 - self.beta2 ** (self.t + 1))
                p += -lr * m_hat / (np.sqrt(c_hat) + EPS)
            else:
                raise ValueError(f"unknown optimizer {self.kind!r}")
        self.t += 1


def forward_backward(params: list[np.ndarray], X: np.ndarray,
                     y: np.ndarray) -> tuple[float, float, list[np.ndarray]]:
    """(loss, accuracy, gradients) of the chapter-10 network, from the chapter's math.

    z1 = X W1 + b1; h = max(z1, 0); z2 = h W2 + b2; p = softmax(z2);
    loss = mean(-log(clip(p[y], eps, 1 - eps))); the combined gradient dz2 = (p - Y) / N,
    then dW2 = h^T dz2, db2 = sum dz2, dz1 = dz2 W2^T * [z1 > 0], dW1 = X^T dz1, db1 = sum dz1.
    """
    W1, b1, W2, b2 = params
    n = len(X)
    z1 = X @ W1 + b1
    h = np.maximum(z1, 0)
    z2 = h @ W2 + b2
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = float(np.mean(-np.log(np.clip(p[np.arange(n), y], EPS, 1 - EPS))))
    accuracy = float(np.mean(np.argmax(p, axis=1) == y))
    dz2 = (p - np.eye(p.shape[1], dtype=p.dtype)[y]) / n
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    return loss, accuracy, [X.T @ dz1, dz1.sum(axis=0), h.T @ dz2, dz2.sum(axis=0)]
