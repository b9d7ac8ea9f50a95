package callback

import (
	"net"
	"net/http"
	"time"
)

// newClient builds the HTTP client of deliveries. Every connection it
// opens is checked by the policy on the address dialled; it follows no
// redirect (a 3xx is a failed attempt: a redirect would be a second,
// unchecked target) and uses no proxy from the environment (a proxy
// would dial for us, unchecked).
// Each request's context bounds it whole (Config.Timeout).
func newClient(p Policy, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{
		Timeout:        timeout,
		Resolver:       p.resolver,
		ControlContext: p.control,
	}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        90 * time.Second,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
