"""jets: forward-mode Taylor jets and hyper-dual numbers for numpy.

Seed variables with :func:`variable` / :func:`variables`, compute with
operators, numpy ufuncs and ``jets.<function>``, and read values, Taylor
coefficients and every partial derivative from the result.
"""
from .api import (derivative, derivative_tensor, derivatives, gradient, hessian, jacobian,
                  partial, partials, taylor)
from .jet import Jet, constant, is_jet, variable, variables
from .numpy_api import concatenate, stack, where
from .rules import FUNCTIONS as _FUNCTIONS
from .rules import OneSidedWarning
from .space import JetSpace, space

__version__ = "0.1.0"

globals().update(_FUNCTIONS)

__all__ = ["Jet", "JetSpace", "space", "variable", "variables", "constant", "is_jet",
           "stack", "concatenate", "where", "OneSidedWarning", "__version__",
           "derivative", "derivatives", "taylor", "partial", "partials", "gradient",
           "jacobian", "hessian", "derivative_tensor", *sorted(_FUNCTIONS)]
