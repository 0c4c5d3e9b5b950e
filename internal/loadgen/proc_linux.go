package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }

// tick is the unit of CPU times in /proc: USER_HZ, 100 on every
// architecture Go supports.
const tick = 10 * time.Millisecond

// cpuTime is the user+system CPU time of a process and all its threads,
// from fields 14 and 15 of /proc/PID/stat.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields after it do not.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * tick, nil
}

// memory is what a process holds, from /proc/PID/status: VmRSS, all of
// its resident pages, and RssAnon, the anonymous ones (heap, stacks). The
// rest of VmRSS is mostly pages of the executable and other files, which
// are shared with every process mapping them and can be dropped under
// memory pressure; how many of those a process maps depends on the
// kernel as much as on the process.
func memory(pid int) (rss, anon int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	kB := func(field string) (int64, error) {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, field+":"); ok {
				n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				if err != nil {
					return 0, fmt.Errorf("/proc/%d/status: %s: %v", pid, field, err)
				}
				return n << 10, nil
			}
		}
		return 0, fmt.Errorf("/proc/%d/status: no %s", pid, field)
	}
	rss, err1 := kB("VmRSS")
	anon, err2 := kB("RssAnon")
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, err
	}
	return rss, anon, nil
}

// busyCPU is the CPU time every process has used since boot, plus time
// stolen by the hypervisor, from the first line of /proc/stat.
func busyCPU() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var ticks int64
	for i, f := range strings.Fields(line)[1:] {
		n, _ := strconv.ParseInt(f, 10, 64)
		// user nice system idle iowait irq softirq steal: idle and iowait
		// are not busy; guest time is already counted in user.
		if i < 8 && i != 3 && i != 4 {
			ticks += n
		}
	}
	return time.Duration(ticks) * tick, nil
}

// selfCPU is the CPU time of this process: the load's clients.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
