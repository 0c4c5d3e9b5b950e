package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// The HTTP/1.1 answers the bench reads: just what Streamable HTTP needs,
// read on the caller's goroutine from the connection's bufio.Reader.

const (
	maxHead = 64 << 10 // bytes of status line and header fields
	maxBody = 64 << 20 // bytes of one answer's body
)

// answerHead is what the bench reads of an answer's status line and
// header. Its slices are its own, reused from answer to answer.
type answerHead struct {
	status      int
	statusText  []byte // "200 OK"
	contentType []byte
	session     []byte // Mcp-Session-Id
	length      int64  // Content-Length; -1: none
	chunked     bool
	close       bool // the server closes the connection after this answer
}

// readHead reads a status line and header fields, skipping interim
// (1xx) answers.
func readHead(br *bufio.Reader, h *answerHead) error {
	for {
		if err := readOneHead(br, h); err != nil {
			return err
		}
		if h.status >= 200 {
			return nil
		}
	}
}

func readOneHead(br *bufio.Reader, h *answerHead) error {
	h.statusText, h.contentType, h.session = h.statusText[:0], h.contentType[:0], h.session[:0]
	h.length, h.chunked, h.close = -1, false, false
	read := 0
	line, err := headLine(br, &read)
	if err != nil {
		if len(line) == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
			return errors.New("the server closed the connection without answering")
		}
		return fmt.Errorf("reading the status line: %v", err)
	}
	// HTTP/1.x NNN[ reason]
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || (line[7] != '0' && line[7] != '1') ||
		line[8] != ' ' || !isDigits(line[9:12]) || (len(line) > 12 && line[12] != ' ') {
		return fmt.Errorf("malformed status line %q", truncate(line, 100))
	}
	http10 := line[7] == '0'
	h.status = int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	if h.status < 100 {
		return fmt.Errorf("malformed status line %q", truncate(line, 100))
	}
	h.statusText = append(h.statusText, bytes.TrimSpace(line[9:])...)
	keepAlive := false
	for {
		line, err := headLine(br, &read)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("reading the header: %v", err)
		}
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isToken(line[:colon]) {
			return fmt.Errorf("malformed header line %q", truncate(line, 100))
		}
		name, value := line[:colon], bytes.Trim(line[colon+1:], " \t")
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, ok := parseLength(value)
			if !ok || (h.length >= 0 && n != h.length) {
				return fmt.Errorf("bad Content-Length %q", truncate(value, 40))
			}
			h.length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			if !bytes.EqualFold(value, []byte("chunked")) || h.chunked {
				return fmt.Errorf("unsupported Transfer-Encoding %q", truncate(value, 40))
			}
			h.chunked = true
		case bytes.EqualFold(name, []byte("Connection")):
			for t := range bytes.SplitSeq(value, []byte(",")) {
				t = bytes.Trim(t, " \t")
				h.close = h.close || bytes.EqualFold(t, []byte("close"))
				keepAlive = keepAlive || bytes.EqualFold(t, []byte("keep-alive"))
			}
		case bytes.EqualFold(name, []byte("Content-Type")):
			h.contentType = append(h.contentType[:0], value...)
		case bytes.EqualFold(name, []byte("Mcp-Session-Id")):
			h.session = append(h.session[:0], value...)
		}
	}
	if http10 && !keepAlive {
		h.close = true
	}
	if h.chunked {
		h.length = -1 // Transfer-Encoding wins (RFC 9112, section 6.3)
	}
	return nil
}

// headLine reads one line of the head without its line end, counting
// the bytes of the head so far against maxHead.
func headLine(br *bufio.Reader, read *int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	*read += len(line)
	switch {
	case err == bufio.ErrBufferFull:
		return nil, fmt.Errorf("a header line longer than %d bytes", br.Size())
	case *read > maxHead:
		return nil, fmt.Errorf("a header longer than %d bytes", maxHead)
	}
	if err != nil {
		return line, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// isToken reports whether b is a header field name (RFC 9110, 5.6.2).
func isToken(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte(`"(),/:;<=>?@[\]{}`), c) >= 0 {
			return false
		}
	}
	return len(b) > 0
}

