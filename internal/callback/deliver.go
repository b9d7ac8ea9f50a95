package callback

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

const (
	// ackTimeout bounds waiting for the server to confirm an ack.
	ackTimeout = 5 * time.Second
	// maxDrain is how much of an answer's body is read, so that its
	// connection can be reused; the body itself means nothing.
	maxDrain = 64 << 10
)

// handle makes one attempt at a queued callback and acks it (2xx),
// schedules the next attempt, or gives up after the last. The attempt
// outlives ctx (bounded by Timeout): a callback in hand is finished and
// acked rather than made again after a restart.
func (d *Deliverer) handle(ctx context.Context, msg jetstream.Msg) {
	h := msg.Headers()
	id := h.Get(jetstream.MsgIDHeader)
	t, err := checkTarget(id, Target{URL: h.Get(urlHeader), Method: h.Get(methodHeader)})
	if err != nil {
		// Not from Enqueue, which checks the same. The URL may hold a
		// secret: the reason only is logged.
		var te *TargetError
		if errors.As(err, &te) {
			err = errors.New(te.Reason)
		}
		d.cfg.Logger.Error("callback: not deliverable; dropped", "id", id, "url", redact(h.Get(urlHeader)), "err", err)
		_ = msg.TermWithReason("not deliverable")
		return
	}
	md, err := msg.Metadata()
	if err != nil {
		d.cfg.Logger.Warn("callback: no metadata; left for redelivery", "id", id, "err", err)
		return
	}
	attempt := int(md.NumDelivered)
	log := d.cfg.Logger.With("id", id, "url", redact(t.URL), "method", t.Method, "attempt", attempt)
	if attempt > d.cfg.Attempts {
		// The process died during the last attempt: JetStream's one
		// delivery more (MaxDeliver) is there to end it, not to send.
		log.Error("callback: given up; the server stopped during its last attempt")
		_ = msg.TermWithReason("attempts exhausted")
		return
	}
	start := time.Now()
	status, err := d.send(context.WithoutCancel(ctx), id, attempt, t, msg.Data())
	elapsed := time.Since(start).Round(time.Millisecond)
	// An ack, nak or term lost with the connection leaves the message
	// to be delivered again after AckWait.
	switch {
	case err == nil:
		log.Info("callback: delivered", "status", status, "elapsed", elapsed)
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
		defer cancel()
		if err := msg.DoubleAck(actx); err != nil {
			log.Warn("callback: delivered but not acked; it will be delivered again", "err", err)
		}
	case attempt >= d.cfg.Attempts:
		log.Error("callback: given up", "elapsed", elapsed, "err", err)
		_ = msg.TermWithReason("attempts exhausted")
	default:
		delay := backoff(d.cfg.Backoff, d.cfg.MaxBackoff, attempt)
		log.Warn("callback: attempt failed", "of", d.cfg.Attempts, "retry_in", delay, "elapsed", elapsed, "err", err)
		_ = msg.NakWithDelay(delay)
	}
}

// send makes one request; a status other than 2xx is an error.
func (d *Deliverer) send(ctx context.Context, id string, attempt int, t Target, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, t.Method, t.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("request: %w", unwrapURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(DeliveryHeader, id+"/"+strconv.Itoa(attempt))
	if len(d.cfg.Secret) > 0 {
		req.Header.Set(SignatureHeader, Sign(d.cfg.Secret, body))
	}
	resp, err := d.client.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return 0, fmt.Errorf("no answer within %v: %w", d.cfg.Timeout, unwrapURL(err))
		}
		return 0, unwrapURL(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// unwrapURL drops the *url.Error around err: it repeats the whole URL,
// query string included, which may hold a secret and is not logged.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// backoff is the wait after failed attempt n (from 1): base doubling,
// at most limit.
func backoff(base, limit time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// redact gives a URL fit for logs: without its query string and
// fragment, which may hold secrets.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}
