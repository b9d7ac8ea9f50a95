package sandbox

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/criyle/go-sandbox/pkg/mount"
	"golang.org/x/sys/unix"
)

// A box is reused run after run, so whatever a run moves of the state its
// container keeps would be seen by the next: the pid counter of the box's
// pid namespace (the next program's pid tells how many processes earlier
// runs started) and the inode counters of /w and /tmp (a new file's inode
// number tells how many files they created). Only the container's init
// can reset them: it owns the box's pid and mount namespaces. go-sandbox's
// protocol has no such command, so the host talks to the init over a
// channel of its own, a socket pair handed to the init as its standard
// error (go-sandbox passes Builder.Stderr through as fd 2). Our Init
// wrapper takes it over before go-sandbox's init starts.
//
// Requests are one packet each, answered by one packet: "k" when done,
// "e" and a message otherwise.
const (
	// ctlResetPids sets the pid counter back, after every run.
	ctlResetPids = 'p'
	// ctlResetBox replaces /w and /tmp by fresh tmpfs mounts (see
	// retirer), then sets the pid counter back; its payload is the JSON
	// of the mounts to replace.
	ctlResetBox = 'r'
	// ctlSigpipe sets the disposition of SIGPIPE the init's programs
	// start with: payload '1' ignored, '0' the default (see setSigpipe).
	ctlSigpipe = 's'
	// ctlNudge is the one request without an answer: the box was just
	// handed to a job, whose first run follows in some tens of µs. An
	// init waiting since its last job sleeps on a core that may sleep
	// too, and waking both took 65-75 µs of that run (median, on a
	// virtual machine here). Woken now, the init polls for the next
	// request for at most nudgeSpin, yielding its core to any other
	// task meanwhile: the run's request then wakes nobody. Measured:
	// 52 µs from sending the request to the init reading it with the
	// nudge alone, 34-36 µs with the polling, against 76 µs without
	// either, in one noisy hour.
	ctlNudge = 'w'
	// ctlVersion carries the host's initVersion; the init answers "k"
	// when it is its own. An init from another build (a stale
	// coderacer-init beside a new server) may not speak the same
	// protocols, go-sandbox's or this one: it must not serve boxes.
	ctlVersion = 'v'
)

// initProtocol is the version of this channel's requests: change it with
// them.
const initProtocol = "coderacer-init/3"

// initVersion names what the host and its boxes' init must share: this
// channel's protocol and go-sandbox's, whose version is read from the
// build information of the binary (a test binary has none).
func initVersion() string {
	v := initProtocol
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/criyle/go-sandbox" {
				v += " go-sandbox/" + dep.Version
			}
		}
	}
	return v
}

// sameInitVersion tells whether an init of version a may serve a host of
// version b: the same protocol, and the same go-sandbox unless one of the
// two does not know its own.
func sameInitVersion(a, b string) bool {
	protoA, sandboxA, _ := strings.Cut(a, " ")
	protoB, sandboxB, _ := strings.Cut(b, " ")
	return protoA == protoB && (sandboxA == "" || sandboxB == "" || sandboxA == sandboxB)
}

// ctlLastPid is what the pid counter is set to: the next process gets pid
// 100, above the init's few threads, in every box and every run.
const ctlLastPid = 99

// errInitThread is the init's answer when one of its threads holds a pid
// that programs would get: the Go runtime of the init started a thread
// while the counter was in the programs' range. The box must be replaced,
// or its programs' pids would differ from those of every other box.
var errInitThread = errors.New("a thread of the init holds a pid of the programs' range")

// initControl is the host's end of the channel to a box's init.
type initControl struct {
	conn *os.File
	// err, once set, fails every later request: after a failure the
	// answers could be out of step with the requests.
	err error
	buf [512]byte
}

// newControlPair makes the channel: the host's end, non-blocking so that
// reads can have a deadline, and the init's end, to become its fd 2.
func newControlPair() (*initControl, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("init control socket: %w", err)
	}
	// The kernel then attaches the sender's pid, as this process sees
	// it, to every answer: the init's host pid (see hello).
	if err := unix.SetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, nil, fmt.Errorf("init control socket: %w", err)
	}
	if err := unix.SetNonblock(fds[0], true); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, nil, fmt.Errorf("init control socket: %w", err)
	}
	return &initControl{conn: os.NewFile(uintptr(fds[0]), "init-control")}, os.NewFile(uintptr(fds[1]), "init-control"), nil
}

