package engine

import "context"

// SlotLender lends a judge slots beyond the one it was admitted with, so
// that its tests run on several boxes at once when nobody else needs
// them. The admission gate puts one on a judge's context.
type SlotLender interface {
	// TryBorrow lends a slot now or says no; release gives it back and
	// must be called exactly once.
	TryBorrow() (release func(), ok bool)
}

type lenderKey struct{}

// WithLender returns a context whose judges may borrow slots from l.
func WithLender(ctx context.Context, l SlotLender) context.Context {
	return context.WithValue(ctx, lenderKey{}, l)
}

// LenderFrom returns the lender WithLender put on ctx. Without one, a
// judge runs one test at a time.
func LenderFrom(ctx context.Context) (SlotLender, bool) {
	l, ok := ctx.Value(lenderKey{}).(SlotLender)
	return l, ok && l != nil
}
