# Shortest path and a minimum spanning tree.
import networkx as nx

g = nx.Graph()
g.add_weighted_edges_from([("a", "b", 4), ("a", "c", 1), ("c", "b", 2), ("b", "d", 5), ("c", "d", 8)])
print("path", nx.shortest_path(g, "a", "d", weight="weight"))
print("length", nx.shortest_path_length(g, "a", "d", weight="weight"))
mst = nx.minimum_spanning_tree(g)
print("mst", sum(w for _, _, w in mst.edges(data="weight")))
