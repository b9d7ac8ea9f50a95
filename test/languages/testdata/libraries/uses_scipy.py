# Quadrature, a root and a sparse solve.
import math

from scipy import integrate, optimize, sparse
from scipy.sparse import linalg

value, _ = integrate.quad(lambda x: math.exp(-x * x), -math.inf, math.inf)
print("gauss", f"{value:.10f}", f"{math.sqrt(math.pi):.10f}")
root = optimize.brentq(lambda x: x * x - 2, 0, 2)
print("sqrt2", f"{root:.10f}")
m = sparse.csr_matrix([[4.0, 1.0], [1.0, 3.0]])
print("sparse", " ".join(f"{v:.6f}" for v in linalg.spsolve(m, [1.0, 2.0])))
