package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testFirstUID keeps the box uids of these tests away from the default,
// which a server on this host may hold, and (most likely) from those of
// another test process running at the same time: New refuses a range in
// use rather than share it.
var testFirstUID = 52000 + 8*(os.Getpid()%4096)

// fakeHost writes a /proc with one process per status text and the user
// and group databases.
func fakeHost(t *testing.T, statuses []string, passwd, group string) (proc, pw, gr string) {
	t.Helper()
	dir := t.TempDir()
	proc = filepath.Join(dir, "proc")
	for i, st := range statuses {
		p := filepath.Join(proc, string(rune('1'+i)))
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "status"), []byte(st), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Not a process: ignored.
	if err := os.MkdirAll(filepath.Join(proc, "self-like"), 0o755); err != nil {
		t.Fatal(err)
	}
	pw, gr = filepath.Join(dir, "passwd"), filepath.Join(dir, "group")
	for path, text := range map[string]string{pw: passwd, gr: group} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return proc, pw, gr
}

func status(uid, gid string) string {
	return "Name:\tx\nUid:\t" + uid + "\nGid:\t" + gid + "\nGroups:\t40010\n"
}

func TestCheckUIDsUnused(t *testing.T) {
	const passwd = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534::/:/usr/sbin/nologin\n"
	const group = "root:x:0:\nusers:x:100:\n"
	for _, tc := range []struct {
		name     string
		statuses []string
		passwd   string
		group    string
		want     string // "" for free, else a part of the error
	}{
		{"free", []string{status("0\t0\t0\t0", "0\t0\t0\t0"), status("1000\t1000\t1000\t1000", "1000\t1000\t1000\t1000")}, passwd, group, ""},
		{"just below and above", []string{status("39999\t39999\t39999\t39999", "40004\t40004\t40004\t40004")}, passwd, group, ""},
		{"real uid", []string{status("40000\t40000\t40000\t40000", "0\t0\t0\t0")}, passwd, group, "process 1 runs with uid 40000"},
		{"saved uid only", []string{status("0\t0\t40003\t0", "0\t0\t0\t0")}, passwd, group, "process 1 runs with uid 40003"},
		{"fs gid", []string{status("0\t0\t0\t0", "0\t0\t0\t40002")}, passwd, group, "process 1 runs with gid 40002"},
		{"second process", []string{status("0\t0\t0\t0", "0\t0\t0\t0"), status("40001\t40001\t40001\t40001", "0\t0\t0\t0")}, passwd, group, "process 2 runs with uid 40001"},
		{"supplementary groups do not count", []string{status("0\t0\t0\t0", "0\t0\t0\t0")}, passwd, group, ""},
		{"user", nil, passwd + "judge:x:40002:100::/home/judge:/bin/sh\n", group, "names id 40002 (judge)"},
		{"group", nil, passwd, group + "box:x:40003:\n", "names id 40003 (box)"},
		{"malformed lines", nil, "garbage\n::\nx:x:notanumber:1\n", "\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proc, pw, gr := fakeHost(t, tc.statuses, tc.passwd, tc.group)
			err := checkUIDsUnused(40000, 4, proc, pw, gr)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want the range free", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrUIDsInUse)):
				t.Errorf("got %v, want ErrUIDsInUse with %q", err, tc.want)
			}
		})
	}
	// Missing databases name nobody.
	proc, _, _ := fakeHost(t, nil, "", "")
	if err := checkUIDsUnused(40000, 4, proc, "/nonexistent/passwd", "/nonexistent/group"); err != nil {
		t.Errorf("missing databases: %v", err)
	}
}

func TestCheckUIDRange(t *testing.T) {
	for _, tc := range []struct {
		first, n int
		ok       bool
	}{{1, 1, true}, {30000, 64, true}, {0, 1, false}, {-5, 2, false}, {1<<32 - 2, 1, true}, {1<<32 - 2, 2, false}} {
		if err := checkUIDRange(tc.first, tc.n); (err == nil) != tc.ok {
			t.Errorf("checkUIDRange(%d, %d) = %v, want ok=%v", tc.first, tc.n, err, tc.ok)
		}
	}
}

// TestLockUIDs: a range overlapping one held is refused, naming the
// holder; once released it can be taken.
func TestLockUIDs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "locks")
	first, err := lockUIDs(dir, 40000, 4)
	if err != nil {
		t.Fatal(err)
	}
	_, err = lockUIDs(dir, 39998, 4)
	want := fmt.Sprintf("uid 40000 is taken by another Code Racer server on this host (pid %d)", os.Getpid())
	if !errors.Is(err, ErrUIDsInUse) || !strings.Contains(err.Error(), want) {
		t.Errorf("overlapping range: got %v, want ErrUIDsInUse: %s", err, want)
	}
	// The failed attempt released what it had taken before the clash.
	other, err := lockUIDs(dir, 39998, 2)
	if err != nil {
		t.Errorf("after a failed attempt: %v", err)
	}
	for _, f := range append(first, other...) {
		f.Close()
	}
	again, err := lockUIDs(dir, 40002, 4)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	for _, f := range again {
		f.Close()
	}
}
