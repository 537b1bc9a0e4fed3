"""Every elementary function of the rule table as an explicit ``jets.<name>``.

Generated from ``jets.rules.RULES`` by ``python docs/gen_functions.py``: do not
edit by hand (a test keeps it in sync).  Each function works on numbers, numpy
arrays and jets, elementwise over the batch, and goes through
``jets.jet.apply`` like the operators and ``np.<ufunc>(jet)`` do.
"""
from . import jet as _jet
from .rules import ALIASES as _ALIASES
from .rules import RULES as _RULES

__all__ = [
    'abs',
    'absolute',
    'acos',
    'acosh',
    'add',
    'arccos',
    'arccosh',
    'arcsin',
    'arcsinh',
    'arctan',
    'arctan2',
    'arctanh',
    'asin',
    'asinh',
    'atan',
    'atan2',
    'atanh',
    'cbrt',
    'ceil',
    'clip',
    'cos',
    'cosh',
    'cospi',
    'deg2rad',
    'degrees',
    'digamma',
    'divide',
    'ellipe',
    'ellipk',
    'erf',
    'erfc',
    'erfcx',
    'erfinv',
    'exp',
    'exp1',
    'exp2',
    'expi',
    'expit',
    'expm1',
    'fabs',
    'float_power',
    'floor',
    'gamma',
    'gammaln',
    'hypot',
    'iv',
    'jv',
    'kv',
    'lambertw',
    'lgamma',
    'log',
    'log10',
    'log1p',
    'log2',
    'logaddexp',
    'logaddexp2',
    'logit',
    'maximum',
    'minimum',
    'multiply',
    'negative',
    'polygamma',
    'positive',
    'pow',
    'power',
    'psi',
    'rad2deg',
    'radians',
    'reciprocal',
    'rint',
    'sigmoid',
    'sign',
    'sin',
    'sinc',
    'sinh',
    'sinpi',
    'sqrt',
    'square',
    'subtract',
    'tan',
    'tanh',
    'true_divide',
    'trunc',
    'yv',
]


def add(a, b, /):
    """add(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: a + b.
    """
    return _jet.apply('add', a, b)


def subtract(a, b, /):
    """subtract(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: a - b.
    """
    return _jet.apply('subtract', a, b)


def negative(a, /):
    """negative(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: -a.
    """
    return _jet.apply('negative', a)


def positive(a, /):
    """positive(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: +a.
    """
    return _jet.apply('positive', a)


def deg2rad(a, /):
    """deg2rad(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: a * pi / 180.
    """
    return _jet.apply('deg2rad', a)


radians = deg2rad


def rad2deg(a, /):
    """rad2deg(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: a * 180 / pi.
    """
    return _jet.apply('rad2deg', a)


degrees = rad2deg


def multiply(a, b, /):
    """multiply(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: C_d = sum_i A_i B_{d-i}.
    """
    return _jet.apply('multiply', a, b)


def divide(a, b, /):
    """divide(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: Q_d = (A_d - sum_{i>=1} B_i Q_{d-i}) / B_0.
    """
    return _jet.apply('divide', a, b)


true_divide = divide


def reciprocal(a, /):
    """reciprocal(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: 1 / a (quotient recurrence).
    """
    return _jet.apply('reciprocal', a)


def square(a, /):
    """square(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: a * a.
    """
    return _jet.apply('square', a)


def power(a, b, /):
    """power(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: integer n: repeated squaring; real r: d A_0 P_d = sum_i ((r+1) i - d) A_i P_{d-i} (exact zeros below the order of vanishing at a zero value); jet exponent: exp(b log a).
    """
    return _jet.apply('power', a, b)


pow = power


float_power = power


def exp(a, /):
    """exp(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: d E_d = sum_i i A_i E_{d-i}.
    """
    return _jet.apply('exp', a)


def exp2(a, /):
    """exp2(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: exp(a ln 2), value np.exp2.
    """
    return _jet.apply('exp2', a)


def expm1(a, /):
    """expm1(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: d E_d = [DA (E + 1)]_d (E = exp(a) - 1), value np.expm1.
    """
    return _jet.apply('expm1', a)


def log(a, /):
    """log(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: d A_0 L_d = d A_d - sum_{i=1}^{d-1} (d-i) A_i L_{d-i}.
    """
    return _jet.apply('log', a)


def log2(a, /):
    """log2(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: log(a) / ln 2, value np.log2.
    """
    return _jet.apply('log2', a)


def log10(a, /):
    """log10(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: log(a) / ln 10, value np.log10.
    """
    return _jet.apply('log10', a)


def log1p(a, /):
    """log1p(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: log recurrence on 1 + a, value np.log1p.
    """
    return _jet.apply('log1p', a)


def logaddexp(a, b, /):
    """logaddexp(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: m + log(exp(a - m) + exp(b - m)), m = max of the values; value np.logaddexp.
    """
    return _jet.apply('logaddexp', a, b)


def logaddexp2(a, b, /):
    """logaddexp2(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: logaddexp(a ln 2, b ln 2) / ln 2; value np.logaddexp2.
    """
    return _jet.apply('logaddexp2', a, b)


