package main

import (
	"context"
	"errors"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/rs/zerolog"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime"
)

// reloader reloads the configuration on SIGHUP and, when watching, after
// one of its files changed and the changes have been quiet for debounce
// (an editor's save is often several events).
type reloader struct {
	srv      *runtime.Server
	paths    []string
	log      zerolog.Logger
	debounce time.Duration

	watcher *fsnotify.Watcher // nil: SIGHUP only
	// files are the absolute names of every file the configuration was
	// read from; dirs are the directories named as paths, where a new
	// .hcl file joins the configuration.
	files   map[string]bool
	dirs    map[string]bool
	watched map[string]bool // directories the watcher has
	// lock is the lock file serve checks the surface against (""; none):
	// writing it after a review makes the refused reload pass.
	lock string
}

// startReloading starts reloading in the background; stop ends it and waits
// until no reload is running.
func startReloading(ctx context.Context, srv *runtime.Server, paths []string, lock string, log zerolog.Logger, watch bool, debounce time.Duration) (stop func(), err error) {
	r := &reloader{srv: srv, paths: paths, log: log, debounce: debounce, watched: map[string]bool{}}
	if lock != "" {
		r.lock = absClean(lock)
	}
	if watch {
		if r.watcher, err = fsnotify.NewWatcher(); err != nil {
			return nil, err
		}
		r.dirs = map[string]bool{}
		for _, p := range paths {
			if info, err := os.Stat(p); err == nil && info.IsDir() {
				r.dirs[absClean(p)] = true
			}
		}
		r.watch(srv.Generation().Config)
		log.Info().Strs("directories", slices.Sorted(maps.Keys(r.watched))).Dur("debounce", debounce).Msg("watching the configuration")
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.loop(ctx, hup)
	}()
	return func() {
		signal.Stop(hup)
		cancel()
		<-done
		if r.watcher != nil {
			_ = r.watcher.Close()
		}
	}, nil
}

func (r *reloader) loop(ctx context.Context, hup <-chan os.Signal) {
	var events <-chan fsnotify.Event
	var errs <-chan error
	if r.watcher != nil {
		events, errs = r.watcher.Events, r.watcher.Errors
	}
	quiet := time.NewTimer(0)
	<-quiet.C
	var changed []string // since the last reload
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			r.reload(ctx, "SIGHUP", nil)
		case ev := <-events:
			if !r.relevant(ev) {
				continue
			}
			if !slices.Contains(changed, ev.Name) {
				changed = append(changed, ev.Name)
			}
			quiet.Reset(r.debounce)
		case <-quiet.C:
			r.reload(ctx, "files changed", changed)
			changed = nil
		case err := <-errs:
			// An overflow loses events: reload rather than miss a change.
			r.log.Warn().Err(err).Msg("watching the configuration")
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				quiet.Reset(r.debounce)
			}
		}
	}
}

func (r *reloader) reload(ctx context.Context, why string, files []string) {
	r.log.Info().Str("reason", why).Strs("files", files).Msg("reloading the configuration")
	conf, err := r.srv.Reload(ctx, r.paths)
	if err != nil && !errors.Is(err, runtime.ErrReloadFailed) {
		r.log.Error().Err(err).Msg("reload")
	}
	if r.watcher != nil {
		// Watch what the attempt read too: the fix to a broken file, or
		// the file it could not find, must trigger the next reload.
		r.watch(r.srv.Generation().Config, conf)
	}
}

// relevant reports whether ev may change the configuration: a write,
// creation, rename or removal of one of its files, or of a .hcl file in a
// directory named as a path. Editors that save by renaming a new file over
// the old one produce a create (or rename) of the name.
func (r *reloader) relevant(ev fsnotify.Event) bool {
	if !ev.Has(fsnotify.Write) && !ev.Has(fsnotify.Create) && !ev.Has(fsnotify.Rename) && !ev.Has(fsnotify.Remove) {
		return false
	}
	name := filepath.Clean(ev.Name)
	if r.files[name] {
		return true
	}
	base := filepath.Base(name)
	// Dot files are editor swap files and backups: Load skips them too.
	return r.dirs[filepath.Dir(name)] && filepath.Ext(base) == ".hcl" && !strings.HasPrefix(base, ".")
}

// watch makes the watched set the files of confs and their directories:
// files cannot be watched through renames, their parent directories can.
func (r *reloader) watch(confs ...*cfg.Config) {
	r.files = map[string]bool{}
	if r.lock != "" {
		r.files[r.lock] = true
	}
	want := map[string]bool{}
	for d := range r.dirs {
		want[d] = true
	}
	for _, conf := range confs {
		if conf == nil {
			continue
		}
		for name := range conf.Files {
			r.files[absClean(name)] = true
		}
		for name := range conf.Reads.Files() {
			r.files[absClean(name)] = true
		}
	}
	for f := range r.files {
		want[filepath.Dir(f)] = true
	}
	for d := range want {
		if r.watched[d] {
			continue
		}
		if err := r.watcher.Add(d); err != nil {
			r.log.Warn().Err(err).Str("directory", d).Msg("cannot watch a configuration directory; SIGHUP still reloads")
			continue
		}
		r.watched[d] = true
	}
	for d := range r.watched {
		if !want[d] {
			_ = r.watcher.Remove(d)
			delete(r.watched, d)
		}
	}
}

func absClean(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return filepath.Clean(p)
}
