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

func rss(int) (int64, error) { return 0, errNoProc }

func busyCPU() (time.Duration, error) { return 0, errNoProc }

func selfCPU() time.Duration { return 0 }
