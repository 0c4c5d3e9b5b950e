package page

// The page in a real headless browser (Debian's chromium, driven over the
// DevTools protocol with chromedp): it loads with no console error, no
// CSP violation and no network request beyond its own file; the access
// matrix and a tool's statement are in the DOM; the filter box works
// under the page's CSP; and a screenshot is kept as a test artifact.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds the browser; under CI=true a missing one fails the test
// (scripts/test.sh installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: scripts/test.sh installs it (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium)")
	return ""
}

// browserLog records what the page did: console messages and log entries
// of level warning or error, exceptions, and every request it made.
type browserLog struct {
	mu       sync.Mutex
	problems []string
	requests []string
}

func (b *browserLog) add(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, e.Request.URL)
	case *cdpruntime.EventExceptionThrown:
		b.problems = append(b.problems, "exception: "+e.ExceptionDetails.Text)
	case *cdpruntime.EventConsoleAPICalled:
		if e.Type == cdpruntime.ConsoleAPICalledTypeError || e.Type == cdpruntime.ConsoleAPICalledTypeWarning || e.Type == cdpruntime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range e.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.problems = append(b.problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
		}
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
			b.problems = append(b.problems, fmt.Sprintf("log %s (%s): %s", e.Entry.Level, e.Entry.Source, e.Entry.Text))
		}
	}
}

func (b *browserLog) snapshot() (problems, requests []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...), append([]string(nil), b.requests...)
}

func TestPageInBrowser(t *testing.T) {
	exe := chromium(t)
	p := reviewPage(t, true)
	dir := t.ArtifactDir()
	file := filepath.Join(dir, "surface.html")
	writePage(t, p, file)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Headless, chromedp.DisableGPU, chromedp.WindowSize(1400, 1000))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	var seen browserLog
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(seen.add))
	defer cancelTab()
	if err := chromedp.Do(tab); err != nil { // starts the browser and the tab
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, cdplog.Enable, struct{}{}); err != nil {
		t.Fatal(err)
	}
	url := "file://" + file
	if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}

	// The matrix and a statement, as the DOM has them.
	rows, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll("#matrix tbody tr").length`))
	if err != nil {
		t.Fatal(err)
	}
	if rows != 6 {
		t.Errorf("the matrix has %d rows, want 6", rows)
	}
	cell, err := chromedp.Run(tab, chromedp.Evaluate[string](
		`[...document.querySelectorAll("#matrix tbody tr")].find(r => r.querySelector("th").textContent.trim() === "acme_manager")`+
			`.querySelectorAll("td")[[...document.querySelectorAll("#matrix thead th")].findIndex(h => h.textContent.trim() === "refund") - 1].textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cell, "depends") || !strings.Contains(cell, "args.amount < 1000") {
		t.Errorf("matrix cell acme_manager/refund reads %q", cell)
	}
	stmt, err := chromedp.Run(tab, chromedp.Text("#tool-refund pre.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT :order_id AS id, :amount AS amount, :org AS org"; !strings.Contains(stmt, want) {
		t.Errorf("refund's statement in the DOM is %q, want it to contain %q", stmt, want)
	}
	// The invisible character in a description is shown.
	inv, err := chromedp.Run(tab, chromedp.Text("#tool-acme_report .desc .inv"))
	if err != nil {
		t.Fatal(err)
	}
	if inv != "U+200B" {
		t.Errorf("the zero-width space reads %q, want U+200B", inv)
	}

	// Markup in a description is text: get_order's param description holds
	// an <img> whose error handler would run.
	imgs, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.images.length`))
	if err != nil {
		t.Fatal(err)
	}
	desc, err := chromedp.Run(tab, chromedp.Text("#tool-get_order table.params"))
	if err != nil {
		t.Fatal(err)
	}
	if imgs != 0 || !strings.Contains(desc, "<img src=x onerror=alert(1)>") {
		t.Errorf("the page has %d images and shows the description as %q", imgs, desc)
	}

	// The filter box runs under the CSP (its script shows the box): typing
	// hides what does not match.
	boxHidden, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.getElementById("filter").hidden`))
	if err != nil {
		t.Fatal(err)
	}
	if boxHidden {
		problems, _ := seen.snapshot()
		t.Fatalf("the filter script did not run; the page reported: %q", problems)
	}
	if err := chromedp.Do(tab, chromedp.SendKeys(chromedp.CSS("#filter"), "refund")); err != nil {
		t.Fatal(err)
	}
	hidden, err := chromedp.Run(tab, chromedp.Evaluate[[]bool](`[document.getElementById("tool-get_order").hidden, document.getElementById("tool-refund").hidden]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(hidden) != 2 || !hidden[0] || hidden[1] {
		t.Errorf("after filtering for refund, [get_order hidden, refund hidden] = %v, want [true false]", hidden)
	}
	if _, err := chromedp.Run(tab, chromedp.Evaluate[int](`(() => { const f = document.getElementById("filter"); f.value = ""; f.dispatchEvent(new Event("input")); return 0; })()`)); err != nil {
		t.Fatal(err)
	}

	// The print stylesheet drops the contents and the filter, and prints
	// code dark on white.
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	printed, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`[getComputedStyle(document.querySelector("nav.toc")).display, getComputedStyle(document.querySelector("pre.sql")).backgroundColor]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(printed) != 2 || printed[0] != "none" || printed[1] != "rgb(244, 244, 244)" {
		t.Errorf("printed: contents display and code background %q, want none and rgb(244, 244, 244)", printed)
	}
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}

	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "surface.png")
	if err := os.WriteFile(png, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (page: %s)", png, file)

	problems, requests := seen.snapshot()
	for _, p := range problems {
		t.Errorf("the page reported: %s", p)
	}
	for _, r := range requests {
		if r != url {
			t.Errorf("the page requested %s: it must fetch nothing", r)
		}
	}
	if len(requests) == 0 {
		t.Error("no request was seen at all, not even the page's own: the network events were not recorded")
	}
}