def sqrt(a, /):
    """sqrt(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: power recurrence with r = 1/2, value np.sqrt.
    """
    return _jet.apply('sqrt', a)


def cbrt(a, /):
    """cbrt(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: power recurrence with r = 1/3, value np.cbrt.
    """
    return _jet.apply('cbrt', a)


def hypot(a, b, /):
    """hypot(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: d H_0 H_d = [A DA + B DB]_d - sum_{i=1}^{d-1} H_i (DH)_{d-i}, value np.hypot.
    """
    return _jet.apply('hypot', a, b)


def sin(a, /):
    """sin(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: d S_d = sum_i i A_i C_{d-i} (paired with cos).
    """
    return _jet.apply('sin', a)


def cos(a, /):
    """cos(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: d C_d = -sum_i i A_i S_{d-i} (paired with sin).
    """
    return _jet.apply('cos', a)


def tan(a, /):
    """tan(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: d T_d = sum_i i A_i W_{d-i}, W = 1 + T^2.
    """
    return _jet.apply('tan', a)


def arctan2(a, b, /):
    """arctan2(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: DF = (x Dy - y Dx) / h / h, h = hypot(x, y).
    """
    return _jet.apply('arctan2', a, b)


atan2 = arctan2


def arcsin(a, /):
    """arcsin(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: f' = (1 - a^2)^(-1/2).
    """
    return _jet.apply('arcsin', a)


asin = arcsin


def arccos(a, /):
    """arccos(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: f' = -(1 - a^2)^(-1/2).
    """
    return _jet.apply('arccos', a)


acos = arccos


def arctan(a, /):
    """arctan(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: f' = 1 / (1 + a^2).
    """
    return _jet.apply('arctan', a)


atan = arctan


def sinh(a, /):
    """sinh(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: d S_d = sum_i i A_i C_{d-i} (paired with cosh).
    """
    return _jet.apply('sinh', a)


def cosh(a, /):
    """cosh(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: d C_d = sum_i i A_i S_{d-i} (paired with sinh).
    """
    return _jet.apply('cosh', a)


def tanh(a, /):
    """tanh(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: d T_d = sum_i i A_i W_{d-i}, W = 1 - T^2 (W_0 = 1/cosh^2 a_0: no cancellation).
    """
    return _jet.apply('tanh', a)


def arcsinh(a, /):
    """arcsinh(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: f' = (1 + a^2)^(-1/2).
    """
    return _jet.apply('arcsinh', a)


asinh = arcsinh


def arccosh(a, /):
    """arccosh(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: f' = (a - 1)^(-1/2) (a + 1)^(-1/2).
    """
    return _jet.apply('arccosh', a)


acosh = arccosh


def arctanh(a, /):
    """arctanh(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: f' = 1 / (1 - a^2).
    """
    return _jet.apply('arctanh', a)


atanh = arctanh


def absolute(a, /):
    """absolute(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: sign(a_0) * a; at a_0 = 0 the side the series of a takes (the first nonzero degree); at a kink the branch a >= 0 (one-sided, OneSidedWarning).
    """
    return _jet.apply('absolute', a)


abs = absolute


fabs = absolute


def sign(a, /):
    """sign(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: value np.sign, higher coefficients 0; nan at a_0 = 0 (no side of 0 has the value 0).
    """
    return _jet.apply('sign', a)


def floor(a, /):
    """floor(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: value np.floor, higher coefficients 0; at a jump (a_0 an integer: 0 if the series of a keeps a above it, else nan).
    """
    return _jet.apply('floor', a)


def ceil(a, /):
    """ceil(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: value np.ceil, higher coefficients 0; at a jump (a_0 an integer: 0 if the series of a keeps a below it, else nan).
    """
    return _jet.apply('ceil', a)


def trunc(a, /):
    """trunc(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: value np.trunc, higher coefficients 0; at a jump (a_0 a nonzero integer: 0 if the series of a keeps a away from 0, else nan).
    """
    return _jet.apply('trunc', a)


def rint(a, /):
    """rint(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: value np.rint, higher coefficients 0; at a jump (a_0 a half-integer: 0 if the series of a keeps a on the side rounded to, else nan).
    """
    return _jet.apply('rint', a)


def maximum(a, b, /):
    """maximum(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: the larger argument; at a tie the side the series of a - b takes (the first nonzero degree); at a kink the first (the side a > b, OneSidedWarning).
    """
    return _jet.apply('maximum', a, b)


def minimum(a, b, /):
    """minimum(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: the smaller argument; at a tie the side the series of a - b takes (the first nonzero degree); at a kink the second (the side a > b, OneSidedWarning).
    """
    return _jet.apply('minimum', a, b)


def clip(a, b, c, /):
    """clip(a, b, c) on jets or plain arrays, elementwise over the batch.

    Coefficients: minimum(maximum(a, lo), hi), ties as there: at a kink a at lo, hi at hi.
    """
    return _jet.apply('clip', a, b, c)


