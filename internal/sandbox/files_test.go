package sandbox

import (
	"context"
	"strings"
	"syscall"
	"testing"
)

func TestWriteFiles(t *testing.T) {
	b := newTestBox(t)
	// A server started with the usual umask must still create what the
	// container would have.
	defer syscall.Umask(syscall.Umask(0o022))
	err := b.WriteFiles([]File{
		{Name: "main.sh", Content: []byte("echo main")},
		{Name: "lib/a/b.txt", Content: []byte("deep")},
		{Name: "lib/c.txt", Content: []byte("shallow")},
		{Name: "run", Content: []byte("#!/bin/sh\necho ran\n"), Executable: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The program sees what the container itself would have created: its
	// root's files, modes untouched by the server's umask, writable.
	res, err := b.Run(context.Background(), Cmd{
		Args: []string{"/bin/sh", "-c", "stat -c '%n %a %u' main.sh lib lib/a lib/a/b.txt run; cat lib/a/b.txt lib/c.txt; ./run; " +
			"echo more >> main.sh && rm -r lib && echo changed"},
		Env:    []string{"PATH=/usr/bin:/bin"},
		Limits: testLimits,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "main.sh 666 0\nlib 777 0\nlib/a 777 0\nlib/a/b.txt 666 0\nrun 777 0\ndeepshallowran\nchanged\n"
	if string(res.Stdout) != want {
		t.Fatalf("stdout %q (stderr %q), want %q", res.Stdout, res.Stderr, want)
	}
	if err := b.WriteFiles([]File{{Name: "main.sh"}}); err == nil {
		t.Fatal("a file written twice was overwritten")
	}
}

// TestReadFileRefuses plants what a program could leave where the engine
// reads a compiler's output: each must be refused, not followed or waited
// on.
func TestReadFileRefuses(t *testing.T) {
	b := newTestBox(t)
	res, err := b.Run(context.Background(), Cmd{
		Args: []string{"/bin/sh", "-c", "printf ok > out; ln -s /etc/passwd link; ln -s out rel; mkfifo fifo; " +
			"mkdir d; ln -s /etc d2; head -c 5000 /dev/zero > big"},
		Env:    []string{"PATH=/usr/bin:/bin"},
		Limits: testLimits,
	})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("setup: %v %+v", err, res)
	}
	if data, err := b.ReadFile("/w/out", 100); err != nil || string(data) != "ok" {
		t.Fatalf("ReadFile(out) = %q, %v", data, err)
	}
	for _, name := range []string{"/w/link", "/w/rel", "/w/fifo", "/w/d", "/w/d2/passwd", "/w/../etc/passwd", "/etc/passwd", "/w/big", "/w/", "/w/missing"} {
		if data, err := b.ReadFile(name, 4096); err == nil {
			t.Errorf("ReadFile(%q) = %q, want an error", name, data)
		} else if strings.Contains(err.Error(), "root:") {
			t.Errorf("ReadFile(%q) leaked: %v", name, err)
		}
	}
}
