package admission

import (
	"container/heap"
	"time"
)

// idleHeap orders idle clients with CPU debt by when their bucket is full
// again, so the gate can forget them without a timer.
type idleHeap struct{ items []idleItem }

type idleItem struct {
	cs *clientState
	at time.Time
}

// schedule puts cs on the heap to be looked at again at at.
func (h *idleHeap) schedule(cs *clientState, at time.Time) {
	if cs.idleAt >= 0 {
		h.items[cs.idleAt].at = at
		heap.Fix(h, cs.idleAt)
		return
	}
	heap.Push(h, idleItem{cs: cs, at: at})
}

// remove takes cs off the heap if it is there.
func (h *idleHeap) remove(cs *clientState) {
	if cs.idleAt >= 0 {
		heap.Remove(h, cs.idleAt)
	}
}

// popDue takes off the heap the first client due at now.
func (h *idleHeap) popDue(now time.Time) (*clientState, bool) {
	if len(h.items) == 0 || h.items[0].at.After(now) {
		return nil, false
	}
	return heap.Pop(h).(idleItem).cs, true
}

// heap.Interface; use the methods above.

func (h *idleHeap) Len() int           { return len(h.items) }
func (h *idleHeap) Less(i, j int) bool { return h.items[i].at.Before(h.items[j].at) }

func (h *idleHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].cs.idleAt = i
	h.items[j].cs.idleAt = j
}

func (h *idleHeap) Push(x any) {
	it := x.(idleItem)
	it.cs.idleAt = len(h.items)
	h.items = append(h.items, it)
}

func (h *idleHeap) Pop() any {
	n := len(h.items) - 1
	it := h.items[n]
	h.items[n] = idleItem{}
	h.items = h.items[:n]
	it.cs.idleAt = -1
	return it
}
