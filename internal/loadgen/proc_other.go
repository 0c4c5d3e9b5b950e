//go:build !linux

package loadgen

import (
	"errors"
	"syscall"
	"time"
)

var errNoProc = errors.New("server CPU and memory are read from /proc, on Linux only")

func sysProcAttr() *syscall.SysProcAttr { return nil }

func cpuTime(int) (time.Duration, error) { return 0, errNoProc }

func memory(int) (rss, anon int64, err error) { return 0, 0, errNoProc }

func busyCPU() (time.Duration, error) { return 0, errNoProc }

func selfCPU() time.Duration { return 0 }
