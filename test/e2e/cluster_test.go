package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// TestClusterSingleNode: a server that runs its jobs itself shows itself
// as the cluster's one worker, with its runtimes and slots.
func TestClusterSingleNode(t *testing.T) {
	code, _, body := testserver.Do(t, srv, "GET", "/api/v1/cluster", nil)
	var c struct {
		Workers []struct {
			ID, Host string
			Runtimes []string
			Slots    int
		}
		Slots int
	}
	if err := json.Unmarshal(body, &c); code != http.StatusOK || err != nil {
		t.Fatalf("GET /api/v1/cluster: %d %s (%v)", code, body, err)
	}
	if len(c.Workers) != 1 || c.Slots != 2 || c.Workers[0].Slots != 2 || c.Workers[0].ID == "" ||
		!slices.Contains(c.Workers[0].Runtimes, "python3") {
		t.Fatalf("GET /api/v1/cluster: %s, want this server alone with its 2 slots and python3", body)
	}
}
