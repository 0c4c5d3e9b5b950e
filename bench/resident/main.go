// Command resident prints, for each loaded section of a running
// process's executable, how much of it is mapped in the process's page
// tables: the part of the process's RSS that is the executable's pages.
//
//	go run ./bench/resident PID
//
// It reads /proc/PID/maps for the executable's mappings, /proc/PID/pagemap
// for which of their pages are present, and the executable's ELF section
// headers for what lies where. Linux only; reading another process's
// pagemap needs the right to ptrace it.
package main

import (
	"bufio"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: resident PID")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "resident:", err)
		os.Exit(1)
	}
}

const page = 4096

func run(pid string, w io.Writer) error {
	exe, err := os.Readlink("/proc/" + pid + "/exe")
	if err != nil {
		return err
	}
	f, err := elf.Open("/proc/" + pid + "/exe")
	if err != nil {
		return err
	}
	defer f.Close()
	present, err := presentPages(pid, exe)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s\n%-12s %8s %9s\n", exe, "section", "MiB", "resident")
	var total, small, smallSize int
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Type == elf.SHT_NOBITS || s.Size == 0 {
			continue
		}
		n := 0
		for p := s.Addr &^ (page - 1); p < s.Addr+s.Size; p += page {
			if present[p] {
				n++
			}
		}
		total += n
		if s.Size < 64<<10 {
			small, smallSize = small+n, smallSize+int(s.Size)
			continue
		}
		fmt.Fprintf(w, "%-12s %8.2f %9.2f\n", s.Name, mib(int(s.Size)), mib(n*page))
	}
	fmt.Fprintf(w, "%-12s %8.2f %9.2f\n", "the rest", mib(smallSize), mib(small*page))
	fmt.Fprintf(w, "%-12s %8s %9.2f\n", "all", "", mib(total*page))
	return nil
}

// presentPages is the set of page addresses of the executable's mappings
// that are present in the process's page tables. A page two sections
// share counts for both.
func presentPages(pid, exe string) (map[uint64]bool, error) {
	maps, err := os.Open("/proc/" + pid + "/maps")
	if err != nil {
		return nil, err
	}
	defer maps.Close()
	pm, err := os.Open("/proc/" + pid + "/pagemap")
	if err != nil {
		return nil, err
	}
	defer pm.Close()
	present := map[uint64]bool{}
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[5] != exe {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("/proc/%s/maps: cannot read %q", pid, f[0])
		}
		// One 64-bit entry per page; bit 63 says the page is present.
		buf := make([]byte, (end-start)/page*8)
		if _, err := pm.ReadAt(buf, int64(start/page*8)); err != nil {
			return nil, fmt.Errorf("/proc/%s/pagemap: %v", pid, err)
		}
		for i := range (end - start) / page {
			if binary.LittleEndian.Uint64(buf[i*8:])>>63 == 1 {
				present[start+i*page] = true
			}
		}
	}
	return present, sc.Err()
}

func mib(n int) float64 { return float64(n) / (1 << 20) }
