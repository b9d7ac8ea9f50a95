package sandbox

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/criyle/go-sandbox/pkg/forkexec"
	"golang.org/x/sys/unix"
)

// The init's side of ctlExec.

// maxExecFiles is how many descriptors a request may carry: a program's
// standard input, output and error.
const maxExecFiles = 3

// nudgeSpin is how long the init polls for a request after a nudge
// (ctlNudge) before it waits for one in the kernel.
const nudgeSpin = 300 * time.Microsecond

// receive reads one request and the descriptors it carries, received
// close-on-exec, polling for it for spin first.
func (s *initServer) receive(buf []byte, spin time.Duration) (n int, fds []int, err error) {
	oob := make([]byte, unix.CmsgSpace(4*maxExecFiles))
	var oobn int
	deadline := time.Now().Add(spin)
	for {
		flags := unix.MSG_CMSG_CLOEXEC
		if spin > 0 {
			flags |= unix.MSG_DONTWAIT
		}
		n, oobn, _, _, err = unix.Recvmsg(s.fd, buf, oob, flags)
		if err == unix.EAGAIN && spin > 0 {
			if time.Now().After(deadline) {
				spin = 0 // wait in the kernel from now on
			} else {
				_, _, _ = unix.Syscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
			}
			continue
		}
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return 0, nil, err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return 0, nil, err
	}
	for _, m := range msgs {
		if rights, err := unix.ParseUnixRights(&m); err == nil {
			fds = append(fds, rights...)
		}
	}
	return n, fds, nil
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// execute answers a ctlExec request: it starts the program as
// go-sandbox's init would (handleExecve: the same forkexec.Runner
// settings), waits for it, kills whatever it left (every process of the
// box but the init) and reaps them all before it answers.
func (s *initServer) execute(payload []byte, fds []int) []byte {
	defer closeAll(fds)
	req, err := decodeExecRequest(payload)
	if err == nil && len(fds) != maxExecFiles {
		err = fmt.Errorf("exec request: %d descriptors", len(fds))
	}
	if err == nil && s.filter == nil {
		err = errors.New("exec request: no seccomp filter was given")
	}
	if err == nil && req.flags&execFlagResetPids != 0 {
		err = s.resetPids()
	}
	if err != nil {
		return append([]byte{'e'}, err.Error()...)
	}
	if req.args[0], err = lookPath(req.args[0], req.env); err != nil {
		return append([]byte{'e'}, fmt.Sprintf("start: %s: %v", req.args[0], err)...)
	}
	files := make([]uintptr, len(fds))
	for i, fd := range fds {
		files[i] = uintptr(fd)
	}
	r := forkexec.Runner{
		Args: req.args, Env: req.env, RLimits: req.rlimits, Files: files, WorkDir: WorkDir,
		NoNewPrivs: true, DropCaps: true, Seccomp: s.filter,
		Credential:             &syscall.Credential{Uid: boxUID, Gid: boxGID, NoSetGroups: true},
		UnshareCgroupAfterSync: true,
	}
	if s.threadFiltered {
		if r.RLimits, err = inheritedLimits(req.rlimits); err != nil {
			return append([]byte{'e'}, err.Error()...)
		}
		r.Seccomp, r.UnshareCgroupAfterSync = nil, false // done on this thread
	}
	start := time.Now()
	pid, err := r.Start()
	if err != nil {
		return append([]byte{'e'}, fmt.Sprintf("start: %s: %v", req.args[0], err)...)
	}
	started := time.Now()
	var status syscall.WaitStatus
	var usage syscall.Rusage
	err = wait4(pid, &status, 0, &usage)
	ended := time.Now()
	reapAll()
	if err != nil {
		return append([]byte{'e'}, fmt.Sprintf("execve: wait4: %v", err)...)
	}
	return execReply{status: status, setup: started.Sub(start), running: ended.Sub(started),
		userTime: time.Duration(usage.Utime.Nano()), maxRSS: uint64(usage.Maxrss) << 10}.encode()
}

// reapAll kills every process of the box but the init and waits for
// them all: once the init has no child left (ECHILD), the box holds no
// other process, as every orphan of the box is the init's. The kill is
// sent again after each reaped child, for a process forked while the
// previous one swept by.
//
// Most programs leave nothing behind: one wait that does not block tells
// so before any kill, which would walk every process of the host.
func reapAll() {
	if wait4(-1, nil, syscall.WNOHANG, nil) == syscall.ECHILD {
		return
	}
	for {
		_ = syscall.Kill(-1, syscall.SIGKILL)
		if wait4(-1, nil, 0, nil) != nil {
			return
		}
	}
}

// wait4 is syscall.Wait4 again after EINTR.
func wait4(pid int, status *syscall.WaitStatus, options int, usage *syscall.Rusage) error {
	for {
		if _, err := syscall.Wait4(pid, status, options, usage); err != syscall.EINTR {
			return err
		}
	}
}

// lookPath finds a program as go-sandbox's init does: a path as it is,
// a name in the init's working directory, then in the request's PATH.
func lookPath(name string, env []string) (string, error) {
	if filepath.Base(name) != name {
		return name, nil
	}
	if isExecutable(name) == nil {
		return name, nil
	}
	var path string
	for i := len(env) - 1; i >= 0; i-- {
		if p, ok := strings.CutPrefix(env[i], "PATH="); ok {
			path = p
			break
		}
	}
	if path == "" {
		return "", errors.New("no PATH environment variable provided for look up")
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(cmp.Or(dir, "."), name)
		if isExecutable(p) == nil {
			return p, nil
		}
	}
	return "", errors.New("executable file not found in $PATH")
}

func isExecutable(file string) error {
	d, err := os.Stat(file)
	if err != nil {
		return err
	}
	if m := d.Mode(); !m.IsDir() && m&0o111 != 0 {
		return nil
	}
	return fs.ErrPermission
}
