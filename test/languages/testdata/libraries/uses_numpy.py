# A linear system and a matrix product: numpy's LAPACK and BLAS. OpenBLAS
# must not start a thread per CPU (the runtime sets OPENBLAS_NUM_THREADS=1):
# the process's threads are counted after a product large enough to use them.
import numpy as np

a = np.array([[3.0, 1.0], [1.0, 2.0]])
b = np.array([9.0, 8.0])
x = np.linalg.solve(a, b)
print("solve", " ".join(f"{v:.6f}" for v in x))
m = np.arange(1, 10).reshape(3, 3)
print("trace", int(np.trace(m @ m)))
print("det", round(float(np.linalg.det(np.array([[2.0, 0.0], [1.0, 4.0]]))), 6))
big = np.ones((400, 400))
print("product", float((big @ big)[0, 0]))
with open("/proc/self/status") as f:
    threads = [line.split()[1] for line in f if line.startswith("Threads:")]
print("threads", threads[0])
