package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestFirstThread(t *testing.T) {
	for _, c := range []struct {
		tids []int
		want int // 0: an error
	}{
		{[]int{100, 101, 102, 105}, 101},
		{[]int{105, 100, 103}, 103}, // in any order; another process took 101
		{[]int{100}, 0},             // no other thread
		{[]int{100, 101, 7}, 0},     // ids wrapped around: 7 may be anything
	} {
		got, err := firstThread(100, c.tids)
		if got != c.want || (err != nil) != (c.want == 0) {
			t.Errorf("firstThread(100, %v) = %d, %v; want %d", c.tids, got, err, c.want)
		}
	}
}

// TestQuietSysmon sets the slack of this test process's own sysmon and
// checks that no other thread's changed.
func TestQuietSysmon(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("setting another thread's timer slack takes CAP_SYS_NICE: run as root")
	}
	before := slacks(t)
	t.Cleanup(func() {
		for tid, ns := range before {
			_ = os.WriteFile(fmt.Sprintf("/proc/%d/timerslack_ns", tid), []byte(strconv.Itoa(ns)), 0)
		}
	})
	if err := quietSysmon(roleAPI); err != nil {
		t.Fatal(err)
	}
	if after := slacks(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("the api role changed timer slacks: %v, then %v", before, after)
	}
	if err := quietSysmon(roleAll); err != nil {
		t.Fatal(err)
	}
	sysmon, err := sysmonThread()
	if err != nil {
		t.Fatal(err)
	}
	for tid, ns := range slacks(t) {
		want, ok := before[tid]
		if tid == sysmon {
			want = sysmonSlack
		}
		if ok && ns != want {
			t.Errorf("thread %d (sysmon %d): timer slack %d, want %d", tid, sysmon, ns, want)
		}
	}
}

// slacks maps each thread of this process to its timer slack.
func slacks(t *testing.T) map[int]int {
	t.Helper()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[int]int)
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		data, err := os.ReadFile("/proc/" + task.Name() + "/timerslack_ns")
		if err != nil {
			continue // ended meanwhile
		}
		m[tid], _ = strconv.Atoi(strings.TrimSpace(string(data)))
	}
	return m
}
