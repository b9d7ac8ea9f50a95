# Every library of the runtime imported by one program, under the default
# memory limit; the test reads the peak memory from the response.
import matplotlib.pyplot
import networkx
import numpy
import pandas
import scipy.integrate
import scipy.optimize
import scipy.sparse.linalg
import sortedcontainers
import sympy

print("imported", len([matplotlib, networkx, numpy, pandas, scipy, sortedcontainers, sympy]))
