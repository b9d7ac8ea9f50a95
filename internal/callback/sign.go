package callback

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Headers of a delivery request.
const (
	// SignatureHeader carries Sign(secret, body), only when a secret is set.
	SignatureHeader = "X-Coderacer-Signature"
	// DeliveryHeader carries "<id>/<attempt>" (attempt counts from 1): a
	// receiver deduplicates by its id part, which is the same on every
	// attempt.
	DeliveryHeader = "X-Coderacer-Delivery"
	// UserAgent is the User-Agent of every delivery request.
	UserAgent = "coderacer-callback"
)

const signaturePrefix = "sha256="

// Sign returns the signature header's value for body: "sha256=" and the
// lowercase hex of HMAC-SHA256(secret, body).
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return signaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether header is body's signature under secret, in
// time independent of where a wrong signature differs.
func Verify(secret, body []byte, header string) bool {
	hexSum, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}
