package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/apikeys"
	"github.com/coderacer/coderacer/internal/store"
)

const submitBody = `{"language":"python3","entrypoint":"a.py","files":[{"name":"a.py","content":"hello"}]}`

func newSubmissionServer(subs *memSubmissions, cb Callbacks) (*Server, http.Handler) {
	srv := NewServer(&fakeJudge{}, Options{Logger: quietLogger(), Submissions: SubmissionOptions{Store: subs, Callbacks: cb, MaxWait: 2 * time.Second}})
	return srv, srv.Handler()
}

func tokenOf(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var v struct{ Token string }
	if err := json.Unmarshal([]byte(checkJSON(t, rec, http.StatusAccepted)), &v); err != nil || len(v.Token) != 36 {
		t.Fatalf("answer %s holds no token (%v)", rec.Body, err)
	}
	return v.Token
}

func viewFrom(t *testing.T, rec *httptest.ResponseRecorder, code int) submissionView {
	t.Helper()
	var v submissionView
	if err := json.Unmarshal([]byte(checkJSON(t, rec, code)), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSubmitQueuesThenRuns(t *testing.T) {
	subs := newMemSubmissions()
	srv, h := newSubmissionServer(subs, nil)
	token := tokenOf(t, do(t, h, "POST", "/api/v1/submissions", submitBody))
	v := viewFrom(t, do(t, h, "GET", "/api/v1/submissions/"+token, ""), 200)
	if v.Status != "queued" || string(v.Result) != "null" || v.Kind != "execute" {
		t.Fatalf("before it runs: %+v", v)
	}
	if err := subs.runAll(srv); err != nil {
		t.Fatal(err)
	}
	v = viewFrom(t, do(t, h, "GET", "/api/v1/submissions/"+token, ""), 200)
	var res struct{ Stdout, Status string }
	if err := json.Unmarshal(v.Result, &res); err != nil || v.Status != "done" || res.Stdout != "hello" {
		t.Fatalf("after it ran: %+v (result %s, %v)", v, v.Result, err)
	}
}

func TestSubmitJudgeKind(t *testing.T) {
	subs := newMemSubmissions()
	srv, h := newSubmissionServer(subs, nil)
	token := tokenOf(t, do(t, h, "POST", "/api/v1/submissions", judgeBody(`"kind":"judge","tests":[{"stdin":"1","expectedOutput":"1"}]`)))
	if err := subs.runAll(srv); err != nil {
		t.Fatal(err)
	}
	v := viewFrom(t, do(t, h, "GET", "/api/v1/submissions/"+token, ""), 200)
	var res struct{ Status string }
	if err := json.Unmarshal(v.Result, &res); err != nil || v.Kind != "judge" || res.Status != "AC" {
		t.Fatalf("judged: %+v (result %s)", v, v.Result)
	}
}

func TestSubmitWait(t *testing.T) {
	subs := newMemSubmissions()
	srv, h := newSubmissionServer(subs, nil)
	go func() {
		time.Sleep(50 * time.Millisecond)
		subs.runAll(srv)
	}()
	v := viewFrom(t, do(t, h, "POST", "/api/v1/submissions?wait=true", submitBody), 200)
	if v.Status != "done" {
		t.Fatalf("wait=true answered %+v", v)
	}
	// Nobody runs it: the wait bound answers the submission as it stands.
	srv2 := NewServer(&fakeJudge{}, Options{Logger: quietLogger(), Submissions: SubmissionOptions{Store: newMemSubmissions(), MaxWait: 30 * time.Millisecond}})
	v = viewFrom(t, do(t, srv2.Handler(), "POST", "/api/v1/submissions?wait=1", submitBody), 202)
	if v.Status != "queued" || v.Token == "" {
		t.Fatalf("past the wait bound: %+v", v)
	}
}

func TestSubmitRefusals(t *testing.T) {
	_, h := newSubmissionServer(newMemSubmissions(), nil)
	for _, c := range []struct {
		target, body string
		code         int
		want         string
	}{
		{"/api/v1/submissions", `{`, 400, "malformed JSON"},
		{"/api/v1/submissions", `[]`, 400, ""},
		{"/api/v1/submissions", `{"kind":"compile",` + submitBody[1:], 400, `kind must be "execute" or "judge"`},
		{"/api/v1/submissions", `{"kind":7,` + submitBody[1:], 400, "kind"},
		{"/api/v1/submissions", strings.Replace(submitBody, "python3", "cobol", 1), 400, `runtime "cobol" is unknown`},
		{"/api/v1/submissions", `{"language":"python3","files":[]}`, 400, ""},
		{"/api/v1/submissions", `{"kind":"judge",` + submitBody[1:], 400, "tests"},
		{"/api/v1/submissions?wait=maybe", submitBody, 400, `wait must be "true" or "false"`},
		{"/api/v1/submissions", `{"callbackUrl":"http://example.com/",` + submitBody[1:], 400, "callbacks are off"},
	} {
		msg := checkError(t, do(t, h, "POST", c.target, c.body), c.code)
		if !strings.Contains(msg, c.want) {
			t.Errorf("POST %s %s: message %q, want it to hold %q", c.target, c.body, msg, c.want)
		}
	}
	for _, target := range []string{"/api/v1/submissions/nope", "/api/v1/submissions/" + strings.Repeat("a", 300), "/api/v1/submissions/..%2f..%2fetc"} {
		checkError(t, do(t, h, "GET", target, ""), 404)
		checkError(t, do(t, h, "DELETE", target, ""), 404)
	}
	// Without a store the routes say so.
	off := newTestHandler(&fakeExec{})
	checkError(t, do(t, off, "POST", "/api/v1/submissions", submitBody), 501)
	checkError(t, do(t, off, "GET", "/api/v1/submissions/x", ""), 501)
}

func TestCancelSubmission(t *testing.T) {
	subs := newMemSubmissions()
	srv, h := newSubmissionServer(subs, nil)
	token := tokenOf(t, do(t, h, "POST", "/api/v1/submissions", submitBody))
	if v := viewFrom(t, do(t, h, "DELETE", "/api/v1/submissions/"+token, ""), 200); v.Status != "cancelled" {
		t.Fatalf("DELETE answered %+v", v)
	}
	checkError(t, do(t, h, "DELETE", "/api/v1/submissions/"+token, ""), 409)
	subs.runAll(srv)
	if v := viewFrom(t, do(t, h, "GET", "/api/v1/submissions/"+token, ""), 200); v.Status != "cancelled" || string(v.Result) != "null" {
		t.Fatalf("a cancelled submission ran: %+v", v)
	}
}

func TestSubmitBatch(t *testing.T) {
	subs := newMemSubmissions()
	srv, h := newSubmissionServer(subs, nil)
	bad := strings.Replace(submitBody, "python3", "cobol", 1)
	var items struct{ Submissions []batchItem }
	body := checkJSON(t, do(t, h, "POST", "/api/v1/submissions/batch", `{"submissions":[`+submitBody+`,`+bad+`,`+submitBody+`]}`), 202)
	if err := json.Unmarshal([]byte(body), &items); err != nil || len(items.Submissions) != 3 {
		t.Fatalf("batch answered %s", body)
	}
	a, b, c := items.Submissions[0], items.Submissions[1], items.Submissions[2]
	if a.Token == "" || c.Token == "" || b.Token != "" || b.Code != 400 || !strings.Contains(b.Error, "cobol") {
		t.Fatalf("batch items %+v", items.Submissions)
	}
	subs.runAll(srv)
	var views struct{ Submissions []submissionView }
	body = checkJSON(t, do(t, h, "GET", "/api/v1/submissions/batch?tokens="+c.Token+",unknown,"+a.Token, ""), 200)
	if err := json.Unmarshal([]byte(body), &views); err != nil || len(views.Submissions) != 3 {
		t.Fatalf("batch read answered %s", body)
	}
	got := views.Submissions
	if got[0].Token != c.Token || got[0].Status != "done" || got[1].Status != "unknown" || got[2].Token != a.Token {
		t.Fatalf("batch read out of order or wrong: %s", body)
	}
	checkError(t, do(t, h, "POST", "/api/v1/submissions/batch", `{"submissions":[]}`), 400)
	checkError(t, do(t, h, "POST", "/api/v1/submissions/batch", `{"submissions":[`+strings.Repeat(submitBody+",", 20)+submitBody+`]}`), 400)
	checkError(t, do(t, h, "GET", "/api/v1/submissions/batch", ""), 400)
	checkError(t, do(t, h, "GET", "/api/v1/submissions/batch?tokens="+strings.Repeat("a,", 25), ""), 400)
}

// recordingCallbacks refuses URLs holding "private" and records what it
// is asked to deliver.
type recordingCallbacks struct {
	mu        sync.Mutex
	delivered []string // id method url body
}

func (r *recordingCallbacks) Check(ctx context.Context, raw string) error {
	if strings.Contains(raw, "private") {
		return &submitError{400, "callback URL " + raw + " is private"}
	}
	return nil
}

func (r *recordingCallbacks) Deliver(ctx context.Context, id, url, method string, body []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.delivered = append(r.delivered, id+" "+method+" "+url+" "+string(body))
	return nil
}

func TestSubmissionCallback(t *testing.T) {
	subs := newMemSubmissions()
	cb := &recordingCallbacks{}
	srv, h := newSubmissionServer(subs, cb)
	msg := checkError(t, do(t, h, "POST", "/api/v1/submissions", `{"callbackUrl":"http://private/",`+submitBody[1:]), 400)
	if !strings.Contains(msg, "private") {
		t.Errorf("refused callback: %q", msg)
	}
	token := tokenOf(t, do(t, h, "POST", "/api/v1/submissions", `{"callbackUrl":"https://example.com/hook",`+submitBody[1:]))
	plain := tokenOf(t, do(t, h, "POST", "/api/v1/submissions", submitBody))
	if err := subs.runAll(srv); err != nil {
		t.Fatal(err)
	}
	if len(cb.delivered) != 1 {
		t.Fatalf("deliveries %q, want one (of %s, not of %s)", cb.delivered, token, plain)
	}
	id, rest, _ := strings.Cut(cb.delivered[0], " ")
	method, rest, _ := strings.Cut(rest, " ")
	url, body, _ := strings.Cut(rest, " ")
	var v submissionView
	if err := json.Unmarshal([]byte(body), &v); err != nil || id != token || method != "POST" || url != "https://example.com/hook" || v.Status != "done" || v.Token != token {
		t.Fatalf("delivery %q", cb.delivered[0])
	}
}

// keysOf is a KeyLookup of secret → name.
type keysOf map[string]string

func (k keysOf) Lookup(secret string) (*apikeys.Key, bool) {
	name, ok := k[secret]
	if !ok {
		return nil, false
	}
	return &apikeys.Key{Name: name}, true
}

func TestSubmissionOwnerOnly(t *testing.T) {
	subs := newMemSubmissions()
	srv := NewServer(&fakeJudge{}, Options{Logger: quietLogger(), Keys: keysOf{"s1": "alice", "s2": "bob"},
		Submissions: SubmissionOptions{Store: subs}})
	h := srv.Handler()
	as := func(secret, method, target, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	token := tokenOf(t, as("s1", "POST", "/api/v1/submissions", submitBody))
	viewFrom(t, as("s1", "GET", "/api/v1/submissions/"+token, ""), 200)
	checkError(t, as("s2", "GET", "/api/v1/submissions/"+token, ""), 404)
	checkError(t, as("s2", "DELETE", "/api/v1/submissions/"+token, ""), 404)
	var views struct{ Submissions []submissionView }
	json.Unmarshal([]byte(checkJSON(t, as("s2", "GET", "/api/v1/submissions/batch?tokens="+token, ""), 200)), &views)
	if views.Submissions[0].Status != "unknown" {
		t.Fatalf("bob reads alice's submission in a batch: %+v", views)
	}
	if v := viewFrom(t, as("s1", "DELETE", "/api/v1/submissions/"+token, ""), 200); v.Status != "cancelled" {
		t.Fatalf("alice cannot cancel her own: %+v", v)
	}
}

// TestSubmissionOtherDialect: the v1 routes do not show a Judge0
// submission, nor Judge0's routes a v1 one: each dialect's own shapes.
func TestSubmissionOtherDialect(t *testing.T) {
	subs := newMemSubmissions()
	_, h := newSubmissionServer(subs, nil)
	subs.Submit(context.Background(), "j0", []byte(`{}`), []byte(`{"kind":"judge0"}`))
	checkError(t, do(t, h, "GET", "/api/v1/submissions/j0", ""), 404)
	checkError(t, do(t, h, "DELETE", "/api/v1/submissions/j0", ""), 404)
	v1 := tokenOf(t, do(t, h, "POST", "/api/v1/submissions", submitBody))
	checkError(t, do(t, h, "GET", "/judge0/submissions/"+v1, ""), 404)
}

// blindWait is a store whose waits end, at their context's end, without
// having seen a state, as the store's Wait does when its watch had not
// yet delivered one.
type blindWait struct{ *memSubmissions }

func (b blindWait) Wait(ctx context.Context, id string) (store.State, error) {
	<-ctx.Done()
	return store.State{}, ctx.Err()
}

// TestSubmitWaitStoppedBlind: a shutdown that ends a ?wait=true before
// the wait saw the state answers the submission as it stands, token and
// status, never an empty state.
func TestSubmitWaitStoppedBlind(t *testing.T) {
	stopping := make(chan struct{})
	close(stopping)
	srv := NewServer(&fakeJudge{}, Options{Logger: quietLogger(), Submissions: SubmissionOptions{
		Store: blindWait{newMemSubmissions()}, MaxWait: time.Minute, Stopping: stopping}})
	v := viewFrom(t, do(t, srv.Handler(), "POST", "/api/v1/submissions?wait=true", submitBody), 202)
	if v.Status != "queued" || len(v.Token) != 36 {
		t.Fatalf("a wait ended by the shutdown: %+v", v)
	}
}
