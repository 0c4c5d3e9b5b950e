package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime/metrics"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3", and
// then wins; otherwise the module version the Go toolchain recorded is used.
var version = ""

// buildInfo says what runs: from the build information the Go toolchain
// records in the binary (runtime/debug.ReadBuildInfo).
type buildInfo struct {
	Version string `json:"version"`
	// Revision is the VCS commit, "" when the build recorded none: go run
	// and go test do not, nor go build -buildvcs=false or a build outside
	// a repository.
	Revision   string `json:"revision"`
	CommitTime string `json:"commit_time,omitempty"`
	// Modified says whether the tree had uncommitted changes; nil when
	// unknown (no VCS information).
	Modified  *bool  `json:"modified"`
	GoVersion string `json:"go_version"`
	// Protocols are the MCP revisions the server negotiates, newest first.
	Protocols []string `json:"mcp_protocol_versions"`
}

// readBuildInfo reads what the toolchain recorded; bi may be nil (no
// build information at all).
func readBuildInfo(bi *debug.BuildInfo, ldVersion string) buildInfo {
	info := buildInfo{Version: "(devel)", Protocols: append([]string(nil), mcp.ValidProtocolVersions...)}
	if bi != nil {
		info.GoVersion = bi.GoVersion
		if v := bi.Main.Version; v != "" {
			info.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.time":
				info.CommitTime = s.Value
			case "vcs.modified":
				modified := s.Value == "true"
				info.Modified = &modified
			}
		}
	}
	if ldVersion != "" {
		info.Version = ldVersion
	}
	return info
}

func currentBuild() buildInfo {
	bi, _ := debug.ReadBuildInfo()
	return readBuildInfo(bi, version)
}

// commit is the revision line of `mcpgen version`.
func (b buildInfo) commit() string {
	if b.Revision == "" {
		return "unknown: built without VCS information (go run, go test, -buildvcs=false, or no .git directory: go does not read a git worktree's)"
	}
	s := b.Revision
	if b.CommitTime != "" {
		s += " (" + b.CommitTime + ")"
	}
	switch {
	case b.Modified == nil:
	case *b.Modified:
		s += ", modified: built from a tree with uncommitted changes"
	default:
		s += ", clean"
	}
	return s
}

// modifiedLabel is vcs.modified as a metric label: true, false or unknown.
func (b buildInfo) modifiedLabel() string {
	if b.Modified == nil {
		return "unknown"
	}
	return fmt.Sprint(*b.Modified)
}

func (b buildInfo) write(w io.Writer) error {
	_, err := fmt.Fprintf(w, "mcpgen %s\ncommit: %s\ngo: %s\nmcp: %s\n",
		b.Version, b.commit(), b.GoVersion, strings.Join(b.Protocols, ", "))
	return err
}

// log writes the build information as one log line, at start.
func (b buildInfo) log(log zerolog.Logger) {
	e := log.Info().Str("version", b.Version).Str("revision", b.Revision).Str("modified", b.modifiedLabel()).
		Str("go_version", b.GoVersion).Strs("mcp_protocol_versions", b.Protocols)
	if b.Revision == "" {
		e = e.Str("revision_note", "built without VCS information")
	}
	e.Msg("mcpgen starting")
}

// newMetrics is the server's metrics, mcpgen_build_info included.
func newMetrics(b buildInfo) *metrics.Metrics {
	m := metrics.New()
	m.SetBuildInfo(b.Version, b.Revision, b.modifiedLabel(), b.GoVersion)
	return m
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newCommand("version", "version [--json]", stdout, stderr)
	asJSON := fs.Bool("json", false, "print the build information as JSON")
	if help, err := fs.parse(args); help || err != nil {
		return err
	}
	if len(fs.paths) > 0 {
		return usageErrorf("version takes no arguments")
	}
	b := currentBuild()
	if !*asJSON {
		return b.write(stdout)
	}
	out, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}