func parseLength(b []byte) (int64, bool) {
	if !isDigits(b) || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// bodyReader reads the body of one answer: by its Content-Length, by its
// chunks, or to the end of the connection. Its first error sticks.
type bodyReader struct {
	br      *bufio.Reader
	mode    int   // bodyFixed, bodyChunked or bodyToEOF
	left    int64 // bytes left: of the body, or of the current chunk
	read    int64 // bytes of the body read so far
	started bool  // a chunk was read: its CRLF comes before the next size
	done    bool  // the body was read to its end
	err     error
}

var _ io.Reader = (*bodyReader)(nil)

const (
	bodyFixed = iota
	bodyChunked
	bodyToEOF
)

func (b *bodyReader) reset(br *bufio.Reader, h *answerHead) {
	*b = bodyReader{br: br, mode: bodyToEOF}
	switch {
	case h.status == 204 || h.status == 304:
		b.mode, b.done = bodyFixed, true
	case h.chunked:
		b.mode = bodyChunked
	case h.length >= 0:
		b.mode, b.left, b.done = bodyFixed, h.length, h.length == 0
	}
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.done {
		return 0, io.EOF
	}
	if b.mode == bodyChunked && b.left == 0 {
		if err := b.nextChunk(); err != nil {
			b.err = err
			return 0, err
		}
		if b.done {
			return 0, io.EOF
		}
	}
	if b.mode != bodyToEOF && int64(len(p)) > b.left {
		p = p[:b.left]
	}
	if b.read+int64(len(p)) > maxBody {
		if p = p[:maxBody-b.read]; len(p) == 0 {
			b.err = fmt.Errorf("an answer longer than %d MiB", maxBody>>20)
			return 0, b.err
		}
	}
	n, err := b.br.Read(p)
	b.read += int64(n)
	b.left -= int64(n)
	switch {
	case err == io.EOF && b.mode == bodyToEOF:
		b.done = true
	case err == io.EOF && b.mode == bodyFixed:
		b.err = fmt.Errorf("the connection closed %d bytes into a body of %d", b.read, b.read+b.left)
	case err == io.EOF:
		b.err = errors.New("the connection closed inside a chunk")
	case err != nil:
		b.err = err
	case b.mode == bodyFixed && b.left == 0:
		b.done = true
	}
	if b.err != nil {
		return n, b.err
	}
	if b.done && n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// nextChunk reads the line end of the chunk before, if any, and the size
// of the next chunk; after the last chunk, the trailer fields.
func (b *bodyReader) nextChunk() error {
	if b.started {
		if line, err := b.line(); err != nil || len(line) > 0 {
			return chunkError("no line end after a chunk's data", err)
		}
	}
	b.started = true
	line, err := b.line()
	if err != nil {
		return chunkError("reading a chunk size", err)
	}
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i] // a chunk extension
	}
	line = bytes.TrimRight(line, " \t")
	if len(line) == 0 || len(line) > 15 {
		return fmt.Errorf("bad chunk size %q", truncate(line, 40))
	}
	var size int64
	for _, c := range line {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return fmt.Errorf("bad chunk size %q", truncate(line, 40))
		}
		size = size<<4 | int64(c)
	}
	if size > 0 {
		b.left = size
		return nil
	}
	for read := 0; ; {
		line, err := b.line()
		if err != nil {
			return chunkError("reading the trailer", err)
		}
		if read += len(line) + 2; read > maxHead {
			return fmt.Errorf("a trailer longer than %d bytes", maxHead)
		}
		if len(line) == 0 {
			b.done = true
			return nil
		}
	}
}

// line reads one line of chunked framing, without its CRLF.
func (b *bodyReader) line() ([]byte, error) {
	line, err := b.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, fmt.Errorf("a line longer than %d bytes", b.br.Size())
	}
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

func chunkError(what string, err error) error {
	switch err {
	case nil:
		return errors.New("chunked body: " + what)
	case io.EOF:
		err = errors.New("the connection closed")
	}
	return fmt.Errorf("chunked body: %s: %w", what, err)
}
