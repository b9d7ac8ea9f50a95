# A plot saved as a PNG into the work directory, then read back: its size
# and signature prove the file was written (the API returns no files).
import os

import matplotlib
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
ax.plot([0, 1, 2, 3], [0, 1, 4, 9], marker="o")
ax.set_title("squares")
fig.savefig("plot.png")
with open("plot.png", "rb") as f:
    head = f.read(8)
print("backend", matplotlib.get_backend())
print("signature", head == b"\x89PNG\r\n\x1a\n")
print("width height", fig.get_size_inches() * fig.dpi)
print("size", os.path.getsize("plot.png"))