// nudge sends ctlNudge. A failure is kept for the next request.
func (c *initControl) nudge() {
	_ = c.send([]byte{ctlNudge})
}

// request sends one request and waits for its answer.
func (c *initControl) request(req []byte, timeout time.Duration) error {
	if err := c.send(req); err != nil {
		return err
	}
	return c.answer(timeout)
}

func (c *initControl) send(req []byte) error {
	if c.err != nil {
		return c.err
	}
	if _, err := c.conn.Write(req); err != nil {
		c.err = fmt.Errorf("init control: %w", err)
		return c.err
	}
	return nil
}

func (c *initControl) answer(timeout time.Duration) error {
	if c.err != nil {
		return c.err
	}
	if err := c.conn.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		c.err = fmt.Errorf("init control: %w", err)
		return c.err
	}
	n, err := c.conn.Read(c.buf[:])
	switch {
	case err != nil:
		c.err = fmt.Errorf("init control: %w", err)
	case n == 0:
		c.err = errors.New("init control: the init closed the channel")
	case c.buf[0] == 'n':
		return errInitThread // in step: the box is to be replaced
	case c.buf[0] != 'k':
		return fmt.Errorf("init control: %s", c.buf[1:n]) // in step
	}
	return c.err
}

// errInitStuck is exchange's error when the init did not answer within
// stuckGrace of its run being stopped.
var errInitStuck = errors.New("init control: the init did not answer once its run was stopped")

// exchange sends a request with descriptors, calls sent, and waits for
// its answer for as long as ctx lasts; then it calls stop, which must end
// whatever the init is waiting for, and waits stuckGrace more. The answer
// is in c.buf, valid until the next request; an 'e' answer is returned as
// an error.
func (c *initControl) exchange(ctx context.Context, req []byte, fds []int, stop, sent func()) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	raw, err := c.conn.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("init control: %w", err)
	}
	var sendErr error
	err = raw.Write(func(fd uintptr) bool {
		sendErr = unix.Sendmsg(int(fd), req, unix.UnixRights(fds...), nil, 0)
		return sendErr != unix.EAGAIN
	})
	if err = cmp.Or(err, sendErr); err != nil {
		c.err = fmt.Errorf("init control: %w", err)
		return nil, c.err
	}
	sent()
	if err := c.conn.SetReadDeadline(time.Time{}); err != nil {
		c.err = fmt.Errorf("init control: %w", err)
		return nil, c.err
	}
	expired := make(chan struct{})
	unwatch := context.AfterFunc(ctx, func() {
		defer close(expired)
		_ = c.conn.SetReadDeadline(time.Unix(1, 0))
	})
	n, err := c.conn.Read(c.buf[:])
	if !unwatch() {
		<-expired
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		stop()
		if err = c.conn.SetReadDeadline(time.Now().Add(stuckGrace)); err == nil {
			n, err = c.conn.Read(c.buf[:])
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = errInitStuck
		}
	}
	switch {
	case errors.Is(err, errInitStuck):
		c.err = err
	case err != nil:
		c.err = fmt.Errorf("init control: %w", err)
	case n == 0:
		c.err = errors.New("init control: the init closed the channel")
	case c.buf[0] == 'e':
		return nil, fmt.Errorf("%s", c.buf[1:n]) // in step
	default:
		return c.buf[:n], nil
	}
	return nil, c.err
}

func (c *initControl) close() { c.conn.Close() }

// hello checks that the init is of this build (ctlVersion) and returns
// its pid in this process's pid namespace: the kernel attaches the
// sender's credentials to the answer (SO_PASSCRED), which go-sandbox does
// not otherwise tell.
func (c *initControl) hello(timeout time.Duration) (int, error) {
	if err := c.send(append([]byte{ctlVersion}, initVersion()...)); err != nil {
		return 0, err
	}
	if err := c.conn.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return 0, fmt.Errorf("init control: %w", err)
	}
	raw, err := c.conn.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("init control: %w", err)
	}
	oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	var n, oobn int
	var recvErr error
	err = raw.Read(func(fd uintptr) bool {
		n, oobn, _, _, recvErr = unix.Recvmsg(int(fd), c.buf[:], oob, 0)
		return recvErr != unix.EAGAIN
	})
	if err == nil {
		err = recvErr
	}
	if err != nil {
		c.err = fmt.Errorf("init control: %w", err)
		return 0, c.err
	}
	if n == 0 {
		c.err = errors.New("init control: the init closed the channel")
		return 0, c.err
	}
	if c.buf[0] != 'k' {
		return 0, fmt.Errorf("init control: %s", c.buf[1:n])
	}
	return senderPid(oob[:oobn])
}

