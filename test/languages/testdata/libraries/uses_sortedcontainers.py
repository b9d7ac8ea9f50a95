# An ordered multiset and an ordered map.
from sortedcontainers import SortedDict, SortedList

s = SortedList([5, 1, 4, 1, 3])
s.add(2)
print("list", list(s))
print("bisect", s.bisect_left(4), s.bisect_right(1))
d = SortedDict({"pear": 3, "apple": 1, "fig": 2})
print("keys", list(d.keys()))
print("peek", d.peekitem(-1))
