package admission

import "context"

// Client is whom a job is for: an API key's name, or the client's address
// when keys are off.
type Client struct {
	// Name is the identity: jobs of the same Name share caps and quota.
	Name string
	// MaxJobs is how many jobs of this client run at once; 0 (or less):
	// Options.MaxJobsPerClient.
	MaxJobs int
	// Languages are the languages (names or aliases) the client may use;
	// empty: all.
	Languages []string
	// CPU is the client's quota; zero: Options.CPU. A negative Rate means
	// no quota even when Options.CPU has one (for an operator's own key).
	CPU CPUQuota
}

// CPUQuota is a token bucket of CPU seconds: Rate seconds come back each
// second, up to Burst. A Rate of 0 (or less) means no quota; a Burst of 0
// (or less) means Rate, one second's worth.
type CPUQuota struct {
	Rate  float64
	Burst float64
}

// limited reports whether q restricts anything.
func (q CPUQuota) limited() bool { return q.Rate > 0 }

// normal is q with its Burst defaulted.
func (q CPUQuota) normal() CPUQuota {
	if q.Burst <= 0 {
		q.Burst = q.Rate
	}
	return q
}

type clientKey struct{}

// WithClient returns a context whose jobs are for c.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the client WithClient put on ctx. A job without a
// client is the anonymous client, whose Name is "".
func ClientFrom(ctx context.Context) (Client, bool) {
	c, ok := ctx.Value(clientKey{}).(Client)
	return c, ok
}
