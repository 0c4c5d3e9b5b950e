package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// startTimeout bounds a server's start: long, since a first start may
// seed a database.
const startTimeout = 5 * time.Minute

// process is a server the bench started itself, which it can measure.
type process struct {
	cmd     *exec.Cmd
	done    chan struct{}
	startup time.Duration // from exec to the first answered initialize
	url     string        // HTTP servers: from their "serving Streamable HTTP" log line
	stdio   *stdioEndpoint

	mu   sync.Mutex
	tail []string // the last lines of its stderr, for error messages
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// logTail is what the server said last, to explain a failure.
func (p *process) logTail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.tail) == 0 {
		return ""
	}
	return "\nits last log lines:\n  " + strings.Join(p.tail, "\n  ")
}

// startProcess runs t.Command. An HTTP server must log a JSON line with
// the message "serving Streamable HTTP" and its url (as mcpgen serve
// does); a stdio server is initialized right away. Either way the clock
// stops at the first answered initialize.
func startProcess(ctx context.Context, t Target, protocol string) (*process, error) {
	cmd := exec.Command(t.Command[0], t.Command[1:]...)
	cmd.Env = t.Env
	// If the bench dies, its servers die with it.
	cmd.SysProcAttr = sysProcAttr()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	var stdin io.WriteCloser
	var stdout io.ReadCloser
	if t.Stdio {
		if stdin, err = cmd.StdinPipe(); err != nil {
			return nil, err
		}
		if stdout, err = cmd.StdoutPipe(); err != nil {
			return nil, err
		}
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %v", t.Command[0], err)
	}
	go p.readLog(stderr, urls)
	go func() { _ = cmd.Wait(); close(p.done) }()

	fail := func(err error) (*process, error) {
		p.stop()
		return nil, fmt.Errorf("%s: %v%s", t.Name, err, p.logTail())
	}
	if t.Stdio {
		p.stdio = newStdioEndpoint(stdin, stdout)
		ictx, cancel := context.WithTimeout(ctx, startTimeout)
		defer cancel()
		if err := p.stdio.initialize(ictx, protocol); err != nil {
			return fail(err)
		}
		p.startup = time.Since(began)
		return p, nil
	}
	select {
	case p.url = <-urls:
	case <-p.done:
		return fail(errors.New("the server exited before it served"))
	case <-time.After(startTimeout):
		return fail(fmt.Errorf("no \"serving Streamable HTTP\" line with a url in %v", startTimeout))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	e, err := newHTTPEndpoint(p.url, t.Headers, protocol, nil)
	if err != nil {
		return fail(err)
	}
	c, err := e.open(ctx)
	if err != nil {
		return fail(err)
	}
	p.startup = time.Since(began)
	c.close()
	return p, nil
}

func (p *process) readLog(r io.Reader, urls chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		if !sent && strings.Contains(line, "serving Streamable HTTP") {
			var rec struct{ URL string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.URL != "" {
				urls <- rec.URL
				sent = true
			}
		}
		// The audit trail may go to stderr too: keep only warnings and
		// errors, and any line that is not a JSON log record.
		if strings.HasPrefix(line, "{") && !strings.Contains(line, `"level":"warn"`) && !strings.Contains(line, `"level":"error"`) {
			continue
		}
		p.mu.Lock()
		if p.tail = append(p.tail, truncate([]byte(line), 300)); len(p.tail) > 10 {
			p.tail = p.tail[1:]
		}
		p.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r)
}

// stop asks the server to shut down, and kills it if it takes too long.
func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}
