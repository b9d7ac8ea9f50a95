package api

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// byteBudget bounds the bytes a kind of request may hold at once (request
// bodies, or results waiting to be written). A reservation is granted
// when it fits, or when nothing else is held: one request is always
// served, whatever its size.
type byteBudget struct {
	mu    sync.Mutex
	used  int64
	limit int64
}

func (b *byteBudget) reserve(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used > 0 && b.used+n > b.limit {
		return false
	}
	b.used += n
	return true
}

func (b *byteBudget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

func (b *byteBudget) held() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// smallResult is the size under which a result is always answered: a
// hello world must not get a 503 because big answers are parked. What
// such results hold together is bounded by the connection limit.
const smallResult = 64 << 10

// holdResult reserves what res holds in memory while its answer is
// written. It returns the release function, or false when the response
// memory is full.
func (s *server) holdResult(res *engine.Result) (func(), bool) {
	return s.holdBytes(resultBytes(res))
}

// holdBytes reserves n bytes of the response memory, as holdResult.
func (s *server) holdBytes(n int64) (func(), bool) {
	if n < smallResult {
		return func() {}, true
	}
	if !s.responses.reserve(n) {
		return nil, false
	}
	return func() {
		s.responses.release(n)
		s.freed.soon()
	}, true
}

// memoryReturner hands memory back to the operating system soon after a
// big answer was written or cut off. The runtime would keep it for
// minutes otherwise: a few parked readers would leave the server's RSS at
// their peak. It runs at most once a second, off the request's path.
type memoryReturner struct{ pending atomic.Bool }

func (m *memoryReturner) soon() {
	if m.pending.Swap(true) {
		return
	}
	time.AfterFunc(time.Second, func() {
		m.pending.Store(false)
		debug.FreeOSMemory()
	})
}

// resultBytes is the memory a result's output holds.
func resultBytes(res *engine.Result) int64 {
	return stageBytes(res.Compile) + stageBytes(res.Run)
}

func stageBytes(st *engine.StageResult) int64 {
	if st == nil {
		return 0
	}
	return int64(cap(st.Stdout) + cap(st.Stderr) + cap(st.Output))
}

// responsesBusy is the message of a 503 for a full response memory.
func (s *server) responsesBusy() string {
	return fmt.Sprintf("server busy: responses waiting for their clients hold %d of the %d bytes allowed, retry later",
		s.responses.held(), s.responses.limit)
}

// dropOutput forgets the interleaved copy of the output, which v1 answers
// do not show: it need not stay in memory while the answer is written.
func dropOutput(res *engine.Result) {
	for _, st := range []*engine.StageResult{res.Compile, res.Run} {
		if st != nil {
			st.Output = nil
		}
	}
}

// wholeAnswer is the size of output under which an execute answer is
// written whole (answerResult): its JSON, at most six bytes per byte of
// output, stays well under what a connection's send buffer takes.
const wholeAnswer = 8 << 10

// answerGrace bounds how long the work waiting for an answer (after)
// waits for a small one to be written: a client that does not read must
// not hold the job's box.
const answerGrace = time.Millisecond

// resultDocument is an answer's JSON document two ways, byte for byte the
// same: streamed from the result (write), or the value encoding/json
// encodes (whole), in a third of the time for a small answer.
type resultDocument struct {
	write func(*jsonOut)
	whole func() any
}

// answerResult answers an executed job's result with doc, and starts
// what waited for the answer (after): the wipe of the job's box. A small
// answer is written whole and sent before that starts, so that the wipe
// does not take the CPU from it; a large one is streamed once it has
// started. writeErr says a 503 in the dialect's words.
func (s *server) answerResult(w http.ResponseWriter, res *engine.Result, after *engine.AfterAnswer,
	writeErr func(http.ResponseWriter, int, string), doc resultDocument) {
	size := resultBytes(res)
	if size >= wholeAnswer {
		after.Done()
		done, ok := s.holdResult(res)
		if !ok {
			writeFailure(w, http.StatusServiceUnavailable, s.responsesBusy(), writeErr)
			return
		}
		defer done()
		s.streamJSON(w, size, doc.write)
		return
	}
	timer := time.AfterFunc(answerGrace, after.Done)
	defer timer.Stop()
	s.writeWholeJSON(w, writeErr, doc.whole())
	after.Done()
}

// writeWholeJSON answers 200 with the small document v, its length in the
// header, and sent at once: the client has all of it before the handler
// returns. writeErr says an encoding error in the dialect's words.
func (s *server) writeWholeJSON(w http.ResponseWriter, writeErr func(http.ResponseWriter, int, string), v any) {
	body, err := encodeJSON(v)
	if err != nil { // nothing was sent
		s.log.Error("encode an answer", "err", err)
		writeErr(w, http.StatusInternalServerError, "internal error")
		return
	}
	body = append(body, '\n')
	setJSONHeaders(w.Header())
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(body)
	if err == nil {
		err = http.NewResponseController(w).Flush()
	}
	if err != nil {
		s.log.Debug("response cut off", "err", err)
	}
}

// streamJSON answers 200 with the document write produces, streamed. A
// failed write (the client went away, or stopped reading past the write
// timeout) is only logged: the connection is closed with the answer cut.
func (s *server) streamJSON(w http.ResponseWriter, size int64, write func(*jsonOut)) {
	setJSONHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	o := newJSONOut(w, size)
	write(o)
	o.raw("\n")
	if err := o.flush(); err != nil {
		s.log.Debug("response cut off", "err", err)
	}
}

// writeExecuteResponse writes newExecuteResponse(res) as json.Encoder
// would, but with the output streamed from res: a compile error's output,
// shown both at the top level and under "compile", is not copied either.
func writeExecuteResponse(o *jsonOut, res *engine.Result) {
	top := res.Run
	if top == nil {
		top = res.Compile
	}
	meta := executeMeta(res)
	var stdout, stderr []byte
	if top != nil {
		stdout, stderr = top.Stdout, top.Stderr
	}
	o.raw(`{"language":`)
	o.value(meta.Language)
	o.raw(`,"version":`)
	o.value(meta.Version)
	o.raw(`,"stdout":`)
	o.str(stdout)
	o.raw(`,"stderr":`)
	o.str(stderr)
	o.raw(`,"executionTime":`)
	o.value(meta.ExecutionTime)
	o.raw(`,"preparationTime":`)
	o.value(meta.PreparationTime)
	o.raw(`,`)
	o.members(meta.stageFields, true)
	if c := meta.Compile; c != nil {
		o.raw(`"compile":{"stdout":`)
		o.str(res.Compile.Stdout)
		o.raw(`,"stderr":`)
		o.str(res.Compile.Stderr)
		o.raw(`,`)
		o.members(struct {
			stageFields
			Cached bool `json:"cached,omitempty"`
		}{c.stageFields, c.Cached}, false)
		o.raw(`},`)
	}
	o.raw(`"timings":`)
	o.value(meta.Timings)
	o.raw(`}`)
}

// writeV2Response writes newV2Response(res, rt) as json.Encoder would,
// with the output streamed from res.
func writeV2Response(o *jsonOut, res *engine.Result, rt v2Runtime) {
	meta := v2Meta(res, rt)
	o.raw(`{"language":`)
	o.value(meta.Language)
	o.raw(`,"version":`)
	o.value(meta.Version)
	o.raw(`,"run":`)
	run := res.Run
	switch {
	case run != nil:
	case res.Compile != nil && res.Compile.Status != engine.StatusOK:
		run = res.Compile // Piston's mirror of a failed compilation
	default:
		run = &engine.StageResult{Status: engine.StatusInternalError}
	}
	writeV2Stage(o, run)
	if res.Compile != nil {
		o.raw(`,"compile":`)
		writeV2Stage(o, res.Compile)
	}
	o.raw(`}`)
}

func writeV2Stage(o *jsonOut, st *engine.StageResult) {
	o.raw(`{"stdout":`)
	o.str(st.Stdout)
	o.raw(`,"stderr":`)
	o.str(st.Stderr)
	o.raw(`,"output":`)
	if len(st.Output) == 0 {
		// An executor that does not interleave: the best order it allows.
		o.str(st.Stdout, st.Stderr)
	} else {
		o.str(st.Output)
	}
	o.raw(`,`)
	o.members(newV2StageMeta(st), false)
	o.raw(`}`)
}
