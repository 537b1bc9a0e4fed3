"""jets: forward-mode Taylor jets and hyper-dual numbers for numpy.

Seed variables with :func:`variable` / :func:`variables`, compute with
operators, numpy ufuncs and ``jets.<function>``, and read values, Taylor
coefficients and every partial derivative from the result.
"""

from . import linalg as _linalg  # noqa: F401  (fills np.linalg.*, einsum, ... for jets)
from . import numpy_api as _numpy_api  # noqa: F401  (fills the numpy registries)
from . import slots as _slots  # noqa: F401  (jets.stack keeps per-element variable sets)
from .api import (
    derivative,
    derivative_tensor,
    derivatives,
    directional,
    gradient,
    hessian,
    hvp,
    jacobian,
    laplacian,
    partial,
    partials,
    taylor,
    value_grad_hessian,
)
from .calculus import differentiate, evaluate, integrate, invert, truncate
from .functions import *  # noqa: F401,F403  (every elementary function, explicit)
from .functions import __all__ as _function_names
from .jet import Jet, constant, is_jet, variable, variables
from .jit import jit
from .numpy_api import concatenate, stack, where
from .ode import solve_ivp
from .program import define
from .rules import OneSidedWarning
from .space import JetSpace, space

__version__ = "0.1.0"

__all__ = [
    "Jet",
    "JetSpace",
    "space",
    "variable",
    "variables",
    "constant",
    "is_jet",
    "stack",
    "concatenate",
    "where",
    "define",
    "jit",
    "OneSidedWarning",
    "__version__",
    "derivative",
    "derivatives",
    "taylor",
    "partial",
    "partials",
    "gradient",
    "jacobian",
    "hessian",
    "derivative_tensor",
    "directional",
    "hvp",
    "laplacian",
    "value_grad_hessian",
    "evaluate",
    "differentiate",
    "integrate",
    "truncate",
    "invert",
    "solve_ivp",
    *sorted(_function_names),
]
