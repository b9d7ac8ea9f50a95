# Symbolic calculus and an exact solve.
import sympy as sp

x = sp.symbols("x")
print("diff", sp.diff(sp.sin(x) * x**2, x))
print("integrate", sp.integrate(sp.exp(-x**2), (x, -sp.oo, sp.oo)))
print("solve", sorted(sp.solve(x**2 - 5 * x + 6, x)))
print("factorint", sp.factorint(2**32 + 1))
