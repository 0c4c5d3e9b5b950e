package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/mcpgen/mcpgen/runtime/auth"
)

// runAPIKey makes an API key for a service caller. The configuration keeps
// only the hash; the key goes to the caller and nowhere else. --hash reads
// an existing key from stdin (never from the command line, where other
// users and shell history would see it).
func runAPIKey(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newCommand("apikey", "apikey [--hash]", stdout, stderr)
	hashOnly := fs.Bool("hash", false, "read a key from stdin and print only its hash")
	if help, err := fs.parse(args); help || err != nil {
		return err
	}
	if len(fs.paths) > 0 {
		return usageErrorf("apikey: takes no arguments (a key to hash goes to stdin with --hash)")
	}
	if *hashOnly {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		key := strings.TrimRight(line, "\r\n")
		if key == "" {
			if err != nil && err != io.EOF {
				return fmt.Errorf("apikey: reading stdin: %w", err)
			}
			return usageErrorf("apikey: --hash reads the key from stdin, and stdin is empty")
		}
		fmt.Fprintln(stdout, auth.HashKey(key))
		return nil
	}
	key, hash, err := auth.NewAPIKey()
	if err != nil {
		return fmt.Errorf("apikey: %w", err)
	}
	fmt.Fprintf(stdout, "key:  %s\nhash: %s\n\nGive the key to the caller (it sends \"Authorization: Bearer <key>\");\nput only the hash in an api_key block.\n", key, hash)
	return nil
}
