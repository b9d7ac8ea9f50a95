package api

// The v1 WebSocket's follow session: a first message {"type": "follow",
// "token": ...} follows an asynchronous submission: a "status" message at
// once, then the "submission" message when it is over (docs/websocket.md).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/coder/websocket"

	"github.com/coderacer/coderacer/internal/store"
)

// v1CloseNotFound closes a follow of an unknown token (HTTP 404).
const v1CloseNotFound websocket.StatusCode = 4404

type followRequest struct {
	Token string `json:"token"`
}

// followStatus is the first message of a follow: where the submission is.
type followStatus struct {
	Type   string `json:"type"`
	Token  string `json:"token"`
	Status string `json:"status"`
}

// followDone is the last: the submission as GET gives it.
type followDone struct {
	Type string `json:"type"`
	submissionView
}

func (s *server) v1FollowSession(r *http.Request, ss *wsSession, msgs <-chan []byte, raw []byte, fail func(websocket.StatusCode, string)) {
	if s.opts.Submissions.Store == nil {
		ss.send(v1Error(errNoSubmissions))
		ss.close(v1CloseNotImplemented, "not implemented")
		return
	}
	var req followRequest
	if err := json.Unmarshal(raw, &req); err != nil || req.Token == "" {
		fail(v1CloseBadRequest, `a follow message is {"type": "follow", "token": "<token>"}`)
		return
	}
	st, meta, err := s.lookupSubmission(r.Context(), req.Token, v1Kinds...)
	if err != nil {
		s.followFailed(ss, req.Token, err, fail)
		return
	}
	ss.send(followStatus{Type: "status", Token: st.Token, Status: string(st.Status)})
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ss.startJob(cancel)
	done := make(chan error, 1)
	go func() {
		st, err = s.opts.Submissions.Store.Wait(ctx, req.Token)
		done <- err
	}()
	stopping := s.opts.Submissions.Stopping // nil: never
	for {
		select {
		case <-stopping:
			ss.send(v1Error("the server is shutting down; follow the submission again on its next start"))
			ss.close(websocket.StatusGoingAway, "server shutting down")
			cancel()
			<-done
			return
		case m, ok := <-msgs:
			if ok {
				fail(v1CloseBadRequest, "a follow takes no messages, not "+quoteType(messageType(m)))
			}
			msgs = nil
			cancel()
		case err := <-done:
			if err != nil {
				if ctx.Err() == nil {
					s.followFailed(ss, req.Token, err, fail)
				}
				return
			}
			ss.sendCounted(followDone{Type: "submission", submissionView: viewOf(st, meta)}, int64(len(st.Result))+256)
			ss.close(v1CloseDone, closeReason(v1CloseDone))
			return
		}
	}
}

// followFailed tells the client why its follow ended.
func (s *server) followFailed(ss *wsSession, token string, err error, fail func(websocket.StatusCode, string)) {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidID) {
		fail(v1CloseNotFound, fmt.Sprintf("no submission %q (unknown, or expired)", token))
		return
	}
	s.log.Error("following a submission", "token", token, "err", err)
	fail(v1CloseBusy, "submission store unavailable, retry later")
}

func messageType(raw []byte) string {
	var msg v1ClientMessage
	_ = decodeWSMessage(raw, &msg)
	return msg.Type
}