def erf(a, /):
    """erf(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: f' = 2/sqrt(pi) exp(-a^2), value scipy erf. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('erf', a)


def erfc(a, /):
    """erfc(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: f' = -2/sqrt(pi) exp(-a^2), value scipy erfc. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('erfc', a)


def digamma(a, /):
    """digamma(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: sum_j psi^(j)(a_0)/j! (a - a_0)^j (polygamma) for a_0 >= 1/2; below, digamma(1 - a) - pi cot(pi a); complex: (-1)^(j+1) zeta(j+1, a_0) (shift + Euler-Maclaurin); value scipy digamma. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('digamma', a)


psi = digamma


def lgamma(a, /):
    """lgamma(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: f' = digamma(a), value scipy gammaln (loggamma on complex). Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('lgamma', a)


gammaln = lgamma


def gamma(a, /):
    """gamma(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: exp recurrence on lgamma(a), value scipy gamma (carries the sign). Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('gamma', a)


def sinpi(a, /):
    """sinpi(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: sin/cos recurrence on pi a, value with exact argument reduction (exact at integers and half-integers).
    """
    return _jet.apply('sinpi', a)


def cospi(a, /):
    """cospi(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: sin/cos recurrence on pi a, value with exact argument reduction (exact at integers and half-integers).
    """
    return _jet.apply('cospi', a)


def sinc(a, /):
    """sinc(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: composition; x c_j + c_{j-1} = s_j/pi (s_j: sin(pi x)'s), backwards for |a_0| < 5/2 (exact at 0), forwards beyond; value sinpi(a)/(pi a), 1 at 0.
    """
    return _jet.apply('sinc', a)


def expit(a, /):
    """expit(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: (1 + T)/2, T = tanh(a/2) by the tanh recurrence with W_0 = 2 expit(a) expit(-a) (no 1 - f cancellation); value scipy expit. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('expit', a)


sigmoid = expit


def logit(a, /):
    """logit(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: f' = 1 / (a (1 - a)), value scipy logit. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('logit', a)


def erfinv(a, /):
    """erfinv(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: composition; y' = sqrt(pi)/2 exp(y^2) as univariate recurrences; value scipy erfinv. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('erfinv', a)


def erfcx(a, /):
    """erfcx(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: composition; f' = 2 a f - 2/sqrt(pi): forwards for a_0 <= 1/2, the repeated integrals of erfc backwards (ratios) beyond; value scipy erfcx. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('erfcx', a)


def lambertw(a, /):
    """lambertw(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: composition; W e^W = a as univariate recurrences (W' = exp(-W)/(1 + W), valid at 0); value scipy lambertw, principal branch. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('lambertw', a)


def ellipk(a, /):
    """ellipk(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: composition; hypergeometric derivatives for m < 1/2, the paired recurrence of K' = (E - (1-m)K)/(2m(1-m)), E' = (E - K)/(2m) beyond; value scipy ellipk (parameter m). Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('ellipk', a)


def ellipe(a, /):
    """ellipe(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: composition; hypergeometric derivatives for m < 1/2, the paired recurrence of E' = (E - K)/(2m), K' = (E - (1-m)K)/(2m(1-m)) beyond; value scipy ellipe (parameter m). Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('ellipe', a)


def expi(a, /):
    """expi(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: f' = exp(a) / a, value scipy expi. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('expi', a)


def exp1(a, /):
    """exp1(a) on jets or plain arrays, elementwise over the batch.

    Coefficients: f' = -exp(-a) / a, value scipy exp1. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('exp1', a)


def polygamma(a, b, /):
    """polygamma(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: composition; sum_j psi^(n+j)(a_0)/j! (a - a_0)^j (n plain); value scipy polygamma. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('polygamma', a, b)


def jv(a, b, /):
    """jv(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: composition; J_v^(j)/j! = sum_i (-1)^i C(j,i) J_{v-j+2i}(a_0) / (2^j j!); value scipy jv. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('jv', a, b)


def yv(a, b, /):
    """yv(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: composition; Y_v^(j)/j! = sum_i (-1)^i C(j,i) Y_{v-j+2i}(a_0) / (2^j j!); value scipy yv. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('yv', a, b)


def iv(a, b, /):
    """iv(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: composition; I_v^(j)/j! = sum_i C(j,i) I_{v-j+2i}(a_0) / (2^j j!); value scipy iv. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('iv', a, b)


def kv(a, b, /):
    """kv(a, b) on jets or plain arrays, elementwise over the batch.

    Coefficients: composition; K_v^(j)/j! = (-1)^j sum_i C(j,i) K_{v-j+2i}(a_0) / (2^j j!); value scipy kv. Needs scipy (pip install 'jets[special]').
    """
    return _jet.apply('kv', a, b)



def _missing(name):
    def f(*args):
        return _jet.apply(name, *args)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"{name} on jets or plain arrays (run python docs/gen_functions.py)."
    return f


# a rule added to the table after this file was generated still reaches
# jets.<name> (the sync test says to regenerate)
for _name in list(_RULES) + list(_ALIASES):
    if _name not in globals():
        globals()[_name] = _missing(_ALIASES.get(_name, _name))
        __all__.append(_name)

#: name -> public function, for every rule and alias
FUNCTIONS = {_name: globals()[_name] for _name in list(_RULES) + list(_ALIASES)}
