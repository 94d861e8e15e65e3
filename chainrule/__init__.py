"""chainrule's command line: `chainrule demo|train|graph|check` (also `python -m chainrule`).

The only package that uses autograd, nn and visualize together; each command
lives in its own small module (`chainrule.cli_*`).
"""

__version__ = "0.1.0"
