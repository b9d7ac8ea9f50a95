package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/coder/websocket"
)

// The types of the server's messages on /api/v1/connect (Event.Type),
// docs/websocket.md.
const (
	EventRuntime    = "runtime"    // a sandbox was assigned: Language, Version
	EventStage      = "stage"      // a stage starts: Stage ("compile", "run")
	EventStdout     = "stdout"     // output as the program writes it: Stage, Data
	EventStderr     = "stderr"     // likewise
	EventExit       = "exit"       // a stage ended: Stage, Exit
	EventResult     = "result"     // the whole result: Result (a run) or JudgeResult (a judge)
	EventTest       = "test"       // a judge's test finished: Index, Test
	EventStatus     = "status"     // a followed submission's state: Token, Status
	EventSubmission = "submission" // a followed submission is over: Submission
)

// Event is one message of the server in a WebSocket session. Which
// fields are set depends on Type; Raw is the message as it came (a type
// this package does not know is returned too, with only Type and Raw).
type Event struct {
	Type              string
	Language, Version string
	Stage             string
	Data              string
	Exit              *Stage
	Result            *ExecuteResponse
	JudgeResult       *JudgeResponse
	Index             int
	Test              *JudgeTestResult
	Token, Status     string
	Submission        *Submission
	Raw               json.RawMessage
}

// sessionKind is what a session runs, which says how its result reads.
type sessionKind int

const (
	kindRun sessionKind = iota
	kindJudge
	kindFollow
)

// Session is one WebSocket session of /api/v1/connect: an interactive
// run (Connect), a judge (JudgeStream) or a followed submission (Follow).
// Next must be called from one goroutine at a time; Stdin, CloseStdin and
// Signal may be called beside it. Close ends the session (and the run, if
// it is not over): always call it.
type Session struct {
	conn    *websocket.Conn
	kind    sessionKind
	errMsg  string // the server's "error" message, told before its close
	over    bool   // the last message (result, submission) was read
	readErr error  // once reading failed, every Next returns it
}

// Connect starts an interactive run: it opens a WebSocket session and
// sends req as its execute message. req.Stdin is the start of the
// program's input, which stays open: send more with Stdin, end it with
// CloseStdin. Read the output and the result with Next (or Wait). ctx
// bounds the handshake only; each later call takes its own.
func (c *Client) Connect(ctx context.Context, req *ExecuteRequest) (*Session, error) {
	return c.open(ctx, kindRun, struct {
		Type string `json:"type"`
		*ExecuteRequest
	}{"execute", req})
}

// open dials /api/v1/connect and sends the session's first message.
func (c *Client) open(ctx context.Context, kind sessionKind, first any) (*Session, error) {
	data, err := json.Marshal(first)
	if err != nil {
		return nil, fmt.Errorf("client: encoding the request: %w", err)
	}
	conn, resp, err := websocket.Dial(ctx, c.endpoint("/api/v1/connect", nil), &websocket.DialOptions{
		HTTPClient: c.hc,
		HTTPHeader: c.header(),
	})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, responseError(resp)
		}
		return nil, err
	}
	conn.SetReadLimit(c.maxBody)
	s := &Session{conn: conn, kind: kind}
	if err := conn.Write(ctx, websocket.MessageText, data); err != nil {
		conn.CloseNow()
		return nil, err
	}
	return s, nil
}

// Stdin appends data to the program's standard input.
func (s *Session) Stdin(ctx context.Context, data string) error {
	return s.send(ctx, struct {
		Type string `json:"type"`
		Data string `json:"data"`
	}{"stdin", data})
}

// CloseStdin ends the program's input: it reads EOF after what was sent.
func (s *Session) CloseStdin(ctx context.Context) error {
	return s.send(ctx, struct {
		Type string `json:"type"`
	}{"stdinClose"})
}

// Signal sends the running program a signal by its Linux name ("SIGINT",
// "SIGTERM", "SIGKILL"...). One sent during the compile stage waits for
// the run stage.
func (s *Session) Signal(ctx context.Context, name string) error {
	return s.send(ctx, struct {
		Type   string `json:"type"`
		Signal string `json:"signal"`
	}{"signal", name})
}

func (s *Session) send(ctx context.Context, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.conn.Write(ctx, websocket.MessageText, data)
}

// Close ends the session: a run not over yet is stopped, its sandbox
// freed.
func (s *Session) Close() error {
	if s.over {
		return s.conn.Close(websocket.StatusNormalClosure, "")
	}
	// The server stops the job when its client leaves; no need to wait
	// for a close handshake it may answer late.
	return s.conn.CloseNow()
}

// Next returns the server's next message. After the last one (the
// result, or a followed submission), it returns io.EOF. A session the
// server ended with an error returns a *Error holding its message and
// close code.
func (s *Session) Next(ctx context.Context) (*Event, error) {
	if s.readErr != nil {
		return nil, s.readErr
	}
	if s.over {
		return nil, io.EOF
	}
	for {
		_, data, err := s.conn.Read(ctx)
		if err != nil {
			s.readErr = s.closeError(err)
			return nil, s.readErr
		}
		ev, err := s.decode(data)
		if err != nil {
			s.readErr = err
			s.conn.CloseNow()
			return nil, err
		}
		if ev != nil {
			return ev, nil
		}
	}
}

