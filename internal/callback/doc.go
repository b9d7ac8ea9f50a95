// Package callback delivers finished submissions to the URL a client
// gave (callbackUrl, or Judge0's callback_url with PUT).
//
// What it guarantees:
//
//   - At least once. Enqueue puts a delivery on a JetStream work-queue
//     stream (file storage) before it returns; a delivery leaves the
//     stream only when the receiver answered 2xx, or after
//     Config.Attempts failed attempts, when it is given up and logged as
//     an error. Restarting the process or NATS loses nothing queued.
//     Failed attempts are retried with exponential backoff.
//   - Signed. With Config.Secret, every request carries SignatureHeader,
//     "sha256=" and the hex of HMAC-SHA256(secret, body), which Verify
//     checks. Without a secret no signature header is sent at all.
//   - Checked. Policy.CheckURL refuses, at submission, a URL whose host
//     resolves to an address that is not public (loopback, private,
//     link-local with the cloud metadata service, CGNAT, multicast,
//     reserved ...) unless Policy.Allow allows it. Delivery checks again
//     every address it dials, so DNS rebinding gains nothing; it
//     follows no redirect (a 3xx is a failed attempt) and uses no proxy
//     from the environment.
//
// What it does not:
//
//   - Exactly once. A receiver may get a submission twice (its 2xx lost,
//     the process stopped between the answer and the ack): it
//     deduplicates by the token in the body or by the first part of
//     DeliveryHeader, "<token>/<attempt>".
//   - Order. Deliveries arrive in any order, retries among them.
//   - Replay protection. The signature covers the body only; a receiver
//     that must refuse a replayed request keeps the tokens it has seen.
//
// Each attempt is logged (info when delivered, warn when failed, error
// when given up) with the id and the URL without its query string.
package callback