// senderPid reads the pid of the credentials in a message's control data.
func senderPid(oob []byte) (int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, fmt.Errorf("init control: %w", err)
	}
	for _, m := range msgs {
		if cred, err := unix.ParseUnixCredentials(&m); err == nil && cred.Pid > 0 {
			return int(cred.Pid), nil
		}
	}
	return 0, errors.New("init control: the answer carries no credentials")
}

// resetBoxRequest is a ctlResetBox request for the pool's tmpfs mounts.
func resetBoxRequest(mounts []mount.Mount) ([]byte, error) {
	var tmpfs []mount.Mount
	for _, m := range mounts {
		if m.IsTmpFs() && m.Target != retiredDir[1:] {
			m.Target = "/" + m.Target
			tmpfs = append(tmpfs, m)
		}
	}
	payload, err := json.Marshal(tmpfs)
	if err != nil {
		return nil, err
	}
	return append([]byte{ctlResetBox}, payload...), nil
}

// The init's side.

// initServer serves the channel in the container's init.
type initServer struct {
	conn    *os.File
	fd      int      // conn's
	lastPid *os.File // the sysctl, opened before the root changed
	// sigpipe catches SIGPIPE when the programs are not to ignore it;
	// nobody reads it (a full channel drops signals).
	sigpipe chan os.Signal
	// filter is the seccomp filter of the programs (ctlFilter); without
	// it the init refuses to start any. threadFiltered tells that serve's
	// thread has loaded it, and its programs inherit it (see
	// loadThreadFilter).
	filter         *syscall.SockFprog
	threadFiltered bool
	// stat is the init's /proc/self/stat, and threadsChecked its number
	// of threads when checkInitThreads last found them all below the
	// programs' pids (see checkThreads).
	stat           *os.File
	threadsChecked uint64
	// retired holds the mounts the wipes replaced (see retirer).
	retired retirer
}

