package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version recorded by the Go toolchain is used.
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newCommand("version", "version", stdout, stderr)
	if help, err := fs.parse(args); help || err != nil {
		return err
	}
	if len(fs.paths) > 0 {
		return usageErrorf("version takes no arguments")
	}
	_, err := fmt.Fprintf(stdout, "mcpgen %s\n", versionString())
	return err
}
