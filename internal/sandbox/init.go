package sandbox

import (
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"github.com/criyle/go-sandbox/container"
)

// Init turns this process into a container's init when the binary was
// started as one. main must call it before anything else: every container
// is this same binary, re-executed inside new namespaces. In a container it
// never returns.
func Init() error {
	if os.Getpid() != 1 || len(os.Args) < 2 || os.Args[1] != containerInitArg {
		return container.Init() // not a container: returns at once
	}
	// Before any thread of ours exists, so that each inherits its slack.
	// A tuning: the init works without it (see initsched.go).
	_ = setTimerSlacks()
	runtime.GOMAXPROCS(initProcs)
	ctl, err := takeControl()
	if err != nil {
		return err
	}
	if ctl != nil {
		go ctl.serve()
	}
	// go-sandbox's init ignores the terminating signals so that nothing in
	// the container can stop it. Ignored dispositions survive fork and
	// exec, so every program would start deaf to SIGTERM, SIGINT, SIGHUP
	// and SIGQUIT, and a client's signal would never reach it. Once the
	// init has ignored them, catch them instead (and drop them): a caught
	// signal is reset to its default by exec, and the init stays immune.
	// Right after, go-sandbox sets GOMAXPROCS to 1; initProcs was set
	// before, so 1 is go-sandbox's doing, to be undone (see initProcs).
	done := make(chan error, 1)
	go func() { done <- container.Init() }()
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
		if signalIgnored(syscall.SIGTERM) && runtime.GOMAXPROCS(0) == 1 {
			break
		}
		time.Sleep(20 * time.Microsecond)
	}
	runtime.GOMAXPROCS(initProcs)
	caught := make(chan os.Signal, 16)
	signal.Notify(caught, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGABRT)
	go func() {
		for range caught {
		}
	}()
	// Whatever else the server inherited as ignored from whoever started
	// it (nohup, a shell, a supervisor) would pass to every program too.
	for sig := syscall.Signal(1); sig <= 64; sig++ {
		if sig != syscall.SIGKILL && sig != syscall.SIGSTOP && signalIgnored(sig) {
			setSignalDefault(sig)
		}
	}
	return <-done
}

// sigaction is the kernel's struct sigaction on x86_64.
type sigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// setSignalDefault sets sig's disposition to SIG_DFL.
func setSignalDefault(sig syscall.Signal) {
	var act sigaction // handler 0 is SIG_DFL
	syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
}

// containerInitArg is the argument go-sandbox starts a container's init with.
const containerInitArg = "container_init"

// signalIgnored reports whether sig's disposition is SIG_IGN.
func signalIgnored(sig syscall.Signal) bool {
	var old sigaction
	_, _, errno := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), 8, 0, 0)
	return errno == 0 && old.handler == 1 // SIG_IGN
}
