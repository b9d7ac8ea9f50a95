# A group-by over a frame read from CSV text.
import io

import pandas as pd

csv = "city,year,sales\nParis,2023,10\nLyon,2023,4\nParis,2024,12\nLyon,2024,6\n"
df = pd.read_csv(io.StringIO(csv))
totals = df.groupby("city")["sales"].sum()
for city, total in totals.items():
    print(city, total)
print("mean", df["sales"].mean())
print("pivot", df.pivot(index="city", columns="year", values="sales").loc["Lyon", 2024])