// takeControl, called in the init before go-sandbox's init starts, takes
// the channel off fd 2 (which becomes /dev/null again, as go-sandbox would
// have it without a Builder.Stderr) and opens the pid counter's sysctl
// while the host's /proc is still reachable: the box's own /proc is
// read-only. It returns nil when fd 2 is not the channel.
func takeControl() (*initServer, error) {
	typ, err := unix.GetsockoptInt(2, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil || typ != unix.SOCK_SEQPACKET {
		return nil, nil
	}
	fd, err := unix.FcntlInt(2, unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, fmt.Errorf("init control: %w", err)
	}
	// Blocking: serve waits for each request in the kernel, on a thread
	// of its own, which the request wakes directly. Through the
	// runtime's poller a request cost ~10 µs more (median; twice that
	// at the 90th percentile), a wakeup of the poller's thread first.
	conn := os.NewFile(uintptr(fd), "init-control")
	null, err := unix.Open("/dev/null", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err == nil {
		err = unix.Dup3(null, 2, 0)
		unix.Close(null)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("init control: stderr to /dev/null: %w", err)
	}
	// Writes apply to the writer's own pid namespace, the box's.
	lastPid, err := os.OpenFile("/proc/sys/kernel/ns_last_pid", os.O_WRONLY, 0)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("init control: %w", err)
	}
	return &initServer{conn: conn, fd: fd, lastPid: lastPid, sigpipe: make(chan os.Signal, 1)}, nil
}

// serve answers requests until the host closes the channel. Its thread
// is its own for good: it is the one that loads the programs' filter.
func (s *initServer) serve() {
	runtime.LockOSThread()
	warmThreads()
	buf := make([]byte, 64<<10)
	var spin time.Duration
	for {
		n, fds, err := s.receive(buf, spin)
		spin = 0
		if err != nil || n == 0 {
			return
		}
		if buf[0] == ctlNudge {
			closeAll(fds)
			spin = nudgeSpin
			continue
		}
		reply := s.answer(buf[:n], fds)
		if _, err := s.conn.Write(reply); err != nil {
			return
		}
	}
}

// answer handles a request other than a nudge and returns its answer.
// The descriptors a request carries are closed before the answer:
// closing a run's pipes wakes the host, which then takes the answer at
// once.
func (s *initServer) answer(req []byte, fds []int) []byte {
	if req[0] == ctlExec {
		return s.execute(req[1:], fds)
	}
	closeAll(fds)
	var err error
	if (req[0] == ctlResetBox || req[0] == ctlPurge) && s.threadFiltered {
		err = unfiltered(func() error { return s.handle(req) }) // mounts
	} else {
		err = s.handle(req)
	}
	switch {
	case errors.Is(err, errInitThread):
		return []byte{'n'}
	case err != nil:
		return append([]byte{'e'}, err.Error()...)
	}
	return []byte{'k'}
}

func (s *initServer) handle(req []byte) error {
	switch req[0] {
	case ctlResetPids:
		return s.resetPids()
	case ctlResetBox:
		var mounts []mount.Mount
		if err := json.Unmarshal(req[1:], &mounts); err != nil {
			return fmt.Errorf("reset request: %w", err)
		}
		if err := s.retired.replace(mounts); err != nil {
			return err
		}
		if err := s.resetPids(); err != nil {
			return err
		}
		return s.checkThreads()
	case ctlPurge:
		return s.retired.purge()
	case ctlSigpipe:
		s.setSigpipe(len(req) > 1 && req[1] == '1')
		return nil
	case ctlFilter:
		if s.filter != nil {
			return errors.New("filter request: the init has its filter already")
		}
		filter, err := decodeFilter(req[1:])
		if err != nil {
			return err
		}
		s.filter = filter.SockFprog()
		// Should this fail, each program loads the filter itself.
		s.threadFiltered = loadThreadFilter(s.filter) == nil
		return nil
	case ctlVersion:
		if own := initVersion(); !sameInitVersion(own, string(req[1:])) {
			return fmt.Errorf("the box's init is %q, the server %q: build both from the same source (make build)", own, req[1:])
		}
		return nil
	}
	return fmt.Errorf("unknown request %q", req[0])
}

// setSigpipe sets the init's own disposition of SIGPIPE, which its
// programs inherit: go-sandbox forks them from the init, and an ignored
// signal stays ignored through fork and exec. A caught one is reset to
// its default in the child (by the Go runtime, then by exec): catching
// SIGPIPE again, as the Go runtime does from its start, is what gives
// the programs the default back. The os/signal calls, not a raw
// sigaction, so that the runtime knows which one it is.
func (s *initServer) setSigpipe(ignore bool) {
	if ignore {
		signal.Ignore(syscall.SIGPIPE)
		return
	}
	signal.Notify(s.sigpipe, syscall.SIGPIPE)
}

func (s *initServer) resetPids() error {
	if _, err := s.lastPid.WriteAt(strconv.AppendInt(nil, ctlLastPid, 10), 0); err != nil {
		return fmt.Errorf("reset the pid counter: %w", err)
	}
	return nil
}

// warmThreads makes the Go runtime of the init start the threads it will
// ever need before the host first resets the pid counter: it keeps idle
// threads for later, so it rarely starts one afterwards, in the programs'
// pid range (see checkInitThreads). A goroutine locked to its thread and
// waiting keeps that thread to itself, so each of a few such goroutines
// gets a thread of its own; unlocked, they leave them idle.
func warmThreads() {
	const threads = 8
	var locked sync.WaitGroup
	release := make(chan struct{})
	for range threads {
		locked.Add(1)
		go func() {
			runtime.LockOSThread()
			locked.Done()
			<-release
			runtime.UnlockOSThread()
		}()
	}
	locked.Wait()
	close(release)
}

// checkThreads is checkInitThreads when the init may have started a
// thread since it last looked: when its number of threads changed. The
// Go runtime never ends a thread of the init (no goroutine of it exits
// locked to its thread), so the same number means the same threads. The
// count is one read of /proc/self/stat; the listing cost the init ~45 µs
// of CPU at each wipe.
func (s *initServer) checkThreads() error {
	if s.stat == nil {
		f, err := os.Open("/proc/self/stat")
		if err != nil {
			return checkInitThreads()
		}
		s.stat = f
	}
	n, statErr := readThreads(s.stat)
	if statErr == nil && n == s.threadsChecked {
		return nil
	}
	if err := checkInitThreads(); err != nil {
		return err
	}
	if statErr == nil {
		s.threadsChecked = n
	}
	return nil
}

// checkInitThreads returns errInitThread if a thread of this process (the
// init) has a pid above ctlLastPid.
func checkInitThreads() error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("list the init's threads: %w", err)
	}
	for _, t := range tasks {
		if tid, err := strconv.Atoi(t.Name()); err == nil && tid > ctlLastPid {
			return errInitThread
		}
	}
	return nil
}
