"""Networks built on autograd: modules, layers, losses, optimizers, data sets, training."""

from nn import data, functional, metrics, optim
from nn.activations import (
    CELU,
    ELU,
    GELU,
    SELU,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    ReLU6,
    SiLU,
    Softplus,
    Softsign,
)
from nn.conv import Conv2d
from nn.embedding import Embedding
from nn.huber import HuberLoss, SmoothL1Loss
from nn.layers import (
    Dropout,
    Flatten,
    Identity,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from nn.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    l1_penalty,
    l2_penalty,
)
from nn.module import Module, load, save
from nn.norm import BatchNorm1d, LayerNorm
from nn.onnx_export import export_onnx, to_onnx
from nn.pool import AvgPool2d, MaxPool2d
from nn.scalar import MLP, Layer, Neuron
from nn.to_torch import load_torch_state_dict, to_torch, torch_state_dict
from nn.torch_optim import to_torch_optimizer
from nn.train import History, fit

__all__ = [
    "Module", "save", "load", "Neuron", "Layer", "MLP", "Linear", "ReLU", "Tanh", "Sigmoid",
    "Softmax", "Dropout", "Sequential", "CrossEntropyLoss", "MSELoss", "L1Loss", "BCELoss",
    "BCEWithLogitsLoss", "l1_penalty", "l2_penalty", "functional", "optim", "data", "metrics",
    "fit", "History", "to_torch", "torch_state_dict", "load_torch_state_dict",
    "to_torch_optimizer", "export_onnx", "to_onnx", "Conv2d", "MaxPool2d", "AvgPool2d",
    "Flatten", "NLLLoss", "HuberLoss", "SmoothL1Loss", "LayerNorm", "BatchNorm1d", "Embedding",
    "LeakyReLU", "ELU", "CELU", "SELU", "SiLU", "GELU", "Softplus", "LogSigmoid", "Softsign",
    "Hardtanh", "ReLU6", "Identity",
]
