// Command inventory is TechNova's demo inventory service: stock per SKU and
// warehouse, for the HTTP tools in ../../technova.hcl. Its numbers are
// made up but deterministic: the same SKU always has the same stock.
//
//	go run ./examples/technova/inventory -listen 127.0.0.1:8081
//
// Every request needs the bearer token (-token, or TECHNOVA_INVENTORY_TOKEN,
// default "technova-demo-token"): mcpgen sends it from the source's headers,
// never the AI client's.
package main

import (
	"crypto/subtle"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"log"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"time"
)

// skus are the products in ../seed.sql (main_test.go checks they agree).
var skus = []string{
	"TN-ACC-401", "TN-ACC-402", "TN-ACC-403", "TN-ACC-404", "TN-ACC-405", "TN-ACC-406",
	"TN-AUD-301", "TN-AUD-302", "TN-AUD-303", "TN-AUD-304", "TN-AUD-305",
	"TN-LAP-101", "TN-LAP-102", "TN-LAP-103", "TN-LAP-104",
	"TN-MON-201", "TN-MON-202", "TN-MON-203", "TN-MON-204", "TN-MON-205",
	"TN-NET-601", "TN-NET-602", "TN-NET-603", "TN-NET-604", "TN-NET-605",
	"TN-STO-501", "TN-STO-502", "TN-STO-503", "TN-STO-504", "TN-STO-505",
}

type warehouse struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	City      string `json:"city"`
	Country   string `json:"country"`
	CutoffUTC string `json:"cutoff_utc"` // orders paid before this ship the same day
}

var warehouses = []warehouse{
	{"CMH", "Columbus fulfilment center", "Columbus", "US", "20:00"},
	{"RNO", "Reno fulfilment center", "Reno", "US", "22:00"},
	{"RTM", "Rotterdam distribution hub", "Rotterdam", "NL", "15:00"},
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8081", "address to listen on")
	token := flag.String("token", envOr("TECHNOVA_INVENTORY_TOKEN", "technova-demo-token"), "bearer token callers must send")
	flag.Parse()
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: newHandler(*token), ReadHeaderTimeout: 5 * time.Second}
	// The address as bound: with port 0, this is where to find the service.
	log.Printf("TechNova inventory on http://%s", l.Addr())
	log.Fatal(srv.Serve(l))
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

var skuRe = regexp.MustCompile(`^TN-[A-Z]{3}-[0-9]{3}$`)

func newHandler(token string) http.Handler {
	known := map[string]bool{}
	for _, s := range skus {
		known[s] = true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /v1/stock/{sku}", func(w http.ResponseWriter, r *http.Request) {
		sku := r.PathValue("sku")
		if !skuRe.MatchString(sku) || !known[sku] {
			writeError(w, http.StatusNotFound, fmt.Sprintf("unknown sku %q", sku))
			return
		}
		writeJSON(w, http.StatusOK, stock(sku))
	})
	mux.HandleFunc("GET /v1/warehouses/{code}", func(w http.ResponseWriter, r *http.Request) {
		code := r.PathValue("code")
		for _, wh := range warehouses {
			if wh.Code == code {
				inStock := 0
				for _, s := range skus {
					if quantity(s, code) > 0 {
						inStock++
					}
				}
				writeJSON(w, http.StatusOK, map[string]any{"warehouse": wh, "skus_in_stock": inStock, "skus_total": len(skus)})
				return
			}
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("unknown warehouse %q", code))
	})
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

type level struct {
	Warehouse string `json:"warehouse"`
	Quantity  int    `json:"quantity"`
}

func stock(sku string) map[string]any {
	var levels []level
	total := 0
	for _, wh := range warehouses {
		q := quantity(sku, wh.Code)
		levels = append(levels, level{wh.Code, q})
		total += q
	}
	sort.Slice(levels, func(i, j int) bool { return levels[i].Warehouse < levels[j].Warehouse })
	out := map[string]any{"sku": sku, "available": total, "warehouses": levels, "restock_date": nil}
	if total == 0 {
		out["restock_date"] = fmt.Sprintf("2026-12-%02d", 1+hash(sku, "restock")%28)
	}
	return out
}

// quantity is a stable 0..60 for a SKU in a warehouse; about one SKU in
// seven is out of stock there.
func quantity(sku, code string) int {
	h := hash(sku, code)
	if h%7 == 0 {
		return 0
	}
	return int(h % 61)
}

func hash(parts ...string) uint32 {
	h := fnv.New32a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum32()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"message": msg}})
}
