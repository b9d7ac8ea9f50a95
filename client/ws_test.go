package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsFake serves /api/v1/connect with script, given the accepted
// connection.
func wsFake(t *testing.T, script func(ctx context.Context, c *websocket.Conn)) *Client {
	t.Helper()
	return fake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/connect" {
			writeBody(w, 404, `{"error":"not found"}`)
			return
		}
		if r.Header.Get("Authorization") != "Bearer k" {
			writeBody(w, 401, `{"error":"an API key is required"}`)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.CloseNow()
		script(r.Context(), c)
	}, WithAPIKey("k"))
}

func readJSON(ctx context.Context, t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Errorf("server read: %v", err)
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Errorf("server read %s: %v", data, err)
	}
	return m
}

func writeText(ctx context.Context, c *websocket.Conn, s string) {
	c.Write(ctx, websocket.MessageText, []byte(s))
}

func TestSessionRun(t *testing.T) {
	c := wsFake(t, func(ctx context.Context, c *websocket.Conn) {
		first := readJSON(ctx, t, c)
		if first["type"] != "execute" || first["language"] != "bash" || first["stdin"] != "a\n" {
			t.Errorf("first message %v", first)
		}
		writeText(ctx, c, `{"type":"runtime","language":"bash","version":"5.2.15"}`)
		writeText(ctx, c, `{"type":"stage","stage":"run"}`)
		writeText(ctx, c, `{"type":"stdout","stage":"run","data":"got: a\n"}`)
		if m := readJSON(ctx, t, c); m["type"] != "stdin" || m["data"] != "b\n" {
			t.Errorf("stdin message %v", m)
		}
		if m := readJSON(ctx, t, c); m["type"] != "signal" || m["signal"] != "SIGINT" {
			t.Errorf("signal message %v", m)
		}
		writeText(ctx, c, `{"type":"exit","stage":"run","exitCode":130,"signal":"SIGINT","status":"SG","cpuTime":"2ms","wallTime":"35ms","memory":1,"stdoutTruncated":false,"stderrTruncated":false,"message":"killed by SIGINT"}`)
		writeText(ctx, c, `{"type":"result","language":"bash","version":"5.2.15","stdout":"got: a\n","stderr":"","executionTime":"35ms","preparationTime":"1ms","exitCode":130,"signal":"SIGINT","status":"SG","cpuTime":"2ms","wallTime":"35ms","memory":1,"stdoutTruncated":false,"stderrTruncated":false,"message":"killed by SIGINT"}`)
		c.Close(websocket.StatusNormalClosure, "done")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.Connect(ctx, &ExecuteRequest{Language: "bash", Entrypoint: "m.sh", Files: []File{{Name: "m.sh"}}, Stdin: "a\n"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var types []string
	for {
		ev, err := s.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.Type)
		switch ev.Type {
		case EventStdout:
			if ev.Data != "got: a\n" || ev.Stage != "run" {
				t.Errorf("stdout event %+v", ev)
			}
			if err := s.Stdin(ctx, "b\n"); err != nil {
				t.Fatal(err)
			}
			if err := s.Signal(ctx, "SIGINT"); err != nil {
				t.Fatal(err)
			}
		case EventExit:
			if ev.Exit.Status != StatusSignal || ev.Exit.ExitCode != 130 || ev.Exit.WallTime.Duration != 35*time.Millisecond {
				t.Errorf("exit event %+v", ev.Exit)
			}
		case EventResult:
			if ev.Result.Signal != "SIGINT" || ev.Result.Stdout != "got: a\n" {
				t.Errorf("result %+v", ev.Result)
			}
		}
	}
	if got := types; len(got) != 5 || got[0] != EventRuntime || got[4] != EventResult {
		t.Errorf("events %v", got)
	}
	if _, err := s.Next(ctx); err != io.EOF {
		t.Errorf("Next after the result: %v, want io.EOF", err)
	}
}

func TestSessionErrorIsTyped(t *testing.T) {
	c := wsFake(t, func(ctx context.Context, c *websocket.Conn) {
		readJSON(ctx, t, c)
		writeText(ctx, c, `{"type":"error","error":"runtime not found: cobol"}`)
		c.Close(4400, "bad request")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.Connect(ctx, &ExecuteRequest{Language: "cobol"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Wait(ctx)
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 400 || e.CloseCode != 4400 || e.Message != "runtime not found: cobol" {
		t.Fatalf("error %v (%#v), want a *Error 400 close 4400", err, e)
	}
	if _, again := s.Next(ctx); again != err {
		t.Errorf("Next after the error: %v", again)
	}
}

func TestSessionHandshakeRefused(t *testing.T) {
	c := wsFake(t, nil)
	c.key = ""
	_, err := c.Connect(context.Background(), &ExecuteRequest{Language: "c"})
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 401 || e.Message != "an API key is required" {
		t.Fatalf("error %v, want a *Error 401 with the server's message", err)
	}
}

func TestJudgeStreamAndFollow(t *testing.T) {
	c := wsFake(t, func(ctx context.Context, c *websocket.Conn) {
		first := readJSON(ctx, t, c)
		switch first["type"] {
		case "judge":
			writeText(ctx, c, `{"type":"test","index":1,"name":"2","verdict":"WA","exitCode":0,"signal":"","cpuTime":"1ms","wallTime":"2ms","memory":1,"points":0,"checkerMessage":"","stdout":"4\n","stderr":""}`)
			writeText(ctx, c, `{"type":"result","language":"c","version":"12","status":"WA","passed":1,"total":2,"score":1,"maxScore":2,"maxCpuTime":"1ms","maxWallTime":"2ms","maxMemory":1,"tests":[]}`)
		case "follow":
			if first["token"] != "tok" {
				t.Errorf("follow %v", first)
			}
			writeText(ctx, c, `{"type":"status","token":"tok","status":"running"}`)
			writeText(ctx, c, `{"type":"submission","token":"tok","kind":"execute","status":"done","result":{"status":"OK"}}`)
		}
		c.Close(websocket.StatusNormalClosure, "done")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var seen []int
	jr, err := c.JudgeStream(ctx, &JudgeRequest{Language: "c"}, func(i int, tr JudgeTestResult) {
		seen = append(seen, i)
		if tr.Verdict != "WA" || tr.Stdout != "4\n" {
			t.Errorf("test %+v", tr)
		}
	})
	if err != nil || jr.Status != "WA" || jr.Passed != 1 || len(seen) != 1 || seen[0] != 1 {
		t.Errorf("judge: %+v %v %v", jr, err, seen)
	}
	var statuses []string
	sub, err := c.Follow(ctx, "tok", func(s string) { statuses = append(statuses, s) })
	if err != nil || sub.Status != SubmissionDone || len(statuses) != 1 || statuses[0] != "running" {
		t.Fatalf("follow: %+v %v %v", sub, err, statuses)
	}
	if r, err := sub.ExecuteResult(); err != nil || r.Status != "OK" {
		t.Errorf("follow's result %+v %v", r, err)
	}
}
