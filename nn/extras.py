"""Optional dependencies, imported only when a hand-over to PyTorch or ONNX is asked for.

`nn` imports without torch or onnx; the functions that need them call `require`,
which names the pip extra to install when the package is missing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

EXTRAS = {"torch": "torch", "onnx": "onnx", "onnxruntime": "onnx"}


def require(package: str, what: str) -> ModuleType:
    """Import `package`, or raise ImportError saying which chainrule extra brings it.

    `what` names the feature in the message ("nn.to_torch").
    """
    try:
        return importlib.import_module(package)
    except ImportError as error:
        extra = EXTRAS.get(package, package)
        raise ImportError(f"{what} needs the '{package}' package, which is not installed: "
                          f"pip install 'chainrule[{extra}]' ({error})") from None