// Wait reads a run's messages until its result and returns it, the
// output it streamed dropped (the result holds it too).
func (s *Session) Wait(ctx context.Context) (*ExecuteResponse, error) {
	for {
		ev, err := s.Next(ctx)
		if err != nil {
			if err == io.EOF {
				err = errors.New("client: the session ended without a result")
			}
			return nil, err
		}
		if ev.Type == EventResult && ev.Result != nil {
			return ev.Result, nil
		}
	}
}

// closeError explains why reading ended: the server's close after an
// error message is a *Error, its status the HTTP one of the same failure.
func (s *Session) closeError(err error) error {
	code := websocket.CloseStatus(err)
	switch {
	case code == -1:
		return err
	case code == websocket.StatusNormalClosure && s.errMsg == "":
		return fmt.Errorf("client: the server closed the session before its result")
	}
	e := &Error{CloseCode: int(code), Message: s.errMsg}
	if code >= 4000 && code <= 4999 {
		e.StatusCode = int(code) - 4000
	}
	if e.Message == "" {
		var ce websocket.CloseError
		if errors.As(err, &ce) && ce.Reason != "" {
			e.Message = ce.Reason
		} else {
			e.Message = "the server closed the session"
		}
	}
	return e
}

// wireEvent holds the fields of the server's messages but the large ones.
type wireEvent struct {
	Type     string `json:"type"`
	Language string `json:"language"`
	Version  string `json:"version"`
	Stage    string `json:"stage"`
	Data     string `json:"data"`
	Error    string `json:"error"`
	Index    int    `json:"index"`
	Token    string `json:"token"`
	Status   string `json:"status"`
}

// decode reads one message; nil (and no error) for an error message,
// whose close is the error Next returns.
func (s *Session) decode(data []byte) (*Event, error) {
	var w wireEvent
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("client: a message of the server is not the JSON expected: %w", err)
	}
	ev := &Event{Type: w.Type, Language: w.Language, Version: w.Version, Stage: w.Stage,
		Data: w.Data, Index: w.Index, Token: w.Token, Status: w.Status, Raw: data}
	var err error
	switch w.Type {
	case "error":
		s.errMsg = strings.TrimSpace(w.Error)
		return nil, nil
	case EventExit:
		ev.Exit = new(Stage)
		err = json.Unmarshal(data, ev.Exit)
	case EventTest:
		ev.Test = new(JudgeTestResult)
		err = json.Unmarshal(data, ev.Test)
	case EventResult:
		err = s.decodeResult(ev, data)
		s.over = true
	case EventSubmission:
		ev.Submission = new(Submission)
		err = json.Unmarshal(data, ev.Submission)
		s.over = true
	}
	if err != nil {
		return nil, fmt.Errorf("client: the server's %q message: %w", w.Type, err)
	}
	return ev, nil
}

func (s *Session) decodeResult(ev *Event, data []byte) error {
	if s.kind == kindJudge {
		ev.JudgeResult = new(JudgeResponse)
		return json.Unmarshal(data, ev.JudgeResult)
	}
	ev.Result = new(ExecuteResponse)
	return json.Unmarshal(data, ev.Result)
}

// JudgeStream judges over a WebSocket session: onTest (when not nil) is
// called as each test finishes, in the order they finish (index is the
// test's place in req.Tests), then the whole answer of POST /api/v1/judge
// is returned.
func (c *Client) JudgeStream(ctx context.Context, req *JudgeRequest, onTest func(index int, t JudgeTestResult)) (*JudgeResponse, error) {
	s, err := c.open(ctx, kindJudge, struct {
		Type string `json:"type"`
		*JudgeRequest
	}{"judge", req})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	for {
		ev, err := s.Next(ctx)
		if err == io.EOF {
			return nil, errors.New("client: the judge session ended without a result")
		}
		if err != nil {
			return nil, err
		}
		switch {
		case ev.Type == EventTest && onTest != nil:
			onTest(ev.Index, *ev.Test)
		case ev.Type == EventResult:
			return ev.JudgeResult, nil
		}
	}
}

// Follow waits for an asynchronous submission's end over a WebSocket
// session (a "follow") and returns it as Submission would. onStatus
// (when not nil) gets its state when the session starts (queued,
// running...). An unknown or expired token is a *Error 404.
func (c *Client) Follow(ctx context.Context, token string, onStatus func(status string)) (*Submission, error) {
	s, err := c.open(ctx, kindFollow, struct {
		Type  string `json:"type"`
		Token string `json:"token"`
	}{"follow", token})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	for {
		ev, err := s.Next(ctx)
		if err == io.EOF {
			return nil, errors.New("client: the follow ended without the submission")
		}
		if err != nil {
			return nil, err
		}
		switch {
		case ev.Type == EventStatus && onStatus != nil:
			onStatus(ev.Status)
		case ev.Type == EventSubmission:
			return ev.Submission, nil
		}
	}
}
