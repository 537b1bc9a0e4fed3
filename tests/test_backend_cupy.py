"""jets on cupy arrays (docs/backends.md): the path is the torch one, through
array-api-compat; it needs cupy and a CUDA device, which neither the
development machine nor CI has, so on them every test here is skipped with
that reason.  Where a GPU is present these are the checks to run."""

import numpy as np
import pytest

cupy = pytest.importorskip("cupy", reason="cupy is not installed (pip install 'jets[cupy]')")
pytest.importorskip("array_api_compat", reason="array-api-compat is not installed")
try:
    _HAS_GPU = cupy.cuda.runtime.getDeviceCount() > 0
except Exception:  # no driver or no device
    _HAS_GPU = False
pytestmark = pytest.mark.skipif(not _HAS_GPU, reason="cupy is installed but no CUDA device")

import jets  # noqa: E402


def f2(v):
    return jets.sin(v[0] * v[1]) + v[0] ** 3 + jets.exp(v[1]) / (1 + v[0] ** 2)


@pytest.mark.parametrize("name", ["gradient", "hessian", "laplacian"])
def test_api_on_cupy_matches_numpy(name):
    xn = np.array([[0.3, 0.7, -1.25], [0.1, 0.2, 2.0]])
    got = getattr(jets, name)(f2, cupy.asarray(xn))
    assert isinstance(got, cupy.ndarray) and got.dtype == cupy.float64
    np.testing.assert_allclose(cupy.asnumpy(got), getattr(jets, name)(f2, xn), rtol=1e-13)


def test_derivatives_on_cupy():
    xn = np.array([0.25, -0.5, 1.5])
    d = jets.derivatives(lambda t: jets.exp(2 * t), cupy.asarray(xn), 5)
    assert isinstance(d, cupy.ndarray)
    want = np.array([2.0**k * np.exp(2 * xn) for k in range(6)])
    np.testing.assert_allclose(cupy.asnumpy(d), want, rtol=1e-13)


def test_numpy_with_cupy_is_a_type_error():
    a = jets.variable(np.array([1.0, 2.0]), 2)
    b = jets.variable(cupy.asarray([1.0, 2.0]), 2)
    with pytest.raises(TypeError, match=r"numpy.*cupy|cupy.*numpy"):
        a + b
